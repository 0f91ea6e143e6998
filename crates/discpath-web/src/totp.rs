//! Two-factor sign-in for staff: time-based one-time passwords (RFC 6238 — HMAC-SHA1, six
//! digits, 30-second steps, as every authenticator app reads them) computed by totp-rs.
//!
//! A user sets it up on their account (a new secret is shown once, as text and as an
//! `otpauth://` address, and kept pending until a first code from the app confirms it), and
//! from then on signs in with a code as well as the password; a code is accepted once (its time
//! step is spent in the database), one step of clock drift either way. A clinic can require it
//! of its administrators: until they set it up, every route that needs a permission refuses them
//! (`ApiError::SecondFactorRequired`) and the pages send them to their account.

use discpath_store::Tx;
use discpath_store::accounts::{self, User};
use totp_rs::{Builder, Secret, Totp};

use crate::error::ApiError;

/// The name authenticator apps list the account under.
const ISSUER: &str = "discpath";

/// Random bytes of a secret: 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// A new secret, in base32 (what an authenticator app is given).
pub(crate) fn new_secret() -> Result<String, ApiError> {
    let mut bytes = vec![0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(Secret::from(bytes).to_base32())
}

/// The `otpauth://` address of `secret` for `account` (RFC 6238 parameters spelled out).
pub(crate) fn address(secret: &str, account: &str) -> String {
    let label = crate::pages::url_encode(&format!("{ISSUER}:{account}"));
    format!(
        "otpauth://totp/{label}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits=6&period=30"
    )
}

fn totp(secret: &str) -> Result<Totp, ApiError> {
    let secret = Secret::try_from_base32(secret)
        .map_err(|_| ApiError::Internal("a stored second-factor secret is not base32".into()))?;
    Builder::new()
        .with_secret(secret)
        .with_skew(1)
        .build()
        .map_err(|error| ApiError::Internal(format!("second factor: {error:?}")))
}

/// The time step `code` is the code of, for `secret` at `unix_seconds`.
pub(crate) fn step_of(
    secret: &str,
    code: &str,
    unix_seconds: u64,
) -> Result<Option<u64>, ApiError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    Ok(totp(secret)?.check(&code, unix_seconds))
}

/// The current code of `secret` (what a test's authenticator shows).
#[cfg(test)]
pub(crate) fn code_at(secret: &str, unix_seconds: u64) -> String {
    totp(secret).map(|t| t.generate(unix_seconds).to_string()).unwrap_or_default()
}

fn now_seconds() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_second()).unwrap_or(0)
}

/// Checks `code` against `secret` and spends its time step for `user`, so it works once: a
/// missing, wrong or used code is refused naming the field `code`.
pub(crate) async fn verify(
    tx: &mut Tx,
    user: &User,
    secret: &str,
    code: Option<&str>,
) -> Result<(), ApiError> {
    let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
        return Err(ApiError::invalid(
            "code",
            "enter the 6-digit code from your authenticator app",
        ));
    };
    let refused = || {
        ApiError::invalid(
            "code",
            "the code is not right or was used already: enter the code your app shows now",
        )
    };
    let step = step_of(secret, code, now_seconds())?.ok_or_else(refused)?;
    let step = i64::try_from(step).map_err(|_| refused())?;
    if accounts::spend_totp_step(tx, user, step).await? { Ok(()) } else { Err(refused()) }
}

#[cfg(test)]
mod tests {
    use super::{address, code_at, new_secret, step_of};

    #[test]
    fn a_code_is_accepted_in_its_step_and_the_next_not_later() {
        let secret = new_secret().expect("secret");
        assert_eq!(secret.len(), 32, "160 bits in base32");
        let t = 1_800_000_000;
        let code = code_at(&secret, t);
        assert_eq!(code.len(), 6);
        assert_eq!(step_of(&secret, &code, t).expect("check"), Some(t / 30));
        assert_eq!(step_of(&secret, &code, t + 30).expect("check"), Some(t / 30), "one step late");
        assert_eq!(step_of(&secret, &code, t + 90).expect("check"), None, "three steps late");
        assert_eq!(step_of(&secret, "000000x", t).expect("check"), None);
    }

    #[test]
    fn the_address_names_the_issuer_and_account() {
        let address = address("JBSWY3DPEHPK3PXP", "ana@clinic.example");
        assert!(address.starts_with("otpauth://totp/discpath%3Aana%40clinic.example?secret=JBSWY3DPEHPK3PXP&issuer=discpath"), "{address}");
    }

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238, appendix B: SHA-1, the ASCII secret "12345678901234567890", T = 59 s → 94287082
        // (eight digits); the last six are the six-digit code.
        let secret = totp_rs::Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(code_at(&secret, 59), "287082");
    }
}
