//! Our threads and replies as ActivityPub objects (`Page`, `Note`), as
//! served and as sent, with the actors and group that address them.

use crate::protocol::PUBLIC;
use crate::protocol::context::time;
use crate::protocol::objects::{Mention, Note, Page, Post, Source, notice_suffix};
use crate::states;
use crate::{Context, FedError};
use guildhall_core::ids::{GroupId, ReplyId, ThreadId, UserId};
use guildhall_core::visibility::Visibility;
use guildhall_db::{ActorKey, EventObject, FedGroup, FedUser};
use url::Url;

/// A stored post, with everything its JSON needs.
pub struct PostRefs {
    pub url: Url,
    pub group: FedGroup,
    pub group_url: Url,
    pub author: FedUser,
    /// For replies: who wrote what it answers.
    pub parent_author: Option<FedUser>,
    /// A tombstone: served as 410 Gone.
    pub deleted: bool,
    pub post: Post,
}

/// Whether what happens in `group` goes out at all: a hidden group of ours
/// does not federate; a private one goes to its approved followers alone
/// (see [`reach`]).
pub fn federates(group: &FedGroup) -> bool {
    group.origin.is_remote() || group.visibility != Visibility::Hidden
}

/// Whom a group's activities are for, beside the group itself: everyone
/// (the public collection) in a public group; in a private one its
/// followers alone, never the public, as Lemmy addresses a private
/// community's activities.
pub(crate) fn reach(ctx: &Context, group: &FedGroup) -> Url {
    if group.visibility == Visibility::Public {
        return public();
    }
    match (&group.followers_url, group.origin.is_local()) {
        (Some(url), false) => Url::parse(url).unwrap_or_else(|_| public()),
        _ => ctx.urls.sub(&group_url(ctx, group), "followers"),
    }
}

pub fn user_url(ctx: &Context, u: &FedUser) -> Url {
    match &u.ap_id {
        Some(id) => Url::parse(id).unwrap_or_else(|_| ctx.urls.user(&u.username)),
        None => ctx.urls.user(&u.username),
    }
}

pub fn group_url(ctx: &Context, g: &FedGroup) -> Url {
    match &g.ap_id {
        Some(id) => Url::parse(id).unwrap_or_else(|_| ctx.urls.group(&g.name)),
        None => ctx.urls.group(&g.name),
    }
}

/// The URL an object goes by: its id on its own server when it is a copy,
/// else `local`, ours.
pub(crate) fn object_url(ap_id: Option<&str>, local: Url) -> Url {
    ap_id.and_then(|a| Url::parse(a).ok()).unwrap_or(local)
}

pub(crate) async fn user(ctx: &Context, id: UserId) -> Result<FedUser, FedError> {
    ctx.store
        .fed_user(ActorKey::Id(id.get()))
        .await?
        .ok_or(FedError::NotFound("user"))
}

pub(crate) async fn group(ctx: &Context, id: GroupId) -> Result<FedGroup, FedError> {
    ctx.store
        .fed_group(ActorKey::Id(id.get()))
        .await?
        .ok_or(FedError::NotFound("group"))
}

pub(crate) async fn thread_ap_id(ctx: &Context, id: ThreadId) -> Result<Url, FedError> {
    let ap: Option<String> = ctx
        .store
        .ap_id_of(guildhall_db::PostTable::Threads, id.get())
        .await?;
    Ok(object_url(ap.as_deref(), ctx.urls.thread(id)))
}

pub(crate) async fn reply_ap_id(ctx: &Context, id: ReplyId) -> Result<Url, FedError> {
    let ap: Option<String> = ctx
        .store
        .ap_id_of(guildhall_db::PostTable::Replies, id.get())
        .await?;
    Ok(object_url(ap.as_deref(), ctx.urls.reply(id)))
}

