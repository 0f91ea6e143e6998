//! Structured logs (tracing): text or JSON on standard error, filtered by `RUST_LOG`.
//!
//! Request spans carry the method, the route template and the request id — never a raw path,
//! query or body, which can carry patient identifiers.

/// Installs the global subscriber (once).
pub(crate) fn init(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}
