//! `/api/v1/mediation`: people's mediation (人民调解) — committees, rooms with their stars and
//! mediators of the caller's area; cases opened (from a dispute event in one step), listed,
//! read with their timeline and the steps the caller may take, and stepped through the
//! statute's machine (`step` names the step and which other fields apply).

pub mod cases;
pub mod documents;
pub mod stars;
pub mod stats;
pub mod steps;

use super::error::{ApiError, ApiResult, Query};
use super::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::mediation::{self as m, Referral, Status};
use zhili_domain::ErrorCode;

pub(super) fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::field(ErrorCode::InvalidParameter, field, message)
}

pub(super) fn time(ms: i64) -> String {
    zhili_domain::time::rfc3339(ms)
}

#[derive(Serialize, ToSchema)]
pub struct CommitteeView {
    pub id: i64,
    pub name: String,
    /// village, town, district, trade
    pub kind: String,
    pub kind_label: String,
    pub trade: Option<String>,
    pub region_code: String,
    pub region_name: String,
    pub rooms: i64,
    pub mediators: i64,
    pub open_cases: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StarView {
    pub year: i64,
    pub stars: i64,
    pub score: Option<f64>,
    pub decided_by: String,
    pub decided_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoomView {
    pub id: i64,
    pub name: String,
    pub committee_id: i64,
    pub committee_name: String,
    pub region_code: String,
    pub region_name: String,
    /// 0 (not rated) to 5.
    pub stars: i64,
    pub history: Vec<StarView>,
}

#[derive(Serialize, ToSchema)]
pub struct MediatorView {
    pub id: i64,
    pub name: String,
    pub committee_id: i64,
    pub committee_name: String,
    pub grade: String,
    pub grade_label: String,
    pub specialities: Vec<String>,
    pub region_code: String,
    pub full_time: bool,
    /// The account they sign in with, if any.
    pub username: Option<String>,
    pub phone: Option<String>,
    pub open_cases: i64,
}

pub(super) fn region_name(state: &AppState, code: &str) -> String {
    state.index().names.get(code).cloned().unwrap_or_default()
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BodiesQuery {
    #[param(minimum = 1)]
    pub committee_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/mediation/committees", tag = "mediation", security(("bearer" = [])),
    responses((status = 200, body = [CommitteeView])))]
pub async fn committees(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<CommitteeView>>> {
    let list = state.store.committees(&user.user.scope()).await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|c| CommitteeView {
                id: c.id,
                region_name: region_name(&state, c.region_code.as_str()),
                name: c.name,
                kind: c.kind.as_str().into(),
                kind_label: c.kind.label_zh().into(),
                trade: c.trade,
                region_code: c.region_code.to_string(),
                rooms: c.rooms,
                mediators: c.mediators,
                open_cases: c.open_cases,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/mediation/rooms", tag = "mediation", params(BodiesQuery), security(("bearer" = [])),
    responses((status = 200, body = [RoomView])))]
pub async fn rooms(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<BodiesQuery>,
) -> ApiResult<axum::Json<Vec<RoomView>>> {
    let committee = positive("committee_id", q.committee_id)?;
    let list = state.store.rooms(&user.user.scope(), committee).await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|r| RoomView {
                id: r.id,
                region_name: region_name(&state, r.region_code.as_str()),
                name: r.name,
                committee_id: r.committee_id,
                committee_name: r.committee_name,
                region_code: r.region_code.to_string(),
                stars: r.stars,
                history: r
                    .history
                    .into_iter()
                    .map(|s| StarView {
                        year: s.year,
                        stars: s.stars,
                        score: s.score,
                        decided_by: s.decided_by,
                        decided_at: time(s.decided_at),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/mediation/mediators", tag = "mediation", params(BodiesQuery), security(("bearer" = [])),
    responses((status = 200, body = [MediatorView])))]
pub async fn mediators(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<BodiesQuery>,
) -> ApiResult<axum::Json<Vec<MediatorView>>> {
    let committee = positive("committee_id", q.committee_id)?;
    let list = state
        .store
        .mediators(&user.user.scope(), committee, true)
        .await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|r| MediatorView {
                id: r.id,
                committee_id: r.committee_id,
                committee_name: r.committee_name,
                grade: r.mediator.grade.as_str().into(),
                grade_label: r.mediator.grade.label_zh().into(),
                region_code: r.mediator.region_code.to_string(),
                name: r.mediator.name,
                specialities: r.mediator.specialities,
                full_time: r.mediator.full_time,
                username: r.mediator.username,
                phone: r.mediator.phone_masked,
                open_cases: r.open_cases,
            })
            .collect(),
    ))
}

pub(super) fn statuses(raw: Option<&str>) -> ApiResult<Vec<Status>> {
    let Some(raw) = raw else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    for s in raw.split(',') {
        if s == "open" {
            out.extend(Status::ALL.into_iter().filter(|s| s.is_open()));
            continue;
        }
        out.push(
            Status::parse(s)
                .ok_or_else(|| bad("status", format!("{s:?} is not a case status (or open)")))?,
        );
    }
    Ok(out)
}

/// Where a day (`YYYY-MM-DD`, Beijing time) starts, as Unix ms.
pub(super) fn day_start(field: &str, raw: &str) -> ApiResult<i64> {
    zhili_domain::time::parse_date(raw)
        .map(|day| day * zhili_domain::calendar::DAY_MS - 8 * 3_600_000)
        .ok_or_else(|| bad(field, "a day of the calendar, YYYY-MM-DD"))
}

/// An id that, when given, is positive.
pub(super) fn positive(field: &str, v: Option<i64>) -> ApiResult<Option<i64>> {
    match v {
        Some(n) if n < 1 => Err(bad(field, "an id is 1 or more")),
        _ => Ok(v),
    }
}

#[derive(Serialize, ToSchema)]
pub struct Vocabulary {
    pub statuses: Vec<super::situations::Coded>,
    pub origins: Vec<super::situations::Coded>,
    pub referrals: Vec<super::situations::Coded>,
    pub grades: Vec<super::situations::Coded>,
    pub committee_kinds: Vec<super::situations::Coded>,
    /// The dispute categories (those that open cases).
    pub categories: Vec<super::situations::Coded>,
}

#[utoipa::path(get, path = "/api/v1/mediation/vocabulary", tag = "mediation", security(("bearer" = [])),
    responses((status = 200, body = Vocabulary)))]
