//! What risk indicators count, read in bulk for every area at once.

use crate::ids::{lock_chain_head, next_id, sync_sequence};
use crate::sql::{append_actions, insert_rows, Arg, Sql};
use crate::*;
use sqlx::Row;
use zhili_domain::calendar::{CHINA_OFFSET_MS, DAY_MS};
use zhili_domain::chain::Actor;

pub(crate) async fn event_day_counts(
    store: &SqlStore,
    from: i64,
    to: i64,
) -> Result<Vec<DayCount>> {
    // The day is worked out in SQL (integer division of China time) so the rows come back
    // already grouped: a year of a district is a few hundred thousand rows, not millions.
    let rows = sqlx::query(
        "SELECT (reported_at + $1) / $2 AS day, grid_code, category, channel, COUNT(*) AS n, \
         SUM(CASE WHEN escalations > 0 OR supervision_level > 0 THEN 1 ELSE 0 END) AS serious \
         FROM events WHERE reported_at >= $3 AND reported_at < $4 AND status <> 'merged' \
         GROUP BY 1, grid_code, category, channel",
    )
    .bind(CHINA_OFFSET_MS)
    .bind(DAY_MS)
    .bind(from)
    .bind(to)
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DayCount {
                day: r.try_get("day")?,
                grid_code: r.try_get("grid_code")?,
                category: r.try_get("category")?,
                channel: r.try_get("channel")?,
                n: r.try_get("n")?,
                serious: r.try_get("serious")?,
            })
        })
        .collect()
}

/// The prefixes of `categories` none of which another one covers (so no report is counted
/// twice), each with the first code past its range.
fn category_ranges(categories: &[String]) -> Vec<(String, String)> {
    let mut ranges: Vec<(String, String)> = categories
        .iter()
        .filter(|c| {
            !categories
                .iter()
                .any(|o| o.len() < c.len() && c.starts_with(o.as_str()))
        })
        .filter_map(|c| {
            let last = c.chars().last()?;
            let next = char::from_u32(last as u32 + 1)?;
            Some((
                c.clone(),
                format!("{}{next}", &c[..c.len() - last.len_utf8()]),
            ))
        })
        .collect();
    ranges.sort();
    ranges.dedup();
    ranges
}

pub(crate) async fn report_counts(
    store: &SqlStore,
    q: &crate::ReportCounts,
) -> Result<Vec<DayCount>> {
    // Per category range (disjoint, so their rows add up), three reads of indexes alone:
    // every report, less the merged ones (n negative), and the serious ones (n zero).
    let ranges: Vec<Option<(String, String)>> = if q.categories.is_empty() {
        vec![None]
    } else {
        category_ranges(&q.categories)
            .into_iter()
            .map(Some)
            .collect()
    };
    // Written into the text, not bound: PostgreSQL has no substr(text, int, bigint).
    let digits = q.area_digits.clamp(6, 15);
    // Each condition is its partial index's own, word for word, so SQLite uses the index.
    let parts = [
        ("COUNT(*)", "CAST(0 AS BIGINT)", ""),
        ("-COUNT(*)", "CAST(0 AS BIGINT)", "status = 'merged' AND "),
        (
            "CAST(0 AS BIGINT)",
            "COUNT(*)",
            "(escalations > 0 OR supervision_level > 0) AND status <> 'merged' AND ",
        ),
    ];
    let mut out = Vec::new();
    for range in &ranges {
        for (n, serious, condition) in parts {
            let mut sql = Sql::new("SELECT (reported_at + ");
            sql.bind(Arg::Int(CHINA_OFFSET_MS)).push(") / ");
            sql.bind(Arg::Int(DAY_MS));
            sql.push(&format!(
                " AS day, substr(grid_code, 1, {digits}) AS area, {n} AS n, {serious} AS serious \
                 FROM events WHERE {condition}"
            ));
            if let Some((low, high)) = range {
                sql.push("category >= ").bind_text(low.clone());
                sql.push(" AND category < ")
                    .bind_text(high.clone())
                    .push(" AND ");
            }
            sql.push("reported_at >= ")
                .bind(Arg::Int(q.from_day * DAY_MS - CHINA_OFFSET_MS));
            sql.push(" AND reported_at < ")
                .bind(Arg::Int(q.to_day * DAY_MS - CHINA_OFFSET_MS));
            if !q.channels.is_empty() {
                sql.push(" AND channel IN (");
                for (i, c) in q.channels.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.bind_text(c.clone());
                }
                sql.push(")");
            }
            sql.push(" GROUP BY 1, 2");
            for r in sql.query().fetch_all(&store.pool).await? {
                out.push(DayCount {
                    day: r.try_get("day")?,
                    grid_code: r.try_get("area")?,
                    category: String::new(),
                    channel: String::new(),
                    n: r.try_get("n")?,
                    serious: r.try_get("serious")?,
                });
            }
        }
    }
    Ok(out)
}

