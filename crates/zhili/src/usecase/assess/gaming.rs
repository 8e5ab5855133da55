//! Gaming caught for the reviewers: each town's or department's closures and ratings per day
//! over the assessment year, every ended quarter's final days tested against the unit's own
//! earlier days (`zhili_domain::assess::gaming`).

use super::{may_read_scores, units_of};
use crate::state::AppState;
use crate::usecase::{forbidden, Result};
use std::collections::HashMap;
use zhili_domain::assess::gaming::{self, Day, Flag};
use zhili_domain::assess::UnitGroup;
use zhili_domain::calendar::{china_day, CHINA_OFFSET_MS, DAY_MS};
use zhili_domain::time::days_from_civil;
use zhili_domain::user::User;

/// A flag on a unit in a quarter.
#[derive(Clone, Debug)]
pub struct UnitFlag {
    pub unit: String,
    pub name: String,
    pub quarter: u8,
    pub flag: Flag,
}

/// The year's flags for a group, the latest quarter first, the strongest first within it.
pub async fn flags(
    state: &AppState,
    user: &User,
    year: i32,
    group: UnitGroup,
) -> Result<Vec<UnitFlag>> {
    if !may_read_scores(user) {
        return Err(forbidden(
            "the district centre, the leaders and the pilot office read the assessment's flags",
        ));
    }
    let today = china_day(crate::now_ms());
    let y = year as i64;
    // Quarters that have ended: [start, end) in days.
    let quarters: Vec<(u8, i64, i64)> = (0..4u32)
        .map(|q| {
            let start = days_from_civil(y, q * 3 + 1, 1);
            let end = if q == 3 {
                days_from_civil(y + 1, 1, 1)
            } else {
                days_from_civil(y, q * 3 + 4, 1)
            };
            (q as u8 + 1, start, end)
        })
        .filter(|(_, _, end)| *end <= today)
        .collect();
    let Some(last_end) = quarters.iter().map(|(_, _, e)| *e).max() else {
        return Ok(Vec::new());
    };
    let ms = |d: i64| d * DAY_MS - CHINA_OFFSET_MS;
    let mut by_unit: HashMap<String, Vec<Day>> = HashMap::new();
    for d in state
        .store
        .closure_days(ms(days_from_civil(y, 1, 1)), ms(last_end))
        .await?
    {
        let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        by_unit.entry(d.unit).or_default().push(Day {
            day: d.day,
            closed: n(d.closed),
            rated: n(d.rated),
            satisfied: n(d.satisfied),
        });
    }
    let mut out = Vec::new();
    for (unit, name) in units_of(state, group).await? {
        let Some(days) = by_unit.get(&unit) else {
            continue;
        };
        for (quarter, start, end) in &quarters {
            for flag in gaming::flags(days, *start, *end) {
                out.push(UnitFlag {
                    unit: unit.clone(),
                    name: name.clone(),
                    quarter: *quarter,
                    flag,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        b.quarter
            .cmp(&a.quarter)
            .then(a.flag.signal.cmp(&b.flag.signal))
            .then(b.flag.observed.total_cmp(&a.flag.observed))
    });
    Ok(out)
}
