//! The HTTP client every outgoing request goes through — deliveries, actor
//! and object fetches, backfill, attestation fetches, NodeInfo — and the
//! outbound address rule ([`guildhall_core::addresses`]) enforced in it.
//!
//! The rule is applied to the address actually connected to:
//! - a host name is checked by the client's DNS resolver, which hands the
//!   connector only the allowed addresses it resolved, so a name that
//!   answers a public address to a check and a private one to the connect
//!   (DNS rebinding) gains nothing: there is no separate check;
//! - an IP-literal host never reaches a resolver (reqwest connects to it
//!   directly), so a middleware in front of every request refuses literals
//!   the rule does not allow. The URL parser has already turned the decimal,
//!   octal and hex IPv4 forms (`http://2130706433/`, `http://0177.0.0.1/`)
//!   into `127.0.0.1`, so they are judged as what they reach.
//!
//! Redirects are never followed by the client (activitypub_federation
//! follows one itself, through this same client and its checks).

use guildhall_core::addresses::AddressRule;
use reqwest_middleware::{ClientWithMiddleware, Middleware, Next};
use reqwest13::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// A request refused by the address rule. Kept as the error's source, so a
/// delivery can tell it from a network failure (it is not retried).
#[derive(Debug, thiserror::Error)]
#[error("refused by the outbound address rule: {0}")]
pub struct Refused(pub String);

/// The client, with the rule in its resolver and in front of every request.
pub fn client(rule: AddressRule, timeout: Duration) -> Result<ClientWithMiddleware, String> {
    // TLS through ring; several instances in one process (tests) each ask,
    // the first install wins.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rule = Arc::new(rule);
    let client = reqwest13::Client::builder()
        .redirect(reqwest13::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("Guildhall/", env!("CARGO_PKG_VERSION")))
        // No HTTP(S)_PROXY from the environment: a proxy would resolve names
        // itself, past the resolver that applies the address rule.
        .no_proxy()
        .dns_resolver(Arc::new(CheckingResolver(rule.clone())))
        .build()
        .map_err(|e| format!("http client: {e}"))?;
    Ok(reqwest_middleware::ClientBuilder::new(client)
        .with(LiteralCheck(rule))
        .build())
}

/// Reads (a bounded part of) the answer, so the connection can be reused.
pub(crate) async fn drain(mut response: reqwest13::Response) {
    let mut read = 0;
    while let Ok(Some(chunk)) = response.chunk().await {
        read += chunk.len();
        if read > 64 * 1024 {
            break;
        }
    }
}

/// Whether `url` may be requested as far as it can be told without DNS:
/// http(s), and an IP-literal host only if the rule allows the address.
pub fn check_url(rule: &AddressRule, url: &url::Url) -> Result<(), Refused> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused(format!("{url}: only http(s) is fetched")));
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(_)) => return Ok(()), // the resolver checks
        None => return Err(Refused(format!("{url}: no host"))),
    };
    if rule.allows(ip) {
        Ok(())
    } else {
        Err(Refused(format!(
            "{url}: {ip} is a loopback, private or otherwise non-public address"
        )))
    }
}

/// Whether two URLs are on the same server: scheme, host and port (the
/// default port counts as given). An actor's inbox and shared inbox must be
/// on the actor's own.
pub fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.origin().is_tuple() && a.origin() == b.origin()
}

/// An actor's shared inbox if it is on the actor's own server; one
/// elsewhere is ignored (deliveries go to the actor's own inbox, which
/// `verify` requires on its server).
pub fn own_shared_inbox(shared: Option<url::Url>, actor: &url::Url) -> Option<String> {
    let shared = shared?;
    if same_origin(&shared, actor) {
        return Some(shared.to_string());
    }
    tracing::info!(%actor, %shared, "ignoring a shared inbox not on the actor's own host");
    None
}

/// Whether `error` (from a request through [`client`]) is a refusal by the
/// address rule, and which.
pub fn refusal<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(r) = e.downcast_ref::<Refused>() {
            return Some(r);
        }
        if let Some(reqwest_middleware::Error::Middleware(m)) =
            e.downcast_ref::<reqwest_middleware::Error>()
            && let Some(r) = m.downcast_ref::<Refused>()
        {
            return Some(r);
        }
        current = e.source();
    }
    None
}

struct LiteralCheck(Arc<AddressRule>);

