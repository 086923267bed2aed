//! CSRF tokens are bound to the session: a cookie and form field chosen by
//! an attacker do not pass, and a token made for one browser does not work
//! in another's session. The real flow (open the page, post its form) does.

use guildhall_e2e::TestServer;

/// The value of the first hidden `csrf` field in a page.
fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// A cookie-less client: every cookie is set by hand, as an attacker who can
/// plant cookies would.
async fn post(
    server: &TestServer,
    path: &str,
    cookies: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(server.url(path))
        .header("cookie", cookies)
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// The pre-session cookie a page hands out, and the page's token.
async fn fresh_pair(server: &TestServer, path: &str) -> (String, String) {
    let res = reqwest::get(server.url(path)).await.unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find_map(|c| c.strip_prefix("guildhall_csrf="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("a csrf cookie");
    let token = csrf_field(&res.text().await.unwrap());
    (cookie, token)
}

#[tokio::test]
async fn an_attacker_chosen_cookie_and_field_do_not_pass() {
    let server = TestServer::sqlite().await;
    server.api().register("alice").await;
    let (cookie, token) = fresh_pair(&server, "/login").await;
    let res = post(
        &server,
        "/login",
        &format!("guildhall_csrf={cookie}"),
        &[
            ("csrf", &token),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    assert_eq!(res.status().as_u16(), 303, "the real flow signs in");
    let session_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find_map(|c| c.strip_prefix("guildhall_session="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .unwrap();

    // The old double submit: any well-formed value, the same in cookie and
    // field. Refused, logged out and signed in.
    let chosen = "A".repeat(43);
    for cookies in [
        format!("guildhall_csrf={chosen}"),
        format!("guildhall_csrf={chosen}; guildhall_session={session_cookie}"),
    ] {
        let res = post(
            &server,
            "/groups/new",
            &cookies,
            &[("csrf", &chosen), ("name", "sneaky"), ("title", "Sneaky")],
        )
        .await;
        assert_eq!(res.status().as_u16(), 403, "{cookies}");
    }
    // A genuine pair the attacker got for themselves, planted in the
    // victim's signed-in browser: bound to another session, refused.
    let (planted, its_token) = fresh_pair(&server, "/register").await;
    let res = post(
        &server,
        "/groups/new",
        &format!("guildhall_csrf={planted}; guildhall_session={session_cookie}"),
        &[
            ("csrf", &its_token),
            ("name", "sneaky"),
            ("title", "Sneaky"),
        ],
    )
    .await;
    assert_eq!(res.status().as_u16(), 403);
    // Nothing was made.
    server
        .api()
        .get("/groups/sneaky")
        .await
        .expect_error(404, "not_found");

    // The victim's own page gives the token that works in their session.
    let html = reqwest::Client::new()
        .get(server.url("/groups/new"))
        .header(
            "cookie",
            format!("guildhall_csrf={planted}; guildhall_session={session_cookie}"),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mine = csrf_field(&html);
    assert_ne!(mine, its_token);
    let res = post(
        &server,
        "/groups/new",
        &format!("guildhall_csrf={planted}; guildhall_session={session_cookie}"),
        &[("csrf", &mine), ("name", "real"), ("title", "Real")],
    )
    .await;
    assert_eq!(res.status().as_u16(), 303);
    server.api().get("/groups/real").await.expect(200);
}

/// The server's key survives a restart (it comes from the instance key in
/// the database): a form opened before still posts after.
#[tokio::test]
async fn tokens_outlive_a_restart() {
    let mut server = TestServer::sqlite().await;
    server.api().register("alice").await;
    let (cookie, token) = fresh_pair(&server, "/login").await;
    server.restart().await;
    let res = post(
        &server,
        "/login",
        &format!("guildhall_csrf={cookie}"),
        &[
            ("csrf", &token),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    assert_eq!(res.status().as_u16(), 303);
}
