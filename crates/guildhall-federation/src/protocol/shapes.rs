//! The shapes an ActivityStreams value may come in, read one way.
//!
//! Any property may hold one value or an array of them (JSON-LD compaction
//! turns a one-element array into the bare value: Fedify and GoToSocial send
//! `"tag": {…}` and `"to": "…"`), and a reference may be a URL string, an
//! embedded object with an `id`, or a `Link` with an `href`; an `icon` or
//! `image` is an `Image` whose `url` is itself a string, a `Link` or an
//! array of them. Every inbound type reads such properties through the
//! helpers here, so no handler has to guess.
//!
//! activitypub_federation's `deserialize_one_or_many` covers only arrays of
//! URL strings (an embedded object, a Link or a `null` in the list is an
//! error), so it is not used for inbound documents.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use url::Url;

/// The public collection, as `to` and `cc` name it (also `Public` and
/// `as:Public` when compacted).
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// One value or many, as a list: `null` or absent is empty, an array is
/// its items, anything else is a list of one.
#[derive(Debug, Clone, PartialEq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<T> OneOrMany<T> {
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = match Value::deserialize(d)? {
            Value::Null => Vec::new(),
            Value::Array(items) => items,
            one => vec![one],
        };
        items
            .into_iter()
            .map(|v| T::deserialize(v).map_err(serde::de::Error::custom))
            .collect::<Result<_, _>>()
            .map(OneOrMany)
    }
}

/// The items of a JSON value that may be one or many (`null` is none).
pub fn items(value: &Value) -> &[Value] {
    match value {
        Value::Null => &[],
        Value::Array(items) => items,
        one => std::slice::from_ref(one),
    }
}

/// The URL a reference names: a URL string, an object's `id`, or a Link's
/// `href`. `Public` and `as:Public` name the public collection.
pub fn reference(value: &Value) -> Option<Url> {
    let text = match value {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o
            .get("id")
            .or_else(|| o.get("href"))
            .and_then(Value::as_str)?,
        _ => return None,
    };
    match text {
        "Public" | "as:Public" => Url::parse(PUBLIC).ok(),
        _ => Url::parse(text).ok(),
    }
}

/// The id of a JSON reference (a URL string, an object's `id`, a Link's
/// `href`), or of the first of several.
pub fn value_id(v: &Value) -> Option<Url> {
    items(v).iter().find_map(reference)
}

/// The `type` of an embedded object, if it is one.
pub fn value_type(v: &Value) -> Option<&str> {
    v.get("type").and_then(Value::as_str)
}

/// Whether a URL names the public collection, as servers spell it.
pub fn is_public(url: &Url) -> bool {
    matches!(url.as_str(), PUBLIC | "as:Public")
}