const ALERT_COLUMNS: &str = "a.id, a.indicator_code, a.indicator_name, a.catalogue_version, \
     a.area_level, a.area_code, a.level, a.state, a.raised_on, a.cleared_on, a.peak_on, \
     a.observed, a.expected, a.bound, a.history, a.assigned_unit, a.silenced_until, \
     a.silence_reason, a.event_id, a.risk_id, a.version, a.updated_at";

fn alert_from_row(r: &sqlx::any::AnyRow) -> Result<AlertRecord> {
    use zhili_domain::risk::{AlertHandling, AlertState};
    let state: String = r.try_get("state")?;
    Ok(AlertRecord {
        id: r.try_get("id")?,
        indicator_code: r.try_get("indicator_code")?,
        indicator_name: r.try_get("indicator_name")?,
        catalogue_version: r.try_get("catalogue_version")?,
        area_level: r.try_get("area_level")?,
        area_code: r.try_get("area_code")?,
        level: r.try_get("level")?,
        handling: AlertHandling {
            state: AlertState::from_code(&state)
                .ok_or_else(|| crate::sql::corrupt("alert state", &state))?,
            assigned_unit: r.try_get("assigned_unit")?,
            silenced_until: r.try_get("silenced_until")?,
            silence_reason: r.try_get("silence_reason")?,
            event_id: r.try_get("event_id")?,
            risk_id: r.try_get("risk_id")?,
        },
        raised_on: r.try_get("raised_on")?,
        cleared_on: r.try_get("cleared_on")?,
        peak_on: r.try_get("peak_on")?,
        observed: r.try_get("observed")?,
        expected: r.try_get("expected")?,
        bound: r.try_get("bound")?,
        history: r.try_get("history")?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub(crate) async fn standing_alerts(store: &SqlStore, since_day: i64) -> Result<Vec<AlertRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {ALERT_COLUMNS} FROM risk_alerts a WHERE a.state <> 'cleared' OR a.raised_on >= $1"
    ))
    .bind(since_day)
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(alert_from_row).collect()
}

pub(crate) async fn write_alerts(
    store: &SqlStore,
    actor: &Actor,
    writes: &[AlertWrite],
    now: i64,
) -> Result<Vec<i64>> {
    if writes.is_empty() {
        return Ok(vec![]);
    }
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let mut raised = Vec::new();
    let mut told = Vec::new();
    let mut actions = Vec::new();
    for w in writes {
        match w {
            AlertWrite::Raise(a) => {
                let id = next_id(&mut tx, "risk_alerts").await?;
                insert_rows(
                    &mut tx,
                    "risk_alerts",
                    &[
                        "id",
                        "indicator_code",
                        "indicator_name",
                        "catalogue_version",
                        "area_level",
                        "area_code",
                        "level",
                        "state",
                        "raised_on",
                        "cleared_on",
                        "peak_on",
                        "observed",
                        "expected",
                        "bound",
                        "history",
                        "version",
                        "updated_at",
                    ],
                    vec![vec![
                        Arg::Int(id),
                        Arg::Text(a.indicator_code.clone()),
                        Arg::Text(a.indicator_name.clone()),
                        Arg::Int(a.catalogue_version),
                        Arg::Text(a.area_level.clone()),
                        Arg::Text(a.area_code.clone()),
                        Arg::Text(a.level.clone()),
                        Arg::Text(a.handling.state.as_str().into()),
                        Arg::Int(a.raised_on),
                        a.cleared_on.into(),
                        Arg::Int(a.peak_on),
                        Arg::Float(a.observed),
                        Arg::Float(a.expected),
                        Arg::Float(a.bound),
                        Arg::Text(a.history.clone()),
                        Arg::Int(1),
                        Arg::Int(now),
                    ]],
                )
                .await?;
                actions.push(
                    actor
                        .action(now, "risk.alert.raise", &format!("risk_alert:{id}"))
                        .opinion(format!(
                            "{} {} {}：观测 {} 预期 {:.1} 上界 {:.1}",
                            a.indicator_name, a.area_code, a.level, a.observed, a.expected, a.bound
                        )),
                );
                raised.push(id);
                told.push((id, a.as_ref()));
            }
            AlertWrite::Update {
                id,
                expected_version,
                level,
                peak_on,
                observed,
                expected,
                bound,
                history,
                cleared_on,
            } => {
                let mut q = Sql::new("UPDATE risk_alerts SET level = ");
                q.bind_text(level.clone());
                q.push(", peak_on = ").bind(Arg::Int(*peak_on));
                q.push(", observed = ").bind(Arg::Float(*observed));
                q.push(", expected = ").bind(Arg::Float(*expected));
                q.push(", bound = ").bind(Arg::Float(*bound));
                q.push(", history = ").bind_text(history.clone());
                if let Some(day) = cleared_on {
                    q.push(", cleared_on = ").bind(Arg::Int(*day));
                    q.push(", state = 'cleared'");
                }
                q.push(", updated_at = ").bind(Arg::Int(now));
                q.push(", version = version + 1 WHERE id = ")
                    .bind(Arg::Int(*id));
                q.push(" AND version = ").bind(Arg::Int(*expected_version));
                if q.query().execute(&mut *tx).await?.rows_affected() != 1 {
                    return Err(StoreError::conflict(
                        "an alert changed while it was evaluated; evaluate again",
                    ));
                }
                let what = if cleared_on.is_some() {
                    "risk.alert.clear"
                } else {
                    "risk.alert.rise"
                };
                actions.push(
                    actor
                        .action(now, what, &format!("risk_alert:{id}"))
                        .opinion(format!("{level} 观测 {observed}")),
                );
            }
        }
    }
    sync_sequence(&mut tx, store.backend, "risk_alerts").await?;
    append_actions(&mut tx, actions).await?;
    crate::webhook_queue::enqueue_alerts(&mut tx, &told, now).await?;
    tx.commit().await?;
    Ok(raised)
}

