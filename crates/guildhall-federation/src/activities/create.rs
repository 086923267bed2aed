//! Create and Update of a `Page` (thread) or `Note`/`Article` (reply, or a
//! thread when it replies to nothing and addresses a group, as a Mastodon
//! post mentioning `@group@host` does).

use super::Inbound;
use super::posts::{Post, PostKind, find_group};
use crate::FedError;
use crate::content::{sanitize_html, text_of, title_from};
use activitypub_federation::protocol::helpers::deserialize_one_or_many;
use chrono::DateTime;
use guildhall_db::{FedGroup, Federated, NewReply, NewThread, StoreError};
use serde::Deserialize;
use url::Url;

/// The public collection, as servers spell it.
fn is_public(url: &Url) -> bool {
    matches!(url.as_str(), crate::outbox::PUBLIC | "as:Public")
}

/// The longest title we store; longer remote titles are cut.
const TITLE_MAX: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostJson {
    pub id: Url,
    #[serde(deserialize_with = "deserialize_one_or_many")]
    pub attributed_to: Vec<Url>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub source: Option<Source>,
    #[serde(default)]
    pub in_reply_to: Option<Url>,
    #[serde(default, deserialize_with = "super::optional_id_of")]
    pub audience: Option<Url>,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub to: Vec<Url>,
    #[serde(default, deserialize_with = "deserialize_one_or_many")]
    pub cc: Vec<Url>,
    #[serde(default)]
    pub tag: Vec<serde_json::Value>,
    #[serde(default)]
    pub published: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub content: String,
    pub media_type: Option<String>,
}

impl PostJson {
    fn html(&self) -> String {
        sanitize_html(self.content.as_deref().unwrap_or_default())
    }

    /// The Markdown source when sent (Lemmy, Guildhall), else the text.
    fn body(&self) -> String {
        match &self.source {
            Some(s) if s.media_type.as_deref().is_none_or(|m| m == "text/markdown") => {
                s.content.clone()
            }
            _ => text_of(self.content.as_deref().unwrap_or_default()),
        }
    }

    fn title(&self) -> String {
        let given = self
            .name
            .as_deref()
            .or(self.summary.as_deref())
            .map(text_of)
            .filter(|t| !t.is_empty());
        match given {
            Some(t) => title_from(&t, TITLE_MAX),
            // A status has no title: its first line, minus leading mentions.
            None => {
                let text = text_of(self.content.as_deref().unwrap_or_default());
                let first = text
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or_default();
                let words: Vec<&str> = first
                    .split_whitespace()
                    .skip_while(|w| w.starts_with('@'))
                    .collect();
                title_from(&words.join(" "), TITLE_MAX)
            }
        }
    }

    fn published_ms(&self) -> i64 {
        self.published
            .as_deref()
            .and_then(|p| DateTime::parse_from_rfc3339(p).ok())
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(guildhall_db::now_ms)
    }

    /// Every URL the post is addressed to or mentions, audience first.
    fn addressees(&self) -> Vec<Url> {
        let mentions = self
            .tag
            .iter()
            .filter(|t| super::value_type(t) == Some("Mention"))
            .filter_map(|t| {
                t.get("href")
                    .and_then(|h| h.as_str())
                    .and_then(|h| Url::parse(h).ok())
            });
        self.audience
            .iter()
            .cloned()
            .chain(self.to.iter().cloned())
            .chain(self.cc.iter().cloned())
            .chain(mentions)
            .collect()
    }
}

