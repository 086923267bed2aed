//! The activities we accept. The inbox reads every one as an [`Incoming`]
//! first (the fields its signature and origin checks need); once those
//! passed, [`Activity::parse`] gives it its own type, which the handlers in
//! [`crate::activities`] verify and receive.
//!
//! Reading stays as tolerant as peers need: any property may be one value
//! or many, a reference may be a URL, an object or a Link ([`shapes`]), and
//! unknown fields are ignored.

use super::objects::PostJson;
use super::shapes::{self, value_id, value_type};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

/// Any activity, with the fields every handler reads; the rest stays in `object`.
#[derive(Debug, Clone, Deserialize)]
pub struct Incoming {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "shapes::required_url")]
    pub actor: Url,
    #[serde(default)]
    pub object: Value,
    #[serde(default, deserialize_with = "shapes::urls")]
    pub to: Vec<Url>,
    #[serde(default, deserialize_with = "shapes::urls")]
    pub cc: Vec<Url>,
    #[serde(default, deserialize_with = "shapes::first_url")]
    pub audience: Option<Url>,
    /// What a moderator's action is about besides its object: the featured
    /// or moderators collection of an `Add`/`Remove`, the group of a `Block`.
    #[serde(default, deserialize_with = "shapes::first_url")]
    pub target: Option<Url>,
    /// A moderator's reason (Lemmy's `summary`), and a ban's terms.
    #[serde(default)]
    pub summary: Option<Value>,
    #[serde(default, rename = "removeData")]
    pub remove_data: Option<Value>,
    #[serde(default)]
    pub expires: Option<Value>,
    #[serde(default, rename = "endTime")]
    pub end_time: Option<Value>,
}

/// Why an activity is not one we can take: an unknown type, or an object
/// of the wrong kind or shape (answered 422).
#[derive(Debug)]
pub struct Unsupported(pub String);

/// An accepted activity, typed.
#[derive(Debug)]
pub enum Activity {
    Follow(Follow),
    Accept(Accept),
    Reject(Reject),
    Undo(Undo),
    Create(Box<Create>),
    Update(Box<Create>),
    Delete(Delete),
    Like(Like),
    Dislike(Dislike),
    Announce(Announce),
    Flag(Flag),
    Offer(Offer),
    Lock(ModAction),
    Add(ModAction),
    Remove(ModAction),
    Block(ModAction),
}

impl Activity {
    /// The activity `incoming` is, by its type.
    pub fn parse(incoming: &Incoming) -> Result<Activity, Unsupported> {
        let object = &incoming.object;
        Ok(match incoming.kind.as_str() {
            "Follow" => Activity::Follow(Follow {
                object: value_id(object),
            }),
            "Accept" => Activity::Accept(Accept {
                follow: value_id(object),
            }),
            "Reject" => Activity::Reject(Reject {
                follow: value_id(object),
            }),
            "Undo" => Activity::Undo(Undo::read(object)),
            "Create" => Activity::Create(Box::new(Create::read(incoming)?)),
            "Update" => Activity::Update(Box::new(Create::read(incoming)?)),
            "Delete" => Activity::Delete(Delete {
                object: value_id(object),
            }),
            "Like" => Activity::Like(Like {
                object: value_id(object),
            }),
            "Dislike" => Activity::Dislike(Dislike {
                object: value_id(object),
            }),
            "Announce" => Activity::Announce(Announce {
                object: object.clone(),
            }),
            "Flag" => Activity::Flag(Flag::read(object)),
            "Lock" => Activity::Lock(ModAction::read(incoming)),
            "Add" => Activity::Add(ModAction::read(incoming)),
            "Remove" => Activity::Remove(ModAction::read(incoming)),
            "Block" => Activity::Block(ModAction::read(incoming)),
            "Offer" if is_attestation(object) => Activity::Offer(Offer {
                attestation: object.clone(),
            }),
            other => {
                return Err(Unsupported(format!(
                    "the activity type {other:?} is not supported here"
                )));
            }
        })
    }
}

/// Whether an object is a reputation attestation (its `type` lists it).
fn is_attestation(object: &Value) -> bool {
    object
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|t| t == "ReputationAttestation"))
}

/// A remote actor follows one of our groups.
#[derive(Debug)]
pub struct Follow {
    /// The group followed.
    pub object: Option<Url>,
}

/// A remote group accepts one of our Follows (Lemmy embeds our Follow;
/// others may send just its id).
#[derive(Debug)]
pub struct Accept {
    pub follow: Option<Url>,
}

/// A remote group refuses one of our Follows, or later removes the member.
#[derive(Debug)]
pub struct Reject {
    pub follow: Option<Url>,
}

/// Undo of an activity, which must be embedded.
#[derive(Debug)]
pub struct Undo {
    /// The undone activity's `type`; none when it is not embedded.
    pub kind: Option<String>,
    /// Who did what is undone: only they may undo it.
    pub actor: Option<Url>,
    /// What the undone activity was about (a group, a post).
    pub object: Option<Url>,
    /// The undone activity's `target` (the group a `Block` was from).
    pub target: Option<Url>,
}

impl Undo {
    fn read(inner: &Value) -> Undo {
        Undo {
            kind: value_type(inner).map(str::to_owned),
            actor: inner.get("actor").and_then(value_id),
            object: inner.get("object").and_then(value_id),
            target: inner.get("target").and_then(value_id),
        }
    }
}

