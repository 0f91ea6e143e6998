//! Accepting connections: HTTP/1.1 through hyper with a header-read timeout — which also closes a
//! keep-alive connection left idle that long — so that a client that sends a partial request,
//! or nothing, cannot hold a connection; and a shutdown that stops accepting, lets requests in
//! flight finish, and closes whatever is left after a grace period.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt as _;

/// The largest read buffer of a connection (also the largest request head).
const READ_BUFFER: usize = 64 * 1024;

/// How connections are served.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionPolicy {
    /// How long a client may take to send a request's headers (and stay idle between requests).
    pub header_read_timeout: Duration,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
}

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting, asks every
/// connection to finish its request in flight and close, and after the grace period closes the
/// rest.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    policy: ConnectionPolicy,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(connection(stream, peer, router.clone(), policy, stop_rx.clone()));
                }
                // Out of file descriptors, or a connection reset before it was accepted: keep
                // accepting, after a pause that lets descriptors free up.
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            // Reap finished connections as they go, so the set stays small.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(policy.shutdown_grace, drained).await.is_err() {
        tracing::warn!(open = connections.len(), "grace period over; closing open connections");
        connections.abort_all();
    }
}

async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    policy: ConnectionPolicy,
    mut stop: watch::Receiver<bool>,
) {
    let service = router.map_request(move |request: axum::http::Request<Incoming>| {
        let mut request = request.map(axum::body::Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(policy.header_read_timeout)
        // Each connection buffers at most this much of what it has read: a flood of uploads
        // waiting for their turn would otherwise hold up to 400 KiB each.
        .max_buf_size(READ_BUFFER);
    let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
            return;
        }
        _ = stop.wait_for(|stopping| *stopping) => conn.as_mut().graceful_shutdown(),
    }
    if let Err(error) = conn.await {
        tracing::debug!(%error, "connection ended with an error");
    }
}
