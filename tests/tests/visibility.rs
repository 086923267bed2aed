//! Private and hidden groups end to end, on SQLite and PostgreSQL: what an
//! anonymous visitor, a signed-in outsider, a member waiting for approval,
//! a member, a moderator and an admin can see and do, through the API and
//! the pages; asking to join and being let in or turned down; and a walk
//! over every documented GET route (and the pages and ActivityPub
//! documents) as an outsider that finds no private or hidden content.

use guildhall_e2e::browser::Browser;
use guildhall_e2e::steps::{post_reply, post_thread};
use guildhall_e2e::{Api, TestServer};
use serde_json::json;

/// What no outsider may ever see: the hidden group's name, and the
/// private and hidden groups' thread titles and replies.
const SECRETS: [&str; 4] = ["secretroom", "SECRET-BETA", "SECRET-ROOM", "whispered"];

struct World {
    boss: Api,
    mo: Api,
    ann: Api,
    eve: Api,
    /// The private group's thread and reply; the hidden group's.
    beta: (i64, i64),
    room: (i64, i64),
}

async fn world(server: &TestServer) -> World {
    let boss = server.api().register("boss").await;
    let mo = server.api().register("mo").await;
    let ann = server.api().register("ann").await;
    let eve = server.api().register("eve").await;
    for (name, title, visibility) in [
        ("betatesters", "Beta testers", "private"),
        ("secretroom", "Back room", "hidden"),
    ] {
        boss.post("/groups", json!({"name": name, "title": title}))
            .await
            .expect(201);
        boss.post(
            &format!("/groups/{name}/moderators"),
            json!({"username": "mo"}),
        )
        .await
        .expect(200);
        let g = mo
            .patch(
                &format!("/groups/{name}"),
                json!({"visibility": visibility}),
            )
            .await
            .expect(200);
        assert_eq!(g["visibility"], visibility);
    }
    // ann asks to join the private group and is let in.
    let asked = ann
        .post("/groups/betatesters/join", json!({}))
        .await
        .expect(200);
    assert_eq!(
        (asked["joined"].as_bool(), asked["requested"].as_bool()),
        (Some(false), Some(true))
    );
    mo.post("/groups/betatesters/requests/ann", json!({"approve": true}))
        .await
        .expect(204);
    let beta_t = post_thread(&mo, "betatesters", "SECRET-BETA plan", "Ship on Friday.").await;
    let beta_r = post_reply(&ann, beta_t, "Sounds good, whispered.").await;
    ann.put(&format!("/threads/{beta_t}/vote"), json!({"value": 1}))
        .await
        .expect(200);
    let room_t = post_thread(&mo, "secretroom", "SECRET-ROOM plan", "Moderators only.").await;
    let room_r = post_reply(&boss, room_t, "Noted, whispered.").await;
    World {
        boss,
        mo,
        ann,
        eve,
        beta: (beta_t, beta_r),
        room: (room_t, room_r),
    }
}

