//! Objects: threads as `Page`, replies as `Note`, `Tombstone`s of what is
//! gone, ordered collections; and a post as others send it.

use super::shapes::{self, OneOrMany};
use activitypub_federation::kinds::collection::OrderedCollectionType;
use activitypub_federation::kinds::link::MentionType;
use activitypub_federation::kinds::object::{NoteType, PageType, TombstoneType};
use activitypub_federation::protocol::helpers::deserialize_skip_error;
use serde::{Deserialize, Serialize};
use url::Url;

/// A thread, as Lemmy describes a post.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    #[serde(rename = "type")]
    pub kind: PageType,
    pub id: Url,
    pub attributed_to: Url,
    pub name: String,
    pub content: String,
    pub media_type: &'static str,
    pub source: Source,
    pub to: Vec<Url>,
    pub cc: Vec<Url>,
    pub audience: Url,
    pub url: Url,
    pub published: String,
    pub sensitive: bool,
    pub comments_enabled: bool,
    pub stickied: bool,
    pub replies: Url,
    pub context: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// A question's or an idea's state, in words, for software that reads
    /// none of the terms below: Mastodon shows a Page's name and summary;
    /// Lemmy and Mbin its `source` (or `content`), which ends with the
    /// `notice` after a rule. Guildhall peers take the notice off again and
    /// show the state from the terms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The Markdown appended to `source` (after a rule), its HTML to `content`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// What a question is (schema.org's `answerCount`, `acceptedAnswer`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub question: Option<Box<QuestionTerms>>,
    /// Where an idea stands.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub idea: Option<Box<IdeaTerms>>,
    /// What a review rates (schema.org's `itemReviewed`, `reviewRating`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub review: Option<Box<ReviewTerms>>,
}

/// A review's product and stars on its Page.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewTerms {
    pub item_reviewed: Url,
    pub review_rating: RatingTerms,
}

/// schema.org's Rating, left untyped (BookWyrm's own `Rating` type is
/// something else).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RatingTerms {
    pub rating_value: serde_json::Value,
    #[serde(default)]
    pub best_rating: Option<i64>,
    #[serde(default)]
    pub worst_rating: Option<i64>,
}

/// A product of a reviews group, as schema.org's `Product`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductObject {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Url,
    pub name: String,
    /// Its description, as HTML.
    pub content: String,
    pub media_type: &'static str,
    /// Its group.
    pub audience: Url,
    pub attributed_to: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Url>,
    /// The product's own page, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    pub published: String,
}

/// A product as another Guildhall serves it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductJson {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "shapes::text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "shapes::text")]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "shapes::first_url")]
    pub audience: Option<Url>,
    #[serde(default, deserialize_with = "shapes::first_url")]
    pub image: Option<Url>,
    #[serde(default, deserialize_with = "shapes::first_url")]
    pub url: Option<Url>,
}

/// A question's state on its Page.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionTerms {
    pub answer_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_answer: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<Url>,
}

/// An idea's stage on its Page: its key (`gh:ideaStatus`) and label
/// (schema.org's `creativeWorkStatus`), who set it and their official
/// response, and the idea a merged duplicate repeats.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdeaTerms {
    pub idea_status: String,
    pub creative_work_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_by: Option<Url>,
    /// The latest official response, as Markdown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub official_response: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<Url>,
}

/// A reply, to the thread's Page or to another reply's Note, mentioning
/// the author it answers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    #[serde(rename = "type")]
    pub kind: NoteType,
    pub id: Url,
    pub attributed_to: Url,
    pub content: String,
    pub media_type: &'static str,
    pub source: Source,
    pub in_reply_to: Url,
    pub to: Vec<Url>,
    pub cc: Vec<Url>,
    pub audience: Url,
    pub url: Url,
    pub published: String,
    pub context: Url,
    pub tag: Vec<Mention>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
}

/// A thread or a reply.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Post {
    Page(Page),
    Note(Note),
}

impl Post {
    /// Its ActivityStreams type, as a Tombstone's `formerType` names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Post::Page(_) => "Page",
            Post::Note(_) => "Note",
        }
    }

    pub fn attributed_to(&self) -> &Url {
        match self {
            Post::Page(p) => &p.attributed_to,
            Post::Note(n) => &n.attributed_to,
        }
    }
}

