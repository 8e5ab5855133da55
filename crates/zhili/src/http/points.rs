//! `/api/v1/points/…` and `/api/v1/resident/points/…`: residents' points (积分制) — the
//! village's rule book, entries and their approval, notice and appeals, accounts, the monthly
//! list and quarterly ranking, the points shop and its redemptions.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::points::spec::CatalogueSpec;
use crate::usecase::points::{self as uc, MonthList, Ranking};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::points::EntryState;
use zhili_domain::time::rfc3339;
use zhili_domain::{ErrorCode, RegionCode};
use zhili_store::{
    CatalogueRecord, GoodsRecord, LedgerRecord, PointAccount, PointEntryRecord, RedemptionRecord,
};

type Err = super::error::ErrorBody;

pub(super) fn region_name(state: &AppState, code: &str) -> String {
    state.index().names.get(code).cloned().unwrap_or_default()
}

#[derive(Serialize, ToSchema)]
pub struct RuleBookView {
    pub village_code: String,
    pub village_name: String,
    pub version: i64,
    /// The day the village's assembly adopted it.
    pub adopted_on: String,
    /// The assembly that adopted it (村民代表大会 …).
    pub adopted_by: String,
    pub created_by: String,
    pub created_at: String,
    pub rules: CatalogueSpec,
}

fn rule_book_view(state: &AppState, b: CatalogueRecord) -> RuleBookView {
    RuleBookView {
        village_name: region_name(state, &b.village_code),
        rules: CatalogueSpec::of(&b.catalogue),
        village_code: b.village_code,
        version: b.version,
        adopted_on: b.adopted_on,
        adopted_by: b.adopted_by,
        created_by: b.created_by,
        created_at: rfc3339(b.created_at),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VillageQuery {
    /// The village (the caller's own when absent).
    #[param(pattern = "^[0-9]{12}$")]
    pub village_code: Option<String>,
}

fn village_param(v: &Option<String>) -> ApiResult<Option<RegionCode>> {
    v.as_deref()
        .map(|c| {
            RegionCode::parse(c).map_err(|_| {
                ApiError::field(
                    ErrorCode::InvalidParameter,
                    "village_code",
                    "a village's 12-digit code",
                )
            })
        })
        .transpose()
}

#[utoipa::path(get, path = "/api/v1/points/template", tag = "points", security(("bearer" = [])),
    responses((status = 200, body = CatalogueSpec, description = "the district's model rule book a village starts from")))]
pub async fn template(
    _user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<CatalogueSpec>> {
    Ok(axum::Json(uc::spec::template()))
}

#[utoipa::path(get, path = "/api/v1/points/rules", tag = "points", params(VillageQuery), security(("bearer" = [])),
    responses((status = 200, body = [RuleBookView], description = "the village's rule book, every version, the one in force first (empty before it adopts one)"),
              (status = 403, body = Err), (status = 404, body = Err, description = "a village outside the caller's area"),
              (status = 422, body = Err)))]
