//! The signed-in staff user of a request: the bearer token resolved (through the 10 s cache),
//! where the request comes from, and the rule that a password to be changed is changed first.

use super::bearer_token;
use super::error::{self, ApiError};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::sync::Arc;
use zhili_domain::user::User;
use zhili_domain::ErrorCode;

/// The signed-in user, from `Authorization: Bearer <token>`.
pub struct CurrentUser {
    pub user: User,
    pub token_hash: String,
    /// Where the request comes from (the client behind a trusted proxy).
    pub place: std::net::IpAddr,
}

impl CurrentUser {
    /// Counts this request at a rate-limited door; 429 with `Retry-After` past the rate.
    pub fn limited(&self, state: &AppState, door: crate::rate_limit::Door) -> error::ApiResult<()> {
        Ok(state
            .rate_limits
            .take(door, Some(&self.user.username), self.place, crate::now_ms())?)
    }
}

/// A session whose password must change reaches only the change, `me` and signing out.
fn must_change_first(parts: &Parts, user: User) -> Result<User, ApiError> {
    const OPEN: [&str; 3] = [
        "/api/v1/auth/password",
        "/api/v1/auth/me",
        "/api/v1/auth/logout",
    ];
    // Inside `/api/v1` the router sees the path without it; the original is kept aside.
    let path = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(parts.uri.path(), |o| o.0.path());
    if user.must_change_password && !OPEN.contains(&path) {
        return Err(ApiError::new(
            ErrorCode::PasswordChangeRequired,
            "change the password first (POST /api/v1/auth/password)",
        )
        .zh("请先修改密码"));
    }
    Ok(user)
}

/// The client's address: the peer, or the client a trusted proxy names.
pub fn client_place(parts: &Parts, state: &AppState) -> std::net::IpAddr {
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    state.client_address(peer, &parts.headers)
}

impl FromRequestParts<Arc<AppState>> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Unauthenticated,
                    "sign in and send Authorization: Bearer <token>",
                )
            })?;
        let token_hash = crate::auth::token_hash(token);
        let now = crate::now_ms();
        let place = client_place(parts, state);
        if let Some(user) = state.cached_user(&token_hash, now) {
            return must_change_first(parts, user).map(|user| CurrentUser {
                user,
                token_hash,
                place,
            });
        }
        let user = state
            .store
            .user_by_token(&token_hash, now)
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Unauthenticated,
                    "the token is unknown, expired or signed out",
                )
            })?;
        state.cache_user(&token_hash, &user, now);
        must_change_first(parts, user).map(|user| CurrentUser {
            user,
            token_hash,
            place,
        })
    }
}
