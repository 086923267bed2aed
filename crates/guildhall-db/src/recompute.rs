//! Recomputing reputation from the ledger, from scratch: every entry's
//! points decided again under the current rules, in order, by the same
//! fold the property test checks against the incremental path; then the
//! scores, day buckets, instance days and what each standing vote stands
//! for are made to match, in one transaction.
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

use crate::error::{Result, StoreError};
use crate::{Backend, Store};
use guildhall_core::reputation::ledger::{Entry, Fold, Kind, Object};
use guildhall_core::votes::Vote;
use sqlx::{AnyConnection, AssertSqlSafe};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Ledger rows read per query.
const CHUNK: i64 = 50_000;
/// Values bound per statement: under SQLite's 32,766 (PostgreSQL's 65,535).
const MAX_PARAMS: usize = 30_000;
/// Between the fields of a packed row, and between rows: control characters
/// no value holds (numbers, the ledger's fixed names, and host names, where
/// they are forbidden).
const UNIT: char = '\u{1f}';
const RECORD: char = '\u{1e}';

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

/// The ledger replayed: the fold, and what the folded tables are built from.
struct Replay<'r> {
    fold: Fold<'r>,
    /// Remote instances numbered in the order met.
    instances: HashMap<String, u32>,
    /// Per day, the buckets of each (member, group; 0 for the total). Kept
    /// by day first: the ledger comes in time order, so the entries of a
    /// day find their buckets in a small map (one map of all buckets was
    /// the slowest part of the replay, waiting on memory).
    days: HashMap<i64, HashMap<(i64, i64), Day>>,
    /// Points remote votes brought, per (instance, day).
    brought: HashMap<(u32, i64), i64>,
    /// (id, points) of the entries the rules now decide differently.
    changed: Vec<[i64; 2]>,
}

impl Replay<'_> {
    /// Applies rows in order of id.
    fn apply(&mut self, rows: &[LedgerRow<'_>]) -> Result<()> {
        for row in rows {
            let instance = row.source_domain.map(|d| match self.instances.get(d) {
                Some(&i) => i,
                None => {
                    let next = self.instances.len() as u32;
                    self.instances.insert(d.to_owned(), next);
                    next
                }
            });
            let entry = row.entry(instance)?;
            let points = self.fold.apply(&entry);
            if points != row.points {
                self.changed.push([row.id, points]);
            }
            let day = row.day;
            let upvote = matches!(entry.kind, Kind::VoteReceived(Vote::Up)) as i64;
            let gains = if entry.is_vote_gain() {
                points.max(0)
            } else {
                0
            };
            let buckets = self.days.entry(day).or_default();
            let total_day = buckets.entry((entry.member, 0)).or_default();
            total_day.points += points;
            total_day.vote_gains += gains;
            total_day.upvotes += upvote;
            if let Some(group) = entry.group {
                buckets.entry((entry.member, group)).or_default().points += points;
            }
            if let (true, Some(i)) = (entry.is_remote_vote(), instance)
                && points > 0
            {
                *self.brought.entry((i, day)).or_default() += points;
            }
        }
        Ok(())
    }

    /// The rows of `reputation_scores`, sorted.
    fn score_rows(&self) -> Vec<[i64; 3]> {
        let scores = &self.fold.scores;
        let mut rows: Vec<[i64; 3]> = scores
            .total
            .iter()
            .map(|(&member, &points)| [member, 0, points])
            .collect();
        rows.extend(
            scores
                .by_group
                .iter()
                .filter_map(|(&(member, group), &points)| group.map(|g| [member, g, points])),
        );
        rows.sort_unstable();
        rows
    }

    /// The rows of `reputation_days`, sorted.
    fn day_rows(&self) -> Vec<[i64; 6]> {
        let mut rows: Vec<[i64; 6]> =
            Vec::with_capacity(self.days.values().map(HashMap::len).sum());
        for (&day, buckets) in &self.days {
            rows.extend(buckets.iter().map(|(&(member, group), d)| {
                [member, group, day, d.points, d.vote_gains, d.upvotes]
            }));
        }
        rows.sort_unstable();
        rows
    }
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
        let mut replay = Replay {
            fold: Fold::new(&rules),
            instances: HashMap::new(),
            days: HashMap::new(),
            brought: HashMap::new(),
            changed: Vec::new(),
        };
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
                    .map(LedgerRow::parse)
                    .collect::<Result<Vec<_>>>()?;
                if rows.len() as i64 != count {
                    return Err(malformed("ledger rows"));
                }
                rows.sort_unstable_by_key(|r| r.id);
                replay.apply(&rows)
            });
            replayed?;
            next = fetched?;
            done += count as u64;
            progress(done, total as u64);
        }

        // UPDATE … FROM (VALUES …): SQLite and PostgreSQL both name the
        // columns of a VALUES list column1, column2, …
        for chunk in replay.changed.chunks(MAX_PARAMS / 2) {
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
        let (votes, (granted, score_rows, day_rows)) = futures::join!(
            async {
                let votes = read_votes(&mut tx, backend).await?;
                let scores = held(&mut tx, backend, "reputation_scores", SCORE_COLUMNS).await?;
                Ok::<_, StoreError>((votes, scores))
            },
            async {
                let granted: HashMap<&(i64, i64, Object), &i64> = replay.fold.standing().collect();
                (granted, replay.score_rows(), replay.day_rows())
            }
        );
        let (votes, held_scores) = votes?;
        let (held_days, vote_changes) = futures::join!(
            held(&mut tx, backend, "reputation_days", DAY_COLUMNS),
            async { vote_changes(&votes, &granted) }
        );
        let (held_days, vote_changes) = (held_days?, vote_changes?);
        drop((votes, granted));
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
        instance_days(&mut tx, backend, &replay.instances, &replay.brought).await?;
        write_vote_changes(&mut tx, backend, &vote_changes).await?;
        tx.commit().await?;
        Ok(Recomputed {
            entries: done,
            changed: replay.changed.len() as u64,
            members: replay.fold.scores.total.len() as u64,
        })
    }
}

