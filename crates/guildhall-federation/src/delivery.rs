//! The delivery worker: expands events, then sends each instance's queue
//! with up to `parallelism_per_instance` requests in flight, signed by the
//! activity's actor ([`signing`]). A failure backs the whole
//! instance off (exponentially, capped); success resets it. Delivery is
//! at-least-once: a row is deleted only after the receiver answered.

use crate::actors::LocalSigner;
use crate::policy::check_domain;
use crate::{FedData, FedError, Federation, outbox, signing};
use futures::StreamExt;
use guildhall_db::{Delivery, now_ms};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;
use tracing::Instrument;
use url::Url;

/// How often the queue is looked at when idle.
const POLL: Duration = Duration::from_millis(100);

/// Starts the worker; it runs until the task is aborted.
pub fn spawn(federation: &Federation) -> JoinHandle<()> {
    let data = federation.data();
    tokio::spawn(async move { run(data).await })
}

async fn run(data: FedData) {
    let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
    let mut last_prune = 0;
    let mut last_renewal = now_ms();
    loop {
        let expanded = match outbox::expand_pending(&data).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "could not expand federation events");
                0
            }
        };
        if let Err(e) = data.bookkeeping.write(&data.store).await {
            tracing::warn!(error = %e, "could not write inbound receipts and vote counts");
        }
        match data.store.due_domains(now_ms(), 512).await {
            Ok(domains) => {
                for domain in domains {
                    if busy.lock().expect("lock").insert(domain.clone()) {
                        let data = data.reset_request_count();
                        let busy = busy.clone();
                        tokio::spawn(async move {
                            deliver_to(&data, &domain).await;
                            busy.lock().expect("lock").remove(&domain);
                        });
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the delivery queue"),
        }
        if now_ms() - last_prune > 3_600_000 {
            last_prune = now_ms();
            // Receipts are kept a week: far longer than any sender retries.
            if let Err(e) = data.store.prune_federation(now_ms() - 7 * 86_400_000).await {
                tracing::warn!(error = %e, "could not prune federation receipts");
            }
        }
        if now_ms() - last_renewal >= data.settings.attestation_renewal_ms {
            last_renewal = now_ms();
            // Each becomes an event, expanded on the next passes.
            if let Err(e) = data.store.queue_attestation_renewals().await {
                tracing::warn!(error = %e, "could not queue attestation renewals");
            }
        }
        // A full batch means more are waiting: carry on without pausing.
        if expanded < outbox::EXPAND_BATCH {
            tokio::time::sleep(POLL).await;
        }
    }
}

/// Sends one instance's queue until it is empty or a request fails.
async fn deliver_to(data: &FedData, domain: &str) {
    let parallel = data.settings.parallelism_per_instance.max(1);
    let mut after = 0;
    let mut software_checked = false;
    loop {
        let batch = match data
            .store
            .deliveries_for(domain, after, (parallel * 4) as i64)
            .await
        {
            Ok(b) if b.is_empty() => return,
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, domain, "could not read deliveries");
                return;
            }
        };
        after = batch.last().map_or(after, |d| d.id);
        // Learn (rarely) what the instance runs, so the next activities built
        // for it take its shape (`nodeinfo`); this batch goes as it is.
        if !software_checked {
            software_checked = true;
            if let Ok(origin) = parse(&batch[0].inbox) {
                crate::nodeinfo::refresh(data, &origin).await;
            }
        }
        // Each result is written as soon as its request ends, not once the
        // whole batch is done: a crash then repeats only the deliveries that
        // were in flight, not every finished one of the batch.
        let failed = AtomicBool::new(false);
        futures::stream::iter(batch)
            .for_each_concurrent(parallel, |d| {
                let failed = &failed;
                async move {
                    let result = send(data, &d).await;
                    record(data, domain, &d, result, failed).await;
                }
            })
            .await;
        if failed.load(Ordering::SeqCst) {
            return;
        }
    }
}

