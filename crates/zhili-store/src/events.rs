//! Events: reports and changes written (the writer's batches), read and listed in scope,
//! the map's points and the dashboard's scans.

use crate::counts::CountChanges;
use crate::exec::Exec;
use crate::history::insert_history;
use crate::sql::{append_actions, corrupt, event_scope, Arg, Sql};
use crate::{EventFilter, EventRecord, NewEvent, Result, SqlStore, StepRecord, StoreError};
use sqlx::{AnyConnection, Row};
use zhili_domain::calendar::Clock;
use zhili_domain::chain::Actor;
use zhili_domain::event::{Case, Channel, Limits, MatterClass, Status, Turn};
use zhili_domain::{RegionCode, Scope, UnitId};

pub(crate) const EVENT_COLUMNS: &str = "e.id, e.case_number, e.channel, e.category, e.category_version, e.description, e.lon, e.lat, e.grid_code, \
    e.occurred_at, e.reported_at, e.reporter_name, e.reporter_phone_enc, e.reporter_phone_masked, e.duplicate_of, e.merged_into, \
    e.status, e.matter_class, e.owner, e.lead_unit, e.limit_register, e.limit_dispatch, e.limit_take_up, e.limit_handle, \
    e.limit_verify, e.limit_close, e.clock, e.step_started, e.step_due, e.deferred_from, e.remaining_ms, e.pending_extension_ms, \
    e.closed_at, e.returns, e.reworks, e.escalations, e.supervision_level, e.extensions, e.deferrals, e.reopens, e.satisfaction, \
    e.version, e.updated_at, e.resident_id";

/// A unit id as stored; one that does not parse is a corrupt row.
fn unit_id(raw: String) -> Result<UnitId> {
    UnitId::parse(&raw).map_err(|_| corrupt("unit id", &raw))
}

pub(crate) fn event_from_row<R: crate::exec::Cells>(
    r: &R,
    assisting: Vec<String>,
) -> Result<EventRecord> {
    let text = |col: &str| -> Result<String> { r.cell::<String>(col) };
    let channel = text("channel")?;
    let status = text("status")?;
    let class = text("matter_class")?;
    let grid = text("grid_code")?;
    let clock = text("clock")?;
    let deferred_from: Option<String> = r.cell("deferred_from")?;
    let resident_id: Option<i64> = r.cell("resident_id")?;
    let case = Case {
        status: Status::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        class: MatterClass::parse(&class).ok_or_else(|| corrupt("matter class", &class))?,
        grid: RegionCode::parse(&grid).map_err(|_| corrupt("grid code", &grid))?,
        owner: unit_id(text("owner")?)?,
        lead_unit: r
            .cell::<Option<String>>("lead_unit")?
            .map(unit_id)
            .transpose()?,
        assisting_units: assisting.into_iter().map(unit_id).collect::<Result<_>>()?,
        limits: Limits {
            register_ms: r.cell("limit_register")?,
            dispatch_ms: r.cell("limit_dispatch")?,
            take_up_ms: r.cell("limit_take_up")?,
            handle_ms: r.cell("limit_handle")?,
            verify_ms: r.cell("limit_verify")?,
            close_ms: r.cell("limit_close")?,
            clock: if clock == "calendar" {
                Clock::Calendar
            } else {
                Clock::Working
            },
        },
        step_started: r.cell("step_started")?,
        step_due: r.cell("step_due")?,
        deferred_from: deferred_from
            .map(|s| Status::parse(&s).ok_or_else(|| corrupt("status", &s)))
            .transpose()?,
        remaining_ms: r.cell("remaining_ms")?,
        pending_extension_ms: r.cell("pending_extension_ms")?,
        closed_at: r.cell("closed_at")?,
        returns: r.cell("returns")?,
        reworks: r.cell("reworks")?,
        escalations: r.cell("escalations")?,
        supervision_level: r.cell("supervision_level")?,
        extensions: r.cell("extensions")?,
        deferrals: r.cell("deferrals")?,
        reopens: r.cell("reopens")?,
        satisfaction: r.cell("satisfaction")?,
        reporter_account: resident_id.is_some(),
    };
    Ok(EventRecord {
        id: r.cell("id")?,
        case_number: text("case_number")?,
        channel: Channel::parse(&channel).ok_or_else(|| corrupt("channel", &channel))?,
        category: text("category")?,
        category_version: r.cell("category_version")?,
        description: text("description")?,
        lon: r.cell("lon")?,
        lat: r.cell("lat")?,
        occurred_at: r.cell("occurred_at")?,
        reported_at: r.cell("reported_at")?,
        reporter_name: r.cell("reporter_name")?,
        reporter_phone_enc: r.cell("reporter_phone_enc")?,
        reporter_phone_masked: r.cell("reporter_phone_masked")?,
        duplicate_of: r.cell("duplicate_of")?,
        merged_into: r.cell("merged_into")?,
        case,
        version: r.cell("version")?,
        updated_at: r.cell("updated_at")?,
        resident_id,
    })
}

