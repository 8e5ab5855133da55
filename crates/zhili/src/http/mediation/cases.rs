//! Cases: opened (from a dispute event in one step), listed, read with their timeline and the
//! steps the caller may take.

use super::{day_start, positive, region_name, statuses, time};
use crate::http::error::{ApiError, ApiResult, Json, Path, Query};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::mediation::{self as uc, PartyInput};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::mediation as m;
use zhili_store::{CaseFilter, CaseRecord};

#[derive(Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: i64,
    /// 黔调〔2026〕000123号
    pub number: String,
    pub title: String,
    #[schema(schema_with = crate::http::schema::mediation_status)]
    pub status: String,
    pub status_label: String,
    pub origin: String,
    pub origin_label: String,
    pub category: String,
    pub category_name: String,
    pub region_code: String,
    pub region_name: String,
    pub committee_id: i64,
    pub committee_name: String,
    pub room_name: Option<String>,
    /// The parties' names.
    pub party_names: Vec<String>,
    pub mediator_names: Vec<String>,
    pub registered_at: String,
    /// The running deadline: consent has none; settling, performance, the follow-up.
    pub due: Option<String>,
    /// none, yellow (80 % of the time used), red (past it)
    pub warning: String,
    /// The earlier case this dispute repeats.
    pub repeat_of: Option<i64>,
    /// Later cases repeating this one.
    pub repeats: i64,
    pub event_id: Option<i64>,
    pub closed_at: Option<String>,
}

fn summary(state: &AppState, c: &CaseRecord, now: i64) -> CaseSummary {
    let reference = state.reference();
    CaseSummary {
        id: c.id,
        number: c.number.clone(),
        title: c.title.clone(),
        status: c.case.status.as_str().into(),
        status_label: c.case.status.label_zh().into(),
        origin: c.case.origin.as_str().into(),
        origin_label: c.case.origin.label_zh().into(),
        category_name: reference
            .categories
            .get(&c.category)
            .map(|k| k.minor.clone())
            .unwrap_or_default(),
        category: c.category.clone(),
        region_code: c.region_code.to_string(),
        region_name: region_name(state, c.region_code.as_str()),
        committee_id: c.committee_id,
        committee_name: c.committee_name.clone(),
        room_name: c.room_name.clone(),
        party_names: c.parties.iter().map(|p| p.name.clone()).collect(),
        mediator_names: c.mediators.iter().map(|m| m.name.clone()).collect(),
        registered_at: time(c.registered_at),
        due: c.case.due.filter(|_| c.case.status.is_open()).map(time),
        warning: c.case.warning(now, &reference.calendar).as_str().into(),
        repeat_of: c.repeat_of,
        repeats: c.repeats,
        event_id: c.event_id,
        closed_at: c.case.closed_at.map(time),
    }
}

#[derive(Serialize, ToSchema)]
pub struct PartyView {
    pub name: String,
    /// person or org
    pub kind: String,
    pub kind_label: String,
    /// Masked.
    pub id_number: Option<String>,
    /// Masked.
    pub phone: Option<String>,
    pub person_id: Option<i64>,
    pub house_id: Option<i64>,
    pub address: String,
    /// pending, given, refused
    pub consent: String,
}

