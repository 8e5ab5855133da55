//! The live stream (`GET /api/v1/events/stream`): new and changed events and raised risk
//! alerts, each told only to those whose scope holds it, for as long as the session lives.

use super::error::Query;
use super::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use std::sync::Arc;

/// How often a live stream checks that its session still works.
const SESSION_CHECK: std::time::Duration = std::time::Duration::from_secs(3);

/// `GET /api/v1/events/stream`: server-sent events (`event: event`, JSON data) for every new
/// or changed event in the caller's scope, as they happen, and `event: alert` for each risk
/// alert raised in it; a comment every 15 s keeps the connection open through proxies. The
/// stream ends within seconds of its session ending.
#[utoipa::path(get, path = "/api/v1/events/stream", tag = "events", security(("bearer" = [])),
    responses((status = 200, description = "text/event-stream of event notices", content_type = "text/event-stream")))]
pub async fn stream(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> axum::response::Sse<
    impl futures_util::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use tokio::sync::broadcast::error::RecvError;
    // Alerts as the risk pages read them (a department hears its sector's); events as always.
    let scope = crate::usecase::risk::reading_scope(&state, &user.user)
        .await
        .unwrap_or_else(|_| user.user.scope());
    let receiver = (state.notices.subscribe(), state.alert_notices.subscribe());
    // The session is checked every few seconds: a stream ends when its sign-in does
    // (sign-out, a new password, expiry), not when the client hangs up.
    let mut check = tokio::time::interval(SESSION_CHECK);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let watch = (state.clone(), user.token_hash.clone(), check);
    let events = futures_util::stream::unfold(
        (receiver, scope, watch),
        |(mut rx, scope, mut watch)| async move {
            loop {
                let next = tokio::select! {
                    n = rx.0.recv() => n,
                    a = rx.1.recv() => match a {
                        Ok(alert) if alert.visible_to(&scope) => {
                            let event = Event::default()
                                .event("alert")
                                .id(format!("alert-{}", alert.id))
                                .json_data(&alert)
                                .unwrap_or_else(|_| Event::default().comment("unserialisable"));
                            return Some((Ok(event), (rx, scope, watch)));
                        }
                        Ok(_) | Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return None,
                    },
                    _ = watch.2.tick() => {
                        if super::session_alive(&watch.0, &watch.1).await {
                            continue;
                        }
                        return None;
                    }
                };
                match next {
                    Ok(notice) if notice.visible_to(&scope) => {
                        let event = Event::default()
                            .event("event")
                            .id(notice.id.to_string())
                            .json_data(&notice)
                            .unwrap_or_else(|_| Event::default().comment("unserialisable"));
                        return Some((Ok(event), (rx, scope, watch)));
                    }
                    Ok(_) => continue,
                    // A slow reader missed some: tell it to reload rather than silently drop.
                    Err(RecvError::Lagged(n)) => {
                        return Some((
                            Ok(Event::default().event("lagged").data(n.to_string())),
                            (rx, scope, watch),
                        ))
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    Sse::new(events).keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15)))
}
