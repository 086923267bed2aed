//! Attestations: withdrawing and issuing again those of our members, and
//! keeping or dropping those partners offer of theirs.

use crate::{Acting, App, Error, Result, accounts};
use guildhall_core::attestation::WITHDRAWN;
use guildhall_db::{ImportedAttestation, User};

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

/// Keeps an attestation a partner offered, once the inbox has verified it
/// (issuer, key, proof, subject, not revoked; guildhall-federation's
/// `attestations::receive`). What it counts for is the partner policy's
/// decision when it is used.
pub async fn import(app: &App, attestation: &ImportedAttestation) -> Result<()> {
    app.store
        .import_attestation(attestation)
        .await
        .map_err(Error::worded)?;
    Ok(())
}

/// Its issuer revokes an attestation we hold (a `Delete` from the issuer's
/// actor, which the inbox verified). True when we held it.
pub async fn revoke_imported(app: &App, id: &str, issuer: &str) -> Result<bool> {
    app.store
        .revoke_imported_attestation(id, issuer)
        .await
        .map_err(Error::worded)
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
