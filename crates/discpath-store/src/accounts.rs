//! Clinics, users, sessions and API tokens.

use serde::Serialize;

use crate::{Store, StoreError, Tx};

/// A clinic (tenant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Clinic {
    /// Id.
    pub clinic_id: String,
    /// Name (how `discpath admin` finds it; unique, ignoring case).
    pub name: String,
    /// When it was created.
    pub created_at: String,
    /// The public pages' address, `/c/{slug}` (none: the clinic has no public pages yet).
    pub slug: Option<String>,
    /// The name its public pages show (default: `name`).
    pub display_name: Option<String>,
    /// The emergency number its "seek care now" advice gives (911, 112, 999, …).
    pub emergency_number: String,
    /// Its IANA time zone (`America/Chicago`): booked session times are its local times.
    pub time_zone: String,
    /// 1 when its administrators must sign in with a second factor.
    pub admin_totp_required: i64,
}

const CLINIC_COLUMNS: &str = "clinic_id, name, created_at, slug, display_name, emergency_number, \
                              time_zone, admin_totp_required";

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct User {
    /// Id.
    pub user_id: String,
    /// The clinic the user belongs to.
    pub clinic_id: String,
    /// Login e-mail (unique).
    pub email: String,
    /// Display name.
    pub name: String,
    /// `admin`, `clinician` or `coordinator`.
    pub role: String,
    /// Argon2id PHC string; never serialized.
    #[serde(skip)]
    pub password_hash: String,
    /// 1 when the account cannot log in.
    pub disabled: i64,
    /// When it was created.
    pub created_at: String,
    /// The base32 secret of its second factor, once set up; never serialized.
    #[serde(skip)]
    pub totp_secret: Option<String>,
    /// The secret being set up, until a first code confirms it; never serialized.
    #[serde(skip)]
    pub totp_pending: Option<String>,
    /// The last time step a code was accepted for (a code works once).
    #[serde(skip)]
    pub totp_last_step: i64,
}

impl User {
    /// Whether the user signs in with a second factor.
    pub fn has_totp(&self) -> bool {
        self.totp_secret.is_some()
    }
}

/// An API token's description (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    /// Id.
    pub token_id: String,
    /// What it is for.
    pub name: String,
    /// When it was created.
    pub created_at: String,
    /// When it stops working.
    pub expires_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

const USER_COLUMNS: &str = "user_id, clinic_id, email, name, role, password_hash, disabled, \
                            created_at, totp_secret, totp_pending, totp_last_step";

/// Creates a clinic.
pub async fn create_clinic(
    tx: &mut Tx,
    clinic_id: &str,
    name: &str,
    at: &str,
) -> Result<Clinic, StoreError> {
    sqlx::query("insert into clinic (clinic_id, name, created_at) values ($1, $2, $3)")
        .bind(clinic_id)
        .bind(name)
        .bind(at)
        .execute(tx.conn())
        .await
        .map_err(StoreError::from_write)?;
    Ok(Clinic {
        clinic_id: clinic_id.to_owned(),
        name: name.to_owned(),
        created_at: at.to_owned(),
        slug: None,
        display_name: None,
        emergency_number: "911".to_owned(),
        time_zone: "UTC".to_owned(),
        admin_totp_required: 0,
    })
}

/// Every clinic, oldest first.
pub async fn clinics(tx: &mut Tx) -> Result<Vec<Clinic>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {CLINIC_COLUMNS} from clinic order by created_at, clinic_id"
    ));
    Ok(sqlx::query_as(sql).fetch_all(tx.conn()).await?)
}

/// A clinic by id.
pub async fn clinic(tx: &mut Tx, clinic_id: &str) -> Result<Option<Clinic>, StoreError> {
    let sql =
        sqlx::AssertSqlSafe(format!("select {CLINIC_COLUMNS} from clinic where clinic_id = $1"));
    Ok(sqlx::query_as(sql).bind(clinic_id).fetch_optional(tx.conn()).await?)
}

/// A clinic by the slug of its public pages.
pub async fn clinic_by_slug(store: &Store, slug: &str) -> Result<Option<Clinic>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!("select {CLINIC_COLUMNS} from clinic where slug = $1"));
    Ok(sqlx::query_as(sql).bind(slug).fetch_optional(store.pool()).await?)
}

