//! Products of reviews groups over ActivityPub: ours served as schema.org
//! `Product`s at their page's URL, and those a review names resolved to a
//! product here: one of ours, a stored copy, or fetched from the review's
//! remote group's server and stored (see docs/FEDERATION.md, "Reviews").

use crate::fetch;
use crate::posts::{group_url, object_url};
use crate::protocol::context::time;
use crate::protocol::objects::{ProductJson, ProductObject};
use crate::urls::Local;
use crate::{Context, FedData, FedError};
use guildhall_core::content::sanitize_html;
use guildhall_core::ids::ProductId;
use guildhall_core::visibility::Visibility;
use guildhall_db::{FedGroup, Product, ProductFields};
use url::Url;

/// One of our products as an object, if its group is ours and public.
pub fn object(ctx: &Context, product: &Product, group: &FedGroup) -> Option<ProductObject> {
    if group.origin.is_remote() || group.visibility != Visibility::Public {
        return None;
    }
    let group_url = group_url(ctx, group);
    Some(ProductObject {
        kind: "Product",
        id: ctx.urls.product(product.id),
        name: product.name.clone(),
        content: product.description_html.clone(),
        media_type: "text/html",
        audience: group_url.clone(),
        attributed_to: group_url,
        image: product
            .image_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok()),
        url: product.link_url.as_deref().and_then(|u| Url::parse(u).ok()),
        published: time(product.created_at),
    })
}

/// The URL a product goes by: ours, or its id on its group's server.
pub fn url_of(ctx: &Context, product: &Product) -> Url {
    object_url(product.ap_id.as_deref(), ctx.urls.product(product.id))
}

/// The product of `group` that a review's `itemReviewed` names.
pub async fn resolve(data: &FedData, url: &Url, group: &FedGroup) -> Result<ProductId, FedError> {
    let unknown = || FedError::Unprocessable("the reviewed product is not known here".into());
    if let Some(Local::Product(id)) = data.urls.parse(url) {
        return Ok(id);
    }
    if let Some(id) = data.store.product_by_ap_id(url.as_str()).await? {
        return Ok(id);
    }
    // A remote group's new product: from its group's own server only.
    let group_domain = group.origin.domain().ok_or_else(unknown)?;
    if guildhall_core::instances::domain_of(url.as_str()).as_deref() != Some(group_domain) {
        return Err(unknown());
    }
    let json: ProductJson = fetch::object(url, data).await?;
    let of_group = json.audience.as_ref().map(Url::as_str) == group.ap_id.as_deref();
    if json.id != *url || json.kind != "Product" || !of_group {
        return Err(unknown());
    }
    let name = guildhall_core::reviews::product_name(json.name.as_deref().unwrap_or_default())
        .map_err(|e| FedError::Unprocessable(format!("the reviewed product: {e}")))?;
    let description_html = sanitize_html(json.content.as_deref().unwrap_or_default());
    let link = |u: &Option<Url>| {
        u.as_ref()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(Url::to_string)
    };
    let (image, page) = (link(&json.image), link(&json.url));
    let fields = ProductFields {
        name: &name,
        description: "",
        description_html: &description_html,
        image_url: image.as_deref(),
        link_url: page.as_deref(),
    };
    Ok(data
        .store
        .upsert_remote_product(group.id, url.as_str(), fields)
        .await?)
}
