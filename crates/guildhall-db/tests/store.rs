//! The Store API against real databases: a SQLite file always, PostgreSQL
//! when GUILDHALL_TEST_POSTGRES_URL is set (each run in a fresh database).

use guildhall_core::cursor::Cursor;
use guildhall_core::ids::{ThreadId, UserId};
use guildhall_core::ranking::{Sort, TopWindow};
use guildhall_core::votes::Vote;
use guildhall_db::testing::fresh_postgres_store;
use guildhall_db::*;

async fn sqlite_store(dir: &tempfile::TempDir) -> Store {
    let url = format!(
        "sqlite:{}",
        dir.path().join("nested/guildhall.db").display()
    );
    let store = Store::connect(&url, 4)
        .await
        .unwrap()
        .with_rules(guildhall_db::testing::trusting_rules());
    store.migrate().await.unwrap();
    store
}

fn user<'a>(name: &'a str) -> NewUser<'a> {
    NewUser {
        username: name,
        password_hash: "x",
        display_name: None,
        is_admin: false,
        first_is_admin: true,
        keys: None,
    }
}

async fn exercise(store: &Store) {
    // Accounts: the first is admin, names are unique.
    let alice = store.create_user(user("alice")).await.unwrap();
    let bob = store.create_user(user("bob")).await.unwrap();
    let carol = store.create_user(user("carol")).await.unwrap();
    assert!(alice.is_admin && !bob.is_admin);
    assert!(matches!(
        store.create_user(user("alice")).await,
        Err(StoreError::Taken(_))
    ));
    assert_eq!(store.credentials("bob").await.unwrap().unwrap().1, "x");

    // Sessions.
    store
        .create_session("h1", bob.id, "api", 60_000)
        .await
        .unwrap();
    assert_eq!(
        store.session_user("h1", "api").await.unwrap().unwrap().id,
        bob.id
    );
    assert!(store.session_user("h1", "cookie").await.unwrap().is_none());
    assert!(store.delete_session("h1").await.unwrap());
    assert!(store.session_user("h1", "api").await.unwrap().is_none());
    store
        .create_session("expired", bob.id, "api", -1)
        .await
        .unwrap();
    assert!(
        store
            .session_user("expired", "api")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 1);

    // Groups: creator moderates; membership counts stay exact.
    let g = store
        .create_group(NewGroup {
            name: "support",
            title: "Support",
            description: "",
            description_html: "",
            rules: "",
            rules_html: "",
            kind: guildhall_core::kinds::GroupKind::Discussion,
            creator_id: alice.id,
            keys: None,
        })
        .await
        .unwrap();
    assert_eq!(g.member_count, 1);
    assert!(store.is_moderator(g.id, alice.id).await.unwrap());
    assert!(store.join_group(g.id, bob.id).await.unwrap());
    assert!(!store.join_group(g.id, bob.id).await.unwrap());
    assert_eq!(
        store
            .group_by_name("support")
            .await
            .unwrap()
            .unwrap()
            .member_count,
        2
    );
    assert!(store.leave_group(g.id, bob.id).await.unwrap());
    assert!(!store.leave_group(g.id, bob.id).await.unwrap());
    assert_eq!(
        store
            .group_by_name("support")
            .await
            .unwrap()
            .unwrap()
            .member_count,
        1
    );
    assert!(matches!(
        store
            .create_group(NewGroup {
                name: "support",
                title: "x",
                description: "",
                description_html: "",
                rules: "",
                rules_html: "",
                kind: guildhall_core::kinds::GroupKind::Discussion,
                creator_id: bob.id,
                keys: None,
            })
            .await,
        Err(StoreError::Taken(_))
    ));

    // Threads and votes.
    let mut ids = Vec::new();
    for i in 0..5 {
        let t = store
            .create_thread(NewThread {
                group_id: g.id,
                author_id: alice.id,
                title: &format!("t{i}"),
                body: "b",
                body_html: "<p>b</p>",
            })
            .await
            .unwrap();
        ids.push(t.id);
    }
    let t2 = VoteTarget::Thread(ids[2]);
    let tallies = store.vote(bob.id, t2, Some(Vote::Up)).await.unwrap();
    assert_eq!(
        (tallies.score, tallies.upvotes, tallies.downvotes),
        (1, 1, 0)
    );
    assert!(matches!(
        store.vote(bob.id, t2, Some(Vote::Up)).await,
        Err(StoreError::Rule(_))
    ));
    let tallies = store.vote(carol.id, t2, Some(Vote::Up)).await.unwrap();
    assert_eq!(tallies.score, 2);
    let tallies = store.vote(carol.id, t2, Some(Vote::Down)).await.unwrap();
    assert_eq!(
        (tallies.score, tallies.upvotes, tallies.downvotes),
        (0, 1, 1)
    );
    let tallies = store.vote(carol.id, t2, None).await.unwrap();
    assert_eq!(
        (tallies.score, tallies.upvotes, tallies.downvotes),
        (1, 1, 0)
    );
    assert!(matches!(
        store.vote(carol.id, t2, None).await,
        Err(StoreError::Rule(_))
    ));
    assert!(matches!(
        store.vote(alice.id, t2, Some(Vote::Up)).await,
        Err(StoreError::Rule(_))
    ));
    assert!(matches!(
        store
            .vote(
                bob.id,
                VoteTarget::Thread(ThreadId(999_999)),
                Some(Vote::Up)
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    store
        .vote(bob.id, VoteTarget::Thread(ids[4]), Some(Vote::Down))
        .await
        .unwrap();
    assert_eq!(
        store
            .thread(ids[2], Some(bob.id))
            .await
            .unwrap()
            .unwrap()
            .my_vote,
        Some(1)
    );
    assert_eq!(
        store.thread(ids[2], None).await.unwrap().unwrap().my_vote,
        None
    );

    // Listings page through every thread exactly once, in order.
    for sort in [
        Sort::New,
        Sort::Hot,
        Sort::Active,
        Sort::Top(TopWindow::All),
        Sort::Top(TopWindow::Day),
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let page = store
                .list_threads(g.id, sort, cursor, 2, None)
                .await
                .unwrap();
            seen.extend(page.items.iter().map(|t| t.id));
            match page.next {
                Some(c) => cursor = Some(Cursor::decode(&c.encode()).unwrap()),
                None => break,
            }
        }
        let mut expected = seen.clone();
        expected.sort();
        expected.dedup();
        assert_eq!(seen.len(), 5, "{sort:?}: {seen:?}");
        assert_eq!(expected.len(), 5, "{sort:?}: {seen:?}");
        if let Sort::Top(_) = sort {
            assert_eq!(seen[0], ids[2]);
            assert_eq!(*seen.last().unwrap(), ids[4]);
        }
        if sort == Sort::New {
            assert_eq!(seen, ids.iter().rev().copied().collect::<Vec<_>>());
        }
    }

    // Replies nest, tombstones keep children, counts move.
    let r1 = store
        .create_reply(NewReply {
            thread_id: ids[0],
            parent_id: None,
            author_id: bob.id,
            body: "r1",
            body_html: "r1",
        })
        .await
        .unwrap();
    let r2 = store
        .create_reply(NewReply {
            thread_id: ids[0],
            parent_id: Some(r1.id),
            author_id: carol.id,
            body: "r2",
            body_html: "r2",
        })
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_reply(NewReply {
                thread_id: ids[1],
                parent_id: Some(r1.id),
                author_id: carol.id,
                body: "x",
                body_html: "x"
            })
            .await,
        Err(StoreError::Rule(_))
    ));
    store.delete_reply(r1.id).await.unwrap();
    assert!(matches!(
        store.delete_reply(r1.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .create_reply(NewReply {
                thread_id: ids[0],
                parent_id: Some(r1.id),
                author_id: carol.id,
                body: "x",
                body_html: "x"
            })
            .await,
        Err(StoreError::Rule(_))
    ));
    let replies = store.replies(ids[0], None, 100).await.unwrap();
    assert_eq!(replies.len(), 2);
    assert!(replies[0].deleted_at.is_some() && replies[0].body.is_empty());
    assert_eq!(replies[1].parent_id, Some(r1.id));
    assert_eq!(
        store
            .thread(ids[0], None)
            .await
            .unwrap()
            .unwrap()
            .reply_count,
        2
    );
    store
        .vote(bob.id, VoteTarget::Reply(r2.id), Some(Vote::Up))
        .await
        .unwrap();
    assert_eq!(
        store
            .reply(r2.id, Some(bob.id))
            .await
            .unwrap()
            .unwrap()
            .my_vote,
        Some(1)
    );

    // Active sort follows the latest reply.
    let page = store
        .list_threads(g.id, Sort::Active, None, 1, None)
        .await
        .unwrap();
    assert_eq!(page.items[0].id, ids[0]);

    // Edits and thread tombstones.
    store
        .edit_thread(ids[1], "new title", "nb", "<p>nb</p>")
        .await
        .unwrap();
    let t = store.thread(ids[1], None).await.unwrap().unwrap();
    assert_eq!(t.title, "new title");
    assert!(t.edited_at.is_some());
    store.delete_thread(ids[0]).await.unwrap();
    assert!(matches!(
        store.edit_thread(ids[0], "x", "y", "z").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .create_reply(NewReply {
                thread_id: ids[0],
                parent_id: None,
                author_id: carol.id,
                body: "x",
                body_html: "x"
            })
            .await,
        Err(StoreError::Rule(_))
    ));
    assert_eq!(
        store.replies(ids[0], None, 100).await.unwrap().len(),
        2,
        "replies survive the thread's deletion"
    );
    let g2 = store.group_by_name("support").await.unwrap().unwrap();
    assert_eq!(g2.thread_count, 4);
    let listed = store
        .list_threads(g.id, Sort::New, None, 50, None)
        .await
        .unwrap();
    assert!(listed.items.iter().all(|t| t.id != ids[0]));
}

#[tokio::test]
async fn store_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    exercise(&store).await;
    store.close().await;
    // The file keeps everything across a reopen, and migrating twice is a no-op.
    let store = sqlite_store(&dir).await;
    assert!(store.user_by_name("alice").await.unwrap().is_some());
    let mode: String = store.journal_mode().await.unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
}

