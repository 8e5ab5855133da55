//! Reviewers' entries and appeals over HTTP: the pilot office scores a reviewer-scored item or
//! enters a figure the system does not count, with basis, evidence and signature; a unit
//! appeals a line of its published sheet and the office decides it.

use crate::http::assessment::{figure, figure_of, group_of, unit_group, year_of, ScoresQuery};
use crate::http::error::{ApiError, ApiResult, Json, Path, Query};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::assess::reviews as uc;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::assess::review::{Decision, Reviewed};
use zhili_domain::time::rfc3339;
use zhili_domain::ErrorCode;

/// A reviewer's entry: exactly one of `item` (a reviewer-scored item's code: `value` is its
/// score) and `figure` (a figure the system does not count: `value` is the unit's figure).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    #[schema(schema_with = unit_group)]
    pub group: String,
    /// A department's id or a town's code.
    #[schema(max_length = 20)]
    pub unit: String,
    #[serde(default)]
    #[schema(max_length = 16, nullable)]
    pub item: Option<String>,
    #[serde(default)]
    #[schema(schema_with = figure_or_null)]
    pub figure: Option<String>,
    #[schema(minimum = -1000000, maximum = 1000000)]
    pub value: f64,
    /// What the score rests on (the material checked, the survey that gave the figure).
    #[schema(schema_with = crate::http::schema::note)]
    pub basis: String,
    /// The reviewer's own uploaded photos of the evidence.
    #[serde(default)]
    #[schema(schema_with = crate::http::schema::photo_ids)]
    pub photos: Vec<String>,
}

fn figure_or_null() -> utoipa::openapi::Object {
    crate::http::schema::or_null(figure())
}

/// A reviewer's entry as scored into the sheet, with its signature.
#[derive(Serialize, ToSchema)]
pub struct ReviewView {
    pub id: i64,
    pub year: i32,
    pub group: String,
    pub unit: String,
    pub unit_name: String,
    /// The reviewer-scored item's code, or null for a figure.
    pub item: Option<String>,
    /// The figure entered, or null for an item's score.
    pub figure: Option<String>,
    pub value: f64,
    pub basis: String,
    pub photos: Vec<String>,
    pub reviewer: String,
    pub reviewer_name: String,
    pub reviewed_at: String,
    /// The signature: the reviewer's recorded action — its number in the chain and its hash.
    pub action_seq: i64,
    pub action_hash: String,
}

fn review_view(e: uc::ReviewEntry) -> ReviewView {
    let (item, figure) = match e.reviewed {
        Reviewed::Item(code) => (Some(code), None),
        Reviewed::Figure(f) => (None, Some(f.as_str().to_string())),
    };
    let r = e.row;
    ReviewView {
        id: r.id,
        year: r.year as i32,
        group: r.unit_group,
        unit: r.unit,
        unit_name: e.unit_name,
        item,
        figure,
        value: r.value,
        basis: r.basis,
        photos: e.photos,
        reviewer: r.reviewer,
        reviewer_name: r.reviewer_name,
        reviewed_at: rfc3339(r.reviewed_at),
        action_seq: r.action_seq,
        action_hash: r.action_hash,
    }
}

#[utoipa::path(post, path = "/api/v1/assessment/reviews", tag = "assessment", request_body = ReviewBody, security(("bearer" = [])),
    responses((status = 201, body = ReviewView, description = "entered and signed; it stands for the unit until a later entry on the same item or figure"),
              (status = 400, body = crate::http::error::ErrorBody, description = "neither or both of item and figure, or a malformed field"),
              (status = 403, body = crate::http::error::ErrorBody, description = "not the pilot office"),
              (status = 404, body = crate::http::error::ErrorBody, description = "no scheme for that year, or a photo the reviewer did not upload"),
              (status = 409, body = crate::http::error::ErrorBody, description = "the year's group is published"),
              (status = 422, body = crate::http::error::ErrorBody, description = "not a reviewer-scored item or an entered figure of the scheme, a value out of range, no basis, an unknown unit")))]
