//! What the risk indicators count besides reports, per day and area: flows read from their
//! tables (repeat petitions, repeat disputes, mediation failures, sensitive notes, dissatisfied
//! residents) and standing counts recorded day by day (overdue visits, cameras offline, overdue
//! events), each as `DayCount` rows whose `grid_code` is the finest area the source knows.

use crate::sql::{insert_rows, Arg};
use crate::*;
use sqlx::Row;
use zhili_domain::calendar::{CHINA_OFFSET_MS, DAY_MS};

/// The sources read from the day-by-day record rather than from their own table.
pub const STOCK_SOURCES: [&str; 3] = ["overdue_visits", "camera_outages", "overdue_events"];

/// `SELECT day, area, n` for a flow source over [from, to) ms, or None if not a flow.
fn flow_query(source: &str) -> Option<&'static str> {
    Some(match source {
        // Reported as a repeat petition, or a petition the system found to repeat an earlier
        // report of the same matter (same category, nearby, within a day). The petitions
        // (10…) are a range of the category index, which holds every column used here.
        "repeat_petitions" => {
            "SELECT (reported_at + $1) / $2 AS day, grid_code AS area, COUNT(*) AS n FROM events \
             WHERE category >= '10' AND category < '11' AND reported_at >= $3 AND reported_at < $4 \
             AND status <> 'merged' AND (category = '1002' OR duplicate_of IS NOT NULL) \
             GROUP BY 1, grid_code"
        }
        "repeat_disputes" => {
            "SELECT (registered_at + $1) / $2 AS day, region_code AS area, COUNT(*) AS n \
             FROM mediation_cases WHERE registered_at >= $3 AND registered_at < $4 \
             AND repeat_of IS NOT NULL GROUP BY 1, region_code"
        }
        "mediation_failures" => {
            "SELECT (COALESCE(closed_at, updated_at) + $1) / $2 AS day, region_code AS area, \
             COUNT(*) AS n FROM mediation_cases \
             WHERE status IN ('refused', 'terminated', 'referred_out') \
             AND COALESCE(closed_at, updated_at) >= $3 AND COALESCE(closed_at, updated_at) < $4 \
             GROUP BY 1, region_code"
        }
        // 敏感 notes: what bears on stability.
        "sensitive_notes" => {
            "SELECT (created_at + $1) / $2 AS day, region_code AS area, COUNT(*) AS n \
             FROM situations WHERE created_at >= $3 AND created_at < $4 AND sensitivity >= 3 \
             GROUP BY 1, region_code"
        }
        // Rated 1 or 2 of 5 by the resident, on the day the case closed (the condition is
        // the partial index's own, word for word, so the index answers alone).
        "low_satisfaction" => {
            "SELECT (closed_at + $1) / $2 AS day, grid_code AS area, COUNT(*) AS n FROM events \
             WHERE satisfaction <= 2 AND closed_at >= $3 AND closed_at < $4 \
             GROUP BY 1, grid_code"
        }
        _ => return None,
    })
}

pub(crate) async fn source_day_counts(
    store: &SqlStore,
    source: &str,
    from: i64,
    to: i64,
) -> Result<Vec<DayCount>> {
    let rows = if let Some(sql) = flow_query(source) {
        sqlx::query(sql)
            .bind(CHINA_OFFSET_MS)
            .bind(DAY_MS)
            .bind(from)
            .bind(to)
            .fetch_all(&store.pool)
            .await?
    } else if STOCK_SOURCES.contains(&source) {
        sqlx::query(
            "SELECT day, area_code AS area, n FROM risk_stock_days \
             WHERE source = $1 AND day >= $2 AND day < $3",
        )
        .bind(source.to_string())
        .bind((from + CHINA_OFFSET_MS).div_euclid(DAY_MS))
        .bind((to + CHINA_OFFSET_MS + DAY_MS - 1).div_euclid(DAY_MS))
        .fetch_all(&store.pool)
        .await?
    } else {
        return Err(StoreError::Internal(format!("no risk source {source}")));
    };
    rows.iter()
        .map(|r| {
            Ok(DayCount {
                day: r.try_get("day")?,
                grid_code: r.try_get("area")?,
                category: String::new(),
                channel: String::new(),
                n: r.try_get("n")?,
                serious: 0,
            })
        })
        .collect()
}

