//! The acceptance checklist over HTTP: every requirement with its claim and verdict and the
//! district's readiness; a claim by the lead unit, a verdict by the pilot office.

use crate::http::error::{ApiError, ApiResult, Json, Path};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::pilot::checklist as uc;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::assess::checklist::{Readiness, Standing};
use zhili_domain::time::rfc3339;
use zhili_domain::ErrorCode;

fn standing() -> utoipa::openapi::Object {
    crate::http::schema::one_of(Standing::ALL.map(|s| s.as_str()))
}

#[derive(Serialize, ToSchema)]
pub struct ReadinessView {
    pub total: usize,
    /// Self-assessed by the unit.
    pub claimed: usize,
    /// By the reviewer's verdict; not reviewed yet.
    pub met: usize,
    pub partly: usize,
    pub not_met: usize,
    pub unreviewed: usize,
    /// Met, a partly-met one counting half (0–100).
    pub percent: f64,
    /// Every requirement reviewed and none unmet.
    pub ready: bool,
}

pub(crate) fn readiness_view(r: &Readiness) -> ReadinessView {
    ReadinessView {
        total: r.total,
        claimed: r.claimed,
        met: r.met,
        partly: r.partly,
        not_met: r.not_met,
        unreviewed: r.unreviewed,
        percent: r.percent,
        ready: r.ready,
    }
}