#[tokio::test]
async fn store_on_postgres() {
    let Some(store) = fresh_postgres_store("store_on_postgres").await.unwrap() else {
        return;
    };
    exercise(&store).await;
}

#[tokio::test]
async fn concurrent_votes_keep_tallies_exact_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    concurrent_votes(sqlite_store(&dir).await).await;
}

#[tokio::test]
async fn concurrent_votes_keep_tallies_exact_on_postgres() {
    let Some(store) = fresh_postgres_store("concurrent_votes_keep_tallies_exact_on_postgres")
        .await
        .unwrap()
    else {
        return;
    };
    concurrent_votes(store).await;
}

/// The group `g`, made by `creator`, for the concurrency tests.
async fn group_g(store: &Store, creator: i64) -> Group {
    store
        .create_group(NewGroup {
            name: "g",
            title: "G",
            description: "",
            description_html: "",
            rules: "",
            rules_html: "",
            kind: guildhall_core::kinds::GroupKind::Discussion,
            creator_id: UserId(creator),
            keys: None,
        })
        .await
        .unwrap()
}

async fn concurrent_votes(store: Store) {
    let author = store.create_user(user("author")).await.unwrap();
    let g = group_g(&store, author.id.get()).await;
    let t = store
        .create_thread(NewThread {
            group_id: g.id,
            author_id: author.id,
            title: "t",
            body: "b",
            body_html: "b",
        })
        .await
        .unwrap();
    let mut voters = Vec::new();
    for i in 0..20 {
        voters.push(store.create_user(user(&format!("v{i}"))).await.unwrap().id);
    }
    // Refusals mixed in: the author on their own thread, and every fifth
    // voter voting the same way twice. On SQLite the votes are committed in
    // batches; a refusal must not take the rest of its batch with it.
    let mut ballots: Vec<(i64, Vote)> = Vec::new();
    for (i, v) in voters.into_iter().enumerate() {
        let vote = if i % 4 == 0 { Vote::Down } else { Vote::Up };
        ballots.push((v.get(), vote));
        if i % 5 == 0 {
            ballots.push((v.get(), vote));
        }
    }
    ballots.push((author.id.get(), Vote::Up));
    let mut tasks = Vec::new();
    for (v, vote) in ballots {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.vote(UserId(v), VoteTarget::Thread(t.id), Some(vote))
                .await
        }));
    }
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => {}
            Err(StoreError::Rule(_)) => refused += 1,
            Err(e) => panic!("a vote failed: {e}"),
        }
    }
    assert_eq!(refused, 5, "four repeated votes and the author's own");
    let t = store.thread(t.id, None).await.unwrap().unwrap();
    assert_eq!((t.upvotes, t.downvotes, t.score), (15, 5, 10));
}

