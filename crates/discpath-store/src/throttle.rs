//! Throttles: how often something may happen per key (an account's logins, a client address's
//! form posts, a clinic's upload bytes), in the database so that every instance sees the same
//! counts.
//!
//! A key counts events in a window that starts with its first event. Up to [`Limit::free`]
//! events pass at once. After that, a [`Limit`] with a back-off lets one event through per
//! delay, doubling from [`Limit::base_delay_ms`] to [`Limit::max_delay_ms`]; one without refuses
//! until the window ends. A refused event changes nothing, so refusals cannot prolong a delay.
//! The check and the count are one statement: concurrent requests cannot both pass the last
//! free place.

use crate::{StoreError, Tx};

/// How many events a key may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Events (or their cost) that pass without delay in a window.
    pub free: i64,
    /// The window, in milliseconds.
    pub window_ms: i64,
    /// The first delay once the free events are used (0: refuse until the window ends).
    pub base_delay_ms: i64,
    /// The longest delay.
    pub max_delay_ms: i64,
}

/// Whether an event may happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// It passed, and was counted: this many events are now in the window (with this one).
    Admitted {
        /// Events counted in the window, this one included.
        events: i64,
    },
    /// It did not pass, and nothing was counted.
    Refused {
        /// Milliseconds until an event may pass.
        retry_after_ms: i64,
    },
}

/// Counts an event of `cost` for `key` at `now_ms` if `limit` lets it pass (one statement: it
/// also locks the key's row until the transaction ends).
pub async fn admit(
    tx: &mut Tx,
    key: &str,
    limit: &Limit,
    cost: i64,
    now_ms: i64,
) -> Result<Admission, StoreError> {
    let window_cutoff = now_ms - limit.window_ms;
    let hard = i64::from(limit.base_delay_ms == 0);
    // Where the window has ended ("window_start <= $4") the event starts a new one. Without a
    // delay pending an event passes whatever the clocks say: a concurrent request that read the
    // time a moment earlier may commit after this one.
    let admitted: Option<(i64,)> = sqlx::query_as(
        "insert into throttle (throttle_key, events, window_start, last_at, delay_ms) \
         values ($1, $2, $3, $3, case when $2 >= $5 then $6 else 0 end) \
         on conflict (throttle_key) do update set \
           events = case when throttle.window_start <= $4 then $2 else throttle.events + $2 end, \
           window_start = case when throttle.window_start <= $4 then $3 else throttle.window_start end, \
           last_at = $3, \
           delay_ms = case \
             when throttle.window_start <= $4 then case when $2 >= $5 then $6 else 0 end \
             when throttle.events + $2 < $5 then 0 \
             when throttle.delay_ms = 0 then $6 \
             when throttle.delay_ms * 2 > $7 then $7 \
             else throttle.delay_ms * 2 end \
         where throttle.window_start <= $4 \
            or ((throttle.delay_ms = 0 or throttle.last_at + throttle.delay_ms <= $3) \
                and ($8 = 0 or throttle.events + $2 <= $5)) \
         returning events",
    )
    .bind(key)
    .bind(cost)
    .bind(now_ms)
    .bind(window_cutoff)
    .bind(limit.free)
    .bind(limit.base_delay_ms)
    .bind(limit.max_delay_ms)
    .bind(hard)
    .fetch_optional(tx.conn())
    .await?;
    if let Some((events,)) = admitted {
        return Ok(Admission::Admitted { events });
    }
    let (window_start, last_at, delay_ms): (i64, i64, i64) = sqlx::query_as(
        "select window_start, last_at, delay_ms from throttle where throttle_key = $1",
    )
    .bind(key)
    .fetch_one(tx.conn())
    .await?;
    let until = if hard == 1 { window_start + limit.window_ms } else { last_at + delay_ms };
    Ok(Admission::Refused { retry_after_ms: (until - now_ms).max(1) })
}

/// Takes back `events` counted for `key` (after a successful login: the events counted up to
/// it, never those that came after), and the delay when the rest are within the free ones.
pub async fn forgive(tx: &mut Tx, key: &str, limit: &Limit, events: i64) -> Result<(), StoreError> {
    sqlx::query(
        "update throttle set \
           delay_ms = case when throttle.events - $2 < $3 then 0 else throttle.delay_ms end, \
           events = case when throttle.events > $2 then throttle.events - $2 else 0 end \
         where throttle_key = $1",
    )
    .bind(key)
    .bind(events)
    .bind(limit.free)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Deletes the keys whose window started before `before_ms` (they would start afresh anyway).
pub async fn purge(tx: &mut Tx, before_ms: i64) -> Result<u64, StoreError> {
    let done = sqlx::query("delete from throttle where window_start < $1 and last_at < $1")
        .bind(before_ms)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}
