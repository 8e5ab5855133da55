//! 五乐社区: a village's station assesses its year against the scheme (kept as data), item by
//! item with evidence, saves drafts and submits; the town's centre reviews its villages'
//! submissions — changing an item's points only with a reason — or returns one; everyone above
//! reads the results, ranked, and the map shows each village's grade.

use super::{forbidden, not_found, Error, Result};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhili_domain::user::User;
use zhili_domain::wule::{self as rules, Adjustment, Scheme, Score, State};
use zhili_domain::{DomainError, ErrorCode, Level, RegionCode, Role};
use zhili_store::WuleRecord;

const SCHEME_JSON: &str = include_str!("../../data/wule-scheme.json");

/// The scheme shipped with the product (the seed's five dimensions).
pub fn scheme() -> Scheme {
    serde_json::from_str(SCHEME_JSON).expect("the shipped 五乐 scheme is valid JSON")
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WuleScore {
    pub item: String,
    #[schema(minimum = 0, maximum = 100)]
    pub points: i64,
    /// What shows the points (activity records, photos kept, figures).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub evidence: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WuleAdjustment {
    pub item: String,
    #[schema(minimum = 0, maximum = 100)]
    pub points: i64,
    #[schema(max_length = 300)]
    pub reason: String,
}

fn scores_of(s: &[WuleScore]) -> Vec<Score> {
    s.iter()
        .map(|x| Score {
            item: x.item.clone(),
            points: x.points,
            evidence: x.evidence.clone(),
        })
        .collect()
}

fn this_year() -> i64 {
    let day = (crate::now_ms() + 8 * 3_600_000).div_euclid(86_400_000);
    zhili_domain::time::civil_from_days(day).0
}

fn year_checked(year: i64) -> Result<()> {
    let now = this_year();
    if year == now || year == now - 1 {
        Ok(())
    } else {
        Err(Error::from(
            DomainError::invalid("year", "this year or the last").zh("只能评价今年或去年"),
        ))
    }
}

fn moved_first() -> Error {
    DomainError::new(
        ErrorCode::Conflict,
        "the evaluation was changed by someone else",
    )
    .zh("该评价已被他人变更，请刷新")
    .into()
}

/// The station saves its year's self-assessment (a draft may be incomplete) or submits it
/// (every item scored, evidence for every point).
pub async fn save(
    state: &AppState,
    user: &User,
    village: &RegionCode,
    year: i64,
    scores: &[WuleScore],
    submit: bool,
) -> Result<WuleRecord> {
    if user.role != Role::VillageOperator {
        return Err(forbidden("the village's station assesses its own year"));
    }
    if *village != user.region_code {
        return Err(not_found(
            "village_code",
            format!("village {village} not found"),
        ));
    }
    year_checked(year)?;
    let before = state.store.wule(village.as_str(), year).await?;
    if let Some(b) = &before {
        if !b.state.village_may_edit() {
            return Err(DomainError::new(
                ErrorCode::InvalidTransition,
                format!("the evaluation is {}", b.state.as_str()),
            )
            .zh(format!("该评价{}，不能修改", b.state.label_zh()))
            .into());
        }
    }
    let scheme = scheme();
    let given = scores_of(scores);
    let checked = if submit {
        scheme.self_assessment(&given)
    } else {
        scheme.draft(&given)
    };
    let (scores, total) = checked.map_err(Error::problems)?;
    let now = crate::now_ms();
    let to = if submit {
        State::Submitted
    } else {
        State::Draft
    };
    if submit {
        rules::step(before.as_ref().map(|b| b.state).unwrap_or(State::Draft), to)?;
    }
    let record = WuleRecord {
        village_code: village.to_string(),
        year,
        state: to,
        scores,
        self_total: total,
        adjustments: vec![],
        final_total: None,
        review_note: before.as_ref().and_then(|b| b.review_note.clone()),
        updated_by: user.username.clone(),
        updated_at: now,
        submitted_at: submit.then_some(now),
        reviewed_by: None,
        reviewed_at: None,
    };
    let verb = if submit { "wule.submit" } else { "wule.save" };
    if !state
        .store
        .save_wule(&user.actor(), &record, before.map(|b| b.state), verb)
        .await?
    {
        return Err(moved_first());
    }
    Ok(record)
}

/// The town reviews a submission of one of its villages: approved (with changes, each with
/// its reason) or returned with a note.
pub async fn review(
    state: &AppState,
    user: &User,
    village: &RegionCode,
    year: i64,
    approve: bool,
    changes: &[WuleAdjustment],
    note: Option<&str>,
) -> Result<WuleRecord> {
    if user.role != Role::TownOperator {
        return Err(forbidden("the town's centre reviews its villages"));
    }
    if village.level() != Level::Village || !village.as_str().starts_with(user.region_code.as_str())
    {
        return Err(not_found(
            "village_code",
            format!("village {village} not found"),
        ));
    }
    let before = state
        .store
        .wule(village.as_str(), year)
        .await?
        .ok_or_else(|| not_found("year", format!("no evaluation of {year}")))?;
    let to = if approve {
        State::Reviewed
    } else {
        State::Returned
    };
    rules::step(before.state, to)?;
    if !approve && !changes.is_empty() {
        return Err(Error::from(
            DomainError::invalid("adjustments", "a return carries no changes")
                .zh("退回时不调整分值"),
        ));
    }
    let note = match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => Some(zhili_domain::text::note("note", n, 500)?),
        None if !approve => {
            return Err(Error::from(
                DomainError::invalid("note", "say what to redo").zh("退回须说明原因"),
            ))
        }
        None => None,
    };
    let adjustments: Vec<Adjustment> = changes
        .iter()
        .map(|a| Adjustment {
            item: a.item.clone(),
            points: a.points,
            reason: a.reason.clone(),
        })
        .collect();
    let (final_total, adjustments) = if approve {
        let (_, total) = scheme()
            .review(&before.scores, &adjustments)
            .map_err(Error::problems)?;
        (Some(total), adjustments)
    } else {
        (None, vec![])
    };
    let now = crate::now_ms();
    let record = WuleRecord {
        state: to,
        adjustments,
        final_total,
        review_note: note,
        updated_by: user.username.clone(),
        updated_at: now,
        reviewed_by: Some(user.username.clone()),
        reviewed_at: Some(now),
        ..before.clone()
    };
    let verb = if approve {
        "wule.review"
    } else {
        "wule.return"
    };
    if !state
        .store
        .save_wule(&user.actor(), &record, Some(before.state), verb)
        .await?
    {
        return Err(moved_first());
    }
    Ok(record)
}

/// A village's year, for those whose area holds it.
pub async fn get(
    state: &AppState,
    user: &User,
    village: &RegionCode,
    year: i64,
) -> Result<Option<WuleRecord>> {
    let prefix = super::points::community_area(user)?;
    if !village.as_str().starts_with(&prefix) {
        return Err(not_found(
            "village_code",
            format!("village {village} not found"),
        ));
    }
    Ok(state.store.wule(village.as_str(), year).await?)
}

/// The year's evaluations in the reader's area, best first (the town's figure once reviewed,
/// the village's own until then).
pub async fn ranking(state: &AppState, user: &User, year: i64) -> Result<Vec<WuleRecord>> {
    let prefix = super::points::community_area(user)?;
    let mut all = state.store.wules(&prefix, year).await?;
    all.sort_by(|a, b| {
        let score = |r: &WuleRecord| {
            (
                r.state == State::Reviewed,
                r.final_total.unwrap_or(r.self_total),
            )
        };
        score(b)
            .cmp(&score(a))
            .then(a.village_code.cmp(&b.village_code))
    });
    Ok(all)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_scheme_passes_its_own_checks() {
        assert_eq!(super::scheme().check(), Ok(()));
    }
}