/// Saves a clinic's public-page settings; a slug another clinic has is a conflict.
pub async fn update_clinic_pages(tx: &mut Tx, clinic: &Clinic) -> Result<(), StoreError> {
    sqlx::query(
        "update clinic set slug = $1, display_name = $2, emergency_number = $3, time_zone = $4, \
         admin_totp_required = $5 where clinic_id = $6",
    )
    .bind(&clinic.slug)
    .bind(&clinic.display_name)
    .bind(&clinic.emergency_number)
    .bind(&clinic.time_zone)
    .bind(clinic.admin_totp_required)
    .bind(&clinic.clinic_id)
    .execute(tx.conn())
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Creates a user; an e-mail already in use is a conflict.
pub async fn create_user(tx: &mut Tx, user: &User) -> Result<(), StoreError> {
    sqlx::query(
        "insert into app_user (user_id, clinic_id, email, name, role, password_hash, disabled, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&user.user_id)
    .bind(&user.clinic_id)
    .bind(&user.email)
    .bind(&user.name)
    .bind(&user.role)
    .bind(&user.password_hash)
    .bind(user.disabled)
    .bind(&user.created_at)
    .execute(tx.conn())
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// A user by login e-mail.
pub async fn user_by_email(tx: &mut Tx, email: &str) -> Result<Option<User>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!("select {USER_COLUMNS} from app_user where email = $1"));
    Ok(sqlx::query_as(sql).bind(email).fetch_optional(tx.conn()).await?)
}

/// A user of a clinic by id.
pub async fn user(tx: &mut Tx, clinic_id: &str, user_id: &str) -> Result<Option<User>, StoreError> {
    tx.clinic_row("app_user", USER_COLUMNS, "user_id", clinic_id, user_id).await
}

/// The users of a clinic, by name.
pub async fn users(tx: &mut Tx, clinic_id: &str) -> Result<Vec<User>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {USER_COLUMNS} from app_user where clinic_id = $1 order by name, user_id"
    ));
    Ok(sqlx::query_as(sql).bind(clinic_id).fetch_all(tx.conn()).await?)
}