/// A moderator's action (Lemmy's shapes): `Lock` a post, `Add`/`Remove`
/// one to the group's featured collection or a person to its moderators
/// collection (`target`), `Block` a person from a group (`target`).
#[derive(Debug)]
pub struct ModAction {
    pub object: Option<Url>,
    pub target: Option<Url>,
    /// The reason, if one was given as text.
    pub reason: String,
    /// A Block's: whether the person's posts go too, and when it ends.
    pub remove_data: bool,
    pub expires: Option<String>,
}

impl ModAction {
    fn read(incoming: &Incoming) -> ModAction {
        let text = |v: &Option<Value>| v.as_ref().and_then(Value::as_str).map(str::to_owned);
        ModAction {
            object: value_id(&incoming.object),
            target: incoming.target.clone(),
            reason: text(&incoming.summary).unwrap_or_default(),
            remove_data: incoming
                .remove_data
                .as_ref()
                .and_then(Value::as_bool)
                .unwrap_or(false),
            expires: text(&incoming.expires).or_else(|| text(&incoming.end_time)),
        }
    }
}

/// Create or Update of a post: a `Page` (thread) or `Note`/`Article`/
/// `Question` (reply, or a thread when it replies to nothing and addresses
/// a group). Lemmy sends a Create of what we have as an edit, so the two
/// are one.
#[derive(Debug)]
pub struct Create {
    pub post: PostJson,
    /// The activity's addressing, which may make the post public.
    pub to: Vec<Url>,
    pub cc: Vec<Url>,
}

impl Create {
    fn read(incoming: &Incoming) -> Result<Create, Unsupported> {
        let object = &incoming.object;
        let kind = value_type(object)
            .ok_or_else(|| Unsupported("Create and Update must embed their object".into()))?;
        if !matches!(kind, "Page" | "Note" | "Article" | "Question") {
            return Err(Unsupported(format!(
                "objects of type {kind:?} are not supported here"
            )));
        }
        let post = serde_json::from_value(object.clone())
            .map_err(|e| Unsupported(format!("malformed {kind}: {e}")))?;
        Ok(Create {
            post,
            to: incoming.to.clone(),
            cc: incoming.cc.clone(),
        })
    }

    /// Whether the post or its activity addresses the public: groups are
    /// public, so a direct or followers-only post must not join them.
    pub fn is_public(&self) -> bool {
        let p = &self.post;
        [&p.to, &p.cc, &self.to, &self.cc]
            .iter()
            .any(|list| list.iter().any(shapes::is_public))
    }
}

/// Delete of a post, an attestation, or (ignored) an actor. `object` may be
/// a bare id (Lemmy) or an object such as a `Tombstone` (Mastodon).
#[derive(Debug)]
pub struct Delete {
    pub object: Option<Url>,
}

/// An upvote (Mastodon's favourite is one too).
#[derive(Debug)]
pub struct Like {
    pub object: Option<Url>,
}

/// A downvote.
#[derive(Debug)]
pub struct Dislike {
    pub object: Option<Url>,
}

/// A remote group relays what happened in it (FEP-1b12).
#[derive(Debug)]
pub struct Announce {
    /// The announced activity, or a bare post (Mastodon-style boosts).
    pub object: Value,
}

impl Announce {
    /// What the group announces, as the activity its actor would have sent:
    /// an embedded activity as it is, a bare post as its author's Create.
    /// `group` is the announcing group's id.
    pub fn announced(&self, group: &Url) -> Result<Incoming, Unsupported> {
        let object = &self.object;
        match value_type(object) {
            Some("Page" | "Note" | "Article" | "Question") => {
                let author = object
                    .get("attributedTo")
                    .and_then(value_id)
                    .ok_or_else(|| Unsupported("the announced post has no author".into()))?;
                let id = value_id(object)
                    .ok_or_else(|| Unsupported("the announced post has no id".into()))?;
                Ok(Incoming::create(id, author, object.clone(), group))
            }
            Some(_) => serde_json::from_value(object.clone())
                .map_err(|e| Unsupported(format!("malformed announced activity: {e}"))),
            None => Err(Unsupported("Announce must embed what it announces".into())),
        }
    }
}

impl Incoming {
    /// A post that `group` vouches for, as its author's Create. Its id is
    /// the post's own, which is on its author's domain.
    pub fn create(id: Url, author: Url, post: Value, group: &Url) -> Incoming {
        Incoming {
            id,
            kind: "Create".into(),
            actor: author,
            object: post,
            to: vec![],
            cc: vec![],
            audience: Some(group.clone()),
            target: None,
            summary: None,
            remove_data: None,
            expires: None,
            end_time: None,
        }
    }
}

/// The most objects of one report looked at (Mastodon names the account
/// and each status chosen; a longer list is not a report from a person).
const MAX_FLAGGED: usize = 50;

/// A report: Mastodon's names an account and statuses, Lemmy's one post.
#[derive(Debug)]
pub struct Flag {
    pub objects: Vec<Url>,
}

impl Flag {
    fn read(object: &Value) -> Flag {
        let objects = match object {
            Value::Array(items) => items
                .iter()
                .take(MAX_FLAGGED)
                .filter_map(value_id)
                .collect(),
            one => value_id(one).into_iter().collect(),
        };
        Flag { objects }
    }
}

/// A partner offers one of its members' reputation attestations.
#[derive(Debug)]
pub struct Offer {
    /// The credential as offered: its proof covers every byte, so it is
    /// checked as the JSON it came as (docs/ATTESTATIONS.md).
    pub attestation: Value,
}
