//! PostgreSQL: the events and the record (`actions`) partitioned by Beijing month (declarative
//! range partitioning on `reported_at` and `at`), so a closed month can be detached and
//! archived whole and every month's indexes stay the size of a month.
//!
//! Each table has one partition per month and a `DEFAULT` one that catches what arrives for a
//! month not made yet (a back-dated history, a clock far off). `maintain`, run at every start
//! and hourly by the server, makes the coming months ahead of time and moves any month found in
//! the default partition out into its own. On SQLite nothing is partitioned: one file holds a
//! district's years and `maintain` does nothing.
//!
//! PostgreSQL requires a partitioned table's unique keys to hold the partition key: the events'
//! key is `(id, reported_at)` and their case numbers are unique per `(case_number,
//! reported_at)`. A case number is still unique: it carries its report's day, so two reports
//! sharing one fall in the same partition. The rows that point at an event (its units, steps,
//! photos, reply) are written in the event's own transactions; they no longer carry a foreign
//! key, which PostgreSQL cannot make to a partitioned table's part of a key.

use crate::sql::{append_actions, set_meta_in};
use crate::*;
use sqlx::{AnyConnection, Executor, Row};
use zhili_domain::chain::Actor;
use zhili_domain::time::Month;

struct Partitioned {
    table: &'static str,
    key: &'static str,
    id: &'static str,
}

const TABLES: &[Partitioned] = &[
    Partitioned {
        table: "events",
        key: "reported_at",
        id: "id",
    },
    Partitioned {
        table: "actions",
        key: "at",
        id: "seq",
    },
];

/// How many months ahead of the current one are kept made.
const AHEAD: usize = 2;
/// Serialises partition changes between servers sharing the database.
const LOCK: i64 = 0x7a68_696c_6970; // "zhilip"

/// Where the record's archived months end: `"<seq> <hash>"`; verification starts there.
pub const ARCHIVED_THROUGH: &str = "audit_archived_through";

/// One partition as `zhili partitions` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    pub table: String,
    pub name: String,
    /// `None` for the default partition.
    pub month: Option<Month>,
    pub rows: i64,
    pub bytes: i64,
}

/// What detaching a month did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detached {
    /// The tables left standing apart, to dump (`pg_dump -t`) and drop.
    pub tables: Vec<String>,
    pub events: i64,
    pub records: i64,
}

fn name(table: &str, month: Month) -> String {
    format!("{table}_p{}", month.compact())
}