/// Writes how one delivery ended.
async fn record(
    data: &FedData,
    domain: &str,
    d: &Delivery,
    result: Result<Sent, FedError>,
    failed: &AtomicBool,
) {
    let recorded = match result {
        Ok(Sent::Delivered) => data.store.delivery_done(d.id, domain).await,
        Ok(Sent::Undeliverable(e)) => {
            tracing::warn!(domain, activity = %d.ap_id, inbox = %d.inbox, error = %e, "dropping an undeliverable activity");
            data.store.drop_delivery(d.id).await
        }
        Ok(Sent::Refused(reason)) => {
            tracing::warn!(domain, activity = %d.ap_id, inbox = %d.inbox, reason, "delivery refused: not sent");
            data.store.refuse_delivery(d.id, domain, &reason).await
        }
        // One failure backs the instance off; the rest of the batch
        // stays queued without counting against it again.
        Err(e) if !failed.swap(true, Ordering::SeqCst) => {
            tracing::info!(domain, activity = %d.ap_id, error = %e, "delivery failed; backing off");
            let settings = &data.settings;
            data.store
                .delivery_failed(
                    d.id,
                    domain,
                    &e.to_string(),
                    |failures| now_ms() + settings.retry_delay_ms(failures),
                    settings.unreachable_after_ms,
                )
                .await
        }
        Err(_) => Ok(()),
    };
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "could not record a delivery result");
    }
}

/// Signs and POSTs one delivery.
async fn send(data: &FedData, d: &Delivery) -> Result<Sent, FedError> {
    let span = tracing::info_span!("deliver", activity = %d.ap_id, inbox = %d.inbox);
    send_inner(data, d).instrument(span).await
}

/// How a delivery ended, short of a failure worth retrying.
enum Sent {
    Delivered,
    /// Broken on our side (no signer, a bad URL or body): retrying cannot help.
    Undeliverable(FedError),
    /// Refused by the outbound address rule (SSRF): dropped, and the reason
    /// kept as the instance's last error.
    Refused(String),
}

async fn send_inner(data: &FedData, d: &Delivery) -> Result<Sent, FedError> {
    let prepared = async {
        let signer = LocalSigner::load(data, &parse(&d.signer)?).await?;
        let key = data
            .signing_keys
            .get(signer.id.as_str(), &signer.private_key_pem)?;
        Ok::<_, FedError>((signer.id, key, parse(&d.inbox)?))
    };
    let (actor, key, inbox) = match prepared.await {
        Ok(p) => p,
        // The database may come back; a missing row will not.
        Err(FedError::Store(e)) if !matches!(e, guildhall_db::StoreError::NotFound(_)) => {
            return Err(FedError::Store(e));
        }
        Err(e) => return Ok(Sent::Undeliverable(e)),
    };
    // The policy may have changed since the delivery was queued, and plain
    // http is only for tests and instances that are not on https themselves.
    let domain = guildhall_core::instances::domain_of(inbox.as_str()).unwrap_or_default();
    if let Err(e) = check_domain(data, &domain).await {
        return Ok(Sent::Undeliverable(e));
    }
    let plain_http_ok = data.settings.allow_private_addresses || !data.urls.is_https();
    if inbox.scheme() != "https" && !plain_http_ok {
        return Ok(Sent::Undeliverable(FedError::Forbidden(format!(
            "{inbox} is not https"
        ))));
    }
    let body = d.body.clone().into();
    // Signed draft-cavage or RFC 9421, as the instance takes it. A refusal by
    // the outbound address rule is dropped, not retried.
    let scheme = d.signature_scheme.as_deref();
    let status = match signing::post(data, &domain, scheme, &key, &actor, &inbox, body).await? {
        signing::Knocked::Answered(status) => status,
        signing::Knocked::Refused(why) => return Ok(Sent::Refused(why)),
    };
    // A permanent refusal (4xx other than 408 and 429) counts as done, as
    // Mastodon does: resending would not help.
    if status.is_success() || (status.is_client_error() && status != 408 && status != 429) {
        if !status.is_success() {
            tracing::debug!(%status, "delivery refused by the receiver; not retried");
        }
        return Ok(Sent::Delivered);
    }
    Err(FedError::Remote(format!("{inbox} answered {status}")))
}

fn parse(url: &str) -> Result<Url, FedError> {
    Url::parse(url).map_err(|e| FedError::Internal(format!("bad URL in the queue {url:?}: {e}")))
}