/// Every URL a one-or-many property references, unusable items skipped.
pub fn references(value: &Value) -> Vec<Url> {
    let mut urls: Vec<Url> = Vec::new();
    for url in items(value).iter().filter_map(reference) {
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    urls
}

/// The URLs a link property (`url`, `icon`, `image`, an attachment's `url`)
/// points at, in order: a string, a `Link`'s `href`, an `Image`'s `url`
/// (itself any of these), or an array of them. Depth-limited.
pub fn link_urls(value: &Value) -> Vec<Url> {
    fn walk(value: &Value, depth: u8, out: &mut Vec<Url>) {
        if depth > 3 {
            return;
        }
        for item in items(value) {
            match item {
                Value::String(s) => out.extend(Url::parse(s).ok()),
                Value::Object(o) => {
                    if let Some(href) = o.get("href").and_then(Value::as_str) {
                        out.extend(Url::parse(href).ok());
                    } else if let Some(url) = o.get("url") {
                        walk(url, depth + 1, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(value, 0, &mut out);
    out
}

/// The link to show for a `url`: the first `text/html` Link when several
/// are given (PeerTube lists media files too), else the first.
pub fn page_link(value: &Value) -> Option<Url> {
    let html = items(value).iter().find(|v| {
        v.get("mediaType")
            .and_then(Value::as_str)
            .is_some_and(|m| m.starts_with("text/html"))
    });
    html.map(link_urls)
        .unwrap_or_else(|| link_urls(value))
        .into_iter()
        .next()
}

/// serde: a one-or-many list of references, as URLs.
pub fn urls<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Url>, D::Error> {
    Ok(references(&Value::deserialize(d)?))
}

/// serde: the first reference of a one-or-many property, if any.
pub fn first_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
    Ok(references(&Value::deserialize(d)?).into_iter().next())
}

/// serde: a required reference (one, or the first of many).
pub fn required_url<'de, D: Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    first_url(d)?.ok_or_else(|| serde::de::Error::custom("expected a URL or an object with an id"))
}

/// serde: the first URL of a link property (`icon`, `image`).
pub fn first_link<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
    Ok(link_urls(&Value::deserialize(d)?).into_iter().next())
}

/// serde: the page link of a `url` property.
pub fn page_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
    Ok(page_link(&Value::deserialize(d)?))
}

/// serde: a natural-language string, or the first value of its language
/// map (`contentMap`-style objects sent in place of the string); anything
/// else is none.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Array(items) => items
            .into_iter()
            .find_map(|v| v.as_str().map(str::to_owned)),
        Value::Object(map) => map.values().find_map(|v| v.as_str().map(str::to_owned)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Post {
        #[serde(default)]
        tag: OneOrMany<Value>,
        #[serde(default, deserialize_with = "urls")]
        to: Vec<Url>,
        #[serde(default, deserialize_with = "first_url")]
        in_reply_to: Option<Url>,
        #[serde(default, deserialize_with = "first_link")]
        icon: Option<Url>,
        #[serde(default, deserialize_with = "page_url")]
        url: Option<Url>,
    }

    fn post(v: Value) -> Post {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn one_value_or_many() {
        let one = post(json!({ "tag": { "type": "Mention", "href": "https://a.example/u/x" } }));
        assert_eq!(one.tag.len(), 1);
        let many = post(json!({ "tag": [{ "type": "Mention" }, { "type": "Hashtag" }] }));
        assert_eq!(many.tag.len(), 2);
        assert!(post(json!({ "tag": null })).tag.is_empty());
        assert!(post(json!({})).tag.is_empty());
    }

    #[test]
    fn references_in_every_shape() {
        let p = post(json!({
            "to": ["as:Public", { "type": "Person", "id": "https://a.example/u/x" }, null, 3,
                   { "type": "Link", "href": "https://a.example/u/y" }, "https://a.example/u/x"],
            "inReplyTo": [{ "type": "Note", "id": "https://a.example/n/1" }],
        }));
        let to: Vec<&str> = p.to.iter().map(Url::as_str).collect();
        assert_eq!(
            to,
            [PUBLIC, "https://a.example/u/x", "https://a.example/u/y"]
        );
        assert_eq!(p.in_reply_to.unwrap().as_str(), "https://a.example/n/1");
        assert_eq!(post(json!({ "to": "Public" })).to[0].as_str(), PUBLIC);
    }

    #[test]
    fn links_in_every_shape() {
        let icon = |v: Value| post(json!({ "icon": v })).icon.map(|u| u.to_string());
        let want = Some("https://a.example/a.png".to_owned());
        assert_eq!(icon(json!("https://a.example/a.png")), want);
        assert_eq!(
            icon(json!({ "type": "Image", "url": "https://a.example/a.png" })),
            want
        );
        assert_eq!(
            icon(
                json!([{ "type": "Image", "url": { "type": "Link", "href": "https://a.example/a.png" } }])
            ),
            want
        );
        assert_eq!(icon(json!({ "type": "Image" })), None);
        let url = post(json!({ "url": [
            { "type": "Link", "mediaType": "video/mp4", "href": "https://a.example/v.mp4" },
            { "type": "Link", "mediaType": "text/html", "href": "https://a.example/w/1" },
        ] }))
        .url;
        assert_eq!(url.unwrap().as_str(), "https://a.example/w/1");
    }
}