#[derive(Serialize, ToSchema)]
pub struct CaseMediatorView {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct AgreementView {
    /// written or oral
    pub form: String,
    pub form_label: String,
    pub agreed_at: String,
    /// The facts, issues and responsibilities.
    pub issues: String,
    pub terms: String,
    /// The manner of performance.
    pub manner: String,
    pub perform_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConfirmationView {
    /// applied, confirmed, rejected
    pub state: String,
    pub applied_at: String,
    pub ruled_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StepView {
    pub step: String,
    pub at: String,
    pub actor: String,
    /// Who took it, by name.
    pub actor_name: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    /// The step's fields: minutes and attendees, the agreement, the reason …
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub facts: String,
    pub parties: Vec<PartyView>,
    pub mediators: Vec<CaseMediatorView>,
    pub sessions: i64,
    pub extensions: i64,
    pub agreement: Option<AgreementView>,
    pub confirmation: Option<ConfirmationView>,
    /// Until when judicial confirmation may still be applied for.
    pub confirmation_open_until: Option<String>,
    pub referral: Option<String>,
    pub referral_label: Option<String>,
    /// Departments it was referred by or to.
    pub units: Vec<String>,
    pub steps: Vec<StepView>,
    /// Exactly the steps the caller may take now.
    pub allowed_steps: Vec<String>,
    /// The documents made from the case, newest first (for its committee and mediators).
    pub documents: Vec<super::documents::DocumentView>,
    /// The documents the caller may make from the case now.
    pub document_kinds: Vec<crate::http::situations::Coded>,
    pub version: i64,
}

pub(super) async fn detail(
    state: &AppState,
    user: &zhili_domain::user::User,
    c: CaseRecord,
) -> ApiResult<CaseDetail> {
    let now = crate::now_ms();
    let steps = state.store.case_steps(c.id).await?;
    let agreement = c.case.agreement.map(|form| {
        let t: serde_json::Value = c
            .terms
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default();
        let field = |k: &str| {
            t.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        AgreementView {
            form: form.as_str().into(),
            form_label: form.label_zh().into(),
            agreed_at: time(c.case.agreed_at.unwrap_or(c.updated_at)),
            issues: field("issues"),
            terms: field("terms"),
            manner: field("manner"),
            perform_by: t.get("perform_by").and_then(|v| v.as_i64()).map(time),
        }
    });
    Ok(CaseDetail {
        summary: summary(state, &c, now),
        facts: c.facts.clone(),
        parties: c
            .parties
            .iter()
            .zip(&c.case.consents)
            .map(|(p, k)| {
                let kind = p.kind.unwrap_or(m::PartyKind::Person);
                PartyView {
                    name: p.name.clone(),
                    kind: kind.as_str().into(),
                    kind_label: kind.label_zh().into(),
                    id_number: p.id_masked.clone(),
                    phone: p.phone_masked.clone(),
                    person_id: p.person_id,
                    house_id: p.house_id,
                    address: p.address.clone(),
                    consent: k.as_str().into(),
                }
            })
            .collect(),
        mediators: c
            .mediators
            .iter()
            .map(|m| CaseMediatorView {
                id: m.id,
                name: m.name.clone(),
            })
            .collect(),
        sessions: c.case.sessions,
        extensions: c.case.extensions,
        agreement,
        confirmation: c.case.confirmation.map(|k| {
            let (state, applied, ruled) = k.parts();
            ConfirmationView {
                state: state.into(),
                applied_at: time(applied),
                ruled_at: ruled.map(time),
            }
        }),
        confirmation_open_until: c.case.confirmation_open_until().map(time),
        referral: c.case.referral.map(|r| r.as_str().into()),
        referral_label: c.case.referral.map(|r| r.label_zh().into()),
        units: c.units.clone(),
        steps: steps
            .into_iter()
            .map(|s| StepView {
                step: s.step,
                at: time(s.at),
                actor: s.actor,
                actor_name: s.actor_name,
                from_status: s.from_status,
                to_status: s.to_status,
                detail: serde_json::from_str(&s.detail).unwrap_or_default(),
            })
            .collect(),
        allowed_steps: uc::allowed_steps(user, &c, now)
            .into_iter()
            .map(str::to_string)
            .collect(),
        documents: if uc::documents::may_read(user, &c) {
            state
                .store
                .documents(c.id)
                .await?
                .iter()
                .filter(|d| uc::documents::may(user, &c, d.kind))
                .map(super::documents::view)
                .collect()
        } else {
            vec![]
        },
        document_kinds: uc::documents::available(&c, user, now)
            .into_iter()
            .map(|k| crate::http::situations::Coded {
                code: k.as_str().into(),
                label: k.label_zh().into(),
            })
            .collect(),
        version: c.version,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyBody {
    /// A registered person: name and identifiers are taken from the register.
    #[schema(minimum = 1)]
    pub person_id: Option<i64>,
    #[schema(schema_with = crate::http::schema::line_50_or_null)]
    pub name: Option<String>,
    /// person (default) or org
    #[schema(schema_with = crate::http::schema::party_kind_or_null)]
    pub kind: Option<String>,
    /// Sealed at rest, shown masked.
    #[schema(schema_with = crate::http::schema::line_50_or_null)]
    pub id_number: Option<String>,
    #[schema(schema_with = crate::http::schema::line_50_or_null)]
    pub phone: Option<String>,
    #[schema(minimum = 1)]
    pub house_id: Option<i64>,
    #[schema(schema_with = crate::http::schema::line_200_or_null)]
    pub address: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCaseBody {
    #[schema(minimum = 1)]
    pub committee_id: i64,
    #[schema(minimum = 1)]
    pub room_id: Option<i64>,
    /// application, self_initiated, event, police, court (default: event when an event is named)
    #[schema(schema_with = crate::http::schema::mediation_origin_or_null)]
    pub origin: Option<String>,
    /// The dispute event it comes from: its grid and category are taken.
    #[schema(minimum = 1)]
    pub event_id: Option<i64>,
    #[schema(schema_with = crate::http::schema::region_code_or_null)]
    pub region_code: Option<String>,
    /// A dispute category (0101–0110).
    #[schema(schema_with = crate::http::schema::category_or_null)]
    pub category: Option<String>,
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    #[schema(schema_with = crate::http::schema::note)]
    pub facts: String,
    #[schema(min_items = 2, max_items = 20)]
    pub parties: Vec<PartyBody>,
    #[schema(max_items = 5)]
    pub mediator_ids: Option<Vec<i64>>,
}

#[utoipa::path(post, path = "/api/v1/mediation/cases", tag = "mediation", request_body = OpenCaseBody, security(("bearer" = [])),
    responses((status = 201, body = CaseDetail), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "not_found: the event, committee, room, mediator, person or house named is not the caller's")))]
pub async fn open(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<OpenCaseBody>,
) -> ApiResult<(StatusCode, axum::Json<CaseDetail>)> {
    let opening = uc::Opening {
        committee_id: b.committee_id,
        room_id: b.room_id,
        origin: b.origin,
        event_id: b.event_id,
        region_code: b.region_code,
        category: b.category,
        title: b.title,
        facts: b.facts,
        parties: b.parties.into_iter().map(party_input).collect(),
        mediator_ids: b.mediator_ids.unwrap_or_default(),
    };
    let case = uc::open(&state, &user.user, opening).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(detail(&state, &user.user, case).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CasesQuery {
    /// Statuses, comma-separated; `open` for every open one.
    #[param(schema_with = crate::http::schema::mediation_statuses)]
    pub status: Option<String>,
    #[param(minimum = 1)]
    pub committee_id: Option<i64>,
    #[param(minimum = 1)]
    pub room_id: Option<i64>,
    #[param(minimum = 1)]
    pub mediator_id: Option<i64>,
    #[param(schema_with = crate::http::schema::region_code)]
    pub region: Option<String>,
    #[param(schema_with = crate::http::schema::category_filter)]
    pub category: Option<String>,
    /// Only the cases the caller mediates.
    pub mine: Option<bool>,
    /// Only open cases past their deadline.
    pub overdue: Option<bool>,
    /// Only cases repeating an earlier dispute.
    pub repeats: Option<bool>,
    #[param(minimum = 1)]
    pub event_id: Option<i64>,
    /// Registered on or after this day (Beijing time), `YYYY-MM-DD`.
    #[param(schema_with = crate::http::schema::date)]
    pub from: Option<String>,
    /// Registered on or before this day (Beijing time), `YYYY-MM-DD`.
    #[param(schema_with = crate::http::schema::date)]
    pub to: Option<String>,
    /// Text in the title, the number or a party's name.
    #[param(schema_with = crate::http::schema::search)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 200)]
    pub page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/mediation/cases", tag = "mediation", params(CasesQuery), security(("bearer" = [])),
    responses((status = 200, body = CasePage)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<CasesQuery>,
) -> ApiResult<axum::Json<CasePage>> {
    let paging = crate::http::error::Paging::of(q.page, q.page_size, 200)?;
    let now = crate::now_ms();
    let filter = CaseFilter {
        statuses: statuses(q.status.as_deref())?,
        committee_id: positive("committee_id", q.committee_id)?,
        room_id: positive("room_id", q.room_id)?,
        region: crate::http::things::region_of(q.region.as_deref())?,
        category: crate::http::events::category_filter(q.category.clone())?,
        mediator_username: q.mine.unwrap_or(false).then(|| user.user.username.clone()),
        mediator_id: positive("mediator_id", q.mediator_id)?,
        overdue_at: q.overdue.unwrap_or(false).then_some(now),
        repeats_only: q.repeats.unwrap_or(false),
        event_id: positive("event_id", q.event_id)?,
        from: q
            .from
            .as_deref()
            .map(|d| day_start("from", d))
            .transpose()?,
        to: q
            .to
            .as_deref()
            .map(|d| day_start("to", d).map(|t| t + zhili_domain::calendar::DAY_MS))
            .transpose()?,
        text: crate::http::error::search_text("q", q.q)?,
        limit: paging.size,
        offset: paging.offset(),
    };
    let (total, items) = state.store.cases(&uc::scope(&user.user), &filter).await?;
    Ok(axum::Json(CasePage {
        items: items.iter().map(|c| summary(&state, c, now)).collect(),
        total,
    }))
}

#[utoipa::path(get, path = "/api/v1/mediation/cases/{id}", tag = "mediation", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = CaseDetail), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<CaseDetail>> {
    let id = crate::http::events::parse_id(&id)?;
    let c = state
        .store
        .case(&uc::scope(&user.user), id)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("mediation case {id}")))?;
    Ok(axum::Json(detail(&state, &user.user, c).await?))
}

pub(super) fn party_input(p: PartyBody) -> PartyInput {
    PartyInput {
        person_id: p.person_id,
        name: p.name,
        kind: p.kind,
        id_number: p.id_number,
        phone: p.phone,
        house_id: p.house_id,
        address: p.address,
    }
}
