//! A care plan as an iCalendar file (RFC 5545, written by the `icalendar` crate): one VEVENT per
//! session with a stable UID (the session's id) and its revision as SEQUENCE, so a calendar that
//! imported it before updates the event in place. A session without a booked time is an all-day
//! event (`DTSTART;VALUE=DATE`, `DTEND` the next day); a booked time is the clinic's local time,
//! written in UTC (no VTIMEZONE needed). A cancelled session stays, `STATUS:CANCELLED`.

use chrono::{DateTime, NaiveDate, Utc};
use discpath_store::accounts::Clinic;
use discpath_store::care::{CarePlan, CareSession};
use icalendar::{Calendar, Component as _, Event, EventLike as _, EventStatus};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use crate::error::ApiError;

/// How long a booked session lasts in the calendar.
pub(crate) const SESSION_MINUTES: i64 = 45;

/// The plan's sessions as an iCalendar file.
pub(crate) fn ics(
    clinic: &Clinic,
    plan: &CarePlan,
    sessions: &[CareSession],
) -> Result<String, ApiError> {
    let zone = TimeZone::get(&clinic.time_zone).map_err(|e| {
        ApiError::Internal(format!(
            "clinic {}: time zone {}: {e}",
            clinic.clinic_id, clinic.time_zone
        ))
    })?;
    let name = clinic.display_name.as_deref().unwrap_or(&clinic.name);
    let mut calendar = Calendar::new();
    calendar.name(&format!("{name}: care plan")).description(&format!(
        "Care plan {} ({}) from {}",
        plan.care_plan_id, plan.pathway, plan.start_date
    ));
    let total = |therapy: &str| sessions.iter().filter(|s| s.therapy == therapy).count();
    for session in sessions {
        let date: Date = session.session_date.parse().map_err(|e| stored(session, &e))?;
        let mut event = Event::new();
        event
            .uid(&format!("{}@discpath", session.care_session_id))
            .sequence(u32::try_from(session.revision).unwrap_or(u32::MAX))
            .summary(&format!(
                "{} session {} of {}",
                therapy_title(&session.therapy),
                session.number,
                total(&session.therapy)
            ))
            .location(name);
        match &session.booked_time {
            Some(time) => {
                let time = Time::strptime("%H:%M", time).map_err(|e| stored(session, &e))?;
                let start = date
                    .to_datetime(time)
                    .to_zoned(zone.clone())
                    .map_err(|e| stored(session, &e))?;
                let end = start
                    .checked_add(jiff::SignedDuration::from_mins(SESSION_MINUTES))
                    .map_err(|e| stored(session, &e))?;
                event.starts(utc(start.timestamp())?).ends(utc(end.timestamp())?);
            }
            None => {
                let next = date.tomorrow().map_err(|e| stored(session, &e))?;
                event.starts(naive(date)?).ends(naive(next)?);
            }
        }
        if session.status == "cancelled" {
            event.status(EventStatus::Cancelled);
        } else {
            event.status(EventStatus::Confirmed);
        }
        calendar.push(event.done());
    }
    Ok(calendar.done().to_string())
}

fn therapy_title(therapy: &str) -> &str {
    match therapy {
        "decompression" => "Spinal decompression",
        "physical_therapy" => "Physical therapy",
        other => other,
    }
}

fn stored(session: &CareSession, error: &dyn std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("session {}: {error}", session.care_session_id))
}

fn utc(at: jiff::Timestamp) -> Result<DateTime<Utc>, ApiError> {
    DateTime::from_timestamp(at.as_second(), 0)
        .ok_or_else(|| ApiError::Internal(format!("{at} is out of range")))
}

fn naive(date: Date) -> Result<NaiveDate, ApiError> {
    NaiveDate::from_ymd_opt(
        i32::from(date.year()),
        u32::from(date.month().unsigned_abs()),
        u32::from(date.day().unsigned_abs()),
    )
    .ok_or_else(|| ApiError::Internal(format!("{date} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(
        id: &str,
        date: &str,
        time: Option<&str>,
        status: &str,
        revision: i64,
    ) -> CareSession {
        CareSession {
            care_session_id: id.to_owned(),
            care_plan_id: "plan".to_owned(),
            clinic_id: "clinic".to_owned(),
            phase: 0,
            therapy: "decompression".to_owned(),
            number: 1,
            session_date: date.to_owned(),
            status: status.to_owned(),
            updated_at: String::new(),
            booked_time: time.map(str::to_owned),
            revision,
        }
    }

    #[test]
    fn each_session_is_one_event_all_day_or_in_utc_from_the_clinics_zone() {
        let clinic = Clinic {
            clinic_id: "clinic".to_owned(),
            name: "North Spine".to_owned(),
            created_at: String::new(),
            slug: None,
            display_name: None,
            emergency_number: "911".to_owned(),
            time_zone: "America/Chicago".to_owned(),
            admin_totp_required: 0,
        };
        let plan = CarePlan {
            care_plan_id: "plan".to_owned(),
            clinic_id: "clinic".to_owned(),
            patient_id: "p".to_owned(),
            episode_id: "e".to_owned(),
            assessment_id: "a".to_owned(),
            pathway: "decompression_then_pt".to_owned(),
            start_date: "2027-01-04".to_owned(),
            created_by: "u".to_owned(),
            created_at: String::new(),
        };
        let sessions = [
            session("s1", "2027-01-04", None, "scheduled", 0),
            // 09:30 in Chicago in January (UTC−6) is 15:30 UTC; in July (UTC−5) 14:30 UTC.
            session("s2", "2027-01-05", Some("09:30"), "scheduled", 2),
            session("s3", "2027-07-06", Some("09:30"), "cancelled", 1),
        ];
        let text = ics(&clinic, &plan, &sessions).unwrap_or_default();
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 3, "{text}");
        assert!(text.contains("UID:s1@discpath"));
        assert!(
            text.contains("DTSTART;VALUE=DATE:20270104")
                && text.contains("DTEND;VALUE=DATE:20270105"),
            "{text}"
        );
        assert!(
            text.contains("DTSTART:20270105T153000Z") && text.contains("DTEND:20270105T161500Z"),
            "{text}"
        );
        assert!(text.contains("DTSTART:20270706T143000Z"), "daylight saving time: {text}");
        assert!(text.contains("SEQUENCE:2") && text.contains("STATUS:CANCELLED"));
        assert!(text.contains("\r\n"), "CRLF line endings");
    }
}
