//! Review pages: a product with its rating, the distribution of its stars
//! and its reviews; writing a review; the moderators' product form. A
//! product page carries schema.org `Product` JSON-LD with its
//! `AggregateRating` and `Review`s.

use super::error::PageResult;
use super::extract::{PageForm, PagePath, PageQuery};
use super::layout::Page;
use super::redirect::see_other;
use super::views::{GroupView, ThreadView};
use crate::api::views::time;
use crate::error::AppError;
use crate::settings::WebSettings;
use guildhall_app::Acting;
use guildhall_app::reviews::{self, ProductInput, ReviewInput};
use guildhall_core::ids::ProductId;
use guildhall_db::{Product, Thread};
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProductForm {
    name: String,
    description: String,
    image_url: String,
    link_url: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    title: String,
    body: String,
    rating: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewSort {
    sort: Option<String>,
}

/// Stars from a form's field, as the API would take them (a number, else
/// the text, which the rules refuse by name).
pub fn stars(field: &str) -> Value {
    field
        .trim()
        .parse::<i64>()
        .map_or_else(|_| json!(field), |n| json!(n))
}

/// A product as its page and its group's list show it.
#[derive(Serialize)]
pub struct ProductCard {
    id: ProductId,
    name: String,
    description_html: String,
    image_url: Option<String>,
    link_url: Option<String>,
    count: i64,
    average: Option<f64>,
    /// Whole stars of the average, for the stars drawn beside it.
    rounded: i64,
    /// (stars, count, percent), five stars first.
    bars: Vec<(u8, i64, i64)>,
}

impl ProductCard {
    pub fn new(p: &Product) -> ProductCard {
        let r = &p.ratings;
        ProductCard {
            id: p.id,
            name: p.name.clone(),
            description_html: p.description_html.clone(),
            image_url: p.image_url.clone(),
            link_url: p.link_url.clone(),
            count: r.count(),
            average: r.average(),
            rounded: r.average().map_or(0, |a| a.round() as i64),
            bars: (1..=5u8)
                .rev()
                .map(|s| (s, r.counts[usize::from(s) - 1], r.percent(s)))
                .collect(),
        }
    }
}

/// A product's page.
pub async fn show(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<ReviewSort>,
) -> PageResult {
    let ctx = product_page(&page, id, q.sort.as_deref(), None).await?;
    page.render("product.html", ctx)
}

/// What a product's page shows; with `draft`, a refused review to show
/// again in its form.
async fn product_page(
    page: &Page,
    id: i64,
    sort: Option<&str>,
    draft: Option<&ReviewForm>,
) -> Result<minijinja::Value, super::error::PageError> {
    let state = &page.state;
    let viewer = page.viewer.as_ref();
    let product = reviews::product(&state.app, ProductId(id), viewer).await?;
    let group = state
        .store
        .group_by_id(product.group_id)
        .await?
        .ok_or_else(|| AppError::not_found("group"))?;
    let sort = sort.filter(|s| !s.is_empty()).unwrap_or("helpful");
    let list = reviews::reviews(&state.app, product.id, Some(sort), viewer).await?;
    let mine = match viewer {
        Some(u) => reviews::review_by(&state.app, product.id, u).await?,
        None => None,
    };
    let can_manage = match viewer {
        Some(u) => u.is_admin || state.store.is_moderator(group.id, u.id).await?,
        None => false,
    };
    let json_ld = product_ld(&product, &list, &state.settings);
    let reviews: Vec<ThreadView> = list.iter().map(|t| ThreadView::new(t, viewer)).collect();
    let draft = draft.map(|d| context! { title => d.title, body => d.body, rating => d.rating });
    Ok(context! {
        group => GroupView::from(&group),
        product => ProductCard::new(&product),
        description => product.description,
        reviews, sort, mine, can_manage, json_ld, draft,
    })
}

/// A member's review, from the product page's form.
pub async fn review(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReviewForm>,
) -> PageResult {
    let user = page.user(&format!("/p/{id}"))?;
    let rating = stars(&f.rating);
    let input = ReviewInput {
        title: &f.title,
        body: &f.body,
        rating: &rating,
    };
    let acting = Acting::Member(user);
    match reviews::review(&page.state.app, acting, ProductId(id), input).await {
        Ok(thread) => Ok(see_other(&format!("/t/{}", thread.id))),
        // Shown again on the product's page, what they wrote kept.
        Err(e) => {
            let ctx = product_page(&page, id, None, Some(&f)).await?;
            page.reshow(e, "product.html", ctx)
        }
    }
}

/// A moderator adds a product, from the group page's form.
pub async fn create(
    page: Page,
    PagePath(name): PagePath<String>,
    PageForm(f): PageForm<ProductForm>,
) -> PageResult {
    let viewer = page.viewer.as_ref();
    let group = guildhall_app::access::readable(&page.state.app, &name, viewer).await?;
    let user = page.user(&format!("/g/{}", group.name))?;
    let input = ProductInput {
        name: &f.name,
        description: &f.description,
        image_url: &f.image_url,
        link_url: &f.link_url,
    };
    let acting = Acting::Member(user);
    let product = reviews::create_product(&page.state.app, acting, &group.name, input).await?;
    Ok(see_other(&format!("/p/{}", product.id)))
}

/// A product's schema.org `Product`, with its `AggregateRating` and its
/// reviews, for search engines; `<` escaped so no text closes the script.
fn product_ld(product: &Product, reviews: &[Thread], settings: &WebSettings) -> String {
    let base = settings.public_url();
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "description": product.description,
        "url": format!("{base}/p/{}", product.id),
    });
    if let Some(image) = &product.image_url {
        ld["image"] = json!(image);
    }
    if let Some(average) = product.ratings.average() {
        ld["aggregateRating"] = json!({
            "@type": "AggregateRating",
            "ratingValue": average,
            "reviewCount": product.ratings.count(),
            "bestRating": 5,
            "worstRating": 1,
        });
    }
    let reviewed: Vec<Value> = reviews
        .iter()
        .filter_map(|t| {
            Some(json!({
                "@type": "Review",
                "name": t.title,
                "reviewBody": t.body,
                "datePublished": time(t.created_at),
                "author": { "@type": "Person", "name": t.author_name },
                "url": format!("{base}/t/{}", t.id),
                "reviewRating": {
                    "@type": "Rating",
                    "ratingValue": t.rating?,
                    "bestRating": 5,
                    "worstRating": 1,
                },
            }))
        })
        .collect();
    if !reviewed.is_empty() {
        ld["review"] = Value::Array(reviewed);
    }
    ld.to_string().replace('<', "\\u003c")
}
