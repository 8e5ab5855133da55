//! `/api/v1/webhooks`: the units' webhook subscriptions — subscribed by an administrator (the
//! secret shown once), listed, their secret rotated, disabled and enabled — their delivery
//! logs, and a delivery replayed (`usecase::webhooks`).

use super::error::{ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::webhooks::{self as uc, NewSubscription};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::time::rfc3339;
use zhili_store::{DeliveryRecord, SubscriptionRecord};

type Err = super::error::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct WebhookView {
    pub id: i64,
    pub unit_id: String,
    pub unit_name: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub created_by: String,
    pub created_at: String,
    /// While a rotation overlaps: until when the previous secret still signs beside the new.
    pub previous_secret_until: Option<String>,
    pub disabled_at: Option<String>,
    pub disabled_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookIssued {
    /// The signing secret (`whsec_…`): shown this once.
    pub secret: String,
    pub webhook: WebhookView,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookDeliveryView {
    pub id: i64,
    pub subscription_id: i64,
    /// `webhook-id`: the same on every attempt and replay.
    pub message_id: String,
    pub event_type: String,
    /// The exact body signed and sent.
    pub body: String,
    pub created_at: String,
    pub attempts: i64,
    /// pending, delivered, failed or dropped
    pub state: String,
    pub next_at: Option<String>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<String>,
}

async fn names(state: &AppState) -> ApiResult<std::collections::HashMap<String, String>> {
    Ok(crate::usecase::risk::unit_names(state).await?)
}

fn view(units: &std::collections::HashMap<String, String>, s: SubscriptionRecord) -> WebhookView {
    let now = crate::now_ms();
    WebhookView {
        unit_name: units
            .get(&s.unit_id)
            .cloned()
            .unwrap_or_else(|| s.unit_id.clone()),
        id: s.id,
        unit_id: s.unit_id,
        url: s.url,
        event_types: s.event_types,
        created_by: s.created_by,
        created_at: rfc3339(s.created_at),
        previous_secret_until: s.previous_until.filter(|u| *u > now).map(rfc3339),
        disabled_at: s.disabled_at.map(rfc3339),
        disabled_reason: s.disabled_reason,
    }
}

fn delivery_view(d: DeliveryRecord) -> WebhookDeliveryView {
    WebhookDeliveryView {
        id: d.id,
        subscription_id: d.subscription_id,
        message_id: d.message_id,
        event_type: d.event_type,
        body: d.body,
        created_at: rfc3339(d.created_at),
        attempts: d.attempts,
        next_at: (d.state == "pending")
            .then_some(d.next_at)
            .flatten()
            .map(rfc3339),
        state: d.state,
        last_status: d.last_status,
        last_error: d.last_error,
        delivered_at: d.delivered_at.map(rfc3339),
    }
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "integration", security(("bearer" = [])),
    responses((status = 200, body = [WebhookView], description = "every subscription, newest first (never a secret)"), (status = 403, body = Err)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
) -> ApiResult<axum::Json<Vec<WebhookView>>> {
    let subs = uc::list(&state, &user.user).await?;
    let units = names(&state).await?;
    Ok(axum::Json(
        subs.into_iter().map(|s| view(&units, s)).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    pub unit_id: String,
    /// http or https; an address inside the network is refused when called unless its range is allowed.
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// event.reported, event.dispatched, event.returned, event.closed, event.reopened,
    /// event.overdue (a step's deadline passed), alert.raised (a risk alert on the unit's area
    /// or, for a department, on its own figures)
    #[schema(min_items = 1, max_items = 7)]
    pub event_types: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "integration", request_body = WebhookBody, security(("bearer" = [])),
    responses((status = 201, body = WebhookIssued, description = "subscribed; the secret is in this answer only"),
              (status = 403, body = Err), (status = 404, body = Err, description = "no such unit"),
              (status = 422, body = Err, description = "an address that is not http(s) or has a user name, an unknown event type")))]
pub async fn subscribe(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<WebhookBody>,
) -> ApiResult<(StatusCode, axum::Json<WebhookIssued>)> {
    let (rec, secret) = uc::subscribe(
        &state,
        &user.user,
        NewSubscription {
            unit_id: b.unit_id,
            url: b.url,
            event_types: b.event_types,
        },
    )
    .await?;
    let units = names(&state).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(WebhookIssued {
            secret,
            webhook: view(&units, rec),
        }),
    ))
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "integration", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 201, body = WebhookIssued, description = "a new secret, shown once; the previous one signs beside it for 24 hours"),
              (status = 403, body = Err), (status = 404, body = Err)))]
pub async fn rotate_secret(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, axum::Json<WebhookIssued>)> {
    let (rec, secret) = uc::rotate_secret(&state, &user.user, id).await?;
    let units = names(&state).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(WebhookIssued {
            secret,
            webhook: view(&units, rec),
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookDisableBody {
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/disable", tag = "integration", params(("id" = i64, Path, minimum = 1)), request_body = WebhookDisableBody, security(("bearer" = [])),
    responses((status = 200, body = WebhookView, description = "no more deliveries until enabled"), (status = 403, body = Err), (status = 404, body = Err),
              (status = 409, body = Err, description = "disabled already")))]
pub async fn disable(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<WebhookDisableBody>,
) -> ApiResult<axum::Json<WebhookView>> {
    let rec = uc::set_disabled(&state, &user.user, id, Some(b.reason)).await?;
    Ok(axum::Json(view(&names(&state).await?, rec)))
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/enable", tag = "integration", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = WebhookView, description = "deliveries resume (the pending ones are sent)"), (status = 403, body = Err), (status = 404, body = Err),
              (status = 409, body = Err, description = "enabled already")))]
pub async fn enable(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<WebhookView>> {
    let rec = uc::set_disabled(&state, &user.user, id, None).await?;
    Ok(axum::Json(view(&names(&state).await?, rec)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// pending, delivered, failed or dropped
    #[param(pattern = "^(pending|delivered|failed|dropped)$")]
    pub state: Option<String>,
    /// Only deliveries older than this one (the last id of the page read): the next page.
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// Deliveries in the page (50 unless asked).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "integration", params(("id" = i64, Path, minimum = 1), DeliveriesQuery), security(("bearer" = [])),
    responses((status = 200, body = [WebhookDeliveryView], description = "a page of the delivery log, newest first; the next page with `before` set to its last id"),
              (status = 403, body = Err), (status = 404, body = Err), (status = 422, body = Err)))]
pub async fn deliveries(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<DeliveriesQuery>,
) -> ApiResult<axum::Json<Vec<WebhookDeliveryView>>> {
    let page = uc::DeliveryPage {
        state: q.state.as_deref(),
        before: q.before,
        limit: q.limit,
    };
    let list = uc::deliveries(&state, &user.user, id, page).await?;
    Ok(axum::Json(list.into_iter().map(delivery_view).collect()))
}

#[utoipa::path(post, path = "/api/v1/webhook-deliveries/{id}/replay", tag = "integration", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = WebhookDeliveryView, description = "sent again now, with its message id and body"), (status = 403, body = Err), (status = 404, body = Err),
              (status = 409, body = Err, description = "the subscription is disabled")))]
pub async fn replay(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<WebhookDeliveryView>> {
    Ok(axum::Json(delivery_view(
        uc::replay(&state, &user.user, id).await?,
    )))
}
