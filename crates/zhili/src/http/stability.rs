//! Stability-risk assessments of major decisions over HTTP: the list and one assessment with
//! the steps it may take, registering a decision, and each step of the procedure.

use crate::http::error::{ApiError, ApiResult, Json, Path, Query};
use crate::http::situations::Coded;
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::risk::stability as uc;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::risk::stability::{
    Evidence, EvidenceKind, RatedRisk, StabilityLevel, StabilityStep, Track, Verdict,
};
use zhili_domain::ErrorCode;
use zhili_store::StabilityRecord;

fn bad(field: &str, message: &str) -> ApiError {
    ApiError::field(ErrorCode::InvalidParameter, field, message)
}

fn track() -> utoipa::openapi::Object {
    crate::http::schema::one_of(Track::ALL.map(|k| k.as_str()))
}
fn evidence_kind() -> utoipa::openapi::Object {
    crate::http::schema::one_of(EvidenceKind::ALL.map(|k| k.as_str()))
}
fn stability_level() -> utoipa::openapi::Object {
    crate::http::schema::one_of(StabilityLevel::ALL.map(|k| k.as_str()))
}
fn verdict() -> utoipa::openapi::Object {
    crate::http::schema::one_of(Verdict::ALL.map(|k| k.as_str()))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceBody {
    #[schema(schema_with = evidence_kind)]
    pub kind: String,
    #[schema(schema_with = crate::http::schema::note)]
    pub summary: String,
    #[schema(minimum = 1, maximum = 1000000)]
    pub participants: i64,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatedRiskBody {
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    #[schema(minimum = 1, maximum = 5)]
    pub likelihood: i64,
    #[schema(minimum = 1, maximum = 5)]
    pub impact: i64,
    #[schema(schema_with = crate::http::schema::note)]
    pub measures: String,
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpView {
    pub at: String,
    pub by: String,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct StabilityView {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub area_code: String,
    pub area_name: String,
    pub decision_unit: String,
    /// normal, simplified
    pub track: String,
    pub track_name: String,
    /// consulting, concluded, decided, implemented, closed
    pub status: String,
    pub status_name: String,
    pub evidence: Vec<EvidenceBody>,
    pub risks: Vec<RatedRiskBody>,
    /// The worst rated risk's level (low, medium, high).
    pub worst: Option<String>,
    /// Whether the public has been heard enough for the track to conclude.
    pub heard_enough: bool,
    /// The conclusion (low, medium, high) and who signed it.
    pub level: Option<String>,
    pub level_name: Option<String>,
    pub conclusion_reason: Option<String>,
    pub signed_by: Option<String>,
    pub signed_at: Option<String>,
    pub verdict: Option<String>,
    pub verdict_name: Option<String>,
    pub follow_ups: Vec<FollowUpView>,
    pub registered_by: String,
    pub registered_at: String,
    pub version: i64,
}

fn view(state: &AppState, r: StabilityRecord) -> StabilityView {
    let a = uc::assessment_of(&r);
    let follow_ups: Vec<serde_json::Value> =
        serde_json::from_str(&r.follow_ups).unwrap_or_default();
    StabilityView {
        id: r.id,
        area_name: state
            .index()
            .names
            .get(&r.area_code)
            .cloned()
            .unwrap_or_else(|| r.area_code.clone()),
        track_name: a.track.label_zh().into(),
        status_name: a.status.label_zh().into(),
        evidence: a
            .evidence
            .iter()
            .map(|e| EvidenceBody {
                kind: e.kind.as_str().into(),
                summary: e.summary.clone(),
                participants: e.participants,
            })
            .collect(),
        risks: a
            .risks
            .iter()
            .map(|x| RatedRiskBody {
                title: x.title.clone(),
                likelihood: x.likelihood,
                impact: x.impact,
                measures: x.measures.clone(),
            })
            .collect(),
        worst: a.worst().map(|l| l.as_str().into()),
        heard_enough: a.heard_enough(),
        level_name: a.level.map(|l| l.label_zh().into()),
        verdict_name: a.verdict.map(|v| v.label_zh().into()),
        signed_at: r.signed_at.map(zhili_domain::time::rfc3339),
        registered_at: zhili_domain::time::rfc3339(r.registered_at),
        follow_ups: follow_ups
            .iter()
            .map(|f| FollowUpView {
                at: f["at"].as_str().unwrap_or_default().into(),
                by: f["by"].as_str().unwrap_or_default().into(),
                note: f["note"].as_str().unwrap_or_default().into(),
            })
            .collect(),
        title: r.title,
        description: r.description,
        area_code: r.area_code,
        decision_unit: r.decision_unit,
        track: r.track,
        status: r.status,
        level: r.level,
        conclusion_reason: r.conclusion_reason,
        signed_by: r.signed_by,
        verdict: r.verdict,
        registered_by: r.registered_by,
        version: r.version,
    }
}

#[utoipa::path(get, path = "/api/v1/risk/decisions", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = [StabilityView], description = "the caller's area's assessments, newest first (at most 200)")))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<StabilityView>>> {
    let rows = state.store.assessments(&user.user.scope(), 200).await?;
    Ok(axum::Json(
        rows.into_iter().map(|r| view(&state, r)).collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/risk/decisions/{id}", tag = "risk", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = StabilityView), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<StabilityView>> {
    let id = crate::http::events::parse_id(&id)?;
    let r = state
        .store
        .assessment(&user.user.scope(), id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("assessment {id} not found")))?;
    Ok(axum::Json(view(&state, r)))
}

#[utoipa::path(get, path = "/api/v1/risk/decisions/{id}/report", tag = "risk", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               description = "the assessment report (社会稳定风险评估报告) as it stands: a draft until the conclusion is signed"),
              (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn report(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::response::Response> {
    let id = crate::http::events::parse_id(&id)?;
    let (file, bytes) = crate::usecase::risk::stability_report(&state, &user.user, id).await?;
    Ok(crate::http::download::docx(
        &format!("stability-assessment-{id}.docx"),
        &file,
        bytes,
    ))
}

/// A major decision to assess.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StabilityBody {
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    #[schema(schema_with = crate::http::schema::note_5000)]
    pub description: String,
    #[schema(schema_with = crate::http::schema::region_code)]
    pub area_code: String,
    /// The unit that takes the decision.
    #[schema(max_length = 32)]
    pub decision_unit: String,
    #[schema(schema_with = track)]
    pub track: String,
}

#[utoipa::path(post, path = "/api/v1/risk/decisions", tag = "risk", request_body = StabilityBody, security(("bearer" = [])),
    responses((status = 201, body = StabilityView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "not_found: the area or the unit")))]
pub async fn register(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<StabilityBody>,
) -> ApiResult<(StatusCode, axum::Json<StabilityView>)> {
    let track = Track::from_code(&b.track).ok_or_else(|| bad("track", "normal or simplified"))?;
    let r = uc::register(
        &state,
        &user.user,
        uc::Register {
            title: b.title,
            description: b.description,
            area_code: b.area_code,
            decision_unit: b.decision_unit,
            track,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(view(&state, r))))
}

/// A step of the assessment.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub enum StabilityStepBody {
    /// The public heard once more.
    Consult {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(schema_with = evidence_kind)]
        kind: String,
        #[schema(schema_with = crate::http::schema::note)]
        summary: String,
        #[schema(minimum = 1, maximum = 1000000)]
        participants: i64,
    },
    /// The risks found, rated (the list replaces the earlier one).
    Rate {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(min_items = 1, max_items = 50)]
        risks: Vec<RatedRiskBody>,
    },
    /// The conclusion, signed by the caller; a reason when below the worst risk.
    Conclude {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(schema_with = stability_level)]
        level: String,
        #[schema(schema_with = crate::http::schema::note_or_null)]
        reason: Option<String>,
    },
    /// What was decided on it.
    Decide {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(schema_with = verdict)]
        verdict: String,
    },
    Implement {
        #[schema(minimum = 1)]
        version: Option<i64>,
    },
    /// How it went; `last` closes the assessment.
    FollowUp {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(schema_with = crate::http::schema::note)]
        note: String,
        last: bool,
    },
}

