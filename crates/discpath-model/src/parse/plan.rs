//! `plan`: the care plan's start date and the clinic's closed dates.

use jiff::civil::Date;
use serde::de::{MapAccess, SeqAccess};

use super::Validator;
use super::loose::Loose;
use super::walk::{Elements, Entries, array_entry, unknown_entry};

/// The earliest date accepted.
const EARLIEST: Date = jiff::civil::date(1900, 1, 1);
/// The latest date accepted (far enough from jiff's limits that adding six months and any
/// number of closed days to it can never overflow).
const LATEST: Date = jiff::civil::date(2999, 12, 31);
/// The most closed dates a plan may list (about three years of them).
pub(crate) const MAX_CLOSED_DATES: usize = 1000;

/// The keys of `plan`.
const KEYS: &[&str] = &["start_date", "closed_dates"];

/// `plan`.
pub(super) struct Plan;

impl Entries for Plan {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key {
            "start_date" => {
                let value = map.next_value::<Loose<'de>>()?;
                if let Some(date) = date(validator, || "plan.start_date".to_owned(), &value) {
                    validator.doc.start_date = Some(date);
                }
                Ok(())
            }
            "closed_dates" => {
                let what = "an array of ISO dates";
                array_entry(validator, "plan.closed_dates", what, ClosedDates, map)
            }
            other => unknown_entry(validator, format!("plan.{other}"), other, KEYS, map),
        }
    }

    fn end(self, _validator: &mut Validator) {}
}

/// `plan.closed_dates[]`: days the clinic is closed, kept sorted and each once.
struct ClosedDates;

impl Elements for ClosedDates {
    fn element<'de, A: SeqAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        index: usize,
        seq: &mut A,
    ) -> Result<bool, A::Error> {
        let Some(value) = seq.next_element::<Loose<'de>>()? else { return Ok(false) };
        if index < MAX_CLOSED_DATES
            && let Some(date) = date(validator, || format!("plan.closed_dates[{index}]"), &value)
        {
            validator.doc.closed_dates.push(date);
        }
        Ok(true)
    }

    fn end(self, validator: &mut Validator, count: usize) {
        if count > MAX_CLOSED_DATES {
            validator.error(
                "plan.closed_dates",
                format!("at most {MAX_CLOSED_DATES} dates, found {count}"),
            );
        }
        validator.doc.closed_dates.sort_unstable();
        validator.doc.closed_dates.dedup();
    }
}

/// An ISO date (`YYYY-MM-DD`) within the accepted years, or an error at `path`.
fn date(
    validator: &mut Validator,
    path: impl FnOnce() -> String,
    value: &Loose<'_>,
) -> Option<Date> {
    let Loose::Str(text) = value else {
        validator.error(path(), format!("expected an ISO date (YYYY-MM-DD), found {value}"));
        return None;
    };
    let well_formed = text.len() == 10
        && text
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    match text.parse::<Date>() {
        Ok(date) if well_formed && (EARLIEST..=LATEST).contains(&date) => Some(date),
        Ok(_) if well_formed => {
            validator.error(path(), format!("{value} is outside {EARLIEST}..={LATEST}"));
            None
        }
        _ => {
            validator.error(path(), format!("{value} is not a valid ISO date (YYYY-MM-DD)"));
            None
        }
    }
}
