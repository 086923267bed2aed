//! The HTML pages end to end, driven like a browser without JavaScript:
//! a cookie jar, forms posted as application/x-www-form-urlencoded, and
//! redirects read by hand so each step's status can be checked.

use guildhall_e2e::browser::{Browser, csrf_field, id_after, post_thread, support_group};
use guildhall_e2e::{TestServer, eventually};

#[tokio::test]
async fn a_community_through_its_pages() {
    let server = TestServer::sqlite().await;
    let alice = Browser::new(&server);
    let bob = Browser::new(&server);
    let anon = Browser::new(&server);

    // The first page visit hands out the CSRF cookie.
    let first = anon.get("/").await.expect(200);
    assert!(
        first
            .cookies
            .iter()
            .any(|c| c.starts_with("guildhall_csrf=")
                && c.contains("HttpOnly")
                && c.contains("SameSite=Lax")),
        "{:?}",
        first.cookies
    );
    assert!(first.html().contains("<html lang=\"en\">"));
    assert!(first.body.contains("name=\"viewport\""));
    assert!(first.body.contains("There are no groups yet"));

    // Registering signs in with a proper session cookie.
    let html = alice.get("/register").await.expect(200).body;
    let token = csrf_field(&html).unwrap();
    let got = alice
        .post_raw(
            "/register",
            &[
                ("csrf", &token),
                ("username", "alice"),
                ("password", "correct horse battery"),
                ("display_name", "Alice A."),
            ],
        )
        .await
        .expect(303);
    let session = got
        .cookies
        .iter()
        .find(|c| c.starts_with("guildhall_session="))
        .expect("a session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(session.contains(attr), "{session}");
    }
    bob.register("bob").await;

    let home = alice.get("/").await.expect(200).body;
    assert!(home.contains("Signed in as"));
    assert!(home.contains("Alice A."));
    assert!(
        home.contains("href=\"/groups/new\""),
        "the admin may create groups"
    );
    assert!(!bob.get("/").await.body.contains("href=\"/groups/new\""));

    // A group, with Markdown rendered.
    let to = alice
        .submit(
            "/groups/new",
            "/groups/new",
            &[
                ("name", "support"),
                ("title", "Support desk"),
                ("description", "Ask **here**"),
                ("rules", "Be kind"),
            ],
        )
        .await
        .redirect();
    assert_eq!(to, "/g/support");
    // A member who may not create groups is told so, on a page.
    let refused = bob
        .submit(
            "/groups/new",
            "/groups/new",
            &[("name", "mine"), ("title", "Mine")],
        )
        .await
        .expect(403);
    assert!(
        refused.html().contains("Create a group"),
        "the form is shown again"
    );

    let group = anon.get("/g/support").await.expect(200).body;
    assert!(group.contains("Support desk"));
    assert!(group.contains("<strong>here</strong>"));
    assert!(group.contains("href=\"/u/alice\""), "moderators are listed");
    assert!(anon.get("/").await.body.contains("Support desk"));

    // Its moderator may edit it; a member may not.
    assert!(
        alice
            .get("/g/support")
            .await
            .body
            .contains("href=\"/g/support/edit\"")
    );
    assert!(
        !bob.get("/g/support")
            .await
            .body
            .contains("href=\"/g/support/edit\"")
    );
    bob.get("/g/support/edit").await.expect(403).html();
    bob.submit("/g/support", "/g/support/edit", &[("title", "Mine now")])
        .await
        .expect(403);
    let bad = alice
        .submit("/g/support/edit", "/g/support/edit", &[("title", " ")])
        .await
        .expect(422);
    assert!(bad.html().contains("Edit the group"));
    let to = alice
        .submit(
            "/g/support/edit",
            "/g/support/edit",
            &[
                ("title", "Support desk"),
                ("description", "Ask **here**"),
                ("rules", "Be *kind*"),
            ],
        )
        .await
        .redirect();
    assert_eq!(to, "/g/support");
    assert!(anon.get("/g/support").await.body.contains("<em>kind</em>"));

    // Joining and leaving.
    assert!(bob.get("/g/support").await.body.contains("Join group"));
    let to = bob
        .submit("/g/support", "/g/support/join", &[])
        .await
        .redirect();
    assert_eq!(to, "/g/support");
    let group = bob.get("/g/support").await.body;
    assert!(group.contains("Leave group"));
    assert!(group.contains("2 members"), "{group}");
    bob.submit("/g/support", "/g/support/leave", &[])
        .await
        .redirect();
    let group = bob.get("/g/support").await.body;
    assert!(
        group.contains("Join group") && group.contains("1 member "),
        "{group}"
    );
    bob.submit("/g/support", "/g/support/join", &[])
        .await
        .redirect();

    // A thread; a script in it does not reach the page.
    let to = bob
        .submit(
            "/g/support/new",
            "/g/support/new",
            &[
                ("title", "Printer on fire"),
                ("body", "It *burns*.\n\n<script>alert('pwned')</script>\n\n<img src=x onerror=alert(1)>"),
            ],
        )
        .await
        .redirect();
    let tid = id_after(&to, "/t/");
    let thread = anon.get(&format!("/t/{tid}")).await.expect(200).body;
    assert!(thread.contains("Printer on fire"));
    assert!(thread.contains("<em>burns</em>"));
    assert!(!thread.contains("<script>alert"), "{thread}");
    assert!(!thread.contains("onerror"), "{thread}");
    assert!(
        anon.get("/g/support")
            .await
            .body
            .contains("Printer on fire")
    );

    // A reply, and a reply to it.
    let page = format!("/t/{tid}");
    let to = alice
        .submit(
            &page,
            &format!("/t/{tid}/reply"),
            &[("parent_id", ""), ("body", "Have you tried *water*?")],
        )
        .await
        .redirect();
    let r1 = id_after(&to, "#r");
    let r1s = r1.to_string();
    let to = bob
        .submit(
            &page,
            &format!("/t/{tid}/reply"),
            &[("parent_id", &r1s), ("body", "It is an electrical fire")],
        )
        .await
        .redirect();
    let r2 = id_after(&to, "#r");
    let thread = anon.get(&page).await.body;
    assert!(thread.contains("<em>water</em>"));
    assert!(
        thread.contains(&format!("class=\"reply indent-1\" id=\"r{r2}\"")),
        "{thread}"
    );
    assert!(thread.contains(&format!("class=\"reply indent-0\" id=\"r{r1}\"")));
    // An empty reply is refused with the reason, on the thread page.
    let refused = alice
        .submit(
            &page,
            &format!("/t/{tid}/reply"),
            &[("parent_id", &r1s), ("body", "  ")],
        )
        .await
        .expect(422);
    assert!(refused.html().contains("role=\"alert\""));

    // Votes: up on the thread, down on a reply, shown as pressed.
    let to = alice
        .submit(&page, &format!("/t/{tid}/vote"), &[("value", "1")])
        .await
        .redirect();
    assert_eq!(to, page);
    let to = bob
        .submit(&page, &format!("/r/{r1}/vote"), &[("value", "-1")])
        .await
        .redirect();
    assert_eq!(to, format!("/t/{tid}#r{r1}"));
    let mine = alice.get(&page).await.body;
    assert!(
        mine.contains("value=\"0\" class=\"up\" aria-pressed=\"true\""),
        "{mine}"
    );
    assert!(mine.contains(">-1<span class=\"vh\"> points"));
    // Pressing it again removes the vote.
    alice
        .submit(&page, &format!("/t/{tid}/vote"), &[("value", "0")])
        .await
        .redirect();
    assert!(
        !alice
            .get(&page)
            .await
            .body
            .contains("aria-pressed=\"true\"")
    );
    // Voting on one's own thread is refused by the rules, as a page.
    bob.submit(&page, &format!("/t/{tid}/vote"), &[("value", "1")])
        .await
        .html();

    // Editing: the form is prefilled, a bad edit is shown again with 422.
    let form = bob.get(&format!("/t/{tid}/edit")).await.expect(200).body;
    assert!(form.contains("value=\"Printer on fire\""));
    alice.get(&format!("/t/{tid}/edit")).await.expect(403);
    let bad = bob
        .submit(
            &format!("/t/{tid}/edit"),
            &format!("/t/{tid}/edit"),
            &[("title", ""), ("body", "x")],
        )
        .await
        .expect(422);
    assert!(bad.html().contains("title"));
    bob.submit(
        &format!("/t/{tid}/edit"),
        &format!("/t/{tid}/edit"),
        &[
            ("title", "Printer still on fire"),
            ("body", "Update: **smoke**"),
        ],
    )
    .await
    .redirect();
    let thread = anon.get(&page).await.body;
    assert!(thread.contains("Printer still on fire"));
    assert!(thread.contains("<strong>smoke</strong>"));
    assert!(thread.contains("edited"));
    alice
        .submit(
            &format!("/r/{r1}/edit"),
            &format!("/r/{r1}/edit"),
            &[("body", "Try sand")],
        )
        .await
        .redirect();
    assert!(anon.get(&page).await.body.contains("Try sand"));

    // Deleting a reply keeps its children.
    alice
        .submit(&page, &format!("/r/{r1}/delete"), &[])
        .await
        .redirect();
    let thread = anon.get(&page).await.body;
    assert!(thread.contains("[deleted]"));
    assert!(!thread.contains("Try sand"));
    assert!(thread.contains("It is an electrical fire"));

    // Profiles and settings.
    let profile = anon.get("/u/bob").await.expect(200).body;
    assert!(profile.contains("Printer still on fire"));
    assert!(!profile.contains("class=\"avatar\""));
    let to = bob
        .submit(
            "/settings",
            "/settings",
            &[
                ("display_name", "Bob B."),
                ("bio", "I *fix* printers"),
                ("avatar_url", "https://example.com/bob.png"),
            ],
        )
        .await
        .redirect();
    assert_eq!(to, "/u/bob");
    let profile = anon.get("/u/bob").await.body;
    assert!(profile.contains("Bob B."));
    assert!(profile.contains("<em>fix</em>"));
    assert!(
        profile.contains("src=\"https:&#x2f;&#x2f;example.com&#x2f;bob.png\"")
            || profile.contains("src=\"https://example.com/bob.png\"")
    );
    let bad = bob
        .submit(
            "/settings",
            "/settings",
            &[("avatar_url", "javascript:alert(1)")],
        )
        .await
        .expect(422);
    assert!(bad.html().contains("role=\"alert\""));
    anon.get("/u/nobody").await.expect(404);

    // Anonymous readers may read; writing sends them to log in.
    let to = anon
        .submit(&page, &format!("/t/{tid}/vote"), &[("value", "1")])
        .await
        .redirect();
    assert_eq!(to, format!("/login?next=%2Ft%2F{tid}"));
    assert_eq!(
        anon.get("/settings").await.redirect(),
        "/login?next=%2Fsettings"
    );

    // Deleting the thread.
    let to = bob
        .submit(&page, &format!("/t/{tid}/delete"), &[])
        .await
        .redirect();
    assert_eq!(to, "/g/support");
    assert!(anon.get(&page).await.expect(200).body.contains("[deleted]"));

    // Logging out ends the session.
    assert_eq!(bob.submit("/", "/logout", &[]).await.redirect(), "/");
    let home = bob.get("/").await.body;
    assert!(!home.contains("Signed in as"));
    assert!(home.contains("href=\"/login\""));
}

