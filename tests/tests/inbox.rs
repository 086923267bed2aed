//! The inbox against what Mastodon and Lemmy really send: the recorded
//! fixtures in `tests/fixtures/federation/`, signed and POSTed by a stand-in
//! server (`guildhall_e2e::remote`) over real HTTP, and the refusals of
//! unsigned, forged, stale, mismatched and blocked requests.

use guildhall_e2e::local::{Local, local};
use guildhall_e2e::remote::{LEMMY_GROUP, MASTODON_ALICE, Received, Remote, Spoil};
use guildhall_e2e::steps::join_remote_group;
use guildhall_e2e::{TestServer, eventually};
use serde_json::{Value, json};

/// Waits until `remote` has received an activity that `matches`.
async fn received(remote: &Remote, what: &str, matches: impl Fn(&Received) -> bool) -> Received {
    eventually(what, || {
        let found = remote.received().into_iter().find(|r| matches(r));
        async move { found }
    })
    .await
}

/// The follow's Accept reaches the follower, signed so it verifies.
async fn accepted(remote: &Remote, follow: &Value) {
    let accept = received(remote, "the group's Accept", |r| {
        r.body["type"] == "Accept" && r.body["object"]["id"] == follow["id"]
    })
    .await;
    assert!(accept.verified, "the Accept's signature verifies");
}

#[tokio::test]
async fn mastodon_activities_apply_through_the_inbox() {
    mastodon_activities(TestServer::sqlite().await).await;
}

#[tokio::test]
async fn mastodon_activities_apply_on_postgres() {
    if let Some(server) = TestServer::postgres("mastodon_activities").await {
        mastodon_activities(server).await;
    }
}