async fn assisting_of(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<String>>> {
    let mut out: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    // One event's units by one prepared statement; a page's by a list written into the text,
    // not kept among the prepared statements (each list is new, and keeping it would push the
    // connection's steady statements out of its cache).
    let rows = if let [id] = ids {
        sqlx::query(
            "SELECT event_id, unit_id FROM event_units WHERE event_id = $1 ORDER BY unit_id",
        )
        .bind(*id)
        .fetch_all(&mut *conn)
        .await?
    } else {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        sqlx::query(&format!("SELECT event_id, unit_id FROM event_units WHERE event_id IN ({list}) ORDER BY event_id, unit_id"))
            .persistent(false)
            .fetch_all(&mut *conn)
            .await?
    };
    for r in rows {
        out.entry(r.try_get("event_id")?)
            .or_default()
            .push(r.try_get("unit_id")?);
    }
    Ok(out)
}

async fn read_event(
    conn: &mut AnyConnection,
    scope: Option<&Scope>,
    id: i64,
) -> Result<Option<EventRecord>> {
    let mut sql = Sql::new(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e WHERE e.id = "
    ));
    sql.bind(Arg::Int(id));
    if let Some(scope) = scope {
        event_scope(&mut sql, scope);
    }
    let Some(row) = sql.query().fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let assisting = assisting_of(conn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(Some(event_from_row(&row, assisting)?))
}

/// The events a query of `EVENT_COLUMNS` finds, in its order, with their assisting units.
pub(crate) async fn read_listed(store: &SqlStore, sql: Sql) -> Result<Vec<EventRecord>> {
    let mut conn = store.pool.acquire().await?;
    read_listed_in(&mut conn, sql).await
}

/// The same, on a connection (inside a transaction).
pub(crate) async fn read_listed_in(conn: &mut AnyConnection, sql: Sql) -> Result<Vec<EventRecord>> {
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<std::result::Result<_, _>>()?;
    let mut assisting = assisting_of(conn, &ids).await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            event_from_row(r, assisting.remove(&id).unwrap_or_default())
        })
        .collect()
}

pub(crate) fn clock_str(c: Clock) -> &'static str {
    match c {
        Clock::Working => "working",
        Clock::Calendar => "calendar",
    }
}

/// Reports and changes in one transaction (one durable commit). A change whose event moved
/// on since it was read is answered `invalid_transition` and writes nothing; any other
/// failure undoes the whole batch. On SQLite the batch goes through SQLite's own API
/// (`lite_writer`); on PostgreSQL through the pool.
pub(crate) async fn write_events(
    store: &SqlStore,
    batch: &crate::EventBatch,
) -> Result<crate::EventsWritten> {
    if store.backend == crate::Backend::Sqlite {
        return crate::lite_writer::write_events(store, batch).await;
    }
    let started = std::time::Instant::now();
    let mut tx = store.write_tx().await?;
    let began = started.elapsed();
    let (written, phases) = write_batch(&mut tx, store.backend, batch).await?;
    let before_commit = started.elapsed();
    tx.commit().await?;
    phases.log(batch, began, started.elapsed() - before_commit);
    Ok(written)
}

/// Where a batch's time went, for profiling the writer (`ZHILI_LOG=zhili_store::events=debug`).
pub(crate) struct Phases {
    reports: std::time::Duration,
    changes: std::time::Duration,
    tail: std::time::Duration,
}

impl Phases {
    pub(crate) fn log(
        &self,
        batch: &crate::EventBatch,
        begin: std::time::Duration,
        commit: std::time::Duration,
    ) {
        tracing::debug!(
            reports = batch.reports.len(),
            changes = batch.changes.len(),
            begin_us = begin.as_micros() as u64,
            reports_us = self.reports.as_micros() as u64,
            changes_us = self.changes.as_micros() as u64,
            tail_us = self.tail.as_micros() as u64,
            commit_us = commit.as_micros() as u64,
            "event batch written"
        );
    }
}

