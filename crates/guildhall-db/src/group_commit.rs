//! Group commit for the busiest SQLite writes (votes and replies, which
//! inbound federation brings in bursts).
//!
//! SQLite takes one writer at a time, and every statement is a round trip
//! to the connection's own thread: 50–70 µs on our 2-core machine, where
//! the SQLite work itself is a fraction of that. A vote in its own
//! transaction is eight such trips (pool hand-over, BEGIN, five statements,
//! COMMIT) and the writer is busy for all of them. Here one task holds the
//! writer connection and runs every change waiting for it in one
//! transaction: the hand-over, BEGIN and COMMIT are paid once per batch.
//!
//! A change that fails (a rule refusal, a constraint) rolls the batch back,
//! and then each change of the batch runs again in a transaction of its
//! own, so one refusal never takes the others with it; nobody hears back
//! before their change is committed or refused. A change is a function of
//! the connection that can run twice: it must only touch the database.
//!
//! PostgreSQL runs many writers at once, so there each change simply runs
//! in its own transaction on the pool ([`crate::Store::write`]).

use crate::error::{Result, StoreError};
use futures::FutureExt;
use sqlx::{AnyConnection, AnyPool};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use tokio::sync::{mpsc, oneshot};

/// A boxed future borrowing the connection.
pub type Step<'c, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'c>>;

/// A change: statements run on the writer connection, inside a transaction
/// that is not its own.
pub type Change<T> = Box<dyn for<'c> FnMut(&'c mut AnyConnection) -> Step<'c, T> + Send>;

/// Changes taken into one transaction at most.
const MAX_BATCH: usize = 256;

/// A queued change with its caller's answer.
trait Job: Send {
    fn run<'c>(&'c mut self, conn: &'c mut AnyConnection) -> Step<'c, ()>;
    fn finish(self: Box<Self>, outcome: Result<()>);
}

struct Queued<T> {
    change: Change<T>,
    output: Option<T>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T: Send + 'static> Job for Queued<T> {
    fn run<'c>(&'c mut self, conn: &'c mut AnyConnection) -> Step<'c, ()> {
        Box::pin(async move {
            // A panic in one change must not end the task every write waits on.
            let output = AssertUnwindSafe((self.change)(conn))
                .catch_unwind()
                .await
                .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))??;
            self.output = Some(output);
            Ok(())
        })
    }

    fn finish(self: Box<Self>, outcome: Result<()>) {
        let Queued { output, reply, .. } = *self;
        let result = outcome.map(|()| output.expect("a committed change has its output"));
        // The caller may have gone (a closed connection): nothing to tell.
        let _ = reply.send(result);
    }
}

/// The queue to the task holding the writer.
#[derive(Clone, Debug)]
pub(crate) struct GroupCommit {
    jobs: mpsc::UnboundedSender<Box<dyn Job>>,
}

impl GroupCommit {
    /// Starts the task; it ends when the last handle is dropped.
    pub(crate) fn start(writer: AnyPool) -> GroupCommit {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(run(writer, queue));
        GroupCommit { jobs }
    }

    /// Queues `change` and waits until it is committed or refused.
    pub(crate) async fn write<T: Send + 'static>(&self, change: Change<T>) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Queued {
            change,
            output: None,
            reply,
        });
        self.jobs.send(job).map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

fn closed() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

async fn run(writer: AnyPool, mut queue: mpsc::UnboundedReceiver<Box<dyn Job>>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut conn = match writer.acquire().await {
            Ok(conn) => conn,
            Err(e) => {
                let message = e.to_string();
                for job in batch {
                    job.finish(Err(StoreError::Database(sqlx::Error::Protocol(
                        message.clone(),
                    ))));
                }
                continue;
            }
        };
        if batch.len() > 1 && together(&mut conn, &mut batch).await.is_ok() {
            for job in batch {
                job.finish(Ok(()));
            }
            continue;
        }
        for mut job in batch {
            let outcome = alone(&mut conn, &mut *job).await;
            job.finish(outcome);
        }
    }
}

/// Runs the whole batch in one transaction.
async fn together(conn: &mut AnyConnection, batch: &mut [Box<dyn Job>]) -> Result<()> {
    begin(conn).await?;
    for job in batch.iter_mut() {
        if let Err(e) = job.run(conn).await {
            rollback(conn).await;
            return Err(e);
        }
    }
    commit(conn).await
}

/// Runs one change in a transaction of its own.
async fn alone(conn: &mut AnyConnection, job: &mut dyn Job) -> Result<()> {
    begin(conn).await?;
    match job.run(conn).await {
        Ok(()) => commit(conn).await,
        Err(e) => {
            rollback(conn).await;
            Err(e)
        }
    }
}

async fn begin(conn: &mut AnyConnection) -> Result<()> {
    // IMMEDIATE: the write lock up front, so a writer in another process
    // (the CLI) makes us wait at BEGIN rather than fail halfway.
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    Ok(())
}

async fn commit(conn: &mut AnyConnection) -> Result<()> {
    if let Err(e) = sqlx::query("COMMIT").execute(&mut *conn).await {
        rollback(conn).await;
        return Err(e.into());
    }
    Ok(())
}

async fn rollback(conn: &mut AnyConnection) {
    if let Err(e) = sqlx::query("ROLLBACK").execute(&mut *conn).await {
        tracing::debug!(error = %e, "rollback after a failed group commit");
    }
}
