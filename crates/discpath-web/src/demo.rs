//! `serve --demo`: a small synthetic clinic, so that a new user sees something at once.
//!
//! Creates (once) the clinic "Demo Spine Clinic" with a few synthetic patients, episodes and
//! assessments, and (at every start) gives its three demo accounts a new random password, which
//! the caller prints. Never use it on a database with real patients.

use discpath_kb::KnowledgeBase;
use discpath_store::accounts::{self, Clinic, User};
use discpath_store::assessments::{self, AssessmentRecord};
use discpath_store::audit::{self, AuditEvent};
use discpath_store::patients::{self, Episode, Patient};
use discpath_store::{Store, StoreError, new_id};

use crate::auth::{self, Role};
use crate::state::now;

/// The demo clinic's name.
pub const DEMO_CLINIC: &str = "Demo Spine Clinic";

/// The address of the demo clinic's patient pages, `/c/demo/`.
pub const DEMO_SLUG: &str = "demo";

/// The demo accounts and their password for this run.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// `(e-mail, role)` of each account that can log in (not those an administrator disabled).
    pub accounts: Vec<(String, &'static str)>,
    /// The password of all three, new at every start.
    pub password: String,
}

/// Synthetic patients: name, MRN, birth date, sex, and the example assessment they bring.
const PATIENTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "Dana Whitfield",
        "DEMO-0001",
        "1980-03-14",
        "female",
        include_str!("../../../examples/herniation-sequence.json"),
    ),
    (
        "Ravi Castellanos",
        "DEMO-0002",
        "1958-11-02",
        "male",
        include_str!("../../../examples/ces-saddle.json"),
    ),
    (
        "Morgan Lindqvist",
        "DEMO-0003",
        "1979-07-21",
        "female",
        include_str!("../../../examples/both-failed-annular-tear.json"),
    ),
    (
        "Sam Okafor",
        "DEMO-0004",
        "1985-01-30",
        "other",
        include_str!("../../../examples/high-risk-start-back.json"),
    ),
];

/// Creates the demo clinic if it does not exist, and sets the demo accounts' password.
pub async fn seed(store: &Store, kb: &KnowledgeBase) -> Result<DemoLogin, StoreError> {
    let password = crate::auth::new_secret("")
        .map_err(|e| StoreError::Corrupt(format!("{e:?}")))?
        .chars()
        .take(20)
        .collect::<String>();
    let password_hash = auth::hash_password(password.clone()).await.map_err(StoreError::Corrupt)?;
    let mut tx = store.begin().await?;
    let at = now();
    let clinic = match accounts::clinics(&mut tx).await?.into_iter().find(|c| c.name == DEMO_CLINIC)
    {
        Some(clinic) => clinic,
        None => accounts::create_clinic(&mut tx, &new_id(), DEMO_CLINIC, &at).await?,
    };
    if clinic.slug.is_none() {
        let pages = Clinic { slug: Some(DEMO_SLUG.to_owned()), ..clinic.clone() };
        accounts::update_clinic_pages(&mut tx, &pages).await?;
    }
    let mut logins = Vec::new();
    let mut clinician_id = String::new();
    for role in [Role::Admin, Role::Clinician, Role::Coordinator] {
        let email = format!("demo-{}@discpath.example", role.as_str());
        let user = match accounts::user_by_email(&mut tx, &email).await? {
            // A restart sets a new password (ending the account's sessions and tokens, as any
            // password change does) but never re-enables an account an administrator disabled.
            Some(mut user) => {
                user.password_hash.clone_from(&password_hash);
                accounts::update_user(&mut tx, &user).await?;
                accounts::end_credentials(&mut tx, &user, &at).await?;
                user
            }
            None => {
                let user = User {
                    user_id: new_id(),
                    clinic_id: clinic.clinic_id.clone(),
                    email: email.clone(),
                    name: format!("Demo {}", role.as_str()),
                    role: role.as_str().to_owned(),
                    password_hash: password_hash.clone(),
                    disabled: 0,
                    created_at: at.clone(),
                    totp_secret: None,
                    totp_pending: None,
                    totp_last_step: 0,
                };
                accounts::create_user(&mut tx, &user).await?;
                user
            }
        };
        if role == Role::Clinician {
            clinician_id.clone_from(&user.user_id);
        }
        if user.disabled == 0 {
            logins.push((email, role.as_str()));
        }
    }
    if patients::patients(&mut tx, &clinic.clinic_id, None, None, 1).await?.is_empty() {
        for (name, mrn, birth_date, sex, document) in PATIENTS {
            seed_patient(
                &mut tx,
                kb,
                &clinic.clinic_id,
                &clinician_id,
                (name, mrn, birth_date, sex),
                document,
                &at,
            )
            .await?;
        }
    }
    let event = AuditEvent {
        at: &at,
        clinic_id: Some(&clinic.clinic_id),
        actor: "demo",
        action: "demo.seed",
        patient_id: None,
        resource: None,
        outcome: "ok",
        request_id: None,
    };
    audit::append(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(DemoLogin { accounts: logins, password })
}

async fn seed_patient(
    tx: &mut discpath_store::Tx,
    kb: &KnowledgeBase,
    clinic_id: &str,
    clinician_id: &str,
    (name, mrn, birth_date, sex): (&str, &str, &str, &str),
    document: &str,
    at: &str,
) -> Result<(), StoreError> {
    let patient = Patient {
        patient_id: new_id(),
        clinic_id: clinic_id.to_owned(),
        mrn: mrn.to_owned(),
        name: name.to_owned(),
        birth_date: birth_date.to_owned(),
        sex: sex.to_owned(),
        email: Some(format!("{}@patients.example", mrn.to_lowercase())),
        phone: None,
        created_at: at.to_owned(),
        updated_at: at.to_owned(),
    };
    patients::create_patient(tx, &patient).await?;
    let episode = Episode {
        episode_id: new_id(),
        clinic_id: clinic_id.to_owned(),
        patient_id: patient.patient_id.clone(),
        title: "Low back pain".to_owned(),
        status: "open".to_owned(),
        opened_on: at.get(..10).unwrap_or_default().to_owned(),
        closed_on: None,
        created_at: at.to_owned(),
        updated_at: at.to_owned(),
    };
    patients::create_episode(tx, &episode).await?;
    let doc = discpath_model::parse(document).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let recommendation = discpath_engine::assess(kb, &doc);
    let record = AssessmentRecord {
        assessment_id: new_id(),
        clinic_id: clinic_id.to_owned(),
        patient_id: patient.patient_id,
        episode_id: episode.episode_id,
        document: document.to_owned(),
        recommendation: String::from_utf8_lossy(&recommendation.to_json()).into_owned(),
        pathway: recommendation.pathway.as_str().to_owned(),
        kb_name: kb.name.clone(),
        kb_version: kb.version.clone(),
        kb_hash: kb.hash.clone(),
        created_by: clinician_id.to_owned(),
        created_at: at.to_owned(),
    };
    assessments::create_assessment(tx, &record).await
}
