//! Session and follow-up dates (spec: "Care plan").
//!
//! Sessions fall on weekdays, at most one a day. Week *n* of a phase is the seven days from the
//! phase's start + 7(n − 1); its sessions are spread as evenly as the weekdays allow (largest
//! smallest gap between consecutive sessions, counting on into the next week), the first on the
//! phase's first weekday. A later phase starts on the first weekday after the last week of the
//! phase before. Follow-ups add calendar units to the plan's start date; adding months clamps to
//! the end of a shorter month (31 January + 1 month = 28 or 29 February).

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
    let mut week_start = start;
    for sessions in weekly {
        let weekdays: Vec<i32> = (0..7)
            .filter(|offset| {
                week_start
                    .checked_add(offset.days())
                    .is_ok_and(|day| !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday))
            })
            .collect();
        for offset in spread(&weekdays, *sessions) {
            dates.push(week_start.checked_add(offset.days()).ok()?);
        }
        week_start = week_start.checked_add(7.days()).ok()?;
    }
    Some((dates, weekday_on_or_after(week_start)?))
}

/// Chooses `count` of the week's weekday offsets (0–6, ascending, the first always kept) so that
/// the smallest gap between consecutive sessions, wrapping into the next week, is as large as
/// possible; ties go to the smaller largest gap, then to the earlier days.
fn spread(weekdays: &[i32], count: u32) -> Vec<i32> {
    let count = (count as usize).min(weekdays.len());
    let Some((first, rest)) = weekdays.split_first() else { return Vec::new() };
    if count == 0 {
        return Vec::new();
    }
    let mut best: Option<((i32, i32), Vec<i32>)> = None;
    // Every subset of the remaining weekdays of the right size (at most 2^4 of them).
    for mask in 0u32..(1 << rest.len()) {
        if mask.count_ones() as usize != count - 1 {
            continue;
        }
        let mut chosen = vec![*first];
        chosen
            .extend(rest.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, d)| *d));
        let gaps: Vec<i32> = chosen
            .windows(2)
            .map(|pair| pair[1] - pair[0])
            .chain(std::iter::once(7 + chosen[0] - chosen[chosen.len() - 1]))
            .collect();
        let min_gap = gaps.iter().copied().min().unwrap_or(7);
        let max_gap = gaps.iter().copied().max().unwrap_or(7);
        // Larger smallest gap first, then smaller largest gap; earlier days win remaining ties
        // because subsets are visited with earlier days first only when strictly better.
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

/// The ISO 8601 duration of an offset (`P0D`, `P6W`, `P3M`).
pub(crate) fn iso_offset(days: u32, weeks: u32, months: u32) -> String {
    let mut text = String::from("P");
    if months > 0 {
        text.push_str(&format!("{months}M"));
    }
    if weeks > 0 {
        text.push_str(&format!("{weeks}W"));
    }
    if days > 0 || text.len() == 1 {
        text.push_str(&format!("{days}D"));
    }
    text
}
