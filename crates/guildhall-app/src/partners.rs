//! Partner trust: how far this instance trusts another's reputation
//! attestations.

use crate::{Acting, App, Error, Result};
use guildhall_db::Partner;

/// The partner-trust policies (admins and the operator).
pub async fn list(app: &App, acting: Acting<'_>) -> Result<Vec<Partner>> {
    acting.require_admin("partner trust")?;
    Ok(app.store.partners().await?)
}

/// How far a partner is trusted, in its outside form (the config file's
/// `[[federation.partners]]`, the admin API's body, the CLI's flags).
#[derive(Debug, Clone, Copy)]
pub struct Terms {
    /// Its members' vote weight here, 0 to 1.
    pub trust_weight: f64,
    /// The highest trust level (0–4) an attestation grants here.
    pub max_trust_level: u8,
    /// Whether its attested reputation is shown on profiles.
    pub show_imported: bool,
}

impl Terms {
    /// The policy to store for `domain`, checked.
    pub fn policy(self, domain: &str) -> Result<Partner> {
        let Terms {
            trust_weight,
            max_trust_level,
            show_imported,
        } = self;
        if !(0.0..=1.0).contains(&trust_weight) {
            return Err(Error::Invalid(format!(
                "trust_weight: from 0 to 1, not {trust_weight}"
            )));
        }
        Ok(Partner {
            domain: guildhall_core::instances::domain(domain)?,
            trust_percent: (trust_weight * 100.0).round() as i64,
            max_trust_level: i64::from(max_trust_level),
            show_imported,
        })
    }
}

/// Sets how far this instance trusts a partner's attestations (admins and
/// the operator; the config file's partners are set at each start).
pub async fn set(app: &App, acting: Acting<'_>, domain: &str, terms: Terms) -> Result<Partner> {
    acting.require_admin("partner trust")?;
    let partner = terms.policy(domain)?;
    app.store.set_partner(&partner).await?;
    tracing::info!(domain = %partner.domain, ?terms, "partner trust set");
    Ok(partner)
}

/// Stops trusting a partner (admins and the operator).
pub async fn remove(app: &App, acting: Acting<'_>, domain: &str) -> Result<()> {
    acting.require_admin("partner trust")?;
    if !app
        .store
        .remove_partner(&domain.to_ascii_lowercase())
        .await?
    {
        return Err(Error::not_found("partner"));
    }
    tracing::info!(%domain, "partner trust removed");
    Ok(())
}
