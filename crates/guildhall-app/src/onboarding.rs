//! Onboarding: what happens when a member registers (the default groups,
//! the community team's welcome), and the checklist that leads a newcomer
//! to a first post.

use crate::{Acting, App, Result};
use guildhall_core::onboarding::{Step, checklist};
use guildhall_db::User;

/// What the config says newcomers get (`[onboarding]`).
#[derive(Debug, Clone, Default)]
pub struct Onboarding {
    /// Groups of this instance every new member joins.
    pub default_groups: Vec<String>,
    /// The community team's welcome, in Markdown; empty: none.
    pub welcome: String,
}

/// A new member joins the default groups and is sent the welcome. A
/// default group that is not there (renamed, deleted, another server's) is
/// logged and skipped: registering never fails for it.
pub async fn welcome(app: &App, user: &User) -> Result<()> {
    for name in &app.settings.onboarding.default_groups {
        match app.store.group_by_name(name).await? {
            Some(group) if group.origin.is_local() => {
                app.store.join_group(group.id, user.id).await?;
            }
            _ => {
                tracing::warn!(group = %name, "onboarding.default_groups names no group of this instance");
            }
        }
    }
    if !app.settings.onboarding.welcome.trim().is_empty() {
        app.store.welcome_notice(user.id).await?;
    }
    Ok(())
}

/// The welcome, as HTML (empty when none is configured).
pub fn welcome_html(app: &App) -> String {
    let text = &app.settings.onboarding.welcome;
    if text.trim().is_empty() {
        return String::new();
    }
    guildhall_core::content::render_markdown(text)
}

/// The member's checklist.
pub async fn steps(app: &App, acting: Acting<'_>) -> Result<Vec<Step>> {
    let user = acting.member()?;
    let defaults = &app.settings.onboarding.default_groups;
    let progress = app.store.onboarding_progress(user.id, defaults).await?;
    Ok(checklist(progress))
}