#[tokio::test]
async fn concurrent_follows_keep_the_member_count_exact_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    concurrent_follows(sqlite_store(&dir).await).await;
}

#[tokio::test]
async fn concurrent_follows_keep_the_member_count_exact_on_postgres() {
    let Some(store) = fresh_postgres_store("concurrent_follows_on_postgres")
        .await
        .unwrap()
    else {
        return;
    };
    concurrent_follows(store).await;
}

/// Remote follows of one group arriving at once each count once (the
/// count was once recounted in each transaction, and two at once on
/// PostgreSQL each missed the other), and a repeated Follow not again.
async fn concurrent_follows(store: Store) {
    let owner = store.create_user(user("owner")).await.unwrap();
    let g = group_g(&store, owner.id.get()).await;
    let before = store
        .group_by_name("g")
        .await
        .unwrap()
        .unwrap()
        .member_count;
    let mut followers = Vec::new();
    for i in 0..20 {
        let remote = guildhall_db::testing::remote_user(&format!("f{i}"), "b.example");
        followers.push(store.upsert_remote_user(&remote).await.unwrap().id);
    }
    let follow = |s: Store, user: UserId, n: u32| async move {
        let id = format!("https://b.example/follows/{user}/{n}");
        s.add_follower(g.id, user, &id, "{}").await.unwrap();
    };
    let tasks: Vec<_> = followers
        .iter()
        .map(|&f| tokio::spawn(follow(store.clone(), f, 1)))
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let count = |s: Store| async move { s.group_by_name("g").await.unwrap().unwrap().member_count };
    assert_eq!(count(store.clone()).await, before + 20);
    follow(store.clone(), followers[0], 2).await;
    assert_eq!(count(store.clone()).await, before + 20, "a repeated Follow");
}

