//! The service's throttles, on the store's one mechanism ([`discpath_store::throttle`]): logins
//! per account and per client address, the public form per client address, and upload bytes per
//! clinic per day. A refusal is a 429 with `Retry-After`.

use discpath_store::Tx;
use discpath_store::throttle::{self, Admission, Limit};

use crate::error::ApiError;

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

/// Every throttle's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Login attempts per account (whatever the client).
    pub login_account: Limit,
    /// Login attempts per client address (whatever the account).
    pub login_client: Limit,
    /// Public form posts per client address.
    pub form_client: Limit,
    /// Uploaded bytes per clinic (the public form's MRI reports).
    pub upload_clinic: Limit,
}

impl Default for Limits {
    /// Per account: 5 attempts an hour, then one per delay doubling from 1 s to 5 minutes — at
    /// most about 25 guesses an hour (OWASP ASVS 2.2.1 allows 100), and never a lock. Per client:
    /// 30 attempts an hour, then doubling from 1 s to 15 minutes. The form: 10 posts an hour per
    /// client, then one per delay doubling from 1 minute to an hour. Uploads: 200 MiB a day per
    /// clinic.
    fn default() -> Self {
        Self {
            login_account: Limit {
                free: 5,
                window_ms: HOUR,
                base_delay_ms: SECOND,
                max_delay_ms: 5 * MINUTE,
            },
            login_client: Limit {
                free: 30,
                window_ms: HOUR,
                base_delay_ms: SECOND,
                max_delay_ms: 15 * MINUTE,
            },
            form_client: Limit {
                free: 10,
                window_ms: HOUR,
                base_delay_ms: MINUTE,
                max_delay_ms: HOUR,
            },
            upload_clinic: Limit {
                free: 200 << 20,
                window_ms: 24 * HOUR,
                base_delay_ms: 0,
                max_delay_ms: 0,
            },
        }
    }
}

impl Limits {
    /// The longest window, after which a key's row can go.
    pub(crate) fn longest_window_ms(&self) -> i64 {
        [self.login_account, self.login_client, self.form_client, self.upload_clinic]
            .iter()
            .map(|limit| limit.window_ms + limit.max_delay_ms)
            .max()
            .unwrap_or(24 * HOUR)
    }
}

/// The key of a throttle: what is counted, and for whom.
pub(crate) fn key(kind: &str, subject: &str) -> String {
    format!("{kind}:{subject}")
}

/// The current instant in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Counts an event of `cost` for `key`, or refuses it with a 429 that says when to retry;
/// returns the events now counted in the window.
pub(crate) async fn admit(
    tx: &mut Tx,
    key: &str,
    limit: &Limit,
    cost: i64,
) -> Result<i64, ApiError> {
    match throttle::admit(tx, key, limit, cost, now_ms()).await? {
        Admission::Admitted { events } => Ok(events),
        Admission::Refused { retry_after_ms } => Err(ApiError::TooManyRequests {
            retry_after_secs: u64::try_from((retry_after_ms + SECOND - 1) / SECOND).unwrap_or(1),
        }),
    }
}