pub async fn review(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<ReviewBody>,
) -> ApiResult<(StatusCode, axum::Json<ReviewView>)> {
    let (year, group) = (year_of(b.year)?, group_of(&b.group)?);
    let reviewed = match (b.item, b.figure) {
        (Some(item), None) => Reviewed::Item(item.trim().to_string()),
        (None, Some(f)) => Reviewed::Figure(figure_of(&f, "figure")?),
        _ => {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "item",
                "exactly one of item and figure",
            ))
        }
    };
    let e = uc::review(
        &state,
        &user.user,
        uc::Review {
            year,
            group,
            unit: b.unit,
            reviewed,
            value: b.value,
            basis: b.basis,
            photos: b.photos,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(review_view(e))))
}

#[utoipa::path(get, path = "/api/v1/assessment/reviews", tag = "assessment", params(ScoresQuery), security(("bearer" = [])),
    responses((status = 200, body = [ReviewView], description = "the year's entries for the group, newest first (a unit: its own)"),
              (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn reviews(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<ScoresQuery>,
) -> ApiResult<axum::Json<Vec<ReviewView>>> {
    let (year, group) = (year_of(q.year)?, group_of(&q.group)?);
    let list = uc::list(&state, &user.user, year, group).await?;
    Ok(axum::Json(list.into_iter().map(review_view).collect()))
}

/// A unit's appeal against a line of its published sheet.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealBody {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    #[schema(schema_with = unit_group)]
    pub group: String,
    /// The code of the scored item or adjustment appealed.
    #[schema(max_length = 16)]
    pub item: String,
    #[schema(schema_with = crate::http::schema::note)]
    pub reason: String,
    #[serde(default)]
    #[schema(schema_with = crate::http::schema::photo_ids)]
    pub photos: Vec<String>,
}

/// An appeal with its decision once made.
#[derive(Serialize, ToSchema)]
pub struct AppealView {
    pub id: i64,
    pub year: i32,
    pub group: String,
    pub unit: String,
    pub unit_name: String,
    pub item: String,
    pub item_name: String,
    /// The line's score in the published result.
    pub published_score: f64,
    pub reason: String,
    pub photos: Vec<String>,
    pub filed_by_name: String,
    pub filed_at: String,
    /// null while undecided.
    pub upheld: Option<bool>,
    pub corrected_score: Option<f64>,
    pub decision_reason: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<String>,
}

fn appeal_view(e: uc::AppealEntry) -> AppealView {
    let r = e.row;
    AppealView {
        id: r.id,
        year: r.year as i32,
        group: r.unit_group,
        unit: r.unit,
        unit_name: e.unit_name,
        item: r.item,
        item_name: e.item_name,
        published_score: r.published_score,
        reason: r.reason,
        photos: e.photos,
        filed_by_name: r.filed_by_name,
        filed_at: rfc3339(r.filed_at),
        upheld: r.upheld,
        corrected_score: r.corrected_score,
        decision_reason: r.decision_reason,
        decided_by_name: r.decided_by_name,
        decided_at: r.decided_at.map(rfc3339),
    }
}

#[utoipa::path(post, path = "/api/v1/assessment/appeals", tag = "assessment", request_body = AppealBody, security(("bearer" = [])),
    responses((status = 201, body = AppealView, description = "filed; the published result stays as it is"),
              (status = 403, body = crate::http::error::ErrorBody, description = "not a department or town of that group"),
              (status = 404, body = crate::http::error::ErrorBody, description = "no scheme for that year, or a photo the unit did not upload"),
              (status = 409, body = crate::http::error::ErrorBody, description = "not published yet, or the unit's last appeal on the line is undecided"),
              (status = 422, body = crate::http::error::ErrorBody, description = "no such scored item or adjustment, or no reason")))]
pub async fn appeal(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<AppealBody>,
) -> ApiResult<(StatusCode, axum::Json<AppealView>)> {
    let (year, group) = (year_of(b.year)?, group_of(&b.group)?);
    let e = uc::file(
        &state,
        &user.user,
        uc::Appeal {
            year,
            group,
            item: b.item,
            reason: b.reason,
            photos: b.photos,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(appeal_view(e))))
}

