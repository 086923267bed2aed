//! Create and Update of a `Page` (thread) or `Note`/`Article` (reply, or a
//! thread when it replies to nothing and addresses a group, as a Mastodon
//! post mentioning `@group@host` does).

use super::posts::{find_group, find_post};
use super::states;
use super::{Handler, Inbound};
use crate::FedError;
use crate::content::{text_of, title_from};
use crate::products;
use crate::protocol::inbound::Create;
use crate::protocol::objects::PostJson;
use chrono::DateTime;
use guildhall_app::posts::{self, Checked, Draft};
use guildhall_app::{notifications, replies, reviews, threads};
use guildhall_core::visibility::Visibility;
use guildhall_db::{FedGroup, Federated};

/// What the content rules read of a post.
impl PostJson {
    /// The Markdown source when sent (Lemmy, Mbin, Guildhall), else the text.
    fn body(&self) -> String {
        match self.markdown() {
            Some(markdown) => markdown.to_owned(),
            None => text_of(self.content_html()),
        }
    }

    /// Checks it by the content rules of local posts (guildhall-app's
    /// [`posts::check`]). A title longer than the limit is cut (a status has
    /// none of its own, and one is made from its first line).
    fn checked(&self, app: &guildhall_app::App) -> Result<Checked, FedError> {
        let (title, body) = (self.title(app.settings.limits.title_max), self.body());
        Ok(posts::check(
            app,
            &Draft {
                title: &title,
                body: &body,
                html: self.content_html(),
                tags: self.tag.len(),
            },
        )?)
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
        if !self.authored(inbound) {
            // A moderator's acceptance of an answer is an Update of someone
            // else's question, which only its group's announce vouches for
            // (`receive` applies nothing else of it).
            if self.vouched_state_change(inbound) {
                return Ok(());
            }
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
        // not be shown to everyone (Lemmy refuses them too); only a private
        // group's posts, addressed to its followers, are not public.
        if !self.is_public() && !self.in_private_group(inbound).await? {
            return Err(FedError::Unprocessable(
                "only public posts can join a group's threads; direct and followers-only posts stay private"
                    .into(),
            ));
        }
        Ok(())
    }

    /// A post we have is an edit; else a reply, or a new thread.
    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        let post = &self.post;
        let domain = inbound.actor.domain();
        let (acting, received) = (inbound.acting(&domain)?, inbound.received());
        let ctx = inbound.data;
        if let Some(existing) = find_post(ctx, &post.id).await? {
            // The state first: refused, it leaves the edit unapplied too.
            states::apply(inbound, acting, &existing, post, self.authored(inbound)).await?;
            if self.authored(inbound) {
                let checked = post.checked(&ctx.app)?;
                posts::edit_remote(&ctx.app, acting, received, &existing, &checked).await?;
            }
            return Ok(());
        }
        if !self.authored(inbound) {
            return Err(FedError::Forbidden(
                "the object is attributed to someone else".into(),
            ));
        }
        let checked = post.checked(&ctx.app)?;
        let federated = Federated {
            ap_id: post.id.as_str(),
            published: post.published_ms(),
        };
        let applied = match &post.in_reply_to {
            Some(parent) => {
                let parent = find_post(ctx, parent).await?.ok_or_else(|| {
                    FedError::Unprocessable("the post it replies to is not known here".into())
                })?;
                replies::create_remote(&ctx.app, acting, received, &parent, &checked, federated)
                    .await
            }
            None => {
                let group = match addressed_group(inbound, post).await {
                    Ok(group) => group,
                    // In no group here, but naming members of ours (a
                    // Mastodon status mentioning them): they hear of it.
                    Err(e) => {
                        let html = post.content_html();
                        let url = post.id.to_string();
                        let app = &ctx.app;
                        if notifications::mention_elsewhere(app, acting, &url, html).await? > 0 {
                            return Ok(());
                        }
                        return Err(e);
                    }
                };
                match &post.item_reviewed {
                    Some(product) => {
                        let product = products::resolve(ctx, product, &group).await?;
                        let rating = post.review_rating.as_ref().map(|r| &r.rating_value);
                        let rating = rating.unwrap_or(&serde_json::Value::Null);
                        let review = reviews::RemoteReview { product, rating };
                        reviews::create_remote(
                            &ctx.app, acting, received, &group, review, &checked, federated,
                        )
                        .await
                    }
                    None => {
                        threads::create_remote(
                            &ctx.app, acting, received, &group, &checked, federated,
                        )
                        .await
                    }
                }
            }
        };
        applied?;
        // An idea first seen already staged, as its group announces it,
        // takes its stage at once (an author's own word on it is ignored).
        let announced_idea =
            post.idea_status.is_some() && post.in_reply_to.is_none() && inbound.via_group.is_some();
        if announced_idea && let Some(stored) = find_post(ctx, &post.id).await? {
            states::apply(inbound, acting, &stored, post, false).await?;
        }
        Ok(())
    }
}

impl Create {
    /// Whether the actor is the post's author.
    fn authored(&self, inbound: &Inbound<'_>) -> bool {
        self.post
            .attributed_to
            .iter()
            .any(|a| a == inbound.actor.ap_id())
    }

    /// Whether the post belongs to a private group (ours, or a remote one
    /// that approves its followers): the group relaying it, the group of
    /// the post it answers, or the group it is addressed to.
    async fn in_private_group(&self, inbound: &Inbound<'_>) -> Result<bool, FedError> {
        let private = |g: &FedGroup| g.visibility == Visibility::Private;
        if let Some(group) = inbound.via_group {
            return Ok(private(group));
        }
        if let Some(parent) = &self.post.in_reply_to
            && let Some(parent) = find_post(inbound.data, parent).await?
        {
            return Ok(private(&parent.group));
        }
        for url in self.post.addressees() {
            if let Some(group) = find_group(inbound.data, &url).await? {
                return Ok(private(&group));
            }
        }
        Ok(false)
    }

    /// An Update of a question's state, announced by a group: the group's
    /// moderators may change what they moderate.
    fn vouched_state_change(&self, inbound: &Inbound<'_>) -> bool {
        inbound.activity.kind == "Update"
            && inbound.via_group.is_some()
            && (self.post.answer_count.is_some() || self.post.idea_status.is_some())
    }
}

/// The first group known here that a new thread is addressed to.
async fn addressed_group(inbound: &Inbound<'_>, post: &PostJson) -> Result<FedGroup, FedError> {
    for url in post.addressees() {
        if let Some(g) = find_group(inbound.data, &url).await? {
            return Ok(g);
        }
    }
    Err(FedError::Unprocessable(
        "the post is addressed to no group known here".into(),
    ))
}
