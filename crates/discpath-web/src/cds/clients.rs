//! The EHRs trusted to call the CDS Hooks services, and the check of the JWT each call carries
//! (CDS Hooks 2.0.1 §"Trusting CDS Clients"): signed with ES384 or RS384 by a key of the issuer's
//! configured JWKS, `aud` the URL called, `exp` not passed, `iat` not in the future, a `jti`
//! never seen before (spent in the database by the service's own transaction, `CdsCaller::spend`,
//! so a replay is refused on every instance). Each
//! issuer belongs to one clinic. Every refusal is a bare 401: the caller learns nothing of why.

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use discpath_store::accounts;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::auth::bearer;
use crate::error::ApiError;
use crate::state::AppState;

/// How far the client's clock may be from ours.
const LEEWAY: Duration = Duration::from_secs(60);
/// The longest a token may live (`exp - iat`): CDS Hooks tokens are short-lived, and a replay
/// record need not be kept longer.
const MAX_LIFETIME: u64 = 3600;

/// The CDS Hooks settings of `discpath serve` (its config file's `[cds]`).
#[derive(Debug, Clone, Default)]
pub struct CdsSettings {
    /// The base URL the EHRs call (`https://cds.clinic.example`): a JWT's `aud` must be it
    /// followed by the service's path.
    pub audience: String,
    /// The trusted EHRs.
    pub clients: Vec<CdsClientSettings>,
}

/// One trusted EHR.
#[derive(Debug, Clone)]
pub struct CdsClientSettings {
    /// Its JWTs' `iss`.
    pub issuer: String,
    /// The name of the clinic it calls for (as `discpath admin` names clinics).
    pub clinic: String,
    /// Its public keys, a JWKS document (JSON).
    pub jwks: String,
}

/// A trusted EHR, ready to check: its clinic and keys.
struct Trusted {
    issuer: String,
    /// The clinic as configured (its name or id).
    clinic: String,
    /// Its id, once found (a clinic may be created after the service starts).
    clinic_id: OnceLock<String>,
    /// Its JWKS's keys, decoded once at start, each with its `kid`.
    keys: Vec<(Option<String>, DecodingKey)>,
}

impl Trusted {
    /// The key a token names (`kid`), or the only one when it names none.
    fn key(&self, kid: Option<&str>) -> Option<&DecodingKey> {
        match kid {
            Some(kid) => self.keys.iter().find(|(id, _)| id.as_deref() == Some(kid)),
            None if self.keys.len() == 1 => self.keys.first(),
            None => None,
        }
        .map(|(_, key)| key)
    }
}

impl Trusted {
    /// The clinic's id, found by name (ignoring case) or id the first time.
    async fn clinic_id(&self, store: &discpath_store::Store) -> Result<String, ApiError> {
        if let Some(id) = self.clinic_id.get() {
            return Ok(id.clone());
        }
        let mut tx = store.begin().await?;
        let clinics = accounts::clinics(&mut tx).await?;
        tx.commit().await?;
        let wanted = self.clinic.trim();
        let found = clinics
            .iter()
            .find(|c| c.clinic_id == wanted || c.name.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                ApiError::Internal(format!("cds client {}: no clinic {wanted:?}", self.issuer))
            })?;
        Ok(self.clinic_id.get_or_init(|| found.clinic_id.clone()).clone())
    }
}

/// The trusted EHRs of a running service.
#[derive(Default)]
pub(crate) struct CdsClients {
    audience: String,
    trusted: Vec<Trusted>,
}

impl CdsClients {
    /// The base URL the EHRs call (the cards' `source.url`).
    pub(crate) fn audience(&self) -> &str {
        &self.audience
    }

