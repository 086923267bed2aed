//! Onboarding (issue 17): a new member joins the default groups, gets the
//! community team's welcome as a notification and on the welcome page they
//! land on, and a checklist leads them to a first post, each step ticking
//! itself as they act, until the home page no longer shows it.

use guildhall_e2e::browser::Browser;
use guildhall_e2e::steps::{kind_group, post_reply, post_thread};
use guildhall_e2e::{TestServer, eventually};
use serde_json::json;

fn configured(config: &mut guildhall::Config) {
    config.onboarding.default_groups = vec!["lobby".into(), "gone".into()];
    config.onboarding.welcome = "Hello, **newcomer**: say hi in the lobby.".into();
}

async fn onboarding(server: &TestServer) {
    let admin = server.api().register("boss").await;
    admin
        .post("/groups", json!({"name": "lobby", "title": "Lobby"}))
        .await
        .expect(201);
    kind_group(&admin, "help", "Help", "questions").await;

    // Registering through the form lands on the welcome page.
    let browser = Browser::new(server);
    browser.register("nina").await;
    let welcome = browser.get("/welcome").await.expect(200).body;
    assert!(
        welcome.contains("Hello, <strong>newcomer</strong>"),
        "{welcome}"
    );
    assert!(welcome.contains("Your first steps"));
    let nina = server.api();
    let token = nina
        .post(
            "/auth/login",
            json!({"username": "nina", "password": "correct horse battery"}),
        )
        .await
        .expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let nina = nina.as_user(&token);

    // The default group joined (the one that does not exist skipped), the
    // welcome notified.
    let lobby = nina.get("/groups/lobby").await.expect(200);
    assert_eq!(lobby["joined"], true);
    let n = eventually("the welcome notification", || async {
        let list = nina.get("/notifications").await.body;
        list["notifications"]
            .as_array()
            .and_then(|l| l.iter().find(|n| n["kind"] == "welcome").cloned())
    })
    .await;
    assert_eq!(n["actor"], serde_json::Value::Null);
    let page = browser.get("/notifications").await.expect(200).body;
    assert!(
        page.contains("Welcome! A word from the community team"),
        "{page}"
    );
    // Seen on its page, the welcome is read.
    browser.get("/welcome").await.expect(200);
    let list = nina.get("/notifications").await.expect(200);
    assert_eq!(list["unread"], 0, "{list}");

    // Each step ticks as nina acts; joining a default group is no step.
    let steps = |v: &serde_json::Value| -> Vec<(String, bool)> {
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["key"].as_str().unwrap().to_owned(), s["done"] == true))
            .collect()
    };
    let fresh = nina.get("/onboarding").await.expect(200);
    assert!(steps(&fresh).iter().all(|(_, done)| !done), "{fresh}");
    assert!(
        fresh["welcome_html"]
            .as_str()
            .unwrap()
            .contains("<strong>newcomer</strong>")
    );
    assert!(
        browser
            .get("/")
            .await
            .expect(200)
            .body
            .contains("Your first steps")
    );
    nina.patch("/me", json!({"display_name": "Nina N."}))
        .await
        .expect(200);
    post_thread(&nina, "lobby", "Hi all", "I'm Nina, I print a lot.").await;
    let question = post_thread(&admin, "help", "Where is the manual?", "Anyone?").await;
    post_reply(&nina, question, "On the vendor's site.").await;
    let some = nina.get("/onboarding").await.expect(200);
    assert_eq!(
        steps(&some),
        [
            ("profile".to_owned(), true),
            ("introduce".to_owned(), true),
            ("question".to_owned(), true),
            ("group".to_owned(), false),
        ]
    );
    assert_eq!(some["finished"], false);
    nina.post("/groups/help/join", json!({})).await.expect(200);
    let done = nina.get("/onboarding").await.expect(200);
    assert_eq!(done["finished"], true);
    let home = browser.get("/").await.expect(200).body;
    assert!(
        !home.contains("Your first steps"),
        "the checklist leaves once done"
    );
    assert!(
        browser
            .get("/welcome")
            .await
            .expect(200)
            .body
            .contains("You are all set")
    );
    // Visitors have no checklist; the welcome page asks them to log in.
    assert!(!server.api().get("/onboarding").await.status.is_success());
    let anon = Browser::new(server);
    assert!(!anon.get("/").await.expect(200).body.contains("first steps"));
}

#[tokio::test]
async fn a_newcomer_is_welcomed_and_led_to_a_first_post() {
    onboarding(&TestServer::sqlite_with(configured).await).await;
}

#[tokio::test]
async fn a_newcomer_is_welcomed_and_led_to_a_first_post_on_postgres() {
    if let Some(server) = TestServer::postgres_with("onboarding", configured).await {
        onboarding(&server).await;
    }
}
