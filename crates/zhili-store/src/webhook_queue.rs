//! The queueing of webhook deliveries, always inside the transaction of what they tell of: the
//! event writer's reports and steps, an evaluation's raised alerts, and the sweep that notices
//! the cases whose step deadline has just passed. A change that is durable has its deliveries
//! durable with it; a crash between the two cannot happen.

use crate::sql::Arg;
use crate::*;
use sqlx::AnyConnection;
use zhili_domain::event::Case;
use zhili_domain::time::rfc3339;
use zhili_domain::webhook as rules;
use zhili_domain::UnitId;

/// Who hears of a message.
enum Audience<'a> {
    Case(&'a Case),
    Alert { department: bool, area: &'a str },
}

struct Outgoing<'a> {
    kind: &'static str,
    message_id: String,
    body: String,
    audience: Audience<'a>,
}

/// One delivery per active subscription to the message's type whose unit hears of it.
async fn queue<C: crate::exec::Exec>(
    tx: &mut C,
    messages: Vec<Outgoing<'_>>,
    now: i64,
) -> Result<()> {
    use crate::exec::Cells;
    if messages.is_empty() {
        return Ok(());
    }
    let subs = tx
        .rows(&crate::sql::Sql::new(
            "SELECT id, unit_id, event_types FROM webhook_subscriptions WHERE disabled_at IS NULL",
        ))
        .await?;
    let mut listening = Vec::with_capacity(subs.len());
    for s in &subs {
        let types: String = s.cell("event_types")?;
        let unit: String = s.cell("unit_id")?;
        if let Ok(unit) = UnitId::parse(&unit) {
            listening.push((s.cell::<i64>("id")?, unit, types));
        }
    }
    if listening.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::new();
    for m in &messages {
        for (sub, unit, types) in &listening {
            let hears = match m.audience {
                Audience::Case(case) => rules::hears(unit, case),
                Audience::Alert { department, area } => rules::hears_alert(unit, department, area),
            };
            if !hears || !types.split_whitespace().any(|t| t == m.kind) {
                continue;
            }
            rows.push(vec![
                Arg::Int(*sub),
                Arg::Text(m.message_id.clone()),
                Arg::Text(m.kind.into()),
                Arg::Text(m.body.clone()),
                Arg::Int(now),
                Arg::Int(0),
                Arg::Text("pending".into()),
                Arg::Int(now),
            ]);
        }
    }
    crate::sql::insert_rows(
        tx,
        "webhook_deliveries",
        &[
            "subscription_id",
            "message_id",
            "event_type",
            "body",
            "created_at",
            "attempts",
            "state",
            "next_at",
        ],
        rows,
    )
    .await
}

fn event_body(kind: &str, e: &EventRecord, action: &str, now: i64) -> String {
    serde_json::json!({
        "type": kind,
        "timestamp": rfc3339(now),
        "data": {
            "event_id": e.id,
            "case_number": e.case_number,
            "action": action,
            "status": e.case.status.as_str(),
            "channel": e.channel.as_str(),
            "category": e.category,
            "grid_code": e.case.grid.as_str(),
            "owner": e.case.owner.as_str(),
            "lead_unit": e.case.lead_unit.as_ref().map(UnitId::as_str),
            "due_at": e.case.step_due.map(rfc3339),
            "version": e.version,
        },
    })
    .to_string()
}

/// The deliveries of what the event writer wrote: (the event as written, the action taken).
pub(crate) async fn enqueue<C: crate::exec::Exec>(
    tx: &mut C,
    changes: &[(&EventRecord, &str)],
    now: i64,
) -> Result<()> {
    let messages = changes
        .iter()
        .filter_map(|(e, action)| {
            let kind = rules::event_type(action, Some(e.case.status))?;
            Some(Outgoing {
                kind,
                message_id: format!("msg_{}_{}", e.id, e.version),
                body: event_body(kind, e, action, now),
                audience: Audience::Case(&e.case),
            })
        })
        .collect();
    queue(tx, messages, now).await
}

