//! Cross-site request forgery protection with tokens bound to the session.
//!
//! Every form carries a hidden `csrf` field whose value is an HMAC, under a
//! key only this server knows, of what identifies the browser's session:
//! the session cookie when signed in, or else a random pre-session cookie
//! (`guildhall_csrf`) that every page response makes sure the browser holds
//! (so the logged-out forms, login and registration, are covered too). A
//! POST passes only when its field is the HMAC of the cookies it came with.
//!
//! A plain double submit (cookie == field) is not enough: whoever can plant
//! a cookie in the victim's browser (a sibling subdomain, a man in the
//! middle on plain http) chooses both halves. Here a planted pre-session
//! cookie does not help against a signed-in member (the token is bound to
//! their session, which the attacker does not know), and a field cannot be
//! made for a chosen cookie without the server's key. SameSite=Lax on the
//! cookies is a second line.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use ring::hmac;

pub const CSRF_COOKIE: &str = "guildhall_csrf";
/// The name of the hidden form field.
pub const CSRF_FIELD: &str = "csrf";

/// Length of an encoded pre-session id or token: 32 bytes in unpadded base64url.
const TOKEN_LEN: usize = 43;

/// The form token of the current request, put in the request's extensions
/// by the page layer so handlers can write it into their forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// A fresh random pre-session id (the `guildhall_csrf` cookie).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether a cookie value looks like an id this server issued; anything
/// else is replaced by a fresh one rather than echoed into pages.
pub fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the token is bound to: the session when there is one, else the
/// pre-session id. Tagged, so neither can stand for the other.
fn binding(session: Option<&str>, presession: &str) -> Vec<u8> {
    match session.filter(|s| !s.is_empty()) {
        Some(s) => [b"guildhall csrf v1 session\0".as_slice(), s.as_bytes()].concat(),
        None => [
            b"guildhall csrf v1 anonymous\0".as_slice(),
            presession.as_bytes(),
        ]
        .concat(),
    }
}

/// The token to put in forms for this session (or pre-session).
pub fn form_token(secret: &[u8; 32], session: Option<&str>, presession: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    URL_SAFE_NO_PAD.encode(hmac::sign(&key, &binding(session, presession)).as_ref())
}

/// Whether `field` is the token for the cookies the request came with,
/// compared in constant time. A missing or malformed pre-session cookie
/// fails when there is no session to bind to.
pub fn verify(
    secret: &[u8; 32],
    session: Option<&str>,
    presession: Option<&str>,
    field: Option<&str>,
) -> bool {
    let Some(field) = field.and_then(|f| URL_SAFE_NO_PAD.decode(f).ok()) else {
        return false;
    };
    let signed_in = session.is_some_and(|s| !s.is_empty());
    let presession = presession.filter(|p| well_formed(p)).unwrap_or_default();
    if !signed_in && presession.is_empty() {
        return false;
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    hmac::verify(&key, &binding(session, presession), &field).is_ok()
}

/// The `Set-Cookie` value for a fresh pre-session id.
pub fn set_cookie(token: &str, secure: bool, max_age_secs: i64) -> String {
    format!(
        "{CSRF_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn ids_are_random_and_well_formed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(well_formed(&a));
        assert!(!well_formed("short"));
        assert!(!well_formed(&format!("{}\"", &a[..42])));
    }

    #[test]
    fn only_the_token_for_these_cookies_passes() {
        let pre = new_token();
        let anon = form_token(&KEY, None, &pre);
        assert!(verify(&KEY, None, Some(&pre), Some(&anon)));
        // A cookie and field chosen to match (the old double submit) fail.
        assert!(!verify(&KEY, None, Some(&pre), Some(&pre)));
        // Another pre-session's token, another key, missing parts: fail.
        let other = new_token();
        assert!(!verify(&KEY, None, Some(&other), Some(&anon)));
        assert!(!verify(&[8; 32], None, Some(&pre), Some(&anon)));
        assert!(!verify(&KEY, None, None, Some(&anon)));
        assert!(!verify(&KEY, None, Some(&pre), None));
        assert!(!verify(&KEY, None, Some(""), Some("")));
        assert!(!verify(&KEY, None, Some(&pre), Some(&anon[..42])));

        // Signed in, the token is bound to the session: the pre-session
        // token (which an attacker can get for a cookie they plant) fails.
        let session = "the-session-token";
        let mine = form_token(&KEY, Some(session), &pre);
        assert_ne!(mine, anon);
        assert!(verify(&KEY, Some(session), Some(&pre), Some(&mine)));
        assert!(verify(&KEY, Some(session), None, Some(&mine)));
        assert!(!verify(&KEY, Some(session), Some(&pre), Some(&anon)));
        assert!(!verify(&KEY, Some("another"), Some(&pre), Some(&mine)));
        // An empty session cookie (a logout's) counts as none.
        assert!(verify(&KEY, Some(""), Some(&pre), Some(&anon)));
    }

    #[test]
    fn cookie_has_the_protective_attributes() {
        let c = set_cookie("tok", false, 60);
        assert!(c.starts_with("guildhall_csrf=tok;"));
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"));
        assert!(!c.contains("Secure"));
        assert!(set_cookie("tok", true, 60).ends_with("; Secure"));
    }
}
