//! What the clinic's work list reads of a page of patients: each patient's latest episode with
//! how far its care has come, its follow-ups and the days their questionnaires came in.
//! Read-only; a few set queries per page, whatever its length.

use crate::care::{FOLLOW_UP_COLUMNS, FollowUp};
use crate::{StoreError, Tx};

/// A patient's latest episode (the one opened last) and how far its care has come.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EpisodeProgress {
    /// The patient.
    pub patient_id: String,
    /// The episode.
    pub episode_id: String,
    /// `open` or `closed`.
    pub status: String,
    /// Its assessments.
    pub assessments: i64,
    /// Its care plans.
    pub plans: i64,
    /// Its plans' sessions still scheduled.
    pub scheduled: i64,
}

/// The progress of each listed patient's latest episode (patients without one are absent).
pub async fn latest_episodes(
    tx: &mut Tx,
    clinic_id: &str,
    patient_ids: &[&str],
) -> Result<Vec<EpisodeProgress>, StoreError> {
    if patient_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "select e.patient_id, e.episode_id, e.status, \
         (select count(*) from assessment a where a.clinic_id = e.clinic_id and a.episode_id = e.episode_id) as assessments, \
         (select count(*) from care_plan p where p.clinic_id = e.clinic_id and p.episode_id = e.episode_id) as plans, \
         (select count(*) from care_session s join care_plan p on p.care_plan_id = s.care_plan_id \
          where p.clinic_id = e.clinic_id and p.episode_id = e.episode_id and s.status = 'scheduled') as scheduled \
         from episode e where e.clinic_id = $1 and e.patient_id in ({}) \
         order by e.patient_id, e.opened_on desc, e.created_at desc, e.episode_id desc",
        placeholders(2, patient_ids.len())
    ));
    let mut query = sqlx::query_as::<_, EpisodeProgress>(sql).bind(clinic_id);
    for id in patient_ids {
        query = query.bind(*id);
    }
    let mut rows = query.fetch_all(tx.conn()).await?;
    rows.dedup_by(|later, first| later.patient_id == first.patient_id);
    Ok(rows)
}

/// The follow-ups of these episodes' plans, with each one's episode.
pub async fn follow_ups(
    tx: &mut Tx,
    clinic_id: &str,
    episode_ids: &[&str],
) -> Result<Vec<(String, FollowUp)>, StoreError> {
    if episode_ids.is_empty() {
        return Ok(Vec::new());
    }
    let columns: Vec<String> =
        FOLLOW_UP_COLUMNS.split(", ").map(|column| format!("f.{column}")).collect();
    let sql = sqlx::AssertSqlSafe(format!(
        "select p.episode_id, {} from follow_up f join care_plan p on p.care_plan_id = f.care_plan_id \
         where p.clinic_id = $1 and p.episode_id in ({}) order by f.due_date",
        columns.join(", "),
        placeholders(2, episode_ids.len())
    ));
    let mut query = sqlx::query_as::<_, EpisodeFollowUp>(sql).bind(clinic_id);
    for id in episode_ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(tx.conn()).await?;
    Ok(rows.into_iter().map(|row| (row.episode_id, row.follow_up)).collect())
}

/// The questionnaires these episodes received: `(episode_id, label, received_at)`.
pub async fn answered(
    tx: &mut Tx,
    clinic_id: &str,
    episode_ids: &[&str],
) -> Result<Vec<(String, String, String)>, StoreError> {
    if episode_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "select episode_id, label, received_at from questionnaire_response \
         where clinic_id = $1 and episode_id in ({})",
        placeholders(2, episode_ids.len())
    ));
    let mut query = sqlx::query_as(sql).bind(clinic_id);
    for id in episode_ids {
        query = query.bind(*id);
    }
    Ok(query.fetch_all(tx.conn()).await?)
}

#[derive(sqlx::FromRow)]
struct EpisodeFollowUp {
    episode_id: String,
    #[sqlx(flatten)]
    follow_up: FollowUp,
}

/// `$first, $first+1, …`, `count` of them.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}
