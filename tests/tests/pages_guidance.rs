//! Pages that explain themselves: long words wrap instead of widening the
//! page, forms state the server's limits, the reputation history reads as
//! words, members learn why they may not vote or create groups yet (and what
//! earns it), and staff posts say who speaks for the instance or the group.

use guildhall_e2e::TestServer;
use guildhall_e2e::browser::{Browser, post_thread, support_group};
use serde_json::json;

/// The `<tag ...id="id"...>` element's opening tag, for attribute checks.
fn tag_with_id<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element #{id} in:\n{html}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

#[tokio::test]
async fn long_words_wrap_and_forms_carry_the_limits() {
    let server = TestServer::sqlite_with(|c| {
        c.limits.title_max = 120;
        c.limits.body_max = 3000;
        c.limits.bio_max = 700;
    })
    .await;
    let admin = server.api().register("root_user").await;
    support_group(&admin).await;
    let long = "W".repeat(120);
    let tid = post_thread(&admin, &long, "body").await;

    // The stylesheet wraps any user text, however long its words: the
    // group page with a 120-character title stays as wide as the screen
    // (checked in headless Chromium at 390 and 1280 px, see the commit).
    let browser = Browser::new(&server);
    let css = browser.get("/static/style.css").await.expect(200).body;
    let body_rule = &css[css.find("\nbody {").unwrap()..];
    let body_rule = &body_rule[..body_rule.find('}').unwrap()];
    assert!(body_rule.contains("overflow-wrap: anywhere"), "{body_rule}");
    assert!(css.contains(".thread-item > div"), "flex items may shrink");
    let group = browser.get("/g/support").await.expect(200);
    assert!(group.html().contains(&long));

    // Forms say the configured limits before the server refuses.
    let register = browser.get("/register").await.expect(200).body;
    let username = tag_with_id(&register, "username");
    assert!(username.contains("maxlength=\"30\""), "{username}");
    let password = tag_with_id(&register, "password");
    assert!(
        password.contains("minlength=\"8\"") && password.contains("maxlength=\"256\""),
        "{password}"
    );
    browser.register("bob").await;
    let new_thread = browser.get("/g/support/new").await.expect(200).body;
    assert!(tag_with_id(&new_thread, "title").contains("maxlength=\"120\""));
    assert!(tag_with_id(&new_thread, "body").contains("maxlength=\"3000\""));
    let settings = browser.get("/settings").await.expect(200).body;
    assert!(tag_with_id(&settings, "bio").contains("maxlength=\"700\""));
    assert!(tag_with_id(&settings, "display_name").contains("maxlength=\"60\""));
    assert!(tag_with_id(&settings, "avatar_url").contains("maxlength=\"2048\""));
    let thread = browser.get(&format!("/t/{tid}")).await.expect(200).body;
    assert!(tag_with_id(&thread, "body-top").contains("maxlength=\"3000\""));
    let flag = tag_with_id(&thread, &format!("flag-t{tid}"));
    assert!(flag.contains("maxlength=\"500\""), "{flag}");
}

#[tokio::test]
async fn the_reputation_history_reads_as_words() {
    let server = TestServer::sqlite().await;
    let api = server.api();
    let alice = api.register("alice").await;
    let bob = api.register("bob").await;
    support_group(&alice).await;
    let tid = post_thread(&alice, "Printer jams", "Help.").await;
    bob.put(&format!("/threads/{tid}/vote"), json!({"value": 1}))
        .await
        .expect(200);

    let browser = Browser::new(&server);
    let login = browser
        .submit(
            "/login",
            "/login",
            &[("username", "alice"), ("password", "correct horse battery")],
        )
        .await;
    assert_eq!(login.status, 303);
    let profile = browser.get("/u/alice").await.expect(200).body;
    let ledger = &profile[profile.find("Reputation history").expect("the ledger")..];
    let ledger = &ledger[..ledger.find("</table>").unwrap()];
    // minijinja writes "/" as "&#x2f;".
    let upvoted = guildhall_core::reputation::badges::badge("first_upvote").unwrap();
    assert!(
        ledger.contains(&format!("Badge earned · g&#x2f;support · {}", upvoted.name)),
        "{ledger}"
    );
    assert!(
        ledger.contains("Upvote received · bob · g&#x2f;support"),
        "{ledger}"
    );
    for raw in ["first_upvote", "badge awarded", "<td>vote received", "_"] {
        assert!(!ledger.contains(raw), "{raw:?} in {ledger}");
    }
}