#[tokio::test]
async fn posts_without_the_csrf_token_change_nothing() {
    let server = TestServer::sqlite().await;
    let alice = Browser::new(&server);
    alice.register("alice").await;
    alice.get("/").await.expect(200);

    for fields in [
        vec![("name", "sneaky"), ("title", "Sneaky")],
        vec![
            ("csrf", "not-the-token"),
            ("name", "sneaky"),
            ("title", "Sneaky"),
        ],
        vec![("csrf", ""), ("name", "sneaky"), ("title", "Sneaky")],
    ] {
        let got = alice.post_raw("/groups/new", &fields).await.expect(403);
        assert!(got.html().contains("nothing was changed"));
    }
    alice.get("/g/sneaky").await.expect(404);
    assert!(!alice.get("/").await.body.contains("Sneaky"));

    // Another site's form: the browser sends the session cookie but the
    // attacker cannot know the token.
    let html = alice.get("/").await.body;
    let token = csrf_field(&html).unwrap();
    let other = Browser::new(&server);
    other
        .post_raw(
            "/login",
            &[
                ("csrf", &token),
                ("username", "alice"),
                ("password", "correct horse battery"),
            ],
        )
        .await
        .expect(403);
    // Logout without a token keeps the session.
    alice.post_raw("/logout", &[]).await.expect(403);
    assert!(alice.get("/").await.body.contains("Signed in as"));
}

