//! Create and Update of a `Page` (thread) or `Note`/`Article` (reply, or a
//! thread when it replies to nothing and addresses a group, as a Mastodon
//! post mentioning `@group@host` does).

use super::posts::{Post, PostKind, find_group};
use super::{Handler, Inbound};
use crate::FedError;
use crate::content::{sanitize_html, text_of, title_from};
use crate::protocol::inbound::Create;
use crate::protocol::objects::PostJson;
use chrono::DateTime;
use guildhall_core::ids::UserId;
use guildhall_db::{FedGroup, Federated, NewReply, NewThread, StoreError};
use url::Url;

/// What a post stores, checked by the same rules as a local post's.
struct Checked {
    title: String,
    body: String,
    html: String,
}

/// A remote post that breaks a content rule: refused whole, nothing stored.
fn refused(e: guildhall_core::RuleError) -> FedError {
    FedError::Unprocessable(format!("the post breaks a content rule here: {e}"))
}

/// What the content rules read of a post.
impl PostJson {
    /// The Markdown source when sent (Lemmy, Mbin, Guildhall), else the text.
    fn body(&self) -> String {
        match self.markdown() {
            Some(markdown) => markdown.to_owned(),
            None => text_of(self.content_html()),
        }
    }

    /// Applies the local content rules (guildhall-core's [`Limits`] and tag
    /// count). A title longer than the limit is cut (a status has none of
    /// its own, and one is made from its first line); a body over the limit,
    /// oversized HTML or too many tags refuse the post. A body may be empty:
    /// link posts and image-only replies have none.
    ///
    /// [`Limits`]: guildhall_core::content::Limits
    fn checked(&self, limits: &guildhall_core::content::Limits) -> Result<Checked, FedError> {
        guildhall_core::content::tag_count(self.tag.len()).map_err(refused)?;
        let body = limits
            .optional_text("body", &self.body())
            .map_err(refused)?;
        let html = limits.body_html(self.content_html()).map_err(refused)?;
        let title = limits
            .title(&self.title(limits.title_max))
            .map_err(refused)?;
        Ok(Checked {
            title,
            body,
            html: sanitize_html(&html),
        })
    }

    fn title(&self, max: usize) -> String {
        let given = self
            .name
            .as_deref()
            .or(self.summary.as_deref())
            .map(text_of)
            .filter(|t| !t.is_empty());
        match given {
            Some(t) => title_from(&t, max),
            // A status has no title: its first line, minus leading mentions.
            None => {
                let text = text_of(self.content_html());
                let first = text
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or_default();
                let words: Vec<&str> = first
                    .split_whitespace()
                    .skip_while(|w| w.starts_with('@'))
                    .collect();
                title_from(&words.join(" "), max)
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
}

#[async_trait::async_trait]
impl Handler for Create {
    /// A person changes only their own objects, with ids on their own
    /// domain, and only public posts join a group's threads.
    async fn verify(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        let post = &self.post;
        inbound.user()?;
        if !post
            .attributed_to
            .iter()
            .any(|a| a == inbound.actor.ap_id())
        {
            return Err(FedError::Forbidden(
                "the object is attributed to someone else".into(),
            ));
        }
        if guildhall_core::instances::domain_of(post.id.as_str()) != Some(inbound.actor.domain()) {
            return Err(FedError::Forbidden(
                "the object's id is not on the actor's domain".into(),
            ));
        }
        // A direct or followers-only post addressed to a member here must
        // not be shown to everyone (Lemmy refuses them too).
        if !self.is_public() {
            return Err(FedError::Unprocessable(
                "only public posts can join a group's threads; direct and followers-only posts stay private"
                    .into(),
            ));
        }
        Ok(())
    }

    /// A post we have is an edit; else a reply, or a new thread.
    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        let (post, user) = (&self.post, inbound.user()?);
        let ctx = inbound.data;
        let checked = post.checked(&ctx.settings.limits)?;
        if let Some(existing) = Post::find(ctx, &post.id).await? {
            return update(inbound, &checked, existing, user.id).await;
        }
        match &post.in_reply_to {
            Some(parent) => create_reply(inbound, post, &checked, parent, user.id).await,
            None => create_thread(inbound, post, &checked, user.id).await,
        }
    }
}

async fn create_thread(
    inbound: &Inbound<'_>,
    post: &PostJson,
    checked: &Checked,
    author_id: UserId,
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
    let stored = ctx
        .store
        .create_thread_via(
            NewThread {
                group_id: group.id,
                author_id,
                title: &checked.title,
                body: &checked.body,
                body_html: &checked.html,
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
    checked: &Checked,
    parent: &Url,
    author_id: UserId,
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
    let stored = ctx
        .store
        .create_reply_via(
            NewReply {
                thread_id: parent.thread_id,
                parent_id,
                author_id,
                body: &checked.body,
                body_html: &checked.html,
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
    post: &Checked,
    existing: Post,
    author_id: UserId,
) -> Result<(), FedError> {
    if existing.author_id != author_id {
        return Err(FedError::Forbidden("only the author may edit this".into()));
    }
    inbound.check_group(&existing.group)?;
    if existing.deleted {
        return Ok(());
    }
    let ctx = inbound.data;
    let via = inbound.announce_in(&existing.group);
    match existing.kind {
        PostKind::Thread(id) => {
            ctx.store
                .edit_thread_via(id, &post.title, &post.body, &post.html, via)
                .await?
        }
        PostKind::Reply(id) => {
            ctx.store
                .edit_reply_via(id, &post.body, &post.html, via)
                .await?
        }
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
