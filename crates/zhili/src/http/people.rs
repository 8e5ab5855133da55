//! `/api/v1/people`: the population registry of the grids (houses in `houses`, key groups
//! and visits in `key_people`).
//! Identifiers are masked in every answer; a full value needs a reason (`?reason=`),
//! a role allowed to see it, and leaves a record in the hash chain.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::key_people::{role_view, visit_view, KeyRoleView, VisitView};
use super::CurrentUser;
use crate::crypto::Sealed;
use crate::people::PersonInput;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::calendar::china_day;
use zhili_domain::chain::Actor;
use zhili_domain::person::{self, KeyGroup, PopulationType};
use zhili_domain::{time, ErrorCode};
use zhili_store::{PeopleFilter, PersonRecord};

pub(super) fn reader(user: &CurrentUser) -> ApiResult<()> {
    if person::may_read(user.user.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "this role does not work with the population registry",
        ))
    }
}

/// The reads of key groups are held to the rule their changes are (`usecase::people`).
pub(super) fn key_group_worker(user: &CurrentUser) -> ApiResult<Actor> {
    Ok(crate::usecase::people::key_group_worker(&user.user)?)
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
    let stored = crate::usecase::people::register_person(&state, &user.user, input).await?;
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
    /// Only people of this population type (registered, floating, foreign, left_behind).
    #[param(schema_with = super::schema::population_type)]
    pub population_type: Option<String>,
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
) -> ApiResult<(Vec<String>, Option<String>)> {
    let q = super::error::search_text("q", q.map(str::to_string))?;
    Ok(match q.as_deref() {
        Some(t) if looks_like_id(t) => {
            state
                .charge_lookups(&user.user.actor(), 1, "people", "search by ID number")
                .await?;
            (crate::people::blind_ids(&state.key, t), None)
        }
        Some(t) => (Vec::new(), Some(t.to_string())),
        None => (Vec::new(), None),
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
    let population_type = q
        .population_type
        .as_deref()
        .map(|p| {
            zhili_domain::person::PopulationType::parse(p)
                .map(|p| p.as_str().to_string())
                .ok_or_else(|| bad("population_type", "not a population type"))
        })
        .transpose()?;
    let (id_blinds, text) = search_terms(&state, &user, q.q.as_deref()).await?;
    let filter = PeopleFilter {
        text,
        id_blinds,
        region,
        population_type,
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
              (status = 403, body = super::error::ErrorBody, description = "reveal asked by a role that may not see full identifiers"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: too many reveals a minute from this account or address; `Retry-After` tells when")))]
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
        user.limited(&state, crate::rate_limit::Door::Reveal)?;
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
        roles.iter().map(|k| k.kind.as_str().to_string()).collect(),
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
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: the account's daily identity-number lookups are spent, or too many exports a minute from this account or address; `Retry-After` tells when")))]
pub async fn export(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<ExportQuery>,
) -> ApiResult<axum::response::Response> {
    reader(&user)?;
    user.limited(&state, crate::rate_limit::Door::Export)?;
    let xlsx = super::imports::format_of(&super::imports::FormatQuery {
        format: q.format.clone(),
    })?;
    let region = super::things::region_of(q.region.as_deref())?;
    let (id_blinds, text) = search_terms(&state, &user, q.q.as_deref()).await?;
    let filter = PeopleFilter {
        text,
        id_blinds,
        region,
        population_type: None,
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