#[tokio::test]
async fn errors_are_html_pages_with_the_right_status() {
    let server = TestServer::sqlite_with(|c| c.limits.page_size = 2).await;
    let alice = Browser::new(&server);
    alice.register("alice").await;

    assert!(
        alice
            .get("/t/999999")
            .await
            .expect(404)
            .html()
            .contains("not found")
    );
    alice.get("/t/abc").await.expect(404).html();
    alice.get("/g/nowhere").await.expect(404).html();
    alice.get("/u/NoSuch!").await.expect(404).html();

    // Login: a wrong password shows the form again with 401; `next` must
    // stay on this site.
    let anon = Browser::new(&server);
    let wrong = anon
        .submit(
            "/login",
            "/login",
            &[("username", "alice"), ("password", "nope nope nope")],
        )
        .await
        .expect(401);
    assert!(wrong.html().contains("wrong username or password"));
    assert!(wrong.body.contains("value=\"alice\""));
    let to = anon
        .submit(
            "/login",
            "/login",
            &[
                ("username", "alice"),
                ("password", "correct horse battery"),
                ("next", "https://evil.example/"),
            ],
        )
        .await
        .redirect();
    assert_eq!(to, "/");
    anon.submit("/", "/logout", &[]).await.redirect();
    let to = anon
        .submit(
            "/login?next=/g/x",
            "/login",
            &[
                ("username", "alice"),
                ("password", "correct horse battery"),
                ("next", "//evil.example"),
            ],
        )
        .await
        .redirect();
    assert_eq!(to, "/");
    anon.submit("/", "/logout", &[]).await.redirect();
    let login = anon.get("/login?next=/g/support").await.body;
    assert!(
        login.contains("name=\"next\" value=\"&#x2f;g&#x2f;support\"")
            || login.contains("name=\"next\" value=\"/g/support\"")
    );

    // Register: a taken name is a 409 with the form again.
    let dup = anon
        .submit(
            "/register",
            "/register",
            &[("username", "alice"), ("password", "correct horse battery")],
        )
        .await
        .expect(409);
    assert!(dup.html().contains("Create an account"));

    // Bodies the form reader refuses.
    let html = alice.get("/").await.body;
    let token = csrf_field(&html).unwrap();
    let url = server.url("/groups/new");
    let json = alice
        .http
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"name\":\"x\"}");
    Browser::read(json).await.expect(415).html();
    let huge = format!(
        "csrf={token}&description={}",
        "a".repeat(server.config.server.max_body_bytes + 10)
    );
    let big = alice
        .http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge);
    Browser::read(big).await.expect(413).html();
    let bad = alice
        .http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"csrf=x&name=\xff\xfe".to_vec());
    Browser::read(bad).await.expect(400).html();

    // A bad sort is the rule's 422, a bad cursor too; never a 500.
    alice
        .submit(
            "/groups/new",
            "/groups/new",
            &[("name", "support"), ("title", "Support")],
        )
        .await
        .redirect();
    alice
        .get("/g/support?sort=sideways")
        .await
        .expect(422)
        .html();
    alice
        .get("/g/support?sort=top&t=decade")
        .await
        .expect(422)
        .html();
    alice.get("/g/support?cursor=%%%").await.expect(422).html();
    alice
        .get("/g/support?cursor=bm9wZQ")
        .await
        .expect(422)
        .html();

    // Paging follows the cursor.
    for title in ["First", "Second", "Third"] {
        alice
            .submit(
                "/g/support/new",
                "/g/support/new",
                &[("title", title), ("body", "text")],
            )
            .await
            .redirect();
    }
    let page1 = alice.get("/g/support?sort=new").await.expect(200).body;
    assert!(page1.contains("Third") && page1.contains("Second") && !page1.contains(">First<"));
    let at =
        page1.find("rel=\"next\" href=\"").expect("a next link") + "rel=\"next\" href=\"".len();
    let next = page1[at..][..page1[at..].find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&#x2f;", "/");
    let page2 = alice.get(&next).await.expect(200).body;
    assert!(page2.contains(">First<"), "{page2}");
    assert!(!page2.contains(">Third<"));
    for sort in [
        "hot",
        "active",
        "top",
        "top&t=day",
        "top&t=week",
        "top&t=month",
        "top&t=all",
    ] {
        assert!(
            alice
                .get(&format!("/g/support?sort={sort}"))
                .await
                .expect(200)
                .body
                .contains("Third")
        );
    }

    // Assets are served from the binary.
    let css = alice.get("/static/style.css").await.expect(200);
    assert!(css.content_type.starts_with("text/css"));
    assert!(css.body.contains("@media"));
}

