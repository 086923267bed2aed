//! Discovery: WebFinger (finding a group or a member by `name@domain`)
//! and NodeInfo (what this server runs and how many use it).

use super::{ACTIVITY_JSON, local_group, local_user};
use crate::{FedError, Federation};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub(super) struct WebfingerQuery {
    resource: String,
}

/// WebFinger. `acct:name@domain` names a group or a user. When both use the
/// name, the group comes first (following groups from Mastodon is what a
/// brand community is for) and the user second, each link typed as Lemmy
/// does; the user also always resolves by its URL.
pub(super) async fn webfinger(
    State(f): State<Federation>,
    Query(q): Query<WebfingerQuery>,
) -> Result<Response, FedError> {
    let ctx = f.context();
    let domain = ctx.urls.domain();
    let resource = q.resource.trim();
    let name = if let Some(acct) = resource.strip_prefix("acct:") {
        let (name, host) = acct
            .rsplit_once('@')
            .ok_or_else(|| FedError::BadRequest("expected acct:name@domain".into()))?;
        if !host.eq_ignore_ascii_case(&domain) {
            return Err(FedError::NotFound("account on this domain"));
        }
        name.trim_start_matches(['!', '@']).to_ascii_lowercase()
    } else {
        let url = url::Url::parse(resource)
            .map_err(|_| FedError::BadRequest("resource must be acct: or a URL".into()))?;
        match ctx.urls.parse(&url) {
            Some(crate::urls::Local::User(n)) | Some(crate::urls::Local::Group(n)) => n,
            _ => return Err(FedError::NotFound("resource")),
        }
    };
    let by_url = !resource.starts_with("acct:");
    let group = local_group(ctx, &name).await.ok();
    let user = local_user(ctx, &name).await.ok();
    let mut links = Vec::new();
    let mut aliases = Vec::new();
    let group_link = group
        .as_ref()
        .filter(|_| !by_url || resource.contains("/g/"));
    let user_link = user
        .as_ref()
        .filter(|_| !by_url || resource.contains("/u/"));
    for (url, kind) in [
        (group_link.map(|g| ctx.urls.group(&g.name)), "Group"),
        (user_link.map(|u| ctx.urls.user(&u.username)), "Person"),
    ] {
        let Some(url) = url else { continue };
        links.push(json!({ "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": url }));
        links.push(json!({
            "rel": "self",
            "type": ACTIVITY_JSON,
            "href": url,
            "properties": { "https://www.w3.org/ns/activitystreams#type": kind },
        }));
        aliases.push(json!(url));
    }
    if links.is_empty() {
        return Err(FedError::NotFound("account"));
    }
    let body =
        json!({ "subject": format!("acct:{name}@{domain}"), "aliases": aliases, "links": links });
    Ok(([(header::CONTENT_TYPE, "application/jrd+json")], Json(body)).into_response())
}

pub(super) async fn nodeinfo_links(State(f): State<Federation>) -> Json<Value> {
    let href = f
        .context()
        .urls
        .base()
        .join("/nodeinfo/2.1")
        .map(|u| u.to_string())
        .unwrap_or_default();
    Json(
        json!({ "links": [{ "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": href }] }),
    )
}

pub(super) async fn nodeinfo(State(f): State<Federation>) -> Result<Response, FedError> {
    let ctx = f.context();
    let usage = ctx.store.usage(guildhall_db::now_ms()).await?;
    let body = json!({
        "version": "2.1",
        "software": {
            "name": "guildhall",
            "version": env!("CARGO_PKG_VERSION"),
            "repository": "https://github.com/guildhall/guildhall",
        },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": ctx.settings.open_registrations,
        "usage": {
            "users": {
                "total": usage.users,
                "activeMonth": usage.active_month,
                "activeHalfyear": usage.active_halfyear,
            },
            "localPosts": usage.local_posts,
            "localComments": usage.local_comments,
        },
        // Tells peers that attestation Offers are read here (`nodeinfo`).
        "metadata": crate::nodeinfo::metadata(),
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
        )],
        Json(body),
    )
        .into_response())
}
