//! The actors we serve: a `Person` per local member, a `Group` per public
//! group, and the instance's `Application`.

use crate::Context;
use crate::protocol::actors::{
    Application, Endpoints, Group, Image, Multikey, Person, PropertyValue, PublicKey,
};
use crate::protocol::context::{context, instance_context, person_context, time};
use guildhall_core::visibility::Visibility;
use guildhall_db::{AttestationKey, FedGroup, FedUser};

/// What a local member's profile shows of their reputation here.
pub struct Standing {
    pub rank: String,
    pub points: i64,
    pub trust_level: guildhall_core::reputation::TrustLevel,
}

fn endpoints(ctx: &Context) -> Endpoints {
    Endpoints {
        shared_inbox: Some(ctx.urls.shared_inbox()),
    }
}

/// A local user as a `Person`, their rank a profile field, linking where
/// their reputation attestation is (docs/ATTESTATIONS.md).
pub fn person(ctx: &Context, u: &FedUser, standing: &Standing) -> Person {
    let id = ctx.urls.user(&u.username);
    Person {
        context: person_context(ctx.urls.reputation_context().as_str()),
        kind: Default::default(),
        preferred_username: u.username.clone(),
        name: u.display_name.clone().unwrap_or_else(|| u.username.clone()),
        summary: u.bio_html.clone(),
        url: id.clone(),
        inbox: ctx.urls.sub(&id, "inbox"),
        outbox: ctx.urls.sub(&id, "outbox"),
        followers: ctx.urls.sub(&id, "followers"),
        endpoints: endpoints(ctx),
        public_key: PublicKey::main_key(&id, u.public_key_pem.as_deref()),
        published: time(u.created_at),
        discoverable: true,
        manually_approves_followers: false,
        attachment: vec![PropertyValue {
            kind: Default::default(),
            name: "Rank".into(),
            value: format!(
                "{} · {} points · {}",
                standing.rank, standing.points, standing.trust_level
            ),
        }],
        icon: u.avatar_url.clone().map(|url| Image {
            kind: Default::default(),
            url,
        }),
        attestation: ctx.urls.current_attestation(&u.username),
        id,
    }
}

/// A local group as a `Group`, the way Lemmy describes a community.
pub fn group(ctx: &Context, g: &FedGroup) -> Group {
    let id = ctx.urls.group(&g.name);
    Group {
        context: context(),
        kind: Default::default(),
        preferred_username: g.name.clone(),
        name: g.title.clone(),
        summary: g.description_html.clone(),
        url: id.clone(),
        inbox: ctx.urls.sub(&id, "inbox"),
        outbox: ctx.urls.sub(&id, "outbox"),
        followers: ctx.urls.sub(&id, "followers"),
        attributed_to: ctx.urls.sub(&id, "moderators"),
        moderators: ctx.urls.sub(&id, "moderators"),
        featured: ctx.urls.sub(&id, "featured"),
        endpoints: endpoints(ctx),
        public_key: PublicKey::main_key(&id, g.public_key_pem.as_deref()),
        published: time(g.created_at),
        discoverable: true,
        posting_restricted_to_mods: g.posting_restricted,
        group_kind: g.kind.as_str(),
        sensitive: false,
        // A private group's followers wait for its moderators (Lemmy's
        // private communities say so the same way).
        manually_approves_followers: g.visibility == Visibility::Private,
        id,
    }
}

/// The instance actor. Besides its RSA key for HTTP signatures, it lists
/// its Ed25519 attestation keys as Multikeys under `assertionMethod`
/// (FEP-521a): the signing one, and the rotated ones with `expires`.
pub fn instance(ctx: &Context, attestation_keys: &[AttestationKey]) -> Application {
    let id = ctx.urls.instance_actor();
    Application {
        context: instance_context(),
        assertion_method: attestation_keys
            .iter()
            .map(|key| Multikey {
                id: ctx.urls.attestation_key(key.id),
                kind: Default::default(),
                controller: id.clone(),
                public_key_multibase: key.public_multibase.clone(),
                expires: key.expired_at.map(time),
            })
            .collect(),
        kind: Default::default(),
        preferred_username: ctx.urls.domain(),
        name: "Guildhall".into(),
        url: ctx.urls.base().clone(),
        inbox: ctx.urls.shared_inbox(),
        outbox: ctx.urls.sub(&id, "outbox"),
        endpoints: endpoints(ctx),
        public_key: PublicKey::main_key(&id, Some(&ctx.instance_keys.public_key_pem)),
        manually_approves_followers: true,
        id,
    }
}
