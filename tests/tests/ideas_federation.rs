//! Ideas between instances: a second Guildhall shows a remote idea's
//! stage, who set it and the official response (from its Page's terms,
//! not its text); Mastodon followers read the same in the Update's
//! `summary`; and only the idea's group may change its stage: an author
//! who sends a new status themselves is refused (see docs/FEDERATION.md).

use guildhall_e2e::remote::Remote;
use guildhall_e2e::steps::{followed_from, kind_group, post_thread, thread_titled, until_accepted};
use guildhall_e2e::{Api, TestServer, eventually};
use serde_json::{Value, json};

async fn thread(api: &Api, id: i64) -> Value {
    api.get(&format!("/threads/{id}")).await.expect(200)
}

#[tokio::test]
async fn an_idea_staged_on_its_instance_is_seen_from_a_second_guildhall() {
    let a = TestServer::sqlite().await;
    an_idea_staged_on_its_instance_is_seen_from_a_second_guildhall_between(
        a,
        TestServer::sqlite().await,
    )
    .await;
}

/// The same with the group's instance on PostgreSQL.
#[tokio::test]
async fn an_idea_staged_on_its_instance_is_seen_from_a_second_guildhall_on_postgres() {
    let Some(a) = TestServer::postgres("idea_federation").await else {
        return;
    };
    an_idea_staged_on_its_instance_is_seen_from_a_second_guildhall_between(
        a,
        TestServer::sqlite().await,
    )
    .await;
}

async fn an_idea_staged_on_its_instance_is_seen_from_a_second_guildhall_between(
    a: TestServer,
    b: TestServer,
) {
    let ann = a.api().register("ann").await;
    kind_group(&ann, "ideas", "Ideas", "ideas").await;
    let mo = a.api().register("mo").await;
    ann.post("/groups/ideas/moderators", json!({"username": "mo"}))
        .await
        .expect(200);
    let bob = b.api().register("bob").await;
    let found = bob
        .post(
            "/groups/lookup",
            json!({"query": format!("!ideas@{}", a.domain())}),
        )
        .await
        .expect(200);
    assert_eq!(found["kind"], "ideas");
    let on_b = found["name"].as_str().unwrap().to_owned();
    bob.post(&format!("/groups/{on_b}/join"), json!({}))
        .await
        .expect(200);
    until_accepted(&bob, &on_b).await;

    // ann's idea, staged on A by a moderator, with a response.
    let dark_a = post_thread(&ann, "ideas", "Dark mode", "For the dashboard.").await;
    let dark_b = thread_titled(&bob, &on_b, "Dark mode").await;
    assert_eq!(thread(&bob, dark_b).await["idea"]["status"], "new");
    mo.put(
        &format!("/threads/{dark_a}/status"),
        json!({"status": "planned", "response": "Coming in May."}),
    )
    .await
    .expect(200);
    let seen = eventually("the stage reaches B", || async {
        let t = thread(&bob, dark_b).await;
        (t["idea"]["status"] == "planned").then_some(t)
    })
    .await;
    assert_eq!(seen["idea"]["status_label"], "Planned");
    assert_eq!(
        seen["body"], "For the dashboard.",
        "the notice is taken off"
    );
    let history = bob
        .get(&format!("/threads/{dark_b}/status"))
        .await
        .expect(200);
    let change = &history["changes"][0];
    assert_eq!(change["to"], "planned");
    assert_eq!(change["response"], "Coming in May.");
    assert_eq!(change["by"], format!("mo@{}", a.domain()));
    // An edit of the idea by its author repeats no change on B.
    ann.patch(
        &format!("/threads/{dark_a}"),
        json!({"body": "For the dashboard and the app."}),
    )
    .await
    .expect(200);
    eventually("the edit reaches B", || async {
        let t = thread(&bob, dark_b).await;
        (t["body"] == "For the dashboard and the app.").then_some(())
    })
    .await;
    let history = bob
        .get(&format!("/threads/{dark_b}/status"))
        .await
        .expect(200);
    assert_eq!(history["changes"].as_array().unwrap().len(), 1);

    // bob's own idea from B, staged on A: B follows.
    let sync_b = post_thread(&bob, &on_b, "Sync", "Across devices.").await;
    let sync_a = thread_titled(&ann, "ideas", "Sync").await;
    mo.put(
        &format!("/threads/{sync_a}/status"),
        json!({"status": "declined"}),
    )
    .await
    .expect(200);
    eventually("bob's idea is declined on B too", || async {
        let t = thread(&bob, sync_b).await;
        (t["idea"]["status"] == "declined").then_some(())
    })
    .await;
    // On B, bob may not stage it: the moderators are A's.
    bob.put(
        &format!("/threads/{sync_b}/status"),
        json!({"status": "shipped"}),
    )
    .await
    .expect_error(403, "forbidden");
}

#[tokio::test]
async fn followers_read_the_stage_and_authors_cannot_set_it() {
    let server = TestServer::sqlite().await;
    let ann = server.api().register("ann").await;
    kind_group(&ann, "support", "Support", "ideas").await;
    let mastodon = Remote::start().await;
    mastodon.serve_nodeinfo("mastodon");
    let lemmy = Remote::start().await;
    lemmy.serve_nodeinfo("lemmy");
    followed_from(&server, &mastodon, "mastodon_follow").await;
    followed_from(&server, &lemmy, "lemmy_follow").await;
    let id = post_thread(&ann, "support", "Dark mode", "For the dashboard.").await;
    ann.put(
        &format!("/threads/{id}/status"),
        json!({"status": "planned", "response": "Coming in <May>."}),
    )
    .await
    .expect(200);
    let update = eventually("Mastodon gets the Update", || async {
        mastodon
            .received_of("Update")
            .into_iter()
            .find(|r| r.body["object"]["ideaStatus"] == "planned")
    })
    .await;
    let page = &update.body["object"];
    assert_eq!(
        page["summary"],
        "Status: Planned — official response from @ann@".to_owned()
            + &server.domain()
            + ": Coming in &lt;May&gt;."
    );
    assert_eq!(page["creativeWorkStatus"], "Planned");
    assert_eq!(page["officialResponse"], "Coming in <May>.");
    let announce = eventually("Lemmy gets the Announce(Update)", || async {
        lemmy.received_of("Announce").into_iter().find(|r| {
            r.body["object"]["type"] == "Update"
                && r.body["object"]["object"]["ideaStatus"] == "planned"
        })
    })
    .await;
    let source = announce.body["object"]["object"]["source"]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        source.starts_with("For the dashboard.\n\n---\n\n**Status: Planned**"),
        "{source}"
    );

    // carol's own idea: she cannot move it herself, directly.
    let create = lemmy.fixture("lemmy_create_page", &server, 0, 0);
    let (status, body) = lemmy.send(&server.url("/inbox"), &create).await;
    assert_eq!(status, 202, "{body}");
    let title = create["object"]["name"].as_str().unwrap();
    let carol_idea = thread_titled(&ann, "support", title).await;
    let mut update = lemmy.fixture("lemmy_update_page", &server, 0, 0);
    update["object"]["id"] = create["object"]["id"].clone();
    update["object"]["ideaStatus"] = json!("shipped");
    update["id"] = json!(lemmy.url("/activities/update/stage-1"));
    let (status, body) = lemmy.send(&server.url("/inbox"), &update).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(thread(&ann, carol_idea).await["idea"]["status"], "new");
}