#[utoipa::path(get, path = "/api/v1/assessment/appeals", tag = "assessment", params(ScoresQuery), security(("bearer" = [])),
    responses((status = 200, body = [AppealView], description = "the year's appeals of the group, newest first (a unit: its own)"),
              (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn appeals(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<ScoresQuery>,
) -> ApiResult<axum::Json<Vec<AppealView>>> {
    let (year, group) = (year_of(q.year)?, group_of(&q.group)?);
    let list = uc::appeals(&state, &user.user, year, group).await?;
    Ok(axum::Json(list.into_iter().map(appeal_view).collect()))
}

/// The office's decision: upheld with the corrected score of the line, or rejected.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecisionBody {
    pub upheld: bool,
    #[serde(default)]
    #[schema(minimum = -1000, maximum = 1000, nullable)]
    pub score: Option<f64>,
    #[schema(schema_with = crate::http::schema::note)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/assessment/appeals/{id}/decision", tag = "assessment", request_body = AppealDecisionBody, security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = AppealView, description = "decided, beside the frozen result"),
              (status = 403, body = crate::http::error::ErrorBody, description = "not the pilot office"),
              (status = 404, body = crate::http::error::ErrorBody, description = "no such appeal"),
              (status = 409, body = crate::http::error::ErrorBody, description = "decided already"),
              (status = 422, body = crate::http::error::ErrorBody, description = "an upheld appeal without a score in the line's range, a rejected one with a score, or no reason")))]
pub async fn decide(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<AppealDecisionBody>,
) -> ApiResult<axum::Json<AppealView>> {
    let e = uc::decide(
        &state,
        &user.user,
        id,
        Decision {
            upheld: b.upheld,
            score: b.score,
            reason: b.reason,
        },
    )
    .await?;
    Ok(axum::Json(appeal_view(e)))
}

/// A flag for the reviewers: a unit's closures or ratings in a quarter's final days out of
/// line with its own earlier days.
#[derive(Serialize, ToSchema)]
pub struct GamingFlagView {
    pub unit: String,
    pub unit_name: String,
    pub quarter: u8,
    #[schema(schema_with = gaming_signal)]
    pub signal: String,
    pub signal_name: String,
    /// The window watched, its first and last day.
    pub from: String,
    pub to: String,
    /// Counts: the window's number and the number the baseline leads one to expect; the
    /// satisfied share: the window's and the baseline's percentage.
    pub observed: f64,
    pub expected: f64,
    /// The Poisson tail probability (counts), or the z score (the share).
    pub strength: f64,
    pub detail: String,
}

fn gaming_signal() -> utoipa::openapi::Object {
    crate::http::schema::one_of(zhili_domain::assess::gaming::Signal::ALL.map(|s| s.as_str()))
}

#[utoipa::path(get, path = "/api/v1/assessment/gaming", tag = "assessment", params(ScoresQuery), security(("bearer" = [])),
    responses((status = 200, body = [GamingFlagView], description = "the flags of the year's ended quarters, the latest first; a question for the reviewers, not a deduction"),
              (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn gaming(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<ScoresQuery>,
) -> ApiResult<axum::Json<Vec<GamingFlagView>>> {
    let (year, group) = (year_of(q.year)?, group_of(&q.group)?);
    let flags = crate::usecase::assess::gaming::flags(&state, &user.user, year, group).await?;
    Ok(axum::Json(
        flags
            .into_iter()
            .map(|f| GamingFlagView {
                unit: f.unit,
                unit_name: f.name,
                quarter: f.quarter,
                signal: f.flag.signal.as_str().into(),
                signal_name: f.flag.signal.label_zh().into(),
                from: zhili_domain::calendar::date_string(f.flag.from),
                to: zhili_domain::calendar::date_string(f.flag.to - 1),
                observed: f.flag.observed,
                expected: f.flag.expected,
                strength: f.flag.strength,
                detail: f.flag.detail,
            })
            .collect(),
    ))
}
