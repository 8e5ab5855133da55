//! The rooms' stars: the criteria (data the district edits, each edit a version), a year's
//! review previewed and decided (adjustments with their reasons), and the district's board of
//! rooms by stars, town and year.

use super::region_name;
use crate::http::error::{ApiResult, Json, Path, Query};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::mediation::stars as uc;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::mediation::stars::{Criteria, Indicator, Threshold, INDICATORS};

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorBody {
    /// volume, success_rate, performance_rate, confirmation_rate, follow_up_rate, repeat_rate
    #[schema(schema_with = crate::http::schema::star_indicator)]
    pub key: String,
    /// Points at the target or better; the weights add to 100.
    #[schema(minimum = 0, maximum = 100)]
    pub weight: f64,
    /// A count (volume) or a fraction (rates).
    #[schema(exclusive_minimum = 0, maximum = 100000)]
    pub target: f64,
    /// For rates that should be low: all points at or below the target, none at twice it.
    pub lower_is_better: Option<bool>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdBody {
    #[schema(minimum = 1, maximum = 5)]
    pub stars: i64,
    #[schema(minimum = 0, maximum = 100)]
    pub min_score: f64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriteriaBody {
    #[schema(min_items = 1, max_items = 6)]
    pub indicators: Vec<IndicatorBody>,
    #[schema(min_items = 5, max_items = 5)]
    pub thresholds: Vec<ThresholdBody>,
    /// Rooms with fewer cases in the year are not rated.
    #[schema(minimum = 0, maximum = 10000)]
    pub min_cases: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CriteriaView {
    /// 0: the shipped criteria, never edited.
    pub version: i64,
    pub indicators: Vec<IndicatorView>,
    pub thresholds: Vec<ThresholdBody>,
    pub min_cases: i64,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorView {
    pub key: String,
    pub label: String,
    pub weight: f64,
    pub target: f64,
    pub lower_is_better: bool,
}

fn criteria_view(version: i64, c: Criteria) -> CriteriaView {
    CriteriaView {
        version,
        indicators: c
            .indicators
            .into_iter()
            .map(|i| IndicatorView {
                label: INDICATORS
                    .iter()
                    .find(|(k, _)| *k == i.key)
                    .map(|(_, l)| l.to_string())
                    .unwrap_or_default(),
                key: i.key,
                weight: i.weight,
                target: i.target,
                lower_is_better: i.lower_is_better,
            })
            .collect(),
        thresholds: c
            .thresholds
            .into_iter()
            .map(|t| ThresholdBody {
                stars: t.stars,
                min_score: t.min_score,
            })
            .collect(),
        min_cases: c.min_cases,
    }
}

#[utoipa::path(get, path = "/api/v1/mediation/star-criteria", tag = "mediation", security(("bearer" = [])),
    responses((status = 200, body = CriteriaView)))]
pub async fn get_criteria(
    State(state): State<Arc<AppState>>,
    _user: CurrentUser,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<CriteriaView>> {
    let (version, c) = uc::criteria(&state).await?;
    Ok(axum::Json(criteria_view(version, c)))
}

#[utoipa::path(put, path = "/api/v1/mediation/star-criteria", tag = "mediation", request_body = CriteriaBody, security(("bearer" = [])),
    responses((status = 200, body = CriteriaView, description = "the new version"), (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn put_criteria(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<CriteriaBody>,
) -> ApiResult<axum::Json<CriteriaView>> {
    let c = Criteria {
        indicators: b
            .indicators
            .into_iter()
            .map(|i| Indicator {
                key: i.key,
                weight: i.weight,
                target: i.target,
                lower_is_better: i.lower_is_better.unwrap_or(false),
            })
            .collect(),
        thresholds: b
            .thresholds
            .into_iter()
            .map(|t| Threshold {
                stars: t.stars,
                min_score: t.min_score,
            })
            .collect(),
        min_cases: b.min_cases,
    };
    let version = uc::set_criteria(&state, &user.user, c).await?;
    let (_, c) = uc::criteria(&state).await?;
    Ok(axum::Json(criteria_view(version, c)))
}

#[derive(Serialize, ToSchema)]
pub struct RoomReviewView {
    pub room_id: i64,
    pub room_name: String,
    pub committee_name: String,
    pub region_code: String,
    pub region_name: String,
    pub cases: i64,
    /// Rates as fractions; null where there is nothing to divide by.
    pub success_rate: Option<f64>,
    pub performance_rate: Option<f64>,
    pub confirmation_rate: Option<f64>,
    pub follow_up_rate: Option<f64>,
    pub repeat_rate: Option<f64>,
    pub score: f64,
    /// What the criteria give (0: not rated).
    pub computed_stars: i64,
    /// The room's stars before this year's decision.
    pub current_stars: i64,
    /// This year's decided stars and, where the reviewer set other than computed, why.
    pub decided_stars: Option<i64>,
    pub adjustment_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StarReviewView {
    pub year: i64,
    pub criteria_version: i64,
    pub rooms: Vec<RoomReviewView>,
}

fn review_view(
    state: &AppState,
    year: i64,
    version: i64,
    rooms: Vec<uc::RoomReview>,
) -> StarReviewView {
    StarReviewView {
        year,
        criteria_version: version,
        rooms: rooms
            .into_iter()
            .map(|r| {
                let f = r.review.figures;
                let reason = r.decided.as_ref().and_then(|d| {
                    serde_json::from_str::<serde_json::Value>(&d.basis)
                        .ok()?
                        .pointer("/adjusted/reason")?
                        .as_str()
                        .map(str::to_string)
                });
                RoomReviewView {
                    room_id: r.room_id,
                    region_name: region_name(state, r.region_code.as_str()),
                    room_name: r.room_name,
                    committee_name: r.committee_name,
                    region_code: r.region_code.to_string(),
                    cases: f.cases,
                    success_rate: f.value("success_rate"),
                    performance_rate: f.value("performance_rate"),
                    confirmation_rate: f.value("confirmation_rate"),
                    follow_up_rate: f.value("follow_up_rate"),
                    repeat_rate: f.value("repeat_rate"),
                    score: r.review.score,
                    computed_stars: r.review.stars,
                    current_stars: r.current,
                    decided_stars: r.decided.as_ref().map(|d| d.stars),
                    adjustment_reason: reason,
                }
            })
            .collect(),
    }
}

fn year_of(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|y| (2000..=2100).contains(y) && raw.len() == 4)
        .ok_or_else(|| super::bad("year", "a year, 2000 to 2100"))
}

#[utoipa::path(get, path = "/api/v1/mediation/star-review/{year}", tag = "mediation", params(("year" = i64, Path, minimum = 2000, maximum = 2100)), security(("bearer" = [])),
    responses((status = 200, body = StarReviewView, description = "every room's year scored by the criteria in force, with what was decided"), (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn preview(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(year): Path<String>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<StarReviewView>> {
    let year = year_of(&year)?;
    let (version, rooms) = uc::preview(&state, &user.user, year).await?;
    Ok(axum::Json(review_view(&state, year, version, rooms)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentBody {
    #[schema(minimum = 1)]
    pub room_id: i64,
    #[schema(minimum = 0, maximum = 5)]
    pub stars: i64,
    #[schema(schema_with = crate::http::schema::note_500)]
    pub reason: String,
}

/// A decision names at most every room of a district (a few hundred), each with a reason.
pub const MAX_ADJUSTMENTS: usize = 500;
/// Room for that many reasons, however they are escaped.
pub const DECIDE_LIMIT: usize = 4 << 20;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideBody {
    /// Rooms whose stars the reviewer sets other than computed, each with its reason.
    #[schema(max_items = 500)]
    pub adjustments: Vec<AdjustmentBody>,
}

#[utoipa::path(post, path = "/api/v1/mediation/star-review/{year}", tag = "mediation", params(("year" = i64, Path, minimum = 2000, maximum = 2100)), request_body = DecideBody, security(("bearer" = [])),
    responses((status = 200, body = StarReviewView, description = "decided: each room's stars for the year with their basis, recorded"),
              (status = 403, body = crate::http::error::ErrorBody), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn decide(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(year): Path<String>,
    Json(b): Json<DecideBody>,
) -> ApiResult<axum::Json<StarReviewView>> {
    let year = year_of(&year)?;
    if b.adjustments.len() > MAX_ADJUSTMENTS {
        return Err(super::bad("adjustments", "at most 500"));
    }
    let adjustments = b
        .adjustments
        .into_iter()
        .map(|a| uc::Adjustment {
            room_id: a.room_id,
            stars: a.stars,
            reason: a.reason,
        })
        .collect();
    let rooms = uc::decide(&state, &user.user, year, adjustments).await?;
    let (version, _) = uc::criteria(&state).await?;
    Ok(axum::Json(review_view(&state, year, version, rooms)))
}

#[derive(Serialize, ToSchema)]
pub struct StarCount {
    pub stars: i64,
    pub rooms: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TownStars {
    pub code: String,
    pub name: String,
    pub rooms: i64,
    pub rated: i64,
    pub mean_stars: f64,
}

#[derive(Serialize, ToSchema)]
pub struct YearStars {
    pub year: i64,
    pub rated: i64,
    pub mean_stars: f64,
}

#[derive(Serialize, ToSchema)]
pub struct StarBoard {
    pub rooms: i64,
    pub rated: i64,
    /// Rooms at each level, 0 (not rated) to 5.
    pub by_stars: Vec<StarCount>,
    pub by_town: Vec<TownStars>,
    /// Rated rooms and their mean stars year by year.
    pub by_year: Vec<YearStars>,
}

#[utoipa::path(get, path = "/api/v1/mediation/board", tag = "mediation", security(("bearer" = [])),
    responses((status = 200, body = StarBoard, description = "the rooms of the caller's area by stars, town and year")))]
pub async fn board(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<StarBoard>> {
    let rooms = state.store.rooms(&user.user.scope(), None).await?;
    let mut by_stars = [0i64; 6];
    let mut towns: std::collections::BTreeMap<String, (i64, i64, i64)> = Default::default();
    let mut years: std::collections::BTreeMap<i64, (i64, i64)> = Default::default();
    for r in &rooms {
        by_stars[r.stars.clamp(0, 5) as usize] += 1;
        let town = r
            .region_code
            .as_str()
            .get(..9)
            .unwrap_or(r.region_code.as_str());
        if town.len() == 9 {
            let t = towns.entry(town.to_string()).or_default();
            t.0 += 1;
            if r.stars > 0 {
                t.1 += 1;
                t.2 += r.stars;
            }
        }
        for h in r.history.iter().filter(|h| h.stars > 0) {
            let y = years.entry(h.year).or_default();
            y.0 += 1;
            y.1 += h.stars;
        }
    }
    let mean = |sum: i64, n: i64| {
        if n > 0 {
            (sum as f64 / n as f64 * 100.0).round() / 100.0
        } else {
            0.0
        }
    };
    Ok(axum::Json(StarBoard {
        rooms: rooms.len() as i64,
        rated: rooms.iter().filter(|r| r.stars > 0).count() as i64,
        by_stars: (0..=5)
            .map(|s| StarCount {
                stars: s,
                rooms: by_stars[s as usize],
            })
            .collect(),
        by_town: towns
            .into_iter()
            .map(|(code, (rooms, rated, sum))| TownStars {
                name: region_name(&state, &code),
                code,
                rooms,
                rated,
                mean_stars: mean(sum, rated),
            })
            .collect(),
        by_year: years
            .into_iter()
            .map(|(year, (rated, sum))| YearStars {
                year,
                rated,
                mean_stars: mean(sum, rated),
            })
            .collect(),
    }))
}