#[tokio::test]
async fn pages_follow_the_instance_policies() {
    let server = TestServer::sqlite_with(|c| {
        c.groups.creation = serde_json::from_value(serde_json::json!("members")).unwrap();
    })
    .await;
    let alice = Browser::new(&server);
    let bob = Browser::new(&server);
    alice.register("alice").await;
    bob.register("bob").await;
    assert!(bob.get("/").await.body.contains("href=\"/groups/new\""));
    bob.submit(
        "/groups/new",
        "/groups/new",
        &[("name", "bobs"), ("title", "Bob's")],
    )
    .await
    .redirect();

    let closed = TestServer::sqlite_with(|c| c.accounts.registration_open = false).await;
    let visitor = Browser::new(&closed);
    let page = visitor.get("/register").await.expect(200).body;
    assert!(page.contains("Registration is closed"));
    assert!(!visitor.get("/").await.body.contains("href=\"/register\""));
    let html = visitor.get("/login").await.body;
    let token = csrf_field(&html).unwrap();
    visitor
        .post_raw(
            "/register",
            &[
                ("csrf", &token),
                ("username", "eve"),
                ("password", "correct horse battery"),
            ],
        )
        .await
        .expect(403)
        .html();
}

#[tokio::test]
async fn unknown_pages_get_an_html_404_and_unknown_api_paths_json() {
    let server = TestServer::sqlite().await;
    let resp = reqwest::get(server.url("/no/such/page")).await.unwrap();
    assert_eq!(resp.status(), 404);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let body = resp.text().await.unwrap();
    assert!(body.contains("page not found"), "{body}");
    assert!(body.contains("<html"), "{body}");
    let resp = reqwest::get(server.url("/api/v1/no/such")).await.unwrap();
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
}