/// The batch written inside the caller's transaction, on either kind of connection.
pub(crate) async fn write_batch<C: Exec>(
    tx: &mut C,
    backend: crate::Backend,
    batch: &crate::EventBatch,
) -> Result<(crate::EventsWritten, Phases)> {
    let started = std::time::Instant::now();
    let mut counts = CountChanges::default();
    let created = insert_reports(tx, backend, &batch.reports, &mut counts).await?;
    let reported = started.elapsed();
    let mut changed = Vec::with_capacity(batch.changes.len());
    let mut recorded = Vec::with_capacity(batch.changes.len());
    for c in &batch.changes {
        changed.push(crate::event_change::apply_change(tx, c, &mut counts, &mut recorded).await?);
    }
    // The changes' records in one append, in the batch's order.
    append_actions(tx, recorded).await?;
    let applied = started.elapsed();
    // The deliveries of what was written, durable with it.
    let told: Vec<(&EventRecord, &str)> = created
        .iter()
        .map(|e| (e, "report"))
        .chain(
            batch
                .changes
                .iter()
                .zip(&changed)
                .filter_map(|(c, r)| r.as_ref().ok().map(|e| (e, c.change.action.as_str()))),
        )
        .collect();
    let now = batch
        .reports
        .iter()
        .map(|r| r.2)
        .chain(batch.changes.iter().map(|c| c.now))
        .max()
        .unwrap_or_default();
    crate::webhook_queue::enqueue(tx, &told, now).await?;
    counts.write(tx).await?;
    let phases = Phases {
        reports: reported,
        changes: applied - reported,
        tail: started.elapsed() - applied,
    };
    Ok((crate::EventsWritten { created, changed }, phases))
}

async fn insert_reports<C: Exec>(
    conn: &mut C,
    backend: crate::Backend,
    batch: &[(Actor, NewEvent, i64)],
    counts: &mut CountChanges,
) -> Result<Vec<EventRecord>> {
    let items: Vec<crate::HistoryItem> = batch
        .iter()
        .map(|(actor, e, now)| crate::HistoryItem {
            event: e.clone(),
            reported_at: *now,
            reporter: actor.clone(),
            changes: vec![],
        })
        .collect();
    let written = insert_history(backend, conn, &items, counts).await?;
    Ok(batch
        .iter()
        .zip(written)
        .map(|((_, e, now), (id, case_number))| EventRecord {
            id,
            case_number,
            channel: e.channel,
            category: e.category.clone(),
            category_version: e.category_version,
            description: e.description.clone(),
            lon: e.lon,
            lat: e.lat,
            occurred_at: e.occurred_at,
            reported_at: *now,
            reporter_name: e.reporter_name.clone(),
            reporter_phone_enc: e.reporter_phone_enc.clone(),
            reporter_phone_masked: e.reporter_phone_masked.clone(),
            duplicate_of: e.duplicate_of,
            merged_into: None,
            case: e.case.clone(),
            version: 1,
            updated_at: *now,
            resident_id: e.resident_id,
        })
        .collect())
}

pub(crate) async fn get_event(
    store: &SqlStore,
    scope: &Scope,
    id: i64,
) -> Result<Option<EventRecord>> {
    let mut conn = store.pool.acquire().await?;
    read_event(&mut conn, Some(scope), id).await
}

/// Whether an event lies in `scope` (the one event scope rule, as every event read).
pub(crate) async fn visible(store: &SqlStore, scope: &Scope, id: i64) -> Result<bool> {
    let mut sql = Sql::new("SELECT 1 AS one FROM events e WHERE e.id = ");
    sql.bind(Arg::Int(id));
    crate::sql::event_scope(&mut sql, scope);
    Ok(sql.query().fetch_optional(&store.pool).await?.is_some())
}

