//! Cross-site request forgery protection by double submit: every page
//! response makes sure the browser holds a random `guildhall_csrf` cookie,
//! every form repeats its value in a hidden `csrf` field, and every POST
//! handler refuses (403, nothing changed) unless the two match. Another site
//! can make a browser send the cookie but cannot read it to fill the field.
//! SameSite=Lax on the cookies is a second line.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use subtle::ConstantTimeEq;

pub const CSRF_COOKIE: &str = "guildhall_csrf";
/// The name of the hidden form field.
pub const CSRF_FIELD: &str = "csrf";

/// Length of an encoded token: 32 random bytes in unpadded base64url.
const TOKEN_LEN: usize = 43;

/// The token of the current request, put in the request's extensions by the
/// page layer so handlers can write it into their forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether a cookie value looks like a token this server issued; anything
/// else is replaced by a fresh token rather than echoed into pages.
pub fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The double-submit check: both present, well formed and equal, compared
/// in constant time.
pub fn verify(cookie: Option<&str>, field: Option<&str>) -> bool {
    match (cookie, field) {
        (Some(c), Some(f)) if well_formed(c) && well_formed(f) => {
            bool::from(c.as_bytes().ct_eq(f.as_bytes()))
        }
        _ => false,
    }
}

/// The `Set-Cookie` value for a fresh token.
pub fn set_cookie(token: &str, secure: bool, max_age_secs: i64) -> String {
    format!(
        "{CSRF_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_well_formed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(well_formed(&a));
        assert!(!well_formed("short"));
        assert!(!well_formed(&format!("{}\"", &a[..42])));
    }

    #[test]
    fn only_a_matching_pair_passes() {
        let t = new_token();
        let other = new_token();
        assert!(verify(Some(&t), Some(&t)));
        assert!(!verify(Some(&t), Some(&other)));
        assert!(!verify(Some(&t), None));
        assert!(!verify(None, Some(&t)));
        assert!(!verify(None, None));
        assert!(!verify(Some(""), Some("")));
        assert!(!verify(Some("abc"), Some("abc")));
        assert!(!verify(Some(&t), Some(&t[..42])));
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
