//! The client's own address. Directly connected, it is the peer; behind a trusted reverse
//! proxy (`CLEARED_TRUSTED_PROXIES`), it is the right-most address in `X-Forwarded-For` that
//! is not one of those proxies. Nothing else is believed: a client can write any
//! `X-Forwarded-For` it likes.

use super::AppState;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};
use std::net::{IpAddr, SocketAddr};

/// The client behind `peer`, given the request's headers and the trusted proxies.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<Option<IpAddr>> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect();
    // From the right: our own proxies appended the hops we can trust; the first other
    // address is the client. A hop we cannot read ends the walk.
    for hop in hops.into_iter().rev() {
        match hop {
            Some(address) if trusted.contains(&address) => continue,
            Some(address) => return address,
            None => break,
        }
    }
    peer
}

/// Replaces the peer address in the request's `ConnectInfo` with the client's own.
pub async fn resolve_client_address(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if !state.config.trusted_proxies.is_empty()
        && let Some(ConnectInfo(peer)) = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
    {
        let client = client_address(peer.ip(), request.headers(), &state.config.trusted_proxies);
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(client, peer.port())));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trusted_proxies_are_believed() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "198.51.100.9, 203.0.113.5".parse().unwrap(),
        );
        let client: IpAddr = "203.0.113.5".parse().unwrap();
        assert_eq!(client_address(proxy, &headers, &[proxy]), client);
        // A client that is not a trusted proxy cannot claim another address.
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(client_address(stranger, &headers, &[proxy]), stranger);
        // Without the header the proxy itself is all we know.
        assert_eq!(client_address(proxy, &HeaderMap::new(), &[proxy]), proxy);
        // Garbage in the header is not believed.
        headers.insert("x-forwarded-for", "not-an-ip".parse().unwrap());
        assert_eq!(client_address(proxy, &headers, &[proxy]), proxy);
    }
}