/// Migration 47 on PostgreSQL: each table rebuilt as a partitioned one, its rows, indexes and
/// id sequence carried over.
pub(crate) async fn convert(conn: &mut AnyConnection, now: i64) -> Result<()> {
    for t in TABLES {
        let (table, key, id) = (t.table, t.key, t.id);
        // Index definitions read before the rename still name the table as it will be.
        let constraint_indexes: Vec<String> = sqlx::query_scalar(
            "SELECT conname::text FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p', 'u')",
        )
        .bind(table)
        .fetch_all(&mut *conn)
        .await?;
        let indexes = pairs(
            conn,
            "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1",
            table,
        )
        .await?;
        let foreign_keys = pairs(
            conn,
            "SELECT conrelid::regclass::text, conname::text FROM pg_constraint WHERE confrelid = $1::regclass AND contype = 'f'",
            table,
        )
        .await?;
        for (from, constraint) in &foreign_keys {
            conn.execute(format!("ALTER TABLE {from} DROP CONSTRAINT {constraint}").as_str())
                .await?;
        }
        let sequence: Option<String> =
            sqlx::query_scalar(&format!("SELECT pg_get_serial_sequence('{table}', '{id}')"))
                .fetch_one(&mut *conn)
                .await?;
        if let Some(s) = &sequence {
            conn.execute(format!("ALTER SEQUENCE {s} OWNED BY NONE").as_str())
                .await?;
        }
        let old = format!("{table}_unpartitioned");
        conn.execute(format!("ALTER TABLE {table} RENAME TO {old}").as_str())
            .await?;
        conn.execute(
            format!(
                "CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS) PARTITION BY RANGE ({key})"
            )
            .as_str(),
        )
        .await?;
        conn.execute(format!("CREATE TABLE {table}_default PARTITION OF {table} DEFAULT").as_str())
            .await?;
        let span: (Option<i64>, Option<i64>) = {
            let r = sqlx::query(&format!("SELECT MIN({key}), MAX({key}) FROM {old}"))
                .fetch_one(&mut *conn)
                .await?;
            (r.try_get(0)?, r.try_get(1)?)
        };
        let first = Month::of(span.0.unwrap_or(now).min(now));
        let last = Month::of(span.1.unwrap_or(now).max(now));
        let mut m = first;
        while m <= last {
            create(conn, table, m).await?;
            m = m.next();
        }
        conn.execute(format!("INSERT INTO {table} SELECT * FROM {old}").as_str())
            .await?;
        conn.execute(format!("DROP TABLE {old}").as_str()).await?;
        conn.execute(format!("ALTER TABLE {table} ADD PRIMARY KEY ({id}, {key})").as_str())
            .await?;
        if table == "events" {
            conn.execute(
                "CREATE UNIQUE INDEX events_case_number ON events (case_number, reported_at)",
            )
            .await?;
        }
        for (index, definition) in indexes {
            if !constraint_indexes.contains(&index) {
                conn.execute(definition.as_str()).await?;
            }
        }
        if let Some(s) = &sequence {
            conn.execute(format!("ALTER SEQUENCE {s} OWNED BY {table}.{id}").as_str())
                .await?;
        }
        conn.execute(format!("ANALYZE {table}").as_str()).await?;
    }
    maintain_in(conn, now).await?;
    Ok(())
}

/// Two text columns of a catalogue query about `table`.
async fn pairs(conn: &mut AnyConnection, sql: &str, table: &str) -> Result<Vec<(String, String)>> {
    sqlx::query(sql)
        .bind(table)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// An empty month's partition.
async fn create(conn: &mut AnyConnection, table: &str, month: Month) -> Result<()> {
    conn.execute(
        format!(
            "CREATE TABLE {} PARTITION OF {table} FOR VALUES FROM ({}) TO ({})",
            name(table, month),
            month.start_ms(),
            month.next().start_ms()
        )
        .as_str(),
    )
    .await?;
    Ok(())
}

/// The months that have a partition of `table` attached.
async fn attached(conn: &mut AnyConnection, table: &str) -> Result<Vec<Month>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    let prefix = format!("{table}_p");
    Ok(names
        .iter()
        .filter_map(|n| {
            let digits = n.strip_prefix(&prefix)?;
            (digits.len() == 6)
                .then(|| Month::parse(&format!("{}-{}", &digits[..4], &digits[4..])))
                .flatten()
        })
        .collect())
}

async fn is_partitioned(conn: &mut AnyConnection, table: &str) -> Result<bool> {
    let kind: Option<String> =
        sqlx::query_scalar("SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)")
            .bind(table)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(kind.as_deref() == Some("p"))
}

/// Makes the current month and the next ones, and moves the months found in the default
/// partition into their own. Answers the partitions made.
pub(crate) async fn maintain(store: &SqlStore, now: i64) -> Result<Vec<String>> {
    if store.backend != Backend::Postgres {
        return Ok(vec![]);
    }
    let mut tx = store.pool.begin().await?;
    let made = maintain_in(&mut tx, now).await?;
    tx.commit().await?;
    Ok(made)
}

