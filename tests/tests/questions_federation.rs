//! Questions between instances: a second Guildhall sees a remote group as
//! a questions group, a question's accepted answer as its Page's
//! `acceptedAnswer` (not in its text), and its members accept answers to
//! their own questions there; a Lemmy-shaped asker accepts with an Update
//! of their Page; and nobody else may (see docs/FEDERATION.md).

use guildhall_core::reputation::Rules;
use guildhall_e2e::remote::{LEMMY_CAROL, Remote};
use guildhall_e2e::steps::{
    followed_from, kind_group, points, post_reply, post_thread, thread_titled,
};
use guildhall_e2e::{Api, TestServer, eventually};
use serde_json::{Value, json};

async fn thread(api: &Api, id: i64) -> Value {
    api.get(&format!("/threads/{id}")).await.expect(200)
}

async fn reply_id(api: &Api, thread: i64, body: &str) -> i64 {
    eventually(&format!("the reply {body:?} arrives"), || async {
        let list = api.get(&format!("/threads/{thread}/replies")).await.body;
        list["replies"]
            .as_array()?
            .iter()
            .find(|r| r["body"] == body)
            .and_then(|r| r["id"].as_i64())
    })
    .await
}

#[tokio::test]
async fn a_question_seen_and_solved_from_a_second_guildhall() {
    let a = TestServer::sqlite_with(|c| c.reputation = Rules::default()).await;
    a_question_seen_and_solved_from_a_second_guildhall_between(a, TestServer::sqlite().await).await;
}

/// The same with the group's instance on PostgreSQL.
#[tokio::test]
async fn a_question_seen_and_solved_from_a_second_guildhall_on_postgres() {
    let Some(a) =
        TestServer::postgres_with("question_federation", |c| c.reputation = Rules::default()).await
    else {
        return;
    };
    a_question_seen_and_solved_from_a_second_guildhall_between(a, TestServer::sqlite().await).await;
}

