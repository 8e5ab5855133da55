//! The SQL implementation of `Store`, over sqlx's `Any` driver so one body of queries
//! serves SQLite and PostgreSQL. Placeholders are `$n` (both engines accept them).

use crate::{migrate, Backend, NewUser, RegionRecord, Result, Store, StoreError};
use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Row};
use std::sync::Arc;

use zhili_domain::chain::{Action, Actor, NewAction};
use zhili_domain::user::User;
use zhili_domain::{Level, Region, RegionCode, RegionKind, Role, Scope, Unit, UnitKind};

// The one scope rule in SQL lives in its own module; queries reach it through here.
pub(crate) use crate::scope_sql::{event_scope, scope_condition, scope_filter};

pub struct SqlStore {
    pub(crate) pool: AnyPool,
    /// Where write transactions run: on SQLite one connection of its own, so the writer
    /// never waits for a reader to give a connection back (a batch's BEGIN waited 1.9 ms
    /// on average under mixed load); on PostgreSQL the pool itself.
    pub(crate) writer: AnyPool,
    pub(crate) backend: Backend,
    /// SQLite has one writer at a time. Writers of this process queue here, in order,
    /// instead of in SQLite's busy handler, which polls with sleeps of up to 100 ms.
    pub(crate) writer_turn: Arc<tokio::sync::Mutex<()>>,
    /// Where the database is, for the PostgreSQL listener's own connection.
    pub(crate) url: String,
    /// On SQLite, the event writer's own connection through SQLite's API (`lite_writer`).
    pub(crate) lite_writer: crate::lite_writer::LiteWriter,
}

/// A write transaction; on SQLite it also holds this process's writer turn until it ends.
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// A statement under construction with its arguments, numbered `$1…` as they are bound.
#[derive(Default)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) args: Vec<Arg>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    Float(f64),
    /// Typed NULLs: PostgreSQL checks a parameter's type against its column.
    NullText,
    NullInt,
    NullFloat,
}

impl Arg {
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Arg::NullText | Arg::NullInt | Arg::NullFloat)
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        v.map_or(Arg::NullText, Arg::Text)
    }
}

impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Arg {
        v.map_or(Arg::NullFloat, Arg::Float)
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        v.map_or(Arg::NullInt, Arg::Int)
    }
}

impl Sql {
    pub(crate) fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: vec![],
        }
    }

    pub(crate) fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    pub(crate) fn bind_text(&mut self, v: impl Into<String>) -> &mut Self {
        self.bind(Arg::Text(v.into()))
    }

    /// `(v1, v2, …)` with each value bound: the right side of an `IN`.
    pub(crate) fn bind_list(&mut self, values: impl IntoIterator<Item = Arg>) -> &mut Self {
        self.push("(");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self.push(")")
    }

    /// `head` followed by a filter built on its own (from `Sql::new("")`), with the
    /// filter's arguments; further binds number on from there.
    pub(crate) fn with_filter(head: &str, filter: &Sql) -> Sql {
        Sql {
            text: format!("{head}{}", filter.text),
            args: filter.args.clone(),
        }
    }

    /// Appends another statement's text and arguments, renumbering its placeholders to
    /// follow this statement's own.
    pub(crate) fn append(&mut self, other: &Sql) -> &mut Self {
        let base = self.args.len();
        let mut chars = other.text.chars().peekable();
        while let Some(c) = chars.next() {
            self.text.push(c);
            if c == '$' {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if let Ok(n) = digits.parse::<usize>() {
                    self.text.push_str(&(n + base).to_string());
                } else {
                    self.text.push_str(&digits);
                }
            }
        }
        self.args.extend(other.args.iter().cloned());
        self
    }

    /// A value as a parameter; a NULL is written into the text instead. PostgreSQL keeps a
    /// statement's parameter types per connection: the same text bound once with a typed NULL
    /// and once with a value could be refused ("incorrect binary data format"), and a literal
    /// NULL makes the two different statements.
    pub(crate) fn bind(&mut self, arg: Arg) -> &mut Self {
        if arg.is_null() {
            self.text.push_str("NULL");
            return self;
        }
        self.args.push(arg);
        let n = self.args.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    pub(crate) fn query(&self) -> sqlx::query::Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Text(t) => q.bind(t.as_str()),
                Arg::Int(i) => q.bind(*i),
                Arg::Float(f) => q.bind(*f),
                Arg::NullText => q.bind(None::<String>),
                Arg::NullInt => q.bind(None::<i64>),
                Arg::NullFloat => q.bind(None::<f64>),
            };
        }
        q
    }
}

