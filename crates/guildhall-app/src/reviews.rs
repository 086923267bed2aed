//! Reviews: a reviews group's moderators keep its products; members
//! review each product once, with one to five stars, and edit their review
//! later. The rules are `guildhall_core::reviews`; trust levels apply to
//! reviews as to any post (a review is a thread), and "helpful" is a vote.

use crate::posts::Checked;
use crate::threads::Written;
use crate::{Acting, App, Error, Received, Result, actor, threads};
use guildhall_core::content::render_markdown;
use guildhall_core::ids::{ProductId, ThreadId};
use guildhall_core::permissions::can_edit;
use guildhall_core::reviews::{Rating, may_manage_products, product_link, product_name};
use guildhall_core::visibility::Visibility;
use guildhall_db::{
    FedGroup, Federated, Group, NewThread, Product, ProductFields, ReviewOrder, Thread, User, Via,
};
use serde_json::Value;

/// A product as a moderator writes it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProductInput<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub image_url: &'a str,
    pub link_url: &'a str,
}

/// Who reviews what: the product, its stars, and what they wrote.
#[derive(Debug, Clone, Copy)]
pub struct ReviewInput<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub rating: &'a Value,
}

/// A group's products, with how they are rated.
pub async fn products(
    app: &App,
    group_name: &str,
    viewer: Option<&User>,
) -> Result<(Group, Vec<Product>)> {
    let group = crate::access::readable(app, group_name, viewer).await?;
    let products = app.store.products(group.id).await?;
    Ok((group, products))
}

/// A product, if `viewer` may read its group.
pub async fn product(app: &App, id: ProductId, viewer: Option<&User>) -> Result<Product> {
    let product = app
        .store
        .product(id)
        .await?
        .ok_or_else(|| Error::not_found("product"))?;
    let group = app
        .store
        .group_by_id(product.group_id)
        .await?
        .ok_or_else(|| Error::not_found("product"))?;
    crate::access::check_read(app, (group.id, group.visibility), viewer, "product").await?;
    Ok(product)
}

/// A product's fields, checked: its name, its description (Markdown and
/// HTML) and its links.
struct CheckedProduct {
    name: String,
    description: String,
    description_html: String,
    image_url: Option<String>,
    link_url: Option<String>,
}

impl CheckedProduct {
    fn new(app: &App, input: &ProductInput<'_>) -> Result<CheckedProduct> {
        let description = app
            .settings
            .limits
            .optional_text("description", input.description)?;
        Ok(CheckedProduct {
            name: product_name(input.name)?,
            description_html: render_markdown(&description),
            description,
            image_url: product_link("image_url", input.image_url)?,
            link_url: product_link("link_url", input.link_url)?,
        })
    }

    fn fields(&self) -> ProductFields<'_> {
        ProductFields {
            name: &self.name,
            description: &self.description,
            description_html: &self.description_html,
            image_url: self.image_url.as_deref(),
            link_url: self.link_url.as_deref(),
        }
    }
}

/// A moderator (or admin) adds a product to a reviews group.
pub async fn create_product(
    app: &App,
    acting: Acting<'_>,
    group_name: &str,
    input: ProductInput<'_>,
) -> Result<Product> {
    let user = acting.member()?;
    let group = crate::access::visible(app, group_name, Some(user)).await?;
    manages(app, &group, user).await?;
    let product = CheckedProduct::new(app, &input)?;
    Ok(app
        .store
        .create_product(group.id, product.fields(), user.id)
        .await?)
}

/// A moderator (or admin) changes a product.
pub async fn update_product(
    app: &App,
    acting: Acting<'_>,
    id: ProductId,
    input: ProductInput<'_>,
) -> Result<Product> {
    let user = acting.member()?;
    let current = product(app, id, Some(user)).await?;
    let group = app
        .store
        .group_by_id(current.group_id)
        .await?
        .ok_or_else(|| Error::not_found("group"))?;
    manages(app, &group, user).await?;
    let checked = CheckedProduct::new(app, &input)?;
    app.store.update_product(id, checked.fields()).await?;
    product(app, id, Some(user)).await
}

/// Refuses anyone but the group's moderators and the instance's admins.
async fn manages(app: &App, group: &Group, user: &User) -> Result<()> {
    if group.origin.is_remote() {
        return Err(Error::Forbidden(
            "this group is on another server: its moderators there keep its products".into(),
        ));
    }
    let moderates = app.store.is_moderator(group.id, user.id).await?;
    may_manage_products(group.kind, actor(user), moderates)?;
    Ok(())
}

/// The order of a product's reviews by name: `helpful` (default), `new`,
/// `high` or `low`.
pub fn order(sort: Option<&str>) -> Result<ReviewOrder> {
    match sort.filter(|s| !s.is_empty()).unwrap_or("helpful") {
        "helpful" => Ok(ReviewOrder::Helpful),
        "new" => Ok(ReviewOrder::Newest),
        "high" => Ok(ReviewOrder::Highest),
        "low" => Ok(ReviewOrder::Lowest),
        _ => Err(Error::Invalid(
            "invalid sort: use helpful, new, high or low".into(),
        )),
    }
}

