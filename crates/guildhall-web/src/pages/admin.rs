//! The admin's federation page: known instances, their delivery health, and
//! allow / block / clear.

use super::error::{PageError, PageResult};
use super::extract::PageForm;
use super::layout::Page;
use super::redirect::see_other;
use super::views::PeerRow;
use guildhall_app::{Acting, instances};
use guildhall_core::instances::Policy;
use guildhall_db::User;
use minijinja::context;
use serde::Deserialize;

const HERE: &str = "/admin/federation";

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PolicyForm {
    domain: String,
    /// `allow`, `block` or `clear`.
    policy: String,
}

pub async fn federation(page: Page) -> PageResult {
    let user = page.user(HERE)?;
    let instances = rows(&page, user).await?;
    page.render(
        "admin_federation.html",
        context! { instances, mode => page.state.federation_mode() },
    )
}

pub async fn set_policy(page: Page, PageForm(f): PageForm<PolicyForm>) -> PageResult {
    let user = page.user(HERE)?;
    // Non-admins are refused here, before the form is looked at.
    let instances = rows(&page, user).await?;
    let result = match f.policy.as_str() {
        "clear" => Ok(None),
        other => Policy::parse(other).map(Some),
    };
    let result = match result {
        Ok(policy) => {
            instances::set_policy(&page.state.app, Acting::Member(user), &f.domain, policy).await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(see_other(HERE)),
        Err(e) => page.reshow(
            e,
            "admin_federation.html",
            context! { instances, domain => f.domain, mode => page.state.federation_mode() },
        ),
    }
}

async fn rows(page: &Page, user: &User) -> Result<Vec<PeerRow>, PageError> {
    let now = guildhall_db::now_ms();
    Ok(instances::list(&page.state.app, Acting::Member(user))
        .await?
        .into_iter()
        .map(|i| PeerRow::new(i, now))
        .collect())
}
