//! Cases written whole, in bulk: an event with the steps it took, its record and its share of
//! the dashboard's totals. The writer's new reports (no steps yet) and the demo's year of
//! history both go through `insert_history`.

use crate::counts::{CountChanges, Share};
use crate::events::clock_str;
use crate::exec::{Cells, Exec};
use crate::sql::{append_actions, Arg, Sql};
use crate::{Result, SqlStore};
use std::collections::{HashMap, HashSet};
use zhili_domain::calendar::{date_string, CHINA_OFFSET_MS, DAY_MS};
use zhili_domain::UnitId;

pub(crate) async fn load_history(store: &SqlStore, items: &[crate::HistoryItem]) -> Result<()> {
    let mut tx = store.write_tx().await?;
    let mut counts = CountChanges::default();
    insert_history(store.backend, &mut tx, items, &mut counts).await?;
    counts.write(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes whole cases in bulk; answers each item's (id, case number) in input order.
pub(crate) async fn insert_history<C: Exec>(
    backend: crate::Backend,
    tx: &mut C,
    items: &[crate::HistoryItem],
    counts: &mut CountChanges,
) -> Result<Vec<(i64, String)>> {
    use crate::sql::insert_rows;
    if items.is_empty() {
        return Ok(Vec::new());
    }
    // The chain head's lock first: ids are assigned from MAX(id) below.
    crate::ids::lock_chain_head(tx).await?;
    let first_id: i64 = crate::ids::next_id(tx, "events").await?;
    let (counters, stored) = case_counters(tx, items).await?;
    let rows = history_rows(items, first_id, counters, counts)?;
    insert_rows(tx, "events", &EVENT_INSERT_COLUMNS, rows.events).await?;
    insert_rows(tx, "event_units", &UNIT_COLUMNS, rows.units).await?;
    insert_rows(tx, "event_attachments", &PHOTO_COLUMNS, rows.photos).await?;
    insert_rows(tx, "event_steps", &STEP_COLUMNS, rows.steps).await?;
    append_actions(tx, rows.actions).await?;
    store_counters(tx, rows.counters, &stored).await?;
    // Explicit ids leave the sequence behind; move it past them.
    crate::ids::sync_sequence(tx, backend, "events").await?;
    for (item, (id, _)) in items.iter().zip(&rows.written) {
        crate::situations::insert_links(tx, "event", *id, &item.event.links).await?;
    }
    Ok(rows.written)
}

pub(crate) const UNIT_COLUMNS: [&str; 2] = ["event_id", "unit_id"];
pub(crate) const PHOTO_COLUMNS: [&str; 2] = ["event_id", "sha256"];
pub(crate) const STEP_COLUMNS: [&str; 7] = [
    "event_id", "seq", "step", "unit", "due", "done_at", "on_time",
];

/// The rows a batch of whole cases writes, built without touching the database.
pub(crate) struct HistoryRows {
    pub events: Vec<Vec<Arg>>,
    pub units: Vec<Vec<Arg>>,
    pub photos: Vec<Vec<Arg>>,
    pub steps: Vec<Vec<Arg>>,
    /// The record, in time order, not yet sealed into the chain.
    pub actions: Vec<zhili_domain::chain::NewAction>,
    /// The case counters of the batch's days after it.
    pub counters: HashMap<String, i64>,
    /// Each item's (id, case number), in input order.
    pub written: Vec<(i64, String)>,
}

/// The batch's rows: ids from `first_id` in report-time order, case numbers from `counters`
/// (each day's last number), and its share of the totals added to `counts`.
pub(crate) fn history_rows(
    items: &[crate::HistoryItem],
    first_id: i64,
    mut counters: HashMap<String, i64>,
    counts: &mut CountChanges,
) -> Result<HistoryRows> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| items[i].reported_at);
    let (mut events, mut units, mut steps, mut actions, mut photos) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut written = vec![(0i64, String::new()); items.len()];
    for (n, &i) in order.iter().enumerate() {
        let item = &items[i];
        let id = first_id + n as i64;
        let e = &item.event;
        let day = date_string((item.reported_at + CHINA_OFFSET_MS).div_euclid(DAY_MS));
        let counter = counters.entry(day.clone()).or_insert(0);
        *counter += 1;
        let grid = &e.case.grid;
        let level = |l| {
            grid.ancestor_at(l)
                .map(|c| c.to_string())
                .unwrap_or_default()
        };
        let district = level(zhili_domain::Level::District);
        let case_number = format!("{district}-{}-{:05}", day.replace('-', ""), counter);
        written[i] = (id, case_number.clone());
        let c = item.changes.last().map_or(&e.case, |ch| &ch.change.case);
        let merged_into = item
            .changes
            .iter()
            .rev()
            .find_map(|ch| ch.change.merged_into);
        let handle_late = item.changes.iter().any(|ch| {
            ch.change
                .step_done
                .is_some_and(|d| d.step == zhili_domain::event::Step::Handle && !d.on_time)
        });
        counts.add(
            &Share::new(
                level(zhili_domain::Level::Village),
                c.lead_unit.as_deref(),
                c.status.as_str(),
                handle_late,
                c.reworks,
                c.satisfaction,
            ),
            1,
        );
        let row = EventRow {
            id,
            case_number,
            item,
            case: c,
            merged_into,
            handle_late,
            levels: [
                level(zhili_domain::Level::Village),
                level(zhili_domain::Level::Town),
                district,
            ],
        };
        events.push(row.args());
        for unit in &c.assisting_units {
            units.push(vec![Arg::Int(id), Arg::Text(unit.to_string())]);
        }
        let subject = format!("event:{id}");
        let mut opening = item
            .reporter
            .action(item.reported_at, "report", &subject)
            .states(None, Some(e.case.status.as_str()))
            .opinion(format!("{} {}", e.channel.as_str(), e.category));
        opening.attachments = e.attachments.clone();
        actions.push(opening);
        let mut shown = crate::attachments::ids_of(&e.attachments)?;
        for ch in &item.changes {
            shown.extend(crate::attachments::ids_of(&ch.change.attachments)?);
        }
        photos.extend(crate::attachments::rows(id, &shown));
        let mut seq = 0;
        for ch in &item.changes {
            if let Some(done) = ch.change.step_done {
                seq += 1;
                steps.push(vec![
                    Arg::Int(id),
                    Arg::Int(seq),
                    Arg::Text(done.step.as_str().into()),
                    ch.actor.unit.clone().into(),
                    Arg::Int(done.due),
                    Arg::Int(ch.at),
                    Arg::Int(done.on_time as i64),
                ]);
            }
            let mut a = ch.actor.action(ch.at, &ch.change.action, &subject).states(
                Some(ch.change.from.as_str()),
                Some(ch.change.case.status.as_str()),
            );
            a.opinion = ch.change.opinion.clone();
            a.attachments = ch.change.attachments.clone();
            actions.push(a);
        }
    }
    // The record reads in time order, as it would have been written.
    actions.sort_by_key(|a| a.at);
    Ok(HistoryRows {
        events,
        units,
        photos,
        steps,
        actions,
        counters,
        written,
    })
}