/// Reads each standing count now and keeps it as `day`'s (replacing an earlier reading).
pub(crate) async fn record_stocks(store: &SqlStore, day: i64, now: i64) -> Result<()> {
    let open = crate::events::open_statuses();
    let readings = [
        (
            "overdue_visits",
            "SELECT grid_code AS area, COUNT(*) AS n FROM key_roles WHERE next_visit_due < $1 \
             GROUP BY grid_code"
                .to_string(),
        ),
        (
            "camera_outages",
            "SELECT grid_code AS area, COUNT(*) AS n FROM things \
             WHERE kind = 'camera' AND state = 'offline' AND created_at < $1 GROUP BY grid_code"
                .to_string(),
        ),
        (
            "overdue_events",
            format!(
                "SELECT lead_unit AS area, COUNT(*) AS n FROM events WHERE status IN ({open}) \
                 AND step_due IS NOT NULL AND step_due < $1 AND lead_unit IS NOT NULL \
                 GROUP BY lead_unit"
            ),
        ),
    ];
    let mut tx = store.write_tx().await?;
    for (source, sql) in readings {
        let rows = sqlx::query(&sql).bind(now).fetch_all(&mut *tx).await?;
        sqlx::query("DELETE FROM risk_stock_days WHERE source = $1 AND day = $2")
            .bind(source)
            .bind(day)
            .execute(&mut *tx)
            .await?;
        let values = rows
            .iter()
            .map(|r| {
                Ok(vec![
                    Arg::Text(source.into()),
                    Arg::Text(r.try_get("area")?),
                    Arg::Int(day),
                    Arg::Int(r.try_get("n")?),
                ])
            })
            .collect::<Result<Vec<_>>>()?;
        if !values.is_empty() {
            insert_rows(
                &mut tx,
                "risk_stock_days",
                &["source", "area_code", "day", "n"],
                values,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// What a source counted that a reader may open: events, mediation cases, notes, key persons
/// or cameras, each by its own scope rule.
fn items_query(
    source: &str,
    scope: &zhili_domain::Scope,
    q: &SourceItems<'_>,
    counting: bool,
) -> Result<(&'static str, crate::sql::Sql)> {
    use crate::sql::Sql;
    let area = format!("{}%", q.area_code);
    let (kind, sql) = match source {
        "repeat_petitions" | "low_satisfaction" | "overdue_events" => {
            let (label, at) = match source {
                "low_satisfaction" => ("e.case_number", "e.closed_at"),
                "overdue_events" => ("e.case_number", "e.step_due"),
                _ => ("e.case_number", "e.reported_at"),
            };
            let mut sql = Sql::new(&format!(
                "SELECT e.id AS id, {label} AS label, {at} AS at FROM events e WHERE 1 = 1"
            ));
            crate::sql::event_scope(&mut sql, scope);
            match source {
                "repeat_petitions" => {
                    sql.push(
                        " AND e.category >= '10' AND e.category < '11' AND e.status <> 'merged' \
                         AND (e.category = '1002' OR e.duplicate_of IS NOT NULL) AND e.reported_at >= ",
                    )
                    .bind(Arg::Int(q.from));
                    sql.push(" AND e.reported_at < ").bind(Arg::Int(q.to));
                    sql.push(" AND e.grid_code LIKE ").bind_text(area);
                }
                "low_satisfaction" => {
                    sql.push(" AND e.satisfaction <= 2 AND e.closed_at >= ")
                        .bind(Arg::Int(q.from));
                    sql.push(" AND e.closed_at < ").bind(Arg::Int(q.to));
                    sql.push(" AND e.grid_code LIKE ").bind_text(area);
                }
                _ => {
                    sql.push(&format!(
                        " AND e.status IN ({}) AND e.step_due < ",
                        crate::events::open_statuses()
                    ))
                    .bind(Arg::Int(q.now));
                    sql.push(" AND e.lead_unit = ").bind_text(q.area_code);
                }
            }
            ("event", sql)
        }
        "repeat_disputes" | "mediation_failures" => {
            let at = if source == "repeat_disputes" {
                "c.registered_at"
            } else {
                "COALESCE(c.closed_at, c.updated_at)"
            };
            let mut sql = Sql::new(&format!(
                "SELECT c.id AS id, c.number || ' ' || c.title AS label, {at} AS at \
                 FROM mediation_cases c WHERE 1 = 1"
            ));
            crate::mediation::case_scope(&mut sql, scope);
            if source == "repeat_disputes" {
                sql.push(" AND c.repeat_of IS NOT NULL");
            } else {
                sql.push(" AND c.status IN ('refused', 'terminated', 'referred_out')");
            }
            sql.push(&format!(" AND {at} >= ")).bind(Arg::Int(q.from));
            sql.push(&format!(" AND {at} < ")).bind(Arg::Int(q.to));
            sql.push(" AND c.region_code LIKE ").bind_text(area);
            ("mediation_case", sql)
        }
        "sensitive_notes" => {
            let mut sql = Sql::new(
                "SELECT s.id AS id, s.title AS label, s.created_at AS at FROM situations s \
                 WHERE s.sensitivity >= 3",
            );
            crate::sql::scope_filter(&mut sql, "s.region_code", scope);
            // The notes' own rule for those listed: up to the reader's level, or their own.
            // Their number is the alert's figure, which the reader already sees.
            if !counting {
                sql.push(" AND (s.sensitivity <= ")
                    .bind(Arg::Int(q.max_sensitivity));
                sql.push(" OR s.author = ").bind_text(q.reader);
                sql.push(")");
            }
            sql.push(" AND s.created_at >= ").bind(Arg::Int(q.from));
            sql.push(" AND s.created_at < ").bind(Arg::Int(q.to));
            sql.push(" AND s.region_code LIKE ").bind_text(area);
            ("situation", sql)
        }
        "overdue_visits" => {
            let mut sql = Sql::new(
                "SELECT p.id AS id, p.name AS label, k.next_visit_due AS at FROM key_roles k \
                 JOIN people p ON p.id = k.person_id WHERE k.next_visit_due < ",
            );
            sql.bind(Arg::Int(q.now));
            crate::sql::scope_filter(&mut sql, "k.grid_code", scope);
            sql.push(" AND k.grid_code LIKE ").bind_text(area);
            ("person", sql)
        }
        "camera_outages" => {
            let mut sql = Sql::new(
                "SELECT t.id AS id, t.name AS label, t.created_at AS at FROM things t \
                 WHERE t.kind = 'camera' AND t.state = 'offline'",
            );
            crate::sql::scope_filter(&mut sql, "t.grid_code", scope);
            sql.push(" AND t.grid_code LIKE ").bind_text(area);
            ("camera", sql)
        }
        _ => return Err(StoreError::Internal(format!("no risk source {source}"))),
    };
    Ok((kind, sql))
}

pub(crate) async fn source_items(
    store: &SqlStore,
    scope: &zhili_domain::Scope,
    q: &SourceItems<'_>,
) -> Result<(i64, Vec<SourceItem>)> {
    let (_, counted) = items_query(q.source, scope, q, true)?;
    let (kind, sql) = items_query(q.source, scope, q, false)?;
    let mut count = crate::sql::Sql::new("SELECT COUNT(*) AS n FROM (");
    count.append(&counted);
    count.push(") counted");
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;
    let mut list = sql;
    list.push(" ORDER BY at DESC, id DESC LIMIT ")
        .bind(Arg::Int(q.limit.clamp(0, 200)));
    let items = list
        .query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(SourceItem {
                kind: kind.to_string(),
                id: r.try_get("id")?,
                label: r.try_get("label")?,
                at: r.try_get("at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((total, items))
}
