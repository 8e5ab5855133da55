//! Sessions: the signed-in user lists theirs and ends one (a phone left signed in); an
//! administrator lists an account's and ends them all. Each ending is recorded.

use super::error::{ApiResult, Path};
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::accounts::{self, Caller};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::time;

/// A working session. Its id names it (the first 16 hex digits of its token's SHA-256) and
/// cannot be used to sign in.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    #[schema(pattern = "^[0-9a-f]{16}$")]
    pub id: String,
    pub started_at: String,
    /// When it was last used (noted within a minute).
    pub last_seen_at: Option<String>,
    pub expires_at: String,
    /// The address it began from.
    pub place: Option<String>,
    /// The session this request comes with.
    pub current: bool,
}

fn view(s: &zhili_store::SessionRecord, current: &str) -> SessionView {
    SessionView {
        id: s.id().to_string(),
        started_at: time::rfc3339(s.created_at),
        last_seen_at: s.last_seen_at.map(time::rfc3339),
        expires_at: time::rfc3339(s.expires_at),
        place: s.place.clone(),
        current: s.token_hash == current,
    }
}

#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = [SessionView], description = "the caller's working sessions, newest first")))]
pub async fn mine(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
) -> ApiResult<axum::Json<Vec<SessionView>>> {
    let list = accounts::own_sessions(state.store.as_ref(), &user.user).await?;
    Ok(axum::Json(
        list.iter().map(|s| view(s, &user.token_hash)).collect(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", params(("id" = String, Path, pattern = "^[0-9a-f]{16}$")), security(("bearer" = [])),
    responses((status = 204, description = "ended (and recorded)"),
              (status = 404, body = super::error::ErrorBody, description = "no working session of the caller's with that id")))]
pub async fn end_mine(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let ended = accounts::end_own_session(state.store.as_ref(), &user.user, &id).await?;
    state.forget_token(&ended);
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/users/{username}/sessions", tag = "users", params(("username" = String, Path, pattern = "^[A-Za-z0-9._-]{2,64}$")), security(("bearer" = [])),
    responses((status = 200, body = [SessionView], description = "the account's working sessions, newest first"),
              (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn of_account(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<Vec<SessionView>>> {
    let list = accounts::sessions(
        state.store.as_ref(),
        Caller::Administrator(&user.user),
        &username,
    )
    .await?;
    Ok(axum::Json(
        list.iter().map(|s| view(s, &user.token_hash)).collect(),
    ))
}

/// How many sessions were ended.
#[derive(Serialize, ToSchema)]
pub struct Ended {
    pub ended: usize,
}

#[utoipa::path(delete, path = "/api/v1/users/{username}/sessions", tag = "users", params(("username" = String, Path, pattern = "^[A-Za-z0-9._-]{2,64}$")), security(("bearer" = [])),
    responses((status = 200, body = Ended, description = "every working session of the account ended at once (and recorded)"),
              (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn end_account(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<Ended>> {
    let ended = accounts::end_account_sessions(
        state.store.as_ref(),
        Caller::Administrator(&user.user),
        &username,
    )
    .await?;
    for hash in &ended {
        state.forget_token(hash);
    }
    Ok(axum::Json(Ended { ended: ended.len() }))
}