async fn a_question_seen_and_solved_from_a_second_guildhall_between(a: TestServer, b: TestServer) {
    let ann = a.api().register("ann").await;
    kind_group(&ann, "help", "Help", "questions").await;

    // bob on B follows help@A and sees what it is.
    let bob = b.api().register("bob").await;
    let handle = format!("!help@{}", a.domain());
    let found = bob
        .post("/groups/lookup", json!({"query": handle}))
        .await
        .expect(200);
    assert_eq!(found["kind"], "questions");
    let on_b = found["name"].as_str().unwrap().to_owned();
    bob.post(&format!("/groups/{on_b}/join"), json!({}))
        .await
        .expect(200);
    guildhall_e2e::steps::until_accepted(&bob, &on_b).await;

    // ann asks on A; bob answers from B; ann accepts on A.
    let q_a = post_thread(&ann, "help", "Wifi drops", "Every hour.").await;
    let q_b = thread_titled(&bob, &on_b, "Wifi drops").await;
    assert_eq!(thread(&bob, q_b).await["question"]["state"], "unanswered");
    post_reply(&bob, q_b, "Update the router firmware.").await;
    let answer_a = reply_id(&ann, q_a, "Update the router firmware.").await;
    let bob_on_a = format!("bob@{}", b.domain());
    let before = points(&ann, &bob_on_a).await;
    ann.put(
        &format!("/threads/{q_a}/answer"),
        json!({"reply_id": answer_a}),
    )
    .await
    .expect(200);
    assert_eq!(
        points(&ann, &bob_on_a).await,
        before + Rules::default().accepted_answer,
        "A counts the acceptance of its own group's question"
    );

    // B shows the accepted answer, who accepted it, and the question's
    // text as ann wrote it (the notice for other software is taken off).
    let answer_b = reply_id(&bob, q_b, "Update the router firmware.").await;
    let seen = eventually("the acceptance reaches B", || async {
        let t = thread(&bob, q_b).await;
        (t["question"]["state"] == "solved").then_some(t)
    })
    .await;
    assert_eq!(seen["question"]["accepted_reply_id"], answer_b);
    assert_eq!(
        seen["question"]["accepted_by"],
        format!("ann@{}", a.domain())
    );
    assert_eq!(seen["body"], "Every hour.");
    // The Page as A serves it says the same to everyone.
    let page = a.fetch_ap(&format!("/t/{q_a}")).await;
    assert_eq!(page["answerCount"], 1);
    assert!(
        page["acceptedAnswer"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/r/{answer_a}"))
    );
    assert!(page["summary"].as_str().unwrap().contains("Solved"));
    assert!(
        page["content"]
            .as_str()
            .unwrap()
            .contains("the accepted answer")
    );
    assert!(
        page["source"]["content"]
            .as_str()
            .unwrap()
            .contains("> Update the router firmware.")
    );

    // Taken back on A: B follows.
    ann.delete(&format!("/threads/{q_a}/answer"))
        .await
        .expect(200);
    eventually("the withdrawal reaches B", || async {
        let t = thread(&bob, q_b).await;
        (t["question"]["state"] == "unsolved").then_some(())
    })
    .await;

    // bob asks from B; ann answers on A; bob accepts on B: A applies it.
    let mine_b = post_thread(&bob, &on_b, "Printer jams", "On page two.").await;
    let mine_a = thread_titled(&ann, "help", "Printer jams").await;
    post_reply(&ann, mine_a, "Clean the rollers.").await;
    let rollers_b = reply_id(&bob, mine_b, "Clean the rollers.").await;
    let ann_before = points(&ann, "ann").await;
    let t = bob
        .put(
            &format!("/threads/{mine_b}/answer"),
            json!({"reply_id": rollers_b}),
        )
        .await
        .expect(200);
    assert_eq!(t["question"]["state"], "solved");
    let solved = eventually("bob's acceptance reaches A", || async {
        let t = thread(&ann, mine_a).await;
        (t["question"]["state"] == "solved").then_some(t)
    })
    .await;
    assert_eq!(solved["question"]["accepted_by"], bob_on_a);
    assert_eq!(
        points(&ann, "ann").await,
        ann_before + Rules::default().accepted_answer
    );
    // B keeps no points for another instance's group.
    assert_eq!(points(&bob, "bob").await, 0);
}

/// A Lemmy-shaped member asks in our questions group and accepts an
/// answer with an Update of their Page; someone else's Update naming an
/// answer to a question that is not theirs is refused, nothing changed.
#[tokio::test]
async fn remote_askers_accept_their_own_questions_only() {
    let server = TestServer::sqlite().await;
    let remote = Remote::start().await;
    let ann = server.api().register("ann").await;
    kind_group(&ann, "support", "Support", "questions").await;
    let follow = remote.fixture("lemmy_follow", &server, 0, 0);
    let (status, body) = remote.send(&server.url("/inbox"), &follow).await;
    assert_eq!(status, 202, "{body}");

    // carol's question arrives, ann answers it.
    let create = remote.fixture("lemmy_create_page", &server, 0, 0);
    let (status, body) = remote.send(&server.url("/inbox"), &create).await;
    assert_eq!(status, 202, "{body}");
    let title = create["object"]["name"].as_str().unwrap();
    let q = thread_titled(&ann, "support", title).await;
    let answer = post_reply(&ann, q, "Disable USB selective suspend.").await;

    // carol accepts it by updating her Page with Guildhall's terms.
    let mut update = remote.fixture("lemmy_update_page", &server, 0, 0);
    update["object"]["id"] = create["object"]["id"].clone();
    update["object"]["answerCount"] = json!(1);
    update["object"]["acceptedAnswer"] = json!(server.url(&format!("/r/{answer}")));
    update["id"] = json!(remote.url("/activities/update/accept-1"));
    let (status, body) = remote.send(&server.url("/inbox"), &update).await;
    assert_eq!(status, 202, "{body}");
    let t = thread(&ann, q).await;
    assert_eq!(t["question"]["state"], "solved");
    assert_eq!(t["question"]["accepted_reply_id"], answer);

    // carol names an answer to ann's question: refused, nothing changed.
    let own = post_thread(&ann, "support", "Scanner offline", "After sleep.").await;
    let own_reply = post_reply(&ann, own, "Replug it.").await;
    let forged = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": remote.url("/activities/update/forged-1"),
        "type": "Update",
        "actor": remote.url(LEMMY_CAROL),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "type": "Page",
            "id": server.url(&format!("/t/{own}")),
            "attributedTo": server.url("/u/ann"),
            "name": "Scanner offline",
            "content": "<p>After sleep.</p>",
            "audience": server.url("/g/support"),
            "answerCount": 1,
            "acceptedAnswer": server.url(&format!("/r/{own_reply}")),
        },
    });
    let (status, body) = remote.send(&server.url("/inbox"), &forged).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(thread(&ann, own).await["question"]["state"], "unsolved");

    // carol names a reply of another thread as her answer: refused.
    let mut elsewhere = update.clone();
    elsewhere["id"] = json!(remote.url("/activities/update/accept-2"));
    elsewhere["object"]["acceptedAnswer"] = json!(server.url(&format!("/r/{own_reply}")));
    let (status, body) = remote.send(&server.url("/inbox"), &elsewhere).await;
    assert!(status.is_client_error(), "{status} {body}");
    assert_eq!(
        thread(&ann, q).await["question"]["accepted_reply_id"],
        answer
    );
}

