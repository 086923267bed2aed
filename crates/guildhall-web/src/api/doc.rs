//! The finishing of the OpenAPI document: utoipa writes what each handler
//! declares; this adds what every operation can answer because of the
//! extractors and layers it goes through (a bad path segment, a missing
//! token, a body that is too large or not JSON, a rate limit), and the
//! bounds of every input, taken from the same rules and configured limits
//! the server enforces, so the document cannot drift from them.

use crate::settings::WebSettings;
use guildhall_core::{content, names};
use serde_json::{Value, json};

/// The operations a per-client or per-member rate limit guards (429 with
/// `Retry-After`).
const RATE_LIMITED: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/groups/{name}/threads"),
    ("post", "/api/v1/threads/{id}/replies"),
    ("post", "/api/v1/threads/{id}/flag"),
    ("post", "/api/v1/replies/{id}/flag"),
];

/// The operations that hash a password: beyond the bound on concurrent
/// hashes they answer 503 with `Retry-After` rather than queue without end.
const HASHING: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/register"),
];

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// The document as this instance serves it.
pub fn document(
    doc: &utoipa::openapi::OpenApi,
    settings: &WebSettings,
    rules: &guildhall_app::Settings,
) -> Value {
    let mut doc = serde_json::to_value(doc).expect("the OpenAPI model serializes");
    add_statuses(&mut doc, settings);
    add_bounds(&mut doc, rules);
    doc
}

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

fn retry_after(description: &str) -> Value {
    let mut response = error(description);
    response["headers"] = json!({
        "Retry-After": {"description": "seconds to wait before trying again",
                        "schema": {"type": "integer", "minimum": 1}}
    });
    response
}

fn add_statuses(doc: &mut Value, settings: &WebSettings) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            let Some(op) = item.get_mut(method) else {
                continue;
            };
            let has_path = path.contains('{');
            let parameters = op["parameters"].as_array().cloned().unwrap_or_default();
            let has_query = parameters.iter().any(|p| p["in"] == "query");
            let has_body = op.get("requestBody").is_some();
            let bearer = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            let mut add = |status: &str, response: Value| {
                let responses = op["responses"].as_object_mut().expect("responses");
                responses.entry(status).or_insert(response);
            };
            if has_path || has_query || has_body {
                add(
                    "400",
                    error("malformed path segment, query parameter or JSON syntax"),
                );
            }
            if bearer {
                add(
                    "401",
                    error("no, malformed, unknown or expired bearer token"),
                );
            }
            if path.contains("{name}") || path.contains("{id}") || path.contains("{username}") {
                add("404", error("no such group, thread, reply or member"));
            }
            if has_body {
                add(
                    "413",
                    error(&format!(
                        "body larger than {} bytes (server.max_body_bytes)",
                        settings.max_body_bytes
                    )),
                );
                add(
                    "415",
                    error("body not sent with Content-Type: application/json"),
                );
                add(
                    "422",
                    error("not a JSON object of the documented shape, or a rule broken"),
                );
            }
            if has_query {
                add("422", error("a query value out of its documented range"));
            }
            if RATE_LIMITED.contains(&(method, path.as_str())) {
                add("429", retry_after("too many requests; see Retry-After"));
            }
            if HASHING.contains(&(method, path.as_str())) {
                add(
                    "503",
                    retry_after("too many password checks at once; see Retry-After"),
                );
            }
            // In status order, as a reader looks for them.
            if let Some(responses) = op["responses"].as_object_mut() {
                let mut sorted: Vec<(String, Value)> =
                    std::mem::take(responses).into_iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                responses.extend(sorted);
            }
        }
    }
}

/// What one input may hold.
enum Bound {
    /// Characters, at least and at most.
    Length(usize, usize),
    /// Not empty, of any length the body size allows.
    NotEmpty,
    /// A user or group name (`names`): folded to lower case by the server.
    Name,
    Range(f64, f64),
    OneOf(Value),
}

/// The sorts, windows and periods listings take, as `ranking::Sort::parse`
/// and `Period::parse` read them (a test checks they accept each).
const SORTS: &[&str] = &["hot", "new", "active", "top"];
const WINDOWS: &[&str] = &["day", "week", "month", "all"];
const PERIODS: &[&str] = &["all", "month", "week"];
/// The store clamps a leaderboard's size to this.
const LEADERBOARD_MAX: i64 = 100;

fn granted_badges() -> Value {
    use guildhall_core::reputation::badges::{BADGES, Earned};
    let keys: Vec<&str> = BADGES
        .iter()
        .filter(|b| matches!(b.earned, Earned::Granted))
        .map(|b| b.key)
        .collect();
    json!(keys)
}

fn apply(p: &mut Value, bound: &Bound) {
    match bound {
        Bound::Length(min, max) => {
            if *min > 0 {
                p["minLength"] = json!(min);
            }
            p["maxLength"] = json!(max);
        }
        Bound::NotEmpty => p["minLength"] = json!(1),
        Bound::Name => {
            p["minLength"] = json!(1);
            p["maxLength"] = json!(names::NAME_MAX);
            p["pattern"] = json!("^[A-Za-z0-9_]+$");
        }
        Bound::Range(min, max) => {
            p["minimum"] = json!(min);
            p["maximum"] = json!(max);
        }
        Bound::OneOf(values) => p["enum"] = values.clone(),
    }
}