/// The one scope filter: `column` (a region code) must lie in the scope's subtree.
/// ` AND (c1 LIKE '%text%' OR c2 LIKE …)`, the text's own `%` and `_` taken literally.
pub(crate) fn contains_any(sql: &mut Sql, columns: &[&str], text: &str) {
    let pattern = crate::events::like_pattern(text);
    sql.push(" AND (");
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push(c).push(" LIKE ").bind_text(pattern.clone());
        sql.push(" ESCAPE '\\'");
    }
    sql.push(")");
}

/// ` AND` the `source` row (its id in `id_column`) is linked to `target:id`.
pub(crate) fn linked_to(
    sql: &mut Sql,
    source: &str,
    id_column: &str,
    (target, id): (zhili_domain::situation::LinkTarget, i64),
) {
    sql.push(" AND EXISTS (SELECT 1 FROM links l WHERE l.source = ")
        .bind_text(source);
    sql.push(" AND l.source_id = ").push(id_column);
    sql.push(" AND l.target = ").bind_text(target.as_str());
    sql.push(" AND l.target_id = ").bind(Arg::Int(id));
    sql.push(")");
}

/// `column` starts with the digits `prefix`, as a range an index can serve (SQLite's LIKE uses
/// no index under its default case-insensitive matching): [prefix, prefix + 1) over digit
/// strings, which order alike under every collation.
pub(crate) fn digit_prefix(sql: &mut Sql, column: &str, prefix: &str) {
    sql.push(" AND ")
        .push(column)
        .push(" >= ")
        .bind_text(prefix);
    let mut upper: Vec<u8> = prefix.bytes().collect();
    while let Some(last) = upper.pop() {
        if last < b'9' {
            upper.push(last + 1);
            break;
        }
    }
    if !upper.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) {
        sql.push(" AND ")
            .push(column)
            .push(" < ")
            .bind_text(String::from_utf8_lossy(&upper).into_owned());
    } else {
        sql.push(" AND ")
            .push(column)
            .push(" LIKE ")
            .bind_text(format!("{prefix}%"));
    }
}

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Internal(format!("stored {what} {value:?} is not valid"))
}

/// A column holding a word of a closed vocabulary (a kind, a state, a source); a word the
/// vocabulary does not have is a corrupt row.
pub(crate) fn word<T>(row: &AnyRow, column: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    let raw: String = row.try_get(column)?;
    parse(&raw).ok_or_else(|| corrupt(column, &raw))
}

const REGION_COLUMNS: &str = "code, version, name, level, kind, parent_code, valid_from, valid_to";

fn region_from_row(row: &AnyRow, with_geometry: bool) -> Result<RegionRecord> {
    let code: String = row.try_get("code")?;
    let level: String = row.try_get("level")?;
    let kind: String = row.try_get("kind")?;
    let parent: Option<String> = row.try_get("parent_code")?;
    let region = Region {
        code: RegionCode::parse(&code).map_err(|_| corrupt("region code", &code))?,
        name: row.try_get("name")?,
        level: Level::parse(&level).ok_or_else(|| corrupt("level", &level))?,
        kind: RegionKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        parent_code: parent
            .map(|p| RegionCode::parse(&p).map_err(|_| corrupt("parent code", &p)))
            .transpose()?,
        version: row.try_get("version")?,
        valid_from: row.try_get("valid_from")?,
        valid_to: row.try_get("valid_to")?,
    };
    let geometry = if with_geometry {
        row.try_get("geometry")?
    } else {
        None
    };
    Ok(RegionRecord { region, geometry })
}

pub(crate) const ACTION_COLUMNS: &str = "seq, at, actor, unit, action, subject, from_state, to_state, opinion, attachments, prev_hash, hash";

