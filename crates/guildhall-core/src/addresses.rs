//! Which network addresses outgoing federation requests may reach.
//!
//! Every fetch and delivery goes to a URL that someone else chose (an actor
//! document names its inbox, an activity names the objects to fetch), so
//! without a rule a remote actor could make us POST to our own loopback, to
//! a cloud metadata service (169.254.169.254) or to anything on the private
//! network (server-side request forgery). The rule here is applied to the
//! address actually connected to, whether it came from DNS or was written in
//! the URL (see `guildhall_federation::net`).

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The admin's rule: private addresses refused unless allowed outright
/// (tests) or listed as exceptions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressRule {
    /// Allow every address (`federation.allow_private_addresses`): tests and
    /// local development only.
    pub allow_private: bool,
    /// Networks allowed although not public
    /// (`federation.allowed_private_addresses`), like Mastodon's
    /// `ALLOWED_PRIVATE_ADDRESSES`: a partner on the private network, or the
    /// stand-in server of a test.
    pub exceptions: Vec<IpNet>,
}

impl AddressRule {
    /// Parses the exceptions as CIDR networks (`10.1.2.0/24`) or single
    /// addresses (`127.0.0.1`, `::1`).
    pub fn new(allow_private: bool, exceptions: &[String]) -> Result<AddressRule, String> {
        let exceptions = exceptions
            .iter()
            .map(|e| {
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{e:?} is neither an IP address nor a CIDR network"))
            })
            .collect::<Result<_, _>>()?;
        Ok(AddressRule {
            allow_private,
            exceptions,
        })
    }

    /// Whether a request may connect to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.allow_private || is_public(ip) || self.exceptions.iter().any(|n| n.contains(&ip))
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is the IPv4 address it
/// carries: that is what the socket reaches.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Whether `ip` is a globally routable unicast address: not loopback,
/// private, shared (CGNAT), link-local, unique-local, multicast,
/// unspecified, broadcast, documentation, benchmarking or reserved, and not
/// an IPv6 form that carries one of those (mapped, compatible, NAT64, 6to4).
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    let refused = v4.is_unspecified()
        || a == 0 // 0.0.0.0/8: "this network"; 0.x reaches loopback on Linux
        || v4.is_private() // 10/8, 172.16/12, 192.168/16
        || v4.is_loopback() // 127/8
        || (a == 100 && (b & 0xc0) == 0x40) // 100.64/10, shared (CGNAT)
        || v4.is_link_local() // 169.254/16, cloud metadata
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24, IETF protocol assignments
        || v4.is_documentation() // 192.0.2/24, 198.51.100/24, 203.0.113/24
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 198 && (b & 0xfe) == 18) // 198.18/15, benchmarking
        || v4.is_multicast() // 224/4
        || a >= 240; // 240/4 reserved, and 255.255.255.255 broadcast
    !refused
}

fn is_public_v6(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    let embedded_v4 =
        || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    // NAT64's well-known prefix reaches the IPv4 address in its low bits:
    // judge that, so IPv6-only hosts behind DNS64 keep federating.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded_v4());
    }
    let refused = v6.is_unspecified()
        || v6.is_loopback()
        || s[..6] == [0, 0, 0, 0, 0, 0] // ::/96, IPv4-compatible (deprecated)
        || s[..6] == [0, 0, 0, 0, 0xffff, 0] // ::ffff:0:0:0/96, IPv4-translated
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // 64:ff9b:1::/48, local NAT64
        || s[..4] == [0x100, 0, 0, 0] // 100::/64, discard
        || (s[0] == 0x2001 && s[1] < 0x200) // 2001::/23, IETF protocol (Teredo...)
        || (s[0] == 0x2001 && s[1] == 0xdb8) // 2001:db8::/32, documentation
        || (s[0] & 0xfff0) == 0x3ff0 // 3fff::/20, documentation
        || s[0] == 0x2002 // 6to4: carries any IPv4 address
        || (s[0] & 0xfe00) == 0xfc00 // fc00::/7, unique-local
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10, link-local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10, site-local (deprecated)
        || v6.is_multicast(); // ff00::/8
    !refused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn special_ipv4_ranges_are_refused() {
        for a in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.0.0.2",
            "127.255.255.255",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!is_public(ip(a)), "{a} must be refused");
        }
    }

    #[test]
    fn public_ipv4_addresses_pass() {
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert!(is_public(ip(a)), "{a} must pass");
        }
    }

    #[test]
    fn special_ipv6_ranges_and_forms_are_refused() {
        for a in [
            "::",
            "::1",
            "::127.0.0.1",      // IPv4-compatible
            "::8.8.8.8",        // IPv4-compatible, deprecated whatever it carries
            "::ffff:127.0.0.1", // IPv4-mapped loopback
            "::ffff:10.0.0.1",  // IPv4-mapped private
            "::ffff:169.254.169.254",
            "::ffff:0:8.8.8.8",   // IPv4-translated
            "64:ff9b::127.0.0.1", // NAT64 of loopback
            "64:ff9b::10.1.1.1",
            "64:ff9b:1::1", // local-use NAT64
            "100::1",       // discard
            "2001::1",      // Teredo
            "2001:db8::1",  // documentation
            "3fff::1",
            "2002:7f00:1::1", // 6to4 of 127.0.0.1
            "fc00::1",        // unique-local
            "fd12:3456::1",
            "fe80::1", // link-local
            "febf::1",
            "fec0::1", // site-local
            "ff02::1", // multicast
            "ff0e::1",
        ] {
            assert!(!is_public(ip(a)), "{a} must be refused");
        }
    }

    #[test]
    fn public_ipv6_addresses_pass() {
        for a in [
            "2606:4700:4700::1111",
            "2a00:1450:4001:82a::200e",
            "::ffff:8.8.8.8",   // mapped public: the socket reaches 8.8.8.8
            "64:ff9b::8.8.8.8", // NAT64 of a public address
            "2001:4860:4860::8888",
        ] {
            assert!(is_public(ip(a)), "{a} must pass");
        }
    }

    #[test]
    fn exceptions_and_the_test_switch() {
        let rule = AddressRule::new(false, &["127.0.0.1".into(), "10.1.0.0/16".into()]).unwrap();
        assert!(rule.allows(ip("127.0.0.1")));
        assert!(
            rule.allows(ip("::ffff:127.0.0.1")),
            "mapped form of an exception"
        );
        assert!(!rule.allows(ip("127.0.0.2")));
        assert!(rule.allows(ip("10.1.200.3")));
        assert!(!rule.allows(ip("10.2.0.1")));
        assert!(!rule.allows(ip("::1")));
        assert!(rule.allows(ip("8.8.8.8")));
        assert!(AddressRule::new(true, &[]).unwrap().allows(ip("127.0.0.2")));
        assert!(!AddressRule::default().allows(ip("127.0.0.1")));
        assert!(AddressRule::new(false, &["localhost".into()]).is_err());
        assert!(AddressRule::new(false, &["10.0.0.0/33".into()]).is_err());
    }
}
