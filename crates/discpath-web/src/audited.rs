//! Running a request as one audited transaction.
//!
//! Every read and write of patient data goes through [`audited`]: the work runs in one
//! transaction with the audit record of its success, committed together; if the work fails,
//! nothing it wrote is kept, and the failure (denied, invalid, not found, …) is recorded in a
//! transaction of its own.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use discpath_store::Tx;
use discpath_store::audit::{self, AuditEvent};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::{AppState, now};

/// The request's id (from `x-request-id`, which the server sets when the client does not).
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned)))
    }
}

/// Who acts: a user of a clinic, or the public (the consultation form).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Actor<'a> {
    /// An authenticated user.
    User(&'a Caller),
    /// Someone without an account, writing to a clinic.
    Public { clinic_id: &'a str },
    /// A trusted EHR calling a CDS Hooks service for a clinic (named by its JWT's issuer).
    Client { clinic_id: &'a str, issuer: &'a str },
}

/// What the work found out about whose data it touched, for the audit record.
#[derive(Debug, Clone, Default)]
pub(crate) struct Subject {
    pub patient_id: Option<String>,
    pub resource: Option<String>,
    /// A list read: each record returned, as (patient, record); each gets an audit record of its
    /// own, so that the trail of a patient shows every list that showed them.
    pub listed: Vec<(Option<String>, String)>,
}

impl Subject {
    /// Names the patient and the record touched.
    pub(crate) fn set(&mut self, patient_id: &str, resource: &str) {
        self.patient_id = Some(patient_id.to_owned());
        self.resource = Some(resource.to_owned());
    }

    /// Names the records a list read returned, with their patients.
    pub(crate) fn list<'a>(
        &mut self,
        records: impl IntoIterator<Item = (Option<&'a str>, &'a str)>,
    ) {
        self.listed = records
            .into_iter()
            .map(|(patient, record)| (patient.map(str::to_owned), record.to_owned()))
            .collect();
    }
}

/// Runs `work` in a transaction and records `action` with its outcome.
pub(crate) async fn audited<T>(
    state: &AppState,
    actor: Actor<'_>,
    action: &'static str,
    request_id: &RequestId,
    work: impl AsyncFnOnce(&mut Tx, &mut Subject) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut subject = Subject::default();
    let mut tx = state.store.begin().await?;
    let result = work(&mut tx, &mut subject).await;
    match result {
        Ok(value) => {
            record(&mut tx, actor, action, &subject, "ok", request_id).await?;
            tx.commit().await?;
            Ok(value)
        }
        Err(error) => {
            drop(tx);
            let mut tx = state.store.begin().await?;
            record(&mut tx, actor, action, &subject, error.outcome(), request_id).await?;
            tx.commit().await?;
            Err(error)
        }
    }
}

async fn record(
    tx: &mut Tx,
    actor: Actor<'_>,
    action: &str,
    subject: &Subject,
    outcome: &str,
    request_id: &RequestId,
) -> Result<(), ApiError> {
    let (clinic_id, who) = match actor {
        Actor::User(caller) => (caller.clinic(), caller.user.user_id.as_str()),
        Actor::Public { clinic_id } => (clinic_id, "public"),
        Actor::Client { clinic_id, issuer } => (clinic_id, issuer),
    };
    let at = now();
    let event = AuditEvent {
        at: &at,
        clinic_id: Some(clinic_id),
        actor: who,
        action,
        patient_id: subject.patient_id.as_deref(),
        resource: subject.resource.as_deref(),
        outcome,
        request_id: request_id.0.as_deref(),
    };
    let listed = subject.listed.iter().filter(|_| outcome == "ok").map(|(patient, record)| {
        AuditEvent { patient_id: patient.as_deref(), resource: Some(record), ..event }
    });
    let mut events: Vec<AuditEvent<'_>> = listed.collect();
    // A list's own record is needed only when it returned nothing.
    if events.is_empty() || subject.patient_id.is_some() || subject.resource.is_some() {
        events.insert(0, event);
    }
    audit::append_all(tx, &events).await?;
    Ok(())
}