/// Following a group on another instance from the pages, the subscribed
/// feed, and the admin's federation page.
#[tokio::test]
async fn federation_through_the_pages() {
    let a = TestServer::sqlite().await;
    let b = TestServer::sqlite().await;
    let alice = a.api().register("alice").await;
    support_group(&alice).await;
    alice
        .post(
            "/groups/support/threads",
            serde_json::json!({ "title": "Welcome thread", "body": "Hello." }),
        )
        .await
        .expect(201);

    // On B: the admin (first account) and a member.
    let admin = Browser::new(&b);
    admin.register("boss").await;
    let bob = Browser::new(&b);
    bob.register("bob").await;
    let empty = bob.get("/feed").await.expect(200);
    assert!(empty.html().contains("Nothing here yet"));

    // A bad query is shown back with its error; a good one opens the group.
    let got = bob
        .submit("/feed", "/groups/find", &[("query", "!nobody@127.0.0.1:9")])
        .await;
    assert!(got.status.is_client_error(), "{}", got.status);
    assert!(got.html().contains("role=\"alert\""));
    let query = format!("!support@{}", a.domain());
    let to = bob
        .submit("/feed", "/groups/find", &[("query", &query)])
        .await
        .redirect();
    let remote = format!("support@{}", a.domain());
    assert_eq!(to, format!("/g/{remote}"));
    bob.submit(&to, &format!("{to}/join"), &[]).await.redirect();
    let feed = eventually("the feed shows the followed group's thread", || async {
        let page = bob.get("/feed").await.expect(200).body;
        page.contains("Welcome thread").then_some(page)
    })
    .await;
    assert!(feed.contains(&format!("href=\"/g/{remote}\"")));
    assert!(feed.contains("<time datetime="), "{feed}");
    assert!(feed.contains(&format!("by alice@{}", a.domain())), "{feed}");

    // The admin page: members are refused; the admin sees A and blocks it.
    assert!(bob.get("/").await.body.contains("Subscribed"));
    assert!(!bob.get("/").await.body.contains("/admin/federation"));
    bob.get("/admin/federation").await.expect(403);
    let page = admin.get("/admin/federation").await.expect(200);
    assert!(page.html().contains(&a.domain()));
    let bad = admin
        .submit(
            "/admin/federation",
            "/admin/federation",
            &[("domain", "not a domain"), ("policy", "block")],
        )
        .await
        .expect(422);
    assert!(bad.html().contains("invalid domain"));
    let done = admin
        .submit(
            "/admin/federation",
            "/admin/federation",
            &[("domain", &a.domain()), ("policy", "block")],
        )
        .await
        .redirect();
    assert_eq!(done, "/admin/federation");
    let page = admin.get("/admin/federation").await.expect(200).body;
    assert!(page.contains("blocked"), "{page}");
}