async fn maintain_in(conn: &mut AnyConnection, now: i64) -> Result<Vec<String>> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(LOCK)
        .execute(&mut *conn)
        .await?;
    let mut made = vec![];
    for t in TABLES {
        let (table, key) = (t.table, t.key);
        if !is_partitioned(conn, table).await? {
            continue;
        }
        let have = attached(conn, table).await?;
        let mut wanted = vec![];
        let mut m = Month::of(now);
        for _ in 0..=AHEAD {
            wanted.push(m);
            m = m.next();
        }
        let stray: (Option<i64>, Option<i64>) = {
            let r = sqlx::query(&format!(
                "SELECT MIN({key}), MAX({key}) FROM {table}_default"
            ))
            .fetch_one(&mut *conn)
            .await?;
            (r.try_get(0)?, r.try_get(1)?)
        };
        if let (Some(lo), Some(hi)) = stray {
            let mut m = Month::of(lo);
            while m <= Month::of(hi) {
                wanted.push(m);
                m = m.next();
            }
        }
        wanted.sort();
        wanted.dedup();
        for month in wanted.into_iter().filter(|m| !have.contains(m)) {
            let (lo, hi) = (month.start_ms(), month.next().start_ms());
            let strays: bool = sqlx::query_scalar(&format!(
                "SELECT EXISTS (SELECT 1 FROM {table}_default WHERE {key} >= $1 AND {key} < $2)"
            ))
            .bind(lo)
            .bind(hi)
            .fetch_one(&mut *conn)
            .await?;
            let part = name(table, month);
            if !strays {
                // A month with nothing to hold is made only when it is current or coming.
                if month >= Month::of(now) {
                    create(conn, table, month).await?;
                    made.push(part);
                }
                continue;
            }
            // The month's rows leave the default partition for their own, which is then
            // attached (PostgreSQL checks the default holds none of its range any more). The
            // table is locked whole first: a query planned over the old partitions while the
            // rows moved would find them in neither place. Only a back-dated load leaves rows
            // here, so the pause is rare.
            conn.execute(format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE").as_str())
                .await?;
            conn.execute(format!("CREATE TABLE {part} (LIKE {table} INCLUDING DEFAULTS)").as_str())
                .await?;
            conn.execute(
                format!(
                    "WITH moved AS (DELETE FROM {table}_default WHERE {key} >= {lo} AND {key} < {hi} RETURNING *) \
                     INSERT INTO {part} SELECT * FROM moved"
                )
                .as_str(),
            )
            .await?;
            conn.execute(
                format!(
                    "ALTER TABLE {table} ATTACH PARTITION {part} FOR VALUES FROM ({lo}) TO ({hi})"
                )
                .as_str(),
            )
            .await?;
            made.push(part);
        }
    }
    Ok(made)
}

/// Every partition of the events and the record, oldest month first, the default last.
pub(crate) async fn list(store: &SqlStore) -> Result<Vec<Partition>> {
    if store.backend != Backend::Postgres {
        return Ok(vec![]);
    }
    let mut conn = store.pool.acquire().await?;
    let mut out = vec![];
    for t in TABLES {
        if !is_partitioned(&mut conn, t.table).await? {
            continue;
        }
        let mut months = attached(&mut conn, t.table).await?;
        months.sort();
        let names = months
            .iter()
            .map(|m| (name(t.table, *m), Some(*m)))
            .chain([(format!("{}_default", t.table), None)]);
        for (part, month) in names {
            let r = sqlx::query(&format!(
                "SELECT (SELECT COUNT(*) FROM {part}), pg_total_relation_size('{part}')"
            ))
            .fetch_one(&mut *conn)
            .await?;
            out.push(Partition {
                table: t.table.into(),
                name: part,
                month,
                rows: r.try_get(0)?,
                bytes: r.try_get(1)?,
            });
        }
    }
    Ok(out)
}

