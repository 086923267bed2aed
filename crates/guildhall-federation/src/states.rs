//! What a question or an idea says of its state on its Page: the terms
//! another Guildhall reads (`acceptedAnswer`, `ideaStatus`...), and the
//! same in words for software that reads none of them, as a `summary`
//! (Mastodon) and a notice appended to the text (Lemmy, Mbin). See
//! docs/FEDERATION.md, "Questions" and "Ideas".

use crate::content::{cut, escape};
use crate::posts::{reply_ap_id, thread_ap_id, user, user_url};
use crate::protocol::objects::{IdeaTerms, QuestionTerms, RatingTerms, ReviewTerms};
use crate::{Context, FedError};
use guildhall_core::content::render_markdown;
use guildhall_core::ids::Origin;
use guildhall_core::kinds::GroupKind;
use guildhall_db::{FedUser, Thread};

/// How much of an accepted answer a question's notice quotes, in characters.
const QUOTED_ANSWER_MAX: usize = 500;

/// A notice appended to a Page's text, as Markdown and as HTML.
pub struct Notice {
    pub markdown: String,
    pub html: String,
}

/// A thread's state on its Page (all empty for a plain discussion).
#[derive(Default)]
pub struct State {
    pub summary: Option<String>,
    pub notice: Option<Notice>,
    pub question: Option<QuestionTerms>,
    pub idea: Option<IdeaTerms>,
    pub review: Option<ReviewTerms>,
}

pub async fn of_thread(ctx: &Context, t: &Thread) -> Result<State, FedError> {
    match t.group_kind {
        GroupKind::Questions => question(ctx, t).await,
        GroupKind::Ideas => idea(ctx, t).await,
        GroupKind::Reviews => review(ctx, t).await,
        GroupKind::Discussion => Ok(State::default()),
    }
}

/// `@name@host`, as the fediverse writes a handle.
fn handle(ctx: &Context, u: &FedUser) -> String {
    match u.origin {
        Origin::Local => format!("@{}@{}", u.username, ctx.urls.domain()),
        Origin::Remote { .. } => format!("@{}", u.username),
    }
}

/// Markdown quoted, line by line.
fn quoted(markdown: &str) -> String {
    markdown
        .lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A question: its answer count, and once solved, who answered, who
/// accepted, and the answer quoted.
async fn question(ctx: &Context, t: &Thread) -> Result<State, FedError> {
    let mut terms = QuestionTerms {
        answer_count: t.reply_count,
        accepted_answer: None,
        accepted_by: None,
    };
    let (Some(answer), Some(acceptor)) = (t.accepted_reply_id, t.accepted_by) else {
        return Ok(State {
            question: Some(terms),
            ..State::default()
        });
    };
    let reply = ctx
        .store
        .reply(answer, None)
        .await?
        .ok_or(FedError::NotFound("reply"))?;
    let (answerer, acceptor) = (
        user(ctx, reply.author_id).await?,
        user(ctx, acceptor).await?,
    );
    let answer_url = reply_ap_id(ctx, answer).await?;
    let (answerer_url, acceptor_url) = (user_url(ctx, &answerer), user_url(ctx, &acceptor));
    let (by, accepted) = (handle(ctx, &answerer), handle(ctx, &acceptor));
    // The answer quoted, cut: the question's text must stay within what
    // other servers take for a post.
    let excerpt = cut(&reply.body, QUOTED_ANSWER_MAX);
    let notice = Notice {
        markdown: format!(
            "✅ **Solved**: [the accepted answer]({answer_url}) by {by}, accepted by {accepted}:\n\n{}",
            quoted(&excerpt)
        ),
        html: format!(
            "<p>✅ <strong>Solved</strong>: <a href=\"{answer_url}\">the accepted answer</a> by \
             <a href=\"{answerer_url}\">{by}</a>, accepted by <a href=\"{acceptor_url}\">{accepted}</a>:</p>\
             <blockquote>{}</blockquote>",
            render_markdown(&excerpt)
        ),
    };
    terms.accepted_answer = Some(answer_url);
    terms.accepted_by = Some(acceptor_url);
    Ok(State {
        summary: Some(format!("✅ Solved: answer by {by}, accepted by {accepted}")),
        notice: Some(notice),
        question: Some(terms),
        ..State::default()
    })
}

/// An idea: its stage, who set it, the latest official response, and the
/// idea a duplicate repeats.
async fn idea(ctx: &Context, t: &Thread) -> Result<State, FedError> {
    let stages = &ctx.app.settings.stages;
    let key = stages.current(t.idea_status.as_deref());
    // The label is the operator's words: escaped wherever it is HTML.
    let label = stages.label(key).to_owned();
    let label_html = escape(&label);
    let history = ctx.store.idea_history(t.id).await?;
    let latest = history.last();
    let official = history.iter().rev().find(|c| !c.response.is_empty());
    let status_by = match latest {
        Some(c) => Some(user_url(ctx, &user(ctx, c.by_id).await?)),
        None => None,
    };
    let duplicate_of = match t.duplicate_of {
        Some(id) => Some(thread_ap_id(ctx, id).await?),
        None => None,
    };
    let mut summary = format!("Status: {label_html}");
    let mut markdown = format!("**Status: {label}**");
    let mut html = format!("<p><strong>Status: {label_html}</strong>");
    if let Some(target) = &duplicate_of {
        markdown.push_str(&format!(" — a duplicate of [this idea]({target})"));
        html.push_str(&format!(
            " — a duplicate of <a href=\"{target}\">this idea</a>"
        ));
    }
    if let Some(c) = official {
        let by = handle(ctx, &user(ctx, c.by_id).await?);
        summary.push_str(&format!(
            " — official response from {by}: {}",
            escape(&c.response)
        ));
        markdown.push_str(&format!(
            " — official response from {by}:\n\n{}",
            quoted(&c.response)
        ));
        html.push_str(&format!(
            " — official response from {by}:</p><blockquote>{}</blockquote>",
            c.response_html
        ));
    } else {
        html.push_str("</p>");
    }
    Ok(State {
        summary: Some(summary),
        notice: Some(Notice { markdown, html }),
        question: None,
        review: None,
        idea: Some(IdeaTerms {
            idea_status: key.to_owned(),
            creative_work_status: label,
            status_by,
            official_response: official.map(|c| c.response.clone()),
            duplicate_of,
        }),
    })
}

/// A review: its product and stars, and both in words ("★★★★☆ 4/5").
async fn review(ctx: &Context, t: &Thread) -> Result<State, FedError> {
    let (Some(product), Some(stars)) = (t.product_id, t.rating) else {
        return Ok(State::default());
    };
    let Some(product) = ctx.store.product(product).await? else {
        return Ok(State::default());
    };
    let url = crate::products::url_of(ctx, &product);
    let glyphs = guildhall_core::reviews::Rating::new(stars)
        .map(|r| r.glyphs())
        .unwrap_or_default();
    let name = escape(&product.name);
    Ok(State {
        summary: Some(format!("Review of {name}: {glyphs} {stars}/5")),
        notice: Some(Notice {
            markdown: format!(
                "**{glyphs} {stars}/5**, a review of [{}]({url})",
                product.name
            ),
            html: format!(
                "<p><strong>{glyphs} {stars}/5</strong>, a review of <a href=\"{url}\">{name}</a></p>"
            ),
        }),
        review: Some(ReviewTerms {
            item_reviewed: url,
            review_rating: RatingTerms {
                rating_value: stars.into(),
                best_rating: Some(5),
                worst_rating: Some(1),
            },
        }),
        ..State::default()
    })
}
