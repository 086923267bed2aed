//! Federation policy: which other instances we deal with.

use crate::{Acting, App, Error, Result};
use guildhall_core::instances::{self, Policy};
use guildhall_db::InstanceState;

/// The other instances this one knows, with their policy and delivery
/// health (admins and the operator).
pub async fn list(app: &App, acting: Acting<'_>) -> Result<Vec<InstanceState>> {
    may_set_policy(acting)?;
    Ok(app.store.instance_states().await?)
}

/// Allows, blocks or clears (`None`) an instance (admins and the operator).
pub async fn set_policy(
    app: &App,
    acting: Acting<'_>,
    domain: &str,
    policy: Option<Policy>,
) -> Result<InstanceState> {
    may_set_policy(acting)?;
    let domain = instances::domain(domain)?;
    if domain == app.settings.domain.to_ascii_lowercase() {
        return Err(Error::Invalid(
            "this is our own domain; a policy names another instance".into(),
        ));
    }
    app.store
        .set_instance_policy(&domain, policy.map(Policy::as_str))
        .await?;
    if policy.is_some() {
        tracing::info!(%domain, policy = ?policy, "federation policy set");
    } else {
        tracing::info!(%domain, "federation policy cleared");
    }
    app.store
        .instance_state(&domain)
        .await?
        .ok_or_else(|| Error::not_found("instance"))
}

/// Admins and the operator see and change federation policies.
fn may_set_policy(acting: Acting<'_>) -> Result<()> {
    match acting {
        Acting::Operator => Ok(()),
        Acting::Member(user) => Ok(instances::can_set_policy(crate::actor(user))?),
        Acting::Visitor { .. } | Acting::Remote(_) => acting.member().map(drop),
    }
}
