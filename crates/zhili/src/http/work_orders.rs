//! `/api/v1/events/accept` and `/api/v1/events/work-orders`: a unit's work on many events at
//! once — taking them up (签收), each as its own step, and their work orders (工单) to file.

use super::error::{ApiError, ApiResult, Json, Query};
use super::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::{time, ErrorCode};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptMany {
    /// The events to take up, 1 to 100.
    #[schema(min_items = 1, max_items = 100, inline)]
    pub ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub id: i64,
    pub case_number: String,
}

#[derive(Serialize, ToSchema)]
pub struct Refused {
    pub id: i64,
    /// The refusal's stable code (not_found, invalid_transition …).
    pub code: String,
    pub message: String,
    pub message_zh: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AcceptOutcome {
    pub accepted: Vec<Accepted>,
    pub refused: Vec<Refused>,
}

#[utoipa::path(post, path = "/api/v1/events/accept", tag = "events", request_body = AcceptMany, security(("bearer" = [])),
    responses((status = 200, body = AcceptOutcome, description = "each event taken up (签收) as its own step; one that cannot be is refused alone"),
              (status = 422, body = super::error::ErrorBody, description = "no events, or more than 100")))]
pub async fn accept_many(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(req): Json<AcceptMany>,
) -> ApiResult<axum::Json<AcceptOutcome>> {
    let outcomes = crate::usecase::act::accept_many(&state, &user.user, &req.ids).await?;
    let mut answer = AcceptOutcome {
        accepted: Vec::new(),
        refused: Vec::new(),
    };
    for (id, outcome) in outcomes {
        match outcome {
            Ok(e) => answer.accepted.push(Accepted {
                id,
                case_number: e.case_number,
            }),
            Err(e) => {
                let e = ApiError::from(e);
                answer.refused.push(Refused {
                    id,
                    code: e.code.as_str().into(),
                    message: e.message,
                    message_zh: e.message_zh,
                });
            }
        }
    }
    Ok(axum::Json(answer))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkOrdersQuery {
    /// The events, by id, comma-separated: 1 to 100.
    #[param(pattern = "^[0-9]{1,18}(,[0-9]{1,18}){0,99}$")]
    pub ids: String,
    /// xlsx (default) or csv
    #[param(schema_with = super::schema::sheet_format)]
    pub format: Option<String>,
}

const WORK_ORDER_HEADER: &[&str] = &[
    "案件编号",
    "状态",
    "三事分流",
    "类别",
    "问题描述",
    "镇街",
    "村社",
    "网格",
    "来源",
    "上报时间",
    "处置单位",
    "当前环节期限",
    "督办",
    "处置人签收",
    "办结情况",
];

#[utoipa::path(get, path = "/api/v1/events/work-orders", tag = "events", params(WorkOrdersQuery), security(("bearer" = [])),
    responses((status = 200, description = "the work orders (工单) of the events named that the caller can see, as .xlsx or CSV, in the order named; reporters' phones are not in it"),
              (status = 422, body = super::error::ErrorBody, description = "ids malformed, more than 100, or none"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: too many exports a minute from this account or address; `Retry-After` tells when")))]
pub async fn work_orders(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<WorkOrdersQuery>,
) -> ApiResult<axum::response::Response> {
    user.limited(&state, crate::rate_limit::Door::Export)?;
    let xlsx = super::export::is_xlsx(q.format.as_deref())?;
    let bad = || {
        ApiError::field(
            ErrorCode::InvalidParameter,
            "ids",
            "1 to 100 event ids, comma-separated",
        )
    };
    let ids: Vec<i64> = q
        .ids
        .split(',')
        .map(|s| s.trim().parse::<i64>().map_err(|_| bad()))
        .collect::<ApiResult<_>>()?;
    if ids.is_empty() || ids.len() > crate::usecase::act::MAX_BATCH {
        return Err(bad());
    }
    let scope = user.user.scope();
    let reference = state.reference();
    let index = state.index();
    let units: std::collections::HashMap<String, String> = state
        .store
        .list_units(&scope, None)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let name = |code: &str| index.names.get(code).cloned().unwrap_or_default();
    let levels = ["一般督办", "重点督办", "挂牌督办"];
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        // An event the caller cannot see is left out, as if it did not exist.
        let Some(e) = state.store.get_event(&scope, id).await? else {
            continue;
        };
        let grid = e.case.grid.to_string();
        let handler = e
            .case
            .lead_unit
            .as_ref()
            .map_or_else(|| e.case.owner.to_string(), |u| u.to_string());
        rows.push(vec![
            e.case_number.clone(),
            e.case.status.label_zh().into(),
            e.case.class.as_str().into(),
            reference
                .categories
                .get(&e.category)
                .map(|c| format!("{}/{}", c.major, c.minor))
                .unwrap_or_else(|| e.category.clone()),
            e.description.clone(),
            name(grid.get(..9).unwrap_or_default()),
            name(grid.get(..12).unwrap_or_default()),
            name(&grid),
            e.channel.label_zh().into(),
            time::beijing_minute(e.reported_at),
            units.get(&handler).cloned().unwrap_or(handler),
            e.case
                .step_due
                .map(time::beijing_minute)
                .unwrap_or_default(),
            usize::try_from(e.case.supervision_level - 1)
                .ok()
                .and_then(|l| levels.get(l))
                .map(|s| s.to_string())
                .unwrap_or_default(),
            String::new(),
            String::new(),
        ]);
    }
    super::export::table(WORK_ORDER_HEADER, rows, xlsx, "work-orders").await
}
