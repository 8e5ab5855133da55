//! Reports and closures per Beijing day and major category, for the trend charts.

use crate::sql::{event_scope, Arg, Sql};
use crate::{Result, SqlStore, TrendRow};
use sqlx::Row;
use std::collections::BTreeMap;
use zhili_domain::calendar::{CHINA_OFFSET_MS, DAY_MS};
use zhili_domain::{RegionCode, Scope};

pub(crate) async fn event_trend(
    store: &SqlStore,
    scope: &Scope,
    region: &RegionCode,
    from: i64,
    to: i64,
) -> Result<Vec<TrendRow>> {
    let mut out: BTreeMap<(i64, String), TrendRow> = BTreeMap::new();
    for column in ["reported_at", "closed_at"] {
        let mut sql = Sql::new(&format!(
            "SELECT (e.{column} + {CHINA_OFFSET_MS}) / {DAY_MS} AS day, substr(e.category, 1, 2) AS major, COUNT(*) AS n \
             FROM events e WHERE e.{column} >= "
        ));
        sql.bind(Arg::Int(from));
        sql.push(&format!(" AND e.{column} < ")).bind(Arg::Int(to));
        sql.push(" AND e.grid_code LIKE ")
            .bind_text(format!("{region}%"));
        event_scope(&mut sql, scope);
        sql.push(" GROUP BY 1, 2");
        for row in sql.query().fetch_all(&store.pool).await? {
            let day: i64 = row.try_get("day")?;
            let major: String = row.try_get("major")?;
            let n: i64 = row.try_get("n")?;
            let entry = out.entry((day, major.clone())).or_insert(TrendRow {
                day,
                major,
                reported: 0,
                closed: 0,
            });
            if column == "reported_at" {
                entry.reported += n;
            } else {
                entry.closed += n;
            }
        }
    }
    Ok(out.into_values().collect())
}
