//! `/api/v1/people`, `/houses`, `/visits/due`: the population registry of the grids.
//! Identifiers are masked in every answer; a full value needs a reason (`?reason=`),
//! a role allowed to see it, and leaves a record in the hash chain.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::crypto::Sealed;
use crate::people::PersonInput;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::calendar::{china_day, DAY_MS};
use zhili_domain::chain::Actor;
use zhili_domain::event::Channel;
use zhili_domain::person::{self, KeyGroup, PopulationType};
use zhili_domain::{time, ErrorCode};
use zhili_store::{KeyRoleRecord, NewHouse, NewVisit, PeopleFilter, PersonRecord};

fn reader(user: &CurrentUser) -> ApiResult<()> {
    if person::may_read(user.user.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "this role does not work with the population registry",
        ))
    }
}

pub(super) fn registrar(user: &CurrentUser) -> ApiResult<Actor> {
    if person::may_register(user.user.role) {
        Ok(user.user.actor())
    } else {
        Err(ApiError::forbidden("this role does not register people"))
    }
}

fn key_group_worker(user: &CurrentUser) -> ApiResult<Actor> {
    if person::sees_key_groups(user.user.role) {
        Ok(user.user.actor())
    } else {
        Err(ApiError::forbidden(
            "key groups are seen only by those who visit them",
        ))
    }
}

#[derive(Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    /// GA/T 517 document type: 111 resident ID card …
    pub id_type: String,
    /// Masked (5001**************) unless revealed.
    pub id_number: String,
    pub name: String,
    pub sex: Option<String>,
    /// Only when revealed.
    pub birth_date: Option<String>,
    /// Ten-year age band (`30–39`), shown instead of the birth date.
    pub age_band: Option<String>,
    /// Masked unless revealed.
    pub phone: Option<String>,
    pub population_type: String,
    pub population_label: String,
    pub house_id: Option<i64>,
    pub house_address: Option<String>,
    pub grid_code: String,
    pub grid_name: String,
    /// Key groups the person belongs to (only for roles that see them).
    pub key_groups: Vec<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub created_at: String,
}