#[derive(Serialize, ToSchema)]
pub struct RequirementView {
    pub code: String,
    pub text: String,
    pub lead_unit: String,
    pub lead_name: String,
    /// The unit's claim, its note, evidence, who and when.
    pub claim: Option<String>,
    pub claim_note: Option<String>,
    pub photos: Vec<String>,
    pub claimed_by_name: Option<String>,
    pub claimed_at: Option<String>,
    /// The reviewer's verdict.
    pub verdict: Option<String>,
    pub verdict_note: Option<String>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: Option<String>,
    /// The version to send with a change (0: nothing kept yet).
    pub version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistSubtaskView {
    pub code: String,
    pub title: String,
    pub requirements: Vec<RequirementView>,
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistTaskView {
    /// A key task's code, or CQ for the regional items.
    pub code: String,
    pub title: String,
    pub readiness: ReadinessView,
    pub subtasks: Vec<ChecklistSubtaskView>,
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistView {
    pub name: String,
    /// Key tasks, sub-tasks, basic requirements, regional items.
    pub shape: Vec<usize>,
    pub readiness: ReadinessView,
    /// The tasks the reader answers for or reads (a unit: its own), the regional items last.
    pub tasks: Vec<ChecklistTaskView>,
}

fn requirement_view(
    i: &uc::Item,
    names: &std::collections::HashMap<String, String>,
) -> RequirementView {
    let e = i.entry.clone().unwrap_or_default();
    RequirementView {
        code: i.code.clone(),
        text: i.text.clone(),
        lead_unit: i.lead_unit.clone(),
        lead_name: names
            .get(&i.lead_unit)
            .cloned()
            .unwrap_or_else(|| i.lead_unit.clone()),
        claim: e.claim,
        claim_note: e.claim_note,
        photos: serde_json::from_str(&e.photos).unwrap_or_default(),
        claimed_by_name: e.claimed_by_name,
        claimed_at: e.claimed_at.map(rfc3339),
        verdict: e.verdict,
        verdict_note: e.verdict_note,
        reviewed_by_name: e.reviewed_by_name,
        reviewed_at: e.reviewed_at.map(rfc3339),
        version: e.version,
    }
}

#[utoipa::path(get, path = "/api/v1/pilot/checklist", tag = "pilot", security(("bearer" = [])),
    responses((status = 200, body = ChecklistView, description = "every requirement with its claim and verdict, and the readiness for acceptance"),
              (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
) -> ApiResult<axum::Json<ChecklistView>> {
    let v = uc::view(&state, &user.user).await?;
    let readiness: std::collections::HashMap<&str, &Readiness> =
        v.by_task.iter().map(|(t, r)| (t.as_str(), r)).collect();
    let mut tasks = Vec::new();
    let regional = (
        "CQ".to_string(),
        v.checklist.regional.title.clone(),
        vec![("CQ".to_string(), v.checklist.regional.title.clone())],
    );
    let listed = v
        .checklist
        .tasks
        .iter()
        .map(|t| {
            (
                t.code.clone(),
                t.title.clone(),
                t.subtasks
                    .iter()
                    .map(|s| (s.code.clone(), s.title.clone()))
                    .collect::<Vec<_>>(),
            )
        })
        .chain(std::iter::once(regional));
    for (code, title, subtasks) in listed {
        let Some(r) = readiness.get(code.as_str()) else {
            continue;
        };
        let subtasks = subtasks
            .into_iter()
            .map(|(sc, st)| ChecklistSubtaskView {
                requirements: v
                    .items
                    .iter()
                    .filter(|i| {
                        i.task == code && (code == "CQ" || i.code.starts_with(&format!("{sc}.")))
                    })
                    .map(|i| requirement_view(i, &v.unit_names))
                    .collect(),
                code: sc,
                title: st,
            })
            .filter(|s| !s.requirements.is_empty())
            .collect();
        tasks.push(ChecklistTaskView {
            readiness: readiness_view(r),
            code,
            title,
            subtasks,
        });
    }
    Ok(axum::Json(ChecklistView {
        name: v.checklist.name.clone(),
        shape: v.checklist.shape().to_vec(),
        readiness: readiness_view(&v.readiness),
        tasks,
    }))
}

fn code_of(raw: &str) -> ApiResult<&str> {
    let ok = (1..=16).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.');
    if ok {
        Ok(raw)
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "code",
            "a requirement's code",
        ))
    }
}

fn standing_of(raw: &str, field: &str) -> ApiResult<Standing> {
    Standing::parse(raw).ok_or_else(|| {
        ApiError::field(ErrorCode::InvalidParameter, field, "met, partly or not_met")
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    #[schema(minimum = 0)]
    pub version: i64,
    #[schema(schema_with = standing)]
    pub claim: String,
    /// What was done and where the evidence is.
    #[schema(schema_with = crate::http::schema::note)]
    pub note: String,
    #[serde(default)]
    #[schema(schema_with = crate::http::schema::photo_ids)]
    pub photos: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EntryView {
    pub code: String,
    pub claim: Option<String>,
    pub verdict: Option<String>,
    pub version: i64,
}

fn entry_view(e: zhili_store::ChecklistRow) -> EntryView {
    EntryView {
        code: e.code,
        claim: e.claim,
        verdict: e.verdict,
        version: e.version,
    }
}

#[utoipa::path(put, path = "/api/v1/pilot/checklist/{code}/claim", tag = "pilot", request_body = ClaimBody, security(("bearer" = [])),
    params(("code" = String, Path, pattern = "^[A-Za-z0-9.]{1,16}$")),
    responses((status = 200, body = EntryView, description = "self-assessed (a verdict given before is cleared: it is reviewed again)"),
              (status = 403, body = crate::http::error::ErrorBody, description = "not the unit leading the task, nor the pilot office"),
              (status = 404, body = crate::http::error::ErrorBody, description = "no such requirement, or a photo the caller did not upload"),
              (status = 409, body = crate::http::error::ErrorBody, description = "changed since the version read"),
              (status = 422, body = crate::http::error::ErrorBody)))]
pub async fn claim(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(code): Path<String>,
    Json(b): Json<ClaimBody>,
) -> ApiResult<axum::Json<EntryView>> {
    let code = code_of(&code)?;
    let claim = standing_of(&b.claim, "claim")?;
    let e = uc::claim(
        &state, &user.user, code, b.version, claim, &b.note, &b.photos,
    )
    .await?;
    Ok(axum::Json(entry_view(e)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerdictBody {
    #[schema(minimum = 1)]
    pub version: i64,
    #[schema(schema_with = standing)]
    pub verdict: String,
    #[schema(schema_with = crate::http::schema::note)]
    pub note: String,
}

#[utoipa::path(put, path = "/api/v1/pilot/checklist/{code}/verdict", tag = "pilot", request_body = VerdictBody, security(("bearer" = [])),
    params(("code" = String, Path, pattern = "^[A-Za-z0-9.]{1,16}$")),
    responses((status = 200, body = EntryView, description = "reviewed"),
              (status = 403, body = crate::http::error::ErrorBody, description = "not the pilot office"),
              (status = 404, body = crate::http::error::ErrorBody, description = "no such requirement"),
              (status = 409, body = crate::http::error::ErrorBody, description = "not self-assessed yet, or changed since the version read"),
              (status = 422, body = crate::http::error::ErrorBody)))]
pub async fn verdict(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(code): Path<String>,
    Json(b): Json<VerdictBody>,
) -> ApiResult<axum::Json<EntryView>> {
    let code = code_of(&code)?;
    let verdict = standing_of(&b.verdict, "verdict")?;
    let e = uc::verdict(&state, &user.user, code, b.version, verdict, &b.note).await?;
    Ok(axum::Json(entry_view(e)))
}

#[utoipa::path(get, path = "/api/v1/pilot/checklist/export", tag = "pilot", security(("bearer" = [])),
    responses((status = 200, description = "the checklist with every claim and verdict and the readiness for acceptance (.xlsx): what the caller reads",
                content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403, body = crate::http::error::ErrorBody, description = "villages and grid workers have no part in the pilot's plan")))]
pub async fn export(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
) -> ApiResult<axum::response::Response> {
    let (name, bytes) =
        crate::usecase::pilot::checklist_sheet::checklist_sheet(&state, &user.user).await?;
    Ok(crate::http::download::xlsx(
        "pilot-checklist.xlsx",
        &name,
        bytes,
    ))
}
