//! Attestations and the partner-trust policy through the Store, on SQLite
//! and (when GUILDHALL_TEST_POSTGRES_URL is set) PostgreSQL: issuing and
//! revoking ours (a ban revokes and queues the revocation); a partner's
//! attested trust level counts, capped, only while the partner is trusted
//! and the attestation valid and not revoked; a partner's weight scales
//! its members' votes.

use guildhall_core::ids::UserId;
use guildhall_core::reputation::{Rules, TrustLevel};
use guildhall_core::votes::Vote;
use guildhall_db::testing::fresh_postgres_store;
use guildhall_db::*;

fn user(name: &str) -> NewUser<'_> {
    NewUser {
        username: name,
        password_hash: "x",
        display_name: None,
        is_admin: false,
        first_is_admin: true,
        keys: None,
    }
}

fn remote(name: &str) -> RemoteUser {
    guildhall_db::testing::remote_user(name, "brand-a.example")
}

fn attested(user_id: UserId, id: &str, trust_level: i64, valid_until: i64) -> ImportedAttestation {
    ImportedAttestation {
        user_id,
        ap_id: id.into(),
        issuer: "https://brand-a.example/actor".into(),
        domain: "brand-a.example".into(),
        key_id: "https://brand-a.example/actor#ed25519-key-1".into(),
        document: "{}".into(),
        points: 1240,
        rank_title: "Expert".into(),
        trust_level,
        valid_until,
        verified_at: now_ms(),
        revoked_at: None,
    }
}

fn partner(percent: i64, cap: i64) -> Partner {
    Partner {
        domain: "brand-a.example".into(),
        trust_percent: percent,
        max_trust_level: cap,
        show_imported: true,
    }
}

