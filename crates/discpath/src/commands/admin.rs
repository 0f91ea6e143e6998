//! `discpath admin create-clinic`, `discpath admin create-user` and `discpath audit verify`.

use std::io::Read as _;

use discpath_store::accounts::{self, Clinic, User};
use discpath_store::audit::{self, AuditEvent};
use discpath_store::{Tx, new_id, timestamp};
use discpath_web::Role;

use crate::commands::{connect, database, runtime, write_stdout};
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

/// Creates a user in the clinic `--clinic` names (by id or name), or in the only clinic; the
/// clinic is created when the database has none (a first install).
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
        let (clinic, how) = match (args.clinic, clinics.as_slice()) {
            // A first install: the named clinic is created.
            (Some(wanted), []) => {
                let name = clinic_name("clinic", wanted)?;
                (new_clinic(&mut tx, &name, &at).await?, ClinicFrom::Created)
            }
            (Some(wanted), _) => (find_clinic(&clinics, wanted)?, ClinicFrom::Named),
            (None, [only]) => (only.clone(), ClinicFrom::Only),
            (None, []) => {
                return Err(Failure::Invalid(
                    "clinic: the database has no clinic yet; name it with --clinic".to_owned(),
                ));
            }
            (None, _) => {
                return Err(Failure::Invalid(format!(
                    "clinic: the database has {} clinics; choose one with --clinic NAME|ID: {}",
                    clinics.len(),
                    listed(&clinics)
                )));
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
            totp_secret: None,
            totp_pending: None,
            totp_last_step: 0,
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
        let mut out = format!(
            "created {} {} in clinic {:?} (id {}{})\n",
            role.as_str(),
            email,
            clinic.name,
            clinic.clinic_id,
            match how {
                ClinicFrom::Only => "; the database's only clinic, as --clinic was not given",
                ClinicFrom::Created | ClinicFrom::Named => "",
            }
        );
        if how == ClinicFrom::Created {
            out.push_str(&format!("created clinic {:?} (id {})\n", clinic.name, clinic.clinic_id));
        }
        if generated {
            out.push_str(&format!("password: {password}\n"));
        }
        write_stdout(out)
    })
}

/// How `create-user` came by its clinic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClinicFrom {
    /// The database had none: `--clinic` named it and it was created.
    Created,
    /// `--clinic` named an existing one.
    Named,
    /// `--clinic` was not given and the database has exactly one.
    Only,
}

/// Creates a clinic; a name that another clinic has (ignoring case and surrounding spaces) is
/// refused.
pub(super) fn create_clinic(url: Option<&str>, name: &str) -> Result<(), Failure> {
    let name = clinic_name("name", name)?;
    runtime()?.block_on(async {
        let store = connect(url).await?;
        let mut tx = store.begin().await.map_err(database)?;
        let clinics = accounts::clinics(&mut tx).await.map_err(database)?;
        if let Some(existing) = clinics.iter().find(|c| same_name(&c.name, &name)) {
            return Err(Failure::Invalid(format!(
                "name: a clinic {:?} exists (id {})",
                existing.name, existing.clinic_id
            )));
        }
        let at = timestamp(jiff::Timestamp::now());
        let clinic = new_clinic(&mut tx, &name, &at).await?;
        tx.commit().await.map_err(database)?;
        write_stdout(format!("created clinic {:?} (id {})\n", clinic.name, clinic.clinic_id))
    })
}

/// Creates a clinic and records it in the audit trail, in the caller's transaction.
async fn new_clinic(tx: &mut Tx, name: &str, at: &str) -> Result<Clinic, Failure> {
    let clinic = accounts::create_clinic(tx, &new_id(), name, at).await.map_err(database)?;
    let event = AuditEvent {
        at,
        clinic_id: Some(&clinic.clinic_id),
        actor: "cli",
        action: "clinic.create",
        patient_id: None,
        resource: Some(&clinic.clinic_id),
        outcome: "ok",
        request_id: None,
    };
    audit::append(tx, &event).await.map_err(database)?;
    Ok(clinic)
}

/// The clinic `wanted` names: its id, else its name (ignoring case and surrounding spaces).
pub(super) fn find_clinic(clinics: &[Clinic], wanted: &str) -> Result<Clinic, Failure> {
    if let Some(clinic) = clinics.iter().find(|c| c.clinic_id == wanted.trim()) {
        return Ok(clinic.clone());
    }
    let named: Vec<Clinic> =
        clinics.iter().filter(|c| same_name(&c.name, wanted)).cloned().collect();
    match named.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Failure::Invalid(format!(
            "clinic: no clinic {wanted:?}; create it with discpath admin create-clinic \
             (clinics: {})",
            listed(clinics)
        ))),
        _ => Err(Failure::Invalid(format!(
            "clinic: {} clinics are named {wanted:?}; choose one by id: {}",
            named.len(),
            listed(&named)
        ))),
    }
}

/// Whether two clinic names are the same, ignoring case and surrounding spaces.
fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Clinics as `"Name" (id …)`, comma-separated, at most 20 of them.
fn listed(clinics: &[Clinic]) -> String {
    const SHOWN: usize = 20;
    let mut list: Vec<String> =
        clinics.iter().take(SHOWN).map(|c| format!("{:?} (id {})", c.name, c.clinic_id)).collect();
    if clinics.len() > SHOWN {
        list.push(format!("and {} more", clinics.len() - SHOWN));
    }
    list.join(", ")
}

/// A clinic name, trimmed: not empty, and without control characters or bidirectional overrides
/// (which would make a name display as something else).
fn clinic_name(field: &str, raw: &str) -> Result<String, Failure> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Failure::Invalid(format!("{field}: required")));
    }
    if name.chars().any(|c| discpath_model::text::forbidden_character(c, false)) {
        return Err(Failure::Invalid(format!(
            "{field}: {raw:?} contains a control character or a bidirectional override"
        )));
    }
    Ok(name.to_owned())
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
