//! Session and follow-up dates (spec: "Care plan").
//!
//! Sessions fall on weekdays, at most one a day. Week *n* of a phase is the seven days from the
//! phase's start + 7(n − 1); its sessions are spread as evenly as the weekdays allow (largest
//! smallest gap between consecutive sessions, counting on into the next week), the first on the
//! phase's first weekday. A later phase starts on the first weekday after the last week of the
//! phase before. Follow-ups add calendar units to the plan's start date; adding months clamps to
//! the end of a shorter month (31 January + 1 month = 28 or 29 February).

use std::sync::LazyLock;

use jiff::civil::{Date, Weekday};
use jiff::{Span, ToSpan};

/// The first weekday on or after `date`.
pub(crate) fn weekday_on_or_after(date: Date) -> Option<Date> {
    match date.weekday() {
        Weekday::Saturday => date.checked_add(2.days()).ok(),
        Weekday::Sunday => date.checked_add(1.days()).ok(),
        _ => Some(date),
    }
}

/// The dates of a phase that starts on `start` with `weekly[n]` sessions in week `n + 1`, and
/// the date the next phase starts.
pub(crate) fn phase_dates(start: Date, weekly: &[u32]) -> Option<(Vec<Date>, Date)> {
    let mut dates = Vec::with_capacity(weekly.iter().map(|n| *n as usize).sum());
    // Every week starts on the same weekday as the phase, so its pattern depends only on that
    // weekday and the number of sessions.
    let first_weekday = usize::from(start.weekday().to_monday_zero_offset().unsigned_abs());
    let mut week_start = start;
    for sessions in weekly {
        let pattern = PATTERNS.get(first_weekday).and_then(|p| p.get(*sessions as usize));
        for offset in pattern.into_iter().flatten() {
            dates.push(week_start.checked_add(i64::from(*offset).days()).ok()?);
        }
        week_start = week_start.checked_add(7.days()).ok()?;
    }
    Some((dates, weekday_on_or_after(week_start)?))
}

/// The most sessions a week can hold: one a weekday.
const MAX_PER_WEEK: usize = 5;

/// For a week starting on each weekday (Monday = 0) and each number of sessions (0–5), the day
/// offsets (0–6) of the sessions.
static PATTERNS: LazyLock<Vec<Vec<Vec<i8>>>> = LazyLock::new(|| {
    (0..7)
        .map(|first: i8| {
            // Offsets 0–6 whose weekday (Monday = 0) is not Saturday (5) or Sunday (6).
            let weekdays: Vec<i8> = (0..7).filter(|offset| (first + offset) % 7 < 5).collect();
            (0..=MAX_PER_WEEK).map(|count| spread(&weekdays, count)).collect()
        })
        .collect()
});

/// Chooses `count` of the week's weekday offsets (ascending, the first always kept) so that
/// the smallest gap between consecutive sessions, wrapping into the next week, is as large as
/// possible; ties go to the smaller largest gap, then to the earlier days.
fn spread(weekdays: &[i8], count: usize) -> Vec<i8> {
    let count = count.min(weekdays.len());
    let Some((first, rest)) = weekdays.split_first() else { return Vec::new() };
    if count == 0 {
        return Vec::new();
    }
    let mut best: Option<((i8, i8), Vec<i8>)> = None;
    // Every subset of the remaining weekdays of the right size (at most 2^4 of them).
    for mask in 0u32..(1 << rest.len()) {
        if mask.count_ones() as usize != count - 1 {
            continue;
        }
        let mut chosen = vec![*first];
        chosen
            .extend(rest.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, d)| *d));
        let wrap = 7 + chosen[0] - chosen[chosen.len() - 1];
        let gaps = chosen.windows(2).map(|pair| pair[1] - pair[0]).chain(std::iter::once(wrap));
        let (min_gap, max_gap) = gaps.fold((7, 0), |(lo, hi), gap| (lo.min(gap), hi.max(gap)));
        let key = (min_gap, -max_gap);
        let better = match &best {
            None => true,
            Some((best_key, best_days)) => {
                key > *best_key || (key == *best_key && chosen < *best_days)
            }
        };
        if better {
            best = Some((key, chosen));
        }
    }
    best.map(|(_, days)| days).unwrap_or_default()
}

/// `start` plus calendar units.
pub(crate) fn offset_date(start: Date, days: u32, weeks: u32, months: u32) -> Option<Date> {
    start.checked_add(offset_span(days, weeks, months)?).ok()
}

fn offset_span(days: u32, weeks: u32, months: u32) -> Option<Span> {
    Span::new()
        .try_months(i64::from(months))
        .ok()?
        .try_weeks(i64::from(weeks))
        .ok()?
        .try_days(i64::from(days))
        .ok()
}
