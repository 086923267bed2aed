//! Recomputing reputation from the ledger, from scratch: every entry's
//! points decided again under the current rules, in order, by the same
//! fold the property test checks against the incremental path; then the
//! scores, day buckets, instance days and what each standing vote stands
//! for are rewritten in one transaction.

use crate::Store;
use crate::error::Result;
use guildhall_core::reputation::ledger::{Entry, Fold, Kind, Object};
use guildhall_core::votes::Vote;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::HashMap;

/// Rows read per query.
const CHUNK: i64 = 50_000;
/// Rows written per INSERT.
const WRITE_CHUNK: usize = 500;

/// What a recompute did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Recomputed {
    pub entries: u64,
    /// Entries whose points the current rules decide differently.
    pub changed: u64,
    pub members: u64,
}

#[derive(Default)]
struct Day {
    points: i64,
    vote_gains: i64,
    upvotes: i64,
}

impl Store {
    /// Rebuilds every score from the ledger. `progress(done, total)` is
    /// called as entries are read. Writes wait for it (one transaction on
    /// the writer), so scores are never seen half rebuilt.
    pub async fn recompute_reputation(
        &self,
        mut progress: impl FnMut(u64, u64) + Send,
    ) -> Result<Recomputed> {
        let mut tx = self.writer.begin().await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reputation_ledger")
            .fetch_one(&mut *tx)
            .await?;
        let rules = self.rules.clone();
        let mut fold = Fold::new(&rules);
        let mut instances: HashMap<String, u32> = HashMap::new();
        let mut days: HashMap<(i64, i64, i64), Day> = HashMap::new();
        let mut brought: HashMap<(u32, i64), i64> = HashMap::new();
        let mut changed: Vec<(i64, i64)> = Vec::new();
        let mut done = 0u64;
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(
                "SELECT id, member_id, group_id, source_id, source_domain, kind, vote, object_type, \
                        object_id, amount, weight, points, day, created_at \
                 FROM reputation_ledger WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(CHUNK)
            .fetch_all(&mut *tx)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("id")?;
            for row in &rows {
                let domain: Option<String> = row.try_get("source_domain")?;
                let instance = domain.map(|d| {
                    let next = instances.len() as u32;
                    *instances.entry(d).or_insert(next)
                });
                let entry = entry_of(row, instance)?;
                let points = fold.apply(&entry);
                let stored: i64 = row.try_get("points")?;
                if points != stored {
                    changed.push((row.try_get("id")?, points));
                }
                let day: i64 = row.try_get("day")?;
                let upvote = matches!(entry.kind, Kind::VoteReceived(Vote::Up)) as i64;
                let gains = if entry.is_vote_gain() {
                    points.max(0)
                } else {
                    0
                };
                let total_day = days.entry((entry.member, 0, day)).or_default();
                total_day.points += points;
                total_day.vote_gains += gains;
                total_day.upvotes += upvote;
                if let Some(group) = entry.group {
                    days.entry((entry.member, group, day)).or_default().points += points;
                }
                if let (true, Some(i)) = (entry.is_remote_vote(), instance)
                    && points > 0
                {
                    *brought.entry((i, day)).or_default() += points;
                }
            }
            done += rows.len() as u64;
            progress(done, total as u64);
        }

        for (id, points) in &changed {
            sqlx::query("UPDATE reputation_ledger SET points = $1 WHERE id = $2")
                .bind(points)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        for table in [
            "reputation_scores",
            "reputation_days",
            "reputation_instance_days",
        ] {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}")))
                .execute(&mut *tx)
                .await?;
        }
        let scores = &fold.scores;
        let mut score_rows: Vec<[i64; 3]> = scores
            .total
            .iter()
            .map(|(&member, &points)| [member, 0, points])
            .collect();
        score_rows.extend(
            scores
                .by_group
                .iter()
                .filter_map(|(&(member, group), &points)| group.map(|g| [member, g, points])),
        );
        write_rows(
            &mut tx,
            "reputation_scores (member_id, group_id, points)",
            &score_rows,
        )
        .await?;
        let day_rows: Vec<[i64; 6]> = days
            .iter()
            .map(|(&(member, group, day), d)| {
                [member, group, day, d.points, d.vote_gains, d.upvotes]
            })
            .collect();
        write_rows(
            &mut tx,
            "reputation_days (member_id, group_id, day, points, vote_gains, upvotes)",
            &day_rows,
        )
        .await?;
        for (domain, i) in &instances {
            for (&(instance, day), &points) in &brought {
                if instance == *i {
                    sqlx::query(
                        "INSERT INTO reputation_instance_days (domain, day, points) VALUES ($1, $2, $3)",
                    )
                    .bind(domain)
                    .bind(day)
                    .bind(points)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        standing_votes(&mut tx, &fold).await?;
        tx.commit().await?;
        Ok(Recomputed {
            entries: done,
            changed: changed.len() as u64,
            members: scores.total.len() as u64,
        })
    }
}

/// A ledger row as the fold reads it.
fn entry_of(row: &sqlx::any::AnyRow, instance: Option<u32>) -> Result<Entry> {
    let kind: String = row.try_get("kind")?;
    let vote: Option<i64> = row.try_get("vote")?;
    let amount: i64 = row.try_get("amount")?;
    let vote = || Vote::from_value(vote.unwrap_or(1));
    let kind = match kind.as_str() {
        "vote_received" => Kind::VoteReceived(vote()?),
        "vote_cast" => Kind::VoteCast(vote()?),
        "vote_withdrawn" => Kind::VoteWithdrawn,
        "answer_accepted" => Kind::AnswerAccepted,
        "answer_accepted_by" => Kind::AnswerAcceptedBy,
        "idea_staged" => Kind::IdeaStaged(amount),
        "post_removed" => Kind::PostRemoved(amount),
        "badge_awarded" => Kind::BadgeAwarded,
        _ => Kind::Adjustment(amount),
    };
    let object_type: Option<String> = row.try_get("object_type")?;
    let object_id: Option<i64> = row.try_get("object_id")?;
    let object = match (object_type.as_deref(), object_id) {
        (Some("thread"), Some(id)) => Some(Object::Thread(id)),
        (Some("reply"), Some(id)) => Some(Object::Reply(id)),
        _ => None,
    };
    Ok(Entry {
        member: row.try_get("member_id")?,
        group: row.try_get("group_id")?,
        source: row.try_get("source_id")?,
        object,
        kind,
        at: row.try_get("created_at")?,
        weight: row.try_get("weight")?,
        instance,
    })
}

/// Inserts rows of N numbers into `into` ("table (columns)"), many per statement.
async fn write_rows<const N: usize>(
    conn: &mut AnyConnection,
    into: &str,
    rows: &[[i64; N]],
) -> Result<()> {
    for chunk in rows.chunks(WRITE_CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|r| {
                let params: Vec<String> = (1..=N).map(|c| format!("${}", r * N + c)).collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let sql = format!("INSERT INTO {into} VALUES {}", values.join(", "));
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            for value in row {
                query = query.bind(*value);
            }
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sets what each standing vote stands for to what the fold says, so a
/// withdrawal after the recompute reverses the recomputed points.
async fn standing_votes(conn: &mut AnyConnection, fold: &Fold<'_>) -> Result<()> {
    for (table, column) in [("thread_votes", "thread_id"), ("reply_votes", "reply_id")] {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT v.user_id, v.{column} AS object_id, o.author_id, v.author_points, v.voter_points \
             FROM {table} v JOIN {} o ON o.id = v.{column} \
             WHERE v.author_points IS NOT NULL OR v.voter_points IS NOT NULL",
            if table == "thread_votes" { "threads" } else { "replies" }
        )))
        .fetch_all(&mut *conn)
        .await?;
        let granted: HashMap<&(i64, i64, Object), &i64> = fold.standing().collect();
        for row in rows {
            let voter: i64 = row.try_get("user_id")?;
            let author: i64 = row.try_get("author_id")?;
            let id: i64 = row.try_get("object_id")?;
            let object = if table == "thread_votes" {
                Object::Thread(id)
            } else {
                Object::Reply(id)
            };
            let was: (Option<i64>, Option<i64>) =
                (row.try_get("author_points")?, row.try_get("voter_points")?);
            let points = |key| granted.get(&key).map_or(0, |p| **p);
            let now = (
                Some(points((author, voter, object))),
                was.1.map(|_| points((voter, author, object))),
            );
            if now != was {
                sqlx::query(AssertSqlSafe(format!(
                    "UPDATE {table} SET author_points = $1, voter_points = $2 \
                     WHERE user_id = $3 AND {column} = $4"
                )))
                .bind(now.0)
                .bind(now.1)
                .bind(voter)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}