/// The ledger's columns as read, in the order [`LedgerRow::parse`] takes them.
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

/// A ledger row as read, borrowing its text from the packed string.
struct LedgerRow<'a> {
    id: i64,
    member_id: i64,
    group_id: Option<i64>,
    source_id: Option<i64>,
    kind: &'a str,
    vote: Option<i64>,
    object_type: Option<&'a str>,
    object_id: Option<i64>,
    amount: i64,
    weight: i64,
    points: i64,
    day: i64,
    created_at: i64,
    source_domain: Option<&'a str>,
}

impl<'a> LedgerRow<'a> {
    fn parse(record: &'a str) -> Result<LedgerRow<'a>> {
        let mut f = Fields::new(record);
        let row = LedgerRow {
            id: f.int()?,
            member_id: f.int()?,
            group_id: f.opt()?,
            source_id: f.opt()?,
            kind: f.text()?.ok_or_else(|| malformed("ledger kind"))?,
            vote: f.opt()?,
            object_type: f.text()?,
            object_id: f.opt()?,
            amount: f.int()?,
            weight: f.int()?,
            points: f.int()?,
            day: f.int()?,
            created_at: f.int()?,
            source_domain: f.text()?,
        };
        f.end()?;
        Ok(row)
    }

    /// The row as the fold reads it.
    fn entry(&self, instance: Option<u32>) -> Result<Entry> {
        let vote = || Vote::from_value(self.vote.unwrap_or(1));
        let amount = self.amount;
        let kind = match self.kind {
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
        let object = match (self.object_type, self.object_id) {
            (Some("thread"), Some(id)) => Some(Object::Thread(id)),
            (Some("reply"), Some(id)) => Some(Object::Reply(id)),
            _ => None,
        };
        Ok(Entry {
            member: self.member_id,
            group: self.group_id,
            source: self.source_id,
            object,
            kind,
            at: self.created_at,
            weight: self.weight,
            instance,
        })
    }
}

/// An aggregate of `columns` (plain names, or `table.name`) into one string
/// per query: NULL is an empty field, a text starts with '=' (so an empty
/// text is not NULL), a number is its decimal digits. One `printf` per row
/// (`format` on PostgreSQL; `%s` makes NULL empty in both) costs SQLite
/// far less than a chain of `||`.
fn packed(backend: Backend, columns: &[&str]) -> String {
    let values: Vec<String> = columns
        .iter()
        .map(|c| {
            let bare = c.rsplit('.').next().unwrap_or(c);
            if TEXT_COLUMNS.contains(&bare) {
                format!("'=' || {c}")
            } else {
                c.to_string()
            }
        })
        .collect();
    let pattern = vec!["%s"; columns.len()].join(&UNIT.to_string());
    let (aggregate, format) = match backend {
        Backend::Sqlite => ("group_concat", "printf"),
        Backend::Postgres => ("string_agg", "format"),
    };
    format!(
        "{aggregate}({format}('{pattern}', {}), '{RECORD}')",
        values.join(", ")
    )
}

/// The text columns read packed; the others are numbers.
const TEXT_COLUMNS: [&str; 3] = ["kind", "object_type", "source_domain"];

fn malformed(what: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "recompute: malformed packed {what}"
    )))
}

