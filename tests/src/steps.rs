//! Setup steps several end-to-end tests take the same way: a local group
//! followed from a stand-in, posts, joining a remote group, and the list of
//! documents a group with content serves.

use crate::remote::Remote;
use crate::{Api, TestServer, eventually};
use guildhall::config::{PartnerConfig, PartnerInput};
use serde_json::json;

/// ann, registered on `server`, with her group `support`.
pub async fn support_group(server: &TestServer) -> Api {
    let ann = server.api().register("ann").await;
    ann.post("/groups", json!({ "name": "support", "title": "Support" }))
        .await
        .expect(201);
    ann
}

/// [`support_group`], followed from `remote` (its `lemmy_follow` fixture);
/// returns ann.
pub async fn followed_group(server: &TestServer, remote: &Remote) -> Api {
    let ann = support_group(server).await;
    let follow = remote.fixture("lemmy_follow", server, 0, 0);
    let (status, body) = remote.send(&server.url("/inbox"), &follow).await;
    assert_eq!(status, 202, "{body}");
    ann
}

/// A `[[federation.partners]]` entry for `domain`, its attested reputation
/// shown.
pub fn partner(domain: &str, trust_weight: f64, max_trust_level: u8) -> PartnerConfig {
    PartnerConfig {
        domain: domain.to_owned(),
        terms: PartnerInput {
            trust_weight,
            max_trust_level,
            show_imported: true,
        },
    }
}

/// Posts a thread to `group`; returns its id.
pub async fn post_thread(api: &Api, group: &str, title: &str, body: &str) -> i64 {
    api.post(
        &format!("/groups/{group}/threads"),
        json!({ "title": title, "body": body }),
    )
    .await
    .expect(201)["id"]
        .as_i64()
        .unwrap()
}

/// Posts a reply to `thread`; returns its id.
pub async fn post_reply(api: &Api, thread: i64, body: &str) -> i64 {
    api.post(
        &format!("/threads/{thread}/replies"),
        json!({ "body": body }),
    )
    .await
    .expect(201)["id"]
        .as_i64()
        .unwrap()
}

/// Looks up a remote group by its handle (`!name@domain`) and joins it;
/// returns the name it has here. The follow is accepted later
/// ([`until_accepted`]).
pub async fn join_remote_group(member: &Api, handle: &str) -> String {
    let found = member
        .post("/groups/lookup", json!({ "query": handle }))
        .await
        .expect(200);
    let name = found["name"].as_str().unwrap().to_owned();
    member
        .post(&format!("/groups/{name}/join"), json!({}))
        .await
        .expect(200);
    name
}

/// Waits until the remote group `name` has accepted `member`'s follow.
pub async fn until_accepted(member: &Api, name: &str) {
    eventually(&format!("{name} accepts the follow"), || async {
        let g = member.get(&format!("/groups/{name}")).await.body;
        (g["joined"] == true).then_some(())
    })
    .await;
}

/// Waits for a thread to show in the remote group `name`; returns the
/// newest one's id.
pub async fn first_thread(member: &Api, name: &str) -> i64 {
    eventually(&format!("a thread of {name} arrives"), || async {
        let list = member.get(&format!("/groups/{name}/threads")).await.body;
        list["threads"][0]["id"].as_i64()
    })
    .await
}

/// The ActivityPub documents `support` and its content serve, in the order
/// they are fetched: the instance actor, ann, `attested`'s attestation, the
/// group and its collections, `thread` and its collections, `replies`, and
/// the deleted thread `gone`.
pub fn served_paths(attested: &str, thread: i64, replies: &[i64], gone: i64) -> Vec<String> {
    let mut paths: Vec<String> = [
        "/actor",
        "/actor/outbox",
        "/u/ann",
        "/u/ann/outbox",
        "/u/ann/followers",
    ]
    .map(str::to_owned)
    .to_vec();
    paths.push(format!("/u/{attested}/attestation"));
    paths.extend(
        [
            "/g/support",
            "/g/support/outbox",
            "/g/support/followers",
            "/g/support/moderators",
            "/g/support/featured",
        ]
        .map(str::to_owned),
    );
    paths.extend([
        format!("/t/{thread}"),
        format!("/t/{thread}/replies"),
        format!("/t/{thread}/context"),
    ]);
    paths.extend(replies.iter().map(|r| format!("/r/{r}")));
    paths.push(format!("/t/{gone}"));
    paths
}

/// A group of `kind` (discussion, questions, ideas, reviews) made by `api`'s
/// member.
pub async fn kind_group(api: &Api, name: &str, title: &str, kind: &str) {
    api.post(
        "/groups",
        json!({ "name": name, "title": title, "kind": kind }),
    )
    .await
    .expect(201);
}

/// A member's points, as their reputation shows them.
pub async fn points(api: &Api, user: &str) -> i64 {
    api.get(&format!("/users/{user}/reputation"))
        .await
        .expect(200)["points"]
        .as_i64()
        .unwrap()
}

/// Waits until a thread titled `title` shows in `group` on `api`'s
/// instance; returns its id there.
pub async fn thread_titled(api: &Api, group: &str, title: &str) -> i64 {
    eventually(&format!("the thread {title:?} arrives"), || async {
        let list = api
            .get(&format!("/groups/{group}/threads?sort=new"))
            .await
            .body;
        list["threads"]
            .as_array()?
            .iter()
            .find(|t| t["title"] == title)
            .and_then(|t| t["id"].as_i64())
    })
    .await
}

/// `remote` follows a group of `server` with its `fixture` Follow, and
/// waits for the Accept.
pub async fn followed_from(server: &TestServer, remote: &Remote, fixture: &str) {
    let follow = remote.fixture(fixture, server, 0, 0);
    let (status, body) = remote.send(&server.url("/inbox"), &follow).await;
    assert_eq!(status, 202, "{body}");
    eventually("the Accept", || async {
        (!remote.received_of("Accept").is_empty()).then_some(())
    })
    .await;
}
