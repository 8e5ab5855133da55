//! `/api/v1/users`: administrators list the accounts of their area, add accounts and set
//! passwords. Every change is a hash-chained action; password hashes never leave the store.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::handlers::UserView;
use super::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::chain::Actor;
use zhili_domain::{user, ErrorCode, RegionCode, Role, Scope};
use zhili_store::{NewUser, UserFilter};

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
    Ok(axum::Json(AccountPage {
        total,
        items: rows
            .into_iter()
            .map(|r| AccountView {
                user: UserView::from(&r.user),
                locked_until: r
                    .locked_until
                    .filter(|&t| t > now)
                    .map(zhili_domain::time::rfc3339),
                created_at: zhili_domain::time::rfc3339(r.created_at),
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
}

async fn hash(state: &AppState, password: String) -> ApiResult<String> {
    user::validate_password(&password)?;
    state
        .password_checks
        .run(move || crate::auth::hash_password(&password))
        .await
        .map_err(|_| super::handlers::busy())?
        .map_err(|e| ApiError::new(ErrorCode::Internal, e))
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
    let actor = administrator(&user)?;
    let role = parse_role(&body.role)?;
    let region = RegionCode::parse(&body.region_code)
        .map_err(|e| ApiError::field(ErrorCode::InvalidParameter, "region_code", e.message))?;
    let scope = user.user.scope();
    if !scope.sees_region(&region) {
        return Err(ApiError::field(
            ErrorCode::NotFound,
            "region_code",
            format!("no region {region} in your area"),
        ));
    }
    let department = body.department.filter(|d| !d.is_empty());
    user::validate_account(&body.username, role, &region, department.as_deref()).map_err(
        |mut e| {
            // The domain names the anchor "region"; this API's field is region_code.
            if e.field.as_deref() == Some("region") {
                e.field = Some("region_code".into());
            }
            e
        },
    )?;
    let display_name = zhili_domain::text::line("display_name", &body.display_name, 50)?;
    let whole = Scope::whole(region.clone());
    if state
        .store
        .get_region(&whole, &region, false)
        .await?
        .is_none()
    {
        return Err(ApiError::field(
            ErrorCode::NotFound,
            "region_code",
            format!("no region {region}"),
        ));
    }
    let unit_id = body.unit_id.filter(|u| !u.is_empty());
    for (field, id) in [("unit_id", &unit_id), ("department", &department)] {
        if let Some(id) = id {
            if state.store.get_unit(&scope, id).await?.is_none() {
                return Err(ApiError::field(
                    ErrorCode::NotFound,
                    field,
                    format!("no unit {id}"),
                ));
            }
        }
    }
    if state.store.find_login(&body.username).await?.is_some() {
        return Err(ApiError::field(
            ErrorCode::Conflict,
            "username",
            format!("{} is taken", body.username),
        ));
    }
    let password_hash = hash(&state, body.password).await?;
    let new = NewUser {
        username: body.username.clone(),
        display_name,
        role,
        unit_id,
        region_code: region,
        department,
        password_hash,
    };
    state
        .store
        .insert_users(&actor, std::slice::from_ref(&new), crate::now_ms())
        .await?;
    let created = state
        .store
        .find_login(&new.username)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the new account vanished"))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(UserView::from(&created.user)),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    #[schema(schema_with = super::schema::password)]
    pub password: String,
}

#[utoipa::path(put, path = "/api/v1/users/{username}/password", tag = "users", params(("username" = String, Path, pattern = "^[A-Za-z0-9._-]{2,64}$")), request_body = NewPassword, security(("bearer" = [])),
    responses((status = 204, description = "set; the account's sessions are ended and a lock is lifted"),
              (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody),
              (status = 422, body = super::error::ErrorBody)))]
pub async fn set_password(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(username): Path<String>,
    Json(body): Json<NewPassword>,
) -> ApiResult<StatusCode> {
    let actor = administrator(&user)?;
    // Only accounts of the administrator's own area; others do not exist for them.
    let target = state.store.find_login(&username).await?;
    let Some(target) = target.filter(|t| user.user.scope().sees_region(&t.user.region_code)) else {
        return Err(ApiError::not_found(&format!("user {username}")));
    };
    let password_hash = hash(&state, body.password).await?;
    state
        .store
        .set_password(&actor, &username, &password_hash, crate::now_ms())
        .await?;
    state.forget_user(target.user.id);
    Ok(StatusCode::NO_CONTENT)
}
