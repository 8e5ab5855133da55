//! `/api/v1/desk/…`: the reception desk and the 12345 hotline — a caller found by number, an
//! appeal taken with its receipt, the replies waiting, the reply recorded, the figures.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::events::{summary, EventSummary, Location};
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::desk as uc;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::calendar::{china_day, CHINA_OFFSET_MS, DAY_MS};
use zhili_domain::desk::{rate, Reply, ReplyChannel};
use zhili_domain::event::Channel;
use zhili_domain::{time, ErrorCode, RegionCode};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CallerQuery {
    /// The caller's number (7 to 15 digits; +86, spaces and dashes allowed).
    #[param(max_length = 20, pattern = "^[+0-9 -]*$")]
    pub phone: String,
}

#[derive(Serialize, ToSchema)]
pub struct CallerCaseView {
    pub id: i64,
    pub number: String,
    pub event_id: i64,
    pub status: String,
    pub title: String,
    pub registered_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct CallerView {
    /// The number, masked.
    pub phone: String,
    /// They have a resident account (群众端).
    pub has_account: bool,
    /// Their name as linked to their registration, if they linked it.
    pub resident_name: Option<String>,
    /// Their earlier reports in the caller's area, newest first.
    pub events: Vec<EventSummary>,
    /// Mediation cases opened from those reports.
    pub cases: Vec<CallerCaseView>,
}

#[utoipa::path(get, path = "/api/v1/desk/callers", tag = "desk", params(CallerQuery), security(("bearer" = [])),
    responses((status = 200, body = CallerView, description = "what the desk knows of the number (each lookup charged to the operator's budget and recorded)"),
              (status = 403, body = super::error::ErrorBody, description = "the desk is the centres' operators'"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: the operator's lookups for the day are spent, or too many lookups a minute from this account or address; `Retry-After` tells when")))]
pub async fn caller(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<CallerQuery>,
) -> ApiResult<axum::Json<CallerView>> {
    user.limited(&state, crate::rate_limit::Door::Reveal)?;
    let c = uc::find_caller(&state, &user.user, &q.phone).await?;
    let now = crate::now_ms();
    Ok(axum::Json(CallerView {
        phone: c.phone_masked,
        has_account: c.resident.is_some(),
        resident_name: c.resident.and_then(|r| r.display_name),
        events: c.events.iter().map(|e| summary(&state, e, now)).collect(),
        cases: c
            .cases
            .into_iter()
            .map(|k| CallerCaseView {
                id: k.id,
                number: k.number,
                event_id: k.event_id,
                status: k.status,
                title: k.title,
                registered_at: time::rfc3339(k.registered_at),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskAppealBody {
    #[schema(max_length = 20, pattern = "^[+0-9 -]*$")]
    pub phone: String,
    #[serde(default)]
    #[schema(schema_with = super::schema::line_50_or_null)]
    pub name: Option<String>,
    /// hotline or walk_in
    #[schema(pattern = "^(hotline|walk_in)$")]
    pub channel: String,
    /// Four-digit subcategory code.
    #[schema(pattern = "^[0-9]{4}$")]
    pub category: String,
    #[schema(schema_with = super::schema::note)]
    pub description: String,
    /// The grid or village it concerns (when no location is given).
    #[serde(default)]
    #[schema(schema_with = super::schema::region_code_or_null)]
    pub place: Option<String>,
    #[serde(default)]
    pub location: Option<Location>,
}

#[derive(Serialize, ToSchema)]
pub struct AppealTaken {
    pub event: EventSummary,
    /// A receipt went to the caller's mobile (a landline gets the printed one only).
    pub receipt_sent: bool,
    /// The receipt's text, as printed and sent.
    pub receipt: String,
    /// A report nearby of the same kind in the last day, which this may repeat.
    pub duplicate_of_suggestion: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/desk/appeals", tag = "desk", request_body = DeskAppealBody, security(("bearer" = [])),
    responses((status = 201, body = AppealTaken, description = "taken as an event of the hotline or the walk-in desk; the receipt sent to a mobile"),
              (status = 403, body = super::error::ErrorBody),
              (status = 404, body = super::error::ErrorBody, description = "no such category; outside_coverage"),
              (status = 422, body = super::error::ErrorBody, description = "the field at fault (a place that is not a grid or village of the district among them)")))]
pub async fn take_appeal(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<DeskAppealBody>,
) -> ApiResult<(StatusCode, axum::Json<AppealTaken>)> {
    let channel = Channel::parse(&b.channel).ok_or_else(|| {
        ApiError::field(ErrorCode::InvalidParameter, "channel", "hotline or walk_in")
    })?;
    let place = b
        .place
        .as_deref()
        .map(|p| {
            RegionCode::parse(p)
                .map_err(|_| ApiError::field(ErrorCode::InvalidParameter, "place", "a region code"))
        })
        .transpose()?;
    let position = b.location.as_ref().map(Location::wgs84).transpose()?;
    let taken = uc::take_appeal(
        &state,
        &user.user,
        uc::Appeal {
            phone: b.phone,
            name: b.name,
            channel,
            category: b.category,
            description: b.description,
            place,
            position,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(AppealTaken {
            receipt: uc::receipt_text(&taken.event.case_number),
            event: summary(&state, &taken.event, crate::now_ms()),
            receipt_sent: taken.receipt_sent,
            duplicate_of_suggestion: taken.duplicate_suggestion,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    /// phone, sms or in_person
    #[schema(pattern = "^(phone|sms|in_person)$")]
    pub channel: String,
    /// The caller was reached (a text message always is).
    pub reached: bool,
    /// What they were told, and what they said.
    #[schema(schema_with = super::schema::note_1000)]
    pub said: String,
    /// 1–5 as the caller said (only when reached by phone or in person).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 5, nullable)]
    pub satisfaction: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReplyView {
    pub event_id: i64,
    pub channel: String,
    pub reached: bool,
    pub said: String,
    pub satisfaction: Option<i64>,
    pub replied_at: String,
    pub replied_by: String,
    pub due_at: String,
    pub on_time: bool,
}

fn reply_view(r: zhili_store::ReplyRecord) -> ReplyView {
    ReplyView {
        event_id: r.event_id,
        channel: r.reply.channel.as_str().into(),
        reached: r.reply.reached,
        said: r.reply.said,
        satisfaction: r.reply.satisfaction,
        replied_at: time::rfc3339(r.replied_at),
        replied_by: r.replied_by,
        due_at: time::rfc3339(r.due_at),
        on_time: r.on_time,
    }
}

#[utoipa::path(post, path = "/api/v1/events/{id}/reply", tag = "desk", params(("id" = i64, Path, minimum = 1)), request_body = ReplyBody, security(("bearer" = [])),
    responses((status = 201, body = ReplyView, description = "the reply kept (due two working days after the closure); a rating given becomes the case's satisfaction"),
              (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "not closed, not a hotline or walk-in case, or replied to already")))]
pub async fn reply(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<ReplyBody>,
) -> ApiResult<(StatusCode, axum::Json<ReplyView>)> {
    let channel = ReplyChannel::parse(&b.channel).ok_or_else(|| {
        ApiError::field(
            ErrorCode::InvalidParameter,
            "channel",
            "phone, sms or in_person",
        )
    })?;
    let r = uc::reply(
        &state,
        &user.user,
        id,
        Reply {
            channel,
            reached: b.reached,
            said: b.said,
            satisfaction: b.satisfaction,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(reply_view(r))))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeskDaysQuery {
    /// How many days back, today included: 1 to 366 (default 30).
    #[param(minimum = 1, maximum = 366)]
    pub days: Option<i64>,
}

fn window(days: Option<i64>) -> ApiResult<(i64, i64)> {
    let days = days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "days",
            "from 1 to 366",
        ));
    }
    let today = china_day(crate::now_ms());
    Ok((
        (today - days + 1) * DAY_MS - CHINA_OFFSET_MS,
        (today + 1) * DAY_MS - CHINA_OFFSET_MS,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct DeskFiguresView {
    pub days: i64,
    /// Calls and visits taken.
    pub answered: i64,
    /// 响应率: taken in or turned down, of those answered (%).
    pub responded_rate: Option<f64>,
    /// 解决率: closed, of those answered (%).
    pub solved_rate: Option<f64>,
    /// 按时答复率: replied within two working days of closure, of the replies due (%).
    pub replied_on_time_rate: Option<f64>,
    /// Closed cases whose reply is overdue now.
    pub replies_overdue: i64,
    /// 满意率: rated 4 or 5, of those rated (%).
    pub satisfied_rate: Option<f64>,
    pub rated: i64,
}

#[utoipa::path(get, path = "/api/v1/desk/figures", tag = "desk", params(DeskDaysQuery), security(("bearer" = [])),
    responses((status = 200, body = DeskFiguresView, description = "the hotline's and the desk's figures in the caller's area over the days asked")))]
pub async fn figures(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<DeskDaysQuery>,
) -> ApiResult<axum::Json<DeskFiguresView>> {
    let (from, to) = window(q.days)?;
    let f = uc::figures(&state, &user.user, from, to).await?;
    let c = f.counts;
    Ok(axum::Json(DeskFiguresView {
        days: q.days.unwrap_or(30),
        answered: c.answered,
        responded_rate: rate(c.responded, c.answered),
        solved_rate: rate(c.solved, c.answered),
        replied_on_time_rate: rate(c.replied_on_time, c.reply_due),
        replies_overdue: f.replies_overdue,
        satisfied_rate: rate(c.satisfied, c.rated),
        rated: c.rated,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ReplyWaiting {
    pub event: EventSummary,
    pub closed_at: String,
    pub due_at: String,
    pub overdue: bool,
}

#[utoipa::path(get, path = "/api/v1/desk/replies-due", tag = "desk", params(DeskDaysQuery), security(("bearer" = [])),
    responses((status = 200, body = [ReplyWaiting], description = "closed hotline and walk-in cases whose caller waits for the reply, the most urgent first"),
              (status = 403, body = super::error::ErrorBody)))]
pub async fn replies_due(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<DeskDaysQuery>,
) -> ApiResult<axum::Json<Vec<ReplyWaiting>>> {
    let (from, to) = window(q.days)?;
    let list = uc::replies_waiting(&state, &user.user, from, to).await?;
    let now = crate::now_ms();
    Ok(axum::Json(
        list.into_iter()
            .map(|(e, due)| ReplyWaiting {
                closed_at: time::rfc3339(e.case.closed_at.unwrap_or(e.updated_at)),
                due_at: time::rfc3339(due),
                overdue: now > due,
                event: summary(&state, &e, now),
            })
            .collect(),
    ))
}