/// Trust levels hold on the HTML forms too: a new member's vote and a
/// thread with a link are refused with a 403 page naming the privilege
/// and the level it needs, and nothing changes.
#[tokio::test]
async fn forms_refuse_what_a_trust_level_does_not_allow() {
    let server = TestServer::sqlite_with(|c| {
        c.reputation = guildhall_core::reputation::Rules::default();
    })
    .await;
    let alice = server.api().register("alice").await;
    support_group(&alice).await;
    let tid = post_thread(&alice, "Printer jams", "Help.").await;

    let dave = Browser::new(&server);
    dave.register("dave").await;
    let page = format!("/t/{tid}");
    let refused = dave
        .submit(&page, &format!("/t/{tid}/vote"), &[("value", "1")])
        .await
        .expect(403);
    assert!(
        refused
            .html()
            .contains("Voting opens at trust level TL1: be active on 1 day"),
        "{}",
        refused.body
    );
    let refused = dave
        .submit(
            "/g/support/new",
            "/g/support/new",
            &[("title", "Deals"), ("body", "see https://spam.example")],
        )
        .await
        .expect(403);
    assert!(
        refused
            .html()
            .contains("posting links or images needs trust level TL1")
    );
    let thread = alice.get(&format!("/threads/{tid}")).await.expect(200);
    assert_eq!(thread["score"], 0);
    let list = alice.get("/groups/support/threads").await.expect(200);
    assert_eq!(list["threads"].as_array().unwrap().len(), 1);
}