fn add_bounds(doc: &mut Value, s: &guildhall_app::Settings) {
    let l = s.limits;
    let title = Bound::Length(1, l.title_max);
    let body = Bound::Length(1, l.body_max);
    let text = Bound::Length(0, l.body_max);
    let display_name = Bound::Length(0, content::DISPLAY_NAME_MAX);
    let adjustment = content::ADJUSTMENT_MAX as f64;
    let properties: &[(&str, &str, Bound)] = &[
        ("RegisterInput", "username", Bound::Name),
        (
            "RegisterInput",
            "password",
            Bound::Length(names::PASSWORD_MIN, names::PASSWORD_MAX),
        ),
        ("RegisterInput", "display_name", display_name),
        (
            "ProfileInput",
            "display_name",
            Bound::Length(0, content::DISPLAY_NAME_MAX),
        ),
        ("ProfileInput", "bio", Bound::Length(0, l.bio_max)),
        (
            "ProfileInput",
            "avatar_url",
            Bound::Length(0, content::AVATAR_URL_MAX),
        ),
        ("GroupCreate", "name", Bound::Name),
        ("GroupCreate", "title", title),
        ("GroupCreate", "description", text),
        ("GroupCreate", "rules", Bound::Length(0, l.body_max)),
        ("GroupPatch", "title", Bound::Length(1, l.title_max)),
        ("GroupPatch", "description", Bound::Length(0, l.body_max)),
        ("GroupPatch", "rules", Bound::Length(0, l.body_max)),
        ("ModeratorInput", "username", Bound::Name),
        ("ThreadCreate", "title", Bound::Length(1, l.title_max)),
        ("ThreadCreate", "body", body),
        ("ThreadPatch", "title", Bound::Length(1, l.title_max)),
        ("ThreadPatch", "body", Bound::Length(1, l.body_max)),
        ("ReplyCreate", "body", Bound::Length(1, l.body_max)),
        ("ReplyPatch", "body", Bound::Length(1, l.body_max)),
        ("VoteInput", "value", Bound::OneOf(json!([1, -1]))),
        (
            "FlagInput",
            "reason",
            Bound::Length(1, content::FLAG_REASON_MAX),
        ),
        (
            "AdjustInput",
            "points",
            Bound::Range(-adjustment, adjustment),
        ),
        ("AdjustInput", "reason", Bound::NotEmpty),
        ("BadgeInput", "badge", Bound::OneOf(granted_badges())),
        ("WithdrawInput", "reason", Bound::NotEmpty),
        (
            "InstancePolicy",
            "policy",
            Bound::OneOf(json!(["allow", "block", null])),
        ),
        ("PartnerInput", "trust_weight", Bound::Range(0.0, 1.0)),
        ("PartnerInput", "max_trust_level", Bound::Range(0.0, 4.0)),
    ];
    for (schema, property, bound) in properties {
        let p = &mut doc["components"]["schemas"][schema]["properties"][property];
        assert!(
            p.is_object(),
            "the document has no {schema}.{property} to bound"
        );
        apply(p, bound);
    }
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let page_max = if path.ends_with("/leaderboard") {
            LEADERBOARD_MAX
        } else {
            s.page_size_max
        };
        for method in METHODS {
            let Some(params) = item
                .get_mut(method)
                .and_then(|op| op.get_mut("parameters"))
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for p in params.iter_mut().filter(|p| p["in"] == "query") {
                let bound = match p["name"].as_str() {
                    Some("limit") => Bound::Range(1.0, page_max as f64),
                    Some("sort") => Bound::OneOf(json!(SORTS)),
                    Some("t") => Bound::OneOf(json!(WINDOWS)),
                    Some("period") => Bound::OneOf(json!(PERIODS)),
                    _ => continue,
                };
                apply(&mut p["schema"], &bound);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guildhall_core::ranking::Sort;

    #[test]
    fn documented_choices_are_the_ones_the_server_reads() {
        for sort in SORTS {
            assert!(Sort::parse(Some(sort), None).is_ok(), "{sort}");
        }
        for window in WINDOWS {
            assert!(Sort::parse(Some("top"), Some(window)).is_ok(), "{window}");
        }
        for period in PERIODS {
            assert!(guildhall_db::Period::parse(period).is_some(), "{period}");
        }
        assert!(Sort::parse(Some("best"), None).is_err());
        assert_eq!(granted_badges(), json!(["recognized"]));
    }

    #[test]
    fn every_bound_finds_its_property() {
        // add_bounds asserts each (schema, property) exists.
        let doc = document(
            &super::super::openapi(),
            &WebSettings::default(),
            &guildhall_app::Settings::default(),
        );
        let title = &doc["components"]["schemas"]["ThreadCreate"]["properties"]["title"];
        assert_eq!(title["maxLength"], 200);
    }
}
