//! Idea boards end to end, on SQLite and PostgreSQL: ideas proposed and
//! voted on, moved through the stages by a moderator with an official
//! response kept in a history, the stage points given and taken back, a
//! duplicate merged (its votes move, one per member), the listings by
//! status and the board; the refusals; and the same through the pages.

use guildhall_core::reputation::Rules;
use guildhall_e2e::browser::Browser;
use guildhall_e2e::steps::{kind_group, points, post_thread};
use guildhall_e2e::{Api, TestServer};
use serde_json::{Value, json};

async fn listed(api: &Api, query: &str) -> Vec<i64> {
    let list = api
        .get(&format!("/groups/ideas/threads?{query}"))
        .await
        .expect(200);
    list["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

async fn vote(api: &Api, thread: i64, value: i64) {
    api.put(
        &format!("/threads/{thread}/vote"),
        json!({ "value": value }),
    )
    .await
    .expect(200);
}

async fn idea(api: &Api, id: i64) -> Value {
    api.get(&format!("/threads/{id}")).await.expect(200)
}

async fn an_idea_from_proposed_to_shipped(server: &TestServer) {
    let rules = Rules::default();
    let (planned, shipped) = (
        rules.idea_stage_points["planned"],
        rules.idea_stage_points["shipped"],
    );
    let boss = server.api().register("boss").await;
    let mo = server.api().register("mo").await;
    let ann = server.api().register("ann").await;
    let bob = server.api().register("bob").await;
    let cat = server.api().register("cat").await;
    let dan = server.api().register("dan").await;
    kind_group(&boss, "ideas", "Ideas", "ideas").await;
    boss.post("/groups/ideas/moderators", json!({"username": "mo"}))
        .await
        .expect(200);

    // Proposed: at the first stage.
    let dark = post_thread(&ann, "ideas", "Dark mode", "For the dashboard.").await;
    let night = post_thread(&cat, "ideas", "Night theme", "Darker colours.").await;
    let t = idea(&ann, dark).await;
    assert_eq!(t["idea"]["status"], "new");
    assert_eq!(t["idea"]["status_label"], "New");
    assert!(t["question"].is_null());
    assert_eq!(listed(&ann, "status=new&sort=new").await, vec![night, dark]);

    // Voted: top lists by votes.
    vote(&bob, dark, 1).await;
    vote(&bob, night, 1).await;
    vote(&dan, night, 1).await;
    vote(&ann, night, -1).await;
    assert_eq!(listed(&ann, "sort=top").await, vec![night, dark]);

    // A member may not change a status; a moderator may, with a response.
    let detail = ann
        .put(
            &format!("/threads/{dark}/status"),
            json!({"status": "planned"}),
        )
        .await
        .expect_error(403, "forbidden");
    assert!(detail.contains("moderators"), "{detail}");
    let before = points(&ann, "ann").await;
    let t = mo
        .put(
            &format!("/threads/{dark}/status"),
            json!({"status": "planned", "response": "Coming in **May**."}),
        )
        .await
        .expect(200);
    assert_eq!(t["idea"]["status"], "planned");
    assert_eq!(points(&ann, "ann").await, before + planned);
    assert_eq!(listed(&ann, "status=planned").await, vec![dark]);
    assert_eq!(listed(&ann, "status=new").await, vec![night]);

    // Leaving planned takes its points back; shipped gives its own.
    mo.put(
        &format!("/threads/{dark}/status"),
        json!({"status": "in_progress"}),
    )
    .await
    .expect(200);
    assert_eq!(points(&ann, "ann").await, before);
    mo.put(
        &format!("/threads/{dark}/status"),
        json!({"status": "shipped", "response": "Out now."}),
    )
    .await
    .expect(200);
    assert_eq!(points(&ann, "ann").await, before + shipped);
    // A response alone keeps the stage and adds to the history.
    mo.put(
        &format!("/threads/{dark}/status"),
        json!({"status": "shipped", "response": "Also on mobile."}),
    )
    .await
    .expect(200);
    assert_eq!(points(&ann, "ann").await, before + shipped);
    let history = ann
        .get(&format!("/threads/{dark}/status"))
        .await
        .expect(200);
    let steps: Vec<(String, String, String)> = history["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["from"].as_str().unwrap().to_owned(),
                c["to"].as_str().unwrap().to_owned(),
                c["by"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let step = |f: &str, t: &str| (f.to_owned(), t.to_owned(), "mo".to_owned());
    assert_eq!(
        steps,
        vec![
            step("new", "planned"),
            step("planned", "in_progress"),
            step("in_progress", "shipped"),
            step("shipped", "shipped"),
        ]
    );
    assert!(
        history["changes"][0]["response_html"]
            .as_str()
            .unwrap()
            .contains("<strong>May</strong>")
    );

    // Merging the duplicate: its votes move to dark, one per member (bob
    // voted on both and keeps one; ann, dark's author, keeps none on her
    // own idea), and it is closed with a link.
    let t = mo
        .post(
            &format!("/threads/{night}/merge"),
            json!({"into": dark, "response": "Same as Dark mode."}),
        )
        .await
        .expect(200);
    assert_eq!(t["idea"]["status"], "duplicate");
    assert_eq!(t["idea"]["duplicate_of"], dark);
    assert_eq!(
        (t["score"].as_i64(), t["upvotes"].as_i64()),
        (Some(0), Some(0))
    );
    let target = idea(&ann, dark).await;
    assert_eq!(
        (
            target["upvotes"].as_i64(),
            target["downvotes"].as_i64(),
            target["score"].as_i64()
        ),
        (Some(2), Some(0), Some(2)),
        "bob's vote stays one, dan's moved, ann's own is not moved"
    );

    // The duplicate is closed: votes and replies go to the idea it repeats.
    let detail = mo
        .put(&format!("/threads/{night}/vote"), json!({"value": 1}))
        .await
        .expect_error(409, "conflict");
    assert!(
        detail.contains(&format!("merged into idea {dark}")),
        "{detail}"
    );
    let detail = bob
        .post(
            &format!("/threads/{night}/replies"),
            json!({"body": "Me too."}),
        )
        .await
        .expect_error(409, "conflict");
    assert!(detail.contains("reply there"), "{detail}");
    let detail = mo
        .put(
            &format!("/threads/{night}/status"),
            json!({"status": "planned"}),
        )
        .await
        .expect_error(409, "conflict");
    assert!(detail.contains("merged into idea"), "{detail}");

    // Bad input: each a 4xx naming the problem, nothing changed.
    let detail = mo
        .put(
            &format!("/threads/{dark}/status"),
            json!({"status": "maybe"}),
        )
        .await
        .expect_error(422, "invalid");
    assert!(
        detail.contains("must be one of new, under_review"),
        "{detail}"
    );
    let detail = mo
        .put(
            &format!("/threads/{dark}/status"),
            json!({"status": "duplicate"}),
        )
        .await
        .expect_error(422, "invalid");
    assert!(
        detail.contains("merged into the idea it repeats"),
        "{detail}"
    );
    let detail = mo
        .post(&format!("/threads/{dark}/merge"), json!({"into": dark}))
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("into itself"), "{detail}");
    mo.post(&format!("/threads/{night}/merge"), json!({"into": dark}))
        .await
        .expect_error(409, "conflict");
    mo.post(&format!("/threads/{dark}/merge"), json!({"into": 99999}))
        .await
        .expect_error(422, "invalid");
    boss.post("/groups", json!({"name": "chat", "title": "Chat"}))
        .await
        .expect(201);
    let chat = post_thread(&ann, "chat", "Lunch?", "Anyone.").await;
    let detail = boss
        .put(
            &format!("/threads/{chat}/status"),
            json!({"status": "planned"}),
        )
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("only ideas"), "{detail}");
    let detail = mo
        .post(&format!("/threads/{dark}/merge"), json!({"into": chat}))
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("not an idea of this group"), "{detail}");
    ann.get("/groups/ideas/threads?status=someday")
        .await
        .expect_error(422, "invalid");
    assert_eq!(idea(&ann, dark).await["idea"]["status"], "shipped");
    assert_eq!(points(&ann, "ann").await, before + shipped);
}

#[tokio::test]
async fn an_idea_from_proposed_to_shipped_on_sqlite() {
    let server = TestServer::sqlite().await;
    an_idea_from_proposed_to_shipped(&server).await;
}

#[tokio::test]
async fn an_idea_from_proposed_to_shipped_on_postgres() {
    let Some(server) = TestServer::postgres("idea_life").await else {
        return;
    };
    an_idea_from_proposed_to_shipped(&server).await;
}

#[tokio::test]
async fn stages_are_the_instances_own() {
    let server = TestServer::sqlite_with(|c| {
        c.ideas = serde_json::from_value(json!({"stages": ["Idea", "Accepted", "Done"]})).unwrap();
    })
    .await;
    let boss = server.api().register("boss").await;
    kind_group(&boss, "ideas", "Ideas", "ideas").await;
    let id = post_thread(&boss, "ideas", "Sync", "Across devices.").await;
    assert_eq!(idea(&boss, id).await["idea"]["status"], "idea");
    let detail = boss
        .put(
            &format!("/threads/{id}/status"),
            json!({"status": "planned"}),
        )
        .await
        .expect_error(422, "invalid");
    assert!(
        detail.contains("must be one of idea, accepted, done"),
        "{detail}"
    );
    boss.put(
        &format!("/threads/{id}/status"),
        json!({"status": "accepted"}),
    )
    .await
    .expect(200);
    // No duplicate stage here: merging is refused, saying why.
    let other = post_thread(&boss, "ideas", "Sync 2", "Again.").await;
    let detail = boss
        .post(&format!("/threads/{other}/merge"), json!({"into": id}))
        .await
        .expect_error(409, "conflict");
    assert!(detail.contains("no duplicate stage"), "{detail}");
}

#[tokio::test]
async fn ideas_on_the_pages() {
    ideas_on_the_pages_on(&TestServer::sqlite().await).await;
}

#[tokio::test]
async fn ideas_on_the_pages_on_postgres() {
    let Some(server) = TestServer::postgres("idea_pages").await else {
        return;
    };
    ideas_on_the_pages_on(&server).await;
}

async fn ideas_on_the_pages_on(server: &TestServer) {
    let ann = Browser::new(server);
    ann.register("ann").await;
    ann.create_group("ideas", "Ideas", "ideas").await;
    let listing = ann.get("/g/ideas").await.expect(200);
    assert!(listing.html().contains("Propose an idea"));
    assert!(listing.html().contains("No ideas yet."));
    let to = ann
        .submit(
            "/g/ideas/new",
            "/g/ideas/new",
            &[("title", "Dark mode"), ("body", "For the dashboard.")],
        )
        .await
        .redirect();
    let id: i64 = to.trim_start_matches("/t/").parse().unwrap();
    let page = ann.get(&format!("/t/{id}")).await.expect(200);
    assert!(
        page.html()
            .contains(r#"<span class="badge stage stage-new">New</span>"#)
    );
    assert!(
        page.html().contains("Change the status"),
        "the group's maker moderates it"
    );
    let to = ann
        .submit(
            &format!("/t/{id}"),
            &format!("/t/{id}/status"),
            &[("status", "planned"), ("response", "Coming in May.")],
        )
        .await
        .redirect();
    assert_eq!(to, format!("/t/{id}#status"));
    let page = ann.get(&format!("/t/{id}")).await.expect(200);
    let html = page.html();
    assert!(
        html.contains(r#"<div class="official-response">"#),
        "{html}"
    );
    assert!(html.contains("Coming in May."));
    assert!(html.contains("Status history (1)"));
    // A refused merge shows the idea again, the reason by its form.
    let refused = ann
        .submit(
            &format!("/t/{id}"),
            &format!("/t/{id}/merge"),
            &[("into", &id.to_string()), ("response", "Kept response.")],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    let html = refused.html();
    assert!(html.contains("cannot be merged into itself"), "{html}");
    assert!(html.contains(">Kept response.</textarea>"), "{html}");
    let board = ann.get("/g/ideas/board").await.expect(200);
    let html = board.html();
    let planned = html.find(">Planned <").unwrap();
    let shipped = html.find(">Shipped <").unwrap();
    let title = html.find("Dark mode").unwrap();
    assert!(
        planned < title && title < shipped,
        "Dark mode sits in the Planned column"
    );
    let listing = ann.get("/g/ideas?status=planned").await.expect(200);
    assert!(listing.html().contains("Dark mode"));
    let listing = ann.get("/g/ideas?status=shipped").await.expect(200);
    assert!(listing.html().contains("No ideas at this stage."));

    // A member who does not moderate sees no form, and a forged post is refused.
    let bob = Browser::new(server);
    bob.register("bob").await;
    let page = bob.get(&format!("/t/{id}")).await.expect(200);
    assert!(!page.html().contains("Change the status"));
    let refused = bob
        .submit(
            &format!("/t/{id}"),
            &format!("/t/{id}/status"),
            &[("status", "shipped"), ("response", "")],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 403);
    // Boards are for ideas groups.
    ann.get("/g/nowhere/board").await.expect(404);
}
