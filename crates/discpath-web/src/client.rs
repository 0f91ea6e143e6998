//! The client's address: the peer of the connection, or — when the peer is a trusted reverse
//! proxy — the last address in `X-Forwarded-For` that is not itself a trusted proxy (the
//! left-hand entries are whatever the client wrote, so they are never believed).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::state::AppState;

/// The address a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddress(pub IpAddr);

impl ClientAddress {
    /// Resolves the client of a request whose connection's peer is `peer`.
    pub(crate) fn resolve(parts: &Parts, peer: IpAddr, trusted: &[IpAddr]) -> Self {
        if !trusted.contains(&peer) {
            return Self(peer);
        }
        let client = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .rev()
            .map_while(|entry| entry.parse::<IpAddr>().ok())
            .find(|address| !trusted.contains(address));
        Self(client.unwrap_or(peer))
    }
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
        Ok(Self::resolve(parts, peer, &state.config.trusted_proxies))
    }
}