/// Reviews shown on a product's page, at most.
pub const REVIEWS_SHOWN: i64 = 100;

/// A product's reviews in the order asked for.
pub async fn reviews(
    app: &App,
    id: ProductId,
    sort: Option<&str>,
    viewer: Option<&User>,
) -> Result<Vec<Thread>> {
    let order = order(sort)?;
    product(app, id, viewer).await?;
    Ok(app
        .store
        .reviews(id, order, REVIEWS_SHOWN, viewer.map(|u| u.id))
        .await?)
}

/// A member reviews a product: once (a second review is refused with 409;
/// they edit the first), with one to five stars.
pub async fn review(
    app: &App,
    acting: Acting<'_>,
    id: ProductId,
    input: ReviewInput<'_>,
) -> Result<Thread> {
    let user = acting.member()?;
    let product = product(app, id, Some(user)).await?;
    let rating = Rating::from_json(input.rating)?;
    let written = Written::new(app, user, input.title, input.body)?;
    let new = written.thread(product.group_id, user);
    Ok(app
        .store
        .create_review(new, product.id, rating, Via::Local, None)
        .await?)
}

/// The member's review of a product, if they wrote one.
pub async fn review_by(app: &App, id: ProductId, user: &User) -> Result<Option<ThreadId>> {
    Ok(app.store.review_by(id, user.id).await?)
}

/// An edit of a review: its stars, and its title or text if given.
#[derive(Debug, Clone, Copy)]
pub struct ReviewEdit<'a> {
    pub title: Option<&'a str>,
    pub body: Option<&'a str>,
    pub rating: &'a Value,
}

/// Its author edits a review. Everything is checked before anything
/// changes: the stars, that it is a review and theirs, then the text.
pub async fn edit(
    app: &App,
    acting: Acting<'_>,
    id: ThreadId,
    edit: ReviewEdit<'_>,
) -> Result<Thread> {
    let user = acting.member()?;
    let rating = Rating::from_json(edit.rating)?;
    let review = threads::thread(app, id, Some(user)).await?;
    if review.product_id.is_none() {
        return Err(Error::Invalid(
            "invalid rating: only a review of a product has one".into(),
        ));
    }
    can_edit(actor(user), review.author_id, review.deleted_at.is_some())?;
    if edit.title.is_some() || edit.body.is_some() {
        threads::edit(app, acting, id, edit.title, edit.body).await?;
    }
    app.store.set_rating(id, rating, Via::Local).await?;
    threads::thread(app, id, Some(user)).await
}

/// What a remote review's Page names: the product here, and the stars as sent.
#[derive(Debug, Clone, Copy)]
pub struct RemoteReview<'a> {
    pub product: ProductId,
    pub rating: &'a Value,
}

/// A remote member's review arrives as a Page naming one of `group`'s
/// products: taken as a local one is (one per member and product; a
/// second is a 409 and nothing is stored).
pub async fn create_remote(
    app: &App,
    acting: Acting<'_>,
    received: Received<'_>,
    group: &FedGroup,
    review: RemoteReview<'_>,
    post: &Checked,
    federated: Federated<'_>,
) -> Result<()> {
    let author = acting.remote()?.user;
    received.check_group(group)?;
    let rating = Rating::from_json(review.rating)?;
    let product = app
        .store
        .product(review.product)
        .await?
        .ok_or_else(|| Error::not_found("product"))?;
    if product.group_id != group.id {
        return Err(Error::Invalid(
            "invalid itemReviewed: the product is not one of this group's".into(),
        ));
    }
    if group.visibility != Visibility::Public {
        return Err(Error::Forbidden(
            "the group does not take posts from other servers".into(),
        ));
    }
    let new = NewThread {
        group_id: group.id,
        author_id: author.id,
        title: &post.title,
        body: &post.body,
        body_html: &post.html,
    };
    let stored = app
        .store
        .create_review(
            new,
            product.id,
            rating,
            received.via(group),
            Some(federated),
        )
        .await;
    match stored {
        Ok(_) => Ok(()),
        // The same activity twice (direct and announced) is no second review.
        Err(guildhall_db::StoreError::Taken(_)) => Ok(()),
        Err(e) => Err(Error::worded(e)),
    }
}

/// Its remote author changes a review's stars (an Update of its Page);
/// the same stars again change nothing.
pub async fn rate_remote(
    app: &App,
    acting: Acting<'_>,
    received: Received<'_>,
    group: &FedGroup,
    review: &Thread,
    rating: &Value,
) -> Result<()> {
    let author = acting.remote()?.user;
    received.check_group(group)?;
    let rating = Rating::from_json(rating)?;
    if review.author_id != author.id {
        return Err(Error::Forbidden("only the author may edit this".into()));
    }
    if review.product_id.is_none() || review.deleted_at.is_some() {
        return Ok(());
    }
    if review.rating == Some(i64::from(rating.stars())) {
        return Ok(());
    }
    app.store
        .set_rating(review.id, rating, received.via(group))
        .await
        .map_err(Error::worded)
}
