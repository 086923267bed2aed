//! Federation's HTTP side: actors, posts and collections as ActivityStreams
//! JSON (chosen by `Accept` on the same URLs as the pages), the inboxes,
//! WebFinger and NodeInfo.

use crate::actors::{Standing, served};
use crate::posts::post_refs;
use crate::protocol::context::context;
use crate::protocol::objects::{OrderedCollection, Tombstone};
use crate::protocol::outbound::{Announce, Listed, ListedCreate};
use crate::{Context, FedError, Federation, attestations, inbox, signed_fetch};
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use guildhall_core::ids::{ProductId, ReplyId, ThreadId};
use guildhall_core::ranking::Sort;
use guildhall_core::visibility::Visibility;
use guildhall_db::{ActorKey, EventObject};
use serde_json::Value;
use tower::ServiceExt;

mod discovery;

pub const ACTIVITY_JSON: &str = "application/activity+json";

/// Whether the client asks for ActivityStreams rather than HTML.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("application/activity+json") || v.contains("application/ld+json")
        })
}

/// Routes that exist only for federation.
pub fn router<S: Clone + Send + Sync + 'static>(federation: Federation) -> Router<S> {
    Router::new()
        .route("/inbox", post(receive))
        .route("/u/{name}/inbox", post(receive))
        .route("/g/{name}/inbox", post(receive))
        .route("/actor", get(instance))
        .route("/actor/outbox", get(empty_collection))
        .route("/u/{name}/outbox", get(empty_collection))
        .route("/u/{name}/followers", get(empty_collection))
        .route("/u/{name}/attestation", get(current_attestation))
        .route("/u/{name}/attestations/{id}", get(issued_attestation))
        .route("/ns/reputation/v1", get(reputation_context))
        .route("/g/{name}/outbox", get(group_outbox))
        .route("/g/{name}/followers", get(group_followers))
        .route("/g/{name}/moderators", get(group_moderators))
        .route("/g/{name}/featured", get(group_featured))
        .route("/t/{id}/replies", get(thread_replies))
        .route("/t/{id}/context", get(thread_replies))
        .route("/.well-known/webfinger", get(discovery::webfinger))
        .route("/.well-known/nodeinfo", get(discovery::nodeinfo_links))
        .route("/nodeinfo/2.1", get(discovery::nodeinfo))
        .with_state(federation)
}

/// The ActivityStreams side of URLs the pages also serve.
fn negotiated(federation: Federation) -> Router {
    Router::new()
        .route("/u/{name}", get(person))
        .route("/g/{name}", get(group))
        .route("/t/{id}", get(thread))
        .route("/r/{id}", get(reply))
        .route("/p/{id}", get(product))
        .with_state(federation)
}

/// Middleware: a GET that asks for ActivityStreams JSON of an actor or post
/// is answered here; everything else goes on to the pages.
pub async fn negotiate(
    State(federation): State<Federation>,
    request: Request,
    next: Next,
) -> Response {
    let is_ap_get = matches!(*request.method(), Method::GET | Method::HEAD)
        && wants_activity_json(request.headers());
    let path = request.uri().path();
    let ours = ["/u/", "/g/", "/t/", "/r/", "/p/"]
        .iter()
        .any(|p| path.starts_with(p))
        && path.matches('/').count() == 2;
    if is_ap_get && ours {
        return match negotiated(federation).oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
    }
    let mut response = next.run(request).await;
    // Caches must not hand the HTML to a federating server or the reverse.
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("Accept"));
    response
}

struct ApJson(Value);

impl ApJson {
    /// A document of ours, as served.
    fn of(document: impl serde::Serialize) -> Result<ApJson, FedError> {
        Ok(ApJson(serde_json::to_value(document)?))
    }
}

impl IntoResponse for ApJson {
    fn into_response(self) -> Response {
        let mut body = self.0;
        if body.get("@context").is_none() {
            body["@context"] = context();
        }
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(ACTIVITY_JSON),
                ),
                (header::VARY, HeaderValue::from_static("Accept")),
            ],
            Json(body),
        )
            .into_response()
    }
}