/// Region alerts inside the scope's area; a department's alerts to the department, to the
/// departments of its sector when they read the sector's, and to the district-wide readers.
fn alert_scope(sql: &mut Sql, scope: &zhili_domain::Scope) {
    sql.push(" AND ((a.area_level <> 'department' AND ");
    crate::sql::scope_condition(sql, "a.area_code", scope);
    sql.push(")");
    match &scope.department {
        Some(_) => {
            sql.push(" OR (a.area_level = 'department' AND a.area_code IN (");
            for (i, d) in scope.risk_departments().into_iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind_text(d.to_string());
            }
            sql.push("))");
        }
        None if scope.whole_subtree() && scope.root.level() == zhili_domain::Level::District => {
            sql.push(" OR a.area_level = 'department'");
        }
        None => {}
    }
    sql.push(")");
}

/// The conditions of an alert list: the scope's rule, then the filter's.
fn alert_filter(scope: &zhili_domain::Scope, f: &AlertFilter) -> Sql {
    use zhili_domain::risk::AlertState as S;
    let mut filter = Sql::new("");
    alert_scope(&mut filter, scope);
    if !f.states.is_empty() {
        // A silence that has ended reads as open.
        filter.push(" AND (1 = 0");
        for s in &f.states {
            match s {
                S::Open => {
                    filter.push(
                        " OR a.state = 'open' OR (a.state = 'silenced' AND a.silenced_until <= ",
                    );
                    filter.bind(Arg::Int(f.now)).push(")");
                }
                S::Silenced => {
                    filter.push(" OR (a.state = 'silenced' AND a.silenced_until > ");
                    filter.bind(Arg::Int(f.now)).push(")");
                }
                other => {
                    filter.push(" OR a.state = ").bind_text(other.as_str());
                }
            }
        }
        filter.push(")");
    }
    if let Some(code) = &f.indicator {
        filter
            .push(" AND a.indicator_code = ")
            .bind_text(code.clone());
    }
    if let Some(r) = &f.region {
        filter
            .push(" AND a.area_code LIKE ")
            .bind_text(format!("{r}%"));
    }
    if let Some(d) = f.raised_from {
        filter.push(" AND a.raised_on >= ").bind(Arg::Int(d));
    }
    if let Some(d) = f.raised_to {
        filter.push(" AND a.raised_on < ").bind(Arg::Int(d));
    }
    filter
}

