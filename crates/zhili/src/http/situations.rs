//! `/api/v1/situations`: public-sentiment and intelligence notes (社情民意) of the caller's
//! area, read up to the sensitivity their role allows; reading a sensitive note in full is
//! logged. Also the links notes and events keep to people, houses, organisations, things and
//! events, checked against the caller's area when written.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::situation::{self, LinkTarget, Sensitivity};
use zhili_domain::{ErrorCode, Scope};
use zhili_store::{SituationFilter, SituationRecord};

fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::field(ErrorCode::InvalidParameter, field, message)
}

/// Something a note or an event concerns.
pub use crate::usecase::evidence::LinkRef;

/// A link as shown: what it is, and a label the reader may see (identifiers masked).
#[derive(Serialize, ToSchema)]
pub struct LinkView {
    pub kind: String,
    pub id: i64,
    pub label: String,
}

/// Links as the caller may see them: those outside their area are left out.
pub(super) async fn link_views(
    state: &AppState,
    scope: &Scope,
    links: &[(LinkTarget, i64)],
) -> ApiResult<Vec<LinkView>> {
    let mut out = Vec::with_capacity(links.len());
    for (target, id) in links {
        if let Some(label) = crate::usecase::evidence::label_of(state, scope, *target, *id).await? {
            out.push(LinkView {
                kind: target.as_str().into(),
                id: *id,
                label,
            });
        }
    }
    Ok(out)
}

/// The `linked` narrowing of a list: `kind:id`, e.g. `person:42`.
pub(super) fn linked_of(raw: Option<&str>) -> ApiResult<Option<(LinkTarget, i64)>> {
    let Some(raw) = raw else { return Ok(None) };
    // As the schema writes it: digits without sign or leading zero, at most 18 of them.
    let parsed = raw.split_once(':').and_then(|(kind, id)| {
        let digits = id.bytes().all(|b| b.is_ascii_digit()) && (1..=18).contains(&id.len());
        if !digits || id.starts_with('0') {
            return None;
        }
        Some((LinkTarget::parse(kind)?, id.parse::<i64>().ok()?))
    });
    parsed.map(Some).ok_or_else(|| {
        bad(
            "linked",
            "kind:id, the kind person, house, org, thing or event (e.g. person:42)",
        )
    })
}

#[derive(Serialize, ToSchema)]
pub struct SituationView {
    pub id: i64,
    pub region_code: String,
    pub region_name: String,
    pub kind: String,
    pub kind_label: String,
    pub source: String,
    pub source_label: String,
    /// 1 一般, 2 内部, 3 敏感
    pub sensitivity: i64,
    pub sensitivity_label: String,
    pub title: String,
    /// Sensitive notes' text only in the single-note answer (whose reading is logged).
    pub content: Option<String>,
    pub tags: Vec<String>,
    pub author: String,
    pub created_at: String,
    /// Filled in the single-note answer.
    pub links: Vec<LinkView>,
}

fn view(index: &crate::regions::RegionIndex, r: &SituationRecord, full: bool) -> SituationView {
    let s = &r.situation;
    SituationView {
        id: r.id,
        region_code: s.region_code.to_string(),
        region_name: index
            .names
            .get(s.region_code.as_str())
            .cloned()
            .unwrap_or_default(),
        kind_label: s.kind.label_zh().into(),
        kind: s.kind.as_str().into(),
        source_label: s.source.label_zh().into(),
        source: s.source.as_str().into(),
        sensitivity: s.sensitivity.level(),
        sensitivity_label: s.sensitivity.label_zh().into(),
        title: s.title.clone(),
        content: (full || !s.sensitivity.read_is_logged()).then(|| s.content.clone()),
        tags: s.tags.clone(),
        author: r.author.clone(),
        created_at: zhili_domain::time::rfc3339(r.created_at),
        links: Vec::new(),
    }
}

