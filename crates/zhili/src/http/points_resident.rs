//! `/api/v1/resident/points/…`: a linked resident's points — their balance and movements,
//! their claims, what is on notice in their village (to appeal), the shop, the posted months
//! and the quarter's ranking with other people's names masked.

use super::error::{ApiResult, Json, Path, Query};
use super::points::{
    entry_view, goods_view, ledger_view, redemption_view, region_name, GoodsView, PointsAppealBody,
    PointsEntryView, PointsLedgerView, RedemptionView,
};
use super::residents::CurrentResident;
use crate::state::AppState;
use crate::usecase::points::spec::CatalogueSpec;
use crate::usecase::points::{self as uc, MonthList, Ranking};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

type Err = super::error::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct ResidentPointsView {
    pub village_code: String,
    pub village_name: String,
    pub balance: i64,
    pub earned: i64,
    pub spent: i64,
    /// Their movements, newest first.
    pub ledger: Vec<PointsLedgerView>,
    /// Their own entries, newest first.
    pub own: Vec<PointsEntryView>,
    /// The village's entries on public notice (names masked, but their own): appeal within
    /// the notice.
    pub on_notice: Vec<PointsEntryView>,
    /// The items they may claim themselves.
    pub claimable: Vec<crate::usecase::points::spec::ItemSpec>,
    pub goods: Vec<GoodsView>,
    pub redemptions: Vec<RedemptionView>,
    /// The months posted, newest first.
    pub months: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/resident/points", tag = "residents", security(("resident" = [])),
    responses((status = 200, body = ResidentPointsView),
              (status = 403, body = Err, description = "only residents linked to their registered person have points")))]
pub async fn resident_page(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<ResidentPointsView>> {
    let p = uc::page(&state, &r.resident).await?;
    let claimable = p
        .rules
        .as_ref()
        .map(|c| {
            CatalogueSpec::of(c)
                .items
                .into_iter()
                .filter(|i| {
                    i.awarders
                        .contains(&crate::usecase::points::spec::AwarderSpec::Resident)
                })
                .collect()
        })
        .unwrap_or_default();
    let (balance, earned, spent) = p
        .account
        .as_ref()
        .map(|a| (a.balance, a.earned, a.spent))
        .unwrap_or_default();
    Ok(axum::Json(ResidentPointsView {
        village_name: region_name(&state, &p.village_code),
        village_code: p.village_code,
        balance,
        earned,
        spent,
        ledger: p.ledger.into_iter().map(ledger_view).collect(),
        own: p.own.into_iter().map(|e| entry_view(&state, e)).collect(),
        on_notice: p
            .on_notice
            .into_iter()
            .map(|e| entry_view(&state, e))
            .collect(),
        claimable,
        goods: p.goods.into_iter().map(goods_view).collect(),
        redemptions: p
            .redemptions
            .into_iter()
            .map(|r| redemption_view(r, false))
            .collect(),
        months: p.months,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsClaimBody {
    pub item: String,
    #[schema(max_length = 500)]
    pub note: String,
    /// Their own report that earns it.
    #[schema(minimum = 1)]
    pub event_id: Option<i64>,
    #[schema(max_length = 64)]
    pub key: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/resident/points/claims", tag = "residents", request_body = PointsClaimBody, security(("resident" = [])),
    responses((status = 201, body = PointsEntryView, description = "claimed: the village approves, then posts it"),
              (status = 403, body = Err, description = "not linked, or an item residents do not claim themselves"),
              (status = 404, body = Err, description = "no rules adopted, or an event that is not their report"),
              (status = 409, body = Err), (status = 422, body = Err)))]
pub async fn resident_claim(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Json(b): Json<PointsClaimBody>,
) -> ApiResult<(StatusCode, axum::Json<PointsEntryView>)> {
    let e = uc::claim(
        &state,
        &r.resident,
        uc::Request {
            person_id: 0,
            item: b.item,
            note: b.note,
            event_id: b.event_id,
            key: b.key,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(entry_view(&state, e))))
}

#[utoipa::path(post, path = "/api/v1/resident/points/entries/{id}/appeal", tag = "residents", params(("id" = i64, Path, minimum = 1)), request_body = PointsAppealBody, security(("resident" = [])),
    responses((status = 204, description = "appealed: the village decides before anything is credited"),
              (status = 403, body = Err), (status = 404, body = Err, description = "not an entry of their village"),
              (status = 409, body = Err, description = "not on notice (or the notice is over)"), (status = 422, body = Err)))]
pub async fn resident_appeal(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Path(id): Path<i64>,
    Json(b): Json<PointsAppealBody>,
) -> ApiResult<StatusCode> {
    uc::appeal_as_resident(&state, &r.resident, id, &b.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentRedeemBody {
    #[schema(minimum = 1)]
    pub goods_id: i64,
    #[schema(min_length = 8, max_length = 64)]
    pub key: String,
}

#[utoipa::path(post, path = "/api/v1/resident/points/redemptions", tag = "residents", request_body = ResidentRedeemBody, security(("resident" = [])),
    responses((status = 201, body = RedemptionView, description = "paid (a repeated key answers the redemption it paid, replay true)"),
              (status = 403, body = Err), (status = 404, body = Err, description = "no such goods in their village's shop"),
              (status = 409, body = Err, description = "not enough points, out of stock, or off the shelf: nothing was taken"),
              (status = 422, body = Err)))]
pub async fn resident_redeem(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Json(b): Json<ResidentRedeemBody>,
) -> ApiResult<(StatusCode, axum::Json<RedemptionView>)> {
    let x = uc::redeem_own(&state, &r.resident, b.goods_id, &b.key).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(redemption_view(x.redemption, x.replay)),
    ))
}

#[utoipa::path(get, path = "/api/v1/resident/points/months/{month}", tag = "residents", params(("month" = String, Path, pattern = "^[0-9]{4}-[0-9]{2}$")), security(("resident" = [])),
    responses((status = 200, body = MonthList, description = "a posted month of their village, names masked but their own"),
              (status = 403, body = Err), (status = 404, body = Err, description = "not posted"), (status = 422, body = Err)))]
pub async fn resident_month(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Path(month): Path<String>,
) -> ApiResult<axum::Json<MonthList>> {
    Ok(axum::Json(
        uc::resident_month(&state, &r.resident, &month).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/resident/points/rankings/{quarter}", tag = "residents", params(("quarter" = String, Path, pattern = "^[0-9]{4}-Q[1-4]$")), security(("resident" = [])),
    responses((status = 200, body = Ranking, description = "their village's ranking, names masked but their own"),
              (status = 403, body = Err), (status = 422, body = Err)))]
pub async fn resident_ranking(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Path(quarter): Path<String>,
) -> ApiResult<axum::Json<Ranking>> {
    Ok(axum::Json(
        uc::resident_ranking(&state, &r.resident, &quarter).await?,
    ))
}
