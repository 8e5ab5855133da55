//! Running totals of events per (village, lead unit, status), written in the transaction of
//! every event write, and the dashboard statistics read from them.

use crate::sql::{corrupt, Arg, Sql};
use crate::{Result, StatGroup, StatRow, StatsQuery};
use sqlx::{AnyPool, Row};
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

/// Changes to the totals, gathered over a transaction and written once at its end, keyed
/// by (level, area, lead unit, status).
#[derive(Default)]
pub(crate) struct CountChanges(HashMap<(&'static str, String, String, String), [i64; 5]>);

impl CountChanges {
    /// Counts an event (sign 1) or takes it out (sign -1): at its village and its town for
    /// the area breakdowns, and at its town and its district under its lead unit for the
    /// department breakdowns.
    pub fn add(&mut self, s: &Share, sign: i64) {
        let town = s.village.get(..9).unwrap_or(&s.village).to_string();
        let district = s.village.get(..6).unwrap_or(&s.village).to_string();
        let mut keys = vec![
            ("village", s.village.clone(), String::new()),
            ("town", town.clone(), String::new()),
        ];
        if !s.lead.is_empty() {
            keys.push(("town-lead", town, s.lead.clone()));
            keys.push(("district-lead", district, s.lead.clone()));
        }
        for (level, area, lead) in keys {
            let d = self
                .0
                .entry((level, area, lead, s.status.clone()))
                .or_default();
            for (slot, on) in d
                .iter_mut()
                .zip([true, s.on_time, s.reworked, s.rated, s.satisfied])
            {
                *slot += sign * on as i64;
            }
        }
    }

    /// The changes as rows of `COUNT_COLUMNS`, those that change nothing left out.
    pub(crate) fn rows(self) -> Vec<Vec<Arg>> {
        self.0
            .into_iter()
            .filter(|(_, d)| d.iter().any(|v| *v != 0))
            .map(|((level, area, lead, status), d)| {
                let mut row = vec![
                    Arg::Text(level.to_string()),
                    Arg::Text(area),
                    Arg::Text(lead),
                    Arg::Text(status),
                ];
                row.extend(d.iter().map(|v| Arg::Int(*v)));
                row
            })
            .collect()
    }

    pub(crate) async fn write<C: crate::exec::Exec>(self, conn: &mut C) -> Result<()> {
        crate::sql::upsert_rows(
            conn,
            "event_counts",
            &COUNT_COLUMNS,
            self.rows(),
            COUNT_CONFLICT,
        )
        .await?;
        Ok(())
    }
}

pub(crate) const COUNT_COLUMNS: [&str; 9] = [
    "level",
    "area_code",
    "lead_unit",
    "status",
    "n",
    "on_time",
    "reworked",
    "rated",
    "satisfied",
];

/// A change to a total adds to what is there.
pub(crate) const COUNT_CONFLICT: &str = " ON CONFLICT (level, area_code, lead_unit, status) DO UPDATE SET n = event_counts.n + excluded.n, \
     on_time = event_counts.on_time + excluded.on_time, reworked = event_counts.reworked + excluded.reworked, \
     rated = event_counts.rated + excluded.rated, satisfied = event_counts.satisfied + excluded.satisfied";

/// Whether the totals can answer this query: a whole district or town seen by a centre,
/// by child region or by leading department (departments see only what they lead or
/// assist; villages and grids are small enough to count).
pub(crate) fn answers(scope: &Scope, q: &StatsQuery) -> bool {
    let region = q.region.as_ref().unwrap_or(&scope.root);
    scope.department.is_none()
        && scope.whole_subtree()
        && matches!(
            (region.level(), q.group),
            (Level::District, StatGroup::Town | StatGroup::Department)
                | (Level::Town, StatGroup::Village | StatGroup::Department)
        )
}

/// How many events an area's villages hold, from the totals (`n`).
pub(crate) fn events_under(area: &str) -> Sql {
    let mut sql = Sql::new(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM event_counts WHERE level = 'village'",
    );
    crate::sql::digit_prefix(&mut sql, "area_code", area);
    sql
}

/// Dashboard rows from the totals, plus the two clock-dependent counts read live.
pub(crate) async fn stats(pool: &AnyPool, scope: &Scope, q: &StatsQuery) -> Result<Vec<StatRow>> {
    let region = q.region.as_ref().unwrap_or(&scope.root);
    let by_department = q.group == StatGroup::Department;
    if by_department && q.departments.is_empty() {
        return Ok(Vec::new());
    }
    // The caller checked the region lies in the scope.
    let (level, event_key) = match (region.level(), by_department) {
        (Level::District, false) => ("town", "substr(village_code, 1, 9)"),
        (_, false) => ("village", "village_code"),
        // Through COALESCE (here and in the filter) so no planner trades the small
        // covering range for the lead-unit index (every case those units ever led).
        (Level::District, true) => ("district-lead", "COALESCE(lead_unit, '')"),
        (_, true) => ("town-lead", "COALESCE(lead_unit, '')"),
    };
    let total_key = if by_department {
        "lead_unit"
    } else {
        "area_code"
    };
    // Each (area or lead unit, status) is one row of its level — the level is the region's
    // children, or the region itself under each lead — so the rows are read as they are,
    // not grouped (the grouping sorted every row again: 0.7 of the summary's 4 ms).
    // For the district, what is overdue now is counted per group beside its totals, along the
    // group's own index range (`events_town`, `events_lead`: migration 49) instead of sorting
    // every overdue case of the district into groups (10 ms against 104 at ten million events).
    let group_column = match (region.level(), by_department) {
        (Level::District, false) => Some("town_code"),
        (Level::District, true) => Some("lead_unit"),
        _ => None,
    };
    let mut totals = Sql::new(&format!(
        "SELECT {total_key} AS k, status, n, on_time, reworked, rated, satisfied"
    ));
    if let Some(column) = group_column {
        totals.push(&format!(
            ", (SELECT COUNT(*) FROM events e WHERE e.{column} = event_counts.{total_key} \
             AND e.status = event_counts.status AND e.step_due < "
        ));
        totals.bind(Arg::Int(q.now));
        if by_department {
            crate::sql::digit_prefix(&mut totals, "e.village_code", region.as_str());
        }
        totals.push(") AS overdue");
    }
    totals.push(" FROM event_counts WHERE n <> 0 AND level = ");
    totals.bind_text(level);
    if by_department {
        totals.push(" AND area_code = ").bind_text(region.as_str());
        departments_filter(&mut totals, "lead_unit", &q.departments);
    } else {
        // Codes are digits, so ':' sorts after every code of the subtree.
        totals.push(" AND area_code >= ").bind_text(region.as_str());
        totals
            .push(" AND area_code < ")
            .bind_text(format!("{}:", region.as_str()));
    }
    // Overdue (the running steps already past due) and reported today: the index ranges
    // hold only those events.
    let live: Vec<Sql> = [("step_due <", q.now), ("reported_at >=", q.today_start)]
        .into_iter()
        .map(|(column, at)| {
            let mut live = Sql::new(&format!(
                "SELECT {event_key} AS k, status, COUNT(*) AS n FROM events WHERE {column} "
            ));
            live.bind(Arg::Int(at));
            // A range of codes, not LIKE (folded per row).
            crate::sql::digit_prefix(&mut live, "village_code", region.as_str());
            if by_department {
                departments_filter(&mut live, "COALESCE(lead_unit, '')", &q.departments);
            }
            live.push(" GROUP BY k, status");
            live
        })
        .collect();
    // Independent reads on pooled connections at once (the overdue one only where the totals
    // do not carry it).
    let overdue_live = async {
        match group_column {
            Some(_) => Ok(Vec::new()),
            None => live[0].query().fetch_all(pool).await,
        }
    };
    let (stored, overdue, today) = tokio::try_join!(
        totals.query().fetch_all(pool),
        overdue_live,
        live[1].query().fetch_all(pool)
    )?;
    let mut rows: HashMap<(String, String), StatRow> = HashMap::new();
    for r in stored {
        let row = entry(&mut rows, r.try_get("k")?, r.try_get("status")?)?;
        row.count += r.try_get::<i64, _>("n")?;
        row.handled_on_time += r.try_get::<i64, _>("on_time")?;
        row.reworked += r.try_get::<i64, _>("reworked")?;
        row.rated += r.try_get::<i64, _>("rated")?;
        row.satisfied += r.try_get::<i64, _>("satisfied")?;
        if group_column.is_some() {
            row.overdue += r.try_get::<i64, _>("overdue")?;
        }
    }
    for r in overdue {
        entry(&mut rows, r.try_get("k")?, r.try_get("status")?)?.overdue = r.try_get("n")?;
    }
    for r in today {
        entry(&mut rows, r.try_get("k")?, r.try_get("status")?)?.today = r.try_get("n")?;
    }
    let mut out: Vec<StatRow> = rows.into_values().collect();
    out.sort_by(|a, b| (&a.key, a.status.as_str()).cmp(&(&b.key, b.status.as_str())));
    Ok(out)
}

/// ` AND <column> IN (…)`; shared with the counting path so both mean the same.
pub(crate) fn departments_filter(sql: &mut Sql, column: &str, departments: &[String]) {
    sql.push(" AND ").push(column).push(" IN ");
    sql.bind_list(departments.iter().map(|d| Arg::Text(d.clone())));
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
