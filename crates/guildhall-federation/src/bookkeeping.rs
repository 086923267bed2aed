//! Inbound bookkeeping, kept in memory and written in batches: which
//! activity ids were applied (so a resend is a no-op), and how many votes
//! each remote instance had counted today (the daily cap).
//!
//! Why not a write per activity: SQLite takes one writer at a time, and each
//! statement is a round trip to the connection's thread (50–70 µs on our
//! 2-core machine). The receipt and the vote counter were two of the three
//! write transactions of every inbound vote. The delivery worker writes what
//! has gathered on each pass (at least every 100 ms), and the server once
//! more when it stops.
//!
//! A receipt is written only after its activity applied, so a crash cannot
//! leave an activity marked received but never applied. A crash before the
//! write can at worst let a resend apply again, which the handlers absorb:
//! an object id is stored once, a member has one vote per post, a membership
//! is one row.

use guildhall_db::{Store, StoreError, now_ms};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

#[derive(Default)]
pub struct Bookkeeping(Mutex<Books>);

#[derive(Default)]
struct Books {
    /// Being applied, or applied and not yet written.
    claimed: HashSet<String>,
    /// Applied, to be written.
    applied: Vec<String>,
    /// Today's count per remote domain.
    votes: HashMap<String, DayCount>,
}

/// An activity id being applied ([`Bookkeeping::claim`]).
pub struct Claim<'b> {
    books: &'b Bookkeeping,
    id: String,
    applied: bool,
}

impl Claim<'_> {
    /// The activity was applied: its receipt is written on the next pass.
    pub fn applied(mut self) {
        self.applied = true;
        let id = std::mem::take(&mut self.id);
        self.books.lock().applied.push(id);
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if !self.applied {
            self.books.lock().claimed.remove(&self.id);
        }
    }
}

#[derive(Clone, Copy)]
struct DayCount {
    day: i64,
    counted: i64,
    written: i64,
}

/// Days since the epoch, UTC: the cap's period.
fn today() -> i64 {
    now_ms() / 86_400_000
}

impl Bookkeeping {
    /// Claims an activity id for applying; `None` while it is being applied
    /// or was applied and not yet written. Then check [`Store::received`].
    /// The claim is released when dropped (a refusal, a failure, a sender
    /// that hung up mid-request) unless [`Claim::applied`] was called.
    pub fn claim<'b>(&'b self, id: &str) -> Option<Claim<'b>> {
        self.lock().claimed.insert(id.to_owned()).then(|| Claim {
            books: self,
            id: id.to_owned(),
            applied: false,
        })
    }

    /// Counts one vote from `domain` today unless `cap` votes were counted
    /// already; false when the vote is not to be counted.
    pub async fn count_vote(
        &self,
        store: &Store,
        domain: &str,
        cap: i64,
    ) -> Result<bool, StoreError> {
        let day = today();
        let known = self.lock().votes.get(domain).is_some_and(|c| c.day == day);
        let stored = match known {
            true => None,
            false => Some(store.remote_votes_counted(domain, day).await?),
        };
        // One lock from here on: a write pass may have dropped the entry
        // meanwhile (the day turned), another request may have loaded it.
        let mut books = self.lock();
        let fresh = |stored: i64| DayCount {
            day,
            counted: stored,
            written: stored,
        };
        let count = books
            .votes
            .entry(domain.to_owned())
            .or_insert_with(|| fresh(stored.unwrap_or(0)));
        if count.day != day {
            *count = fresh(stored.unwrap_or(0));
        }
        if count.counted >= cap {
            return Ok(false);
        }
        count.counted += 1;
        Ok(true)
    }

    /// Gives back a vote [`count_vote`](Self::count_vote) counted today
    /// that was then refused.
    pub fn uncount_vote(&self, domain: &str) {
        let day = today();
        if let Some(count) = self.lock().votes.get_mut(domain)
            && count.day == day
            && count.counted > 0
        {
            count.counted -= 1;
        }
    }

    /// Writes the receipts and counts gathered since the last write.
    pub async fn write(&self, store: &Store) -> Result<(), StoreError> {
        let (receipts, counts) = {
            let mut books = self.lock();
            let receipts = std::mem::take(&mut books.applied);
            let counts: Vec<(String, i64, i64)> = books
                .votes
                .iter()
                .filter(|(_, c)| c.counted > c.written)
                .map(|(domain, c)| (domain.clone(), c.day, c.counted))
                .collect();
            (receipts, counts)
        };
        if receipts.is_empty() && counts.is_empty() {
            return Ok(());
        }
        let written = store.write_inbound_bookkeeping(&receipts, &counts).await;
        let mut books = self.lock();
        match written {
            Ok(()) => {
                for id in &receipts {
                    books.claimed.remove(id);
                }
                for (domain, day, counted) in counts {
                    if let Some(c) = books.votes.get_mut(&domain).filter(|c| c.day == day) {
                        c.written = c.written.max(counted);
                    }
                }
                // Yesterday's counts are written; only today's are needed.
                let day = today();
                books
                    .votes
                    .retain(|_, c| c.day == day || c.counted > c.written);
                Ok(())
            }
            Err(e) => {
                // Kept for the next pass.
                books.applied.extend(receipts);
                Err(e)
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Books> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