/// Saves a user's role, password hash and disabled flag.
pub async fn update_user(tx: &mut Tx, user: &User) -> Result<(), StoreError> {
    sqlx::query(
        "update app_user set role = $1, password_hash = $2, disabled = $3, name = $4 \
         where clinic_id = $5 and user_id = $6",
    )
    .bind(&user.role)
    .bind(&user.password_hash)
    .bind(user.disabled)
    .bind(&user.name)
    .bind(&user.clinic_id)
    .bind(&user.user_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Whether the clinic requires its administrators to sign in with a second factor.
pub async fn admin_totp_required(store: &Store, clinic_id: &str) -> Result<bool, StoreError> {
    let required: Option<i64> =
        sqlx::query_scalar("select admin_totp_required from clinic where clinic_id = $1")
            .bind(clinic_id)
            .fetch_optional(store.pool())
            .await?;
    Ok(required.unwrap_or(0) != 0)
}

/// Sets the user's second factor: `secret` (confirmed) and `pending` (being set up), either
/// `None` to clear it.
pub async fn set_totp(
    tx: &mut Tx,
    user: &User,
    secret: Option<&str>,
    pending: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "update app_user set totp_secret = $1, totp_pending = $2 \
         where clinic_id = $3 and user_id = $4",
    )
    .bind(secret)
    .bind(pending)
    .bind(&user.clinic_id)
    .bind(&user.user_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Spends a time step of the user's codes: true if it is later than any spent before (in one
/// statement, so the same code cannot be accepted twice however many requests race).
pub async fn spend_totp_step(tx: &mut Tx, user: &User, step: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "update app_user set totp_last_step = $1 \
         where clinic_id = $2 and user_id = $3 and totp_last_step < $1",
    )
    .bind(step)
    .bind(&user.clinic_id)
    .bind(&user.user_id)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Spends a JWT's id (`jti`) for its issuer: true if it had not been seen (the token may be
/// used), false for a replay. Ids are kept until `expires_at` ([`purge_jwt_ids`] sweeps them).
pub async fn spend_jwt_id(
    tx: &mut Tx,
    issuer: &str,
    jti: &str,
    expires_at: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "insert into cds_jwt_id (issuer, jti, expires_at) values ($1, $2, $3) \
         on conflict (issuer, jti) do nothing",
    )
    .bind(issuer)
    .bind(jti)
    .bind(expires_at)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes the JWT ids whose tokens expired before `now` (they can no longer be replayed);
/// returns how many.
pub async fn purge_jwt_ids(tx: &mut Tx, now: &str) -> Result<u64, StoreError> {
    let done = sqlx::query("delete from cds_jwt_id where expires_at < $1")
        .bind(now)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

/// Records a session (its token's hash), used from its start.
pub async fn create_session(
    tx: &mut Tx,
    token_hash: &str,
    user: &User,
    at: &str,
    expires_at: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "insert into web_session (token_hash, user_id, clinic_id, created_at, expires_at, last_seen_at) \
         values ($1, $2, $3, $4, $5, $4)",
    )
    .bind(token_hash)
    .bind(&user.user_id)
    .bind(&user.clinic_id)
    .bind(at)
    .bind(expires_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// When a session is alive: before it expires, and used since a moment.
#[derive(Debug, Clone, Copy)]
pub struct SessionClock<'a> {
    /// Now, as stored.
    pub now: &'a str,
    /// A session last used before this has gone idle and is over.
    pub idle_since: &'a str,
    /// A session last used before this is marked used now (so that a burst of requests writes
    /// once).
    pub touch_before: &'a str,
}

/// The enabled user of a live session, marking the session used.
pub async fn session_user(
    store: &Store,
    token_hash: &str,
    clock: SessionClock<'_>,
) -> Result<Option<User>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {USER_COLUMNS}, \
         (select last_seen_at from web_session where token_hash = $1) as last_seen_at \
         from app_user where disabled = 0 and user_id = (select user_id from web_session \
         where token_hash = $1 and expires_at > $2 and last_seen_at > $3)"
    ));
    let found: Option<SessionRow> = sqlx::query_as(sql)
        .bind(token_hash)
        .bind(clock.now)
        .bind(clock.idle_since)
        .fetch_optional(store.pool())
        .await?;
    let Some(SessionRow { user, last_seen_at }) = found else { return Ok(None) };
    if last_seen_at.as_str() < clock.touch_before {
        sqlx::query("update web_session set last_seen_at = $1 where token_hash = $2")
            .bind(clock.now)
            .bind(token_hash)
            .execute(store.pool())
            .await?;
    }
    Ok(Some(user))
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: User,
    last_seen_at: String,
}

/// Ends every session and revokes every API token of a user (after a password change, or when
/// the account is disabled): re-enabling the account later revives none of them.
pub async fn end_credentials(tx: &mut Tx, user: &User, at: &str) -> Result<(), StoreError> {
    sqlx::query("delete from web_session where clinic_id = $1 and user_id = $2")
        .bind(&user.clinic_id)
        .bind(&user.user_id)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "update api_token set revoked_at = $1 \
         where clinic_id = $2 and user_id = $3 and revoked_at is null",
    )
    .bind(at)
    .bind(&user.clinic_id)
    .bind(&user.user_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Ends a session, and every expired one.
pub async fn end_session(tx: &mut Tx, token_hash: &str, now: &str) -> Result<(), StoreError> {
    sqlx::query("delete from web_session where token_hash = $1 or expires_at <= $2")
        .bind(token_hash)
        .bind(now)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Records an API token (its hash).
pub async fn create_token(
    tx: &mut Tx,
    token: &ApiToken,
    token_hash: &str,
    user: &User,
) -> Result<(), StoreError> {
    sqlx::query(
        "insert into api_token (token_id, token_hash, user_id, clinic_id, name, created_at, expires_at) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&token.token_id)
    .bind(token_hash)
    .bind(&user.user_id)
    .bind(&user.clinic_id)
    .bind(&token.name)
    .bind(&token.created_at)
    .bind(&token.expires_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The enabled user an unrevoked, unexpired API token belongs to, with the token's id (one
/// read, outside any transaction).
pub async fn token_user(
    store: &Store,
    token_hash: &str,
    now: &str,
) -> Result<Option<(User, String)>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {USER_COLUMNS}, token_id from app_user, \
           (select token_id, user_id as token_user from api_token \
            where token_hash = $1 and revoked_at is null and expires_at > $2) token \
         where disabled = 0 and user_id = token.token_user"
    ));
    let row: Option<TokenUser> =
        sqlx::query_as(sql).bind(token_hash).bind(now).fetch_optional(store.pool()).await?;
    Ok(row.map(|row| (row.user, row.token_id)))
}

#[derive(sqlx::FromRow)]
struct TokenUser {
    #[sqlx(flatten)]
    user: User,
    token_id: String,
}

/// A user's API tokens.
pub async fn tokens(tx: &mut Tx, user: &User) -> Result<Vec<ApiToken>, StoreError> {
    Ok(sqlx::query_as(
        "select token_id, name, created_at, expires_at, revoked_at from api_token \
         where clinic_id = $1 and user_id = $2 order by created_at, token_id",
    )
    .bind(&user.clinic_id)
    .bind(&user.user_id)
    .fetch_all(tx.conn())
    .await?)
}

/// Revokes one of a user's tokens; false when there is no such unrevoked token.
pub async fn revoke_token(
    tx: &mut Tx,
    user: &User,
    token_id: &str,
    at: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "update api_token set revoked_at = $1 \
         where clinic_id = $2 and user_id = $3 and token_id = $4 and revoked_at is null",
    )
    .bind(at)
    .bind(&user.clinic_id)
    .bind(&user.user_id)
    .bind(token_id)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}
