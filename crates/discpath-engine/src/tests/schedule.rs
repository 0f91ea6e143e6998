//! Care-plan dates: open days only (weekdays, less closed dates), tapering weeks, the phase
//! hand-over, calendar-month follow-ups that are month-end and leap-year safe and move to the
//! next open day.

use jiff::civil::{Date, Weekday};
use serde_json::{Value, json};

use crate::schedule::{Calendar, offset_date};
use crate::tests::{base_document, evaluate};

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

fn plan_for(start: &str) -> Value {
    let mut doc = base_document();
    doc["plan"]["start_date"] = json!(start);
    evaluate(&doc)["care_plan"].clone()
}

fn dates(phase: &Value) -> Vec<Date> {
    phase["dates"].as_array().unwrap().iter().map(|d| date(d.as_str().unwrap())).collect()
}

/// The invariants every phase's dates must keep.
#[track_caller]
fn check_phase(dates: &[Date], first_week_start: Date, weekly: &[usize]) {
    assert_eq!(dates.len(), weekly.iter().sum::<usize>());
    for pair in dates.windows(2) {
        assert!(pair[0] < pair[1], "one session a day, in order: {pair:?}");
    }
    for day in dates {
        assert!(
            !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday),
            "{day} is a weekend"
        );
    }
    for (week, expected) in weekly.iter().enumerate() {
        let start = first_week_start.checked_add(jiff::Span::new().days(7 * week as i64)).unwrap();
        let end = start.checked_add(jiff::Span::new().days(6)).unwrap();
        let in_week = dates.iter().filter(|d| **d >= start && **d <= end).count();
        assert_eq!(in_week, *expected, "week {} from {start}", week + 1);
    }
}

#[test]
fn sequence_plan_from_a_monday() {
    let plan = plan_for("2027-01-04");
    let decompression = dates(&plan["phases"][0]);
    check_phase(&decompression, date("2027-01-04"), &[5, 5, 3, 3, 2, 2]);
    assert_eq!(decompression[0], date("2027-01-04"));
    // Three a week on Monday, Wednesday, Friday; two a week on Monday and Thursday.
    assert_eq!(
        &decompression[10..13],
        &[date("2027-01-18"), date("2027-01-20"), date("2027-01-22")]
    );
    assert_eq!(&decompression[16..18], &[date("2027-02-01"), date("2027-02-04")]);
    // Physical therapy starts on the first weekday after the last decompression week.
    let pt = dates(&plan["phases"][1]);
    assert_eq!(pt[0], date("2027-02-15"));
    check_phase(&pt, date("2027-02-15"), &[2; 6]);
    assert_eq!(
        plan["follow_ups"],
        json!([
            // Baseline in the four weeks before the first session; then ± 1, 2 and 4 weeks.
            {"label": "baseline", "offset": "P0D", "date": "2027-01-04",
             "window": {"opens": "2026-12-07", "closes": "2027-01-04"}},
            {"label": "6 weeks", "offset": "P6W", "date": "2027-02-15",
             "window": {"opens": "2027-02-08", "closes": "2027-02-22"}},
            {"label": "3 months", "offset": "P3M", "date": "2027-04-05",
             "window": {"opens": "2027-03-22", "closes": "2027-04-19"}},
            {"label": "6 months", "offset": "P6M", "date": "2027-07-05",
             "window": {"opens": "2027-06-07", "closes": "2027-08-02"}},
        ])
    );
}

#[test]
fn a_weekend_start_begins_on_monday() {
    let plan = plan_for("2027-01-02"); // a Saturday
    let decompression = dates(&plan["phases"][0]);
    assert_eq!(decompression[0], date("2027-01-04"));
    // Week 1 is the seven days from the start date itself.
    check_phase(&decompression, date("2027-01-02"), &[5, 5, 3, 3, 2, 2]);
    // Follow-ups count from the start date as given, then move to the next open day.
    assert_eq!(plan["follow_ups"][0]["date"], "2027-01-04");
    assert_eq!(plan["follow_ups"][1]["date"], "2027-02-15");
}

#[test]
fn a_midweek_start_keeps_every_week_on_weekdays() {
    for start in ["2027-01-06", "2027-01-07", "2027-01-08", "2026-12-31", "2028-02-28"] {
        let plan = plan_for(start);
        let decompression = dates(&plan["phases"][0]);
        let open = Calendar::new(&[]);
        assert_eq!(decompression[0], open.open_on_or_after(date(start)).unwrap());
        check_phase(&decompression, date(start), &[5, 5, 3, 3, 2, 2]);
        let pt = dates(&plan["phases"][1]);
        let after = date(start).checked_add(jiff::Span::new().days(42)).unwrap();
        assert_eq!(pt[0], open.open_on_or_after(after).unwrap(), "{start}");
        check_phase(&pt, pt[0], &[2; 6]);
    }
}