fn view(state: &AppState, p: &PersonRecord, key_groups: Vec<String>) -> PersonView {
    let n = &p.person;
    PersonView {
        id: p.id,
        id_type: n.id_type.clone(),
        id_number: n.id_masked.clone(),
        name: n.name.clone(),
        sex: n.sex.clone(),
        birth_date: None,
        age_band: n
            .birth_date
            .as_deref()
            .and_then(|b| zhili_domain::id_number::age_band(b, china_day(crate::now_ms()))),
        phone: n.phone_masked.clone(),
        population_label: PopulationType::parse(&n.population_type)
            .map(|t| t.label_zh().to_string())
            .unwrap_or_default(),
        population_type: n.population_type.clone(),
        house_id: n.house_id,
        house_address: p.house_address.clone(),
        grid_name: state
            .index()
            .names
            .get(n.grid_code.as_str())
            .cloned()
            .unwrap_or_default(),
        grid_code: n.grid_code.to_string(),
        key_groups,
        details: serde_json::from_str(&n.details).unwrap_or_default(),
        created_at: time::rfc3339(p.created_at),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonBody {
    /// 111 (resident ID card, default), 112, 414, 511, 516, 553
    pub id_type: Option<String>,
    pub id_number: String,
    pub name: String,
    pub phone: Option<String>,
    pub grid_code: String,
    /// registered, floating, foreign, left_behind (or 户籍人口 …)
    pub population_type: Option<String>,
    pub house_id: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = PersonBody, security(("bearer" = [])),
    responses((status = 404, body = super::error::ErrorBody, description = "not_found: a photo, house or link that is not there"), (status = 201, body = PersonView, description = "identifiers masked"),
              (status = 422, body = super::error::ErrorBody, description = "invalid_id_number for an ID number failing GB 11643; invalid_parameter naming the field"),
              (status = 409, body = super::error::ErrorBody, description = "already registered (here, or in an area the caller does not see: which is not told)"), (status = 403, body = super::error::ErrorBody),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: the account's daily identity-number lookups are spent; `Retry-After` tells when")))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(body): Json<PersonBody>,
) -> ApiResult<(StatusCode, axum::Json<PersonView>)> {
    let actor = registrar(&user)?;
    let scope = user.user.scope();
    if let Some(h) = body.house_id {
        let house = state.store.get_house(&scope, h).await?;
        if house.is_none_or(|h| h.house.grid_code.as_str() != body.grid_code.trim()) {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "house_id",
                format!("no house {h} in grid {}", body.grid_code),
            ));
        }
    }
    let now = crate::now_ms();
    let input = PersonInput {
        id_type: body.id_type.unwrap_or_default(),
        id_number: body.id_number,
        name: body.name,
        phone: body.phone,
        grid_code: body.grid_code,
        population_type: body.population_type,
        house_id: body.house_id,
        details: body.details.unwrap_or_default(),
    };
    let new = crate::people::prepare(&input, &state.key, &state.index(), &scope, china_day(now))
        .map_err(ApiError::from_problems)?;
    // The duplicate check is a lookup of the number like any other.
    state
        .charge_lookups(&actor, 1, "people", "registration's duplicate check")
        .await?;
    let ids = state
        .store
        .create_people(&actor, std::slice::from_ref(&new), now)
        .await?;
    let stored = state
        .store
        .get_person(&scope, ids[0])
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the new person vanished"))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(view(&state, &stored, vec![])),
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// A name, part of an address, or an exact identity number (found through the blind index).
    #[param(schema_with = super::schema::search)]
    pub q: Option<String>,
    /// A region in the caller's area.
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
    /// Only members of this key group (roles that see key groups).
    #[param(schema_with = super::schema::key_group)]
    pub key_group: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 200)]
    pub page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PeoplePage {
    pub items: Vec<PersonView>,
    pub total: i64,
}

/// A search box's text as the store takes it: an identity number becomes its blind index,
/// anything else (at most 50 characters) a name or address to match.
/// A search's blind index (for an exact identity number, charged to the caller's lookup
/// budget and recorded) or text.
async fn search_terms(
    state: &AppState,
    user: &CurrentUser,
    q: Option<&str>,
) -> ApiResult<(Option<String>, Option<String>)> {
    let q = super::error::search_text("q", q.map(str::to_string))?;
    Ok(match q.as_deref() {
        Some(t) if looks_like_id(t) => {
            state
                .charge_lookups(&user.user.actor(), 1, "people", "search by ID number")
                .await?;
            (Some(crate::people::blind_id(&state.key, t)), None)
        }
        Some(t) => (None, Some(t.to_string())),
        None => (None, None),
    })
}

/// Looks like an identity number rather than a name or an address.
fn looks_like_id(q: &str) -> bool {
    (5..=20).contains(&q.len())
        && q.bytes().all(|b| b.is_ascii_alphanumeric())
        && q.bytes().filter(u8::is_ascii_digit).count() >= 5
}