pub async fn vocabulary(
    State(state): State<Arc<AppState>>,
    _user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<Vocabulary>> {
    use super::situations::Coded;
    let coded = |code: &str, label: &str| Coded {
        code: code.into(),
        label: label.into(),
    };
    let reference = state.reference();
    let mut categories: Vec<Coded> = reference
        .categories
        .values()
        .filter(|c| c.opens_dispute)
        .map(|c| coded(&c.code, &c.minor))
        .collect();
    categories.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(axum::Json(Vocabulary {
        statuses: Status::ALL
            .iter()
            .map(|s| coded(s.as_str(), s.label_zh()))
            .collect(),
        origins: m::Origin::ALL
            .iter()
            .map(|s| coded(s.as_str(), s.label_zh()))
            .collect(),
        referrals: [
            Referral::Litigation,
            Referral::Arbitration,
            Referral::Petition,
            Referral::Police,
        ]
        .iter()
        .map(|s| coded(s.as_str(), s.label_zh()))
        .collect(),
        grades: m::GRADES.iter().map(|(c, l)| coded(c, l)).collect(),
        committee_kinds: m::COMMITTEE_KINDS
            .iter()
            .map(|(c, l)| coded(c, l))
            .collect(),
        categories,
    }))
}

/// Mediation's time limits as officials set them.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsBody {
    /// Calendar days to settle once every party consented (the law's "一般在一个月内调结").
    #[schema(minimum = 1, maximum = 90)]
    pub settle_days: i64,
    /// Working days from performance to the follow-up visit.
    #[schema(minimum = 1, maximum = 30)]
    pub follow_up_days: i64,
    /// Most extensions of the settle deadline, each with every party's consent.
    #[schema(minimum = 0, maximum = 5)]
    pub max_extensions: i64,
}

#[derive(Serialize, ToSchema)]
pub struct LimitsView {
    /// 0: the shipped limits, never edited.
    pub version: i64,
    pub settle_days: i64,
    pub follow_up_days: i64,
    pub max_extensions: i64,
    /// The law's window for judicial confirmation (Art. 33), not a setting.
    pub confirm_window_days: i64,
}

fn limits_view(state: &AppState, version: i64, l: &m::Limits) -> LimitsView {
    use crate::usecase::mediation::limits;
    let (settle_days, follow_up_days, max_extensions) =
        limits::days(l, limits::working_day_ms(state));
    LimitsView {
        version,
        settle_days,
        follow_up_days,
        max_extensions,
        confirm_window_days: l.confirm_window_ms / zhili_domain::calendar::DAY_MS,
    }
}

#[utoipa::path(get, path = "/api/v1/mediation/limits", tag = "mediation", security(("bearer" = [])),
    responses((status = 200, body = LimitsView, description = "the limits a case opened now copies")))]
pub async fn get_limits(
    State(state): State<Arc<AppState>>,
    _user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<LimitsView>> {
    let (version, l) = crate::usecase::mediation::limits::limits(&state).await?;
    Ok(axum::Json(limits_view(&state, version, &l)))
}

#[utoipa::path(put, path = "/api/v1/mediation/limits", tag = "mediation", request_body = LimitsBody, security(("bearer" = [])),
    responses((status = 200, body = LimitsView, description = "the new version; running cases keep the limits they opened with"),
              (status = 403, body = super::error::ErrorBody)))]
pub async fn put_limits(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    super::error::Json(b): super::error::Json<LimitsBody>,
) -> ApiResult<axum::Json<LimitsView>> {
    let (version, l) = crate::usecase::mediation::limits::set_limits(
        &state,
        &user.user,
        b.settle_days,
        b.follow_up_days,
        b.max_extensions,
    )
    .await?;
    Ok(axum::Json(limits_view(&state, version, &l)))
}
