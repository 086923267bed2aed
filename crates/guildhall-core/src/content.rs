//! Titles and bodies: limits, and Markdown rendered to HTML that is safe to
//! show (pulldown-cmark renders, ammonia removes anything that could run).

use crate::RuleError;
use pulldown_cmark::{Options, Parser, html};

/// A display name's length, in characters.
pub const DISPLAY_NAME_MAX: usize = 60;
/// An avatar URL's length, in bytes.
pub const AVATAR_URL_MAX: usize = 2048;
/// A flag's reason, in characters (at least one).
pub const FLAG_REASON_MAX: usize = 500;
/// The most points an admin's adjustment gives or takes at once.
pub const ADJUSTMENT_MAX: u64 = 1_000_000;

/// Configurable size limits for user content, counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub title_max: usize,
    pub body_max: usize,
    pub bio_max: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            title_max: 200,
            body_max: 50_000,
            bio_max: 5_000,
        }
    }
}

impl Limits {
    /// A thread title: trimmed, not empty, at most `title_max` characters, one line.
    pub fn title(&self, input: &str) -> Result<String, RuleError> {
        let t = input.trim();
        if t.is_empty() {
            return Err(RuleError::invalid("title", "must not be empty"));
        }
        if t.chars().count() > self.title_max {
            return Err(RuleError::invalid(
                "title",
                format!("must be at most {} characters", self.title_max),
            ));
        }
        if t.contains(['\n', '\r']) {
            return Err(RuleError::invalid("title", "must be a single line"));
        }
        if t.contains('\0') {
            return Err(RuleError::invalid(
                "title",
                "must not contain NUL characters",
            ));
        }
        Ok(t.to_string())
    }

    /// A thread or reply body: not blank, at most `body_max` characters.
    pub fn body(&self, input: &str) -> Result<String, RuleError> {
        text("body", input, self.body_max, false)
    }

    /// Free text that may be empty (group description, rules), as long as a body.
    pub fn optional_text(&self, field: &'static str, input: &str) -> Result<String, RuleError> {
        text(field, input, self.body_max, true)
    }

    /// HTML that came with a body from another server: at most four times
    /// `body_max` characters, markup included, so markup cannot carry a
    /// body far past the limit (our own rendering of a body at the limit
    /// stays well under it).
    pub fn body_html(&self, input: &str) -> Result<String, RuleError> {
        text("body", input, self.body_max.saturating_mul(4), true)
    }

    /// A member's bio: may be empty, at most `bio_max` characters.
    pub fn bio(&self, input: &str) -> Result<String, RuleError> {
        text("bio", input, self.bio_max, true)
    }
}

fn text(
    field: &'static str,
    input: &str,
    max: usize,
    may_be_empty: bool,
) -> Result<String, RuleError> {
    let t = input.trim_end();
    if !may_be_empty && t.trim().is_empty() {
        return Err(RuleError::invalid(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(RuleError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if t.contains('\0') {
        return Err(RuleError::invalid(field, "must not contain NUL characters"));
    }
    Ok(t.to_string())
}

/// A display name: optional, one line, at most 60 characters.
pub fn display_name(input: &str) -> Result<Option<String>, RuleError> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > DISPLAY_NAME_MAX || t.contains(['\n', '\r', '\0']) {
        return Err(RuleError::invalid(
            "display_name",
            "must be one line of at most 60 characters",
        ));
    }
    Ok(Some(t.to_string()))
}

/// An avatar URL: optional, http(s) only, so no `javascript:` or `data:` lands in an `<img>`.
pub fn avatar_url(input: &str) -> Result<Option<String>, RuleError> {
    web_url("avatar_url", input)
}

/// Any URL shown as a link or an image (avatars, profile links, from
/// members or from other servers): optional, http(s) only, at most 2048
/// characters, no whitespace.
pub fn web_url(field: &'static str, input: &str) -> Result<Option<String>, RuleError> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let lower = t.to_ascii_lowercase();
    let ok_scheme = lower.starts_with("https://") || lower.starts_with("http://");
    if !ok_scheme || t.len() > AVATAR_URL_MAX || t.contains(char::is_whitespace) {
        return Err(RuleError::invalid(
            field,
            "must be an http(s) URL of at most 2048 characters",
        ));
    }
    Ok(Some(t.to_string()))
}

/// The most tags (mentions, hashtags, emoji) one post may carry. Local posts
/// carry none of their own; a post from another server with more is spam
/// or an attempt to fan out notifications, and is refused.
pub const TAGS_MAX: usize = 100;

/// Checks the number of tags on a post.
pub fn tag_count(n: usize) -> Result<(), RuleError> {
    if n > TAGS_MAX {
        return Err(RuleError::invalid(
            "tag",
            format!("a post may carry at most {TAGS_MAX} tags (mentions, hashtags, emoji)"),
        ));
    }
    Ok(())
}

/// Renders Markdown to sanitized HTML. Raw HTML in the source is sanitized
/// too, so the output is always safe to embed in a page.
pub fn render_markdown(source: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(source, options));
    sanitize_html(&unsafe_html)
}

/// Makes HTML (ours, or a remote server's) safe to embed in a page: scripts,
/// styles and event handlers go, links get `rel="nofollow ugc"`.
pub fn sanitize_html(unsafe_html: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some("nofollow noopener noreferrer ugc"))
        .clean(unsafe_html)
        .to_string()
}

/// Drops every tag (and the content of script/style), leaving escaped text.
pub fn strip_tags(html: &str) -> String {
    ammonia::Builder::empty().clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_limits() {
        let l = Limits::default();
        assert_eq!(l.title("  Hello  ").unwrap(), "Hello");
        assert!(l.title("").is_err());
        assert!(l.title(&"é".repeat(200)).is_ok());
        assert!(l.title(&"é".repeat(201)).is_err());
        assert!(l.title("two\nlines").is_err());
        assert!(l.title("nul\0").is_err());
    }

    #[test]
    fn body_limits_are_configurable() {
        let l = Limits {
            body_max: 10,
            ..Limits::default()
        };
        assert!(l.body("0123456789").is_ok());
        assert!(l.body("0123456789x").is_err());
        assert!(l.body(" \n ").is_err());
        assert!(l.body("a\0b").is_err());
    }

    #[test]
    fn markdown_is_rendered_and_sanitized() {
        let html = render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        let html = render_markdown("<img src=x onerror=alert(1)>");
        assert!(!html.contains("onerror"));
    }

    #[test]
    fn links_get_a_safe_rel() {
        let html = render_markdown("[site](https://example.com)");
        assert!(
            html.contains("rel=\"nofollow noopener noreferrer ugc\""),
            "{html}"
        );
    }

    #[test]
    fn avatar_url_rules() {
        assert_eq!(avatar_url("").unwrap(), None);
        assert!(avatar_url("https://cdn.example/a.png").unwrap().is_some());
        assert!(avatar_url("javascript:alert(1)").is_err());
        assert!(avatar_url("data:image/png;base64,xx").is_err());
        assert!(web_url("url", "JavaScript:alert(1)").is_err());
        assert!(web_url("url", "HTTPS://a.example/").unwrap().is_some());
    }

    #[test]
    fn tag_counts() {
        assert!(tag_count(TAGS_MAX).is_ok());
        assert!(tag_count(TAGS_MAX + 1).is_err());
    }
}