async fn mastodon_activities(server: TestServer) {
    let a = local(server).await;
    let mastodon = Remote::start().await;
    let lemmy = Remote::start().await;
    let alice = format!("alice@{}", mastodon.domain());

    // Follows from both; each gets its Accept through the queue.
    let follow = a.deliver(&lemmy, "lemmy_follow").await;
    accepted(&lemmy, &follow).await;
    let follow = a.deliver(&mastodon, "mastodon_follow").await;
    accepted(&mastodon, &follow).await;
    assert_eq!(a.member_count().await, 3, "ann and two followers");
    // Fetching the actors was signed by our instance actor.
    let instance_key = format!("http://{}/actor#main-key", a.server.domain());
    let gets = mastodon.gets();
    assert!(!gets.is_empty());
    for get in gets {
        assert_eq!(get.key_id.as_deref(), Some(instance_key.as_str()));
        assert!(get.verified, "the signed GET of {} verifies", get.path);
    }

    // A public reply that addresses only the thread's author's followers.
    let note = a.deliver(&mastodon, "mastodon_create_note_reply").await;
    let reply = eventually("the Mastodon reply appears", || async {
        a.replies().await.into_iter().find(|r| r["author"] == alice)
    })
    .await;
    assert!(reply["body_html"].as_str().unwrap().contains("paper path"));
    assert_eq!(reply["parent_id"], Value::Null);
    // The group announces it to its other followers, not back to Mastodon.
    let announce = received(&lemmy, "the reply's Announce", |r| {
        r.body["type"] == "Announce" && r.body["object"]["object"]["id"] == note["object"]["id"]
    })
    .await;
    assert!(announce.verified);
    assert_eq!(
        announce.body["actor"],
        format!("http://{}/g/support", a.server.domain())
    );

    // A reply to bob's reply.
    a.deliver(&mastodon, "mastodon_create_note_reply_to_reply")
        .await;
    // A direct ("mentioned people only") reply is private: refused, not
    // published in the thread.
    let direct = a.fixture(&mastodon, "mastodon_create_note_reply_direct");
    let (status, body) = mastodon.send(&a.inbox(), &direct).await;
    assert_eq!(status, 422, "{body}");
    let mine: Vec<Value> = a
        .replies()
        .await
        .into_iter()
        .filter(|r| r["author"] == alice)
        .collect();
    assert_eq!(mine.len(), 2, "the public reply and the reply to a reply");
    assert!(mine.iter().any(|r| r["parent_id"] == a.reply));

    // A post that mentions @support@host opens a thread titled by its first line.
    a.deliver(&mastodon, "mastodon_create_note_mention_group")
        .await;
    let opened = eventually("the mention opens a thread", || async {
        a.threads("support")
            .await
            .into_iter()
            .find(|t| t["author"] == alice)
    })
    .await;
    assert_eq!(opened["title"], "Printer jams on page two");

    // Like is an upvote; the same Like again is a no-op; Undo withdraws it.
    a.deliver(&mastodon, "mastodon_like").await;
    assert_eq!(a.thread(a.thread).await["score"], 1);
    a.deliver(&mastodon, "mastodon_like").await;
    assert_eq!(a.thread(a.thread).await["score"], 1, "replayed Like");
    a.deliver(&mastodon, "mastodon_undo_like").await;
    assert_eq!(a.thread(a.thread).await["score"], 0);

    // Taking back a boost of a group's thread is accepted and changes nothing.
    let undo_boost = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Undo",
        "id": mastodon.url("/users/alice/statuses/9/activity/undo"),
        "actor": mastodon.url(MASTODON_ALICE),
        "object": {
            "type": "Announce",
            "id": mastodon.url("/users/alice/statuses/9/activity"),
            "actor": mastodon.url(MASTODON_ALICE),
            "object": format!("http://{}/t/{}", a.server.domain(), a.thread),
        },
    });
    assert_eq!(mastodon.send(&a.inbox(), &undo_boost).await.0, 202);

    // Delete(Tombstone) removes the first reply.
    a.deliver(&mastodon, "mastodon_delete_note").await;
    let deleted = a
        .replies()
        .await
        .into_iter()
        .filter(|r| r["author"] == alice && r["deleted"] == true)
        .count();
    assert_eq!(deleted, 1);

    // Undo(Follow) unsubscribes: the next thread goes to Lemmy only.
    a.deliver(&mastodon, "mastodon_undo_follow").await;
    assert_eq!(a.member_count().await, 2);
    let id = a
        .admin
        .post(
            "/groups/support/threads",
            json!({ "title": "After the unfollow", "body": "Only Lemmy hears this." }),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let page = format!("http://{}/t/{id}", a.server.domain());
    received(&lemmy, "the new thread reaches Lemmy", |r| {
        r.body["object"]["object"]["id"] == page
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        !mastodon
            .received()
            .iter()
            .any(|r| r.body.to_string().contains(&page)),
        "an unfollowed Mastodon account still received the thread"
    );
}

#[tokio::test]
async fn lemmy_activities_apply_through_the_inbox() {
    lemmy_activities(TestServer::sqlite().await).await;
}

#[tokio::test]
async fn lemmy_activities_apply_on_postgres() {
    if let Some(server) = TestServer::postgres("lemmy_activities").await {
        lemmy_activities(server).await;
    }
}

async fn lemmy_activities(server: TestServer) {
    let a = local(server).await;
    let lemmy = Remote::start().await;
    let carol = format!("carol@{}", lemmy.domain());

    // carol opens a thread in our group, edits it, and comments on ann's.
    a.deliver(&lemmy, "lemmy_create_page").await;
    let page = eventually("carol's Page arrives", || async {
        a.threads("support")
            .await
            .into_iter()
            .find(|t| t["author"] == carol)
    })
    .await;
    assert_eq!(page["title"], "Scanner shows offline after sleep");
    let page_id = page["id"].as_i64().unwrap();
    a.deliver(&lemmy, "lemmy_update_page").await;
    assert_eq!(
        a.thread(page_id).await["title"],
        "Scanner shows offline after sleep (solved)"
    );
    a.deliver(&lemmy, "lemmy_create_note_reply").await;
    assert!(a.replies().await.iter().any(|r| r["author"] == carol));

    // Votes: Like on bob's reply, Dislike on ann's thread, and both Undo
    // shapes (0.19's fresh id typed Like, 1.x's typed Dislike).
    a.deliver(&lemmy, "lemmy_like").await;
    let bobs = a.replies().await;
    let bobs = bobs.iter().find(|r| r["id"] == a.reply).unwrap();
    assert_eq!(bobs["score"], 1);
    a.deliver(&lemmy, "lemmy_dislike").await;
    assert_eq!(a.thread(a.thread).await["score"], -1);
    a.deliver(&lemmy, "lemmy_undo_dislike").await;
    assert_eq!(a.thread(a.thread).await["score"], 0);
    let mut again = a.fixture(&lemmy, "lemmy_dislike");
    again["id"] = json!(lemmy.url("/activities/dislike/second"));
    assert_eq!(lemmy.send(&a.inbox(), &again).await.0, 202);
    assert_eq!(a.thread(a.thread).await["score"], -1);
    a.deliver(&lemmy, "lemmy_undo_dislike_lemmy1").await;
    assert_eq!(a.thread(a.thread).await["score"], 0);

    // Delete with a bare id.
    a.deliver(&lemmy, "lemmy_delete_page").await;
    assert_eq!(a.thread(page_id).await["deleted"], true);

    // bob joins the Lemmy community; its Announce(Create(Page)) lands there.
    let community = join_remote_group(&a.bob, &format!("!lemmy_group@{}", lemmy.domain())).await;
    let bobs_follow = received(&lemmy, "bob's Follow", |r| r.body["type"] == "Follow").await;
    assert!(bobs_follow.verified, "the Follow is signed by bob");
    assert_eq!(bobs_follow.body["object"], lemmy.url(LEMMY_GROUP));
    eventually("the community accepts bob", || async {
        let g = a.bob.get(&format!("/groups/{community}")).await.body;
        (g["joined"] == true && g["member_count"] == 1).then_some(())
    })
    .await;
    a.deliver(&lemmy, "lemmy_announce_create_page").await;
    let announced = eventually("the announced Page arrives", || async {
        a.threads(&community).await.into_iter().next()
    })
    .await;
    assert_eq!(announced["author"], carol);

    // A community relays content only: it cannot make carol follow our
    // group, nor pass off an activity whose id is on another domain.
    let members = a.member_count().await;
    let announce = |n: &str, inner: Value| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "type": "Announce",
            "id": lemmy.url(&format!("/activities/announce/{n}")),
            "actor": lemmy.url(LEMMY_GROUP),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": inner,
        })
    };
    let mut follow = a.fixture(&lemmy, "lemmy_follow");
    follow["id"] = json!(lemmy.url("/activities/follow/relayed"));
    let (status, _) = lemmy.send(&a.inbox(), &announce("f", follow)).await;
    assert_eq!(status, 422);
    assert_eq!(a.member_count().await, members);
    let mut create = a.fixture(&lemmy, "lemmy_announce_create_page")["object"].clone();
    create["id"] = json!("https://elsewhere.example/activities/create/1");
    create["object"]["id"] = json!(lemmy.url("/post/4242"));
    let (status, _) = lemmy.send(&a.inbox(), &announce("c", create)).await;
    assert_eq!(status, 403);
    assert_eq!(a.threads(&community).await.len(), 1);

    // The community later rejects bob's follow: he is out, and we do not
    // answer with an Undo of a follow that no longer exists.
    let reject = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Reject",
        "id": lemmy.url("/activities/reject/1"),
        "actor": lemmy.url(LEMMY_GROUP),
        "object": bobs_follow.body,
    });
    assert_eq!(lemmy.send(&a.inbox(), &reject).await.0, 202);
    let g = a.bob.get(&format!("/groups/{community}")).await.expect(200);
    assert_eq!(
        (g["joined"].as_bool(), g["member_count"].as_i64()),
        (Some(false), Some(0))
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        lemmy.received_of("Undo").is_empty(),
        "an Undo answered the Reject"
    );
}