/// The days a batch numbers cases on: a live batch touches one, a year of history 365.
pub(crate) fn days_of(items: &[crate::HistoryItem]) -> std::collections::BTreeSet<String> {
    items
        .iter()
        .map(|i| date_string((i.reported_at + CHINA_OFFSET_MS).div_euclid(DAY_MS)))
        .collect()
}

/// The case counters of the days a batch numbers cases on (0 for a day not yet stored), and
/// which of them are stored.
async fn case_counters<C: Exec>(
    tx: &mut C,
    items: &[crate::HistoryItem],
) -> Result<(HashMap<String, i64>, HashSet<String>)> {
    let days = days_of(items);
    let mut known = Sql::new("SELECT day, n FROM case_counters WHERE day IN ");
    known.bind_list(days.iter().map(|d| Arg::Text(d.clone())));
    let mut counters: HashMap<String, i64> = days.iter().map(|d| (d.clone(), 0)).collect();
    let mut stored = HashSet::new();
    for r in tx.rows(&known).await? {
        let day: String = r.cell("day")?;
        counters.insert(day.clone(), r.cell("n")?);
        stored.insert(day);
    }
    Ok((counters, stored))
}

/// Writes the counters back: updated where stored, inserted where new.
async fn store_counters<C: Exec>(
    tx: &mut C,
    counters: HashMap<String, i64>,
    stored: &HashSet<String>,
) -> Result<()> {
    for (day, n) in counters {
        let mut statement = Sql::new(if stored.contains(&day) {
            "UPDATE case_counters SET n = $1 WHERE day = $2"
        } else {
            "INSERT INTO case_counters (n, day) VALUES ($1, $2)"
        });
        statement.args = vec![Arg::Int(n), Arg::Text(day)];
        tx.run(&statement).await?;
    }
    Ok(())
}

