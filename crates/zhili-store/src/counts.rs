//! Running totals of events per (village, lead unit, status), written in the transaction of
//! every event write, and the dashboard statistics read from them.

use crate::sql::{corrupt, Arg, Sql};
use crate::{Result, StatGroup, StatRow, StatsQuery};
use sqlx::{AnyConnection, AnyPool, Row};
use std::collections::HashMap;
use zhili_domain::event::Status;
use zhili_domain::{Level, Scope};

/// What one event adds to the totals.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Share {
    pub village: String,
    pub lead: String,
    pub status: String,
    pub on_time: bool,
    pub reworked: bool,
    pub rated: bool,
    pub satisfied: bool,
}

impl Share {
    pub fn new(
        village: String,
        lead: Option<&str>,
        status: &str,
        handle_late: bool,
        reworks: i64,
        satisfaction: Option<i64>,
    ) -> Share {
        Share {
            village,
            lead: lead.unwrap_or_default().to_string(),
            status: status.to_string(),
            on_time: !handle_late,
            reworked: reworks > 0,
            rated: satisfaction.is_some(),
            satisfied: satisfaction.is_some_and(|s| s >= 4),
        }
    }
}

/// Changes to the totals, gathered over a transaction and written once at its end.
#[derive(Default)]
pub(crate) struct CountChanges(HashMap<(String, String, String), [i64; 5]>);

impl CountChanges {
    pub fn add(&mut self, s: &Share, sign: i64) {
        let d = self
            .0
            .entry((s.village.clone(), s.lead.clone(), s.status.clone()))
            .or_default();
        for (slot, on) in d
            .iter_mut()
            .zip([true, s.on_time, s.reworked, s.rated, s.satisfied])
        {
            *slot += sign * on as i64;
        }
    }

    pub async fn write(self, conn: &mut AnyConnection) -> Result<()> {
        let rows: Vec<_> = self
            .0
            .into_iter()
            .filter(|(_, d)| d.iter().any(|v| *v != 0))
            .collect();
        for chunk in rows.chunks(500) {
            let mut sql = Sql::new("INSERT INTO event_counts (village_code, lead_unit, status, n, on_time, reworked, rated, satisfied) VALUES ");
            for (i, ((village, lead, status), d)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind_text(village.clone()).push(", ");
                sql.bind_text(lead.clone()).push(", ");
                sql.bind_text(status.clone());
                for v in d {
                    sql.push(", ").bind(Arg::Int(*v));
                }
                sql.push(")");
            }
            sql.push(
                " ON CONFLICT (village_code, lead_unit, status) DO UPDATE SET n = event_counts.n + excluded.n, \
                 on_time = event_counts.on_time + excluded.on_time, reworked = event_counts.reworked + excluded.reworked, \
                 rated = event_counts.rated + excluded.rated, satisfied = event_counts.satisfied + excluded.satisfied",
            );
            sql.query().execute(&mut *conn).await?;
        }
        Ok(())
    }
}

/// Whether the totals can answer this query: a whole district or town seen by a centre
/// (departments see only what they lead or assist; grids are finer than the totals).
pub(crate) fn answers(scope: &Scope, q: &StatsQuery) -> bool {
    let region = q.region.as_ref().unwrap_or(&scope.root);
    scope.department.is_none()
        && matches!(region.level(), Level::District | Level::Town)
        && matches!(
            q.group,
            StatGroup::Town | StatGroup::Village | StatGroup::LeadUnit
        )
}

/// Dashboard rows from the totals, plus the two clock-dependent counts read live.
pub(crate) async fn stats(pool: &AnyPool, scope: &Scope, q: &StatsQuery) -> Result<Vec<StatRow>> {
    let region = q.region.as_ref().unwrap_or(&scope.root);
    // The area is a prefix of the village code; the caller checked it lies in the scope.
    let prefix = format!("{}%", region.as_str());
    let key = match q.group {
        StatGroup::Town => "substr(village_code, 1, 9)",
        StatGroup::LeadUnit => "COALESCE(lead_unit, '')",
        _ => "village_code",
    };
    let mut rows: HashMap<(String, String), StatRow> = HashMap::new();
    let mut totals = Sql::new(&format!(
        // PostgreSQL sums BIGINT as NUMERIC: cast back.
        "SELECT {key} AS k, status, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(on_time) AS BIGINT) AS on_time, \
         CAST(SUM(reworked) AS BIGINT) AS reworked, CAST(SUM(rated) AS BIGINT) AS rated, \
         CAST(SUM(satisfied) AS BIGINT) AS satisfied FROM event_counts WHERE village_code LIKE "
    ));
    totals.bind_text(prefix.clone());
    totals.push(" GROUP BY k, status HAVING SUM(n) <> 0");
    for r in totals.query().fetch_all(pool).await? {
        let row = entry(&mut rows, r.try_get("k")?, r.try_get("status")?)?;
        row.count = r.try_get("n")?;
        row.handled_on_time = r.try_get("on_time")?;
        row.reworked = r.try_get("reworked")?;
        row.rated = r.try_get("rated")?;
        row.satisfied = r.try_get("satisfied")?;
    }
    // Overdue: the running steps already past due (the index range holds only those).
    let mut overdue = Sql::new(&format!(
        "SELECT {key} AS k, status, COUNT(*) AS n FROM events WHERE step_due < "
    ));
    overdue.bind(Arg::Int(q.now));
    overdue
        .push(" AND village_code LIKE ")
        .bind_text(prefix.clone());
    overdue.push(" GROUP BY k, status");
    for r in overdue.query().fetch_all(pool).await? {
        entry(&mut rows, r.try_get("k")?, r.try_get("status")?)?.overdue = r.try_get("n")?;
    }
    let mut today = Sql::new(&format!(
        "SELECT {key} AS k, status, COUNT(*) AS n FROM events WHERE reported_at >= "
    ));
    today.bind(Arg::Int(q.today_start));
    today.push(" AND village_code LIKE ").bind_text(prefix);
    today.push(" GROUP BY k, status");
    for r in today.query().fetch_all(pool).await? {
        entry(&mut rows, r.try_get("k")?, r.try_get("status")?)?.today = r.try_get("n")?;
    }
    let mut out: Vec<StatRow> = rows.into_values().collect();
    out.sort_by(|a, b| (&a.key, a.status.as_str()).cmp(&(&b.key, b.status.as_str())));
    Ok(out)
}

fn entry(
    rows: &mut HashMap<(String, String), StatRow>,
    key: String,
    status: String,
) -> Result<&mut StatRow> {
    let parsed = Status::parse(&status).ok_or_else(|| corrupt("status", &status))?;
    Ok(rows
        .entry((key.clone(), status))
        .or_insert_with(|| StatRow {
            key,
            status: parsed,
            count: 0,
            overdue: 0,
            handled_on_time: 0,
            reworked: 0,
            rated: 0,
            satisfied: 0,
            today: 0,
        }))
}