#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PeopleQuery), security(("bearer" = [])),
    responses((status = 200, body = PeoplePage, description = "masked"), (status = 403, body = super::error::ErrorBody),
              (status = 422, body = super::error::ErrorBody, description = "invalid_parameter: search text over 100 characters"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: the account's daily identity-number lookups are spent; `Retry-After` tells when")))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<PeopleQuery>,
) -> ApiResult<axum::Json<PeoplePage>> {
    reader(&user)?;
    let bad = |field: &str, msg: &str| ApiError::field(ErrorCode::InvalidParameter, field, msg);
    let paging = super::error::Paging::of(q.page, q.page_size, 200)?;
    let region = super::things::region_of(q.region.as_deref())?;
    if let Some(k) = &q.key_group {
        key_group_worker(&user)?;
        if KeyGroup::parse(k).is_none() {
            return Err(bad("key_group", "not a key group"));
        }
    }
    let (id_blind, text) = search_terms(&state, &user, q.q.as_deref()).await?;
    let filter = PeopleFilter {
        text,
        id_blind,
        region,
        key_group: q
            .key_group
            .as_deref()
            .and_then(KeyGroup::parse)
            .map(|k| k.as_str().to_string()),
        limit: paging.size,
        offset: paging.offset(),
    };
    let (total, people) = state.store.list_people(&user.user.scope(), &filter).await?;
    let mut groups = if person::sees_key_groups(user.user.role) {
        let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
        state.store.key_groups_of(&ids).await?
    } else {
        Default::default()
    };
    let items = people
        .iter()
        .map(|p| view(&state, p, groups.remove(&p.id).unwrap_or_default()))
        .collect();
    Ok(axum::Json(PeoplePage { items, total }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Why the full ID number and phone are needed (2–200 characters): given, they are
    /// shown (roles that may reveal them only; recorded with the reason).
    #[param(pattern = r"^\s*\S[\s\S]*\S\s*$", max_length = 200)]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct KeyRoleView {
    pub kind: String,
    pub label: String,
    pub risk_level: Option<i64>,
    pub visit_every_days: i64,
    pub since: String,
    pub last_visit_at: Option<String>,
    pub next_visit_due: String,
    pub overdue: bool,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

fn role_view(k: &KeyRoleRecord, now: i64) -> KeyRoleView {
    KeyRoleView {
        label: KeyGroup::parse(&k.kind)
            .map(|g| g.label_zh().to_string())
            .unwrap_or_default(),
        kind: k.kind.clone(),
        risk_level: k.risk_level,
        visit_every_days: k.visit_every_days,
        since: time::rfc3339(k.since),
        last_visit_at: k.last_visit_at.map(time::rfc3339),
        next_visit_due: time::rfc3339(k.next_visit_due),
        overdue: k.next_visit_due < now,
        details: serde_json::from_str(&k.details).unwrap_or_default(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct VisitView {
    pub id: i64,
    pub kind: String,
    pub at: String,
    pub place: String,
    pub findings: String,
    pub attachments: Vec<String>,
    pub visitor: String,
}

fn visit_view(v: zhili_store::VisitRecord) -> VisitView {
    VisitView {
        id: v.id,
        kind: v.visit.kind,
        at: time::rfc3339(v.visit.at),
        place: v.visit.place,
        findings: v.visit.findings,
        attachments: serde_json::from_str(&v.visit.attachments).unwrap_or_default(),
        visitor: v.visitor,
    }
}

#[derive(Serialize, ToSchema)]
pub struct PersonDetail {
    #[serde(flatten)]
    pub person: PersonView,
    /// True when `id_number` and `phone` are the full values.
    pub revealed: bool,
    pub key_roles: Vec<KeyRoleView>,
    pub visits: Vec<VisitView>,
}

#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path, minimum = 1), PersonQuery), security(("bearer" = [])),
    responses((status = 200, body = PersonDetail), (status = 404, body = super::error::ErrorBody),
              (status = 403, body = super::error::ErrorBody, description = "reveal asked by a role that may not see full identifiers")))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<PersonQuery>,
) -> ApiResult<axum::Json<PersonDetail>> {
    let id = super::events::parse_id(&id)?;
    reader(&user)?;
    let reason = q.reason.as_deref().map(str::trim).unwrap_or("");
    let reveal = q.reason.is_some();
    if reveal {
        if !person::may_reveal(user.user.role) {
            return Err(ApiError::forbidden(
                "this role may not see full identifiers",
            ));
        }
        if !(2..=200).contains(&reason.chars().count()) {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "reason",
                "say why the full values are needed (2 to 200 characters)",
            ));
        }
    }
    let found = state.store.get_person(&user.user.scope(), id).await?;
    let found = found.ok_or_else(|| ApiError::not_found(&format!("person {id}")))?;
    let now = crate::now_ms();
    let (roles, visits) = if person::sees_key_groups(user.user.role) {
        (
            state.store.key_roles(&user.user.scope(), id).await?,
            state.store.visits(&user.user.scope(), id, 100).await?,
        )
    } else {
        (vec![], vec![])
    };
    let mut person = view(
        &state,
        &found,
        roles.iter().map(|k| k.kind.clone()).collect(),
    );
    if reveal {
        // Recorded before anything is shown.
        state
            .store
            .record_read(
                user.user
                    .actor()
                    .action(now, "person.reveal", &format!("person:{id}"))
                    .opinion(reason.to_string()),
            )
            .await?;
        let open = |sealed: &str, context: Sealed| {
            state.key.open(sealed, context).map_err(|e| {
                ApiError::new(
                    ErrorCode::Internal,
                    format!("cannot open a sealed value: {e}"),
                )
            })
        };
        person.id_number = open(&found.person.id_sealed, Sealed::PersonIdNumber)?;
        person.birth_date = found.person.birth_date.clone();
        person.phone = found
            .person
            .phone_sealed
            .as_deref()
            .map(|p| open(p, Sealed::PersonPhone))
            .transpose()?;
    }
    Ok(axum::Json(PersonDetail {
        person,
        revealed: reveal,
        key_roles: roles.iter().map(|k| role_view(k, now)).collect(),
        visits: visits.into_iter().map(visit_view).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRoleBody {
    /// released_prisoner, community_correction, drug_user, severe_mental_illness, key_youth,
    /// repeat_petitioner (or the Chinese name)
    #[schema(schema_with = super::schema::key_group)]
    pub kind: String,
    /// 0–5, for severe mental illness only.
    #[schema(minimum = 0, maximum = 5)]
    pub risk_level: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

#[utoipa::path(post, path = "/api/v1/people/{id}/key-roles", tag = "people", params(("id" = i64, Path, minimum = 1)), request_body = KeyRoleBody, security(("bearer" = [])),
    responses((status = 404, body = super::error::ErrorBody, description = "not_found: no such person in the area"), (status = 403, body = super::error::ErrorBody, description = "a role that does not visit key groups"), (status = 201, body = KeyRoleView), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn add_key_role(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<KeyRoleBody>,
) -> ApiResult<(StatusCode, axum::Json<KeyRoleView>)> {
    let id = super::events::parse_id(&id)?;
    let actor = key_group_worker(&user)?;
    let found = state.store.get_person(&user.user.scope(), id).await?;
    let found = found.ok_or_else(|| ApiError::not_found(&format!("person {id}")))?;
    let kind = KeyGroup::parse(&body.kind).ok_or_else(|| {
        ApiError::field(
            ErrorCode::InvalidParameter,
            "kind",
            format!("{:?} is not a key group", body.kind),
        )
    })?;
    let risk = match (kind.has_risk_level(), body.risk_level) {
        (true, Some(r @ 0..=5)) => Some(r),
        (true, _) => {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "risk_level",
                "0 to 5",
            ))
        }
        (false, None) => None,
        (false, Some(_)) => {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "risk_level",
                "only severe mental illness has a risk level",
            ))
        }
    };
    let every = kind.visit_every_days(risk.map(|r| r as u8));
    let now = crate::now_ms();
    // The group's own fields (矫正类别, 管控状态, 主要诉求 …).
    let mut problems = Vec::new();
    let pairs = crate::people::detail_pairs(&body.details.unwrap_or_default(), &mut problems);
    problems.extend(person::check_fields(
        kind.fields(),
        (kind.as_str(), kind.label_zh()),
        &pairs,
        china_day(now),
    ));
    if !problems.is_empty() {
        return Err(ApiError::from_problems(problems));
    }
    let details = crate::people::details_json(pairs);
    let role = KeyRoleRecord {
        person_id: id,
        kind: kind.as_str().to_string(),
        risk_level: risk,
        visit_every_days: every,
        details,
        since: now,
        last_visit_at: None,
        // A first visit within a week of joining, or sooner if the group's interval is shorter.
        next_visit_due: now + every.min(7) * DAY_MS,
        grid_code: found.person.grid_code.to_string(),
    };
    state.store.add_key_role(&actor, &role, now).await?;
    Ok((StatusCode::CREATED, axum::Json(role_view(&role, now))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitBody {
    /// The key group the visit is for.
    #[schema(schema_with = super::schema::key_group)]
    pub kind: String,
    /// RFC 3339; default now. At most 30 days back, not in the future.
    pub at: Option<String>,
    #[schema(schema_with = super::schema::note_200)]
    pub place: String,
    #[schema(schema_with = super::schema::note)]
    pub findings: String,
    /// Photo ids from POST /api/v1/attachments.
    #[schema(schema_with = super::schema::photo_ids_or_null)]
    pub attachments: Option<Vec<String>>,
}

#[utoipa::path(post, path = "/api/v1/people/{id}/visits", tag = "people", params(("id" = i64, Path, minimum = 1)), request_body = VisitBody, security(("bearer" = [])),
    responses((status = 404, body = super::error::ErrorBody, description = "not_found: no such person in the area, or a photo not uploaded"), (status = 403, body = super::error::ErrorBody, description = "a role that does not visit key groups"), (status = 201, body = VisitView), (status = 422, body = super::error::ErrorBody)))]
pub async fn record_visit(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<VisitBody>,
) -> ApiResult<(StatusCode, axum::Json<VisitView>)> {
    let id = super::events::parse_id(&id)?;
    let actor = key_group_worker(&user)?;
    if state
        .store
        .get_person(&user.user.scope(), id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found(&format!("person {id}")));
    }
    let kind = KeyGroup::parse(&body.kind).ok_or_else(|| {
        ApiError::field(
            ErrorCode::InvalidParameter,
            "kind",
            format!("{:?} is not a key group", body.kind),
        )
    })?;
    let now = crate::now_ms();
    let at = match body.at.as_deref() {
        None => now,
        Some(s) => time::parse_rfc3339(s)
            .filter(|&t| t <= now + 5 * 60_000 && t >= now - 30 * DAY_MS)
            .ok_or_else(|| {
                ApiError::field(
                    ErrorCode::InvalidParameter,
                    "at",
                    "an RFC 3339 time in the last 30 days",
                )
            })?,
    };
    for (field, text, max) in [
        ("place", &body.place, 200),
        ("findings", &body.findings, 2000),
    ] {
        let n = text.chars().count();
        if text.trim().is_empty() || n > max {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                field,
                format!("1 to {max} characters"),
            ));
        }
    }
    let attachments = crate::usecase::evidence::checked_photos(
        &state,
        &user.user.username,
        "attachments",
        body.attachments.as_deref().unwrap_or_default(),
    )
    .await?;
    let visit = NewVisit {
        person_id: id,
        kind: kind.as_str().to_string(),
        at,
        place: body.place.trim().to_string(),
        findings: body.findings.trim().to_string(),
        attachments,
    };
    let v = state.store.record_visit(&actor, &visit, now).await?;
    Ok((StatusCode::CREATED, axum::Json(visit_view(v))))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DueVisitView {
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub kind: String,
    pub label: String,
    pub risk_level: Option<i64>,
    pub last_visit_at: Option<String>,
    pub next_visit_due: String,
    pub days_overdue: i64,
    pub grid_code: String,
    pub grid_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct DuePage {
    pub total: i64,
    pub items: Vec<DueVisitView>,
}

#[utoipa::path(get, path = "/api/v1/visits/due", tag = "people", params(DueQuery), security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not visit key groups"), (status = 200, body = DuePage, description = "key people whose visit is overdue, the longest overdue first")))]
pub async fn due(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<DueQuery>,
) -> ApiResult<axum::Json<DuePage>> {
    key_group_worker(&user)?;
    let region = super::things::region_of(q.region.as_deref())?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "limit",
            "1 to 500",
        ));
    }
    let now = crate::now_ms();
    let (total, rows) = state
        .store
        .due_visits(&user.user.scope(), region.as_ref(), now, limit)
        .await?;
    let index = state.index();
    Ok(axum::Json(DuePage {
        total,
        items: rows
            .into_iter()
            .map(|d| DueVisitView {
                person_id: d.role.person_id,
                name: d.name,
                id_number: d.id_masked,
                label: KeyGroup::parse(&d.role.kind)
                    .map(|g| g.label_zh().to_string())
                    .unwrap_or_default(),
                kind: d.role.kind,
                risk_level: d.role.risk_level,
                last_visit_at: d.role.last_visit_at.map(time::rfc3339),
                next_visit_due: time::rfc3339(d.role.next_visit_due),
                days_overdue: (now - d.role.next_visit_due) / DAY_MS,
                grid_name: index
                    .names
                    .get(&d.role.grid_code)
                    .cloned()
                    .unwrap_or_default(),
                grid_code: d.role.grid_code,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseBody {
    #[schema(schema_with = super::schema::line_40)]
    pub code: String,
    #[schema(schema_with = super::schema::line_200)]
    pub address: String,
    #[schema(schema_with = super::schema::grid_code)]
    pub grid_code: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// 住宅, 商铺, 厂房, 出租屋, 其他
    #[schema(schema_with = super::schema::house_usage)]
    pub usage: String,
    #[serde(default)]
    pub rented: bool,
    #[serde(default)]
    pub hazards: String,
}

#[derive(Serialize, ToSchema)]
pub struct HouseView {
    pub id: i64,
    pub code: String,
    pub address: String,
    pub grid_code: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub usage: String,
    pub rented: bool,
    pub hazards: String,
    pub occupants: i64,
}

#[utoipa::path(post, path = "/api/v1/houses", tag = "people", request_body = HouseBody, security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not register people"), (status = 201, body = HouseView), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn create_house(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(body): Json<HouseBody>,
) -> ApiResult<(StatusCode, axum::Json<HouseView>)> {
    let actor = registrar(&user)?;
    let input = crate::places::HouseInput {
        code: body.code,
        address: body.address,
        grid_code: body.grid_code,
        lon: body.lon,
        lat: body.lat,
        usage: body.usage,
        rented: body.rented,
        hazards: body.hazards,
    };
    let house = crate::places::prepare_house(&input, &state.index(), &user.user.scope())
        .map_err(ApiError::from_problems)?;
    let id = state
        .store
        .create_houses(&actor, std::slice::from_ref(&house), crate::now_ms())
        .await?[0];
    Ok((StatusCode::CREATED, axum::Json(house_view(id, &house, 0))))
}

fn house_view(id: i64, h: &NewHouse, occupants: i64) -> HouseView {
    HouseView {
        id,
        code: h.code.clone(),
        address: h.address.clone(),
        grid_code: h.grid_code.to_string(),
        lon: h.lon,
        lat: h.lat,
        usage: h.usage.clone(),
        rented: h.rented,
        hazards: h.hazards.clone(),
        occupants,
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HousesQuery {
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
    /// Text in the address or the house code.
    #[param(schema_with = super::schema::search)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct HousePage {
    pub items: Vec<HouseView>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/houses", tag = "people", params(HousesQuery), security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not work with the population registry"), (status = 200, body = HousePage)))]
pub async fn list_houses(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<HousesQuery>,
) -> ApiResult<axum::Json<HousePage>> {
    reader(&user)?;
    let paging = super::error::Paging::of(q.page, q.page_size, 500)?;
    let filter = zhili_store::HouseFilter {
        region: super::things::region_of(q.region.as_deref())?,
        text: super::error::search_text("q", q.q)?,
        limit: paging.size,
        offset: paging.offset(),
    };
    let (total, houses) = state.store.list_houses(&user.user.scope(), &filter).await?;
    Ok(axum::Json(HousePage {
        items: houses
            .iter()
            .map(|h| house_view(h.id, &h.house, h.occupants))
            .collect(),
        total,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    #[param(schema_with = super::schema::sheet_format)]
    pub format: Option<String>,
    #[param(schema_with = super::schema::search)]
    pub q: Option<String>,
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
}

/// Most rows one export carries.

#[utoipa::path(get, path = "/api/v1/people/export", tag = "people", params(ExportQuery), security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not work with the population registry"), (status = 200, description = "the caller's people, identifiers masked (.xlsx or CSV; cells that would be formulas start with ')"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: the account's daily identity-number lookups are spent; `Retry-After` tells when")))]
pub async fn export(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<ExportQuery>,
) -> ApiResult<axum::response::Response> {
    reader(&user)?;
    let xlsx = super::imports::format_of(&super::imports::FormatQuery {
        format: q.format.clone(),
    })?;
    let region = super::things::region_of(q.region.as_deref())?;
    let (id_blind, text) = search_terms(&state, &user, q.q.as_deref()).await?;
    let filter = PeopleFilter {
        text,
        id_blind,
        region,
        key_group: None,
        limit: super::export::MAX_EXPORT,
        offset: 0,
    };
    let (_, people) = state.store.list_people(&user.user.scope(), &filter).await?;
    let index = state.index();
    let rows = people
        .iter()
        .map(|p| {
            let n = &p.person;
            vec![
                n.id_type.clone(),
                n.id_masked.clone(),
                n.name.clone(),
                n.phone_masked.clone().unwrap_or_default(),
                n.grid_code.to_string(),
                index
                    .names
                    .get(n.grid_code.as_str())
                    .cloned()
                    .unwrap_or_default(),
                PopulationType::parse(&n.population_type)
                    .map(|t| t.label_zh().to_string())
                    .unwrap_or_default(),
                p.house_address.clone().unwrap_or_default(),
            ]
        })
        .collect();
    const HEADER: &[&str] = &[
        "证件类型",
        "证件号码",
        "姓名",
        "联系电话",
        "网格编码",
        "网格",
        "人口类型",
        "住址",
    ];
    super::export::table(HEADER, rows, xlsx, "people").await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct KeyRoleEventBody {
    /// What is wrong; a default names the person's group and how overdue the visit is.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/people/{id}/key-roles/{kind}/event", tag = "people", params(("id" = i64, Path, minimum = 1), ("kind" = String, Path, pattern = "^(released_prisoner|community_correction|drug_user|severe_mental_illness|key_youth|repeat_petitioner|安置帮教人员|社区矫正对象|吸毒人员|严重精神障碍患者|重点青少年|重复信访人员)$")),
    request_body = KeyRoleEventBody, security(("bearer" = [])),
    responses((status = 409, body = super::error::ErrorBody, description = "conflict: the person has no house with a position to place the event at"), (status = 404, body = super::error::ErrorBody, description = "not_found: no such person in the area"), (status = 403, body = super::error::ErrorBody, description = "a role that does not visit key groups"), (status = 201, body = super::events::CreatedEvent, description = "an event of the group's category (特殊人群 09xx, 重复信访 1002) at the person's house"),
              (status = 422, body = super::error::ErrorBody, description = "the person has no house with a position")))]
pub async fn open_event(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((id, kind)): Path<(String, String)>,
    Json(body): Json<KeyRoleEventBody>,
) -> ApiResult<(StatusCode, axum::Json<super::events::CreatedEvent>)> {
    key_group_worker(&user)?;
    let id = super::events::parse_id(&id)?;
    let scope = user.user.scope();
    let found = state.store.get_person(&scope, id).await?;
    let found = found.ok_or_else(|| ApiError::not_found(&format!("person {id}")))?;
    let group = KeyGroup::parse(&kind).ok_or_else(|| {
        ApiError::field(
            ErrorCode::InvalidParameter,
            "kind",
            format!("{kind:?} is not a key group"),
        )
    })?;
    let role = state
        .store
        .key_roles(&scope, id)
        .await?
        .into_iter()
        .find(|k| k.kind == group.as_str())
        .ok_or_else(|| ApiError::not_found(&format!("person {id} in {}", group.as_str())))?;
    let house = match found.person.house_id {
        Some(h) => state.store.get_house(&scope, h).await?,
        None => None,
    };
    let Some((lon, lat)) = house.and_then(|h| h.house.lon.zip(h.house.lat)) else {
        return Err(ApiError::field(
            ErrorCode::Conflict,
            "house_id",
            "the person has no house with a position to place the event at",
        ));
    };
    let now = crate::now_ms();
    let description = body
        .description
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| {
            let overdue = (now - role.next_visit_due) / DAY_MS;
            if overdue > 0 {
                format!(
                    "{}（{}）走访超期{}天，需核实管控情况",
                    found.person.name,
                    group.label_zh(),
                    overdue
                )
            } else {
                format!(
                    "{}（{}）情况异常，需核实",
                    found.person.name,
                    group.label_zh()
                )
            }
        });
    let report = crate::usecase::intake::Report {
        channel: Channel::GridPatrol,
        category: group.event_category().into(),
        description,
        lon,
        lat,
        occurred_at: None,
        reporter_name: None,
        reporter_phone: None,
        photos: Vec::new(),
        links: vec![crate::usecase::evidence::LinkRef {
            kind: "person".into(),
            id,
        }],
    };
    let reported = crate::usecase::intake::report(&state, &user.user, report).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(super::events::created(&state, reported)),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct DetailFieldView {
    /// The key in `details`.
    pub key: String,
    pub label: String,
    pub required: bool,
    /// The values it may take; any text when empty.
    pub choices: Vec<String>,
    /// A date, YYYY-MM-DD.
    pub date: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PopulationTypeView {
    pub code: String,
    pub label: String,
    pub fields: Vec<DetailFieldView>,
}

#[derive(Serialize, ToSchema)]
pub struct KeyGroupView {
    pub code: String,
    pub label: String,
    pub has_risk_level: bool,
    pub visit_every_days: i64,
    pub fields: Vec<DetailFieldView>,
}

#[derive(Serialize, ToSchema)]
pub struct PeopleVocabulary {
    pub population_types: Vec<PopulationTypeView>,
    pub key_groups: Vec<KeyGroupView>,
}

fn field_views(fields: &[person::DetailField]) -> Vec<DetailFieldView> {
    fields
        .iter()
        .map(|f| DetailFieldView {
            key: f.key.into(),
            label: f.label.into(),
            required: f.required,
            choices: f.choices.iter().map(|c| c.to_string()).collect(),
            date: f.date != person::Date::No,
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/people/vocabulary", tag = "people", security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not work with the population registry"), (status = 200, body = PeopleVocabulary, description = "population types with the fields each needs, and the key groups")))]
pub async fn vocabulary(user: CurrentUser) -> ApiResult<axum::Json<PeopleVocabulary>> {
    reader(&user)?;
    Ok(axum::Json(PeopleVocabulary {
        population_types: PopulationType::ALL
            .iter()
            .map(|p| PopulationTypeView {
                code: p.as_str().into(),
                label: p.label_zh().into(),
                fields: field_views(p.fields()),
            })
            .collect(),
        key_groups: KeyGroup::ALL
            .iter()
            .map(|k| KeyGroupView {
                code: k.as_str().into(),
                label: k.label_zh().into(),
                has_risk_level: k.has_risk_level(),
                visit_every_days: k.visit_every_days(None),
                fields: field_views(k.fields()),
            })
            .collect(),
    }))
}