async fn receive(
    State(f): State<Federation>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, FedError> {
    let data = f.data();
    inbox::receive(&data, &method, &uri, &headers, body).await
}

async fn instance(State(f): State<Federation>) -> Result<ApJson, FedError> {
    // Read each time: a rotation from the CLI (another process) shows at once.
    let keys = f.context().store.attestation_keys().await?;
    ApJson::of(served::instance(f.context(), &keys))
}

async fn local_user(ctx: &Context, name: &str) -> Result<guildhall_db::FedUser, FedError> {
    ctx.store
        .fed_user(ActorKey::Name(name))
        .await?
        .filter(|u| u.origin.is_local())
        .ok_or(FedError::NotFound("user"))
}

/// A group of ours as other servers see it: a hidden one is not there; a
/// private one shows its profile (to be followed), and its content only to
/// its followers' servers ([`readable_group`]).
async fn local_group(ctx: &Context, name: &str) -> Result<guildhall_db::FedGroup, FedError> {
    ctx.store
        .fed_group(ActorKey::Name(name))
        .await?
        .filter(|g| g.origin.is_local() && g.visibility != Visibility::Hidden)
        .ok_or(FedError::NotFound("group"))
}

/// What a fetch's signature is checked against.
type Parts = (Method, Uri, HeaderMap);

fn fetch_of(parts: &Parts) -> signed_fetch::Request<'_> {
    signed_fetch::Request {
        method: &parts.0,
        uri: &parts.1,
        headers: &parts.2,
    }
}

/// A group of ours whose content the fetch may read ([`signed_fetch`]).
async fn readable_group(
    f: &Federation,
    name: &str,
    request: signed_fetch::Request<'_>,
) -> Result<guildhall_db::FedGroup, FedError> {
    let group = local_group(f.context(), name).await?;
    signed_fetch::check(&f.data(), &group, request).await?;
    Ok(group)
}

async fn person(State(f): State<Federation>, Path(name): Path<String>) -> Result<ApJson, FedError> {
    let ctx = f.context();
    let user = local_user(ctx, &name).await?;
    let reputation = ctx.store.member_reputation(user.id).await?;
    let standing = Standing {
        rank: reputation.rank,
        points: reputation.total,
        trust_level: reputation.trust_level,
    };
    ApJson::of(served::person(ctx, &user, &standing))
}

/// A signed document, served byte for byte as it was signed, as
/// ActivityStreams JSON: what fediverse servers accept from a fetch.
fn signed_json(text: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(ACTIVITY_JSON),
            ),
            (header::VARY, HeaderValue::from_static("Accept")),
        ],
        text,
    )
        .into_response()
}

/// 410 Gone, with what is left of it.
fn gone(tombstone: Tombstone) -> Result<Response, FedError> {
    Ok((StatusCode::GONE, ApJson::of(tombstone)?).into_response())
}

fn revoked_response(
    id: &url::Url,
    a: &guildhall_db::IssuedAttestation,
) -> Result<Response, FedError> {
    gone(Tombstone {
        kind: Default::default(),
        id: id.clone(),
        former_type: Some("VerifiableCredential"),
        deleted: Some(a.revoked_at.map(crate::protocol::context::time)),
    })
}

/// A member's current attestation, issued or renewed if due; 410 when
/// revoked. Public: anyone may verify it (fetches may be signed or not).
async fn current_attestation(
    State(f): State<Federation>,
    Path(name): Path<String>,
) -> Result<Response, FedError> {
    let ctx = f.context();
    let user = local_user(ctx, &name).await?;
    match attestations::current(ctx, &user).await {
        Ok(a) => Ok(signed_json(a.document)),
        Err(FedError::Gone(_)) => {
            let latest = ctx.store.current_attestation(user.id).await?;
            let id = ctx.urls.current_attestation(&name);
            match latest {
                Some(a) => revoked_response(&id, &a),
                None => gone(Tombstone {
                    kind: Default::default(),
                    id,
                    former_type: None,
                    deleted: None,
                }),
            }
        }
        Err(e) => Err(e),
    }
}