pub(crate) async fn alerts(
    store: &SqlStore,
    scope: &zhili_domain::Scope,
    f: &AlertFilter,
) -> Result<(i64, Vec<AlertRecord>)> {
    let filter = alert_filter(scope, f);
    let count = Sql::with_filter(
        "SELECT COUNT(*) AS n FROM risk_alerts a WHERE 1 = 1",
        &filter,
    );
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;
    let mut page = Sql::with_filter(
        &format!("SELECT {ALERT_COLUMNS} FROM risk_alerts a WHERE 1 = 1"),
        &filter,
    );
    page.push(" ORDER BY a.raised_on DESC, a.id DESC LIMIT ")
        .bind(Arg::Int(f.limit));
    page.push(" OFFSET ").bind(Arg::Int(f.offset));
    let rows = page.query().fetch_all(&store.pool).await?;
    Ok((
        total,
        rows.iter().map(alert_from_row).collect::<Result<_>>()?,
    ))
}

/// The alerts grouped by area and indicator, the group with the latest raised first: how many
/// each holds and its latest alert; and how many groups there are.
pub(crate) async fn alert_groups(
    store: &SqlStore,
    scope: &zhili_domain::Scope,
    f: &AlertFilter,
) -> Result<(i64, Vec<(i64, AlertRecord)>)> {
    let filter = alert_filter(scope, f);
    let count = Sql::with_filter(
        "SELECT COUNT(*) AS n FROM (SELECT a.area_code FROM risk_alerts a WHERE 1 = 1",
        &filter,
    );
    let mut count = count;
    count.push(" GROUP BY a.area_code, a.indicator_code) g");
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;
    let mut page = Sql::with_filter(
        "SELECT MAX(a.id) AS latest, COUNT(*) AS n FROM risk_alerts a WHERE 1 = 1",
        &filter,
    );
    page.push(" GROUP BY a.area_code, a.indicator_code ORDER BY MAX(a.raised_on) DESC, MAX(a.id) DESC LIMIT ")
        .bind(Arg::Int(f.limit));
    page.push(" OFFSET ").bind(Arg::Int(f.offset));
    let groups: Vec<(i64, i64)> = page
        .query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("latest")?, r.try_get("n")?)))
        .collect::<Result<_>>()?;
    if groups.is_empty() {
        return Ok((total, Vec::new()));
    }
    let mut latest = Sql::new(&format!(
        "SELECT {ALERT_COLUMNS} FROM risk_alerts a WHERE a.id IN ("
    ));
    for (i, (id, _)) in groups.iter().enumerate() {
        if i > 0 {
            latest.push(", ");
        }
        latest.bind(Arg::Int(*id));
    }
    latest.push(")");
    let mut by_id: std::collections::HashMap<i64, AlertRecord> = latest
        .query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| alert_from_row(r).map(|a| (a.id, a)))
        .collect::<Result<_>>()?;
    Ok((
        total,
        groups
            .into_iter()
            .filter_map(|(id, n)| by_id.remove(&id).map(|a| (n, a)))
            .collect(),
    ))
}

pub(crate) async fn alert(
    store: &SqlStore,
    scope: &zhili_domain::Scope,
    id: i64,
) -> Result<Option<AlertRecord>> {
    let mut q = Sql::new(&format!(
        "SELECT {ALERT_COLUMNS} FROM risk_alerts a WHERE a.id = "
    ));
    q.bind(Arg::Int(id));
    alert_scope(&mut q, scope);
    q.query()
        .fetch_optional(&store.pool)
        .await?
        .map(|r| alert_from_row(&r))
        .transpose()
}

pub(crate) async fn handle_alert(
    store: &SqlStore,
    id: i64,
    expected_version: i64,
    h: &zhili_domain::risk::AlertHandling,
    action: zhili_domain::chain::NewAction,
    now: i64,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let mut q = Sql::new("UPDATE risk_alerts SET state = ");
    q.bind_text(h.state.as_str());
    q.push(", assigned_unit = ")
        .bind(h.assigned_unit.clone().into());
    q.push(", silenced_until = ").bind(h.silenced_until.into());
    q.push(", silence_reason = ")
        .bind(h.silence_reason.clone().into());
    q.push(", event_id = ").bind(h.event_id.into());
    q.push(", risk_id = ").bind(h.risk_id.into());
    q.push(", updated_at = ").bind(Arg::Int(now));
    q.push(", version = version + 1 WHERE id = ")
        .bind(Arg::Int(id));
    q.push(" AND version = ").bind(Arg::Int(expected_version));
    if q.query().execute(&mut *tx).await?.rows_affected() != 1 {
        return Err(StoreError::conflict(
            "the alert changed since it was read; read it again",
        ));
    }
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(())
}
