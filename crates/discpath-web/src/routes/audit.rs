//! The clinic's audit trail, read by its administrators.

use axum::Json;
use axum::extract::State;
use discpath_store::Tx;
use discpath_store::audit::{self, AuditQuery, AuditRecord, Position};
use serde::Deserialize;

use crate::audited::{Actor, RequestId, audited};
use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::input::{Page, PageQuery, Query, bad_cursor};
use crate::state::AppState;

/// `?patient_id=&actor=` of the audit trail.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditFilter {
    pub patient_id: Option<String>,
    /// A user id.
    pub actor: Option<String>,
}

/// `GET /api/v1/audit?patient_id=&actor=&limit=&cursor=`: the clinic's audit trail (admin),
/// oldest first, optionally about one patient and/or by one user.
pub(crate) async fn audit_records(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Query(page): Query<PageQuery>,
    Query(filter): Query<AuditFilter>,
) -> Result<Json<Page<AuditRecord>>, ApiError> {
    audited(&state, Actor::User(&caller), "audit.read", &request_id, async |tx, _| {
        Ok(Json(find_audit(tx, &caller, &page, &filter).await?))
    })
    .await
}

/// A filter's value, unless blank.
fn given(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A page of the caller's clinic's audit trail (the work of the API and of the audit page).
pub(crate) async fn find_audit(
    tx: &mut Tx,
    caller: &Caller,
    page: &PageQuery,
    filter: &AuditFilter,
) -> Result<Page<AuditRecord>, ApiError> {
    caller.require(Permission::ReadAudit)?;
    let (limit, after) = page.parse()?;
    let after = after.as_deref().map(audit_position).transpose()?;
    let query = AuditQuery {
        patient_id: given(filter.patient_id.as_ref()),
        actor: given(filter.actor.as_ref()),
    };
    let items = audit::records(tx, caller.clinic(), query, after.as_ref(), limit).await?;
    Ok(Page::new(items, limit, |r| format!("{} {} {}", r.at, r.chain, r.seq).into()))
}

/// The position an audit cursor names (`{at} {chain} {seq}`).
fn audit_position(key: &str) -> Result<Position, ApiError> {
    let mut parts = key.splitn(3, ' ');
    match (parts.next(), parts.next(), parts.next().and_then(|seq| seq.parse().ok())) {
        (Some(at), Some(chain), Some(seq)) => {
            Ok(Position { at: at.to_owned(), chain: chain.to_owned(), seq })
        }
        _ => Err(bad_cursor()),
    }
}
