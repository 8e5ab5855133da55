//! `/api/v1/users`: administrators list the accounts of their area, add accounts and set
//! passwords. Every change is a hash-chained action; password hashes never leave the store.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::handlers::UserView;
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::accounts::{self, Caller};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::chain::Actor;
use zhili_domain::{ErrorCode, Role};
use zhili_store::UserFilter;

fn administrator(user: &CurrentUser) -> ApiResult<Actor> {
    if !user.user.role.administers() {
        return Err(ApiError::forbidden("only administrators manage accounts"));
    }
    Ok(user.user.actor())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// Part of the username or display name.
    #[param(schema_with = super::schema::search)]
    pub q: Option<String>,
    #[param(schema_with = super::schema::role)]
    pub role: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountView {
    #[serde(flatten)]
    pub user: UserView,
    /// Locked after repeated wrong passwords, until this time.
    pub locked_until: Option<String>,
    pub created_at: String,
    /// Stopped by an administrator: cannot sign in.
    pub disabled: bool,
    pub last_sign_in_at: Option<String>,
    /// The work phone, masked.
    pub phone: Option<String>,
    /// The name of the region the account is anchored at.
    pub region_name: Option<String>,
    /// The name of its unit (or department).
    pub unit_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountPage {
    pub total: i64,
    pub items: Vec<AccountView>,
}

fn parse_role(raw: &str) -> ApiResult<Role> {
    Role::parse(raw).ok_or_else(|| {
        ApiError::field(
            ErrorCode::InvalidParameter,
            "role",
            format!("{raw:?} is not a role"),
        )
    })
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UsersQuery), security(("bearer" = [])),
    responses((status = 200, body = AccountPage), (status = 403, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<UsersQuery>,
) -> ApiResult<axum::Json<AccountPage>> {
    administrator(&user)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "limit",
            "from 1 to 200",
        ));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "offset",
            "0 or more",
        ));
    }
    let filter = UserFilter {
        text: super::error::search_text("q", q.q)?,
        role: q.role.as_deref().map(parse_role).transpose()?,
        limit,
        offset,
    };
    let (total, rows) = state.store.list_users(&user.user.scope(), &filter).await?;
    let now = crate::now_ms();
    let index = state.index();
    let units: std::collections::HashMap<String, String> = state
        .store
        .list_units(&user.user.scope(), None)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(axum::Json(AccountPage {
        total,
        items: rows
            .into_iter()
            .map(|r| AccountView {
                region_name: index.names.get(r.user.region_code.as_str()).cloned(),
                unit_name: r
                    .user
                    .department
                    .as_ref()
                    .or(r.user.unit_id.as_ref())
                    .and_then(|u| units.get(u).cloned()),
                user: UserView::from(&r.user),
                locked_until: r
                    .locked_until
                    .filter(|&t| t > now)
                    .map(zhili_domain::time::rfc3339),
                created_at: zhili_domain::time::rfc3339(r.created_at),
                disabled: r.disabled_at.is_some(),
                last_sign_in_at: r.last_sign_in_at.map(zhili_domain::time::rfc3339),
                phone: r.phone_masked,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// 2–64 of a–z, A–Z, 0–9, '-', '_', '.'
    #[schema(pattern = "^[A-Za-z0-9._-]{2,64}$")]
    pub username: String,
    #[schema(schema_with = super::schema::line_50)]
    pub display_name: String,
    #[schema(schema_with = super::schema::role)]
    pub role: String,
    /// The region the account is anchored at: its scope.
    #[schema(schema_with = super::schema::region_code)]
    pub region_code: String,
    /// The centre, station or department the account works for.
    pub unit_id: Option<String>,
    /// Department code (D01…), for department handlers.
    pub department: Option<String>,
    /// 8 to 256 characters; stored only as an argon2id hash.
    #[schema(schema_with = super::schema::password)]
    pub password: String,
    /// The work phone colleagues call (11 digits, a mobile or a landline).
    #[serde(default)]
    pub phone: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewAccount, security(("bearer" = [])),
    responses((status = 404, body = super::error::ErrorBody, description = "not_found: the region or a unit named is not in the caller's area"), (status = 201, body = UserView), (status = 403, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "the username is taken"),
              (status = 422, body = super::error::ErrorBody),
              (status = 503, body = super::error::ErrorBody, description = "busy: every password check is taken; `Retry-After` tells when")))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(body): Json<NewAccount>,
) -> ApiResult<(StatusCode, axum::Json<UserView>)> {
    let account = accounts::NewAccount {
        username: body.username,
        display_name: body.display_name,
        role: body.role,
        region_code: body.region_code,
        unit_id: body.unit_id,
        department: body.department,
        password: body.password,
        phone: body.phone,
    };
    let created = accounts::create_account(
        state.store.as_ref(),
        &state.password_checks,
        &state.policy.password,
        Some(&state.key),
        Caller::Administrator(&user.user),
        account,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(UserView::from(&created))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    #[schema(schema_with = super::schema::password)]
    pub password: String,
}

#[utoipa::path(put, path = "/api/v1/users/{username}/password", tag = "users", params(("username" = String, Path, pattern = "^[A-Za-z0-9._-]{2,64}$")), request_body = NewPassword, security(("bearer" = [])),
    responses((status = 204, description = "set; the account's sessions are ended, a lock is lifted, and its owner must change the password at the next sign-in"),
              (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody),
              (status = 422, body = super::error::ErrorBody)))]
pub async fn set_password(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(username): Path<String>,
    Json(body): Json<NewPassword>,
) -> ApiResult<StatusCode> {
    let target = accounts::set_password(
        state.store.as_ref(),
        &state.password_checks,
        &state.policy.password,
        Caller::Administrator(&user.user),
        &username,
        body.password,
    )
    .await?;
    state.forget_user(target.id);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    /// A new display name (absent or null: unchanged).
    #[schema(schema_with = super::schema::line_50_or_null)]
    pub display_name: Option<String>,
    /// A new work phone; "" removes it.
    #[schema(schema_with = super::schema::phone_or_empty)]
    pub phone: Option<String>,
    /// Stop (true) or start (false) the account; stopping ends its sessions at once.
    pub disabled: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/users/{username}", tag = "users", params(("username" = String, Path, pattern = "^[A-Za-z0-9._-]{2,64}$")), request_body = AccountPatch, security(("bearer" = [])),
    responses((status = 200, body = UserView, description = "the account as changed (a patch that names nothing changes nothing)"),
              (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "conflict: an administrator cannot stop their own account"),
              (status = 422, body = super::error::ErrorBody)))]
pub async fn change(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(username): Path<String>,
    Json(body): Json<AccountPatch>,
) -> ApiResult<axum::Json<UserView>> {
    let edit = accounts::AccountEdit {
        display_name: body.display_name,
        phone: body.phone,
        disabled: body.disabled,
    };
    let changed = accounts::change_account(
        state.store.as_ref(),
        &state.key,
        Caller::Administrator(&user.user),
        &username,
        edit,
    )
    .await?;
    if body.disabled == Some(true) {
        state.forget_user(changed.id);
    }
    Ok(axum::Json(UserView::from(&changed)))
}

#[utoipa::path(post, path = "/api/v1/users/{username}/unlock", tag = "users", params(("username" = String, Path, pattern = "^[A-Za-z0-9._-]{2,64}$")), security(("bearer" = [])),
    responses((status = 204, description = "every sign-in lock of the account is lifted"),
              (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn unlock(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    accounts::unlock_account(
        state.store.as_ref(),
        Caller::Administrator(&user.user),
        &username,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
