//! Follow-up links: a secret that lets one patient answer one follow-up point's questionnaire
//! without logging in. Stored as the secret's hash; single use, expiring, and revoked by a newer
//! link for the same point.

use serde::Serialize;

use crate::{StoreError, Tx};

/// A follow-up link (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FollowUpLink {
    /// Id.
    pub link_id: String,
    /// The clinic.
    #[serde(skip)]
    pub clinic_id: String,
    /// The patient it is for.
    pub patient_id: String,
    /// Their episode.
    pub episode_id: String,
    /// The follow-up point.
    pub follow_up_id: String,
    /// The point's label (`6 weeks`).
    pub label: String,
    /// The language of its page (`en`, `es`).
    pub language: String,
    /// Who made it (a user id, or `reminder`).
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// When it stops working.
    pub expires_at: String,
    /// When it was used, if it was.
    pub used_at: Option<String>,
    /// When a newer link replaced it, if one did.
    pub revoked_at: Option<String>,
}

const COLUMNS: &str = "link_id, clinic_id, patient_id, episode_id, follow_up_id, label, language, \
     created_by, created_at, expires_at, used_at, revoked_at";

/// Stores a link under its secret's hash, revoking the point's earlier links still open.
pub async fn create_link(
    tx: &mut Tx,
    link: &FollowUpLink,
    token_hash: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "update follow_up_link set revoked_at = $1 where clinic_id = $2 and follow_up_id = $3 \
         and used_at is null and revoked_at is null",
    )
    .bind(&link.created_at)
    .bind(&link.clinic_id)
    .bind(&link.follow_up_id)
    .execute(tx.conn())
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into follow_up_link ({COLUMNS}, token_hash) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )))
    .bind(&link.link_id)
    .bind(&link.clinic_id)
    .bind(&link.patient_id)
    .bind(&link.episode_id)
    .bind(&link.follow_up_id)
    .bind(&link.label)
    .bind(&link.language)
    .bind(&link.created_by)
    .bind(&link.created_at)
    .bind(&link.expires_at)
    .bind(&link.used_at)
    .bind(&link.revoked_at)
    .bind(token_hash)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The link of a secret's hash, whatever its state (the secret is the credential: no clinic is
/// known before it is found).
pub async fn link_by_token(
    tx: &mut Tx,
    token_hash: &str,
) -> Result<Option<FollowUpLink>, StoreError> {
    let sql =
        sqlx::AssertSqlSafe(format!("select {COLUMNS} from follow_up_link where token_hash = $1"));
    Ok(sqlx::query_as(sql).bind(token_hash).fetch_optional(tx.conn()).await?)
}

/// Uses a link now: true when it was unused, unrevoked and unexpired — one statement, so two
/// submissions at once cannot both use it.
pub async fn use_link(tx: &mut Tx, link: &FollowUpLink, at: &str) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "update follow_up_link set used_at = $1 where clinic_id = $2 and link_id = $3 \
         and used_at is null and revoked_at is null and expires_at > $1",
    )
    .bind(at)
    .bind(&link.clinic_id)
    .bind(&link.link_id)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}
