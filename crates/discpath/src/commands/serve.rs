//! `discpath serve`: the service.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use discpath_kb::KnowledgeBase;
use discpath_web::{Application, CdsClientSettings, CdsSettings, ServeConfig};
use serde::Deserialize;

use crate::cli::ServeArgs;
use crate::commands::{DEFAULT_DATABASE, redacted, runtime};
use crate::failure::Failure;

/// The configuration file (every key optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    listen: Option<String>,
    database: Option<String>,
    session_hours: Option<u64>,
    session_idle_minutes: Option<u64>,
    secure_cookies: Option<bool>,
    body_limit: Option<usize>,
    upload_limit: Option<usize>,
    #[serde(default)]
    trusted_origins: Vec<String>,
    /// Reverse proxies (IP addresses) whose `X-Forwarded-For` is believed.
    #[serde(default)]
    trusted_proxies: Vec<String>,
    /// The bearer token `/metrics` requires (else: loopback clients only).
    metrics_token: Option<String>,
    header_read_timeout_secs: Option<u64>,
    shutdown_grace_secs: Option<u64>,
    token_days: Option<u64>,
    form_posts_per_hour: Option<u64>,
    upload_quota_mib_per_day: Option<u64>,
    log_format: Option<String>,
    /// The secret that signs the self-assessment's answers between steps (shared by instances
    /// behind one load balancer; at least 32 characters). Also `DISCPATH_FORM_SECRET`.
    form_secret: Option<String>,
    /// A directory with the clinic's licensed questionnaire texts (`en.toml`, `es.toml`).
    instrument_texts: Option<std::path::PathBuf>,
    /// The CDS Hooks services' trusted EHRs.
    cds: Option<CdsFile>,
}

/// `[cds]`: the base URL EHRs call, and each trusted EHR.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CdsFile {
    /// The base URL EHRs call (`https://cds.clinic.example`): the `aud` of their JWTs.
    audience: String,
    #[serde(default)]
    client: Vec<CdsClientFile>,
}

/// `[[cds.client]]`: an EHR's issuer, the clinic it calls for, and its public keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CdsClientFile {
    issuer: String,
    clinic: String,
    /// A JWKS file (JSON), relative to the working directory.
    jwks_file: std::path::PathBuf,
}

/// The CDS settings of the file, each JWKS read.
fn cds_settings(file: Option<CdsFile>) -> Result<Option<CdsSettings>, Failure> {
    let Some(file) = file else { return Ok(None) };
    let mut clients = Vec::new();
    for client in file.client {
        let jwks = std::fs::read_to_string(&client.jwks_file).map_err(|e| {
            Failure::failed(format!("cds: cannot read {}", client.jwks_file.display()), e)
        })?;
        clients.push(CdsClientSettings { issuer: client.issuer, clinic: client.clinic, jwks });
    }
    Ok(Some(CdsSettings { audience: file.audience, clients }))
}

fn read_config(path: Option<&Path>) -> Result<ConfigFile, Failure> {
    let Some(path) = path else { return Ok(ConfigFile::default()) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::failed(format!("cannot read {}", path.display()), e))?;
    toml::from_str(&text)
        .map_err(|e| Failure::Invalid(format!("{}: {}", path.display(), e.message().trim())))
}