/// The open statuses named, so the status indexes find them (a NOT IN walks every event);
/// derived from the domain's own `Status::is_open`.
pub(crate) fn open_statuses() -> &'static str {
    static OPEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    OPEN.get_or_init(|| {
        zhili_domain::event::Status::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

pub(crate) async fn list_events(
    store: &SqlStore,
    scope: &Scope,
    f: &EventFilter,
) -> Result<(Vec<EventRecord>, i64)> {
    let mut filter = Sql::new("");
    event_scope(&mut filter, scope);
    if let Some(s) = f.status {
        filter.push(" AND e.status = ").bind_text(s.as_str());
    }
    if f.open {
        filter.push(&format!(" AND e.status IN ({})", open_statuses()));
    }
    // Codes are digits: their prefixes are ranges the indexes serve (a district-wide list of
    // one category by LIKE walked the whole district: 15 s at a million events).
    if let Some(c) = &f.category {
        crate::sql::digit_prefix(&mut filter, "e.category", c);
    }
    if let Some(r) = &f.region {
        crate::sql::digit_prefix(&mut filter, "e.grid_code", r.as_str());
    }
    if let Some(ch) = f.channel {
        filter.push(" AND e.channel = ").bind_text(ch.as_str());
    }
    if let Some(now) = f.overdue_at {
        filter
            .push(" AND e.step_due IS NOT NULL AND e.step_due < ")
            .bind(Arg::Int(now));
    }
    if let Some(q) = &f.text {
        crate::sql::contains_any(&mut filter, &["e.description", "e.case_number"], q);
    }
    if let Some(link) = f.linked {
        crate::sql::linked_to(&mut filter, "event", "e.id", link);
    }
    if let Some(w) = &f.waiting_for {
        waiting_filter(&mut filter, w);
    }
    if let Some(t) = f.reported_from {
        filter.push(" AND e.reported_at >= ").bind(Arg::Int(t));
    }
    if let Some(t) = f.reported_to {
        filter.push(" AND e.reported_at < ").bind(Arg::Int(t));
    }
    if f.unmerged {
        filter.push(" AND e.status <> 'merged'");
    }
    if let Some(unit) = &f.reported_by_keys_of {
        filter
            .push(" AND e.api_key_id IN (SELECT k.id FROM api_keys k WHERE k.unit_id = ")
            .bind_text(unit.clone());
        filter.push(")");
    }
    if let Some(numbers) = &f.case_numbers {
        filter.push(" AND e.case_number IN (NULL");
        for n in numbers {
            filter.push(", ").bind_text(n.clone());
        }
        filter.push(")");
    }
    if let Some(ids) = &f.ids {
        filter.push(" AND e.id IN (NULL");
        for id in ids {
            filter.push(", ").bind(Arg::Int(*id));
        }
        filter.push(")");
    }
    if !f.categories.is_empty() {
        filter.push(" AND e.category IN (NULL");
        for c in &f.categories {
            filter.push(", ").bind_text(c.clone());
        }
        filter.push(")");
    }
    if f.finished {
        filter.push(&format!(" AND e.status NOT IN ({})", open_statuses()));
    }
    if let Some(t) = f.updated_from {
        filter.push(" AND e.updated_at >= ").bind(Arg::Int(t));
    }
    if let Some(t) = f.updated_to {
        filter.push(" AND e.updated_at < ").bind(Arg::Int(t));
    }
    // A district's or a town's events, unfiltered: counted from the running totals (the
    // count walked the area's index, all of the district's events), and read newest first
    // along the table itself, stopping at the page (by the area's index SQLite gathered the
    // whole area and sorted it: 5.9 ms for a 61,000-event district, 0.1 ms this way). A
    // narrower area or any filter keeps the indexes. SQLite only: PostgreSQL plans by its
    // statistics, and its detached months leave the totals.
    let area_only = store.backend == crate::Backend::Sqlite
        && matches!(
            scope.root.level(),
            zhili_domain::Level::District | zhili_domain::Level::Town
        )
        && scope.grids.is_none()
        && scope.department.is_none()
        && {
            let mut area = Sql::new("");
            event_scope(&mut area, scope);
            filter.text == area.text
        };
    let count = if area_only {
        crate::counts::events_under(scope.root.as_str())
    } else {
        Sql::with_filter("SELECT COUNT(*) AS n FROM events e WHERE 1 = 1", &filter)
    };
    let newest_of_wide_area = area_only && f.waiting_for.is_none();
    let mut page = Sql::with_filter(
        &format!(
            "SELECT {EVENT_COLUMNS} FROM events e{} WHERE 1 = 1",
            if newest_of_wide_area {
                " NOT INDEXED"
            } else {
                ""
            }
        ),
        &filter,
    );
    // A to-do list puts what is due first; any other list, what came in last.
    page.push(if f.waiting_for.is_some() {
        " ORDER BY (e.step_due IS NULL), e.step_due, e.id LIMIT "
    } else {
        " ORDER BY e.id DESC LIMIT "
    })
    .bind(Arg::Int(f.limit));
    page.push(" OFFSET ").bind(Arg::Int(f.offset));
    // The count and the page at once, on two connections.
    let (total, rows) = tokio::try_join!(
        count.query().fetch_one(&store.pool),
        page.query().fetch_all(&store.pool)
    )?;
    let total: i64 = total.try_get("n")?;
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<std::result::Result<_, _>>()?;
    let mut conn = store.pool.acquire().await?;
    let mut assisting = assisting_of(&mut conn, &ids).await?;
    let events = rows
        .iter()
        .zip(&ids)
        .map(|(r, id)| event_from_row(r, assisting.remove(id).unwrap_or_default()))
        .collect::<Result<Vec<_>>>()?;
    Ok((events, total))
}

/// The events that wait for `w`: in a state whose turn is the owner's or the lead's with that
/// unit there, or the grid worker's in that grid (`Status::turn`).
fn waiting_filter(filter: &mut Sql, w: &crate::Waiting) {
    let states = |turn| {
        Status::waiting_for(turn)
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    filter.push(" AND (1 = 0");
    if let Some(unit) = &w.unit {
        filter
            .push(&format!(
                " OR (e.status IN ({}) AND e.owner = ",
                states(Turn::Owner)
            ))
            .bind_text(unit.as_str());
        filter
            .push(&format!(
                ") OR (e.status IN ({}) AND e.lead_unit = ",
                states(Turn::Lead)
            ))
            .bind_text(unit.as_str());
        filter.push(")");
    }
    for grid in &w.grids {
        filter
            .push(&format!(
                " OR (e.status IN ({}) AND e.grid_code = ",
                states(Turn::GridWorker)
            ))
            .bind_text(grid.as_str());
        filter.push(")");
    }
    filter.push(")");
}

/// One change inside the writer's transaction: `Ok(Err(conflict))` when the event is no
/// longer at the version the change was computed from (nothing is written then).
pub(crate) async fn steps(store: &SqlStore, id: i64) -> Result<Vec<StepRecord>> {
    let rows = sqlx::query("SELECT seq, step, unit, due, done_at, on_time FROM event_steps WHERE event_id = $1 ORDER BY seq").bind(id).fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(StepRecord {
                seq: r.try_get("seq")?,
                step: r.try_get("step")?,
                unit: r.try_get("unit")?,
                due: r.try_get("due")?,
                done_at: r.try_get("done_at")?,
                on_time: r.try_get::<i64, _>("on_time")? != 0,
            })
        })
        .collect()
}

/// Counts for the dashboard, per group key (a child region code or a lead unit) and status.
pub(crate) async fn event_stats(
    store: &SqlStore,
    scope: &Scope,
    q: &crate::StatsQuery,
) -> Result<Vec<crate::StatRow>> {
    if crate::counts::answers(scope, q) {
        return crate::counts::stats(&store.pool, scope, q).await;
    }
    event_stats_scan(store, scope, q).await
}

/// The same statistics counted from the events themselves (departments, villages, grids;
/// and the check that the running totals agree).
pub(crate) async fn event_stats_scan(
    store: &SqlStore,
    scope: &Scope,
    q: &crate::StatsQuery,
) -> Result<Vec<crate::StatRow>> {
    let key = match q.group {
        crate::StatGroup::Town => "e.town_code",
        crate::StatGroup::Village => "e.village_code",
        crate::StatGroup::Grid => "e.grid_code",
        crate::StatGroup::Department => "e.lead_unit",
    };
    if q.group == crate::StatGroup::Department && q.departments.is_empty() {
        return Ok(Vec::new());
    }
    let mut filter = Sql::new("");
    event_scope(&mut filter, scope);
    if q.group == crate::StatGroup::Department {
        crate::counts::departments_filter(&mut filter, "e.lead_unit", &q.departments);
    }
    if let Some(r) = &q.region {
        crate::sql::digit_prefix(&mut filter, "e.grid_code", r.as_str());
    }
    let mut sql = Sql::new("");
    sql.push(&format!(
        "SELECT {key} AS k, e.status AS status, COUNT(*) AS n, SUM(CASE WHEN e.step_due < "
    ));
    sql.bind(Arg::Int(q.now));
    sql.push(" THEN 1 ELSE 0 END) AS overdue, SUM(CASE WHEN e.handle_late = 0 THEN 1 ELSE 0 END) AS on_time, \
        SUM(CASE WHEN e.reworks > 0 THEN 1 ELSE 0 END) AS reworked, SUM(CASE WHEN e.satisfaction IS NOT NULL THEN 1 ELSE 0 END) AS rated, \
        SUM(CASE WHEN e.satisfaction >= 4 THEN 1 ELSE 0 END) AS satisfied, SUM(CASE WHEN e.reported_at >= ");
    sql.bind(Arg::Int(q.today_start));
    sql.push(" THEN 1 ELSE 0 END) AS today FROM events e WHERE 1 = 1");
    sql.append(&filter);
    sql.push(&format!(" GROUP BY {key}, e.status"));
    let rows = sql.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(crate::StatRow {
                key: r.try_get("k")?,
                status: Status::parse(&status).ok_or_else(|| corrupt("status", &status))?,
                count: r.try_get("n")?,
                overdue: r.try_get("overdue")?,
                handled_on_time: r.try_get("on_time")?,
                reworked: r.try_get("reworked")?,
                rated: r.try_get("rated")?,
                satisfied: r.try_get("satisfied")?,
                today: r.try_get("today")?,
            })
        })
        .collect()
}