/// One issued attestation at its id: its status, for verifiers (410 once
/// revoked).
async fn issued_attestation(
    State(f): State<Federation>,
    Path((name, id)): Path<(String, i64)>,
) -> Result<Response, FedError> {
    let ctx = f.context();
    let user = local_user(ctx, &name).await?;
    let a = ctx
        .store
        .attestation(id)
        .await?
        .filter(|a| a.user_id == user.id)
        .ok_or(FedError::NotFound("attestation"))?;
    if a.revoked_at.is_some() {
        return revoked_response(&ctx.urls.attestation(&name, id), &a);
    }
    Ok(signed_json(a.document))
}

async fn reputation_context(State(f): State<Federation>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/ld+json"),
        )],
        Json(attestations::context_document(f.context())),
    )
        .into_response()
}

async fn group(State(f): State<Federation>, Path(name): Path<String>) -> Result<ApJson, FedError> {
    let ctx = f.context();
    let group = local_group(ctx, &name).await?;
    ApJson::of(served::group(ctx, &group))
}

/// A thread or reply of ours as a Page or Note; a tombstone as 410 Gone.
async fn post_response(
    f: &Federation,
    object: EventObject,
    request: signed_fetch::Request<'_>,
) -> Result<Response, FedError> {
    let ctx = f.context();
    let post = post_refs(ctx, object).await?;
    // Copies of remote posts are not served: they live at their origin.
    if !ctx.urls.is_local(&post.url) {
        return Err(FedError::NotFound("post"));
    }
    signed_fetch::check(&f.data(), &post.group, request).await?;
    if post.deleted {
        return gone(Tombstone {
            kind: Default::default(),
            id: post.url,
            former_type: Some(post.post.kind()),
            deleted: None,
        });
    }
    Ok(ApJson::of(post.post)?.into_response())
}

async fn thread(
    State(f): State<Federation>,
    Path(id): Path<i64>,
    parts: Parts,
) -> Result<Response, FedError> {
    post_response(&f, EventObject::Thread(ThreadId(id)), fetch_of(&parts)).await
}

async fn reply(
    State(f): State<Federation>,
    Path(id): Path<i64>,
    parts: Parts,
) -> Result<Response, FedError> {
    post_response(&f, EventObject::Reply(ReplyId(id)), fetch_of(&parts)).await
}

/// A product of one of our public reviews groups.
async fn product(State(f): State<Federation>, Path(id): Path<i64>) -> Result<Response, FedError> {
    let ctx = f.context();
    let product = ctx
        .store
        .product(ProductId(id))
        .await?
        .ok_or(FedError::NotFound("product"))?;
    let group = crate::posts::group(ctx, product.group_id).await?;
    let object =
        crate::products::object(ctx, &product, &group).ok_or(FedError::NotFound("product"))?;
    Ok(ApJson::of(object)?.into_response())
}

fn collection<T: serde::Serialize>(
    id: &Uri,
    items: Vec<T>,
    total: i64,
) -> Result<ApJson, FedError> {
    ApJson::of(OrderedCollection {
        kind: Default::default(),
        id: id.to_string(),
        total_items: total,
        ordered_items: items,
    })
}

async fn empty_collection(State(f): State<Federation>, uri: Uri) -> Result<ApJson, FedError> {
    collection::<Value>(&full_uri(f.context(), &uri), vec![], 0)
}

fn full_uri(ctx: &Context, uri: &Uri) -> Uri {
    ctx.urls
        .base()
        .join(uri.path())
        .ok()
        .and_then(|u| u.as_str().parse().ok())
        .unwrap_or_else(|| uri.clone())
}

