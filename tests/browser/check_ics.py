"""Checks a care plan's iCalendar file with a third-party parser (PyPI icalendar).

usage: check_ics.py FILE EXPECTED.json

EXPECTED is the plan's sessions as the API lists them ([{care_session_id, session_date,
booked_time, status}]). The file must parse, hold exactly one VEVENT per session with the UID
`<care_session_id>@discpath`, an all-day DTSTART on the session's date when no time is booked
(DTEND the next day), a UTC DTSTART on that date when one is, and STATUS:CANCELLED exactly for
cancelled sessions. Prints what is wrong and exits 1, else prints a summary.
"""

import datetime
import json
import sys

import icalendar


def main(path, expected_path):
    with open(path, "rb") as f:
        calendar = icalendar.Calendar.from_ical(f.read())
    with open(expected_path, encoding="utf-8") as f:
        sessions = json.load(f)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    problems = []
    if len(calendar.walk("VEVENT")) != len(sessions):
        problems.append(f"{len(calendar.walk('VEVENT'))} events for {len(sessions)} sessions")
    for session in sessions:
        uid = f"{session['care_session_id']}@discpath"
        event = events.get(uid)
        if event is None:
            problems.append(f"no event {uid}")
            continue
        day = datetime.date.fromisoformat(session["session_date"])
        start = event.decoded("DTSTART")
        if session.get("booked_time"):
            if not isinstance(start, datetime.datetime) or start.utcoffset() != datetime.timedelta(0):
                problems.append(f"{uid}: a booked session starts at a UTC time, not {start!r}")
        else:
            end = event.decoded("DTEND")
            if isinstance(start, datetime.datetime) or start != day or end != day + datetime.timedelta(days=1):
                problems.append(f"{uid}: expected the all-day {day}, got {start!r} to {end!r}")
        cancelled = str(event.get("STATUS", "")) == "CANCELLED"
        if cancelled != (session["status"] == "cancelled"):
            problems.append(f"{uid}: STATUS {event.get('STATUS')} for a {session['status']} session")
    if problems:
        print("\n".join(problems))
        return 1
    print(f"{len(sessions)} events, one per session, dates and status right")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
