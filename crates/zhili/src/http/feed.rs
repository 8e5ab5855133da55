//! `GET /api/v1/feed`: the change feed as JSON lines, for a system whose key reads the feed
//! (`usecase::feed`). The cursor to resume from is in every line and in `Zhili-Next-Cursor`.

use super::api_keys::CurrentKey;
use super::error::{ApiResult, Query};
use crate::state::AppState;
use crate::usecase::feed as uc;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::time::rfc3339;

type Err = super::error::ErrorBody;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// The cursor a previous page ended at (0: from the start of the record).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Records to read (1–5000, default 1000); the lines are those of the key's area.
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<i64>,
}

/// One line of the feed: a step on an event, and the event as it is now.
#[derive(Serialize, ToSchema)]
pub struct FeedLineView {
    /// The record's sequence number: the cursor to resume after.
    pub seq: i64,
    pub at: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub event_id: i64,
    pub case_number: String,
    pub channel: String,
    pub category: String,
    pub status: String,
    pub grid_code: String,
    pub lon: f64,
    pub lat: f64,
    pub owner: String,
    pub lead_unit: Option<String>,
    pub reported_at: String,
    pub due_at: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/feed", tag = "integration", params(FeedQuery), security(("system_key" = [])),
    responses((status = 200, content_type = "application/x-ndjson", body = FeedLineView, description = "one JSON object per line, in the record's order; the header Zhili-Next-Cursor is where to resume"),
              (status = 401, body = Err, description = "no key sent"),
              (status = 403, body = Err, description = "a key that does not work, or one without the feed read")))]
pub async fn feed(
    State(state): State<Arc<AppState>>,
    CurrentKey(key): CurrentKey,
    Query(q): Query<FeedQuery>,
) -> ApiResult<Response> {
    let (after, limit) = (q.after.unwrap_or(0), q.limit.unwrap_or(1000));
    if after < 0 {
        return Err(
            zhili_domain::DomainError::invalid("after", "a cursor is 0 or more")
                .zh("游标不能为负数")
                .into(),
        );
    }
    if !(1..=uc::MAX_PAGE).contains(&limit) {
        return Err(
            zhili_domain::DomainError::invalid("limit", "1 to 5000 records")
                .zh("每页读取 1 至 5000 条")
                .into(),
        );
    }
    let page = uc::page(&state, &key, after, limit).await?;
    let mut body = String::new();
    for l in &page.lines {
        let e = &l.event;
        let line = FeedLineView {
            seq: l.seq,
            at: rfc3339(l.at),
            action: l.action.clone(),
            from_state: l.from_state.map(|s| s.as_str().to_string()),
            to_state: l.to_state.map(|s| s.as_str().to_string()),
            event_id: e.id,
            case_number: e.case_number.clone(),
            channel: e.channel.as_str().into(),
            category: e.category.clone(),
            status: e.case.status.as_str().into(),
            grid_code: e.case.grid.to_string(),
            lon: e.lon,
            lat: e.lat,
            owner: e.case.owner.to_string(),
            lead_unit: e.case.lead_unit.as_ref().map(|u| u.to_string()),
            reported_at: rfc3339(e.reported_at),
            due_at: e.case.step_due.map(rfc3339),
        };
        body.push_str(&serde_json::to_string(&line).unwrap_or_default());
        body.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson".to_string()),
            (
                header::HeaderName::from_static("zhili-next-cursor"),
                page.next.to_string(),
            ),
        ],
        body,
    )
        .into_response())
}
