//! Reviews: a reviews group's products (kept by its moderators) and the
//! members' reviews of them, one per member and product, with their stars.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::views::{ProductList, ProductView, ThreadList, ThreadView};
use crate::AppState;
use crate::auth::{ApiUser, MaybeApiUser};
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use guildhall_app::reviews::{self, ProductInput, ReviewInput};
use guildhall_app::{Acting, groups};
use guildhall_core::ids::ProductId;
use guildhall_db::Product;

pub use super::inputs::{ProductCreate, ProductPatch, ReviewCreate, ReviewQuery};

/// A product as the API shows it, with its group's name.
async fn view(state: &AppState, product: Product) -> AppResult<ProductView> {
    let group = state
        .store
        .group_by_id(product.group_id)
        .await?
        .map(|g| g.name)
        .unwrap_or_default();
    Ok(ProductView::new(product, &group, &state.settings))
}

/// A reviews group's products, by name, with their ratings.
#[utoipa::path(get, path = "/api/v1/groups/{name}/products", tag = "reviews", security((), ("bearer" = [])), params(("name" = String, Path)),
    responses((status = 200, body = ProductList), (status = 401, body = ErrorBody, description = "an unknown or expired token"), (status = 403, body = ErrorBody, description = "a private group's, for its members"), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiPath(name): ApiPath<String>,
) -> AppResult<Json<ProductList>> {
    let (group, products) = reviews::products(&state.app, &name, viewer.as_ref()).await?;
    let products = products
        .into_iter()
        .map(|p| ProductView::new(p, &group.name, &state.settings))
        .collect();
    Ok(Json(ProductList { products }))
}

/// Adds a product to a reviews group (its moderators and admins).
#[utoipa::path(post, path = "/api/v1/groups/{name}/products", tag = "reviews", security(("bearer" = [])),
    params(("name" = String, Path)), request_body = ProductCreate,
    responses((status = 201, body = ProductView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody, description = "not a moderator of the group"),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "not a reviews group, or a bad field")))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
    ApiJson(input): ApiJson<ProductCreate>,
) -> AppResult<(StatusCode, Json<ProductView>)> {
    let fields = ProductInput {
        name: &input.name,
        description: &input.description,
        image_url: &input.image_url,
        link_url: &input.link_url,
    };
    let product = reviews::create_product(&state.app, Acting::Member(&user), &name, fields).await?;
    let group = groups::group(&state.app, &name).await?;
    Ok((
        StatusCode::CREATED,
        Json(ProductView::new(product, &group.name, &state.settings)),
    ))
}

#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "reviews", security((), ("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ProductView), (status = 401, body = ErrorBody, description = "an unknown or expired token"), (status = 403, body = ErrorBody, description = "a private group's, for its members"), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<ProductView>> {
    let product = reviews::product(&state.app, ProductId(id), viewer.as_ref()).await?;
    Ok(Json(view(&state, product).await?))
}

/// Changes a product (its group's moderators and admins).
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ProductPatch,
    responses((status = 200, body = ProductView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody, description = "not a moderator of the group"),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ProductPatch>,
) -> AppResult<Json<ProductView>> {
    let current = reviews::product(&state.app, ProductId(id), Some(&user)).await?;
    let fields = ProductInput {
        name: input.name.as_deref().unwrap_or(&current.name),
        description: input.description.as_deref().unwrap_or(&current.description),
        image_url: input
            .image_url
            .as_deref()
            .unwrap_or(current.image_url.as_deref().unwrap_or("")),
        link_url: input
            .link_url
            .as_deref()
            .unwrap_or(current.link_url.as_deref().unwrap_or("")),
    };
    let acting = Acting::Member(&user);
    let product = reviews::update_product(&state.app, acting, ProductId(id), fields).await?;
    Ok(Json(view(&state, product).await?))
}

/// A product's reviews (at most 100), most helpful first unless asked
/// otherwise.
#[utoipa::path(get, path = "/api/v1/products/{id}/reviews", tag = "reviews", security((), ("bearer" = [])),
    params(("id" = i64, Path), ReviewQuery),
    responses((status = 200, body = ThreadList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reviews_of(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ReviewQuery>,
) -> AppResult<Json<ThreadList>> {
    let sort = q.sort.as_deref();
    let list = reviews::reviews(&state.app, ProductId(id), sort, viewer.as_ref()).await?;
    Ok(Json(ThreadList {
        sort: sort.filter(|s| !s.is_empty()).unwrap_or("helpful").into(),
        threads: list
            .into_iter()
            .map(|t| ThreadView::new(t, &state))
            .collect(),
        next_cursor: None,
    }))
}

/// Reviews a product: one review per member and product (a second is a
/// 409: edit the first, its stars with `PATCH /api/v1/threads/{id}`).
#[utoipa::path(post, path = "/api/v1/products/{id}/reviews", tag = "reviews", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ReviewCreate,
    responses((status = 201, body = ThreadView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "already reviewed by the caller"),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody, description = "a rating not from 1 to 5, or a bad field")))]
pub async fn review(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReviewCreate>,
) -> AppResult<(StatusCode, Json<ThreadView>)> {
    let review = ReviewInput {
        title: &input.title,
        body: &input.body,
        rating: &input.rating,
    };
    let thread = reviews::review(&state.app, Acting::Member(&user), ProductId(id), review).await?;
    Ok((StatusCode::CREATED, Json(ThreadView::new(thread, &state))))
}
