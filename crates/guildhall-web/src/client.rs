//! Who is on the other end: the client's IP address, for rate limits and
//! `/metrics` access. Behind a reverse proxy the TCP peer is the proxy; the
//! client's address is then in a header the proxy adds. That header is
//! believed only when the peer is one of `server.trusted_proxies` — anyone
//! else could write any address into it.
//!
//! The chain is read from the right: each proxy appends the address it saw,
//! so the rightmost entry that is not a trusted proxy is the client (entries
//! further left were written by the client and prove nothing).

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// Which header a trusted proxy puts the client's address in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, most).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client;proto=https, for=proxy1`.
    Forwarded,
    /// `X-Real-IP: client` (one address, set by the proxy).
    XRealIp,
}

impl ClientHeader {
    pub fn parse(name: &str) -> Result<Self, String> {
        match name.to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ClientHeader::XForwardedFor),
            "forwarded" => Ok(ClientHeader::Forwarded),
            "x-real-ip" => Ok(ClientHeader::XRealIp),
            other => Err(format!(
                "server.client_address_header must be \"x-forwarded-for\", \"forwarded\" or \
                 \"x-real-ip\", not {other:?}"
            )),
        }
    }
}

/// `server.trusted_proxies`: addresses (`127.0.0.1`, `::1`) or networks
/// (`10.0.0.0/8`).
pub fn parse_proxies(list: &[String]) -> Result<Vec<IpNet>, String> {
    list.iter()
        .map(|s| {
            let s = s.trim();
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("server.trusted_proxies: {s:?} is not an address or network"))
        })
        .collect()
}

/// The client of a request, as [`layer`] worked it out.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientAddr {
    /// The client's address (the peer's, unless a trusted proxy said).
    pub ip: Option<IpAddr>,
    /// The TCP peer.
    pub peer: Option<IpAddr>,
    /// Whether the request came with any forwarding header: it went
    /// through a proxy (or pretends to), so it is not a local request.
    pub forwarded: bool,
}

impl ClientAddr {
    /// A key for per-address limits. IPv6 clients usually hold a whole /64,
    /// so they are counted per /64, not per address.
    pub fn limit_key(&self) -> Option<String> {
        self.ip.map(|ip| match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        })
    }

    /// A request from this machine, not relayed by a proxy.
    pub fn is_local(&self) -> bool {
        !self.forwarded && self.peer.is_some_and(|p| canonical(p).is_loopback())
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

const FORWARDING_HEADERS: [&str; 3] = ["x-forwarded-for", "forwarded", "x-real-ip"];

/// Works out the client from the peer and the headers.
pub fn resolve(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpNet],
    header: ClientHeader,
) -> ClientAddr {
    let peer = peer.map(canonical);
    let forwarded = FORWARDING_HEADERS.iter().any(|h| headers.contains_key(*h));
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(&ip));
    let mut ip = peer;
    if let Some(p) = peer
        && is_trusted(p)
    {
        // Right to left: the first hop that is not a trusted proxy. A hop
        // that cannot be read stops the walk at the last one believed.
        for hop in chain(headers, header).into_iter().rev() {
            let Some(hop) = hop.map(canonical) else { break };
            ip = Some(hop);
            if !is_trusted(hop) {
                break;
            }
        }
    }
    ClientAddr {
        ip,
        peer,
        forwarded,
    }
}

/// The addresses in the header, left to right (`None` for one unreadable).
fn chain(headers: &HeaderMap, header: ClientHeader) -> Vec<Option<IpAddr>> {
    let values = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("?").to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    match header {
        ClientHeader::XForwardedFor => values("x-forwarded-for")
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(address)
            .collect(),
        ClientHeader::XRealIp => {
            let v = values("x-real-ip");
            if v.trim().is_empty() {
                vec![]
            } else {
                vec![address(&v)]
            }
        }
        ClientHeader::Forwarded => values("forwarded")
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| address(v.trim().trim_matches('"')))
            })
            .collect(),
    }
}

/// `192.0.2.1`, `192.0.2.1:8080`, `2001:db8::1`, `[2001:db8::1]:8080`.
fn address(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            s.strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|r| r.parse().ok())
        })
}

/// Middleware: puts the [`ClientAddr`] in the request's extensions. The
/// peer comes from `ConnectInfo`, which the server's accept loop sets.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let s = &state.settings;
    let client = resolve(
        peer,
        req.headers(),
        &s.trusted_proxies,
        s.client_address_header,
    );
    req.extensions_mut().insert(client);
    next.run(req).await
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<ClientAddr>()
            .copied()
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_peer() {
        let trusted = parse_proxies(&["127.0.0.1".into(), "10.0.0.0/8".into()]).unwrap();
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.1.2.3")]);
        let via_proxy = resolve(ip("127.0.0.1"), &h, &trusted, ClientHeader::XForwardedFor);
        assert_eq!(via_proxy.ip, ip("203.0.113.7"), "rightmost untrusted hop");
        assert!(via_proxy.forwarded && !via_proxy.is_local());
        let direct = resolve(
            ip("198.51.100.1"),
            &h,
            &trusted,
            ClientHeader::XForwardedFor,
        );
        assert_eq!(
            direct.ip,
            ip("198.51.100.1"),
            "an untrusted peer's header is ignored"
        );
        let none = resolve(
            ip("127.0.0.1"),
            &HeaderMap::new(),
            &trusted,
            ClientHeader::XForwardedFor,
        );
        assert_eq!(none.ip, ip("127.0.0.1"));
        assert!(none.is_local());
        // Garbage in the chain stops the walk at the last hop believed.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, nonsense, 10.0.0.9")]);
        let r = resolve(ip("127.0.0.1"), &h, &trusted, ClientHeader::XForwardedFor);
        assert_eq!(r.ip, ip("10.0.0.9"));
    }

    #[test]
    fn forwarded_and_x_real_ip_are_read() {
        let trusted = parse_proxies(&["::1".into()]).unwrap();
        let h = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\"",
        )]);
        let r = resolve(ip("::1"), &h, &trusted, ClientHeader::Forwarded);
        assert_eq!(r.ip, ip("2001:db8:cafe::17"));
        assert_eq!(r.limit_key().unwrap(), "2001:db8:cafe:0::/64");
        let h = headers(&[("x-real-ip", "192.0.2.9")]);
        let r = resolve(ip("::1"), &h, &trusted, ClientHeader::XRealIp);
        assert_eq!(r.ip, ip("192.0.2.9"));
        assert_eq!(r.limit_key().unwrap(), "192.0.2.9");
    }

    #[test]
    fn proxies_and_header_names_are_checked() {
        assert!(parse_proxies(&["10.0.0.0/33".into()]).is_err());
        assert!(parse_proxies(&["proxy.example".into()]).is_err());
        assert_eq!(
            ClientHeader::parse("Forwarded").unwrap(),
            ClientHeader::Forwarded
        );
        assert!(ClientHeader::parse("x-client-ip").is_err());
    }

    #[test]
    fn v4_mapped_peers_count_as_v4() {
        let r = resolve(
            ip("::ffff:127.0.0.1"),
            &HeaderMap::new(),
            &[],
            ClientHeader::XForwardedFor,
        );
        assert!(r.is_local());
        assert_eq!(r.limit_key().unwrap(), "127.0.0.1");
    }
}