/// Under the default trust rules a new member (TL0) may not vote: the
/// thread page says so, with what earns the right, instead of buttons that
/// lead to a refusal; a vote sent anyway gets the same explanation.
#[tokio::test]
async fn new_members_learn_why_they_cannot_vote_yet() {
    let server = TestServer::sqlite_with(|c| {
        c.reputation = guildhall_core::reputation::Rules::default();
    })
    .await;
    let alice = server.api().register("alice").await;
    support_group(&alice).await;
    let tid = post_thread(&alice, "Printer jams", "Help.").await;

    let dave = Browser::new(&server);
    dave.register("dave").await;
    let page = dave.get(&format!("/t/{tid}")).await.expect(200).body;
    let why = "Voting opens at trust level TL1: be active on 1 day and post 1 thread or reply. \
               You are at TL0.";
    assert!(page.contains(why), "{page}");
    assert!(
        page.contains("disabled aria-describedby=\"vote-note\""),
        "{page}"
    );
    assert!(
        !page.contains(&format!("action=\"/t/{tid}/vote\"")),
        "{page}"
    );

    let refused = dave
        .submit(
            &format!("/t/{tid}"),
            &format!("/t/{tid}/vote"),
            &[("value", "1")],
        )
        .await
        .expect(403);
    assert!(refused.html().contains(why), "{}", refused.body);
    let thread = alice.get(&format!("/threads/{tid}")).await.expect(200);
    assert_eq!(thread["score"], 0);
}

#[tokio::test]
async fn staff_posts_are_marked() {
    let server = TestServer::sqlite().await;
    let api = server.api();
    let admin = api.register("root_user").await;
    let bob = api.register("bob").await;
    let carol = api.register("carol").await;
    support_group(&admin).await;
    admin
        .post("/groups/support/moderators", json!({"username": "bob"}))
        .await
        .expect(200);
    let tid = post_thread(&admin, "Welcome", "Read the rules.").await;
    for who in [&bob, &carol] {
        who.post(&format!("/threads/{tid}/replies"), json!({"body": "Hi"}))
            .await
            .expect(201);
    }
    let post_thread_by_carol = post_thread(&carol, "A question", "How?").await;

    let browser = Browser::new(&server);
    let page = browser.get(&format!("/t/{tid}")).await.expect(200).body;
    let author_line = |name: &str| {
        let at = page.find(&format!(">{name}</a>")).unwrap();
        page[at..at + page[at..].find("</p>").unwrap_or(300)].to_string()
    };
    assert!(
        author_line("root_user")
            .contains("class=\"staff\" title=\"An administrator of this instance\">admin<"),
        "{}",
        author_line("root_user")
    );
    assert!(
        author_line("bob").contains(">moderator<"),
        "{}",
        author_line("bob")
    );
    assert!(
        !author_line("carol").contains("staff"),
        "{}",
        author_line("carol")
    );
    let group = browser.get("/g/support").await.expect(200).body;
    let welcome = &group[group.find(">Welcome</a>").unwrap()..];
    assert!(welcome[..welcome.find("</li>").unwrap()].contains(">admin<"));
    let question = &group[group.find(">A question</a>").unwrap()..];
    assert!(!question[..question.find("</li>").unwrap()].contains("staff"));
    assert!(post_thread_by_carol > tid);
}

/// Where only admins create groups, a member opening /groups/new is told
/// so instead of getting a form that will be refused.
#[tokio::test]
async fn the_new_group_page_explains_who_may_create_groups() {
    let server = TestServer::sqlite().await;
    let admin = Browser::new(&server);
    admin.register("root_user").await;
    let bob = Browser::new(&server);
    bob.register("bob").await;

    let page = bob.get("/groups/new").await.expect(200).body;
    assert!(
        page.contains("You cannot create a group here: only admins can create groups"),
        "{page}"
    );
    assert!(!page.contains("action=\"/groups/new\""), "{page}");
    let page = admin.get("/groups/new").await.expect(200).body;
    assert!(page.contains("action=\"/groups/new\""), "{page}");
    assert!(!page.contains("You cannot create a group"));
}