/// Detaches a past month of the events and of the record, to be archived and dropped: refused
/// while any of its cases is still open, or when its records are not the oldest of the chain
/// (what stays must verify on its own from where the archive ends). The detached tables are
/// renamed `…_archived_pYYYYMM`; the record's end in the archive is kept as the verification's
/// new start, and the detachment is recorded.
pub(crate) async fn detach(
    store: &SqlStore,
    actor: &Actor,
    month: Month,
    now: i64,
) -> Result<Detached> {
    if store.backend != Backend::Postgres {
        return Err(StoreError::Domain(zhili_domain::DomainError::new(
            zhili_domain::ErrorCode::Conflict,
            "only a PostgreSQL database is partitioned by month; SQLite keeps every month in its file",
        )));
    }
    let refuse = |msg: String| {
        StoreError::Domain(zhili_domain::DomainError::new(
            zhili_domain::ErrorCode::Conflict,
            msg,
        ))
    };
    if month >= Month::of(now) {
        return Err(refuse(format!(
            "{month} is not over; only a past month can be archived"
        )));
    }
    let mut tx = store.pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(LOCK)
        .execute(&mut *tx)
        .await?;
    crate::ids::lock_chain_head(&mut *tx).await?;
    for t in TABLES {
        if !attached(&mut tx, t.table).await?.contains(&month) {
            return Err(refuse(format!(
                "{} has no attached partition for {month}",
                t.table
            )));
        }
    }
    let events_part = name("events", month);
    let open: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {events_part} WHERE status IN ({})",
        crate::events::open_statuses()
    ))
    .fetch_one(&mut *tx)
    .await?;
    if open > 0 {
        return Err(refuse(format!(
            "{open} of {month}'s cases are still open; a month is archived once all of them are closed"
        )));
    }
    let actions_part = name("actions", month);
    let span = sqlx::query(&format!(
        "SELECT MIN(seq), MAX(seq), COUNT(*) FROM {actions_part}"
    ))
    .fetch_one(&mut *tx)
    .await?;
    let (first, last, records): (Option<i64>, Option<i64>, i64) =
        (span.try_get(0)?, span.try_get(1)?, span.try_get(2)?);
    let archived_through: i64 = match crate::sql::meta_in(&mut tx, ARCHIVED_THROUGH).await? {
        Some(v) => v
            .split_once(' ')
            .and_then(|(s, _)| s.parse().ok())
            .ok_or_else(|| StoreError::Internal(format!("{ARCHIVED_THROUGH} is unreadable")))?,
        None => 0,
    };
    if let (Some(first), Some(last)) = (first, last) {
        let interleaved: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM actions WHERE seq <= $1 AND NOT (at >= $2 AND at < $3)",
        )
        .bind(last)
        .bind(month.start_ms())
        .bind(month.next().start_ms())
        .fetch_one(&mut *tx)
        .await?;
        if first != archived_through + 1 || interleaved > 0 {
            return Err(refuse(format!(
                "{month}'s records ({first}–{last}) are not the oldest of the record still attached; archive the months before it first"
            )));
        }
        let hash: String = sqlx::query_scalar("SELECT hash FROM actions WHERE seq = $1")
            .bind(last)
            .fetch_one(&mut *tx)
            .await?;
        set_meta_in(&mut tx, ARCHIVED_THROUGH, &format!("{last} {hash}")).await?;
    }
    let events: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {events_part}"))
        .fetch_one(&mut *tx)
        .await?;
    let mut tables = vec![];
    for part in [&events_part, &actions_part] {
        let table = part.split("_p").next().unwrap_or_default();
        let archived = part.replacen("_p", "_archived_p", 1);
        tx.execute(format!("ALTER TABLE {table} DETACH PARTITION {part}").as_str())
            .await?;
        tx.execute(format!("ALTER TABLE {part} RENAME TO {archived}").as_str())
            .await?;
        tables.push(archived);
    }
    let mut a = actor.action(now, "partition.detach", &format!("month:{month}"));
    a.opinion = Some(format!(
        "{events} events and {records} records of {month} detached for archiving as {}",
        tables.join(", ")
    ));
    append_actions(&mut *tx, vec![a]).await?;
    tx.commit().await?;
    Ok(Detached {
        tables,
        events,
        records,
    })
}
