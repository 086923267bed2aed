//! Who gets which copy of an activity: one inbox per instance where it can
//! be, and attestation Offers only where they are read.

use crate::{Context, FedError, nodeinfo};

/// An actor's delivery inbox: its shared one (`true`) if any.
pub fn delivery_inbox(shared: &Option<String>, inbox: &Option<String>) -> Option<(String, bool)> {
    shared
        .clone()
        .map(|s| (s, true))
        .or_else(|| inbox.clone().map(|i| (i, false)))
}

/// One inbox per instance where it can be: an instance with a shared inbox
/// among `inboxes` gets only that (the lowest, if several); one without
/// keeps each personal inbox, as nothing says one reaches the others.
pub fn once_per_instance(inboxes: Vec<(String, bool)>) -> Vec<String> {
    let mut shared: std::collections::BTreeMap<String, String> = Default::default();
    for (inbox, is_shared) in &inboxes {
        if let (true, Some(domain)) = (*is_shared, guildhall_core::instances::domain_of(inbox)) {
            let kept = shared.entry(domain).or_insert_with(|| inbox.clone());
            if inbox < kept {
                *kept = inbox.clone();
            }
        }
    }
    let mut out: Vec<String> = inboxes
        .into_iter()
        .filter_map(|(inbox, _)| {
            guildhall_core::instances::domain_of(&inbox)
                .map(|d| shared.get(&d).cloned().unwrap_or(inbox))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether `domain` takes attestation Offers: a configured partner, or an
/// instance whose NodeInfo says so (Guildhall's does). Others (Mastodon,
/// Lemmy) would answer 400 to an `Offer` signed by an `Application`.
pub async fn takes_attestations(ctx: &Context, domain: &str) -> Result<bool, FedError> {
    if ctx.store.partner(domain).await?.is_some() {
        return Ok(true);
    }
    Ok(nodeinfo::known(ctx, domain)
        .await
        .is_some_and(|s| s.accepts_attestations))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_inbox_per_instance_preferring_the_shared_one() {
        let i = |s: &str, shared: bool| (s.to_string(), shared);
        let out = once_per_instance(vec![
            i("https://lemmy.example/c/group/inbox", false),
            i("https://lemmy.example/inbox", true),
            i("https://lemmy.example/u/carol/inbox", false),
            i("https://masto.example/users/a/inbox", false),
            i("https://masto.example/users/b/inbox", false),
            i("https://other.example/inbox", true),
            i("https://other.example/inbox", true),
            i("https://lemmy.example:8443/inbox", true),
        ]);
        assert_eq!(
            out,
            vec![
                "https://lemmy.example/inbox",
                "https://lemmy.example:8443/inbox",
                "https://masto.example/users/a/inbox",
                "https://masto.example/users/b/inbox",
                "https://other.example/inbox",
            ]
        );
    }
}
