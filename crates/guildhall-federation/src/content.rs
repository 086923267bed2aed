//! Remote content: sanitized before it is stored or shown.

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