async fn who_sees_what(server: &TestServer) {
    let World {
        boss,
        mo,
        ann,
        eve,
        beta,
        room,
    } = world(server).await;
    let anon = server.api();

    // Listed: the private group, never the hidden one (but to its members).
    for outsider in [&anon, &eve, &ann] {
        let names: Vec<String> = outsider
            .get("/groups")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_owned())
            .collect();
        assert!(names.contains(&"betatesters".to_owned()));
        assert!(!names.contains(&"secretroom".to_owned()), "{names:?}");
    }
    let names = mo.get("/groups").await.expect(200).to_string();
    assert!(names.contains("secretroom"));

    for outsider in [&anon, &eve] {
        // The private group shows itself; its content is refused (403).
        assert_eq!(
            outsider.get("/groups/betatesters").await.expect(200)["visibility"],
            "private"
        );
        for path in [
            "/groups/betatesters/threads".to_owned(),
            format!("/threads/{}", beta.0),
            format!("/threads/{}/replies", beta.0),
            format!("/replies/{}", beta.1),
            "/groups/betatesters/leaderboard".to_owned(),
            "/groups/betatesters/modlog".to_owned(),
        ] {
            outsider.get(&path).await.expect_error(403, "forbidden");
        }
        // The hidden group is not there (404), nor anything in it.
        for path in [
            "/groups/secretroom".to_owned(),
            "/groups/secretroom/threads".to_owned(),
            format!("/threads/{}", room.0),
            format!("/threads/{}/replies", room.0),
            format!("/replies/{}", room.1),
            "/groups/secretroom/leaderboard".to_owned(),
            "/groups/secretroom/modlog".to_owned(),
        ] {
            outsider.get(&path).await.expect_error(404, "not_found");
        }
    }
    // Nor can an outsider take part, or learn of the hidden group by trying.
    eve.post(
        "/groups/betatesters/threads",
        json!({"title": "Hi", "body": "Me too"}),
    )
    .await
    .expect_error(403, "forbidden");
    eve.post(
        &format!("/threads/{}/replies", beta.0),
        json!({"body": "Me too"}),
    )
    .await
    .expect_error(403, "forbidden");
    eve.put(&format!("/threads/{}/vote", beta.0), json!({"value": 1}))
        .await
        .expect_error(403, "forbidden");
    eve.post(&format!("/threads/{}/flag", beta.0), json!({"reason": "x"}))
        .await
        .expect_error(403, "forbidden");
    eve.post(
        &format!("/threads/{}/replies", room.0),
        json!({"body": "Me too"}),
    )
    .await
    .expect_error(404, "not_found");
    eve.post("/groups/secretroom/join", json!({}))
        .await
        .expect_error(404, "not_found");
    eve.get("/groups/secretroom/bans")
        .await
        .expect_error(404, "not_found");
    eve.get("/groups/secretroom/requests")
        .await
        .expect_error(404, "not_found");
    // Points earned in a private group are its members' to see.
    let points = |api: &Api| {
        let api = api.clone();
        async move { api.get("/users/mo/reputation").await.expect(200)["groups"].to_string() }
    };
    assert!(!points(&eve).await.contains("betatesters"));
    assert!(points(&ann).await.contains("betatesters"));

    // Insiders: members read the private group; the hidden one is its
    // moderators' and the admins'.
    ann.get("/groups/betatesters/threads").await.expect(200);
    ann.get(&format!("/replies/{}", beta.1)).await.expect(200);
    let listed = ann
        .get(&format!("/threads/{}/replies", beta.0))
        .await
        .expect(200);
    assert_eq!(listed["replies"].as_array().map(Vec::len), Some(1));
    eve.get(&format!("/threads/{}/replies", beta.0))
        .await
        .expect_error(403, "forbidden");
    eve.get(&format!("/threads/{}/replies", room.0))
        .await
        .expect_error(404, "not_found");
    ann.get("/groups/secretroom/threads")
        .await
        .expect_error(404, "not_found");
    mo.get("/groups/secretroom/threads").await.expect(200);
    boss.get(&format!("/threads/{}", room.0)).await.expect(200);

    // A visibility change is a moderator's, and logged.
    ann.patch("/groups/betatesters", json!({"visibility": "public"}))
        .await
        .expect_error(403, "forbidden");
    mo.patch("/groups/betatesters", json!({"visibility": "secret"}))
        .await
        .expect_error(422, "invalid");
    let log = ann.get("/groups/betatesters/modlog").await.expect(200);
    let changed = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "set_visibility")
        .expect("the change is logged");
    assert_eq!(changed["detail"]["to"], "private");
    assert_eq!(changed["moderator"], "mo");
}