/// The Markdown a post was written in (`content` is its HTML).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub content: String,
    pub media_type: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mention {
    #[serde(rename = "type")]
    pub kind: MentionType,
    pub href: Url,
    pub name: String,
}

/// What is left of a deleted post or a revoked attestation (served 410).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tombstone {
    #[serde(rename = "type")]
    pub kind: TombstoneType,
    pub id: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub former_type: Option<&'static str>,
    /// For attestations: when revoked (`null` when not known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Option<String>>,
}

/// A collection, newest or oldest first as its owner chooses.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderedCollection<T> {
    #[serde(rename = "type")]
    pub kind: OrderedCollectionType,
    pub id: String,
    pub total_items: i64,
    pub ordered_items: Vec<T>,
}

/// A post (`Page`, `Note`, `Article`, `Question`) as others send it. Every
/// property that may be one value or many is read as either (see
/// [`shapes`]).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostJson {
    pub id: Url,
    #[serde(deserialize_with = "shapes::urls")]
    pub attributed_to: Vec<Url>,
    #[serde(default, deserialize_with = "shapes::text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "shapes::text")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "shapes::text")]
    pub content: Option<String>,
    /// `{"en": "<p>…</p>"}` when a server sends only the map.
    #[serde(default, deserialize_with = "shapes::text")]
    pub content_map: Option<String>,
    /// Markdown from Lemmy, Mbin and Guildhall; Pleroma sends a bare
    /// string, Misskey its own markup: those fall back to `content`.
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub source: Option<SourceJson>,
    #[serde(default, deserialize_with = "shapes::first_url")]
    pub in_reply_to: Option<Url>,
    #[serde(default, deserialize_with = "shapes::first_url")]
    pub audience: Option<Url>,
    #[serde(default, deserialize_with = "shapes::urls")]
    pub to: Vec<Url>,
    #[serde(default, deserialize_with = "shapes::urls")]
    pub cc: Vec<Url>,
    #[serde(default)]
    pub tag: OneOrMany<serde_json::Value>,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub published: Option<String>,
    /// A Guildhall question's answer count: its presence says the Page is
    /// a question, whose `acceptedAnswer` (absent: none) is to be applied.
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub answer_count: Option<i64>,
    #[serde(default, deserialize_with = "shapes::first_url")]
    pub accepted_answer: Option<Url>,
    /// Text restating the state at the end of `source`, taken off here.
    #[serde(default, deserialize_with = "shapes::text")]
    pub notice: Option<String>,
    /// A Guildhall idea's stage key: its presence says the Page is an idea.
    #[serde(default, deserialize_with = "shapes::text")]
    pub idea_status: Option<String>,
    #[serde(default, deserialize_with = "shapes::text")]
    pub official_response: Option<String>,
    #[serde(default, deserialize_with = "shapes::first_url")]
    pub status_by: Option<Url>,
    #[serde(default, deserialize_with = "shapes::first_url")]
    pub duplicate_of: Option<Url>,
    /// A review's product, and its stars.
    #[serde(default, deserialize_with = "shapes::first_url")]
    pub item_reviewed: Option<Url>,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub review_rating: Option<RatingTerms>,
}

/// A post's `source` as others send it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceJson {
    pub content: String,
    pub media_type: Option<String>,
}

impl PostJson {
    /// The HTML `content` (or the first of its `contentMap`).
    pub fn content_html(&self) -> &str {
        self.content
            .as_deref()
            .or(self.content_map.as_deref())
            .unwrap_or_default()
    }

    /// The Markdown source, when sent as Markdown (Lemmy, Mbin, Guildhall).
    /// A Guildhall question's `notice` is taken off its end.
    pub fn markdown(&self) -> Option<&str> {
        match &self.source {
            Some(s) if s.media_type.as_deref().is_none_or(|m| m == "text/markdown") => {
                let appended = self.notice.as_deref().map(notice_suffix);
                Some(
                    appended
                        .and_then(|n| s.content.strip_suffix(n.as_str()))
                        .unwrap_or(&s.content),
                )
            }
            _ => None,
        }
    }

    /// Every URL the post is addressed to or mentions, audience first.
    pub fn addressees(&self) -> Vec<Url> {
        let mentions = self
            .tag
            .iter()
            .filter(|t| shapes::value_type(t) == Some("Mention"))
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

/// How a `notice` ends a Page's Markdown `source`: after a rule.
pub fn notice_suffix(notice: &str) -> String {
    format!("\n\n---\n\n{notice}")
}