fn reader_level(user: &CurrentUser) -> ApiResult<Sensitivity> {
    situation::max_sensitivity(user.user.role)
        .ok_or_else(|| ApiError::forbidden("this role does not read situations"))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SituationBody {
    /// A grid, village, town or the district, within the caller's area.
    #[schema(schema_with = super::schema::region_code)]
    pub region_code: String,
    /// sentiment, dispute_clue, stability, safety_hazard, online_opinion
    #[schema(schema_with = super::schema::situation_kind)]
    pub kind: String,
    /// visit, resident, meeting, online, other
    #[schema(schema_with = super::schema::situation_source_or_null)]
    pub source: Option<String>,
    /// 1 一般 (default), 2 内部, 3 敏感
    #[schema(minimum = 1, maximum = 3)]
    pub sensitivity: Option<i64>,
    #[schema(schema_with = super::schema::line_100)]
    pub title: String,
    #[schema(schema_with = super::schema::note_5000)]
    pub content: String,
    #[schema(schema_with = super::schema::tags_or_null)]
    pub tags: Option<Vec<String>>,
    #[schema(max_items = 20)]
    pub links: Option<Vec<LinkRef>>,
}

#[utoipa::path(post, path = "/api/v1/situations", tag = "situations", request_body = SituationBody, security(("bearer" = [])),
    responses((status = 404, body = super::error::ErrorBody, description = "not_found: the region or a link is not in the caller's area"), (status = 201, body = SituationView), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(body): Json<SituationBody>,
) -> ApiResult<(StatusCode, axum::Json<SituationView>)> {
    let note = crate::usecase::situations::Note {
        region_code: body.region_code,
        kind: body.kind,
        source: body.source,
        sensitivity: body.sensitivity,
        title: body.title,
        content: body.content,
        tags: body.tags.unwrap_or_default(),
        links: body.links.unwrap_or_default(),
    };
    let record = crate::usecase::situations::record_note(&state, &user.user, note).await?;
    let mut out = view(&state.index(), &record, true);
    out.links = link_views(&state, &user.user.scope(), &record.situation.links).await?;
    Ok((StatusCode::CREATED, axum::Json(out)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SituationsQuery {
    /// Text in the title or content.
    #[param(schema_with = super::schema::search)]
    pub q: Option<String>,
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
    #[param(schema_with = super::schema::situation_kind)]
    pub kind: Option<String>,
    #[param(minimum = 1, maximum = 3)]
    pub sensitivity: Option<i64>,
    #[param(schema_with = super::schema::search)]
    pub tag: Option<String>,
    /// Only those linked to this person / house / org / thing / event: `kind:id`, e.g. `person:42`.
    #[param(schema_with = super::schema::linked)]
    pub linked: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 200)]
    pub page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SituationPage {
    pub items: Vec<SituationView>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/situations", tag = "situations", params(SituationsQuery), security(("bearer" = [])),
    responses((status = 200, body = SituationPage), (status = 403, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<SituationsQuery>,
) -> ApiResult<axum::Json<SituationPage>> {
    let level = reader_level(&user)?;
    let paging = super::error::Paging::of(q.page, q.page_size, 200)?;
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            situation::SituationKind::from_code(k)
                .ok_or_else(|| bad("kind", format!("{k:?} is not a situation kind")))
        })
        .transpose()?;
    let sensitivity = q
        .sensitivity
        .map(|l| Sensitivity::from_level(l).ok_or_else(|| bad("sensitivity", "1, 2 or 3")))
        .transpose()?;
    let linked = linked_of(q.linked.as_deref())?;
    let filter = SituationFilter {
        reader: user.user.username.clone(),
        max_sensitivity: level,
        region: super::things::region_of(q.region.as_deref())?,
        kind,
        sensitivity,
        tag: super::error::search_text("tag", q.tag)?,
        text: super::error::search_text("q", q.q)?,
        linked,
        limit: paging.size,
        offset: paging.offset(),
    };
    let (total, items) = state
        .store
        .list_situations(&user.user.scope(), &filter)
        .await?;
    Ok(axum::Json(SituationPage {
        items: {
            let index = state.index();
            items.iter().map(|r| view(&index, r, false)).collect()
        },
        total,
    }))
}

#[utoipa::path(get, path = "/api/v1/situations/{id}", tag = "situations", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not read situations"), (status = 200, body = SituationView, description = "the full note; reading a sensitive one is recorded in the chain"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<SituationView>> {
    let level = reader_level(&user)?;
    let id = super::events::parse_id(&id)?;
    let scope = user.user.scope();
    let filter = SituationFilter {
        reader: user.user.username.clone(),
        max_sensitivity: level,
        region: None,
        kind: None,
        sensitivity: None,
        tag: None,
        text: None,
        linked: None,
        limit: 1,
        offset: 0,
    };
    let record = state
        .store
        .get_situation(&scope, &filter, id)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("situation {id}")))?;
    if record.situation.sensitivity.read_is_logged() && record.author != user.user.username {
        // Recorded before anything is shown.
        state
            .store
            .record_read(user.user.actor().action(
                crate::now_ms(),
                "situation.read",
                &format!("situation:{id}"),
            ))
            .await?;
    }
    let mut out = view(&state.index(), &record, true);
    out.links = link_views(&state, &scope, &record.situation.links).await?;
    Ok(axum::Json(out))
}

#[derive(Serialize, ToSchema)]
pub struct Coded {
    pub code: String,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct SituationVocabulary {
    pub kinds: Vec<Coded>,
    pub sources: Vec<Coded>,
    pub sensitivities: Vec<Coded>,
    pub common_tags: Vec<String>,
    /// The most sensitive level the caller reads.
    pub max_sensitivity: i64,
    pub may_write: bool,
}

#[utoipa::path(get, path = "/api/v1/situations/vocabulary", tag = "situations", security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not read situations"), (status = 200, body = SituationVocabulary)))]
pub async fn vocabulary(user: CurrentUser) -> ApiResult<axum::Json<SituationVocabulary>> {
    let level = reader_level(&user)?;
    let coded = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(c, l)| Coded {
                code: c.to_string(),
                label: l.to_string(),
            })
            .collect()
    };
    Ok(axum::Json(SituationVocabulary {
        kinds: coded(&situation::KINDS),
        sources: coded(&situation::SOURCES),
        sensitivities: Sensitivity::ALL
            .iter()
            .map(|s| Coded {
                code: s.level().to_string(),
                label: s.label_zh().into(),
            })
            .collect(),
        common_tags: situation::COMMON_TAGS
            .iter()
            .map(|t| t.to_string())
            .collect(),
        max_sensitivity: level.level(),
        may_write: situation::may_write(user.user.role),
    }))
}
