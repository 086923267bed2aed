//! The accept loop, instead of `axum::serve`, for what that has no knobs
//! for: a cap on connections served at once, a deadline for a request's
//! headers and one for its body. Without them a slowloris (connections that
//! never finish their headers or bodies) holds a file descriptor each for
//! as long as it likes: 2,200 were all held for 90 s.
//!
//! - At most `max_connections` are accepted at a time. The loop does not
//!   accept beyond that: the rest wait in the kernel's listen backlog, which
//!   costs this process no descriptor, and are served as others close.
//! - hyper's HTTP/1 `header_read_timeout` closes a connection whose request
//!   head is not complete in time (also an idle keep-alive one).
//! - [`DeadlineBody`] fails the body read once `body_timeout` has passed
//!   since the head arrived, whatever the pace (tower-http's body timeout
//!   restarts at each frame, so a byte every few seconds would get by).
//!
//! HTTP/1.1 only (as behind the usual TLS proxy); graceful shutdown as
//! before: stop accepting, let requests in flight finish.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http_body_util::BodyExt;
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
}

/// How long stopping waits for requests in flight before giving up on them.
const DRAIN_MAX: Duration = Duration::from_secs(30);

pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (closing, closed) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("never closed"),
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors (EMFILE) and the like: wait a
                    // little rather than spin; the connection errors of a
                    // single client do not stop the loop either.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut closed = closed.clone();
        tokio::spawn(async move {
            let _slot = slot;
            // Requests being served on this connection: from a complete head
            // until the response body is written.
            let serving = Arc::new(AtomicUsize::new(0));
            let service = hyper::service::service_fn({
                let serving = serving.clone();
                move |req: hyper::Request<Incoming>| {
                    let guard = Serving::start(&serving);
                    let mut req =
                        req.map(|body| Body::new(DeadlineBody::new(body, limits.body_timeout)));
                    req.extensions_mut().insert(ConnectInfo(peer));
                    let response = app.clone().oneshot(req);
                    async move {
                        let response = response.await?;
                        // The guard goes with the body, dropped once written.
                        Ok::<_, Infallible>(response.map(|body| {
                            Body::new(body.map_frame(move |frame| {
                                let _serving = &guard;
                                frame
                            }))
                        }))
                    }
                }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let conn = builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut conn = std::pin::pin!(conn);
            let stopping = async {
                // (The guard wait_for returns is not Send: drop it here.)
                let _ = closed.wait_for(|c| *c).await.map(|_| ());
            };
            let result = tokio::select! {
                result = conn.as_mut() => result,
                _ = stopping => {
                    // Finish the request in flight. Without one, close: an
                    // idle connection, or one whose head is still arriving
                    // (hyper would wait for that head until
                    // header_read_timeout, holding the stop up).
                    conn.as_mut().graceful_shutdown();
                    if serving.load(Ordering::Acquire) == 0 {
                        Ok(())
                    } else {
                        conn.as_mut().await
                    }
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    let _ = closing.send(true);
    // Every connection holds a slot: all of them back means all closed.
    let all = limits.max_connections as u32;
    if tokio::time::timeout(DRAIN_MAX, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open {DRAIN_MAX:?} after stopping");
    }
    Ok(())
}

/// One request being served on a connection, counted while it lives.
struct Serving(Arc<AtomicUsize>);

impl Serving {
    fn start(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Serving(count.clone())
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A request body that fails once its deadline has passed, counted from
/// when the request's head was read.
pub struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl DeadlineBody {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        DeadlineBody {
            inner,
            deadline: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

/// What a body read that ran out of time reports.
#[derive(Debug)]
pub struct BodyTimeout;

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyTimeout {}

impl hyper::body::Body for DeadlineBody {
    type Data = hyper::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(BodyTimeout.into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}