pub async fn receive(inbound: &Inbound<'_>) -> Result<(), FedError> {
    let object = &inbound.activity.object;
    let kind = super::value_type(object).ok_or_else(|| {
        FedError::Unprocessable("Create and Update must embed their object".into())
    })?;
    if !matches!(kind, "Page" | "Note" | "Article" | "Question") {
        return Err(FedError::Unprocessable(format!(
            "objects of type {kind:?} are not supported here"
        )));
    }
    let post: PostJson = serde_json::from_value(object.clone())
        .map_err(|e| FedError::Unprocessable(format!("malformed {kind}: {e}")))?;
    let user = inbound.user()?;
    // An actor changes only its own objects, with ids on its own domain.
    if !post
        .attributed_to
        .iter()
        .any(|a| a == inbound.actor.ap_id())
    {
        return Err(FedError::Forbidden(
            "the object is attributed to someone else".into(),
        ));
    }
    if guildhall_db::domain_of(post.id.as_str()) != Some(inbound.actor.domain()) {
        return Err(FedError::Forbidden(
            "the object's id is not on the actor's domain".into(),
        ));
    }

    // Groups are public: a direct or followers-only post addressed to a
    // member here must not be shown to everyone (Lemmy refuses them too).
    let activity = inbound.activity;
    let addressed = [&post.to, &post.cc, &activity.to, &activity.cc];
    if !addressed.iter().any(|list| list.iter().any(is_public)) {
        return Err(FedError::Unprocessable(
            "only public posts can join a group's threads; direct and followers-only posts stay private"
                .into(),
        ));
    }

    let ctx = inbound.data;
    if let Some(existing) = Post::find(ctx, &post.id).await? {
        return update(inbound, &post, existing, user.id).await;
    }
    match &post.in_reply_to {
        Some(parent) => create_reply(inbound, &post, parent, user.id).await,
        None => create_thread(inbound, &post, user.id).await,
    }
}

async fn create_thread(
    inbound: &Inbound<'_>,
    post: &PostJson,
    author_id: i64,
) -> Result<(), FedError> {
    let ctx = inbound.data;
    let mut group: Option<FedGroup> = None;
    for url in post.addressees() {
        if let Some(g) = find_group(ctx, &url).await? {
            group = Some(g);
            break;
        }
    }
    let group = group.ok_or_else(|| {
        FedError::Unprocessable("the post is addressed to no group known here".into())
    })?;
    inbound.check_group(&group)?;
    if group.visibility != "public" {
        return Err(FedError::Forbidden(
            "the group does not take posts from other servers".into(),
        ));
    }
    let html = post.html();
    let body = post.body();
    let title = post.title();
    let stored = ctx
        .store
        .create_thread_via(
            NewThread {
                group_id: group.id,
                author_id,
                title: &title,
                body: &body,
                body_html: &html,
            },
            inbound.announce_in(&group),
            Some(Federated {
                ap_id: post.id.as_str(),
                published: post.published_ms(),
            }),
        )
        .await;
    already_stored_is_fine(stored.map(|_| ()))
}

async fn create_reply(
    inbound: &Inbound<'_>,
    post: &PostJson,
    parent: &Url,
    author_id: i64,
) -> Result<(), FedError> {
    let ctx = inbound.data;
    let parent = Post::find(ctx, parent).await?.ok_or_else(|| {
        FedError::Unprocessable("the post it replies to is not known here".into())
    })?;
    inbound.check_group(&parent.group)?;
    let parent_id = match parent.kind {
        PostKind::Thread(_) => None,
        PostKind::Reply(id) => Some(id),
    };
    let html = post.html();
    let body = post.body();
    let stored = ctx
        .store
        .create_reply_via(
            NewReply {
                thread_id: parent.thread_id,
                parent_id,
                author_id,
                body: &body,
                body_html: &html,
            },
            inbound.announce_in(&parent.group),
            Some(Federated {
                ap_id: post.id.as_str(),
                published: post.published_ms(),
            }),
        )
        .await;
    already_stored_is_fine(stored.map(|_| ()))
}

/// A Create of something we have is an Update (Lemmy sends both).
async fn update(
    inbound: &Inbound<'_>,
    post: &PostJson,
    existing: Post,
    author_id: i64,
) -> Result<(), FedError> {
    if existing.author_id != author_id {
        return Err(FedError::Forbidden("only the author may edit this".into()));
    }
    inbound.check_group(&existing.group)?;
    if existing.deleted {
        return Ok(());
    }
    let ctx = inbound.data;
    let html = post.html();
    let body = post.body();
    let via = inbound.announce_in(&existing.group);
    match existing.kind {
        PostKind::Thread(id) => {
            ctx.store
                .edit_thread_via(id, &post.title(), &body, &html, via)
                .await?
        }
        PostKind::Reply(id) => ctx.store.edit_reply_via(id, &body, &html, via).await?,
    }
    Ok(())
}

/// Two copies of one post racing in (direct and announced): the second is a no-op.
fn already_stored_is_fine(result: Result<(), StoreError>) -> Result<(), FedError> {
    match result {
        Ok(()) | Err(StoreError::Taken(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