/// The Page or Note for a thread or reply, as served and as sent, with
/// what addressing it needs.
pub async fn post_refs(ctx: &Context, object: EventObject) -> Result<PostRefs, FedError> {
    match object {
        EventObject::Thread(id) => {
            let t = ctx
                .store
                .thread(id, None)
                .await?
                .ok_or(FedError::NotFound("thread"))?;
            let group = group(ctx, t.group_id).await?;
            let author = user(ctx, t.author_id).await?;
            let url = thread_ap_id(ctx, id).await?;
            let group_url = group_url(ctx, &group);
            let author_url = user_url(ctx, &author);
            let state = states::of_thread(ctx, &t).await?;
            let (mut content, mut body) = (t.body_html, t.body);
            if let Some(notice) = &state.notice {
                content.push_str(&format!("<hr>{}", notice.html));
                body.push_str(&notice_suffix(&notice.markdown));
            }
            let page = Page {
                kind: Default::default(),
                id: url.clone(),
                attributed_to: author_url,
                name: t.title,
                content,
                media_type: "text/html",
                source: markdown(body),
                to: vec![group_url.clone(), reach(ctx, &group)],
                cc: vec![],
                audience: group_url.clone(),
                url: url.clone(),
                published: time(t.created_at),
                sensitive: false,
                comments_enabled: t.locked_at.is_none(),
                stickied: t.pinned_at.is_some(),
                replies: ctx.urls.sub(&url, "replies"),
                context: ctx.urls.sub(&url, "context"),
                updated: t.edited_at.map(time),
                summary: state.summary,
                notice: state.notice.map(|n| n.markdown),
                question: state.question.map(Box::new),
                idea: state.idea.map(Box::new),
                review: state.review.map(Box::new),
            };
            Ok(PostRefs {
                url,
                group,
                group_url,
                author,
                parent_author: None,
                deleted: t.deleted_at.is_some(),
                post: Post::Page(page),
            })
        }
        EventObject::Reply(id) => {
            let r = ctx
                .store
                .reply(id, None)
                .await?
                .ok_or(FedError::NotFound("reply"))?;
            let t = ctx
                .store
                .thread(r.thread_id, None)
                .await?
                .ok_or(FedError::NotFound("thread"))?;
            let group = group(ctx, t.group_id).await?;
            let author = user(ctx, r.author_id).await?;
            let thread_url = thread_ap_id(ctx, t.id).await?;
            let (parent_url, parent_author_id) = match r.parent_id {
                Some(pid) => {
                    let p = ctx
                        .store
                        .reply(pid, None)
                        .await?
                        .ok_or(FedError::NotFound("reply"))?;
                    (reply_ap_id(ctx, pid).await?, p.author_id)
                }
                None => (thread_url.clone(), t.author_id),
            };
            let parent_author = user(ctx, parent_author_id).await?;
            let url = reply_ap_id(ctx, id).await?;
            let group_url = group_url(ctx, &group);
            let author_url = user_url(ctx, &author);
            let parent_author_url = user_url(ctx, &parent_author);
            let note = Note {
                kind: Default::default(),
                id: url.clone(),
                attributed_to: author_url,
                content: r.body_html,
                media_type: "text/html",
                source: markdown(r.body),
                in_reply_to: parent_url,
                to: vec![group_url.clone(), reach(ctx, &group)],
                cc: vec![parent_author_url.clone()],
                audience: group_url.clone(),
                url: url.clone(),
                published: time(r.created_at),
                context: ctx.urls.sub(&thread_url, "context"),
                tag: vec![Mention {
                    kind: Default::default(),
                    href: parent_author_url,
                    name: format!("@{}", parent_author.username),
                }],
                updated: r.edited_at.map(time),
            };
            Ok(PostRefs {
                url,
                group,
                group_url,
                author,
                parent_author: Some(parent_author),
                deleted: r.deleted_at.is_some(),
                post: Post::Note(note),
            })
        }
        EventObject::Group(_) | EventObject::User(_) => {
            Err(FedError::Internal("not a post".into()))
        }
    }
}

/// The public collection, as we address it.
pub(crate) fn public() -> Url {
    Url::parse(PUBLIC).expect("the public collection is a URL")
}

/// A post's Markdown, as its `source`.
fn markdown(text: String) -> Source {
    Source {
        content: text,
        media_type: "text/markdown",
    }
}