/// The fields of one packed row, in order.
struct Fields<'a>(std::str::Split<'a, char>);

impl<'a> Fields<'a> {
    fn new(record: &'a str) -> Fields<'a> {
        Fields(record.split(UNIT))
    }

    fn next(&mut self) -> Result<&'a str> {
        self.0
            .next()
            .ok_or_else(|| malformed("row: too few fields"))
    }

    fn opt(&mut self) -> Result<Option<i64>> {
        match self.next()? {
            "" => Ok(None),
            s => s.parse().map(Some).map_err(|_| malformed("number")),
        }
    }

    fn int(&mut self) -> Result<i64> {
        self.opt()?
            .ok_or_else(|| malformed("row: NULL in a NOT NULL column"))
    }

    fn text(&mut self) -> Result<Option<&'a str>> {
        match self.next()? {
            "" => Ok(None),
            s => s
                .strip_prefix('=')
                .map(Some)
                .ok_or_else(|| malformed("text")),
        }
    }

    fn end(&mut self) -> Result<()> {
        match self.0.next() {
            None => Ok(()),
            Some(_) => Err(malformed("row: too many fields")),
        }
    }
}

/// `rows` groups of `columns` parameters: "(?, ?), (?, ?)" on SQLite,
/// "($1, $2), ($3, $4)" on PostgreSQL. On SQLite, sqlx looks up the name of
/// each parameter it binds (`sqlite3_bind_parameter_name`), which searches
/// the statement's list of numbered parameters: binding n of them costs
/// n². Written 500 rows of 6 numbers a statement, 950,000 day buckets took
/// 30 s, nearly all of it there; plain `?` have no names.
fn placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 4);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    let _ = write!(sql, "${}", r * columns + c + 1);
                }
            }
        }
        sql.push(')');
    }
    sql
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds every value of `rows`, row by row.
fn bind_all<'q, T, const N: usize>(mut query: Query<'q>, rows: &[[T; N]]) -> Query<'q>
where
    T: Copy + for<'t> sqlx::Encode<'t, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    for row in rows {
        for value in row {
            query = query.bind(*value);
        }
    }
    query
}

/// What `table` holds, sorted (its key is its leading columns).
async fn held<const N: usize>(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: [&str; N],
) -> Result<Vec<[i64; N]>> {
    let text: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT {} FROM {table}",
        packed(backend, &columns)
    )))
    .fetch_one(&mut *conn)
    .await?;
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let mut rows = text
        .split(RECORD)
        .map(|record| {
            let mut f = Fields::new(record);
            let mut row = [0; N];
            for value in &mut row {
                *value = f.int()?;
            }
            f.end()?;
            Ok(row)
        })
        .collect::<Result<Vec<_>>>()?;
    rows.sort_unstable();
    Ok(rows)
}