#[test]
fn follow_ups_are_month_end_and_leap_year_safe() {
    assert_eq!(offset_date(date("2027-08-31"), 0, 0, 6), Some(date("2028-02-29")));
    assert_eq!(offset_date(date("2026-08-31"), 0, 0, 6), Some(date("2027-02-28")));
    assert_eq!(offset_date(date("2027-11-30"), 0, 0, 3), Some(date("2028-02-29")));
    assert_eq!(offset_date(date("2027-01-31"), 0, 0, 3), Some(date("2027-04-30")));
    assert_eq!(offset_date(date("2028-02-29"), 0, 0, 6), Some(date("2028-08-29")));
    assert_eq!(offset_date(date("2027-12-31"), 0, 6, 0), Some(date("2028-02-11")));
    let plan = plan_for("2027-08-31");
    assert_eq!(plan["follow_ups"][3]["date"], "2028-02-29");
}

#[test]
fn without_a_start_date_the_plan_has_no_dates() {
    let mut doc = base_document();
    doc.as_object_mut().unwrap().remove("plan");
    let plan = evaluate(&doc)["care_plan"].clone();
    assert!(plan["phases"][0].get("dates").is_none());
    assert_eq!(plan["follow_ups"][2], json!({"label": "3 months", "offset": "P3M"}));
}

#[test]
fn phase_dates_hand_over_to_the_next_weekday() {
    let open = Calendar::new(&[]);
    let (dates, next) = open.phase_dates(date("2027-01-04"), &[1]).unwrap();
    assert_eq!(dates, [date("2027-01-04")]);
    assert_eq!(next, date("2027-01-11"));
    let (_, next) = open.phase_dates(date("2027-01-09"), &[1]).unwrap(); // Saturday window
    assert_eq!(next, date("2027-01-18"), "Saturday + 7 is a Saturday: the next weekday is Monday");
}

#[test]
fn the_latest_start_date_still_schedules() {
    let plan = plan_for("2999-12-31");
    assert_eq!(plan["follow_ups"][3]["date"], "3000-06-30"); // a Monday
    assert_eq!(plan["phases"][1]["dates"].as_array().unwrap().len(), 12);
}

#[test]
fn closed_dates_move_sessions_on_and_keep_the_count() {
    // Closed the whole second week and a Monday in week 5.
    let closed: Vec<Date> =
        ["2027-01-11", "2027-01-12", "2027-01-13", "2027-01-14", "2027-01-15", "2027-02-01"]
            .map(date)
            .to_vec();
    let calendar = Calendar::new(&closed);
    let weekly = [5, 5, 3, 3, 2, 2];
    let (dates, next) = calendar.phase_dates(date("2027-01-04"), &weekly).unwrap();
    assert_eq!(dates.len(), 20, "the count is kept");
    for pair in dates.windows(2) {
        assert!(pair[0] < pair[1], "one session a day, in order: {pair:?}");
    }
    for day in &dates {
        assert!(!closed.contains(day), "{day} is closed");
        assert!(!matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday), "{day}");
    }
    // Week 2's five sessions run into week 3, which then runs on.
    assert_eq!(
        &dates[5..10],
        &["2027-01-18", "2027-01-19", "2027-01-20", "2027-01-21", "2027-01-22"].map(date)
    );
    assert!(next > *dates.last().unwrap(), "the next phase starts after the last session");
    // With nothing closed the same course ends in week 6 and hands over on the Monday after.
    let (open_dates, open_next) =
        Calendar::new(&[]).phase_dates(date("2027-01-04"), &weekly).unwrap();
    assert_eq!(open_dates.len(), 20);
    assert_eq!(open_next, date("2027-02-15"));
}

#[test]
fn follow_ups_and_reviews_skip_closed_days() {
    let mut doc = base_document();
    // 6 weeks after Monday 4 January is Monday 15 February: closed, so Tuesday.
    doc["plan"] = json!({ "start_date": "2027-01-04", "closed_dates": ["2027-02-15"] });
    let plan = evaluate(&doc)["care_plan"].clone();
    assert_eq!(plan["follow_ups"][1]["date"], "2027-02-16");
    let pt = dates(&plan["phases"][1]);
    assert_eq!(pt[0], date("2027-02-16"), "the PT phase starts on the next open day");
}