#[async_trait::async_trait]
impl Middleware for LiteralCheck {
    async fn handle(
        &self,
        req: reqwest13::Request,
        extensions: &mut axum::http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest13::Response> {
        if let Err(refused) = check_url(&self.0, req.url()) {
            return Err(reqwest_middleware::Error::middleware(refused));
        }
        next.run(req, extensions).await
    }
}

/// Resolves names and keeps only the addresses the rule allows; a name with
/// none left is refused.
struct CheckingResolver(Arc<AddressRule>);

impl Resolve for CheckingResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let rule = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|a| rule.allows(a.ip()))
                .collect();
            if allowed.is_empty() && !resolved.is_empty() {
                let ips: Vec<String> = resolved.iter().map(|a| a.ip().to_string()).collect();
                return Err(Box::new(Refused(format!(
                    "{host} resolves only to non-public addresses ({})",
                    ips.join(", ")
                )))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A listener on `addr` that counts connections (and answers 202).
    async fn listener(addr: &str) -> (u16, Arc<AtomicUsize>) {
        let l = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let port = l.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                // Answer once the request has come (its head, at least).
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                    .await;
            }
        });
        (port, hits)
    }

    fn rule(exceptions: &[&str]) -> AddressRule {
        let exceptions: Vec<String> = exceptions.iter().map(|s| s.to_string()).collect();
        AddressRule::new(false, &exceptions).unwrap()
    }

    #[test]
    fn inboxes_must_be_on_the_actors_own_server() {
        let p = |s: &str| url::Url::parse(s).unwrap();
        let actor = p("https://lemmy.example/u/carol");
        assert!(same_origin(&p("https://lemmy.example/inbox"), &actor));
        assert!(same_origin(
            &p("https://LEMMY.example:443/u/carol/inbox"),
            &actor
        ));
        for other in [
            "http://lemmy.example/inbox",
            "https://lemmy.example:8443/inbox",
            "https://other.example/inbox",
            "https://sub.lemmy.example/inbox",
            "https://127.0.0.1/inbox",
            "https://169.254.169.254/inbox",
        ] {
            assert!(!same_origin(&p(other), &actor), "{other}");
        }
        let literal = p("http://127.0.0.1:18202/users/x");
        assert!(same_origin(&p("http://127.0.0.1:18202/inbox"), &literal));
        assert!(!same_origin(&p("http://127.0.0.2:18202/inbox"), &literal));
    }

    #[test]
    fn the_url_parser_normalizes_odd_ipv4_forms_to_what_they_reach() {
        for form in [
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://0x7f.0.0.1/",
            "http://0x7f000001/",
            "http://127.1/",
            "http://017700000001/",
        ] {
            let url = url::Url::parse(form).unwrap();
            assert_eq!(url.host_str(), Some("127.0.0.1"), "{form}");
            assert!(check_url(&rule(&[]), &url).is_err(), "{form}");
        }
        for refused in [
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://169.254.169.254/latest/meta-data",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://0.0.0.0/",
            "http://[::]/",
            "http://100.64.0.1/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "ftp://example.com/",
        ] {
            let url = url::Url::parse(refused).unwrap();
            assert!(check_url(&rule(&[]), &url).is_err(), "{refused}");
        }
        let public = url::Url::parse("https://93.184.215.14/inbox").unwrap();
        assert!(check_url(&rule(&[]), &public).is_ok());
        let named = url::Url::parse("https://example.com/inbox").unwrap();
        assert!(
            check_url(&rule(&[]), &named).is_ok(),
            "names go to the resolver"
        );
    }

    #[tokio::test]
    async fn literals_and_names_are_refused_at_connect_and_nothing_reaches_the_listener() {
        let (port, hits) = listener("127.0.0.2:0").await;
        // The exception lets 127.0.0.1 through, as tests do; 127.0.0.2 stays refused.
        let client = client(rule(&["127.0.0.1"]), Duration::from_secs(5)).unwrap();
        for url in [
            format!("http://127.0.0.2:{port}/inbox"),
            format!("http://2130706434:{port}/inbox"),
            format!("http://0177.0.0.2:{port}/inbox"),
            format!("http://0x7f.0.0.2:{port}/inbox"),
            format!("http://[::ffff:127.0.0.2]:{port}/inbox"),
        ] {
            let err = client.post(&url).body("{}").send().await.unwrap_err();
            let refused = refusal(&err).unwrap_or_else(|| panic!("{url}: {err:?}"));
            assert!(refused.0.contains("127.0.0.2"), "{url}: {refused}");
        }
        assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached 127.0.0.2");

        // A name is judged by what it resolves to: `localhost` is loopback.
        let (port1, hits1) = listener("127.0.0.1:0").await;
        let strict = super::client(rule(&[]), Duration::from_secs(5)).unwrap();
        let err = strict
            .get(format!("http://localhost:{port1}/"))
            .send()
            .await
            .unwrap_err();
        assert!(refusal(&err).is_some(), "{err:?}");
        assert_eq!(hits1.load(Ordering::SeqCst), 0);

        // The exception lets the same name and address through.
        let status = client
            .get(format!("http://localhost:{port1}/"))
            .send()
            .await
            .expect("allowed by the exception")
            .status();
        assert_eq!(status, 202);
        assert_eq!(hits1.load(Ordering::SeqCst), 1);
        // A network failure is not a refusal.
        let (closed, _) = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            (l.local_addr().unwrap().port(), drop(l))
        };
        let err = client
            .get(format!("http://127.0.0.1:{closed}/"))
            .send()
            .await
            .unwrap_err();
        assert!(refusal(&err).is_none(), "{err:?}");
    }
}