/// A member flags a thread and a reply from the thread page and is thanked;
/// the group's moderators read the flags on their own page, linked from
/// the group; other members may not.
#[tokio::test]
async fn members_flag_posts_and_moderators_read_the_flags() {
    let server = TestServer::sqlite().await;
    let alice = server.api().register("alice").await; // admin, moderates support
    support_group(&alice).await;
    let tid = post_thread(&alice, "Cheap ink", "Buy here.").await;
    let rid = alice
        .post(
            &format!("/threads/{tid}/replies"),
            serde_json::json!({ "body": "Really cheap." }),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();

    let bob = Browser::new(&server);
    bob.register("bob").await;
    let page = format!("/t/{tid}");
    let html = bob.get(&page).await.expect(200).body;
    assert!(html.contains(&format!("id=\"flag-t{tid}\"")), "{html}");
    assert!(html.contains(&format!("id=\"flag-r{rid}\"")));
    let back = bob
        .submit(&page, &format!("/t/{tid}/flag"), &[("reason", "an ad")])
        .await
        .redirect();
    assert_eq!(back, format!("/t/{tid}?flagged=1"));
    let thanked = bob.get(&back).await.expect(200).body;
    assert!(thanked.contains("will take a look"), "{thanked}");
    let back = bob
        .submit(&page, &format!("/r/{rid}/flag"), &[("reason", "more ads")])
        .await
        .redirect();
    assert_eq!(back, format!("/t/{tid}?flagged=1#r{rid}"));
    // Without a reason: refused, and said why.
    let refused = bob
        .submit(&page, &format!("/t/{tid}/flag"), &[("reason", " ")])
        .await
        .expect(422);
    assert!(refused.html().contains("say why"), "{}", refused.body);
    // The list is for moderators.
    bob.get("/g/support/flags").await.expect(403);
    assert!(
        !bob.get("/g/support")
            .await
            .body
            .contains("/g/support/flags")
    );

    let moderator = Browser::new(&server);
    moderator
        .submit(
            "/login",
            "/login",
            &[("username", "alice"), ("password", "correct horse battery")],
        )
        .await
        .expect(303);
    assert!(
        moderator
            .get("/g/support")
            .await
            .body
            .contains("href=\"/g/support/flags\"")
    );
    let flags = moderator.get("/g/support/flags").await.expect(200);
    let html = flags.html();
    assert!(
        html.contains("more ads") && html.contains("an ad"),
        "{html}"
    );
    assert!(
        html.contains(&format!("href=\"/t/{tid}#r{rid}\"")),
        "{html}"
    );
    assert!(html.contains("Cheap ink") && html.contains("Flagged by <strong>bob</strong>"));
}

/// A member at TL3 or above (here a leader) sees "Hide as spam" on others'
/// posts and hides one at once; a TL1 member sees no such button and is
/// refused if they post the form anyway.
#[tokio::test]
async fn trusted_members_hide_spam_from_the_thread_page() {
    let server = TestServer::sqlite().await;
    let alice = server.api().register("alice").await; // admin
    support_group(&alice).await;
    let carol = server.api().register("carol").await;
    carol
        .post("/groups/support/join", serde_json::json!({}))
        .await
        .expect(200);
    let tid = post_thread(&carol, "Cheap watches", "Buy now.").await;
    let page = format!("/t/{tid}");

    let dave = Browser::new(&server);
    dave.register("dave").await; // TL1 under the test rules
    assert!(!dave.get(&page).await.body.contains("Hide as spam"));
    let refused = dave
        .submit(&page, &format!("/t/{tid}/hide"), &[])
        .await
        .expect(403);
    assert!(refused.html().contains("hiding spam"), "{}", refused.body);

    let bob = Browser::new(&server);
    bob.register("bob").await;
    alice
        .put(
            "/admin/users/bob/leader",
            serde_json::json!({ "leader": true }),
        )
        .await
        .expect(200);
    assert!(bob.get(&page).await.body.contains("Hide as spam"));
    let back = bob
        .submit(&page, &format!("/t/{tid}/hide"), &[])
        .await
        .redirect();
    assert_eq!(back, "/g/support");
    let thread = alice.get(&format!("/threads/{tid}")).await.expect(200);
    assert_eq!(thread["deleted"], true, "{thread}");
}