/// Makes `table`, which holds `held`, hold `rows` instead (both sorted;
/// `keys` leading columns its primary key): deletes, inserts and updates
/// only the rows that differ, many per statement, unless most differ.
async fn write_differences<const N: usize>(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: [&str; N],
    keys: usize,
    held: &[[i64; N]],
    rows: &[[i64; N]],
) -> Result<()> {
    let (mut gone, mut put) = (Vec::new(), Vec::new());
    let (mut h, mut r) = (held.iter().peekable(), rows.iter().peekable());
    loop {
        match (h.peek(), r.peek()) {
            (None, None) => break,
            (Some(old), None) => {
                gone.push(**old);
                h.next();
            }
            (None, Some(new)) => {
                put.push(**new);
                r.next();
            }
            (Some(old), Some(new)) => match old[..keys].cmp(&new[..keys]) {
                std::cmp::Ordering::Less => {
                    gone.push(**old);
                    h.next();
                }
                std::cmp::Ordering::Greater => {
                    put.push(**new);
                    r.next();
                }
                std::cmp::Ordering::Equal => {
                    if old != new {
                        put.push(**new);
                    }
                    h.next();
                    r.next();
                }
            },
        }
    }
    if (gone.len() + put.len()) * 2 > rows.len() {
        // Most rows differ (the rules changed): writing the table anew, in
        // key order, costs about half as much as changing them one by one.
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut *conn)
            .await?;
        for chunk in rows.chunks(MAX_PARAMS / N) {
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES {}",
                columns.join(", "),
                placeholders(backend, chunk.len(), N)
            );
            bind_all(sqlx::query(AssertSqlSafe(sql)), chunk)
                .execute(&mut *conn)
                .await?;
        }
        return Ok(());
    }
    let key_list = columns[..keys].join(", ");
    for chunk in gone.chunks(MAX_PARAMS / keys) {
        let sql = format!(
            "DELETE FROM {table} WHERE ({key_list}) IN (VALUES {})",
            placeholders(backend, chunk.len(), keys)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            for value in &row[..keys] {
                query = query.bind(*value);
            }
        }
        query.execute(&mut *conn).await?;
    }
    let set: Vec<String> = columns[keys..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    for chunk in put.chunks(MAX_PARAMS / N) {
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {} ON CONFLICT ({key_list}) DO UPDATE SET {}",
            columns.join(", "),
            placeholders(backend, chunk.len(), N),
            set.join(", ")
        );
        bind_all(sqlx::query(AssertSqlSafe(sql)), chunk)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Rewrites the points each remote instance's votes brought each day.
async fn instance_days(
    conn: &mut AnyConnection,
    backend: Backend,
    instances: &HashMap<String, u32>,
    brought: &HashMap<(u32, i64), i64>,
) -> Result<()> {
    sqlx::query("DELETE FROM reputation_instance_days")
        .execute(&mut *conn)
        .await?;
    let mut domains = vec![""; instances.len()];
    for (domain, &i) in instances {
        domains[i as usize] = domain;
    }
    let rows: Vec<(&str, i64, i64)> = brought
        .iter()
        .map(|(&(i, day), &points)| (domains[i as usize], day, points))
        .collect();
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
/// the fold decides differently: (voter, object, author points, voter
/// points) to write, so a withdrawal after the recompute reverses the
/// recomputed points.
fn vote_changes(
    texts: &[Option<String>],
    granted: &HashMap<&(i64, i64, Object), &i64>,
) -> Result<Vec<Vec<[Option<i64>; 4]>>> {
    let points = |key| granted.get(&key).map_or(0, |p| **p);
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
                Object::Thread(id)
            } else {
                Object::Reply(id)
            };
            let now = (
                Some(points((author, voter, object))),
                was.1.map(|_| points((voter, author, object))),
            );
            if now != was {
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
