//! `/api/v1/events`: intake, lists, the event with its timeline, and actions through the
//! state machine. Every read is scoped; every change is checked by the domain and written
//! with its record in one transaction, or not at all.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::regions::Named;
use crate::state::AppState;
use crate::usecase::act::{Act, Step};
use crate::usecase::intake;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::event::{self, Channel, Command, MatterClass, Status};
use zhili_domain::reference::suggest_dispatch;
use zhili_domain::user::User;
use zhili_domain::{time, ErrorCode, Level, Scope, UnitId};
use zhili_spatial::Crs;
use zhili_store::{EventFilter, EventRecord};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// wgs84 (default), gcj02 or bd09
    #[schema(schema_with = super::schema::crs_or_null)]
    pub crs: Option<String>,
}

impl Location {
    /// The point in WGS84. Out-of-range numbers are the use case's to refuse; only sane ones
    /// are converted.
    pub fn wgs84(&self) -> ApiResult<(f64, f64)> {
        let crs = match self.crs.as_deref() {
            None => Crs::Wgs84,
            Some(c) => Crs::parse(c).ok_or_else(|| {
                ApiError::field(
                    ErrorCode::InvalidParameter,
                    "location.crs",
                    format!("crs {c:?} is not wgs84, gcj02 or bd09"),
                )
            })?,
        };
        let (lon, lat) = (self.lon, self.lat);
        Ok(
            if lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0 {
                crs.to_wgs84(lon, lat)
            } else {
                (lon, lat)
            },
        )
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reporter {
    pub name: Option<String>,
    pub phone: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEventRequest {
    /// grid_patrol, resident, hotline, video_alert, department, walk_in
    #[schema(schema_with = super::schema::reported_channel)]
    pub channel: String,
    /// Four-digit subcategory code, e.g. 0602.
    #[schema(pattern = "^[0-9]{4}$")]
    pub category: String,
    #[schema(schema_with = super::schema::note)]
    pub description: String,
    pub location: Location,
    /// RFC 3339; defaults to now.
    pub occurred_at: Option<String>,
    pub reporter: Option<Reporter>,
    /// Photo ids from `POST /api/v1/attachments` (at most 9).
    #[schema(schema_with = super::schema::photo_ids_or_null)]
    pub attachments: Option<Vec<String>>,
    /// People, houses, organisations, things or events in the caller's area it concerns.
    pub links: Option<Vec<super::situations::LinkRef>>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionChain {
    pub district: Named,
    pub town: Named,
    pub village: Named,
    pub grid: Named,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedEvent {
    pub id: i64,
    pub case_number: String,
    pub status: String,
    pub region: RegionChain,
    /// An open report of the same subcategory within 100 m in the last 24 h, if any.
    pub duplicate_of_suggestion: Option<i64>,
}

fn who(user: &User) -> event::Actor {
    event::Actor {
        role: user.role,
        unit: user.unit_id.clone(),
        region: user.region_code.clone(),
        grids: user.grids.clone(),
    }
}

fn chain_of(state: &AppState, grid: &str) -> RegionChain {
    let index = state.index();
    let named = |code: String| Named {
        name: String::new(),
        code,
    };
    match index.chain(grid) {
        Some(c) => RegionChain {
            district: c.district.clone(),
            town: c.town.clone(),
            village: c.village.clone(),
            grid: c.grid.clone(),
        },
        // A grid retired since the report: the codes still say where it was.
        None => RegionChain {
            district: named(grid[..6].to_string()),
            town: named(grid[..9].to_string()),
            village: named(grid[..12].to_string()),
            grid: named(grid.to_string()),
        },
    }
}

#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = NewEventRequest, security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "leaders have read-only access"), (status = 201, body = CreatedEvent), (status = 404, body = super::error::ErrorBody, description = "outside_coverage"),
              (status = 422, body = super::error::ErrorBody, description = "invalid_parameter (unknown category, channel …)"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: too many reports a minute from this account or address; `Retry-After` tells when")))]
pub async fn create_event(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(req): Json<NewEventRequest>,
) -> ApiResult<(StatusCode, axum::Json<CreatedEvent>)> {
    user.limited(&state, crate::rate_limit::Door::Intake)?;
    let channel = Channel::parse(&req.channel)
        .filter(|c| Channel::REPORTED.contains(c))
        .ok_or_else(|| ApiError::field(ErrorCode::InvalidParameter, "channel", format!("channel {:?} is not one of grid_patrol, resident, hotline, video_alert, department, walk_in", req.channel)))?;
    let (lon, lat) = req.location.wgs84()?;
    let occurred_at = req
        .occurred_at
        .as_deref()
        .map(|t| {
            time::parse_rfc3339(t).ok_or_else(|| {
                ApiError::field(
                    ErrorCode::InvalidParameter,
                    "occurred_at",
                    "occurred_at must be RFC 3339, e.g. 2026-11-27T09:30:00+08:00",
                )
            })
        })
        .transpose()?;
    let (reporter_name, reporter_phone) = match req.reporter {
        None => (None, None),
        Some(r) => (r.name, r.phone),
    };
    let report = intake::Report {
        channel,
        category: req.category,
        description: req.description,
        lon,
        lat,
        occurred_at,
        reporter_name,
        reporter_phone,
        photos: req.attachments.unwrap_or_default(),
        links: req.links.unwrap_or_default(),
    };
    let reported = intake::report(&state, &user.user, report).await?;
    Ok((StatusCode::CREATED, axum::Json(created(&state, reported))))
}

/// The answer to a report.
pub fn created(state: &AppState, r: intake::Reported) -> CreatedEvent {
    CreatedEvent {
        region: chain_of(state, r.record.case.grid.as_str()),
        id: r.record.id,
        case_number: r.record.case_number,
        status: r.record.case.status.as_str().into(),
        duplicate_of_suggestion: r.duplicate_suggestion,
    }
}

#[derive(Serialize, ToSchema)]
pub struct EventSummary {
    pub id: i64,
    pub case_number: String,
    pub status: String,
    /// 大事, 小事 or 私事 (三事分流)
    pub matter_class: String,
    pub category: String,
    pub category_name: String,
    pub channel: String,
    pub description: String,
    pub grid_code: String,
    pub lon: f64,
    pub lat: f64,
    pub reported_at: String,
    /// Due time of the running step.
    pub due_at: Option<String>,
    /// none, yellow (80% of the limit used) or red (overdue)
    pub warning: String,
    pub owner: String,
    pub lead_unit: Option<String>,
    pub reporter_phone: Option<String>,
    /// 督办: 0 none, 1 一般, 2 重点, 3 挂牌.
    pub supervision_level: i64,
    /// The due time counts working days through a year whose official schedule (holidays,
    /// working weekends) is not entered yet: it will move when the year is.
    pub due_provisional: bool,
}

pub(crate) fn summary(state: &AppState, e: &EventRecord, now: i64) -> EventSummary {
    let reference = state.reference();
    let name = reference
        .categories
        .get(&e.category)
        .map(|c| format!("{}/{}", c.major, c.minor))
        .unwrap_or_default();
    EventSummary {
        id: e.id,
        case_number: e.case_number.clone(),
        status: e.case.status.as_str().into(),
        matter_class: e.case.class.as_str().into(),
        category: e.category.clone(),
        category_name: name,
        channel: e.channel.as_str().into(),
        description: e.description.clone(),
        grid_code: e.case.grid.to_string(),
        lon: e.lon,
        lat: e.lat,
        reported_at: time::rfc3339(e.reported_at),
        due_at: e.case.step_due.map(time::rfc3339),
        warning: e.case.warning(now, &reference.calendar).as_str().into(),
        owner: e.case.owner.to_string(),
        lead_unit: e.case.lead_unit.as_ref().map(UnitId::to_string),
        reporter_phone: e.reporter_phone_masked.clone(),
        supervision_level: e.case.supervision_level,
        due_provisional: match (e.case.step_started, e.case.step_due) {
            (Some(start), Some(due))
                if e.case.limits.clock == zhili_domain::calendar::Clock::Working =>
            {
                reference.calendar.provisional(start, due)
            }
            _ => false,
        },
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    #[param(schema_with = super::schema::status)]
    pub status: Option<String>,
    /// A category code or its two-digit major class.
    #[param(schema_with = super::schema::category_filter)]
    pub category: Option<String>,
    /// A region code: only events in its subtree.
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
    pub overdue: Option<bool>,
    /// Only events still being worked on.
    pub open: Option<bool>,
    #[param(schema_with = super::schema::channel)]
    pub channel: Option<String>,
    /// Text in the description or case number.
    #[param(schema_with = super::schema::search)]
    pub q: Option<String>,
    /// Only those linked to this person / house / org / thing / event: `kind:id`, e.g. `person:42`.
    #[param(schema_with = super::schema::linked)]
    pub linked: Option<String>,
    /// Only what waits for the caller (their unit as owner or lead; a grid worker's grid for
    /// verification), the most urgent first: a to-do list.
    pub waiting: Option<bool>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 200)]
    pub page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventSummary>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// What waits for a user: their unit's cases (as owner or lead), and a grid worker's grid's
/// cases to verify. A unit id that does not parse waits for nothing.
fn waiting_for(user: &User) -> zhili_store::Waiting {
    use zhili_domain::Role;
    zhili_store::Waiting {
        unit: match user.role {
            Role::GridWorker
            | Role::GridLeader
            | Role::Leader
            | Role::PilotOffice
            | Role::Admin => None,
            _ => user
                .unit_id
                .as_deref()
                .and_then(|u| zhili_domain::UnitId::parse(u).ok()),
        },
        grids: match user.role {
            Role::GridWorker => std::iter::once(user.region_code.clone())
                .chain(user.grids.iter().cloned())
                .collect(),
            Role::GridLeader => user.grids.clone(),
            _ => Vec::new(),
        },
    }
}

#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventsQuery), security(("bearer" = [])),
    responses((status = 200, body = EventPage),
              (status = 422, body = super::error::ErrorBody, description = "invalid_parameter naming the field (search text over 100 characters among them)")))]
pub async fn list_events(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<EventsQuery>,
) -> ApiResult<axum::Json<EventPage>> {
    let bad = |field: &str, msg: String| ApiError::field(ErrorCode::InvalidParameter, field, msg);
    let paging = super::error::Paging::of(q.page, q.page_size, 200)?;
    let now = crate::now_ms();
    let filter = EventFilter {
        status: q
            .status
            .as_deref()
            .map(|s| Status::parse(s).ok_or_else(|| bad("status", format!("no status {s:?}"))))
            .transpose()?,
        category: category_filter(q.category)?,
        region: q
            .region
            .as_deref()
            .map(|r| zhili_domain::RegionCode::parse(r).map_err(|e| bad("region", e.message)))
            .transpose()?,
        channel: q
            .channel
            .as_deref()
            .map(|c| Channel::parse(c).ok_or_else(|| bad("channel", format!("no channel {c:?}"))))
            .transpose()?,
        overdue_at: q.overdue.unwrap_or(false).then_some(now),
        open: q.open.unwrap_or(false),
        text: super::error::search_text("q", q.q)?,
        linked: super::situations::linked_of(q.linked.as_deref())?,
        waiting_for: q.waiting.unwrap_or(false).then(|| waiting_for(&user.user)),
        offset: paging.offset(),
        limit: paging.size,
        ..Default::default()
    };
    let (events, total) = state.store.list_events(&user.user.scope(), &filter).await?;
    Ok(axum::Json(EventPage {
        items: events.iter().map(|e| summary(&state, e, now)).collect(),
        total,
        page: paging.page,
        page_size: paging.size,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TimelineEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    /// When a system acted with its key (`actor` is the key's public part): the system's name.
    pub system: Option<String>,
    pub unit: Option<String>,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub opinion: Option<String>,
    /// Photo ids.
    #[schema(value_type = Vec<String>)]
    pub attachments: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct StepEntry {
    pub step: String,
    pub unit: Option<String>,
    pub due_at: String,
    pub done_at: String,
    pub on_time: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Counters {
    pub returns: i64,
    pub reworks: i64,
    pub escalations: i64,
    pub supervision_level: i64,
    pub extensions: i64,
    pub deferrals: i64,
    pub reopens: i64,
}

#[derive(Serialize, ToSchema)]
pub struct EventDetail {
    #[serde(flatten)]
    pub summary: EventSummary,
    pub region: RegionChain,
    pub occurred_at: String,
    pub reporter_name: Option<String>,
    pub assisting_units: Vec<String>,
    /// The name of every unit the event names (owner, lead, assisting, timeline, steps), by id:
    /// a reader sees who acted whatever units their own area lists.
    pub unit_names: std::collections::BTreeMap<String, String>,
    pub satisfaction: Option<i64>,
    pub pending_extension_hours: Option<f64>,
    pub duplicate_of: Option<i64>,
    pub merged_into: Option<i64>,
    pub counters: Counters,
    /// Pass back as `version` with an action to make sure nobody changed it meanwhile.
    pub version: i64,
    /// The dispatch the rules suggest (for registered events).
    pub suggested_lead: Option<String>,
    pub suggested_assisting: Vec<String>,
    pub timeline: Vec<TimelineEntry>,
    pub steps: Vec<StepEntry>,
    /// The actions the caller may take now (the machine's own answer).
    pub allowed_actions: Vec<String>,
    /// What it concerns, as far as the caller's area reaches.
    pub links: Vec<super::situations::LinkView>,
    /// Led by a police window or post: the case in the police's own terms (警情类别).
    pub police_class: Option<String>,
}

async fn detail(state: &AppState, user: &User, e: EventRecord) -> ApiResult<EventDetail> {
    let now = crate::now_ms();
    let (actions, steps) = state.store.event_timeline(&user.scope(), e.id).await?;
    let reference = state.reference();
    let suggestion = (e.case.status == Status::Registered)
        .then(|| {
            reference
                .categories
                .get(&e.category)
                .map(|c| suggest_dispatch(&reference.rules, c, &e.case.grid, &e.case.owner))
        })
        .flatten();
    let links = state.store.event_links(&user.scope(), e.id).await?;
    let links = super::situations::link_views(state, &user.scope(), &links).await?;
    // Systems that acted through their keys, by name (a key is one of a handful).
    let systems: std::collections::HashMap<String, String> = if actions
        .iter()
        .any(|a| a.actor.starts_with(zhili_domain::apikey::PREFIX))
    {
        state
            .store
            .api_keys()
            .await?
            .into_iter()
            .map(|k| (k.public_part, k.name))
            .collect()
    } else {
        Default::default()
    };
    let named: std::collections::BTreeSet<String> = std::iter::once(e.case.owner.to_string())
        .chain(e.case.lead_unit.iter().map(UnitId::to_string))
        .chain(e.case.assisting_units.iter().map(UnitId::to_string))
        .chain(actions.iter().filter_map(|a| a.unit.clone()))
        .chain(steps.iter().filter_map(|s| s.unit.clone()))
        .collect();
    // Units are the district's public structure: named from the event's district, whatever
    // the reader's own area.
    let district = Scope::whole(e.case.grid.ancestor_at(Level::District).expect("district"));
    let mut unit_names = std::collections::BTreeMap::new();
    for id in named {
        if let Some(u) = state.store.get_unit(&district, &id).await? {
            unit_names.insert(id, u.name);
        }
    }
    let police_class = e
        .case
        .lead_unit
        .as_ref()
        .filter(|u| u.kind() == zhili_domain::UnitKind::PolicePost)
        .map(|_| crate::reference::police_class(&e.category).to_string());
    Ok(EventDetail {
        police_class,
        unit_names,
        links,
        summary: summary(state, &e, now),
        region: chain_of(state, e.case.grid.as_str()),
        occurred_at: time::rfc3339(e.occurred_at),
        reporter_name: e.reporter_name.clone(),
        assisting_units: e
            .case
            .assisting_units
            .iter()
            .map(UnitId::to_string)
            .collect(),
        satisfaction: e.case.satisfaction,
        pending_extension_hours: e
            .case
            .pending_extension_ms
            .map(|ms| ms as f64 / 3_600_000.0),
        duplicate_of: match e.duplicate_of {
            // Named only when the reader may open it.
            Some(d) => state.store.get_event(&user.scope(), d).await?.map(|_| d),
            None => None,
        },
        merged_into: e.merged_into,
        counters: Counters {
            returns: e.case.returns,
            reworks: e.case.reworks,
            escalations: e.case.escalations,
            supervision_level: e.case.supervision_level,
            extensions: e.case.extensions,
            deferrals: e.case.deferrals,
            reopens: e.case.reopens,
        },
        version: e.version,
        suggested_lead: suggestion.as_ref().map(|s| s.0.to_string()),
        suggested_assisting: suggestion
            .map(|s| s.1.iter().map(UnitId::to_string).collect())
            .unwrap_or_default(),
        allowed_actions: event::allowed_actions(&e.case, &who(user), now, &reference.calendar)
            .into_iter()
            .map(str::to_string)
            .collect(),
        timeline: actions
            .into_iter()
            .map(|a| TimelineEntry {
                seq: a.seq,
                at: time::rfc3339(a.at),
                system: systems.get(&a.actor).cloned(),
                actor: a.actor,
                unit: a.unit,
                action: a.action,
                from_state: a.from_state,
                to_state: a.to_state,
                opinion: a.opinion,
                attachments: serde_json::from_str(&a.attachments).unwrap_or_default(),
            })
            .collect(),
        steps: steps
            .into_iter()
            .map(|s| StepEntry {
                step: s.step,
                unit: s.unit,
                due_at: time::rfc3339(s.due),
                done_at: time::rfc3339(s.done_at),
                on_time: s.on_time,
            })
            .collect(),
    })
}

/// A category filter: a subcategory's four digits or a major class's two.
pub(super) fn category_filter(raw: Option<String>) -> ApiResult<Option<String>> {
    raw.map(|c| {
        if (c.len() == 2 || c.len() == 4) && c.bytes().all(|b| b.is_ascii_digit()) {
            Ok(c)
        } else {
            Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "category",
                format!("category {c:?} is not 2 or 4 digits"),
            ))
        }
    })
    .transpose()
}

pub(crate) fn parse_id(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::field(
            ErrorCode::InvalidParameter,
            "id",
            format!("{raw:?} is not an id"),
        )
    })
}

#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = EventDetail), (status = 404, body = super::error::ErrorBody)))]
pub async fn get_event(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<EventDetail>> {
    let id = parse_id(&id)?;
    let e = state
        .store
        .get_event(&user.user.scope(), id)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("event {id}")))?;
    Ok(axum::Json(detail(&state, &user.user, e).await?))
}

/// The action request: `action` names the step and says which other fields apply; every
/// step takes `version` (the version the caller saw: a change by someone else since answers
/// 409), `opinion` (free text for the record) and `attachments` (photo ids from
/// `POST /api/v1/attachments`: evidence of handling, of the site check …).
macro_rules! action_request {
    ($( $(#[$doc:meta])* $variant:ident { $( $(#[$fattr:meta])* $field:ident : $ty:ty ),* } ),* $(,)?) => {
        #[derive(Deserialize, ToSchema)]
        #[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
        pub enum ActionRequest {
            $( $(#[$doc])* $variant {
                #[schema(minimum = 1)]
                version: Option<i64>,
                #[schema(schema_with = super::schema::note_or_null)]
                opinion: Option<String>,
                #[schema(schema_with = super::schema::photo_ids_or_null)]
                attachments: Option<Vec<String>>,
                $( $(#[$fattr])* $field: $ty ),*
            } ),*
        }

        impl ActionRequest {
            fn common(&self) -> (Option<i64>, Option<&String>, Option<&Vec<String>>) {
                match self {
                    $( ActionRequest::$variant { version, opinion, attachments, .. } => {
                        (*version, opinion.as_ref(), attachments.as_ref())
                    } ),*
                }
            }
        }
    };
}

action_request! {
    /// 受理: take a report in, optionally overriding its 三事分流 class (with a reason).
    Register {
        #[schema(schema_with = super::schema::matter_class_or_null)]
        matter_class: Option<String>,
        #[schema(schema_with = super::schema::note_or_null)]
        reason: Option<String>
    },
    /// 不予受理.
    Reject { #[schema(schema_with = super::schema::note)] reason: String },
    /// Merge a duplicate report into the event it repeats.
    Merge { #[schema(minimum = 1)] into: i64 },
    /// 派遣: the lead unit and assisting units (default: the dispatch rules' suggestion).
    Dispatch {
        #[schema(schema_with = super::schema::unit_id_or_null)]
        lead: Option<String>,
        #[schema(max_items = 20, schema_with = super::schema::unit_ids_or_null)]
        assisting: Option<Vec<String>>
    },
    /// 签收.
    Accept {},
    /// 退回: the unit hands the case back.
    Return { #[schema(schema_with = super::schema::note)] reason: String },
    /// 处置: what was done.
    Handle { #[schema(schema_with = super::schema::note)] feedback: String },
    /// 核查: did the on-site check pass?
    Verify { passed: bool },
    /// 结案 (a 私事 closes once the resident confirmed the guidance).
    Close { resident_confirmed: Option<bool> },
    /// 评价: the reporter's satisfaction, 1–5.
    Evaluate { #[schema(minimum = 1, maximum = 5)] satisfaction: i64 },
    /// 上报: hand the case up a level.
    Escalate { #[schema(schema_with = super::schema::note)] reason: String },
    /// 督办: 1–3.
    Supervise { #[schema(minimum = 1, maximum = 3)] level: i64 },
    /// 申请延期: working hours asked for.
    RequestExtension {
        #[schema(exclusive_minimum = 0, maximum = 2000)]
        hours: f64,
        #[schema(schema_with = super::schema::note)]
        reason: String
    },
    /// 审批延期 (false to refuse; default true).
    ApproveExtension { approved: Option<bool> },
    /// 挂起.
    Defer { #[schema(schema_with = super::schema::note)] reason: String },
    /// 恢复.
    Resume {},
    /// 重新办理.
    Reopen { #[schema(schema_with = super::schema::note)] reason: String },
}

impl ActionRequest {
    /// The use case's step; a class that is not one is refused naming the field.
    fn step(self) -> ApiResult<Step> {
        use ActionRequest as A;
        Ok(Step::Do(match self {
            A::Register {
                matter_class,
                reason,
                ..
            } => Command::Register {
                class: matter_class
                    .as_deref()
                    .map(|c| {
                        MatterClass::parse(c).ok_or_else(|| {
                            ApiError::field(
                                ErrorCode::InvalidParameter,
                                "matter_class",
                                "matter_class is 大事, 小事 or 私事",
                            )
                        })
                    })
                    .transpose()?,
                reason: reason
                    .map(|r| zhili_domain::text::note("reason", &r, 2000))
                    .transpose()?,
            },
            A::Reject { reason, .. } => Command::Reject { reason },
            A::Merge { into, .. } => Command::Merge { into },
            A::Dispatch {
                lead, assisting, ..
            } => return Ok(Step::Dispatch { lead, assisting }),
            A::Accept { .. } => Command::Accept,
            A::Return { reason, .. } => Command::Return { reason },
            A::Handle { feedback, .. } => Command::Handle { feedback },
            A::Verify { passed, .. } => Command::Verify { passed },
            A::Close {
                resident_confirmed, ..
            } => Command::Close {
                resident_confirmed: resident_confirmed.unwrap_or(false),
            },
            A::Evaluate { satisfaction, .. } => Command::Evaluate { satisfaction },
            A::Escalate { reason, .. } => Command::Escalate { reason },
            A::Supervise { level, .. } => Command::Supervise { level },
            A::RequestExtension { hours, reason, .. } => {
                Command::RequestExtension { hours, reason }
            }
            A::ApproveExtension { approved, .. } => Command::ApproveExtension {
                approved: approved.unwrap_or(true),
            },
            A::Defer { reason, .. } => Command::Defer { reason },
            A::Resume { .. } => Command::Resume,
            A::Reopen { reason, .. } => Command::Reopen { reason },
        }))
    }
}

#[utoipa::path(post, path = "/api/v1/events/{id}/actions", tag = "events", params(("id" = i64, Path, minimum = 1)), request_body = ActionRequest, security(("bearer" = [])),
    responses((status = 200, body = EventDetail), (status = 404, body = super::error::ErrorBody, description = "not_found: the event, the merge target or a unit named"),
              (status = 409, body = super::error::ErrorBody, description = "invalid_transition: not allowed now, not for you, or changed meanwhile"),
              (status = 422, body = super::error::ErrorBody, description = "bad parameters")))]
pub async fn act(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(req): Json<ActionRequest>,
) -> ApiResult<axum::Json<EventDetail>> {
    let event = parse_id(&id)?;
    let (version, opinion, photos) = req.common();
    let (version, opinion) = (version, opinion.cloned());
    let photos = photos.cloned().unwrap_or_default();
    let step = req.step()?;
    let updated = crate::usecase::act::act(
        &state,
        &user.user,
        Act {
            event,
            version,
            step,
            opinion,
            photos,
        },
    )
    .await?;
    Ok(axum::Json(detail(&state, &user.user, updated).await?))
}
