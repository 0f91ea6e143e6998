//! `discpath admin create-user` and `discpath audit verify`.

use std::io::Read as _;

use discpath_store::accounts::{self, User};
use discpath_store::audit::{self, AuditEvent};
use discpath_store::{Store, new_id, timestamp};
use discpath_web::Role;

use crate::commands::{DEFAULT_DATABASE, runtime, write_stdout};
use crate::failure::Failure;

/// The arguments of `admin create-user`.
pub(super) struct NewUser<'a> {
    pub database: Option<&'a str>,
    pub clinic: Option<&'a str>,
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_stdin: bool,
}

/// Creates a user; the clinic is created when the database has none.
pub(super) fn create_user(args: &NewUser<'_>) -> Result<(), Failure> {
    let role = Role::parse(args.role).ok_or_else(|| {
        Failure::Invalid(format!("role: {:?} is not admin, clinician or coordinator", args.role))
    })?;
    let email = args.email.trim().to_lowercase();
    if email.split('@').count() != 2
        || email.split('@').any(str::is_empty)
        || email.contains(char::is_whitespace)
    {
        return Err(Failure::Invalid(format!("email: {:?} is not an e-mail address", args.email)));
    }
    if args.name.trim().is_empty() {
        return Err(Failure::Invalid("name: required".to_owned()));
    }
    let (password, generated) = if args.password_stdin {
        let mut password = String::new();
        std::io::stdin()
            .read_to_string(&mut password)
            .map_err(|e| Failure::failed("cannot read the password", e))?;
        (password.trim_end_matches(['\n', '\r']).to_owned(), false)
    } else {
        (random_password()?, true)
    };
    if password.chars().count() < 12 {
        return Err(Failure::Invalid("password: expected at least 12 characters".to_owned()));
    }
    runtime()?.block_on(async {
        let store = connect(args.database).await?;
        let password_hash = discpath_web::hash_password(password.clone())
            .await
            .map_err(|e| Failure::failed("cannot hash the password", e))?;
        let mut tx = store.begin().await.map_err(database)?;
        let at = timestamp(jiff::Timestamp::now());
        let clinics = accounts::clinics(&mut tx).await.map_err(database)?;
        let clinic = match (args.clinic, clinics.as_slice()) {
            (Some(name), _) if clinics.iter().any(|c| c.name == name) => clinics
                .into_iter()
                .find(|c| c.name == name)
                .ok_or_else(|| Failure::Invalid(format!("clinic: no clinic {name:?}")))?,
            (Some(name), []) => {
                accounts::create_clinic(&mut tx, &new_id(), name, &at).await.map_err(database)?
            }
            (Some(name), _) => return Err(Failure::Invalid(format!("clinic: no clinic {name:?}"))),
            (None, [only]) => only.clone(),
            (None, []) => {
                return Err(Failure::Invalid(
                    "clinic: the database has no clinic yet; name it with --clinic".to_owned(),
                ));
            }
            (None, _) => {
                return Err(Failure::Invalid(
                    "clinic: the database has several clinics; choose one with --clinic".to_owned(),
                ));
            }
        };
        let user = User {
            user_id: new_id(),
            clinic_id: clinic.clinic_id.clone(),
            email: email.clone(),
            name: args.name.trim().to_owned(),
            role: role.as_str().to_owned(),
            password_hash,
            disabled: 0,
            created_at: at.clone(),
        };
        accounts::create_user(&mut tx, &user).await.map_err(|e| match e {
            discpath_store::StoreError::Conflict(_) => {
                Failure::Invalid(format!("email: {email} already has an account"))
            }
            other => database(other),
        })?;
        let event = AuditEvent {
            at: &at,
            clinic_id: Some(&clinic.clinic_id),
            actor: "cli",
            action: "user.create",
            patient_id: None,
            resource: Some(&user.user_id),
            outcome: "ok",
            request_id: None,
        };
        audit::append(&mut tx, &event).await.map_err(database)?;
        tx.commit().await.map_err(database)?;
        let mut out =
            format!("created {} {} in clinic \"{}\"\n", role.as_str(), email, clinic.name);
        if generated {
            out.push_str(&format!("password: {password}\n"));
        }
        write_stdout(out)
    })
}

/// A random 16-character password (about 93 bits), from letters and digits that read unambiguously.
fn random_password() -> Result<String, Failure> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Failure::failed("no randomness", e))?;
    Ok(bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect())
}

/// Verifies the audit trail; any problem is a failure (exit status 1).
pub(super) fn verify_audit(url: Option<&str>) -> Result<(), Failure> {
    runtime()?.block_on(async {
        let store = connect(url).await?;
        let mut tx = store.begin().await.map_err(database)?;
        let report = audit::verify(&mut tx).await.map_err(database)?;
        tx.commit().await.map_err(database)?;
        if report.problems.is_empty() {
            return write_stdout(format!(
                "ok: {} records in {} chains, every link and hash intact\n",
                report.records, report.chains
            ));
        }
        let mut out = String::new();
        for problem in &report.problems {
            out.push_str(problem);
            out.push('\n');
        }
        write_stdout(out)?;
        Err(Failure::Reported {
            code: 1,
            summary: format!(
                "the audit trail has been tampered with ({} problems)",
                report.problems.len()
            ),
        })
    })
}

async fn connect(database: Option<&str>) -> Result<Store, Failure> {
    let url = database.unwrap_or(DEFAULT_DATABASE);
    Store::connect(url)
        .await
        .map_err(|e| Failure::failed(format!("cannot open {}", crate::commands::redacted(url)), e))
}

fn database(error: discpath_store::StoreError) -> Failure {
    Failure::failed("database", error)
}
