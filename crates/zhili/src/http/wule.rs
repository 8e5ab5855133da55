//! `/api/v1/wule/…`: 五乐社区 — the scheme, a village's annual self-assessment and its town's
//! review, the year's results ranked (and on the map).

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::wule::{self as uc, WuleAdjustment, WuleScore};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::time::rfc3339;
use zhili_domain::wule::{grade, State as WuleState};
use zhili_domain::{ErrorCode, Level, RegionCode};
use zhili_store::WuleRecord;

type Err = super::error::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct WuleItemView {
    pub key: String,
    pub text: String,
    pub max: i64,
}

#[derive(Serialize, ToSchema)]
pub struct WuleDimensionView {
    pub key: String,
    /// 乐学养心, 乐居舒心, 乐业安心, 乐善暖心, 乐和齐心
    pub name: String,
    pub items: Vec<WuleItemView>,
}

#[derive(Serialize, ToSchema)]
pub struct WuleSchemeView {
    pub dimensions: Vec<WuleDimensionView>,
}

#[utoipa::path(get, path = "/api/v1/wule/scheme", tag = "wule", security(("bearer" = [])),
    responses((status = 200, body = WuleSchemeView, description = "the five dimensions and their items, adding up to 100")))]
pub async fn scheme(
    _user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<WuleSchemeView>> {
    let s = uc::scheme();
    Ok(axum::Json(WuleSchemeView {
        dimensions: s
            .dimensions
            .into_iter()
            .map(|d| WuleDimensionView {
                key: d.key,
                name: d.name,
                items: d
                    .items
                    .into_iter()
                    .map(|c| WuleItemView {
                        key: c.key,
                        text: c.text,
                        max: c.max,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct WuleEvaluationView {
    pub village_code: String,
    pub village_name: String,
    pub town_name: String,
    pub year: i64,
    /// draft, submitted, returned or reviewed
    pub state: String,
    pub state_label: String,
    pub scores: Vec<WuleScore>,
    pub self_total: i64,
    /// The town's changes, each with its reason.
    pub adjustments: Vec<WuleAdjustment>,
    /// Once reviewed.
    pub final_total: Option<i64>,
    /// Once reviewed: 五乐示范社区 (≥ 90), 五乐达标社区 (≥ 80), 基本达标 (≥ 60) or 未达标.
    pub grade: Option<String>,
    pub review_note: Option<String>,
    pub updated_by: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
}

fn view(state: &AppState, r: WuleRecord) -> WuleEvaluationView {
    let names = &state.index().names;
    let town = r.village_code.get(..9).unwrap_or_default();
    WuleEvaluationView {
        village_name: names.get(&r.village_code).cloned().unwrap_or_default(),
        town_name: names.get(town).cloned().unwrap_or_default(),
        grade: (r.state == WuleState::Reviewed)
            .then(|| r.final_total.map(|t| grade(t).to_string()))
            .flatten(),
        village_code: r.village_code,
        year: r.year,
        state: r.state.as_str().into(),
        state_label: r.state.label_zh().into(),
        scores: r
            .scores
            .into_iter()
            .map(|s| WuleScore {
                item: s.item,
                points: s.points,
                evidence: s.evidence,
            })
            .collect(),
        self_total: r.self_total,
        adjustments: r
            .adjustments
            .into_iter()
            .map(|a| WuleAdjustment {
                item: a.item,
                points: a.points,
                reason: a.reason,
            })
            .collect(),
        final_total: r.final_total,
        review_note: r.review_note,
        updated_by: r.updated_by,
        updated_at: rfc3339(r.updated_at),
        submitted_at: r.submitted_at.map(rfc3339),
        reviewed_by: r.reviewed_by,
        reviewed_at: r.reviewed_at.map(rfc3339),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    #[param(minimum = 2000, maximum = 2100)]
    pub year: i64,
}

#[utoipa::path(get, path = "/api/v1/wule/evaluations", tag = "wule", params(YearQuery), security(("bearer" = [])),
    responses((status = 200, body = [WuleEvaluationView], description = "the year's evaluations in the caller's area, best first (reviewed ones by the town's figure ahead of the rest)"),
              (status = 403, body = Err)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<YearQuery>,
) -> ApiResult<axum::Json<Vec<WuleEvaluationView>>> {
    year_in_range(q.year)?;
    let all = uc::ranking(&state, &user.user, q.year).await?;
    Ok(axum::Json(
        all.into_iter().map(|r| view(&state, r)).collect(),
    ))
}

fn year_in_range(year: i64) -> ApiResult<()> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "year",
            "2000 to 2100",
        ))
    }
}

fn village(code: &str) -> ApiResult<RegionCode> {
    RegionCode::parse(code)
        .ok()
        .filter(|c| c.level() == Level::Village)
        .ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameter,
                "village_code",
                "a village's 12-digit code",
            )
        })
}

#[derive(Serialize, ToSchema)]
pub struct WuleOne {
    /// None until the village saves its first draft.
    pub evaluation: Option<WuleEvaluationView>,
}

#[utoipa::path(get, path = "/api/v1/wule/evaluations/{village_code}/{year}", tag = "wule",
    params(("village_code" = String, Path, pattern = "^[0-9]{12}$"), ("year" = i64, Path, minimum = 2000, maximum = 2100)), security(("bearer" = [])),
    responses((status = 200, body = WuleOne), (status = 403, body = Err), (status = 404, body = Err, description = "a village outside the caller's area"), (status = 422, body = Err)))]
pub async fn one(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((code, year)): Path<(String, i64)>,
) -> ApiResult<axum::Json<WuleOne>> {
    let v = village(&code)?;
    year_in_range(year)?;
    let r = uc::get(&state, &user.user, &v, year).await?;
    Ok(axum::Json(WuleOne {
        evaluation: r.map(|r| view(&state, r)),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WuleSaveBody {
    pub scores: Vec<WuleScore>,
    /// Submit to the town (every item scored, evidence for every point); a draft otherwise.
    pub submit: bool,
}

#[utoipa::path(put, path = "/api/v1/wule/evaluations/{village_code}/{year}", tag = "wule",
    params(("village_code" = String, Path, pattern = "^[0-9]{12}$"), ("year" = i64, Path, minimum = 2000, maximum = 2100)),
    request_body = WuleSaveBody, security(("bearer" = [])),
    responses((status = 200, body = WuleEvaluationView, description = "saved as a draft, or submitted to the town"),
              (status = 403, body = Err, description = "the village's station assesses its own year"),
              (status = 404, body = Err, description = "not the caller's village"),
              (status = 409, body = Err, description = "with the town or decided already; or changed by someone else"),
              (status = 422, body = Err, description = "every problem of the scores with its field; a year other than this or the last")))]
pub async fn save(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((code, year)): Path<(String, i64)>,
    Json(b): Json<WuleSaveBody>,
) -> ApiResult<axum::Json<WuleEvaluationView>> {
    let v = village(&code)?;
    let r = uc::save(&state, &user.user, &v, year, &b.scores, b.submit).await?;
    Ok(axum::Json(view(&state, r)))
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum WuleDecision {
    Approve,
    /// Back to the village to redo, with a note.
    Return,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WuleReviewBody {
    pub decision: WuleDecision,
    /// The town's changes (approve only), each with its reason.
    #[serde(default)]
    pub adjustments: Vec<WuleAdjustment>,
    /// Required to return.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/wule/evaluations/{village_code}/{year}/review", tag = "wule",
    params(("village_code" = String, Path, pattern = "^[0-9]{12}$"), ("year" = i64, Path, minimum = 2000, maximum = 2100)),
    request_body = WuleReviewBody, security(("bearer" = [])),
    responses((status = 200, body = WuleEvaluationView, description = "reviewed (its final total and grade) or returned"),
              (status = 403, body = Err, description = "the town's centre reviews its villages"),
              (status = 404, body = Err, description = "not a village of the town, or nothing submitted for the year"),
              (status = 409, body = Err, description = "not waiting for review; or changed by someone else"),
              (status = 422, body = Err, description = "a change without its reason or out of its item's points; a return without a note")))]
pub async fn review(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((code, year)): Path<(String, i64)>,
    Json(b): Json<WuleReviewBody>,
) -> ApiResult<axum::Json<WuleEvaluationView>> {
    let v = village(&code)?;
    let r = uc::review(
        &state,
        &user.user,
        &v,
        year,
        matches!(b.decision, WuleDecision::Approve),
        &b.adjustments,
        b.note.as_deref(),
    )
    .await?;
    Ok(axum::Json(view(&state, r)))
}