/// The deliveries of the alerts an evaluation raised (`alert.raised`), those still standing.
pub(crate) async fn enqueue_alerts(
    tx: &mut AnyConnection,
    raised: &[(i64, &AlertRecord)],
    now: i64,
) -> Result<()> {
    let day = |d: i64| {
        let (y, m, dd) = zhili_domain::time::civil_from_days(d);
        format!("{y:04}-{m:02}-{dd:02}")
    };
    let messages = raised
        .iter()
        .filter(|(_, a)| a.cleared_on.is_none())
        .map(|(id, a)| Outgoing {
            kind: "alert.raised",
            message_id: format!("msg_alert_{id}"),
            body: serde_json::json!({
                "type": "alert.raised",
                "timestamp": rfc3339(now),
                "data": {
                    "alert_id": id,
                    "indicator_code": a.indicator_code,
                    "indicator_name": a.indicator_name,
                    "area_level": a.area_level,
                    "area_code": a.area_code,
                    "level": a.level,
                    "raised_on": day(a.raised_on),
                    "observed": a.observed,
                    "expected": a.expected,
                    "bound": a.bound,
                },
            })
            .to_string(),
            audience: Audience::Alert {
                department: a.area_level == "department",
                area: &a.area_code,
            },
        })
        .collect();
    queue(tx, messages, now).await
}

/// Where the overdue sweep has reached: step deadlines up to this instant have been told of.
const SWEPT: &str = "webhook_overdue_swept";

/// Queues `event.overdue` for every open case whose step deadline passed since the last sweep
/// (the first sweep starts now: deadlines missed before subscriptions existed are not news),
/// and moves the mark, in one transaction; answers how many cases it told of.
pub(crate) async fn sweep_overdue(store: &SqlStore, now: i64) -> Result<usize> {
    let mut tx = store.write_tx().await?;
    let mut mark = sqlx::query_scalar::<_, String>("SELECT value FROM meta WHERE key = $1");
    if store.backend == Backend::Postgres {
        // Several servers sweep: one at a time.
        mark = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1 FOR UPDATE");
    }
    let from = match mark.bind(SWEPT).fetch_optional(&mut *tx).await? {
        Some(v) => v.parse::<i64>().unwrap_or(now),
        None => {
            sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
                .bind(SWEPT)
                .bind(now.to_string())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(0);
        }
    };
    if from >= now {
        return Ok(0);
    }
    // Nobody listening: the mark moves on without reading the cases.
    let listening: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM webhook_subscriptions WHERE disabled_at IS NULL AND event_types LIKE '%event.overdue%'",
    )
    .fetch_one(&mut *tx)
    .await?;
    let events = if listening == 0 {
        Vec::new()
    } else {
        overdue_between(&mut tx, from, now).await?
    };
    let messages = events
        .iter()
        .map(|e| Outgoing {
            kind: "event.overdue",
            message_id: format!("msg_overdue_{}_{}", e.id, e.version),
            body: event_body("event.overdue", e, "overdue", now),
            audience: Audience::Case(&e.case),
        })
        .collect();
    queue(&mut tx, messages, now).await?;
    sqlx::query("UPDATE meta SET value = $1 WHERE key = $2")
        .bind(now.to_string())
        .bind(SWEPT)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(events.len())
}

/// The open cases whose step deadline falls in (from, to].
async fn overdue_between(tx: &mut AnyConnection, from: i64, to: i64) -> Result<Vec<EventRecord>> {
    let mut due = crate::sql::Sql::new(&format!(
        "SELECT {} FROM events e WHERE e.step_due > ",
        crate::events::EVENT_COLUMNS
    ));
    due.bind(Arg::Int(from))
        .push(" AND e.step_due <= ")
        .bind(Arg::Int(to))
        .push(" AND e.status NOT IN ")
        .bind_list(
            zhili_domain::event::Status::ALL
                .into_iter()
                .filter(|s| !s.is_open())
                .map(|s| Arg::Text(s.as_str().into())),
        )
        .push(" ORDER BY e.step_due, e.id");
    crate::events::read_listed_in(tx, due).await
}