pub(crate) fn action_from_row(r: &AnyRow) -> Result<Action> {
    Ok(Action {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        unit: r.try_get("unit")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        from_state: r.try_get("from_state")?,
        to_state: r.try_get("to_state")?,
        opinion: r.try_get("opinion")?,
        attachments: r.try_get("attachments")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.role, u.unit_id, u.region_code, u.department, u.must_change_password";

pub(crate) fn user_from_row(row: &AnyRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    let region: String = row.try_get("region_code")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        unit_id: row.try_get("unit_id")?,
        region_code: RegionCode::parse(&region).map_err(|_| corrupt("region code", &region))?,
        department: row.try_get("department")?,
        grids: Vec::new(),
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
    })
}

/// Appends actions to the chain inside the caller's transaction. The head row is updated
/// first, which takes the write lock on both engines before anything is read, so
/// concurrent appends serialise instead of forking the chain.
pub(crate) async fn append_actions<C: crate::exec::Exec>(
    conn: &mut C,
    actions: Vec<NewAction>,
) -> Result<()> {
    if actions.is_empty() {
        return Ok(());
    }
    append_sealed(conn, actions).await.map(|_| ())
}

/// As `append_actions` (at least one action), answering the last one's place in the chain:
/// its sequence number and hash (what a signed entry keeps as its signature).
pub(crate) async fn append_sealed<C: crate::exec::Exec>(
    conn: &mut C,
    actions: Vec<NewAction>,
) -> Result<(i64, String)> {
    use crate::exec::Cells;
    let mut head = Sql::new("UPDATE chain_head SET seq = seq + ");
    head.bind(Arg::Int(actions.len() as i64))
        .push(" WHERE id = 1 RETURNING seq, hash");
    let row = crate::exec::one_row(conn, &head).await?;
    let last: i64 = row.cell("seq")?;
    let prev: String = row.cell("hash")?;
    let (rows, prev) = sealed_rows(actions, last, prev);
    insert_rows(conn, "actions", &ACTION_INSERT_COLUMNS, rows).await?;
    let mut head = Sql::new("UPDATE chain_head SET hash = ");
    head.bind(Arg::Text(prev.clone())).push(" WHERE id = 1");
    conn.run(&head).await?;
    Ok((last, prev))
}

/// The record's columns, in the order `sealed_rows` writes them.
pub(crate) const ACTION_INSERT_COLUMNS: [&str; 12] = [
    "seq",
    "at",
    "actor",
    "unit",
    "action",
    "subject",
    "from_state",
    "to_state",
    "opinion",
    "attachments",
    "prev_hash",
    "hash",
];

/// `actions` sealed into the chain after `prev` as the records up to `last` (the head after
/// them), as rows of `ACTION_INSERT_COLUMNS`; answers the rows and the last hash.
pub(crate) fn sealed_rows(
    actions: Vec<NewAction>,
    last: i64,
    mut prev: String,
) -> (Vec<Vec<Arg>>, String) {
    let mut seq = last - actions.len() as i64;
    let mut rows = Vec::with_capacity(actions.len());
    for a in actions {
        seq += 1;
        let sealed = a.seal(seq, &prev);
        prev = sealed.hash.clone();
        rows.push(vec![
            Arg::Int(sealed.seq),
            Arg::Int(sealed.at),
            Arg::Text(sealed.actor),
            sealed.unit.into(),
            Arg::Text(sealed.action),
            Arg::Text(sealed.subject),
            sealed.from_state.into(),
            sealed.to_state.into(),
            sealed.opinion.into(),
            Arg::Text(sealed.attachments),
            Arg::Text(sealed.prev_hash),
            Arg::Text(sealed.hash),
        ]);
    }
    (rows, prev)
}

impl SqlStore {
    pub async fn open(url: &str) -> Result<SqlStore> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() {
                return Err(StoreError::Internal("empty SQLite path".into()));
            }
            (Backend::Sqlite, format!("sqlite://{path}?mode=rwc"))
        };
        let pool = pool_options(
            backend,
            match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 8,
            },
        )
        .connect(&url)
        .await?;
        migrate::run(&pool, backend).await?;
        let writer = match backend {
            Backend::Sqlite => pool_options(backend, 1).connect(&url).await?,
            Backend::Postgres => pool.clone(),
        };
        let writer_turn = Arc::new(tokio::sync::Mutex::new(()));
        if backend == Backend::Sqlite {
            crate::wal::spawn_checkpointer(
                url.split('?').next().unwrap_or(&url).to_string(),
                Arc::downgrade(&writer_turn),
            );
        }
        let store = SqlStore {
            pool,
            writer,
            backend,
            writer_turn,
            url,
            lite_writer: Default::default(),
        };
        store.rebuild_dropped_indexes().await?;
        Ok(store)
    }

    /// The SQLite database's file, for the work done through SQLite's own API.
    pub(crate) fn sqlite_file(&self) -> Result<std::path::PathBuf> {
        let path = self.url.split('?').next().unwrap_or(&self.url);
        Ok(path
            .parse::<sqlx::sqlite::SqliteConnectOptions>()?
            .get_filename()
            .to_path_buf())
    }

    pub async fn destroy(url: &str) -> Result<()> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            sqlx::any::install_default_drivers();
            let mut conn = <AnyConnection as sqlx::Connection>::connect(url).await?;
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE").await?;
            conn.execute("CREATE SCHEMA public").await?;
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            let path = path.split('?').next().unwrap_or(path);
            for suffix in ["", "-wal", "-shm"] {
                match std::fs::remove_file(format!("{path}{suffix}")) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(StoreError::Internal(format!(
                            "cannot remove {path}{suffix}: {e}"
                        )))
                    }
                }
            }
        }
        Ok(())
    }

    /// A transaction that will write. On SQLite it takes the write lock at BEGIN: a deferred
    /// transaction that reads first and writes later can deadlock with another writer, and
    /// SQLite then fails at once instead of waiting.
    pub(crate) async fn write_tx(&self) -> Result<WriteTx> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let turn = self.writer_turn.clone().lock_owned().await;
                WriteTx {
                    tx: self.writer.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                }
            }
            Backend::Postgres => WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            },
        })
    }

    /// Dashboard statistics counted from the events, never from the running totals: what
    /// the totals must always agree with.
    pub async fn event_stats_counted(
        &self,
        scope: &Scope,
        q: &crate::StatsQuery,
    ) -> Result<Vec<crate::StatRow>> {
        crate::events::event_stats_scan(self, scope, q).await
    }

    /// The record of one subject (`event:42`), oldest first.
    pub async fn actions_of(&self, subject: &str) -> Result<Vec<Action>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM actions WHERE subject = $1 ORDER BY seq"
        ))
        .bind(subject)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(action_from_row).collect()
    }

    /// The pool itself, for tools that must reach below the trait (tests that tamper
    /// with the record to prove `audit verify` notices).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(crate) async fn fetch_units(
        &self,
        scope: &Scope,
        kind: Option<UnitKind>,
        id: Option<&str>,
    ) -> Result<Vec<Unit>> {
        // Departments serve the whole district (see Scope::sees_unit); others by subtree.
        let mut sql = Sql::new(
            "SELECT id, name, kind, region_code FROM units WHERE (kind = 'department' OR (1 = 1",
        );
        scope_filter(&mut sql, "region_code", scope);
        sql.push("))");
        if let Some(kind) = kind {
            sql.push(" AND kind = ").bind_text(kind.as_str());
        }
        if let Some(id) = id {
            sql.push(" AND id = ").bind_text(id);
        }
        sql.push(" ORDER BY kind, id");
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                let region: String = row.try_get("region_code")?;
                let unit = Unit {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    kind: UnitKind::parse(&kind).ok_or_else(|| corrupt("unit kind", &kind))?,
                    region_code: RegionCode::parse(&region)
                        .map_err(|_| corrupt("region code", &region))?,
                };
                debug_assert!(scope.sees_unit(&unit));
                Ok(unit)
            })
            .collect()
    }

    pub(crate) async fn fetch_regions(
        &self,
        sql: &Sql,
        with_geometry: bool,
    ) -> Result<Vec<RegionRecord>> {
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| region_from_row(r, with_geometry))
            .collect()
    }

    pub(crate) fn region_select(with_geometry: bool) -> Sql {
        let geometry = if with_geometry { ", geometry" } else { "" };
        Sql::new(&format!(
            "SELECT {REGION_COLUMNS}{geometry} FROM regions WHERE 1 = 1"
        ))
    }
}

impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }
}

/// How every SQLite connection of the server is set up, sqlx's and the event writer's own.
/// WAL for concurrent readers; FULL so an acknowledged commit survives kill -9 and power loss;
/// wait instead of failing when a writer holds the lock. Pages are read through a memory map
/// (no copy per page read) with a larger page cache per connection than the default 2 MB.
pub(crate) const SQLITE_SETTINGS: [&str; 8] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA mmap_size = 1073741824",
    // Readers that never pause keep the WAL from being reset; cap what stays on disk after each
    // checkpoint.
    "PRAGMA journal_size_limit = 67108864",
    "PRAGMA cache_size = -32768",
    // Checkpoints are the checkpointer's (`wal`), not the writers'.
    "PRAGMA wal_autocheckpoint = 0",
];

/// A pool's options; on SQLite each connection is set up for this server (WAL, durable
/// commits, a memory map, no checkpoints of its own).
fn pool_options(backend: Backend, connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    for pragma in SQLITE_SETTINGS {
                        conn.execute(pragma).await?;
                    }
                }
                Ok(())
            })
        })
}

pub(crate) async fn meta_in(conn: &mut AnyConnection, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?)
}

pub(crate) async fn set_meta_in(conn: &mut AnyConnection, key: &str, value: &str) -> Result<()> {
    let updated = sqlx::query("UPDATE meta SET value = $1 WHERE key = $2")
        .bind(value)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    if updated.rows_affected() == 0 {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(value)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(crate) async fn insert_units_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    units: &[Unit],
    now: i64,
) -> Result<Vec<NewAction>> {
    let mut actions = Vec::with_capacity(units.len());
    for u in units {
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM units WHERE id = $1")
            .bind(u.id.clone())
            .fetch_optional(&mut *conn)
            .await?;
        if exists.is_some() {
            return Err(StoreError::conflict(format!(
                "unit {} already exists",
                u.id
            )));
        }
        sqlx::query("INSERT INTO units (id, name, kind, region_code) VALUES ($1, $2, $3, $4)")
            .bind(u.id.clone())
            .bind(u.name.clone())
            .bind(u.kind.as_str())
            .bind(u.region_code.to_string())
            .execute(&mut *conn)
            .await?;
        actions.push(
            actor
                .action(now, "unit.add", &format!("unit:{}", u.id))
                .states(None, Some("active"))
                .opinion(u.name.clone()),
        );
    }
    Ok(actions)
}

pub(crate) async fn insert_users_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    users: &[NewUser],
    now: i64,
) -> Result<Vec<NewAction>> {
    let mut actions = Vec::with_capacity(users.len());
    for u in users {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(u.username.clone())
            .fetch_optional(&mut *conn)
            .await?;
        if exists.is_some() {
            return Err(StoreError::conflict(format!(
                "user {} already exists",
                u.username
            )));
        }
        if let Some(unit) = &u.unit_id {
            let found: Option<String> = sqlx::query_scalar("SELECT id FROM units WHERE id = $1")
                .bind(unit.clone())
                .fetch_optional(&mut *conn)
                .await?;
            if found.is_none() {
                return Err(StoreError::Domain(zhili_domain::DomainError::invalid(
                    "unit",
                    format!("no unit {unit}"),
                )));
            }
        }
        sqlx::query(
            "INSERT INTO users (username, display_name, role, unit_id, region_code, department, password_hash, failed_count, locked_until, created_at, phone_enc, phone_masked, password_changed_at, must_change_password) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, NULL, $8, $9, $10, $8, $11)",
        )
        .bind(u.username.clone())
        .bind(u.display_name.clone())
        .bind(u.role.as_str())
        .bind(u.unit_id.clone())
        .bind(u.region_code.to_string())
        .bind(u.department.clone())
        .bind(u.password_hash.clone())
        .bind(now)
        .bind(u.phone_enc.clone())
        .bind(u.phone_masked.clone())
        .bind(i64::from(u.must_change_password))
        .execute(&mut *conn)
        .await?;
        actions.push(
            actor
                .action(now, "user.add", &format!("user:{}", u.username))
                .states(None, Some(u.role.as_str())),
        );
    }
    Ok(actions)
}

pub(crate) use crate::rows::{insert_rows, upsert_rows};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_is_written_into_the_text_not_bound() {
        let mut q = Sql::new("UPDATE t SET a = ");
        q.bind(Arg::NullFloat);
        q.push(", b = ").bind(Arg::Float(1.5));
        assert_eq!(q.text, "UPDATE t SET a = NULL, b = $1");
        assert_eq!(q.args.len(), 1);
    }

    #[test]
    fn appended_placeholders_are_renumbered() {
        let mut filter = Sql::new("");
        for i in 0..12 {
            filter.push(" AND c = ").bind(Arg::Int(i));
        }
        let mut sql = Sql::new("SELECT ");
        sql.bind(Arg::Int(100))
            .push(" WHERE 1 = 1")
            .bind(Arg::Int(101));
        sql.append(&filter);
        assert!(
            sql.text.ends_with("AND c = $13 AND c = $14"),
            "{}",
            sql.text
        );
        assert!(sql.text.contains(" AND c = $3 AND c = $4"), "{}", sql.text);
        assert_eq!(sql.args.len(), 14);
        assert_eq!(sql.args[13], Arg::Int(11));
    }
}