/// The group's latest threads, as Lemmy serves a community outbox:
/// `Announce(Create(Page))`, newest first.
async fn group_outbox(
    State(f): State<Federation>,
    Path(name): Path<String>,
    parts: Parts,
) -> Result<ApJson, FedError> {
    let group = readable_group(&f, &name, fetch_of(&parts)).await?;
    let (ctx, uri) = (f.context(), &parts.1);
    let group_url = ctx.urls.group(&group.name);
    let page = ctx
        .store
        .list_threads(group.id, Sort::New, None, 50, None)
        .await?;
    // Addressed as the group's activities are: a private group's to its
    // followers alone.
    let reach = crate::posts::reach(ctx, &group);
    let followers = ctx.urls.sub(&group_url, "followers");
    let cc = if reach == followers {
        vec![]
    } else {
        vec![followers]
    };
    let mut items = Vec::new();
    for t in page.items {
        let post = post_refs(ctx, EventObject::Thread(t.id)).await?;
        let local_url = ctx.urls.thread(t.id);
        // Our members' threads as Announce(Create(Page)). A remote author's
        // Create is not ours to mint (its id would sit on our domain under
        // their name), so their threads go out as Announce(Page).
        let object = if ctx.urls.is_local(&post.url) {
            Listed::Create(Box::new(ListedCreate {
                kind: Default::default(),
                id: ctx.urls.sub(&local_url, "create"),
                actor: post.post.attributed_to().clone(),
                object: post.post,
                to: vec![group_url.clone(), reach.clone()],
                audience: group_url.clone(),
            }))
        } else {
            Listed::Post(Box::new(post.post))
        };
        items.push(Announce {
            kind: Default::default(),
            id: ctx.urls.sub(&local_url, "announce"),
            actor: group_url.clone(),
            object,
            to: vec![reach.clone()],
            cc: cc.clone(),
            audience: None,
        });
    }
    let total = items.len() as i64;
    collection(&full_uri(ctx, uri), items, total)
}

/// The group's pinned threads, as Lemmy serves a community's featured
/// posts: the Pages themselves.
async fn group_featured(
    State(f): State<Federation>,
    Path(name): Path<String>,
    parts: Parts,
) -> Result<ApJson, FedError> {
    let group = readable_group(&f, &name, fetch_of(&parts)).await?;
    let (ctx, uri) = (f.context(), &parts.1);
    let mut pages = Vec::new();
    for t in ctx.store.pinned_threads(group.id).await? {
        pages.push(post_refs(ctx, EventObject::Thread(t.id)).await?.post);
    }
    let total = pages.len() as i64;
    collection(&full_uri(ctx, uri), pages, total)
}

/// Follower count only, as Lemmy and Mastodon publish it.
async fn group_followers(
    State(f): State<Federation>,
    Path(name): Path<String>,
    parts: Parts,
) -> Result<ApJson, FedError> {
    let group = readable_group(&f, &name, fetch_of(&parts)).await?;
    let (ctx, uri) = (f.context(), &parts.1);
    collection::<Value>(&full_uri(ctx, uri), vec![], group.member_count)
}

async fn group_moderators(
    State(f): State<Federation>,
    Path(name): Path<String>,
    uri: Uri,
) -> Result<ApJson, FedError> {
    let ctx = f.context();
    let group = local_group(ctx, &name).await?;
    // Each by their id: a moderator may be someone on another server.
    let mut mods: Vec<url::Url> = Vec::new();
    for m in ctx.store.moderators(group.id).await? {
        let user = crate::posts::user(ctx, m.id).await?;
        mods.push(crate::posts::user_url(ctx, &user));
    }
    let total = mods.len() as i64;
    collection(&full_uri(ctx, &uri), mods, total)
}

/// A thread's replies, embedded, oldest first: what peers backfill from.
async fn thread_replies(
    State(f): State<Federation>,
    Path(id): Path<i64>,
    parts: Parts,
) -> Result<ApJson, FedError> {
    let (ctx, uri) = (f.context(), &parts.1);
    let t = ctx
        .store
        .thread(ThreadId(id), None)
        .await?
        .ok_or(FedError::NotFound("thread"))?;
    // A copy of a remote thread is not ours to serve.
    if ctx
        .store
        .ap_id_of(guildhall_db::PostTable::Threads, t.id.get())
        .await?
        .is_some()
    {
        return Err(FedError::NotFound("thread"));
    }
    // A private group's replies go to its followers' servers alone.
    let group = crate::posts::group(ctx, t.group_id).await?;
    signed_fetch::check(&f.data(), &group, fetch_of(&parts)).await?;
    let mut items = Vec::new();
    for r in ctx.store.replies(t.id, None, 1000).await? {
        if r.deleted_at.is_none() {
            items.push(post_refs(ctx, EventObject::Reply(r.id)).await?.post);
        }
    }
    let total = items.len() as i64;
    collection(&full_uri(ctx, uri), items, total)
}
