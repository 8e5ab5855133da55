//! What points look like to those who read them: entries in the reader's area, a person's
//! account and ledger, the month's list (公示榜) and its publication, the quarter's ranking,
//! and a resident's own page. Residents read other people's names masked.

use super::super::{forbidden, invalid, not_found, Result};
use super::village_for;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhili_domain::points::{self as rules, EntryState};
use zhili_domain::time::rfc3339;
use zhili_domain::user::User;
use zhili_domain::{DomainError, ErrorCode, Level, RegionCode, Role};
use zhili_store::{
    EntryQuery, LedgerRecord, PointAccount, PointEntryRecord, PublicationRecord, ResidentRecord,
};

/// A name as residents read other people's: the family name and the last character.
pub fn masked(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 | 1 => name.to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[derive(Clone, Debug, Default)]
pub struct EntryFilter {
    pub village_code: Option<RegionCode>,
    pub state: Option<EntryState>,
    pub person_id: Option<i64>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Entries in the reader's area (a grid worker: of their grid's people), newest first.
pub async fn entries(
    state: &AppState,
    user: &User,
    f: EntryFilter,
) -> Result<Vec<PointEntryRecord>> {
    let prefix = match &f.village_code {
        Some(v) => village_for(user, Some(v))?.to_string(),
        None => super::community_area(user)?,
    };
    Ok(state
        .store
        .point_entries(&EntryQuery {
            prefix,
            grid_prefixes: user.role.on_the_grids().then(|| {
                let scope = user.scope();
                scope.prefixes().into_iter().map(str::to_string).collect()
            }),
            states: f.state.into_iter().collect(),
            person_id: f.person_id,
            before_id: f.before_id,
            limit: f.limit,
        })
        .await?)
}

/// One entry, if the reader may see it.
pub async fn entry(state: &AppState, user: &User, id: i64) -> Result<PointEntryRecord> {
    let e = state
        .store
        .point_entry(id)
        .await?
        .ok_or_else(|| not_found("id", format!("entry {id} not found")))?;
    let visible = match user.role {
        Role::GridWorker | Role::GridLeader => user.scope().covers_area(&e.grid_code),
        _ => village_for(user, RegionCode::parse(&e.entry.village_code).ok().as_ref()).is_ok(),
    };
    if visible {
        Ok(e)
    } else {
        Err(not_found("id", format!("entry {id} not found")))
    }
}

/// A person's account and latest movements, for staff who can see the person.
pub async fn account_of(
    state: &AppState,
    user: &User,
    person_id: i64,
) -> Result<(Option<PointAccount>, Vec<LedgerRecord>)> {
    super::community_area(user)?;
    state
        .store
        .get_person(&user.scope(), person_id)
        .await?
        .ok_or_else(|| not_found("person_id", format!("person {person_id} not found")))?;
    Ok((
        state.store.point_account(person_id).await?,
        state.store.point_ledger(person_id, 100).await?,
    ))
}

/// The accounts of a village, highest balance first.
pub async fn accounts(
    state: &AppState,
    user: &User,
    village: Option<&RegionCode>,
) -> Result<Vec<PointAccount>> {
    let v = village_for(user, village)?;
    let mut all = state.store.point_accounts(v.as_str(), 2000).await?;
    if user.role.on_the_grids() {
        let scope = user.scope();
        all.retain(|a| scope.covers_area(&a.grid_code));
    }
    Ok(all)
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MonthRow {
    pub person_id: i64,
    pub person_name: String,
    pub grid_code: String,
    /// Points credited in the month (awards).
    pub awarded: i64,
    /// Points taken by deductions (negative or zero).
    pub deducted: i64,
    /// Points spent in the shop (negative or zero).
    pub spent: i64,
    /// Points that expired (negative or zero).
    pub expired: i64,
    /// The balance at the end of the month.
    pub balance: i64,
}

/// A village's month as it is posted (公示榜): everyone whose points moved, by points earned.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MonthList {
    pub village_code: String,
    pub village_name: String,
    /// YYYY-MM
    pub month: String,
    /// When it was posted; none for a preview.
    pub published_at: Option<String>,
    pub rows: Vec<MonthRow>,
    pub total_awarded: i64,
    pub total_deducted: i64,
    pub total_spent: i64,
}

fn month_checked(month: &str) -> Result<(i64, i64)> {
    let bounds = rules::period_bounds(month).filter(|_| month.len() == 7);
    bounds.ok_or_else(|| invalid("month", "a month YYYY-MM"))
}

/// The month as its figures stand (or as posted, once posted).
pub async fn month_list(state: &AppState, village: &RegionCode, month: &str) -> Result<MonthList> {
    let (from, to) = month_checked(month)?;
    if let Some(p) = state
        .store
        .point_publication(village.as_str(), month)
        .await?
    {
        return posted(&p);
    }
    let sums = state
        .store
        .point_period_sums(village.as_str(), from, to)
        .await?;
    let balances: std::collections::HashMap<i64, i64> = state
        .store
        .point_balances_at(village.as_str(), to)
        .await?
        .into_iter()
        .collect();
    let mut rows: Vec<MonthRow> = sums
        .into_iter()
        .map(|s| MonthRow {
            balance: balances.get(&s.person_id).copied().unwrap_or(0),
            person_id: s.person_id,
            person_name: s.person_name,
            grid_code: s.grid_code,
            awarded: s.awarded,
            deducted: s.deducted,
            spent: s.spent,
            expired: s.expired,
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.awarded + b.deducted)
            .cmp(&(a.awarded + a.deducted))
            .then(a.person_id.cmp(&b.person_id))
    });
    Ok(MonthList {
        village_code: village.to_string(),
        village_name: state
            .index()
            .names
            .get(village.as_str())
            .cloned()
            .unwrap_or_default(),
        month: month.to_string(),
        published_at: None,
        total_awarded: rows.iter().map(|r| r.awarded).sum(),
        total_deducted: rows.iter().map(|r| r.deducted).sum(),
        total_spent: rows.iter().map(|r| r.spent).sum(),
        rows,
    })
}