async fn asking_to_join(server: &TestServer) {
    let World {
        mo, ann, eve, beta, ..
    } = world(server).await;
    let fay = server.api().register("fay").await;
    for who in [&eve, &fay] {
        let asked = who
            .post("/groups/betatesters/join", json!({}))
            .await
            .expect(200);
        assert_eq!(asked["requested"], true);
        who.post("/groups/betatesters/join", json!({}))
            .await
            .expect(200);
    }
    eve.get(&format!("/threads/{}", beta.0))
        .await
        .expect_error(403, "forbidden");
    let waiting = mo.get("/groups/betatesters/requests").await.expect(200);
    let names: Vec<&str> = waiting["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["eve", "fay"]);
    ann.get("/groups/betatesters/requests")
        .await
        .expect_error(403, "forbidden");
    ann.post("/groups/betatesters/requests/eve", json!({"approve": true}))
        .await
        .expect_error(403, "forbidden");
    mo.post("/groups/betatesters/requests/eve", json!({"approve": true}))
        .await
        .expect(204);
    mo.post(
        "/groups/betatesters/requests/fay",
        json!({"approve": false}),
    )
    .await
    .expect(204);
    mo.post("/groups/betatesters/requests/fay", json!({"approve": true}))
        .await
        .expect_error(404, "not_found");
    mo.post("/groups/betatesters/requests/ann", json!({"approve": true}))
        .await
        .expect_error(404, "not_found");
    let group = eve.get("/groups/betatesters").await.expect(200);
    assert_eq!(
        (group["joined"].as_bool(), group["requested"].as_bool()),
        (Some(true), Some(false))
    );
    eve.get(&format!("/threads/{}", beta.0)).await.expect(200);
    post_reply(&eve, beta.0, "Glad to be in.").await;
    let group = fay.get("/groups/betatesters").await.expect(200);
    assert_eq!(
        (group["joined"].as_bool(), group["requested"].as_bool()),
        (Some(false), Some(false))
    );
    fay.get(&format!("/threads/{}", beta.0))
        .await
        .expect_error(403, "forbidden");
    assert!(
        mo.get("/groups/betatesters/requests").await.expect(200)["requests"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A banned member may not ask, nor be let in.
    let gus = server.api().register("gus").await;
    gus.post("/groups/betatesters/join", json!({}))
        .await
        .expect(200);
    mo.put("/groups/betatesters/bans/gus", json!({"reason": "Spam"}))
        .await
        .expect(200);
    mo.post("/groups/betatesters/requests/gus", json!({"approve": true}))
        .await
        .expect_error(409, "conflict");
    let hal = server.api().register("hal").await;
    mo.put("/groups/betatesters/bans/hal", json!({}))
        .await
        .expect(200);
    hal.post("/groups/betatesters/join", json!({}))
        .await
        .expect_error(403, "forbidden");
    // Made public, the group lets in whoever was waiting.
    let ivy = server.api().register("ivy").await;
    ivy.post("/groups/betatesters/join", json!({}))
        .await
        .expect(200);
    mo.patch("/groups/betatesters", json!({"visibility": "public"}))
        .await
        .expect(200);
    let group = ivy.get("/groups/betatesters").await.expect(200);
    assert_eq!(
        (group["joined"].as_bool(), group["requested"].as_bool()),
        (Some(true), Some(false))
    );
}

/// Every documented GET route, the pages and the ActivityPub documents,
/// asked by an outsider (anonymous and signed in): refused, or answered
/// without a word of private or hidden content.
async fn nothing_leaks(server: &TestServer) {
    let World {
        eve, beta, room, ..
    } = world(server).await;
    let anon = server.api();
    let doc = anon.get("/openapi.json").await.expect(200);
    let ids = [beta.0, beta.1, room.0, room.1];
    let names = ["betatesters", "secretroom", "mo", "ann"];
    let mut asked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() || path == "/api/v1/openapi.json" {
            continue;
        }
        let path = path.trim_start_matches("/api/v1");
        for id in ids {
            for name in names {
                let concrete = path
                    .replace("{id}", &id.to_string())
                    .replace("{name}", name)
                    .replace("{username}", name)
                    .replace("{domain}", name);
                for who in [&anon, &eve] {
                    let got = who.get(&concrete).await;
                    asked += 1;
                    assert!(got.status.as_u16() < 500, "GET {concrete}: {}", got.status);
                    if got.status.as_u16() == 200 {
                        let body = got.body.to_string();
                        for secret in SECRETS {
                            assert!(
                                !body.contains(secret),
                                "GET {concrete} shows {secret:?}: {body}"
                            );
                        }
                    }
                }
            }
        }
    }
    assert!(
        asked > 100,
        "the walk covered the documented routes ({asked})"
    );
    // The pages, as a visitor and as a signed-in outsider.
    let visitor = Browser::new(server);
    let member = Browser::new(server);
    member.register("zed").await;
    let pages = [
        "/".to_owned(),
        "/feed".to_owned(),
        "/g/betatesters".to_owned(),
        "/g/betatesters/modlog".to_owned(),
        "/g/secretroom".to_owned(),
        format!("/t/{}", beta.0),
        format!("/t/{}", room.0),
        "/u/mo".to_owned(),
        "/u/ann".to_owned(),
        "/g/secretroom/modlog".to_owned(),
        "/g/betatesters/new".to_owned(),
        "/g/secretroom/new".to_owned(),
        "/g/secretroom/board".to_owned(),
        "/g/secretroom/edit".to_owned(),
    ];
    for path in &pages {
        for who in [&visitor, &member] {
            let got = who.get(path).await;
            assert!(got.status.as_u16() < 500, "{path}");
            // A page asked for by the hidden group's name may say the name
            // back (as in a log-in link), exactly as for a group that does
            // not exist at all: the same page, word for word.
            if path.contains("secretroom") {
                let absent = who.get(&path.replace("secretroom", "nosuchroom")).await;
                assert_eq!(got.status, absent.status, "{path}");
                assert_eq!(
                    got.body.replace("secretroom", "nosuchroom"),
                    absent.body,
                    "{path}"
                );
                continue;
            }
            for secret in SECRETS {
                assert!(!got.body.contains(secret), "{path} shows {secret:?}");
            }
        }
    }
    // The group's own page shows a private group's door, not its content.
    let door = member.get("/g/betatesters").await.expect(200).body;
    assert!(door.contains("Ask to join") && door.contains("private"));
    member.get("/g/secretroom").await.expect(404);
    // ActivityPub: the private group's profile is served (to be followed
    // from elsewhere), with nothing of its content; the hidden group is not
    // there; neither's posts are served to an unsigned fetch
    // (tests/tests/private_federation.rs signs them).
    let profile = reqwest::Client::new()
        .get(server.url("/g/betatesters"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), 200);
    let profile = profile.text().await.unwrap();
    assert!(
        profile.contains("\"manuallyApprovesFollowers\":true"),
        "{profile}"
    );
    for secret in SECRETS {
        assert!(!profile.contains(secret), "the profile shows {secret:?}");
    }
    for path in [
        "/g/secretroom".to_owned(),
        "/g/betatesters/outbox".to_owned(),
        "/g/betatesters/featured".to_owned(),
        format!("/t/{}", beta.0),
        format!("/r/{}", room.1),
        "/g/secretroom/outbox".to_owned(),
        format!("/t/{}/replies", beta.0),
        format!("/t/{}/context", beta.0),
        format!("/t/{}/replies", room.0),
        format!("/t/{}/context", room.0),
    ] {
        let url = server.url(&path);
        let got = reqwest::Client::new()
            .get(&url)
            .header("accept", "application/activity+json")
            .send()
            .await
            .unwrap();
        assert_eq!(got.status().as_u16(), 404, "{path}");
    }
}

/// The pages: asking to join from the group's door, a moderator letting
/// the member in from the requests page, and the visibility setting.
async fn joining_through_the_pages(server: &TestServer) {
    let World { beta, .. } = world(server).await;
    let zed = Browser::new(server);
    zed.register("zed").await;
    zed.submit("/g/betatesters", "/g/betatesters/join", &[])
        .await
        .redirect();
    let door = zed.get("/g/betatesters").await.expect(200).body;
    assert!(door.contains("waiting for a moderator"), "{door}");
    let mo = Browser::new(server);
    mo.login("mo").await;
    let list = mo.get("/g/betatesters/requests").await.expect(200).body;
    assert!(list.contains("zed"), "{list}");
    let to = mo
        .submit(
            "/g/betatesters/requests",
            "/g/betatesters/requests/zed/approve",
            &[],
        )
        .await
        .redirect();
    let said = mo.get(&to).await.expect(200).body;
    assert!(said.contains("zed is a member now."), "{said}");
    assert!(
        mo.get("/g/betatesters/requests")
            .await
            .expect(200)
            .body
            .contains("Nobody is waiting")
    );
    let inside = zed.get(&format!("/t/{}", beta.0)).await.expect(200).body;
    assert!(inside.contains("SECRET-BETA plan"));
    // The edit form offers the visibility, and a change shows on the page.
    let form = mo.get("/g/betatesters/edit").await.expect(200).body;
    assert!(form.contains("name=\"visibility\""));
    let fields = [
        ("title", "Beta testers"),
        ("description", ""),
        ("rules", ""),
        ("visibility", "hidden"),
    ];
    mo.submit("/g/betatesters/edit", "/g/betatesters/edit", &fields)
        .await
        .redirect();
    assert!(
        mo.get("/g/betatesters")
            .await
            .expect(200)
            .body
            .contains("Hidden")
    );
    Browser::new(server).get("/g/betatesters").await.expect(404);
}

async fn invitations(server: &TestServer) {
    let World {
        mo, ann, eve, room, ..
    } = world(server).await;
    let fay = server.api().register("fay").await;
    let zed = server.api().register("zed").await;

    // By name, into the hidden group: eve sees it, and joins at once.
    mo.post("/groups/secretroom/invitations", json!({"username": "eve"}))
        .await
        .expect(201);
    assert_eq!(
        eve.get("/groups/secretroom").await.expect(200)["visibility"],
        "hidden"
    );
    eve.get("/groups/secretroom/threads")
        .await
        .expect_error(404, "not_found");
    let joined = eve
        .post("/groups/secretroom/join", json!({}))
        .await
        .expect(200);
    assert_eq!(joined["joined"], true);
    eve.get(&format!("/threads/{}", room.0)).await.expect(200);
    // Refusals: a member already, invited already, someone unknown, a
    // member below the trust level, an outsider.
    mo.post("/groups/secretroom/invitations", json!({"username": "eve"}))
        .await
        .expect_error(409, "conflict");
    mo.post("/groups/secretroom/invitations", json!({"username": "ann"}))
        .await
        .expect(201);
    mo.post("/groups/secretroom/invitations", json!({"username": "ann"}))
        .await
        .expect_error(409, "conflict");
    mo.post(
        "/groups/secretroom/invitations",
        json!({"username": "nobody"}),
    )
    .await
    .expect_error(404, "not_found");
    let detail = ann
        .post(
            "/groups/betatesters/invitations",
            json!({"username": "fay"}),
        )
        .await
        .expect_error(403, "forbidden");
    assert!(
        detail.contains("TL2") || detail.contains("trust"),
        "{detail}"
    );
    fay.post(
        "/groups/betatesters/invitations",
        json!({"username": "zed"}),
    )
    .await
    .expect_error(403, "forbidden");
    fay.post("/groups/secretroom/invitations", json!({"username": "zed"}))
        .await
        .expect_error(404, "not_found");

    // Moderators list and revoke: ann's invitation goes, and with it her
    // sight of the hidden group.
    assert_eq!(ann.get("/groups/secretroom").await.status.as_u16(), 200);
    let list = mo.get("/groups/secretroom/invitations").await.expect(200);
    let ann_inv = list["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["username"] == "ann")
        .expect("ann's invitation")["id"]
        .as_i64()
        .unwrap();
    eve.get("/groups/secretroom/invitations")
        .await
        .expect_error(403, "forbidden");
    mo.delete(&format!("/groups/secretroom/invitations/{ann_inv}"))
        .await
        .expect(204);
    mo.delete(&format!("/groups/secretroom/invitations/{ann_inv}"))
        .await
        .expect_error(404, "not_found");
    ann.get("/groups/secretroom")
        .await
        .expect_error(404, "not_found");

    // A link with one use: fay joins; zed is too late. Bad terms refused.
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    mo.post(
        "/groups/secretroom/invitations",
        json!({"expires_at": past}),
    )
    .await
    .expect_error(422, "invalid");
    mo.post("/groups/secretroom/invitations", json!({"max_uses": 0}))
        .await
        .expect_error(422, "invalid");
    mo.post(
        "/groups/secretroom/invitations",
        json!({"username": "zed", "max_uses": 3}),
    )
    .await
    .expect_error(422, "invalid");
    let soon = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let made = mo
        .post(
            "/groups/secretroom/invitations",
            json!({"expires_at": soon, "max_uses": 1}),
        )
        .await
        .expect(201);
    let url = made["url"].as_str().unwrap();
    let token = url.rsplit('/').next().unwrap();
    fay.post(&format!("/invitations/{token}/accept"), json!({}))
        .await
        .expect(204);
    fay.get(&format!("/threads/{}", room.0)).await.expect(200);
    zed.post(&format!("/invitations/{token}/accept"), json!({}))
        .await
        .expect_error(409, "conflict");
    // A link that has expired lets nobody in.
    let brief = (chrono::Utc::now() + chrono::Duration::milliseconds(800)).to_rfc3339();
    let made = mo
        .post(
            "/groups/secretroom/invitations",
            json!({"expires_at": brief}),
        )
        .await
        .expect(201);
    let expired = made["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    let detail = zed
        .post(&format!("/invitations/{expired}/accept"), json!({}))
        .await
        .expect_error(409, "conflict");
    assert!(detail.contains("expired"), "{detail}");
    zed.post("/invitations/not-a-token/accept", json!({}))
        .await
        .expect_error(404, "not_found");
    zed.get("/groups/secretroom")
        .await
        .expect_error(404, "not_found");

    // The link's page: whoever holds it sees where it leads.
    let browser = Browser::new(server);
    let page = browser
        .get(&format!("/invite/{token}"))
        .await
        .expect(200)
        .body;
    assert!(
        page.contains("no longer works") && page.contains("used up"),
        "{page}"
    );
    assert!(
        !page.contains("Back room"),
        "a dead link says nothing of the hidden group"
    );
    let fresh = mo
        .post("/groups/secretroom/invitations", json!({}))
        .await
        .expect(201);
    let fresh = fresh["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    browser.register("yan").await;
    let to = browser
        .submit(
            &format!("/invite/{fresh}"),
            &format!("/invite/{fresh}"),
            &[],
        )
        .await
        .redirect();
    assert_eq!(to, "/g/secretroom");
    assert!(
        browser
            .get("/g/secretroom")
            .await
            .expect(200)
            .body
            .contains("SECRET-ROOM plan")
    );
}

/// Servers elsewhere cannot take part in a private or hidden group: a
/// reply or a vote on their posts from a Lemmy-shaped server is refused
/// and changes nothing.
async fn no_part_from_elsewhere(server: &TestServer) {
    let World { mo, beta, room, .. } = world(server).await;
    let lemmy = guildhall_e2e::remote::Remote::start().await;
    for ((thread, reply), status) in [(beta, 403), (room, 404)] {
        let like = lemmy.fixture("lemmy_like", server, thread, reply);
        let (got, body) = lemmy.send(&server.url("/inbox"), &like).await;
        assert_eq!(got.as_u16(), status, "{body}");
        let mut answer = lemmy.fixture("lemmy_create_note_reply", server, thread, reply);
        answer["id"] = json!(lemmy.url(&format!("/activities/create/private-{thread}")));
        answer["object"]["id"] = json!(lemmy.url(&format!("/comment/private-{thread}")));
        let (got, body) = lemmy.send(&server.url("/inbox"), &answer).await;
        assert_eq!(got.as_u16(), status, "{body}");
        let seen = mo.get(&format!("/threads/{thread}")).await.expect(200);
        assert_eq!(seen["reply_count"], 1, "only the member's reply");
        let r = mo.get(&format!("/replies/{reply}")).await.expect(200);
        assert_eq!(r["score"], 0);
    }
}

macro_rules! both_backends {
    ($($name:ident => $body:ident;)*) => {
        mod sqlite {
            use super::*;
            $(#[tokio::test]
            async fn $name() {
                $body(&TestServer::sqlite().await).await;
            })*
        }
        mod postgres {
            use super::*;
            $(#[tokio::test]
            async fn $name() {
                if let Some(server) = TestServer::postgres(stringify!($name)).await {
                    $body(&server).await;
                }
            })*
        }
    };
}

both_backends! {
    outsiders_members_moderators_and_admins_see_what_they_may => who_sees_what;
    private_groups_are_joined_by_request => asking_to_join;
    no_documented_route_leaks_private_or_hidden_content => nothing_leaks;
    joining_and_visibility_through_the_pages => joining_through_the_pages;
    invitations_by_name_and_by_link => invitations;
    other_servers_take_no_part => no_part_from_elsewhere;
}
