//! Attestations of our members' reputation: withdrawing and issuing again.

use crate::{Acting, App, Error, Result, accounts};
use guildhall_core::attestation::WITHDRAWN;
use guildhall_db::User;

/// Withdraws a local member's attestation (admins): it is revoked, the
/// revocation goes to every instance holding it, and no new one is issued
/// until an admin issues one again.
pub async fn withdraw(app: &App, acting: Acting<'_>, username: &str, reason: &str) -> Result<u64> {
    acting.require_admin("withdrawing attestations")?;
    let member = local_member(app, username).await?;
    if reason.trim().is_empty() {
        return Err(Error::Invalid("reason: say why it is withdrawn".into()));
    }
    let revoked = app.store.revoke_attestations(member.id, WITHDRAWN).await?;
    tracing::info!(member = %member.username, reason, revoked, "attestation withdrawn");
    Ok(revoked)
}

/// Issues a local member a new attestation, after a withdrawal (admins).
pub async fn restore(app: &App, acting: Acting<'_>, username: &str) -> Result<()> {
    acting.require_admin("issuing attestations")?;
    let member = local_member(app, username).await?;
    let network = app
        .network()
        .ok_or_else(|| Error::Invalid("federation is off on this instance".into()))?;
    network.restore_attestation(member.id).await?;
    tracing::info!(member = %member.username, "attestation issued again");
    Ok(())
}

/// A member of this instance (attestations are only ours to issue).
async fn local_member(app: &App, username: &str) -> Result<User> {
    let member = accounts::user(app, username).await?;
    if member.origin.is_remote() {
        return Err(Error::Invalid(
            "only members of this instance have attestations issued here".into(),
        ));
    }
    Ok(member)
}
