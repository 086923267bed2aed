//! Recomputing reputation from the ledger, from scratch: every entry's
//! points decided again under the current rules, in order, by the same
//! fold the property test checks against the incremental path
//! (`guildhall_core::reputation::replay`, which also decides what the
//! folded tables must hold); then the scores, day buckets, instance days
//! and what each standing vote stands for are made to match, in one
//! transaction. Here: reading and writing; `recompute/bulk.rs`: the
//! packed reads and many-row writes.
//!
//! Rows travel packed: each query returns one string holding many rows
//! (fields and rows joined by the ASCII unit and record separators), parsed
//! here. Through sqlx's `Any` driver a row costs about 1 µs and each value
//! in it a few tenths more: reading a million ledger entries a row at a
//! time took 5.3 s on two cores, packed 0.9 s (bench/, `reputation`). The
//! next rows are read while the last are replayed.
//!
//! What the folded tables and the standing votes hold is read too, and only
//! what differs is written, many rows per statement: after the triggers
//! kept them (the usual case) nothing is written; when most rows differ
//! (the rules changed) a table is written anew.

mod bulk;

use crate::error::{Result, StoreError};
use crate::{Backend, Store};
use bulk::{
    Fields, MAX_PARAMS, RECORD, bind_all, held, malformed, packed, placeholders, write_differences,
};
use guildhall_core::ids::{GroupId, ReplyId, ThreadId, UserId};
use guildhall_core::reputation::ledger::{Entry, Kind, KindName, Object};
use guildhall_core::reputation::replay::{Replay, Stored};
use sqlx::{AnyConnection, AssertSqlSafe};

/// Ledger rows read per query.
const CHUNK: i64 = 50_000;

/// What a recompute did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Recomputed {
    pub entries: u64,
    /// Entries whose points the current rules decide differently.
    pub changed: u64,
    pub members: u64,
}

const SCORE_COLUMNS: [&str; 3] = ["member_id", "group_id", "points"];
const DAY_COLUMNS: [&str; 6] = [
    "member_id",
    "group_id",
    "day",
    "points",
    "vote_gains",
    "upvotes",
];

impl Store {
    /// Rebuilds every score from the ledger. `progress(done, total)` is
    /// called as entries are read. Writes wait for it (one transaction on
    /// the writer), so scores are never seen half rebuilt.
    pub async fn recompute_reputation(
        &self,
        mut progress: impl FnMut(u64, u64) + Send,
    ) -> Result<Recomputed> {
        let backend = self.backend();
        let mut tx = self.writer.begin().await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reputation_ledger")
            .fetch_one(&mut *tx)
            .await?;
        let rules = self.rules.clone();
        let mut replay = Replay::new(&rules);
        let mut done = 0u64;
        let read = format!(
            "SELECT COUNT(*), MAX(id), {} FROM \
             (SELECT {} FROM reputation_ledger WHERE id > $1 ORDER BY id LIMIT $2) e",
            packed(backend, &LEDGER_FIELDS),
            LEDGER_FIELDS.join(", ")
        );
        let chunk = |after: i64| {
            sqlx::query_as::<_, (i64, Option<i64>, Option<String>)>(AssertSqlSafe(read.clone()))
                .bind(after)
                .bind(CHUNK)
        };
        let mut next = chunk(0).fetch_one(&mut *tx).await?;
        while let (count, Some(last), Some(text)) = next {
            // The next rows are read (on the connection's own thread) while
            // these are parsed and replayed.
            let (fetched, replayed) = futures::join!(chunk(last).fetch_one(&mut *tx), async {
                let mut rows = text
                    .split(RECORD)
                    .map(parse_ledger_row)
                    .collect::<Result<Vec<_>>>()?;
                if rows.len() as i64 != count {
                    return Err(malformed("ledger rows"));
                }
                rows.sort_unstable_by_key(|r| r.id);
                replay.apply(&rows);
                Ok(())
            });
            replayed?;
            next = fetched?;
            done += count as u64;
            progress(done, total as u64);
        }

        // UPDATE … FROM (VALUES …): SQLite and PostgreSQL both name the
        // columns of a VALUES list column1, column2, …
        for chunk in replay.changed().chunks(MAX_PARAMS / 2) {
            let sql = format!(
                "UPDATE reputation_ledger SET points = v.column2 FROM (VALUES {}) AS v \
                 WHERE reputation_ledger.id = v.column1",
                placeholders(backend, chunk.len(), 2)
            );
            bind_all(sqlx::query(AssertSqlSafe(sql)), chunk)
                .execute(&mut *tx)
                .await?;
        }
        // What the standing votes and the folded tables hold is read while
        // what they should hold is made, then the two are compared.
        let (votes, (score_rows, day_rows)) = futures::join!(
            async {
                let votes = read_votes(&mut tx, backend).await?;
                let scores = held(&mut tx, backend, "reputation_scores", SCORE_COLUMNS).await?;
                Ok::<_, StoreError>((votes, scores))
            },
            async { (replay.score_rows(), replay.day_rows()) }
        );
        let (votes, held_scores) = votes?;
        let (held_days, vote_changes) = futures::join!(
            held(&mut tx, backend, "reputation_days", DAY_COLUMNS),
            async { vote_changes(&votes, &replay) }
        );
        let (held_days, vote_changes) = (held_days?, vote_changes?);
        drop(votes);
        write_differences(
            &mut tx,
            backend,
            "reputation_scores",
            SCORE_COLUMNS,
            2,
            &held_scores,
            &score_rows,
        )
        .await?;
        write_differences(
            &mut tx,
            backend,
            "reputation_days",
            DAY_COLUMNS,
            3,
            &held_days,
            &day_rows,
        )
        .await?;
        drop((held_days, day_rows));
        instance_days(&mut tx, backend, &replay).await?;
        write_vote_changes(&mut tx, backend, &vote_changes).await?;
        tx.commit().await?;
        Ok(Recomputed {
            entries: done,
            changed: replay.changed().len() as u64,
            members: replay.members() as u64,
        })
    }
}