fn posted(p: &PublicationRecord) -> Result<MonthList> {
    let mut list: MonthList = serde_json::from_str(&p.body)
        .map_err(|e| zhili_store::StoreError::Internal(format!("unreadable publication: {e}")))?;
    list.published_at = Some(rfc3339(p.published_at));
    Ok(list)
}

/// The station posts a month that is over; posted once, frozen.
pub async fn publish_month(state: &AppState, user: &User, month: &str) -> Result<MonthList> {
    if user.role != Role::VillageOperator {
        return Err(forbidden("the village's station posts its points"));
    }
    let (_, to) = month_checked(month)?;
    let now = crate::now_ms();
    if to > now {
        return Err(DomainError::invalid("month", "the month is not over yet")
            .zh("该月尚未结束，不能公示")
            .into());
    }
    let list = month_list(state, &user.region_code, month).await?;
    if list.published_at.is_some() {
        return Err(
            DomainError::new(ErrorCode::Conflict, format!("{month} is posted already"))
                .with_field("month")
                .zh(format!("{month}的积分公示已发布"))
                .into(),
        );
    }
    let body = serde_json::to_string(&list)
        .map_err(|e| zhili_store::StoreError::Internal(e.to_string()))?;
    let p = PublicationRecord {
        village_code: user.region_code.to_string(),
        month: month.to_string(),
        body,
        published_by: user.username.clone(),
        published_at: now,
    };
    state.store.publish_point_month(&user.actor(), &p).await?;
    posted(&p)
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RankRow {
    pub rank: u32,
    pub person_id: i64,
    pub person_name: String,
    pub grid_code: String,
    /// Points earned in the quarter (awards less deductions; spending does not lower a rank).
    pub points: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Ranking {
    pub village_code: String,
    /// YYYY-Qn
    pub quarter: String,
    pub rows: Vec<RankRow>,
}

/// The quarter's ranking of a village (ties share a rank).
pub async fn ranking(state: &AppState, village: &RegionCode, quarter: &str) -> Result<Ranking> {
    let (from, to) = rules::period_bounds(quarter)
        .filter(|_| quarter.contains('Q'))
        .ok_or_else(|| invalid("quarter", "a quarter YYYY-Qn"))?;
    let mut sums = state
        .store
        .point_period_sums(village.as_str(), from, to)
        .await?;
    sums.retain(|s| s.awarded + s.deducted != 0);
    sums.sort_by(|a, b| {
        (b.awarded + b.deducted)
            .cmp(&(a.awarded + a.deducted))
            .then(a.person_id.cmp(&b.person_id))
    });
    let scores: Vec<i64> = sums.iter().map(|s| s.awarded + s.deducted).collect();
    let ranks = rules::ranks(&scores);
    Ok(Ranking {
        village_code: village.to_string(),
        quarter: quarter.to_string(),
        rows: sums
            .into_iter()
            .zip(ranks)
            .map(|(s, rank)| RankRow {
                rank,
                points: s.awarded + s.deducted,
                person_id: s.person_id,
                person_name: s.person_name,
                grid_code: s.grid_code,
            })
            .collect(),
    })
}

/// The village of a linked resident.
pub fn resident_village(res: &ResidentRecord) -> Result<(i64, RegionCode)> {
    match (res.person_id, &res.grid_code) {
        (Some(p), Some(g)) => Ok((
            p,
            g.ancestor_at(Level::Village).expect("a grid has a village"),
        )),
        _ => Err(forbidden(
            "link your account to your registered person first",
        )),
    }
}

/// Hides other people's names from a resident.
pub fn masked_for(person_id: i64, rows_person: i64, name: &str) -> String {
    if person_id == rows_person {
        name.to_string()
    } else {
        masked(name)
    }
}

/// Every version of a village's rule book, the one in force first.
pub async fn rule_books(
    state: &AppState,
    user: &User,
    village: Option<&RegionCode>,
) -> Result<Vec<zhili_store::CatalogueRecord>> {
    let v = village_for(user, village)?;
    Ok(state.store.point_catalogue_versions(v.as_str()).await?)
}

/// The months a village posted, newest first, with when.
pub async fn publications(
    state: &AppState,
    user: &User,
    village: Option<&RegionCode>,
) -> Result<Vec<(String, i64)>> {
    let v = village_for(user, village)?;
    Ok(state.store.point_publications(v.as_str()).await?)
}

/// A village's redemptions, newest first.
pub async fn redemptions(
    state: &AppState,
    user: &User,
    village: Option<&RegionCode>,
) -> Result<Vec<zhili_store::RedemptionRecord>> {
    let v = village_for(user, village)?;
    Ok(state.store.point_redemptions(v.as_str(), None, 200).await?)
}
