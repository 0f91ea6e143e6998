//! Where a follow-up stands on a given day: its window (from the care plan) against the day
//! and the dates its questionnaires were answered. Pure: the caller says what day it is.

use jiff::civil::Date;

/// The state of one follow-up point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpState {
    /// Its window has not opened.
    Upcoming,
    /// Its window is open and its date not yet past.
    Due,
    /// Its date is past and its window still open.
    Overdue,
    /// Answered within its window.
    Completed,
    /// Its window closed without an answer in it.
    Missed,
}

impl FollowUpState {
    /// The state's code (`due`, `overdue`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upcoming => "upcoming",
            Self::Due => "due",
            Self::Overdue => "overdue",
            Self::Completed => "completed",
            Self::Missed => "missed",
        }
    }
}

/// Whether a questionnaire answered on `day` counts for the follow-up whose window runs from
/// `opens` to `closes` (both included).
pub fn within((opens, closes): (Date, Date), day: Date) -> bool {
    (opens..=closes).contains(&day)
}

/// The state on `today` of a follow-up dated `date` whose questionnaire counts from `opens` to
/// `closes` (both included), answered on the days `answered` (an answer outside the window
/// does not count for this point).
pub fn follow_up_state(
    window: (Date, Date),
    date: Date,
    answered: &[Date],
    today: Date,
) -> FollowUpState {
    let (opens, closes) = window;
    if answered.iter().any(|&day| within(window, day) && day <= today) {
        FollowUpState::Completed
    } else if today < opens {
        FollowUpState::Upcoming
    } else if today <= date {
        FollowUpState::Due
    } else if today <= closes {
        FollowUpState::Overdue
    } else {
        FollowUpState::Missed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FollowUpState::*;
    use jiff::civil::date;

    #[test]
    fn each_day_around_a_window_has_its_state() {
        // 6 weeks ± 1 week after a start on Monday 2027-01-04: dated 2027-02-15.
        let window = (date(2027, 2, 8), date(2027, 2, 22));
        let on = |today| follow_up_state(window, date(2027, 2, 15), &[], today);
        assert_eq!(on(date(2027, 2, 7)), Upcoming, "the day before the window opens");
        assert_eq!(on(date(2027, 2, 8)), Due, "the window's first day");
        assert_eq!(on(date(2027, 2, 15)), Due, "its date");
        assert_eq!(on(date(2027, 2, 16)), Overdue, "the day after its date");
        assert_eq!(on(date(2027, 2, 22)), Overdue, "the window's last day");
        assert_eq!(on(date(2027, 2, 23)), Missed, "the day after the window closes");
    }

    #[test]
    fn only_an_answer_within_the_window_completes_it() {
        let window = (date(2027, 2, 8), date(2027, 2, 22));
        let day = date(2027, 2, 15);
        let state = |answered: &[Date], today| follow_up_state(window, day, answered, today);
        assert_eq!(state(&[date(2027, 2, 8)], date(2027, 2, 8)), Completed, "on the first day");
        assert_eq!(state(&[date(2027, 2, 22)], date(2027, 3, 30)), Completed, "on the last day");
        assert_eq!(
            state(&[date(2027, 2, 7)], date(2027, 2, 10)),
            Due,
            "a day early does not count"
        );
        assert_eq!(state(&[date(2027, 2, 23)], date(2027, 2, 23)), Missed, "a day late does not");
        // An answer dated after `today` (a clock behind the record's) is not yet one.
        assert_eq!(state(&[date(2027, 2, 20)], date(2027, 2, 10)), Due);
    }
}
