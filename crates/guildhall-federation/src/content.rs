//! Remote content: sanitized before it is stored or shown, and held to the
//! rules local input meets (guildhall-core's `content` module).

use crate::protocol::actors::ActorJson;
use guildhall_core::content::{Limits, display_name, web_url};

/// Makes remote HTML safe to store and render (same rules as our own Markdown output).
pub fn sanitize_html(html: &str) -> String {
    guildhall_core::content::sanitize_html(html)
}

/// The text of some HTML, tags dropped, for a title or a plain body.
pub fn text_of(html: &str) -> String {
    let spaced = html
        .replace("</p>", "</p>\n")
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n");
    let stripped = ammonia_text(&spaced);
    stripped.trim().to_owned()
}

fn ammonia_text(html: &str) -> String {
    let cleaned = guildhall_core::content::strip_tags(html);
    cleaned
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
}

/// A remote actor's profile, as stored: the same rules as a local
/// profile's, applied by cutting or dropping rather than refusing (an actor
/// whose profile we refused could not follow, post or vote at all).
/// - avatar and profile link: http(s) only (`web_url`), else dropped;
/// - a person's display name: one line of at most 60 characters
///   (`display_name`), cut to that; a group's title: one line of at most
///   `limits.title_max`, cut to that, else its `preferredUsername`;
/// - the bio: sanitized HTML whose text is at most `limits.bio_max` (a
///   group's description: `limits.body_max`) characters, else its text, cut.
pub struct RemoteProfile {
    pub display_name: Option<String>,
    pub title: String,
    pub summary_html: String,
    pub avatar_url: Option<String>,
    pub url: Option<String>,
}

impl RemoteProfile {
    pub fn new(json: &ActorJson, limits: &Limits) -> RemoteProfile {
        let link = |field: &'static str, url: Option<&url::Url>| {
            url.and_then(|u| match web_url(field, u.as_str()) {
                Ok(ok) => ok,
                Err(e) => {
                    tracing::info!(actor = %json.id, "dropped from a remote profile: {e}");
                    None
                }
            })
        };
        let name = json.name.as_deref().map(text_of).unwrap_or_default();
        let first_line = name.lines().map(str::trim).find(|l| !l.is_empty());
        let display = first_line
            .map(|l| cut(l, 60))
            .and_then(|l| display_name(&l).ok().flatten());
        let title = first_line
            .map(|l| title_from(l, limits.title_max))
            .and_then(|t| limits.title(&t).ok())
            .unwrap_or_else(|| json.preferred_username.clone());
        let max = if json.kind == "Group" {
            limits.body_max
        } else {
            limits.bio_max
        };
        let summary = json.summary.as_deref().unwrap_or_default();
        let text = text_of(summary);
        let summary_html = if text.chars().count() <= max && !summary.contains('\0') {
            sanitize_html(summary)
        } else {
            sanitize_html(&escape(&cut(&text.replace('\0', ""), max)))
        };
        RemoteProfile {
            display_name: display,
            title,
            summary_html,
            avatar_url: link("avatar_url", json.icon.as_ref()),
            url: link("url", json.url.as_ref()),
        }
    }
}

/// At most `max` characters, the last one an ellipsis when cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A thread title from a post that has none (a Mastodon status): its first
/// line, cut at `max` characters on a word boundary.
pub fn title_from(text: &str, max: usize) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("Untitled");
    if line.chars().count() <= max {
        return line.to_owned();
    }
    let cut: String = line.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_the_first_line() {
        assert_eq!(title_from("\n  Printer jams\nmore", 100), "Printer jams");
        assert_eq!(title_from("", 100), "Untitled");
        let long = "word ".repeat(40);
        let t = title_from(&long, 30);
        assert!(t.chars().count() <= 30, "{t}");
        assert!(t.ends_with('…'));
    }

    #[test]
    fn text_drops_tags_and_mentions_markup() {
        let html = r#"<p><span class="h-card"><a href="x" class="u-url mention">@<span>bob</span></a></span> hi &amp; bye</p><p>two</p><script>x</script>"#;
        assert_eq!(text_of(html), "@bob hi & bye\ntwo");
    }
}
