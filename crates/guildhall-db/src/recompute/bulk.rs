//! Reading and writing whole tables fast through sqlx's `Any` driver:
//! rows packed into one string per query, and many rows per statement.
//! Nothing here knows what the rows mean; `recompute.rs` does.

use crate::Backend;
use crate::error::{Result, StoreError};
use sqlx::{AnyConnection, AssertSqlSafe};
use std::fmt::Write as _;

/// Values bound per statement: under SQLite's 32,766 (PostgreSQL's 65,535).
pub(super) const MAX_PARAMS: usize = 30_000;
/// Between the fields of a packed row, and between rows: control characters
/// no value holds (numbers, the ledger's fixed names, and host names, where
/// they are forbidden).
const UNIT: char = '\u{1f}';
pub(super) const RECORD: char = '\u{1e}';

/// An aggregate of `columns` (plain names, or `table.name`) into one string
/// per query: NULL is an empty field, a text starts with '=' (so an empty
/// text is not NULL), a number is its decimal digits. One `printf` per row
/// (`format` on PostgreSQL; `%s` makes NULL empty in both) costs SQLite
/// far less than a chain of `||`.
pub(super) fn packed(backend: Backend, columns: &[&str]) -> String {
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

pub(super) fn malformed(what: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "recompute: malformed packed {what}"
    )))
}

/// The fields of one packed row, in order.
pub(super) struct Fields<'a>(std::str::Split<'a, char>);

impl<'a> Fields<'a> {
    pub(super) fn new(record: &'a str) -> Fields<'a> {
        Fields(record.split(UNIT))
    }

    fn next(&mut self) -> Result<&'a str> {
        self.0
            .next()
            .ok_or_else(|| malformed("row: too few fields"))
    }

    pub(super) fn opt(&mut self) -> Result<Option<i64>> {
        match self.next()? {
            "" => Ok(None),
            s => s.parse().map(Some).map_err(|_| malformed("number")),
        }
    }

    pub(super) fn int(&mut self) -> Result<i64> {
        self.opt()?
            .ok_or_else(|| malformed("row: NULL in a NOT NULL column"))
    }

    pub(super) fn text(&mut self) -> Result<Option<&'a str>> {
        match self.next()? {
            "" => Ok(None),
            s => s
                .strip_prefix('=')
                .map(Some)
                .ok_or_else(|| malformed("text")),
        }
    }

    pub(super) fn end(&mut self) -> Result<()> {
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
pub(super) fn placeholders(backend: Backend, rows: usize, columns: usize) -> String {
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

pub(super) type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds every value of `rows`, row by row.
pub(super) fn bind_all<'q, T, const N: usize>(mut query: Query<'q>, rows: &[[T; N]]) -> Query<'q>
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
pub(super) async fn held<const N: usize>(
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
pub(super) async fn write_differences<const N: usize>(
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
