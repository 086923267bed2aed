//! Question pages: accepting a reply as the answer or taking it back (the
//! thread page draws the buttons), and the schema.org `QAPage` a question
//! page carries for search engines.

use super::error::PageResult;
use super::extract::{NoFields, PageForm, PagePath};
use super::layout::Page;
use super::redirect::see_other;
use crate::api::views::time;
use crate::error::AppError;
use crate::settings::WebSettings;
use guildhall_app::{Acting, questions};
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_db::{Reply, Thread};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    reply_id: String,
}

/// "Accept as the answer" under a reply.
pub async fn accept(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<AnswerForm>,
) -> PageResult {
    let user = page.user(&format!("/t/{id}"))?;
    let reply: i64 = f
        .reply_id
        .trim()
        .parse()
        .map_err(|_| AppError::Invalid("invalid reply_id: choose a reply".into()))?;
    let answer = Some(ReplyId(reply));
    questions::set_answer(&page.state.app, Acting::Member(user), ThreadId(id), answer).await?;
    Ok(see_other(&format!("/t/{id}#r{reply}")))
}

/// "Take back the acceptance" under the accepted answer.
pub async fn withdraw(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let user = page.user(&format!("/t/{id}"))?;
    questions::set_answer(&page.state.app, Acting::Member(user), ThreadId(id), None).await?;
    Ok(see_other(&format!("/t/{id}")))
}

/// A question's schema.org `QAPage` (Google's Q&A rich result): the
/// question, its answer count, the accepted answer and the others as
/// suggested answers. Serialized for a `<script>` element: `<` is escaped
/// so no text can close it.
pub fn qa_page(thread: &Thread, replies: &[(Reply, usize)], settings: &WebSettings) -> String {
    let base = settings.public_url();
    let thread_url = format!("{base}/t/{}", thread.id);
    let person = |name: &str| {
        let mut p = json!({ "@type": "Person", "name": name });
        if !name.contains('@') {
            p["url"] = json!(format!("{base}/u/{name}"));
        }
        p
    };
    let answer = |r: &Reply| {
        json!({
            "@type": "Answer",
            "text": r.body,
            "datePublished": time(r.created_at),
            "upvoteCount": r.upvotes,
            "url": format!("{thread_url}#r{}", r.id),
            "author": person(&r.author_name),
        })
    };
    let live: Vec<&Reply> = replies
        .iter()
        .map(|(r, _)| r)
        .filter(|r| r.deleted_at.is_none())
        .collect();
    let mut question = json!({
        "@type": "Question",
        "name": thread.title,
        "text": thread.body,
        "answerCount": live.len(),
        "upvoteCount": thread.upvotes,
        "datePublished": time(thread.created_at),
        "author": person(&thread.author_name),
        "url": thread_url,
    });
    let accepted = thread.accepted_reply_id;
    if let Some(r) = live.iter().find(|r| Some(r.id) == accepted) {
        question["acceptedAnswer"] = answer(r);
    }
    let suggested: Vec<Value> = live
        .iter()
        .filter(|r| Some(r.id) != accepted)
        .map(|r| answer(r))
        .collect();
    if !suggested.is_empty() {
        question["suggestedAnswer"] = Value::Array(suggested);
    }
    let page = json!({
        "@context": "https://schema.org",
        "@type": "QAPage",
        "mainEntity": question,
    });
    page.to_string().replace('<', "\\u003c")
}