/// Followers on Mastodon and Lemmy hear of an acceptance as an Update of
/// the question, in its author's name even when a moderator accepted, with
/// the answer readable in what each shows: Mastodon the bare Update (it
/// reads no Announce of one) with the state in `summary`, Lemmy the
/// group's Announce with the answer quoted at the end of `source`.
#[tokio::test]
async fn mastodon_and_lemmy_followers_hear_of_an_acceptance() {
    let server = TestServer::sqlite().await;
    let ann = server.api().register("ann").await;
    kind_group(&ann, "support", "Support", "questions").await;
    let mo = server.api().register("mo").await;
    ann.post("/groups/support/moderators", json!({"username": "mo"}))
        .await
        .expect(200);
    let lemmy = Remote::start().await;
    lemmy.serve_nodeinfo("lemmy");
    let mastodon = Remote::start().await;
    mastodon.serve_nodeinfo("mastodon");
    followed_from(&server, &lemmy, "lemmy_follow").await;
    followed_from(&server, &mastodon, "mastodon_follow").await;

    let q = post_thread(&ann, "support", "Wifi drops", "Every hour.").await;
    let bob = server.api().register("bob").await;
    let answer = post_reply(&bob, q, "Update the router firmware.").await;
    mo.put(&format!("/threads/{q}/answer"), json!({"reply_id": answer}))
        .await
        .expect(200);

    let ann_url = server.url("/u/ann");
    let update = eventually("Mastodon gets the Update", || async {
        mastodon
            .received_of("Update")
            .into_iter()
            .find(|r| r.body["object"]["acceptedAnswer"].is_string())
    })
    .await;
    assert!(update.verified);
    assert_eq!(update.body["actor"], ann_url);
    let page = &update.body["object"];
    assert_eq!(page["attributedTo"], ann_url);
    let summary = page["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("✅ Solved: answer by @bob@"),
        "{summary}"
    );
    assert!(summary.contains("accepted by @mo@"), "{summary}");
    assert!(
        page["content"]
            .as_str()
            .unwrap()
            .contains("Update the router firmware.")
    );

    let announce = eventually("Lemmy gets the Announce(Update)", || async {
        lemmy.received_of("Announce").into_iter().find(|r| {
            r.body["object"]["type"] == "Update"
                && r.body["object"]["object"]["acceptedAnswer"].is_string()
        })
    })
    .await;
    assert_eq!(announce.body["actor"], server.url("/g/support"));
    let inner = &announce.body["object"];
    assert_eq!(inner["actor"], ann_url);
    assert_eq!(inner["object"]["acceptedBy"], server.url("/u/mo"));
    let source = inner["object"]["source"]["content"].as_str().unwrap();
    assert!(
        source.starts_with("Every hour.\n\n---\n\n✅ **Solved**"),
        "{source}"
    );
    assert!(
        source.ends_with("> Update the router firmware."),
        "{source}"
    );
    assert!(
        lemmy
            .received_of("Update")
            .iter()
            .all(|r| r.body["object"]["acceptedAnswer"].is_null()),
        "Lemmy reads the Announce: no second, bare copy"
    );

    // A long answer is quoted cut, so the question stays a post others take.
    let long = post_thread(&ann, "support", "Long one", "Why?").await;
    let words = "firmware ".repeat(100);
    let answer = post_reply(&bob, long, &words).await;
    ann.put(
        &format!("/threads/{long}/answer"),
        json!({"reply_id": answer}),
    )
    .await
    .expect(200);
    let announce = eventually("Lemmy gets the long question's Update", || async {
        lemmy.received_of("Announce").into_iter().find(|r| {
            r.body["object"]["object"]["name"] == "Long one"
                && r.body["object"]["object"]["acceptedAnswer"].is_string()
        })
    })
    .await;
    let source = announce.body["object"]["object"]["source"]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(source.ends_with('…'), "{source}");
    assert!(source.len() < words.len(), "{source}");
}
