//! A browser without JavaScript for the page tests: a cookie jar, forms
//! posted as application/x-www-form-urlencoded, and redirects read by hand
//! so each step's status can be checked.

use crate::{Api, TestServer};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};

/// The password [`Browser::register`] gives an account.
pub const PASSWORD: &str = "correct horse battery";

/// One browser: its own cookie jar, no automatic redirects.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
}

/// A page as the browser got it.
pub struct Got {
    pub status: StatusCode,
    pub location: Option<String>,
    pub cookies: Vec<String>,
    pub content_type: String,
    pub body: String,
}

impl Got {
    #[track_caller]
    pub fn expect(self, status: u16) -> Got {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; location {:?}; body:\n{}",
            self.location,
            self.body
        );
        self
    }

    /// A 303 and where it goes.
    #[track_caller]
    pub fn redirect(self) -> String {
        let got = self.expect(303);
        got.location.expect("a Location header")
    }

    #[track_caller]
    pub fn html(&self) -> &str {
        assert!(
            self.content_type.starts_with("text/html"),
            "expected HTML, got {:?}: {}",
            self.content_type,
            self.body
        );
        &self.body
    }
}

impl Browser {
    pub fn new(server: &TestServer) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: server.url(""),
        }
    }

    pub async fn read(req: reqwest::RequestBuilder) -> Got {
        let resp = req.send().await.expect("request reaches the server");
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let location = header(LOCATION);
        let content_type = header(CONTENT_TYPE).unwrap_or_default();
        let cookies = resp
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        Got {
            status: resp.status(),
            location,
            cookies,
            content_type,
            body: resp.text().await.unwrap_or_default(),
        }
    }

    pub async fn get(&self, path: &str) -> Got {
        Self::read(self.http.get(format!("{}{path}", self.base))).await
    }

    /// Posts a form as is (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Got {
        Self::read(self.http.post(format!("{}{path}", self.base)).form(fields)).await
    }

    /// Opens `page` and posts the form to `action` with the page's CSRF
    /// token, as a person would.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Got {
        let html = self.get(page).await.expect(200).body;
        let token = csrf_field(&html).expect("the page carries a CSRF token");
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    /// Makes a group of `kind` through the new-group form.
    pub async fn create_group(&self, name: &str, title: &str, kind: &str) {
        let fields = [("name", name), ("title", title), ("kind", kind)];
        let to = self
            .submit("/groups/new", "/groups/new", &fields)
            .await
            .redirect();
        assert_eq!(to, format!("/g/{name}"));
    }

    /// Logs in through the form, as a member registered elsewhere (the API).
    pub async fn login(&self, username: &str) {
        let fields = [("username", username), ("password", PASSWORD)];
        let got = self.submit("/login", "/login", &fields).await;
        assert_eq!(got.status.as_u16(), 303, "{username} logs in: {}", got.body);
    }

    pub async fn register(&self, username: &str) {
        let to = self
            .submit(
                "/register",
                "/register",
                &[("username", username), ("password", PASSWORD)],
            )
            .await
            .redirect();
        assert_eq!(to, "/welcome", "a newcomer lands on the welcome page");
    }
}

/// Makes the group `support` (its maker moderates it).
pub async fn support_group(maker: &Api) {
    maker
        .post(
            "/groups",
            serde_json::json!({ "name": "support", "title": "Support" }),
        )
        .await
        .expect(201);
}

/// Starts a thread in `support` and returns its id.
pub async fn post_thread(author: &Api, title: &str, body: &str) -> i64 {
    author
        .post(
            "/groups/support/threads",
            serde_json::json!({ "title": title, "body": body }),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap()
}

/// The value of the first hidden `csrf` field in a page.
pub fn csrf_field(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_string())
}

/// The number at the end of a path like `/t/12` or `/t/12#r3`.
pub fn id_after(location: &str, prefix: &str) -> i64 {
    let rest = location
        .split_once(prefix)
        .unwrap_or_else(|| panic!("{location:?} has no {prefix:?}"))
        .1;
    rest.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// A page's JSON-LD, parsed, and its text as served (to check that no `<`
/// in it could close its script).
pub fn json_ld(html: &str) -> (serde_json::Value, String) {
    let open = r#"<script type="application/ld+json">"#;
    let start = html.find(open).expect("the page carries JSON-LD") + open.len();
    let end = start + html[start..].find("</script>").expect("its script ends");
    let text = html[start..end].to_owned();
    let value = serde_json::from_str(&text).expect("its JSON-LD parses");
    (value, text)
}
