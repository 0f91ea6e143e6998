//! Session, review and follow-up dates (spec: "Care plan").
//!
//! Sessions fall on open days — weekdays that are not among the plan's closed dates — at most
//! one a day. Week *n* of a phase is the seven days from the phase's start + 7(n − 1); its
//! sessions are spread as evenly as the weekdays allow (largest smallest gap between consecutive
//! sessions, counting on into the next week), the first on the phase's first open day. A session
//! that would fall on a closed date moves to the next open day, and the sessions after it move
//! on as far as they must (the count is kept; the phase may run longer). A later phase starts on
//! the first open day after both the last week of the phase before and its last session.
//! Follow-ups add calendar units to the plan's start date — adding months clamps to the end of a
//! shorter month (31 January + 1 month = 28 or 29 February) — then move to the next open day.

use std::sync::LazyLock;

use jiff::civil::{Date, Weekday};
use jiff::{Span, ToSpan};

/// The days the clinic sees patients: weekdays, less the plan's closed dates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Calendar<'d> {
    /// Sorted, each once.
    closed: &'d [Date],
}

impl<'d> Calendar<'d> {
    /// A calendar closed on weekends and on `closed` (sorted, each once).
    pub(crate) fn new(closed: &'d [Date]) -> Self {
        Self { closed }
    }

    fn is_open(&self, date: Date) -> bool {
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
            && self.closed.binary_search(&date).is_err()
    }

    /// The first open day on or after `date`.
    pub(crate) fn open_on_or_after(&self, date: Date) -> Option<Date> {
        let mut day = date;
        // Each closed date pushes it on by a day, and so does each weekend day among them: a
        // run of n closed dates with its weekends spans fewer than 2n + 7 days.
        for _ in 0..2 * self.closed.len() + 7 {
            if self.is_open(day) {
                return Some(day);
            }
            day = day.checked_add(1.days()).ok()?;
        }
        None
    }

    /// The dates of a phase that starts on `start` (an open day) with `weekly[n]` sessions in
    /// week `n + 1`, and the date the next phase starts.
    pub(crate) fn phase_dates(&self, start: Date, weekly: &[u32]) -> Option<(Vec<Date>, Date)> {
        let mut dates: Vec<Date> = Vec::with_capacity(weekly.iter().map(|n| *n as usize).sum());
        // Every week starts on the same weekday as the phase, so its pattern depends only on
        // that weekday and the number of sessions.
        let first_weekday = usize::from(start.weekday().to_monday_zero_offset().unsigned_abs());
        let mut week_start = start;
        for sessions in weekly {
            let pattern = PATTERNS.get(first_weekday).and_then(|p| p.get(*sessions as usize));
            for offset in pattern.into_iter().flatten() {
                let planned = week_start.checked_add(i64::from(*offset).days()).ok()?;
                dates.push(self.after_last(&dates, planned)?);
            }
            week_start = week_start.checked_add(7.days()).ok()?;
        }
        let next = self.after_last(&dates, week_start)?;
        Some((dates, next))
    }

    /// The first open day on or after `planned` that is later than the last of `dates`.
    fn after_last(&self, dates: &[Date], planned: Date) -> Option<Date> {
        let earliest = match dates.last() {
            Some(last) if *last >= planned => last.checked_add(1.days()).ok()?,
            _ => planned,
        };
        self.open_on_or_after(earliest)
    }
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

/// `date` less some days.
pub(crate) fn offset_date_back(date: Date, days: u32) -> Option<Date> {
    date.checked_sub(Span::new().try_days(i64::from(days)).ok()?).ok()
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