    /// Reads the settings: each JWKS parsed (its clinic is found at the first call).
    pub(crate) fn load(settings: Option<&CdsSettings>) -> Result<Self, String> {
        let Some(settings) = settings else { return Ok(Self::default()) };
        let mut trusted = Vec::new();
        for client in &settings.clients {
            let set: JwkSet = serde_json::from_str(&client.jwks)
                .map_err(|e| format!("client {}: the JWKS does not parse: {e}", client.issuer))?;
            if set.keys.is_empty() {
                return Err(format!("client {}: the JWKS has no key", client.issuer));
            }
            let mut keys = Vec::with_capacity(set.keys.len());
            for jwk in &set.keys {
                let key = DecodingKey::from_jwk(jwk).map_err(|e| {
                    format!("client {}: a key of the JWKS cannot be used: {e}", client.issuer)
                })?;
                keys.push((jwk.common.key_id.clone(), key));
            }
            trusted.push(Trusted {
                issuer: client.issuer.clone(),
                clinic: client.clinic.clone(),
                clinic_id: OnceLock::new(),
                keys,
            });
        }
        Ok(Self { audience: settings.audience.trim_end_matches('/').to_owned(), trusted })
    }
}

/// A checked call from a trusted EHR.
#[derive(Debug, Clone)]
pub(crate) struct CdsCaller {
    /// The clinic the EHR calls for.
    pub clinic_id: String,
    /// The EHR (its `iss`), as the audit trail names it.
    pub issuer: String,
    /// The token's id, and until when it is kept to refuse a replay.
    jti: String,
    kept_until: String,
}

impl CdsCaller {
    /// Spends the token's id inside the call's own transaction (one write a call, and a
    /// replay is refused — and audited — on every instance): a replay is a bare 401.
    pub(crate) async fn spend(&self, tx: &mut discpath_store::Tx) -> Result<(), ApiError> {
        if accounts::spend_jwt_id(tx, &self.issuer, &self.jti, &self.kept_until).await? {
            Ok(())
        } else {
            Err(ApiError::Unauthenticated)
        }
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    iat: u64,
    exp: u64,
    jti: String,
}

#[derive(Debug, Deserialize)]
struct Issuer {
    iss: String,
}

impl FromRequestParts<AppState> for CdsCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let clients = &state.cds;
        let token = bearer(&parts.headers).ok_or(ApiError::Unauthenticated)?;
        let header = jsonwebtoken::decode_header(token).map_err(|_| ApiError::Unauthenticated)?;
        if !matches!(header.alg, Algorithm::ES384 | Algorithm::RS384) {
            return Err(ApiError::Unauthenticated);
        }
        // The issuer names the keys to check with; nothing else is read before the check.
        let Issuer { iss } = jsonwebtoken::dangerous::insecure_decode_claims(token)
            .map_err(|_| ApiError::Unauthenticated)?;
        let trusted =
            clients.trusted.iter().find(|t| t.issuer == iss).ok_or(ApiError::Unauthenticated)?;
        let key = trusted.key(header.kid.as_deref()).ok_or(ApiError::Unauthenticated)?;
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[format!("{}{}", clients.audience, parts.uri.path())]);
        validation.set_issuer(&[&trusted.issuer]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "jti"]);
        validation.leeway = LEEWAY.as_secs();
        let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|_| ApiError::Unauthenticated)?
            .claims;
        let now = jsonwebtoken::get_current_timestamp();
        if claims.iat > now + LEEWAY.as_secs()
            || claims.exp.saturating_sub(claims.iat) > MAX_LIFETIME
            || claims.jti.is_empty()
            || claims.jti.len() > 200
        {
            return Err(ApiError::Unauthenticated);
        }
        let expires = i64::try_from(claims.exp + LEEWAY.as_secs())
            .ok()
            .and_then(|second| jiff::Timestamp::from_second(second).ok())
            .ok_or(ApiError::Unauthenticated)?;
        let clinic_id = trusted.clinic_id(&state.store).await?;
        Ok(Self {
            clinic_id,
            issuer: trusted.issuer.clone(),
            jti: claims.jti,
            kept_until: discpath_store::timestamp(expires),
        })
    }
}