async fn exercise(store: Store) {
    assert_eq!(store.rules(), &Rules::default());
    let ann = store.create_user(user("ann")).await.unwrap();
    let alice = store.upsert_remote_user(&remote("alice")).await.unwrap();
    let level = |id| {
        let store = store.clone();
        async move { store.trust_level(id).await.unwrap() }
    };
    let day = 86_400_000;

    // Ours: issued, then a ban revokes it and queues the revocation.
    let issued = store
        .issue_attestation(ann.id, "fp", now_ms() + 30 * day, |id| {
            Ok::<_, ()>(format!("{{\"id\":{id}}}"))
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(issued.document, format!("{{\"id\":{}}}", issued.id));
    let refused = store
        .issue_attestation(ann.id, "fp", now_ms(), |_| Err("no key"))
        .await
        .unwrap();
    assert_eq!(refused, Err("no key"));
    assert_eq!(
        store.current_attestation(ann.id).await.unwrap(),
        Some(issued.clone()),
        "a failed signing stores nothing"
    );
    assert!(
        store
            .attestation_delivered(
                issued.id,
                "brand-b.example",
                "https://brand-b.example/inbox"
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .attestation_delivered(
                issued.id,
                "brand-b.example",
                "https://brand-b.example/inbox"
            )
            .await
            .unwrap(),
        "once per instance"
    );
    assert_eq!(store.queue_attestation_renewals().await.unwrap(), 1);
    assert_eq!(
        store.queue_attestation_renewals().await.unwrap(),
        0,
        "one renewal pending per member"
    );
    let events_before = store.pending_events(100).await.unwrap().len();
    store.ban_user(ann.id, None, "").await.unwrap();
    let revoked = store.current_attestation(ann.id).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_why.as_deref(), Some("banned"));
    let events = store.pending_events(100).await.unwrap();
    assert_eq!(events.len(), events_before + 1);
    assert_eq!(events.last().unwrap().kind, EventKind::Revoke);
    let revoked_at = |event: &Event| event.payload.as_deref().unwrap().parse::<i64>().unwrap();
    let first_revocation = revoked_at(events.last().unwrap());
    assert_eq!(
        store
            .revoked_attestation_holders(ann.id, Some(first_revocation))
            .await
            .unwrap(),
        vec![(issued.id, "https://brand-b.example/inbox".to_owned())]
    );
    assert_eq!(store.revoke_attestations(ann.id, "again").await.unwrap(), 0);

    // A later one, offered elsewhere and revoked in turn: its revocation
    // names only it, not the one announced before.
    let later = store
        .issue_attestation(ann.id, "fp2", now_ms() + 30 * day, |id| {
            Ok::<_, ()>(format!("{{\"id\":{id}}}"))
        })
        .await
        .unwrap()
        .unwrap();
    store
        .attestation_delivered(later.id, "c.example", "https://c.example/inbox")
        .await
        .unwrap();
    assert_eq!(
        store.attestation_holders(ann.id).await.unwrap(),
        vec![
            (
                "brand-b.example".to_owned(),
                "https://brand-b.example/inbox".to_owned()
            ),
            ("c.example".to_owned(), "https://c.example/inbox".to_owned()),
        ]
    );
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    assert_eq!(
        store
            .revoke_attestations(ann.id, "withdrawn")
            .await
            .unwrap(),
        1
    );
    let events = store.pending_events(100).await.unwrap();
    let second_revocation = revoked_at(events.last().unwrap());
    assert_eq!(
        store
            .revoked_attestation_holders(ann.id, Some(second_revocation))
            .await
            .unwrap(),
        vec![(later.id, "https://c.example/inbox".to_owned())]
    );
    assert_eq!(
        store
            .revoked_attestation_holders(ann.id, None)
            .await
            .unwrap()
            .len(),
        2
    );

    // Theirs: held, but nothing changes until the partner is trusted.
    assert!(
        store
            .import_attestation(&attested(alice.id, "a-1", 3, now_ms() + day))
            .await
            .unwrap()
    );
    assert_eq!(level(alice.id).await, TrustLevel::Tl0, "not a partner");
    store.set_partner(&partner(50, 2)).await.unwrap();
    assert_eq!(level(alice.id).await, TrustLevel::Tl2, "min(TL3, cap TL2)");
    store.set_partner(&partner(50, 4)).await.unwrap();
    assert_eq!(level(alice.id).await, TrustLevel::Tl3);
    assert_eq!(store.partners().await.unwrap(), vec![partner(50, 4)]);
    assert!(store.set_partner(&partner(101, 2)).await.is_err());
    assert!(store.set_partner(&partner(50, 5)).await.is_err());

    // Her upvote (TL3 here by attestation) on bob's thread weighs half.
    let bob = store.create_user(user("bob")).await.unwrap();
    let group = store
        .create_group(NewGroup {
            name: "support",
            title: "Support",
            description: "",
            description_html: "",
            rules: "",
            rules_html: "",
            kind: guildhall_core::kinds::GroupKind::Discussion,
            creator_id: bob.id,
            keys: None,
        })
        .await
        .unwrap();
    let thread = store
        .create_thread(NewThread {
            group_id: group.id,
            author_id: bob.id,
            title: "a thread",
            body: "hello",
            body_html: "hello",
        })
        .await
        .unwrap();
    store
        .vote(alice.id, VoteTarget::Thread(thread.id), Some(Vote::Up))
        .await
        .unwrap();
    assert_eq!(
        store.member_reputation(bob.id).await.unwrap().total,
        2,
        "5 points at half weight"
    );

    // An older one does not replace it; a revocation by the issuer ends it.
    assert!(
        !store
            .import_attestation(&attested(alice.id, "a-0", 4, now_ms() + day / 2))
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_imported_attestation("a-1", "https://c.example/actor")
            .await
            .unwrap(),
        "only its issuer revokes it"
    );
    assert!(
        store
            .revoke_imported_attestation("a-1", "https://brand-a.example/actor")
            .await
            .unwrap()
    );
    assert!(
        store
            .revoked_imported("a-1", "brand-a.example")
            .await
            .unwrap()
    );
    assert_eq!(
        level(alice.id).await,
        TrustLevel::Tl0,
        "revoked: it counts no more"
    );
    let held = store.held_attestation(alice.id).await.unwrap().unwrap();
    assert!(held.0.revoked_at.is_some());

    // A newer one applies again, and none without trust.
    store
        .import_attestation(&attested(alice.id, "a-2", 3, now_ms() + 2 * day))
        .await
        .unwrap();
    assert_eq!(level(alice.id).await, TrustLevel::Tl3);
    store
        .import_attestation(&attested(alice.id, "a-3", 3, now_ms() + 3 * day))
        .await
        .unwrap();
    assert!(store.remove_partner("brand-a.example").await.unwrap());
    assert_eq!(level(alice.id).await, TrustLevel::Tl0, "no longer trusted");
    assert!(!store.remove_partner("brand-a.example").await.unwrap());

    // Many readers at once, more than the pool's connections: each reading
    // holds one connection at a time, so none waits for another forever
    // (it once held one while asking for a second, and a burst of profile
    // fetches left every connection waiting: pool timeouts after 10 s).
    let readers = (0..12).map(|_| store.member_reputation(alice.id));
    for read in futures::future::join_all(readers).await {
        assert!(read.unwrap().attestation.is_some());
    }
    store.close().await;
}

#[tokio::test]
async fn attestations_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("g.db").display());
    let store = Store::connect(&url, 4).await.unwrap();
    store.migrate().await.unwrap();
    exercise(store).await;
}

#[tokio::test]
async fn attestations_on_postgres() {
    let Some(store) = fresh_postgres_store("attestations_on_postgres")
        .await
        .unwrap()
    else {
        return;
    };
    exercise(store.with_rules(Rules::default())).await;
}