/// The delivery queue: a failure backs the instance off; dropping an
/// undeliverable delivery leaves that back-off alone; a success clears it.
#[tokio::test]
async fn queue_back_off_drop_and_success() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    let alice = store.create_user(user("alice")).await.unwrap();
    let g = store
        .create_group(NewGroup {
            name: "support",
            title: "Support",
            description: "",
            description_html: "",
            rules: "",
            rules_html: "",
            kind: guildhall_core::kinds::GroupKind::Discussion,
            creator_id: alice.id,
            keys: None,
        })
        .await
        .unwrap();
    store
        .create_thread(NewThread {
            group_id: g.id,
            author_id: alice.id,
            title: "t",
            body: "b",
            body_html: "<p>b</p>",
        })
        .await
        .unwrap();
    let event = store.pending_events(10).await.unwrap().pop().unwrap();
    let out = |n: u32| Outbound {
        ap_id: format!("https://here.example/activities/{n}"),
        signer: "https://here.example/u/alice".into(),
        body: "{}".into(),
        inboxes: vec![format!("https://there.example/inbox/{n}")],
    };
    store
        .expand_event(event.id, &[out(1), out(2), out(3)])
        .await
        .unwrap();
    let queued = store.deliveries_for("there.example", 0, 10).await.unwrap();
    assert_eq!(queued.len(), 3);
    let state = || async {
        store
            .instance_state("there.example")
            .await
            .unwrap()
            .unwrap()
    };

    store
        .delivery_failed(
            queued[0].id,
            "there.example",
            "timed out",
            |_| i64::MAX,
            i64::MAX,
        )
        .await
        .unwrap();
    assert_eq!(state().await.failures, 1);
    assert!(
        store.due_domains(now_ms(), 10).await.unwrap().is_empty(),
        "backing off"
    );

    store.drop_delivery(queued[1].id).await.unwrap();
    let after_drop = state().await;
    assert_eq!((after_drop.failures, after_drop.queued), (1, 2));
    assert_eq!(after_drop.last_success_at, None);

    store
        .delivery_done(queued[2].id, "there.example")
        .await
        .unwrap();
    let after_success = state().await;
    assert_eq!((after_success.failures, after_success.queued), (0, 1));
    assert!(after_success.last_success_at.is_some());
    assert_eq!(
        store.due_domains(now_ms(), 10).await.unwrap(),
        ["there.example"]
    );
}