/// Every malformed or untrusted request is refused and changes nothing.
#[tokio::test]
async fn forged_and_malformed_requests_are_refused() {
    let a = local(TestServer::sqlite().await).await;
    let mastodon = Remote::start().await;
    let like = a.fixture(&mastodon, "mastodon_like");
    let inbox = a.inbox();

    for (spoil, status) in [
        (Spoil::Unsigned, 401),
        (Spoil::OtherKey, 401),
        (Spoil::StaleDate, 401),
        (Spoil::WrongDigest, 400),
    ] {
        let (got, body) = mastodon.send_spoiled(&inbox, &like, spoil).await;
        assert_eq!(got, status, "{spoil:?}: {body}");
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    // A signature that fails made us fetch the actor again once (its key
    // may have rotated); more of them within the minute fetch nothing.
    let actor_fetches = || {
        mastodon
            .gets()
            .iter()
            .filter(|g| g.path == MASTODON_ALICE)
            .count()
    };
    let fetched = actor_fetches();
    for _ in 0..3 {
        let (got, _) = mastodon.send_spoiled(&inbox, &like, Spoil::OtherKey).await;
        assert_eq!(got, 401);
    }
    assert_eq!(actor_fetches(), fetched, "refetched at most once a minute");
    // An id on another domain than its actor's.
    let mut foreign = like.clone();
    foreign["id"] = json!("https://elsewhere.example/likes/1");
    assert_eq!(mastodon.send(&inbox, &foreign).await.0, 403);
    // An actor claiming to be one of ours.
    let mut local_actor = like.clone();
    local_actor["actor"] = json!(format!("http://{}/u/bob", a.server.domain()));
    local_actor["id"] = json!(format!("http://{}/likes/1", a.server.domain()));
    assert_eq!(mastodon.send(&inbox, &local_actor).await.0, 403);
    // An activity type we do not handle, and a body too big.
    let mut odd = like.clone();
    odd["type"] = json!("Move");
    odd["id"] = json!(mastodon.url("/odd/1"));
    assert_eq!(mastodon.send(&inbox, &odd).await.0, 422);
    let mut huge = like.clone();
    huge["content"] = json!("x".repeat(2 * 1024 * 1024));
    assert_eq!(mastodon.send(&inbox, &huge).await.0, 413);

    assert_eq!(a.thread(a.thread).await["score"], 0, "nothing was counted");
    // After all that, the genuine Like still counts once.
    a.deliver(&mastodon, "mastodon_like").await;
    assert_eq!(a.thread(a.thread).await["score"], 1);
}

/// Reports from Mastodon (its instance actor, to the reported member's
/// inbox, naming her account and her thread) and from Lemmy (a member, to
/// the group, naming a reply) become flags for the group's moderators; a
/// report naming nothing of ours is refused and flags nothing.
#[tokio::test]
async fn remote_reports_reach_the_groups_moderators() {
    let a = local(TestServer::sqlite().await).await;
    let mastodon = Remote::start().await;
    let lemmy = Remote::start().await;
    let report = a.fixture(&mastodon, "mastodon_flag");
    let (status, body) = mastodon.send(&a.server.url("/u/ann/inbox"), &report).await;
    assert_eq!(status, 202, "{body}");
    a.deliver(&lemmy, "lemmy_flag").await;

    let flags = || async { a.admin.get("/groups/support/flags").await.expect(200) };
    let seen = flags().await;
    let list = seen["flags"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{seen}");
    let (carol, instance) = (&list[0], &list[1]); // newest first
    assert_eq!(
        (&carol["object_type"], &carol["object_id"]),
        (&json!("reply"), &json!(a.reply))
    );
    assert_eq!(carol["reason"], "rude reply");
    assert_eq!(carol["by"], format!("carol@{}", lemmy.domain()));
    assert_eq!(
        (&instance["object_type"], &instance["object_id"]),
        (&json!("thread"), &json!(a.thread))
    );
    assert_eq!(instance["reason"], "Spam links in this thread");
    let domain = mastodon.domain();
    assert_eq!(instance["by"], format!("{domain}@{domain}"));

    // Only the account, or posts we do not hold: refused, nothing flagged.
    let mut account_only = report.clone();
    account_only["id"] = json!(mastodon.url("/flags/2"));
    account_only["object"] = json!([format!("http://{}/u/ann", a.server.domain())]);
    let (status, body) = mastodon.send(&a.inbox(), &account_only).await;
    assert_eq!(status, 422, "{body}");
    // The same posts reported again by the same actor: still one flag each.
    let mut again = report.clone();
    again["id"] = json!(mastodon.url("/flags/3"));
    assert_eq!(mastodon.send(&a.inbox(), &again).await.0, 202);
    assert_eq!(flags().await["flags"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn blocked_instances_are_refused_and_sent_nothing() {
    let mastodon = Remote::start().await;
    let lemmy = Remote::start().await;
    let mut a = local(TestServer::sqlite().await).await;
    let follow = a.deliver(&lemmy, "lemmy_follow").await;
    accepted(&lemmy, &follow).await;
    let follow = a.deliver(&mastodon, "mastodon_follow").await;
    accepted(&mastodon, &follow).await;

    // The admin blocks Lemmy's instance (config, applied at start).
    a.server.config.federation.block = vec![lemmy.domain()];
    a.server.restart().await;
    let mut like = a.fixture(&lemmy, "lemmy_dislike");
    like["id"] = json!(lemmy.url("/activities/dislike/blocked"));
    let (status, body) = lemmy.send(&a.inbox(), &like).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(a.thread(a.thread).await["score"], 0);

    let before = lemmy.received().len();
    let id = a
        .admin
        .post(
            "/groups/support/threads",
            json!({ "title": "Blocked", "body": "Lemmy must not see this." }),
        )
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let page = format!("http://{}/t/{id}", a.server.domain());
    received(&mastodon, "the thread reaches Mastodon", |r| {
        r.body.to_string().contains(&page)
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        lemmy.received().len(),
        before,
        "a blocked instance got mail"
    );

    // Allowlist mode: only listed instances may talk to us.
    a.server.config.federation.block = vec![];
    a.server.config.federation.mode = "allowlist".into();
    a.server.config.federation.allow = vec![mastodon.domain()];
    a.server.restart().await;
    let (status, _) = lemmy.send(&a.inbox(), &like).await;
    assert_eq!(status, 403);
    let mut fresh = a.fixture(&mastodon, "mastodon_like");
    fresh["id"] = json!(mastodon.url(&format!("{MASTODON_ALICE}#likes/allowed")));
    assert_eq!(mastodon.send(&a.inbox(), &fresh).await.0, 202);
    assert_eq!(a.thread(a.thread).await["score"], 1);
}

/// The daily cap on votes counted per remote instance, and the receipts of
/// applied activities, both kept in memory and written in batches: they
/// hold within a run and across a restart.
#[tokio::test]
async fn remote_votes_are_capped_and_receipts_survive_a_restart() {
    let remote = Remote::start().await;
    let server =
        TestServer::sqlite_with(|c| c.federation.remote_votes_per_instance_per_day = 3).await;
    let mut a = local(server).await;
    let reply_score = |a: &Local| {
        let (api, id) = (a.admin.clone(), a.reply);
        async move { api.get(&format!("/replies/{id}")).await.expect(200)["score"].clone() }
    };
    let send = |a: &Local, mut like: Value, id: &str, object: String| {
        like["id"] = json!(remote.url(id));
        like["object"] = json!(object);
        let inbox = a.inbox();
        let remote = &remote;
        async move {
            let (status, body) = remote.send(&inbox, &like).await;
            assert_eq!(status, 202, "{body}");
        }
    };
    let object = |a: &Local, name| {
        a.fixture(&remote, name)["object"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let thread_url = object(&a, "mastodon_like");
    let reply_url = object(&a, "lemmy_like");

    // An activity applied before a restart is still known after it: once
    // the Like is undone, the same Like sent again is a no-op.
    a.deliver(&remote, "mastodon_like").await;
    assert_eq!(a.thread(a.thread).await["score"], 1);
    a.server.restart().await;
    a.deliver(&remote, "mastodon_undo_like").await;
    assert_eq!(a.thread(a.thread).await["score"], 0);
    a.deliver(&remote, "mastodon_like").await;
    assert_eq!(
        a.thread(a.thread).await["score"],
        0,
        "a resend after a restart"
    );

    // Three votes from the instance count today; a refused one (the same
    // vote again) uses none of them; the fourth is accepted, not counted.
    a.deliver(&remote, "lemmy_like").await;
    assert_eq!(reply_score(&a).await, 1);
    let repeat = a.fixture(&remote, "lemmy_like");
    send(&a, repeat, "/activities/like/repeat", reply_url.clone()).await;
    assert_eq!(reply_score(&a).await, 1);
    let carol_like = a.fixture(&remote, "lemmy_like");
    send(&a, carol_like, "/activities/like/third", thread_url).await;
    assert_eq!(
        a.thread(a.thread).await["score"],
        1,
        "the third counts: the repeat used none of the cap"
    );

    // After a restart the day's count still stands.
    a.server.restart().await;
    let alice_like = a.fixture(&remote, "mastodon_like");
    send(&a, alice_like, "/users/alice#likes/fourth", reply_url).await;
    assert_eq!(reply_score(&a).await, 1, "over the cap, after a restart");
}

/// Reputation from one remote instance is capped per day: its members'
/// upvotes bring `remote_instance_daily_points` at most, whoever they go to.
#[tokio::test]
async fn points_from_one_instance_are_capped_per_day() {
    let remote = Remote::start().await;
    let server = TestServer::sqlite_with(|c| c.reputation.remote_instance_daily_points = 12).await;
    let a = local(server).await;
    let points = |user: &'static str| {
        let api = a.admin.clone();
        async move {
            api.get(&format!("/users/{user}/reputation"))
                .await
                .expect(200)["points"]
                .as_i64()
                .unwrap()
        }
    };
    // carol's upvote of bob's reply: 10 points, under the cap.
    a.deliver(&remote, "lemmy_like").await;
    assert_eq!(points("bob").await, 10);
    // alice's upvote of ann's thread would be 5; 2 are left today.
    a.deliver(&remote, "mastodon_like").await;
    assert_eq!(points("ann").await, 2);
    assert_eq!(
        a.thread(a.thread).await["score"],
        1,
        "the vote itself counts"
    );
    // Taking it back reverses what it gave, not what it would have.
    a.deliver(&remote, "mastodon_undo_like").await;
    assert_eq!(points("ann").await, 0);
}