#[utoipa::path(post, path = "/api/v1/risk/decisions/{id}/steps", tag = "risk", params(("id" = i64, Path, minimum = 1)), request_body = StabilityStepBody, security(("bearer" = [])),
    responses((status = 200, body = StabilityView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody),
              (status = 409, body = crate::http::error::ErrorBody, description = "invalid_transition: not this step now (the public not heard enough, a high risk implemented …); conflict: changed meanwhile")))]
pub async fn step(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<StabilityStepBody>,
) -> ApiResult<axum::Json<StabilityView>> {
    let id = crate::http::events::parse_id(&id)?;
    let (version, step) = match b {
        StabilityStepBody::Consult {
            version,
            kind,
            summary,
            participants,
        } => (
            version,
            StabilityStep::Consult(Evidence {
                kind: EvidenceKind::from_code(&kind)
                    .ok_or_else(|| bad("kind", "a way of hearing the public"))?,
                summary,
                participants,
            }),
        ),
        StabilityStepBody::Rate { version, risks } => (
            version,
            StabilityStep::Rate(
                risks
                    .into_iter()
                    .map(|r| RatedRisk {
                        title: r.title,
                        likelihood: r.likelihood,
                        impact: r.impact,
                        measures: r.measures,
                    })
                    .collect(),
            ),
        ),
        StabilityStepBody::Conclude {
            version,
            level,
            reason,
        } => (
            version,
            StabilityStep::Conclude {
                level: StabilityLevel::from_code(&level)
                    .ok_or_else(|| bad("level", "low, medium or high"))?,
                reason,
            },
        ),
        StabilityStepBody::Decide { version, verdict } => (
            version,
            StabilityStep::Decide(
                Verdict::from_code(&verdict).ok_or_else(|| bad("verdict", "a verdict"))?,
            ),
        ),
        StabilityStepBody::Implement { version } => (version, StabilityStep::Implement),
        StabilityStepBody::FollowUp {
            version,
            note,
            last,
        } => (version, StabilityStep::FollowUp { note, last }),
    };
    let r = uc::step(&state, &user.user, id, version, step).await?;
    Ok(axum::Json(view(&state, r)))
}

/// The words the pages show, so no code needs a label of its own.
#[derive(Serialize, ToSchema)]
pub struct StabilityVocabulary {
    pub tracks: Vec<Coded>,
    pub evidence_kinds: Vec<Coded>,
    pub levels: Vec<Coded>,
    pub verdicts: Vec<Coded>,
    pub statuses: Vec<Coded>,
}

#[utoipa::path(get, path = "/api/v1/risk/decisions/vocabulary", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = StabilityVocabulary)))]
pub async fn vocabulary(
    _user: CurrentUser,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<StabilityVocabulary>> {
    let pairs = |t: &[(&str, &str)]| -> Vec<Coded> {
        t.iter()
            .map(|(c, z)| Coded {
                code: c.to_string(),
                label: z.to_string(),
            })
            .collect()
    };
    use zhili_domain::risk::stability::*;
    Ok(axum::Json(StabilityVocabulary {
        tracks: pairs(&TRACKS),
        evidence_kinds: pairs(&EVIDENCE_KINDS),
        levels: pairs(&STABILITY_LEVELS),
        verdicts: pairs(&VERDICTS),
        statuses: pairs(&STABILITY_STATUSES),
    }))
}
