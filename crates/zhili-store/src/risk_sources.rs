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
        // report of the same matter (same category, nearby, within a day).
        "repeat_petitions" => {
            "SELECT (reported_at + $1) / $2 AS day, grid_code AS area, COUNT(*) AS n FROM events \
             WHERE reported_at >= $3 AND reported_at < $4 AND status <> 'merged' \
             AND (category = '1002' OR (category LIKE '10%' AND duplicate_of IS NOT NULL)) \
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
        // Rated 1 or 2 of 5 by the resident, on the day the case closed.
        "low_satisfaction" => {
            "SELECT (closed_at + $1) / $2 AS day, grid_code AS area, COUNT(*) AS n FROM events \
             WHERE closed_at >= $3 AND closed_at < $4 AND satisfaction IS NOT NULL \
             AND satisfaction <= 2 GROUP BY 1, grid_code"
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