/// The effective configuration: flag, else environment, else file, else default.
fn resolve(args: &ServeArgs) -> Result<(ServeConfig, String), Failure> {
    let file = read_config(args.config.as_deref())?;
    let listen = args.listen.clone().or(file.listen).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listen: SocketAddr = listen.parse().map_err(|_| {
        Failure::Invalid(format!("listen: {listen:?} is not an address like 127.0.0.1:8080"))
    })?;
    let idle_minutes = args.session_idle_minutes.or(file.session_idle_minutes).unwrap_or(30);
    if !(1..=1440).contains(&idle_minutes) {
        return Err(Failure::Invalid(format!(
            "session_idle_minutes: {idle_minutes} is outside 1..=1440"
        )));
    }
    let session_hours = args.session_hours.or(file.session_hours).unwrap_or(8);
    if !(1..=720).contains(&session_hours) {
        return Err(Failure::Invalid(format!("session_hours: {session_hours} is outside 1..=720")));
    }
    let log_format =
        args.log_format.clone().or(file.log_format).unwrap_or_else(|| "text".to_owned());
    if log_format != "text" && log_format != "json" {
        return Err(Failure::Invalid(format!("log_format: {log_format:?} is not text or json")));
    }
    let mut trusted_origins = file.trusted_origins;
    trusted_origins.extend(args.trusted_origins.iter().cloned());
    let defaults = ServeConfig::default();
    let mut trusted_proxies = Vec::new();
    for proxy in &file.trusted_proxies {
        trusted_proxies.push(proxy.parse().map_err(|_| {
            Failure::Invalid(format!("trusted_proxies: {proxy:?} is not an IP address"))
        })?);
    }
    let seconds = |key: &str, value: Option<u64>, default: Duration| match value {
        None => Ok(default),
        Some(secs @ 1..=3600) => Ok(Duration::from_secs(secs)),
        Some(secs) => Err(Failure::Invalid(format!("{key}: {secs} is outside 1..=3600"))),
    };
    let token_days = file.token_days.unwrap_or(90);
    if !(1..=365).contains(&token_days) {
        return Err(Failure::Invalid(format!("token_days: {token_days} is outside 1..=365")));
    }
    let mut limits = defaults.limits;
    if let Some(mib) = file.upload_quota_mib_per_day {
        limits.upload_clinic.free = i64::try_from(mib).unwrap_or(i64::MAX).saturating_mul(1 << 20);
    }
    if let Some(posts) = file.form_posts_per_hour {
        limits.form_client.free = i64::try_from(posts).unwrap_or(i64::MAX);
    }
    let form_secret = std::env::var("DISCPATH_FORM_SECRET").ok().or(file.form_secret);
    if form_secret.as_ref().is_some_and(|secret| secret.len() < 32) {
        return Err(Failure::Invalid("form_secret: use at least 32 characters".to_owned()));
    }
    let config = ServeConfig {
        listen,
        database: args
            .database
            .clone()
            .or(file.database)
            .unwrap_or_else(|| DEFAULT_DATABASE.to_owned()),
        session_lifetime: Duration::from_secs(session_hours * 3600),
        session_idle: Duration::from_secs(idle_minutes * 60),
        secure_cookies: !args.insecure_cookies && file.secure_cookies.unwrap_or(true),
        body_limit: args.body_limit.or(file.body_limit).unwrap_or(defaults.body_limit),
        upload_limit: args.upload_limit.or(file.upload_limit).unwrap_or(defaults.upload_limit),
        trusted_origins,
        trusted_proxies,
        metrics_token: std::env::var("DISCPATH_METRICS_TOKEN").ok().or(file.metrics_token),
        header_read_timeout: seconds(
            "header_read_timeout_secs",
            file.header_read_timeout_secs,
            defaults.header_read_timeout,
        )?,
        shutdown_grace: seconds(
            "shutdown_grace_secs",
            file.shutdown_grace_secs,
            defaults.shutdown_grace,
        )?,
        token_lifetime: Duration::from_secs(token_days * 86_400),
        limits,
        form_secret: form_secret.map(String::into_bytes),
        instrument_texts: file.instrument_texts,
        cds: cds_settings(file.cds)?,
        ..defaults
    };
    Ok((config, log_format))
}

/// Runs the service until ctrl-c or SIGTERM.
pub(super) fn serve(kb: KnowledgeBase, args: &ServeArgs) -> Result<(), Failure> {
    let (config, log_format) = resolve(args)?;
    crate::telemetry::init(&log_format);
    runtime()?.block_on(async move {
        let database = redacted(&config.database);
        let app = Application::build(config, kb.clone())
            .await
            .map_err(|e| Failure::failed("cannot start", e))?;
        if args.demo {
            let login = discpath_web::demo::seed(app.store(), &kb)
                .await
                .map_err(|e| Failure::failed("cannot create the demo clinic", e))?;
            println!(
                "demo clinic \"{}\" — log in at http://{}/clinic/login with any of:",
                discpath_web::demo::DEMO_CLINIC,
                app.address()
            );
            for (email, role) in &login.accounts {
                println!("  {email} ({role})");
            }
            println!("  password: {}", login.password);
            println!(
                "the demo clinic's patient pages: http://{}/c/{}/",
                app.address(),
                discpath_web::demo::DEMO_SLUG
            );
        }
        println!(
            "discpath listening on http://{} (database {database}; knowledge base {} {})",
            app.address(),
            kb.name,
            kb.version
        );
        tracing::info!(address = %app.address(), "listening");
        app.run_until_stopped(shutdown_signal()).await;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Completes on ctrl-c or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