pub async fn rules(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<VillageQuery>,
) -> ApiResult<axum::Json<Vec<RuleBookView>>> {
    let all = uc::rule_books(&state, &user.user, village_param(&q.village_code)?.as_ref()).await?;
    Ok(axum::Json(
        all.into_iter().map(|b| rule_book_view(&state, b)).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptBody {
    pub rules: CatalogueSpec,
    /// YYYY-MM-DD
    pub adopted_on: String,
    #[schema(max_length = 60)]
    pub adopted_by: String,
}

#[utoipa::path(post, path = "/api/v1/points/rules", tag = "points", request_body = AdoptBody, security(("bearer" = [])),
    responses((status = 201, body = RuleBookView, description = "a new version in force from now; entries keep the version they were made under"),
              (status = 403, body = Err, description = "the village's station records its rules"),
              (status = 422, body = Err, description = "every problem of the rule book with its field")))]
pub async fn adopt(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<AdoptBody>,
) -> ApiResult<(StatusCode, axum::Json<RuleBookView>)> {
    let book = uc::adopt(&state, &user.user, &b.rules, &b.adopted_on, &b.adopted_by).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(rule_book_view(&state, book)),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PointsEntryView {
    pub id: i64,
    pub village_code: String,
    pub person_id: i64,
    pub person_name: String,
    pub grid_code: String,
    pub grid_name: String,
    pub item_code: String,
    pub item_name: String,
    pub category: String,
    pub points: i64,
    /// awaiting_event, pending, notice, appealed, credited, rejected or voided
    pub state: String,
    pub state_label: String,
    /// award (by staff), claim (by the resident), report (a resident's verified report)
    pub origin: String,
    pub note: String,
    pub event_id: Option<i64>,
    pub requested_by: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    /// The end of the public notice (公示), once approved.
    pub notice_ends: Option<String>,
    pub appeal: Option<String>,
    pub appealed_by: Option<String>,
    pub appealed_at: Option<String>,
    pub appeal_answer: Option<String>,
    pub credited_at: Option<String>,
}

pub(super) fn entry_view(state: &AppState, e: PointEntryRecord) -> PointsEntryView {
    PointsEntryView {
        id: e.id,
        grid_name: region_name(state, &e.grid_code),
        village_code: e.entry.village_code,
        person_id: e.entry.person_id,
        person_name: e.person_name,
        grid_code: e.grid_code,
        item_code: e.entry.item_code,
        item_name: e.entry.item_name,
        category: e.entry.category,
        points: e.entry.points,
        state: e.entry.state.as_str().into(),
        state_label: e.entry.state.label_zh().into(),
        origin: e.entry.origin,
        note: e.entry.note,
        event_id: e.entry.event_id,
        requested_by: e.entry.requested_by,
        requested_at: rfc3339(e.requested_at),
        decided_by: e.decided_by,
        decided_at: e.decided_at.map(rfc3339),
        decision_note: e.decision_note,
        notice_ends: e.notice_ends.map(rfc3339),
        appeal: e.appeal,
        appealed_by: e.appealed_by,
        appealed_at: e.appealed_at.map(rfc3339),
        appeal_answer: e.appeal_answer,
        credited_at: e.credited_at.map(rfc3339),
    }
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum EntryStateParam {
    AwaitingEvent,
    Pending,
    Notice,
    Appealed,
    Credited,
    Rejected,
    Voided,
}

impl EntryStateParam {
    fn domain(self) -> EntryState {
        match self {
            EntryStateParam::AwaitingEvent => EntryState::AwaitingEvent,
            EntryStateParam::Pending => EntryState::Pending,
            EntryStateParam::Notice => EntryState::Notice,
            EntryStateParam::Appealed => EntryState::Appealed,
            EntryStateParam::Credited => EntryState::Credited,
            EntryStateParam::Rejected => EntryState::Rejected,
            EntryStateParam::Voided => EntryState::Voided,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    #[param(pattern = "^[0-9]{12}$")]
    pub village_code: Option<String>,
    #[param(inline)]
    pub state: Option<EntryStateParam>,
    #[param(minimum = 1)]
    pub person_id: Option<i64>,
    /// Older than this entry (the next page).
    #[param(minimum = 1)]
    pub before_id: Option<i64>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/points/entries", tag = "points", params(EntriesQuery), security(("bearer" = [])),
    responses((status = 200, body = [PointsEntryView], description = "entries in the caller's area (a grid worker: of their grid's people), newest first"),
              (status = 403, body = Err), (status = 404, body = Err), (status = 422, body = Err)))]
pub async fn entries(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<EntriesQuery>,
) -> ApiResult<axum::Json<Vec<PointsEntryView>>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "limit",
            "1 to 500",
        ));
    }
    for (field, v) in [("person_id", q.person_id), ("before_id", q.before_id)] {
        if v.is_some_and(|v| v < 1) {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                field,
                "a positive id",
            ));
        }
    }
    let all = uc::entries(
        &state,
        &user.user,
        uc::EntryFilter {
            village_code: village_param(&q.village_code)?,
            state: q.state.map(EntryStateParam::domain),
            person_id: q.person_id,
            before_id: q.before_id,
            limit,
        },
    )
    .await?;
    Ok(axum::Json(
        all.into_iter().map(|e| entry_view(&state, e)).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardBody {
    #[schema(minimum = 1)]
    pub person_id: i64,
    /// The item's code in the village's rules.
    pub item: String,
    /// What was done, where, with whom (the evidence).
    #[schema(max_length = 500)]
    pub note: String,
    /// The event that earns it (a reported hazard, a patrol finding).
    #[schema(minimum = 1)]
    pub event_id: Option<i64>,
    /// The caller's key: sent twice, the entry is made once.
    #[schema(max_length = 64)]
    pub key: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/points/entries", tag = "points", request_body = AwardBody, security(("bearer" = [])),
    responses((status = 201, body = PointsEntryView, description = "put forward: waiting for the village's approval (or for its event's verification); a repeated key answers the entry it made"),
              (status = 403, body = Err, description = "not the village's station or grid workers, or the rules do not let this role give this item"),
              (status = 404, body = Err, description = "no rules adopted, or an event outside the caller's area"),
              (status = 409, body = Err, description = "the event has earned this item already"),
              (status = 422, body = Err, description = "an item not in the rules, a person not of the village or grid, a cap reached, no event for an item that needs one")))]
pub async fn award(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<AwardBody>,
) -> ApiResult<(StatusCode, axum::Json<PointsEntryView>)> {
    let e = uc::award(
        &state,
        &user.user,
        uc::Request {
            person_id: b.person_id,
            item: b.item,
            note: b.note,
            event_id: b.event_id,
            key: b.key,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(entry_view(&state, e))))
}

#[utoipa::path(get, path = "/api/v1/points/entries/{id}", tag = "points", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = PointsEntryView), (status = 403, body = Err), (status = 404, body = Err)))]
pub async fn entry(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<PointsEntryView>> {
    Ok(axum::Json(entry_view(
        &state,
        uc::entry(&state, &user.user, id).await?,
    )))
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum PointsDecisionKind {
    /// Approved: on public notice from now.
    Approve,
    Reject,
    /// The appeal holds: the entry is withdrawn.
    UpholdAppeal,
    /// The appeal does not hold: back on notice, credited when the notice ends.
    DismissAppeal,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsDecisionBody {
    pub decision: PointsDecisionKind,
    /// Required to reject or to decide an appeal.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/points/entries/{id}/decision", tag = "points", params(("id" = i64, Path, minimum = 1)), request_body = PointsDecisionBody, security(("bearer" = [])),
    responses((status = 200, body = PointsEntryView, description = "decided"),
              (status = 403, body = Err, description = "the village's station decides"),
              (status = 404, body = Err),
              (status = 409, body = Err, description = "invalid_transition: not a decision for the entry's state; conflict: someone decided first"),
              (status = 422, body = Err, description = "a reason is needed")))]
pub async fn decide(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<PointsDecisionBody>,
) -> ApiResult<axum::Json<PointsEntryView>> {
    if let Some(r) = &b.reason {
        zhili_domain::text::note("reason", r, 500).map_err(ApiError::from)?;
    }
    let reason = || {
        b.reason
            .clone()
            .ok_or_else(|| ApiError::field(ErrorCode::InvalidParameter, "reason", "say why"))
    };
    let d = match b.decision {
        PointsDecisionKind::Approve => uc::Decision::Approve,
        PointsDecisionKind::Reject => uc::Decision::Reject { reason: reason()? },
        PointsDecisionKind::UpholdAppeal => uc::Decision::UpholdAppeal { answer: reason()? },
        PointsDecisionKind::DismissAppeal => uc::Decision::DismissAppeal { answer: reason()? },
    };
    let e = uc::decide(&state, &user.user, id, d).await?;
    Ok(axum::Json(entry_view(&state, e)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsAppealBody {
    #[schema(max_length = 500)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/points/entries/{id}/appeal", tag = "points", params(("id" = i64, Path, minimum = 1)), request_body = PointsAppealBody, security(("bearer" = [])),
    responses((status = 200, body = PointsEntryView, description = "appealed: not credited until the village decides"),
              (status = 403, body = Err, description = "appeals come from the village"),
              (status = 404, body = Err),
              (status = 409, body = Err, description = "not on notice (or the notice is over)"),
              (status = 422, body = Err)))]
pub async fn appeal(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<PointsAppealBody>,
) -> ApiResult<axum::Json<PointsEntryView>> {
    let e = uc::appeal_as_staff(&state, &user.user, id, &b.reason).await?;
    Ok(axum::Json(entry_view(&state, e)))
}

#[derive(Serialize, ToSchema)]
pub struct PointsAccountView {
    pub person_id: i64,
    pub person_name: String,
    pub grid_code: String,
    pub grid_name: String,
    pub balance: i64,
    /// Credited awards in all.
    pub earned: i64,
    pub deducted: i64,
    pub spent: i64,
    pub expired: i64,
}

fn account_view(state: &AppState, a: PointAccount) -> PointsAccountView {
    PointsAccountView {
        grid_name: region_name(state, &a.grid_code),
        person_id: a.person_id,
        person_name: a.person_name,
        grid_code: a.grid_code,
        balance: a.balance,
        earned: a.earned,
        deducted: a.deducted,
        spent: a.spent,
        expired: a.expired,
    }
}

#[utoipa::path(get, path = "/api/v1/points/accounts", tag = "points", params(VillageQuery), security(("bearer" = [])),
    responses((status = 200, body = [PointsAccountView], description = "the village's accounts, highest balance first (a grid worker: their grid's)"),
              (status = 403, body = Err), (status = 404, body = Err), (status = 422, body = Err)))]
pub async fn accounts(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<VillageQuery>,
) -> ApiResult<axum::Json<Vec<PointsAccountView>>> {
    let all = uc::accounts(&state, &user.user, village_param(&q.village_code)?.as_ref()).await?;
    Ok(axum::Json(
        all.into_iter().map(|a| account_view(&state, a)).collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PointsLedgerView {
    pub id: i64,
    /// award, deduct, redeem or expire
    pub kind: String,
    pub amount: i64,
    /// What was asked (a deduction takes no more than the balance holds).
    pub asked: i64,
    pub balance_after: i64,
    pub entry_id: Option<i64>,
    pub redemption_id: Option<i64>,
    pub expires_at: Option<String>,
    pub at: String,
    pub by: String,
}

pub(super) fn ledger_view(l: LedgerRecord) -> PointsLedgerView {
    PointsLedgerView {
        id: l.id,
        kind: l.kind,
        amount: l.amount,
        asked: l.asked,
        balance_after: l.balance_after,
        entry_id: l.entry_id,
        redemption_id: l.redemption_id,
        expires_at: l.expires_at.map(rfc3339),
        at: rfc3339(l.at),
        by: l.by,
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountDetail {
    /// None until the person's first entry is credited.
    pub account: Option<PointsAccountView>,
    /// Newest first.
    pub ledger: Vec<PointsLedgerView>,
}

#[utoipa::path(get, path = "/api/v1/points/accounts/{person_id}", tag = "points", params(("person_id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = AccountDetail), (status = 403, body = Err), (status = 404, body = Err, description = "a person outside the caller's area")))]
pub async fn account(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(person_id): Path<i64>,
) -> ApiResult<axum::Json<AccountDetail>> {
    let (a, ledger) = uc::account_of(&state, &user.user, person_id).await?;
    Ok(axum::Json(AccountDetail {
        account: a.map(|a| account_view(&state, a)),
        ledger: ledger.into_iter().map(ledger_view).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/points/months/{month}", tag = "points", params(("month" = String, Path, pattern = "^[0-9]{4}-[0-9]{2}$"), VillageQuery), security(("bearer" = [])),
    responses((status = 200, body = MonthList, description = "the month as posted, or its figures as they stand (a preview, published_at empty)"),
              (status = 403, body = Err), (status = 404, body = Err), (status = 422, body = Err)))]
pub async fn month(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(month): Path<String>,
    Query(q): Query<VillageQuery>,
) -> ApiResult<axum::Json<MonthList>> {
    let v = uc::village_for(&user.user, village_param(&q.village_code)?.as_ref())?;
    Ok(axum::Json(uc::month_list(&state, &v, &month).await?))
}

#[utoipa::path(post, path = "/api/v1/points/months/{month}/publication", tag = "points", params(("month" = String, Path, pattern = "^[0-9]{4}-[0-9]{2}$")), security(("bearer" = [])),
    responses((status = 201, body = MonthList, description = "posted to the village's residents, frozen"),
              (status = 403, body = Err, description = "the village's station posts"),
              (status = 409, body = Err, description = "posted already"),
              (status = 422, body = Err, description = "not a month, or the month is not over")))]
pub async fn publish(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(month): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<MonthList>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::publish_month(&state, &user.user, &month).await?),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PublicationView {
    pub month: String,
    pub published_at: String,
}

#[utoipa::path(get, path = "/api/v1/points/publications", tag = "points", params(VillageQuery), security(("bearer" = [])),
    responses((status = 200, body = [PublicationView], description = "the months posted, newest first"),
              (status = 403, body = Err), (status = 404, body = Err), (status = 422, body = Err)))]
pub async fn publications(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<VillageQuery>,
) -> ApiResult<axum::Json<Vec<PublicationView>>> {
    let all =
        uc::publications(&state, &user.user, village_param(&q.village_code)?.as_ref()).await?;
    Ok(axum::Json(
        all.into_iter()
            .map(|(month, at)| PublicationView {
                month,
                published_at: rfc3339(at),
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/points/rankings/{quarter}", tag = "points", params(("quarter" = String, Path, pattern = "^[0-9]{4}-Q[1-4]$"), VillageQuery), security(("bearer" = [])),
    responses((status = 200, body = Ranking, description = "the village's people by points earned in the quarter; ties share a rank"),
              (status = 403, body = Err), (status = 404, body = Err), (status = 422, body = Err)))]
pub async fn ranking(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(quarter): Path<String>,
    Query(q): Query<VillageQuery>,
) -> ApiResult<axum::Json<Ranking>> {
    let v = uc::village_for(&user.user, village_param(&q.village_code)?.as_ref())?;
    Ok(axum::Json(uc::ranking(&state, &v, &quarter).await?))
}

#[derive(Serialize, ToSchema)]
pub struct GoodsView {
    pub id: i64,
    pub village_code: String,
    pub name: String,
    pub price: i64,
    pub stock: i64,
    /// Where the money for it comes from (村集体经济, 乡贤捐赠 …).
    pub funding: String,
    pub active: bool,
    pub redeemed: i64,
}

pub(super) fn goods_view(g: GoodsRecord) -> GoodsView {
    GoodsView {
        id: g.id,
        village_code: g.goods.village_code,
        name: g.goods.name,
        price: g.goods.price,
        stock: g.goods.stock,
        funding: g.goods.funding,
        active: g.active,
        redeemed: g.redeemed,
    }
}

#[utoipa::path(get, path = "/api/v1/points/goods", tag = "points", params(VillageQuery), security(("bearer" = [])),
    responses((status = 200, body = [GoodsView], description = "the village's shop"),
              (status = 403, body = Err), (status = 404, body = Err), (status = 422, body = Err)))]
pub async fn goods(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<VillageQuery>,
) -> ApiResult<axum::Json<Vec<GoodsView>>> {
    let v = uc::village_for(&user.user, village_param(&q.village_code)?.as_ref())?;
    let all = uc::goods(&state, v.as_str()).await?;
    Ok(axum::Json(all.into_iter().map(goods_view).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoodsBody {
    #[schema(max_length = 40)]
    pub name: String,
    #[schema(minimum = 1, maximum = 100000)]
    pub price: i64,
    #[schema(minimum = 0, maximum = 1000000)]
    pub stock: i64,
    #[schema(max_length = 60)]
    pub funding: String,
}

#[utoipa::path(post, path = "/api/v1/points/goods", tag = "points", request_body = GoodsBody, security(("bearer" = [])),
    responses((status = 201, body = GoodsView), (status = 403, body = Err, description = "the village's station keeps the shop"),
              (status = 422, body = Err, description = "every problem with its field")))]
pub async fn add_goods(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<GoodsBody>,
) -> ApiResult<(StatusCode, axum::Json<GoodsView>)> {
    let g = uc::add_goods(&state, &user.user, &b.name, b.price, b.stock, &b.funding).await?;
    Ok((StatusCode::CREATED, axum::Json(goods_view(g))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockBody {
    /// Added to the stock (negative to correct it down, never below zero).
    #[schema(minimum = -1000000, maximum = 1000000)]
    pub add: i64,
    /// On the shelf.
    pub active: bool,
}

#[utoipa::path(post, path = "/api/v1/points/goods/{id}/stock", tag = "points", params(("id" = i64, Path, minimum = 1)), request_body = StockBody, security(("bearer" = [])),
    responses((status = 200, body = GoodsView), (status = 403, body = Err), (status = 404, body = Err),
              (status = 422, body = Err, description = "the stock would go below zero")))]
pub async fn restock(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<StockBody>,
) -> ApiResult<axum::Json<GoodsView>> {
    Ok(axum::Json(goods_view(
        uc::restock(&state, &user.user, id, b.add, b.active).await?,
    )))
}

#[derive(Serialize, ToSchema)]
pub struct RedemptionView {
    pub id: i64,
    pub goods_id: i64,
    pub goods_name: String,
    pub person_id: i64,
    pub person_name: String,
    pub price: i64,
    pub at: String,
    pub by: String,
    /// The person's balance now.
    pub balance: i64,
    /// This request repeated an earlier one with the same key: nothing was paid twice.
    pub replay: bool,
}

pub(super) fn redemption_view(r: RedemptionRecord, replay: bool) -> RedemptionView {
    RedemptionView {
        id: r.id,
        goods_id: r.goods_id,
        goods_name: r.goods_name,
        person_id: r.person_id,
        person_name: r.person_name,
        price: r.price,
        at: rfc3339(r.at),
        by: r.by,
        balance: r.balance,
        replay,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemBody {
    #[schema(minimum = 1)]
    pub person_id: i64,
    #[schema(minimum = 1)]
    pub goods_id: i64,
    /// The caller's key for this redemption (8–64 characters): the same key never pays twice.
    #[schema(min_length = 8, max_length = 64)]
    pub key: String,
}

#[utoipa::path(post, path = "/api/v1/points/redemptions", tag = "points", request_body = RedeemBody, security(("bearer" = [])),
    responses((status = 201, body = RedemptionView, description = "paid (or, with a key used before, the redemption it paid, replay true)"),
              (status = 403, body = Err, description = "the village's station redeems at its counter"),
              (status = 404, body = Err, description = "no such goods in the village's shop"),
              (status = 409, body = Err, description = "not enough points, out of stock, or off the shelf: nothing was taken"),
              (status = 422, body = Err, description = "a person not of the village, a bad key")))]
pub async fn redeem(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<RedeemBody>,
) -> ApiResult<(StatusCode, axum::Json<RedemptionView>)> {
    let r = uc::redeem_for(&state, &user.user, b.person_id, b.goods_id, &b.key).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(redemption_view(r.redemption, r.replay)),
    ))
}

#[utoipa::path(get, path = "/api/v1/points/redemptions", tag = "points", params(VillageQuery), security(("bearer" = [])),
    responses((status = 200, body = [RedemptionView], description = "the village's redemptions, newest first"),
              (status = 403, body = Err), (status = 404, body = Err), (status = 422, body = Err)))]
pub async fn redemptions(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<VillageQuery>,
) -> ApiResult<axum::Json<Vec<RedemptionView>>> {
    let all = uc::redemptions(&state, &user.user, village_param(&q.village_code)?.as_ref()).await?;
    Ok(axum::Json(
        all.into_iter().map(|r| redemption_view(r, false)).collect(),
    ))
}
