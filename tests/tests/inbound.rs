//! What other servers than Mastodon and Lemmy send (Fedify, GoToSocial,
//! Misskey, Pleroma, Mbin: `tests/fixtures/federation/`), remote input held
//! to the rules local input meets, and signatures bound to this host.
//! Every request is signed by the stand-in server (`guildhall_e2e::remote`)
//! and POSTed over real HTTP.

use guildhall_e2e::local::{Local, local};
use guildhall_e2e::remote::{MASTODON_ALICE, Remote, Spoil};
use guildhall_e2e::{TestServer, eventually};
use serde_json::{Value, json};

/// A Misskey account: its actor lives at `/users/<aid>`.
const MISSKEY_KIRI: &str = "/users/9zx0a1b2c3";

/// A reply by `author` whose body contains `text`, once it is stored.
async fn reply_by(a: &Local, author: &str, text: &str) -> Value {
    eventually(&format!("{author}'s reply"), || async {
        a.replies()
            .await
            .into_iter()
            .find(|r| r["author"] == author && r["body"].as_str().unwrap().contains(text))
    })
    .await
}

#[tokio::test]
async fn other_servers_shapes_are_accepted_and_stored() {
    other_servers_shapes(TestServer::sqlite().await).await;
}

#[tokio::test]
async fn other_servers_shapes_on_postgres() {
    if let Some(server) = TestServer::postgres("other_servers_shapes").await {
        other_servers_shapes(server).await;
    }
}

async fn other_servers_shapes(server: TestServer) {
    let a = local(server).await;
    let remote = Remote::start().await;
    let domain = remote.domain();
    let alice = format!("alice@{domain}");

    // alice's actor the way Fedify may compact it: `icon` an array of one
    // Image whose `url` is a Link, `url` a Link object.
    remote.set_actor_fields(
        MASTODON_ALICE,
        json!({
            "icon": [{ "type": "Image", "mediaType": "image/png",
                       "url": { "type": "Link", "href": remote.url("/avatars/alice.png") } }],
            "url": { "type": "Link", "mediaType": "text/html", "href": remote.url("/@alice") },
            "assertionMethod": [],
        }),
    );
    // Misskey's actor: `name`/`summary` null, an Image icon, its own terms.
    remote.set_actor_fields(
        MISSKEY_KIRI,
        json!({
            "preferredUsername": "kiri",
            "name": null,
            "summary": null,
            "icon": { "type": "Image", "url": remote.url("/files/kiri.webp"), "sensitive": false, "name": null },
            "url": remote.url("/@kiri"),
            "isCat": true,
            "_misskey_summary": null,
            "tag": [],
        }),
    );

    // Fedify: one `tag` object, one `attachment`, `to: "as:Public"`.
    a.deliver(&remote, "fedify_create_note_reply").await;
    let r = reply_by(&a, &alice, "fuser").await;
    assert!(r["body_html"].as_str().unwrap().contains("new one fixed"));
    assert_eq!(r["parent_id"], Value::Null);
    let profile = a.user(&alice).await;
    assert_eq!(
        profile["avatar_url"],
        remote.url("/avatars/alice.png"),
        "{profile}"
    );

    // GoToSocial: every one-item property a bare value.
    a.deliver(&remote, "gotosocial_create_note_reply").await;
    reply_by(&a, &alice, "separation pad").await;

    // Misskey: its markup is not Markdown, so the HTML's text is the body.
    a.deliver(&remote, "misskey_create_note_reply").await;
    let kiri = format!("kiri@{domain}");
    let r = reply_by(&a, &kiri, "Firmware 4.2").await;
    assert!(
        r["body_html"]
            .as_str()
            .unwrap()
            .contains("<b>Firmware 4.2</b>")
    );
    assert_eq!(
        a.user(&kiri).await["avatar_url"],
        remote.url("/files/kiri.webp")
    );

    // Pleroma: `source` is a bare string; a reply to bob's reply.
    a.deliver(&remote, "pleroma_create_note_reply").await;
    let r = reply_by(&a, &alice, "rollers were dusty").await;
    assert_eq!(r["parent_id"], a.reply);

    // Mbin: a Page in our group, with Markdown source and a single image.
    a.deliver(&remote, "mbin_create_page").await;
    let carol = format!("carol@{domain}");
    let t = eventually("the Mbin thread", || async {
        a.threads("support")
            .await
            .into_iter()
            .find(|t| t["author"] == carol)
    })
    .await;
    assert_eq!(t["title"], "Label printer feeds two labels at once");
    let t = a
        .admin
        .get(&format!("/threads/{}", t["id"]))
        .await
        .expect(200);
    assert_eq!(
        t["body"],
        "Since the last driver update every print feeds **two** labels."
    );
    assert_eq!(a.replies().await.len(), 5, "bob's and four remote replies");
}

#[tokio::test]
async fn remote_input_meets_the_local_rules() {
    let server = TestServer::sqlite_with(|c| c.limits.body_max = 1000).await;
    remote_rules(server).await;
}

#[tokio::test]
async fn remote_input_meets_the_local_rules_on_postgres() {
    if let Some(mut server) = TestServer::postgres("remote_rules").await {
        server.config.limits.body_max = 1000;
        server.restart().await;
        remote_rules(server).await;
    }
}

