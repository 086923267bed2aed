//! Redirects after a form: always 303 (the browser follows with a GET), and
//! only ever to a path on this site, so `?next=https://evil.example` cannot
//! turn the login form into an open redirect.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `next` if it is a local path, else `/`. A local path starts with one `/`
/// followed by something that is not `/` or `\` (browsers read `//host` and
/// `/\host` as another site), and holds no control characters or
/// backslashes at all.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control)
                && n.len() <= 2000 =>
        {
            n
        }
        _ => "/",
    }
}

/// 303 See Other to a local path.
pub fn see_other(location: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    } else {
        res.headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static("/"));
    }
    res
}

/// The sign-in page, coming back to `next` afterwards.
pub fn to_login(next: &str) -> Response {
    let next = safe_next(Some(next));
    if next == "/" {
        return see_other("/login");
    }
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    see_other(&format!("/login?next={encoded}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_pass() {
        assert_eq!(safe_next(Some("/g/rust")), "/g/rust");
        assert_eq!(safe_next(Some("/t/5?x=1#r2")), "/t/5?x=1#r2");
        assert_eq!(safe_next(Some("/")), "/");
    }

    #[test]
    fn anything_else_goes_home() {
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "evil.example",
            "/ok\r\nSet-Cookie: x=1",
            "/\tevil",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn login_redirect_carries_an_encoded_next() {
        let res = to_login("/t/5?a=b&c");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.headers()[header::LOCATION],
            "/login?next=%2Ft%2F5%3Fa%3Db%26c"
        );
        assert_eq!(to_login("//evil").headers()[header::LOCATION], "/login");
    }
}
