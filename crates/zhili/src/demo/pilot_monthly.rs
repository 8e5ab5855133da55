//! The units' monthly reports on the month just ended, as the demo's first serve finds them a
//! few days before they are due: most submitted as drafted from the record, some still drafts,
//! a few missing, and one returned by the pilot office for more detail.

use super::account as user;
use crate::state::AppState;
use crate::usecase::pilot::monthly::{self as uc, Write};
use std::collections::BTreeSet;
use zhili_domain::assess::monthly::Month;
use zhili_domain::calendar::china_day;
use zhili_domain::user::User;
use zhili_store::TargetScope;

/// The reports written (kept or submitted), the last month's, when it lies in the plan's year.
pub async fn write(state: &AppState, pilot: &User, year: i32) -> Result<usize, String> {
    let this = Month::of_day(china_day(crate::now_ms()));
    let last = Month::of_day(this.first_day() - 1);
    if last.year != year {
        return Ok(0);
    }
    let mut units = BTreeSet::new();
    for t in state
        .store
        .pilot_targets(&TargetScope::All, year as i64)
        .await
        .map_err(|e| format!("targets: {e}"))?
    {
        units.insert(t.lead_unit);
        units.extend(t.partners);
    }
    let mut written = 0;
    for (i, unit) in units.iter().enumerate() {
        // One in ten has not written yet.
        if i % 10 == 0 {
            continue;
        }
        let who = user(state, &super::pilot::reporter_of(unit)).await?;
        let draft = uc::report(state, &who, unit, last)
            .await
            .map_err(|e| format!("the draft of {unit}: {e}"))?;
        let mut sections = draft.sections;
        sections.problems = format!(
            "{}部分工作推进中存在人手不足、经费保障压力较大等问题。",
            sections.problems
        );
        let submit = i % 10 != 1;
        let kept = uc::write(
            state,
            &who,
            unit,
            last,
            Write {
                version: 0,
                sections,
                submit,
            },
        )
        .await
        .map_err(|e| format!("the report of {unit}: {e}"))?;
        written += 1;
        if i % 10 == 2 {
            uc::send_back(
                state,
                pilot,
                unit,
                last,
                kept.version,
                "请补充本月目标任务推进中的具体举措和下月节点安排。",
            )
            .await
            .map_err(|e| format!("returning the report of {unit}: {e}"))?;
        }
    }
    Ok(written)
}