/// Profiles are cleaned (links that are not http(s) dropped, names and bios
/// cut); posts over a limit are refused whole and change nothing.
async fn remote_rules(server: TestServer) {
    let a = local(server).await;
    let remote = Remote::start().await;
    let domain = remote.domain();

    // A profile with a script for an avatar and a data: URL for a link.
    remote.set_actor_fields(
        "/users/mallory",
        json!({
            "name": format!("{}\nsecond line", "M".repeat(200)),
            "summary": format!("<p>{}</p>", "bio ".repeat(3000)),
            "icon": { "type": "Image", "url": "javascript:alert(1)" },
            "url": "data:text/html,<script>alert(1)</script>",
        }),
    );
    let like = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Like",
        "id": remote.url("/users/mallory#likes/1"),
        "actor": remote.url("/users/mallory"),
        "object": format!("http://{}/t/{}", a.server.domain(), a.thread),
    });
    let (status, body) = a.send(&remote, &like).await;
    assert_eq!(status, 202, "{body}");
    let mallory = format!("mallory@{domain}");
    let profile = a.user(&mallory).await;
    assert_eq!(profile["avatar_url"], Value::Null, "{profile}");
    let name = profile["display_name"].as_str().unwrap();
    assert!(name.chars().count() <= 60 && !name.contains('\n'), "{name}");
    let bio = profile["bio_html"].as_str().unwrap();
    assert!(
        bio.chars().count() <= 5_000 + 10,
        "bio of {} chars",
        bio.len()
    );
    // Nor does the profile page carry either URL.
    let page = reqwest::get(a.server.url(&format!("/u/{mallory}")))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(!html.contains("javascript:") && !html.contains("data:text"));

    // Replies over the limits: a body over `limits.body_max`, HTML that is
    // nearly all markup, too many tags. Each is refused; nothing is stored.
    let reply = a.fixture(&remote, "mastodon_create_note_reply");
    let with = |n: u32, field: &str, value: Value| {
        let mut r = reply.clone();
        let id = remote.url(&format!("/users/alice/statuses/9{n}"));
        r["id"] = json!(format!("{id}/activity"));
        r["object"]["id"] = json!(id);
        r["object"][field] = value;
        r
    };
    let before = a.replies().await.len();
    let refusals = [
        with(1, "content", json!(format!("<p>{}</p>", "x".repeat(1001)))),
        with(2, "content", json!("<b></b>".repeat(600))),
        with(
            3,
            "tag",
            json!(
                (0..101)
                    .map(|i| json!({ "type": "Hashtag", "name": format!("#t{i}"), "href": remote.url(&format!("/tags/t{i}")) }))
                    .collect::<Vec<_>>()
            ),
        ),
    ];
    for activity in &refusals {
        let (status, body) = a.send(&remote, activity).await;
        assert_eq!(status, 422, "{body}");
        assert!(body["detail"].as_str().unwrap().contains("content rule"));
    }
    assert_eq!(
        a.replies().await.len(),
        before,
        "a refused reply was stored"
    );

    // At the limit it is stored; an edit past it is refused and changes nothing.
    let fits = with(4, "content", json!(format!("<p>{}</p>", "y".repeat(1000))));
    assert_eq!(a.send(&remote, &fits).await.0, 202);
    let alice = format!("alice@{domain}");
    let stored = reply_by(&a, &alice, "yyy").await;
    let mut edit = fits.clone();
    edit["type"] = json!("Update");
    edit["id"] = json!(remote.url("/users/alice/statuses/94#updates/1"));
    edit["object"]["content"] = json!(format!("<p>{}</p>", "z".repeat(1001)));
    assert_eq!(a.send(&remote, &edit).await.0, 422);
    let now = a
        .admin
        .get(&format!("/replies/{}", stored["id"]))
        .await
        .expect(200);
    assert_eq!(now["body"], stored["body"]);

    // A title past `limits.title_max` is cut, not refused: a status has no
    // title of its own, and one is made from its first line.
    let mut page = a.fixture(&remote, "lemmy_create_page");
    page["object"]["name"] = json!("Long ".repeat(80));
    assert_eq!(a.send(&remote, &page).await.0, 202);
    let carol = format!("carol@{domain}");
    let t = eventually("the long-titled thread", || async {
        a.threads("support")
            .await
            .into_iter()
            .find(|t| t["author"] == carol)
    })
    .await;
    let title = t["title"].as_str().unwrap();
    assert!(
        title.chars().count() <= 200 && title.ends_with('…'),
        "{title}"
    );
}

/// A signature made for another host, or one that leaves out the request
/// target or the digest, is refused before anything is applied.
#[tokio::test]
async fn signatures_are_bound_to_this_host() {
    let a = local(TestServer::sqlite().await).await;
    let remote = Remote::start().await;
    let like = a.fixture(&remote, "mastodon_like");
    let score = || async {
        a.admin
            .get(&format!("/threads/{}", a.thread))
            .await
            .expect(200)["score"]
            .clone()
    };
    for spoil in [Spoil::OtherHost, Spoil::NoRequestTarget, Spoil::NoDigest] {
        let (status, body) = remote.send_spoiled(&a.inbox(), &like, spoil).await;
        assert_eq!(status, 401, "{spoil:?}: {body}");
        let detail = body["detail"].as_str().unwrap();
        if spoil == Spoil::OtherHost {
            assert!(detail.contains("other.example"), "{detail}");
        }
    }
    assert_eq!(score().await, 0, "a refused Like counted");
    // The same Like, signed the way Mastodon signs it, for us.
    let (status, body) = remote.send(&a.inbox(), &like).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(score().await, 1);
}