/// The ledger's columns as read, in the order [`parse_ledger_row`] takes them.
const LEDGER_FIELDS: [&str; 14] = [
    "id",
    "member_id",
    "group_id",
    "source_id",
    "kind",
    "vote",
    "object_type",
    "object_id",
    "amount",
    "weight",
    "points",
    "day",
    "created_at",
    "source_domain",
];

/// A packed ledger row as the replay reads it, borrowing its text.
fn parse_ledger_row(record: &str) -> Result<Stored<'_>> {
    let mut f = Fields::new(record);
    let id = f.int()?;
    let member = f.int()?;
    let group = f.opt()?;
    let source = f.opt()?;
    let kind: KindName = f
        .text()?
        .and_then(|k| k.parse().ok())
        .ok_or_else(|| malformed("ledger kind"))?;
    let vote = f.opt()?;
    let object = match (f.text()?, f.opt()?) {
        (Some(object_type), Some(id)) => Object::from_stored(object_type, id),
        _ => None,
    };
    let amount = f.int()?;
    let weight = f.int()?;
    let points = f.int()?;
    let day = f.int()?;
    let at = f.int()?;
    let source_domain = f.text()?;
    f.end()?;
    let entry = Entry {
        member: UserId(member),
        group: group.map(GroupId),
        source: source.map(UserId),
        object,
        kind: Kind::from_stored(kind, vote, amount)?,
        at,
        weight,
        instance: None,
    };
    Ok(Stored {
        id,
        entry,
        source_domain,
        day,
        points,
    })
}

/// Rewrites the points each remote instance's votes brought each day.
async fn instance_days(
    conn: &mut AnyConnection,
    backend: Backend,
    replay: &Replay<'_>,
) -> Result<()> {
    sqlx::query("DELETE FROM reputation_instance_days")
        .execute(&mut *conn)
        .await?;
    let rows = replay.instance_day_rows();
    for chunk in rows.chunks(MAX_PARAMS / 3) {
        let sql = format!(
            "INSERT INTO reputation_instance_days (domain, day, points) VALUES {}",
            placeholders(backend, chunk.len(), 3)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for &(domain, day, points) in chunk {
            query = query.bind(domain).bind(day).bind(points);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Each vote table, its object column, and the objects' table.
const VOTE_TABLES: [(&str, &str, &str); 2] = [
    ("thread_votes", "thread_id", "threads"),
    ("reply_votes", "reply_id", "replies"),
];

/// The standing votes of each vote table, packed: (voter, object, the
/// object's author, author points, voter points).
async fn read_votes(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<Option<String>>> {
    let mut texts = Vec::new();
    for (table, column, objects) in VOTE_TABLES {
        let fields = [
            "v.user_id".to_owned(),
            format!("v.{column}"),
            "o.author_id".to_owned(),
            "v.author_points".to_owned(),
            "v.voter_points".to_owned(),
        ];
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        let text: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT {} FROM {table} v JOIN {objects} o ON o.id = v.{column} \
             WHERE v.author_points IS NOT NULL OR v.voter_points IS NOT NULL",
            packed(backend, &fields)
        )))
        .fetch_one(&mut *conn)
        .await?;
        texts.push(text);
    }
    Ok(texts)
}

/// Per vote table, the standing votes whose (author points, voter points)
/// the replay decides differently (see `Replay::standing_vote`): (voter,
/// object, author points, voter points) to write.
fn vote_changes(
    texts: &[Option<String>],
    replay: &Replay<'_>,
) -> Result<Vec<Vec<[Option<i64>; 4]>>> {
    let mut changes = Vec::new();
    for ((table, _, _), text) in VOTE_TABLES.into_iter().zip(texts) {
        let mut updates = Vec::new();
        for record in text
            .as_deref()
            .map(|t| t.split(RECORD))
            .into_iter()
            .flatten()
        {
            let mut f = Fields::new(record);
            let (voter, id, author) = (f.int()?, f.int()?, f.int()?);
            let was = (f.opt()?, f.opt()?);
            f.end()?;
            let object = if table == "thread_votes" {
                Object::Thread(ThreadId(id))
            } else {
                Object::Reply(ReplyId(id))
            };
            if let Some(now) = replay.standing_vote(UserId(voter), UserId(author), object, was) {
                updates.push([Some(voter), Some(id), now.0, now.1]);
            }
        }
        changes.push(updates);
    }
    Ok(changes)
}

async fn write_vote_changes(
    conn: &mut AnyConnection,
    backend: Backend,
    changes: &[Vec<[Option<i64>; 4]>],
) -> Result<()> {
    for ((table, column, _), updates) in VOTE_TABLES.into_iter().zip(changes) {
        for chunk in updates.chunks(MAX_PARAMS / 4) {
            let sql = format!(
                "UPDATE {table} SET author_points = v.column3, voter_points = v.column4 \
                 FROM (VALUES {}) AS v WHERE {table}.user_id = v.column1 AND {table}.{column} = v.column2",
                placeholders(backend, chunk.len(), 4)
            );
            bind_all(sqlx::query(AssertSqlSafe(sql)), chunk)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}
