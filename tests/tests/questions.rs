//! Peer help end to end, on SQLite and PostgreSQL: a question asked,
//! answered, accepted, changed and taken back, with the points the rules
//! give and take; the state filters and the support queue; the refusals;
//! and the same through the pages (forms with CSRF, the accepted answer
//! under the question, the QAPage JSON-LD).

use guildhall_core::reputation::Rules;
use guildhall_e2e::browser::{Browser, json_ld};
use guildhall_e2e::steps::{kind_group, points, post_reply, post_thread};
use guildhall_e2e::{Api, TestServer};
use serde_json::{Value, json};

async fn badges(api: &Api, user: &str) -> Vec<String> {
    let r = api
        .get(&format!("/users/{user}/reputation"))
        .await
        .expect(200);
    r["badges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids of the threads a listing shows.
async fn listed(api: &Api, query: &str) -> Vec<i64> {
    let list = api
        .get(&format!("/groups/help/threads?{query}"))
        .await
        .expect(200);
    list["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

fn question(thread: &Value) -> &Value {
    &thread["question"]
}

async fn a_question_from_asked_to_solved(server: &TestServer) {
    let rules = Rules::default();
    let (answer_pts, acceptor_pts) = (rules.accepted_answer, rules.answer_acceptor);
    let admin = server.api().register("boss").await;
    let ann = server.api().register("ann").await;
    let bob = server.api().register("bob").await;
    let cat = server.api().register("cat").await;
    let mod_ = server.api().register("mo").await;
    kind_group(&admin, "help", "Help", "questions").await;
    admin
        .post("/groups", json!({"name": "chat", "title": "Chat"}))
        .await
        .expect(201);
    admin
        .post("/groups/help/moderators", json!({"username": "mo"}))
        .await
        .expect(200);

    // Asked: unanswered, and in the support queue.
    let old = post_thread(&ann, "help", "Printer jams", "On page two.").await;
    let q = post_thread(&ann, "help", "Wifi drops", "Every hour.").await;
    let t = ann.get(&format!("/threads/{q}")).await.expect(200);
    assert_eq!(question(&t)["state"], "unanswered");
    assert_eq!(
        listed(&ann, "state=unanswered&sort=new").await,
        vec![q, old]
    );
    assert_eq!(listed(&ann, "state=unsolved&sort=old").await, vec![old, q]);

    // Answered twice: unsolved, no longer unanswered.
    let by_bob = post_reply(&bob, q, "Update the router firmware.").await;
    let by_cat = post_reply(&cat, q, "Move the router away from the microwave.").await;
    let t = ann.get(&format!("/threads/{q}")).await.expect(200);
    assert_eq!(question(&t)["state"], "unsolved");
    assert_eq!(listed(&ann, "state=unanswered").await, vec![old]);
    assert!(listed(&ann, "state=solved").await.is_empty());

    let before = (
        points(&ann, "ann").await,
        points(&ann, "bob").await,
        points(&ann, "cat").await,
    );

    // Someone else may not decide; a moderator may.
    let detail = cat
        .put(&format!("/threads/{q}/answer"), json!({"reply_id": by_cat}))
        .await
        .expect_error(403, "forbidden");
    assert!(detail.contains("asker or a moderator"), "{detail}");

    // The asker accepts bob's reply: bob and ann earn what the rules say.
    let t = ann
        .put(&format!("/threads/{q}/answer"), json!({"reply_id": by_bob}))
        .await
        .expect(200);
    assert_eq!(question(&t)["state"], "solved");
    assert_eq!(question(&t)["accepted_reply_id"], by_bob);
    assert_eq!(question(&t)["accepted_by"], "ann");
    assert_eq!(points(&ann, "bob").await, before.1 + answer_pts);
    assert_eq!(points(&ann, "ann").await, before.0 + acceptor_pts);
    assert!(
        badges(&ann, "bob")
            .await
            .contains(&"first_answer".to_owned())
    );
    assert_eq!(listed(&ann, "state=solved").await, vec![q]);
    assert_eq!(listed(&ann, "state=unsolved&sort=old").await, vec![old]);
    // Again: nothing changes.
    ann.put(&format!("/threads/{q}/answer"), json!({"reply_id": by_bob}))
        .await
        .expect(200);
    assert_eq!(points(&ann, "bob").await, before.1 + answer_pts);

    // A moderator moves it to cat's: bob's points go back, cat's come,
    // ann's acceptor points are taken back (the moderator earns them now).
    let t = mod_
        .put(&format!("/threads/{q}/answer"), json!({"reply_id": by_cat}))
        .await
        .expect(200);
    assert_eq!(question(&t)["accepted_reply_id"], by_cat);
    assert_eq!(question(&t)["accepted_by"], "mo");
    assert_eq!(points(&ann, "bob").await, before.1);
    assert_eq!(points(&ann, "cat").await, before.2 + answer_pts);
    assert_eq!(points(&ann, "ann").await, before.0);
    assert_eq!(points(&ann, "mo").await, acceptor_pts);

    // Taken back: no answer, and no points left of any acceptance.
    let t = ann
        .delete(&format!("/threads/{q}/answer"))
        .await
        .expect(200);
    assert_eq!(question(&t)["state"], "unsolved");
    assert!(question(&t)["accepted_reply_id"].is_null());
    assert_eq!(points(&ann, "cat").await, before.2);
    assert_eq!(points(&ann, "mo").await, 0);
    // The admin sees the ledger: the withdrawal is a row of its own.
    let history = admin.get("/users/cat/reputation").await.expect(200);
    let kinds: Vec<&str> = history["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"answer_withdrawn"), "{kinds:?}");

    // Accepting one's own reply earns nothing.
    let own = post_reply(&ann, q, "Solved it myself: a new router.").await;
    ann.put(&format!("/threads/{q}/answer"), json!({"reply_id": own}))
        .await
        .expect(200);
    assert_eq!(points(&ann, "ann").await, before.0);

    // Deleting the accepted answer leaves the question unsolved, and what
    // an acceptance gave goes with it.
    ann.put(&format!("/threads/{q}/answer"), json!({"reply_id": by_bob}))
        .await
        .expect(200);
    assert_eq!(points(&ann, "bob").await, before.1 + answer_pts);
    bob.delete(&format!("/replies/{by_bob}")).await.expect(204);
    let t = ann.get(&format!("/threads/{q}")).await.expect(200);
    assert_eq!(question(&t)["state"], "unsolved");
    assert_eq!(points(&ann, "bob").await, before.1);
    assert_eq!(points(&ann, "ann").await, before.0);

    // A question whose only reply was deleted is unanswered again.
    let lonely = post_thread(&ann, "help", "Bluetooth pairing", "Fails.").await;
    let only = post_reply(&cat, lonely, "Try again.").await;
    assert!(!listed(&ann, "state=unanswered").await.contains(&lonely));
    cat.delete(&format!("/replies/{only}")).await.expect(204);
    assert!(listed(&ann, "state=unanswered").await.contains(&lonely));
    let t = ann.get(&format!("/threads/{lonely}")).await.expect(200);
    assert_eq!(question(&t)["state"], "unanswered");

    // Bad input: each a 4xx naming the problem, nothing changed.
    let elsewhere = post_reply(&bob, old, "Clean the rollers.").await;
    let detail = ann
        .put(
            &format!("/threads/{q}/answer"),
            json!({"reply_id": elsewhere}),
        )
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("not in this thread"), "{detail}");
    let detail = ann
        .put(&format!("/threads/{q}/answer"), json!({"reply_id": by_bob}))
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("deleted"), "{detail}");
    ann.put(&format!("/threads/{q}/answer"), json!({"reply_id": 99999}))
        .await
        .expect_error(422, "invalid");
    ann.put(&format!("/threads/{q}/answer"), json!({"reply_id": "x"}))
        .await
        .expect_error(422, "invalid");
    let chat = post_thread(&ann, "chat", "Lunch?", "Anyone.").await;
    let chat_reply = post_reply(&bob, chat, "Yes.").await;
    let detail = ann
        .put(
            &format!("/threads/{chat}/answer"),
            json!({"reply_id": chat_reply}),
        )
        .await
        .expect_error(422, "invalid");
    assert!(detail.contains("questions only"), "{detail}");
    let t = ann.get(&format!("/threads/{chat}")).await.expect(200);
    assert!(
        t["question"].is_null(),
        "a discussion thread is no question"
    );
    ann.get("/groups/help/threads?state=open")
        .await
        .expect_error(422, "invalid");
    let t = ann.get(&format!("/threads/{q}")).await.expect(200);
    assert_eq!(question(&t)["state"], "unsolved");
    assert_eq!(points(&ann, "bob").await, before.1);
}

#[tokio::test]
async fn a_question_from_asked_to_solved_on_sqlite() {
    let server = TestServer::sqlite_with(|c| c.reputation = Rules::default()).await;
    a_question_from_asked_to_solved(&server).await;
}

#[tokio::test]
async fn a_question_from_asked_to_solved_on_postgres() {
    let Some(server) =
        TestServer::postgres_with("question_life", |c| c.reputation = Rules::default()).await
    else {
        return;
    };
    a_question_from_asked_to_solved(&server).await;
}

#[tokio::test]
async fn questions_on_the_pages() {
    questions_on_the_pages_on(&TestServer::sqlite().await).await;
}

#[tokio::test]
async fn questions_on_the_pages_on_postgres() {
    let Some(server) = TestServer::postgres("question_pages").await else {
        return;
    };
    questions_on_the_pages_on(&server).await;
}

async fn questions_on_the_pages_on(server: &TestServer) {
    let ann = Browser::new(server);
    ann.register("ann").await;
    let bob = Browser::new(server);
    bob.register("bob").await;
    ann.create_group("help", "Help", "questions").await;
    let listing = ann.get("/g/help").await.expect(200);
    assert!(listing.html().contains("Ask a question"));
    assert!(listing.html().contains("Needs an answer"));
    let to = ann
        .submit(
            "/g/help/new",
            "/g/help/new",
            &[("title", "Wifi drops <hourly>"), ("body", "Every hour.")],
        )
        .await
        .redirect();
    let id: i64 = to.trim_start_matches("/t/").parse().unwrap();
    let listing = ann.get("/g/help?state=unanswered").await.expect(200);
    assert!(
        listing
            .html()
            .contains(r#"<span class="badge state-unanswered">Unanswered</span>"#)
    );
    bob.submit(
        &format!("/t/{id}"),
        &format!("/t/{id}/reply"),
        &[("parent_id", ""), ("body", "Update the firmware.")],
    )
    .await
    .redirect();

    // The answerer sees no accept button; the asker does.
    let page = bob.get(&format!("/t/{id}")).await.expect(200);
    assert!(!page.html().contains("Accept as the answer"));
    let page = ann.get(&format!("/t/{id}")).await.expect(200);
    assert!(page.html().contains("Accept as the answer"));
    let reply_id = {
        let html = page.html();
        let at = html.find(r#"name="reply_id" value=""#).unwrap() + 23;
        html[at..].split('"').next().unwrap().to_owned()
    };
    let to = ann
        .submit(
            &format!("/t/{id}"),
            &format!("/t/{id}/answer"),
            &[("reply_id", reply_id.as_str())],
        )
        .await
        .redirect();
    assert_eq!(to, format!("/t/{id}#r{reply_id}"));
    let page = ann.get(&format!("/t/{id}")).await.expect(200);
    let html = page.html();
    assert!(
        html.contains(r#"<section class="accepted-answer""#),
        "{html}"
    );
    assert!(html.contains("accepted by ann"));
    assert!(html.contains("✓ Accepted answer"));
    assert!(html.contains("Take back the acceptance"));
    // The QAPage, with the answer accepted, and no way out of its script.
    let (ld, ld_text) = json_ld(html);
    assert_eq!(ld["@type"], "QAPage");
    assert_eq!(ld["mainEntity"]["name"], "Wifi drops <hourly>");
    assert_eq!(ld["mainEntity"]["answerCount"], 1);
    assert_eq!(
        ld["mainEntity"]["acceptedAnswer"]["text"],
        "Update the firmware."
    );
    assert!(!ld_text.contains('<'));
    let listing = ann.get("/g/help?state=solved").await.expect(200);
    assert!(
        listing
            .html()
            .contains(r#"<span class="badge state-solved">Solved</span>"#)
    );
    let queue = ann.get("/g/help?sort=old&state=unsolved").await.expect(200);
    assert!(queue.html().contains("Nothing is waiting."));

    // Taken back through its form.
    ann.submit(
        &format!("/t/{id}"),
        &format!("/t/{id}/answer/withdraw"),
        &[],
    )
    .await
    .redirect();
    let page = ann.get(&format!("/t/{id}")).await.expect(200);
    assert!(!page.html().contains(r#"<section class="accepted-answer""#));
    assert!(
        page.html()
            .contains(r#"<span class="badge state-unsolved">Unsolved</span>"#)
    );

    // Someone else's try, forged without the form's token, is refused.
    let refused = bob
        .post_raw(
            &format!("/t/{id}/answer"),
            &[("reply_id", reply_id.as_str())],
        )
        .await;
    assert_eq!(refused.status.as_u16(), 403);
}