/// The events table's columns, in the order `event_row` writes them.
pub(crate) const EVENT_INSERT_COLUMNS: [&str; 51] = [
    "id",
    "case_number",
    "channel",
    "category",
    "category_version",
    "description",
    "lon",
    "lat",
    "place_cell",
    "grid_code",
    "village_code",
    "town_code",
    "district_code",
    "occurred_at",
    "reported_at",
    "reporter_name",
    "reporter_phone_enc",
    "reporter_phone_masked",
    "duplicate_of",
    "merged_into",
    "status",
    "matter_class",
    "owner",
    "lead_unit",
    "limit_register",
    "limit_dispatch",
    "limit_take_up",
    "limit_handle",
    "limit_verify",
    "limit_close",
    "clock",
    "step_started",
    "step_due",
    "deferred_from",
    "remaining_ms",
    "pending_extension_ms",
    "closed_at",
    "returns",
    "reworks",
    "escalations",
    "supervision_level",
    "extensions",
    "deferrals",
    "reopens",
    "satisfaction",
    "handle_late",
    "version",
    "updated_at",
    "resident_id",
    "reporter_phone_blind",
    "api_key_id",
];

/// One event's row as `insert_history` writes it: the case as its last change left it.
struct EventRow<'a> {
    id: i64,
    case_number: String,
    item: &'a crate::HistoryItem,
    case: &'a zhili_domain::event::Case,
    merged_into: Option<i64>,
    handle_late: bool,
    /// The village, town and district codes of its grid.
    levels: [String; 3],
}

/// Where a case stands in its loop, in the events table's column order from `step_started` to
/// `satisfaction`: what a new row holds and what every change rewrites.
pub(crate) fn case_progress(c: &zhili_domain::event::Case) -> [Arg; 14] {
    [
        c.step_started.into(),
        c.step_due.into(),
        c.deferred_from.map(|s| s.as_str().to_string()).into(),
        c.remaining_ms.into(),
        c.pending_extension_ms.into(),
        c.closed_at.into(),
        Arg::Int(c.returns),
        Arg::Int(c.reworks),
        Arg::Int(c.escalations),
        Arg::Int(c.supervision_level),
        Arg::Int(c.extensions),
        Arg::Int(c.deferrals),
        Arg::Int(c.reopens),
        c.satisfaction.into(),
    ]
}

impl EventRow<'_> {
    fn args(&self) -> Vec<Arg> {
        let (item, c) = (self.item, self.case);
        let e = &item.event;
        let grid = &e.case.grid;
        let [village, town, district] = &self.levels;
        let updated_at = item.changes.last().map_or(item.reported_at, |ch| ch.at);
        vec![
            Arg::Int(self.id),
            Arg::Text(self.case_number.clone()),
            Arg::Text(e.channel.as_str().into()),
            Arg::Text(e.category.clone()),
            Arg::Int(e.category_version),
            Arg::Text(e.description.clone()),
            Arg::Float(e.lon),
            Arg::Float(e.lat),
            Arg::Int(zhili_domain::place::cell_of(e.lon, e.lat)),
            Arg::Text(grid.to_string()),
            Arg::Text(village.clone()),
            Arg::Text(town.clone()),
            Arg::Text(district.clone()),
            Arg::Int(e.occurred_at),
            Arg::Int(item.reported_at),
            e.reporter_name.clone().into(),
            e.reporter_phone_enc.clone().into(),
            e.reporter_phone_masked.clone().into(),
            e.duplicate_of.into(),
            self.merged_into.into(),
            Arg::Text(c.status.as_str().into()),
            Arg::Text(c.class.as_str().into()),
            Arg::Text(c.owner.to_string()),
            c.lead_unit.as_ref().map(UnitId::to_string).into(),
            Arg::Int(c.limits.register_ms),
            Arg::Int(c.limits.dispatch_ms),
            Arg::Int(c.limits.take_up_ms),
            Arg::Int(c.limits.handle_ms),
            Arg::Int(c.limits.verify_ms),
            Arg::Int(c.limits.close_ms),
            Arg::Text(clock_str(c.limits.clock).into()),
        ]
        .into_iter()
        .chain(case_progress(c))
        .chain([
            Arg::Int(self.handle_late as i64),
            Arg::Int(1 + item.changes.len() as i64),
            Arg::Int(updated_at),
            e.resident_id.into(),
            e.reporter_phone_blind.clone().into(),
            e.api_key_id.into(),
        ])
        .collect()
    }
}