/// Open events for the map: tens of thousands of small rows. They come back as JSON text,
/// a thousand events to a row, because every row crossing the driver costs far more than
/// its few bytes (on SQLite, a hand-over between threads per row).
pub(crate) async fn open_event_points(
    store: &SqlStore,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<crate::EventPoint>> {
    let mut filter = Sql::new(&format!(" AND e.status IN ({})", open_statuses()));
    event_scope(&mut filter, scope);
    points(store, &filter, limit).await
}

/// The map points of these events, whatever their status (the caller drops closed ones).
pub(crate) async fn event_points(store: &SqlStore, ids: &[i64]) -> Result<Vec<crate::EventPoint>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut filter = Sql::new(" AND e.id IN ");
        filter.bind_list(chunk.iter().map(|id| Arg::Int(*id)));
        out.extend(points(store, &filter, chunk.len() as i64).await?);
    }
    Ok(out)
}

async fn points(store: &SqlStore, filter: &Sql, limit: i64) -> Result<Vec<crate::EventPoint>> {
    let (row_json, aggregate) = match store.backend {
        crate::Backend::Sqlite => ("json_array", "group_concat"),
        crate::Backend::Postgres => ("json_build_array", "string_agg"),
    };
    let cast = if store.backend == crate::Backend::Postgres {
        "::text"
    } else {
        ""
    };
    let mut sql = Sql::new(&format!(
        "SELECT {aggregate}(j, ',') AS chunk FROM (\
         SELECT {row_json}(e.id, e.lon, e.lat, e.status, e.category, e.grid_code, e.step_started, e.step_due, e.clock){cast} AS j, \
         row_number() OVER (ORDER BY e.id DESC) AS n FROM events e WHERE 1 = 1"
    ));
    sql.append(filter);
    sql.push(" ORDER BY e.id DESC LIMIT ").bind(Arg::Int(limit));
    sql.push(") t GROUP BY (n - 1) / 1000");
    type Raw = (
        i64,
        f64,
        f64,
        String,
        String,
        String,
        Option<i64>,
        Option<i64>,
        String,
    );
    let mut out = Vec::new();
    for row in sql.query().fetch_all(&store.pool).await? {
        let chunk: String = row.try_get("chunk")?;
        let raws: Vec<Raw> = serde_json::from_str(&format!("[{chunk}]"))
            .map_err(|e| StoreError::Internal(format!("open events as JSON: {e}")))?;
        for (id, lon, lat, status, category, grid_code, step_started, step_due, clock) in raws {
            out.push(crate::EventPoint {
                id,
                lon,
                lat,
                status: Status::parse(&status).ok_or_else(|| corrupt("status", &status))?,
                category,
                grid_code,
                step_started,
                step_due,
                clock: if clock == "calendar" {
                    Clock::Calendar
                } else {
                    Clock::Working
                },
            });
        }
    }
    out.sort_unstable_by_key(|p| std::cmp::Reverse(p.id));
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_open_statuses_are_named_as_stored() {
        assert_eq!(
            super::open_statuses(),
            "'reported', 'registered', 'dispatched', 'accepted', 'handled', 'verified', 'deferred'"
        );
    }
}
