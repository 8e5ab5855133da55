//! Points as a linked resident meets them: their balance and movements, their own entries,
//! what is on public notice in their village (to appeal), the shop, and the posted lists with
//! other people's names masked.

use super::super::{not_found, Result};
use super::{masked_for, month_list, ranking, resident_village, rule_book, MonthList, Ranking};
use crate::state::AppState;
use zhili_domain::points::{Catalogue, EntryState};
use zhili_store::{
    EntryQuery, GoodsRecord, LedgerRecord, PointAccount, PointEntryRecord, RedemptionRecord,
    ResidentRecord,
};

pub struct ResidentPoints {
    pub person_id: i64,
    pub village_code: String,
    pub account: Option<PointAccount>,
    pub ledger: Vec<LedgerRecord>,
    pub own: Vec<PointEntryRecord>,
    /// The village's entries on notice or under appeal, names masked but the resident's own.
    pub on_notice: Vec<PointEntryRecord>,
    pub rules: Option<Catalogue>,
    pub goods: Vec<GoodsRecord>,
    pub redemptions: Vec<RedemptionRecord>,
    /// Months posted, newest first.
    pub months: Vec<String>,
}

pub async fn page(state: &AppState, res: &ResidentRecord) -> Result<ResidentPoints> {
    let (person, village) = resident_village(res)?;
    let v = village.to_string();
    let query = |states: Vec<EntryState>, person_id: Option<i64>| EntryQuery {
        prefix: v.clone(),
        grid_prefixes: None,
        states,
        person_id,
        before_id: None,
        limit: 100,
    };
    let mut on_notice = state
        .store
        .point_entries(&query(vec![EntryState::Notice, EntryState::Appealed], None))
        .await?;
    for e in &mut on_notice {
        e.person_name = masked_for(person, e.entry.person_id, &e.person_name);
        // What someone else's entry says about them, and who put it forward, is the
        // village's; the notice shows the item and the points.
        if e.entry.person_id != person {
            e.entry.note.clear();
            e.entry.requested_by.clear();
            e.appeal = None;
            e.appealed_by = None;
        }
    }
    Ok(ResidentPoints {
        person_id: person,
        account: state.store.point_account(person).await?,
        ledger: state.store.point_ledger(person, 50).await?,
        own: state
            .store
            .point_entries(&query(vec![], Some(person)))
            .await?,
        on_notice,
        rules: rule_book(state, &v).await.ok().map(|b| b.catalogue),
        goods: state
            .store
            .point_goods(&v)
            .await?
            .into_iter()
            .filter(|g| g.active)
            .collect(),
        redemptions: state.store.point_redemptions(&v, Some(person), 50).await?,
        months: state
            .store
            .point_publications(&v)
            .await?
            .into_iter()
            .map(|(m, _)| m)
            .collect(),
        village_code: v,
    })
}

/// A posted month of the resident's village (not a preview), names masked but their own.
pub async fn resident_month(
    state: &AppState,
    res: &ResidentRecord,
    month: &str,
) -> Result<MonthList> {
    let (person, village) = resident_village(res)?;
    let mut list = month_list(state, &village, month).await?;
    if list.published_at.is_none() {
        return Err(not_found("month", format!("{month} is not posted")));
    }
    for r in &mut list.rows {
        r.person_name = masked_for(person, r.person_id, &r.person_name);
    }
    Ok(list)
}

/// The quarter's ranking of the resident's village, names masked but their own.
pub async fn resident_ranking(
    state: &AppState,
    res: &ResidentRecord,
    quarter: &str,
) -> Result<Ranking> {
    let (person, village) = resident_village(res)?;
    let mut r = ranking(state, &village, quarter).await?;
    for row in &mut r.rows {
        row.person_name = masked_for(person, row.person_id, &row.person_name);
    }
    Ok(r)
}
