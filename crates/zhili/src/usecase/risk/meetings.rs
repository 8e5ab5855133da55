//! Assessment meetings (研判会) of "1+13+N": the district's and the thirteen sectors' convened
//! by the district centre, grassroots ones by a town or village station over its area. A held
//! meeting keeps what it looked at (the alerts and risks standing then) and its decisions, each
//! filed as an event (channel 研判交办) at the meeting's area, registered and dispatched to its
//! lead unit so the closed loop follows it like any other.

use crate::state::{AppState, EventNotice};
use crate::usecase::act::{self, Act, Step};
use crate::usecase::intake::{self, Placed};
use crate::usecase::{forbidden, invalid, not_found, Result};
use geo::InteriorPoint;
use zhili_domain::calendar::{china_day, date_string, CHINA_OFFSET_MS, DAY_MS, HOUR_MS};
use zhili_domain::event::{Channel, Command};
use zhili_domain::risk::{AlertState, MeetingKind, MeetingRecord};
use zhili_domain::user::User;
use zhili_domain::{RegionCode, Role, Scope};
use zhili_store::{AlertFilter, DecisionRow, MeetingReader, MeetingRow, RiskFilter};

/// A meeting to convene.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub kind: MeetingKind,
    /// A sector meeting's sector (S01 … S13).
    pub sector: Option<String>,
    /// A grassroots meeting's town or village (the caller's own region if none).
    pub area_code: Option<String>,
    pub title: String,
    pub scheduled_at: i64,
}

fn district_centre(user: &User) -> bool {
    matches!(user.role, Role::DistrictCommander | Role::DistrictOperator)
}

/// Who reads meetings as `user`: their scope and, for a department, its sector.
pub async fn reader_sector(state: &AppState, user: &User) -> Result<Option<String>> {
    let Some(unit) = user
        .unit_id
        .as_deref()
        .filter(|_| user.role == Role::DepartmentHandler)
    else {
        return Ok(None);
    };
    Ok(super::sector_of(state, unit).await?.map(|s| s.code))
}

/// Schedules a meeting as `user`; answers it as stored.
pub async fn schedule(state: &AppState, user: &User, s: Schedule) -> Result<MeetingRow> {
    let now = crate::now_ms();
    let title = intake::text("title", &s.title, 100)?;
    if (s.scheduled_at - now).abs() > 366 * DAY_MS {
        return Err(invalid("scheduled_at", "within a year of today"));
    }
    let root = user.region_code.clone();
    let (area, sector) = match s.kind {
        MeetingKind::District | MeetingKind::Sector => {
            if !district_centre(user) {
                return Err(forbidden(
                    "the district centre convenes the district's and the sectors' assessments",
                ));
            }
            let sector = match s.kind {
                MeetingKind::Sector => {
                    let code = s.sector.unwrap_or_default();
                    if !super::sectors(state)
                        .await?
                        .1
                        .iter()
                        .any(|x| x.code == code)
                    {
                        return Err(not_found("sector", format!("no sector {code:?}")));
                    }
                    Some(code)
                }
                _ => None,
            };
            (root, sector)
        }
        MeetingKind::Grassroots => {
            if !matches!(
                user.role,
                Role::DistrictCommander
                    | Role::DistrictOperator
                    | Role::TownOperator
                    | Role::VillageOperator
            ) {
                return Err(forbidden(
                    "the centres and stations convene grassroots assessments",
                ));
            }
            let area = match s.area_code {
                None => root,
                Some(a) => RegionCode::parse(&a)
                    .ok()
                    .filter(|c| state.index().names.contains_key(c.as_str()))
                    .filter(|c| user.scope().sees_region(c))
                    .ok_or_else(|| not_found("area_code", format!("no area {a} of yours")))?,
            };
            if area.level() == zhili_domain::Level::District {
                return Err(invalid(
                    "area_code",
                    "a grassroots assessment is a town's or a village's",
                ));
            }
            (area, None)
        }
    };
    let mut m = MeetingRow {
        id: 0,
        kind: s.kind.as_str().into(),
        sector,
        area_code: area.to_string(),
        title,
        scheduled_at: s.scheduled_at,
        status: "scheduled".into(),
        held_at: None,
        attendees: None,
        minutes: None,
        material: None,
        convened_by: user.username.clone(),
        version: 1,
        updated_at: now,
        decisions: vec![],
    };
    let action = user
        .actor()
        .action(now, "risk.meeting.schedule", "risk_meeting:new")
        .opinion(format!("{}（{}）", m.title, s.kind.label_zh()));
    m.id = state.store.schedule_meeting(&m, action).await?;
    Ok(m)
}

/// A meeting the caller reads.
pub async fn meeting(state: &AppState, user: &User, id: i64) -> Result<MeetingRow> {
    let sector = reader_sector(state, user).await?;
    state
        .store
        .meeting(
            &MeetingReader {
                scope: &user.scope(),
                sector: sector.as_deref(),
            },
            id,
        )
        .await?
        .ok_or_else(|| not_found("id", format!("meeting {id} not found")))
}

/// The alerts and risks standing over the meeting's area when it is held: what it looked at.
async fn material(state: &AppState, user: &User, area: &RegionCode, now: i64) -> Result<String> {
    let scope = user.scope();
    let (_, alerts) = state
        .store
        .alerts(
            &scope,
            &AlertFilter {
                states: vec![AlertState::Open, AlertState::Acknowledged],
                indicator: None,
                region: Some(area.clone()),
                now,
                limit: 100,
                offset: 0,
                ..Default::default()
            },
        )
        .await?;
    let (_, risks) = state
        .store
        .risks(
            &scope,
            &RiskFilter {
                statuses: vec!["open".into(), "controlled".into()],
                region: Some(area.clone()),
                limit: 100,
                ..Default::default()
            },
        )
        .await?;
    let names = &state.index().names;
    let name = |c: &str| names.get(c).cloned().unwrap_or_else(|| c.to_string());
    Ok(serde_json::json!({
        "alerts": alerts.iter().map(|a| serde_json::json!({
            "id": a.id, "indicator": a.indicator_name, "area": name(&a.area_code),
            "level": a.level, "observed": a.observed, "expected": a.expected,
            "raised_on": date_string(a.raised_on),
        })).collect::<Vec<_>>(),
        "risks": risks.iter().map(|r| serde_json::json!({
            "id": r.id, "title": r.title, "area": name(&r.area_code), "level": r.level,
            "status": r.status, "owner_unit": r.owner_unit, "review_on": date_string(r.review_on),
        })).collect::<Vec<_>>(),
    })
    .to_string())
}

/// Records a meeting held — attendees, minutes, decisions — and dispatches its decisions.
pub async fn hold(
    state: &AppState,
    user: &User,
    id: i64,
    version: Option<i64>,
    record: MeetingRecord,
) -> Result<MeetingRow> {
    let m = meeting(state, user, id).await?;
    let convenes = match MeetingKind::from_code(&m.kind) {
        Some(MeetingKind::District | MeetingKind::Sector) => district_centre(user),
        _ => matches!(
            user.role,
            Role::DistrictCommander
                | Role::DistrictOperator
                | Role::TownOperator
                | Role::VillageOperator
        ),
    };
    if !convenes {
        return Err(forbidden("only those who convene this meeting record it"));
    }
    if m.status != "scheduled" {
        return Err(zhili_store::StoreError::conflict("the meeting was recorded already").into());
    }
    if version.is_some_and(|v| v != m.version) {
        return Err(zhili_store::StoreError::conflict(format!(
            "the meeting is at version {}; reload it",
            m.version
        ))
        .into());
    }
    let now = crate::now_ms();
    let record = record.check(china_day(now))?;
    let scope = user.scope();
    for (i, d) in record.decisions.iter().enumerate() {
        if state.store.get_unit(&scope, &d.lead_unit).await?.is_none() {
            return Err(not_found(
                &format!("decisions[{i}].lead_unit"),
                format!("unit {} not found", d.lead_unit),
            ));
        }
        if !state.reference().categories.contains_key(&d.category) {
            return Err(not_found(
                &format!("decisions[{i}].category"),
                format!("no event category {}", d.category),
            ));
        }
    }
    let area = RegionCode::parse(&m.area_code)
        .map_err(|_| zhili_store::StoreError::Internal(format!("meeting {id}: area")))?;
    let held = MeetingRow {
        status: "held".into(),
        held_at: Some(now),
        attendees: Some(serde_json::to_string(&record.attendees).unwrap_or_default()),
        minutes: Some(record.minutes.clone()),
        material: Some(material(state, user, &area, now).await?),
        updated_at: now,
        decisions: record
            .decisions
            .iter()
            .enumerate()
            .map(|(i, d)| DecisionRow {
                seq: i as i64 + 1,
                text: d.text.clone(),
                lead_unit: d.lead_unit.clone(),
                category: d.category.clone(),
                due_on: d.due_on,
                event_id: None,
            })
            .collect(),
        ..m
    };
    let action = user
        .actor()
        .action(now, "risk.meeting.hold", &format!("risk_meeting:{id}"))
        .states(Some("scheduled"), Some("held"))
        .opinion(format!(
            "{}；参会 {} 人；决定 {} 项",
            held.title,
            record.attendees.len(),
            record.decisions.len()
        ));
    state.store.hold_meeting(&held, action).await?;
    dispatch_decisions(state, user, id).await?;
    meeting(state, user, id).await
}

/// Where an area's tasks are filed: a point inside it and the grid holding that point.
pub(crate) struct Placement {
    lon: f64,
    lat: f64,
    grid: RegionCode,
}

impl Placement {
    pub(crate) async fn of(state: &AppState, area: &RegionCode) -> Result<Placement> {
        let (lon, lat) = area_point(state, area).await?;
        let index = state.index();
        let grid = index
            .locate
            .locate(lon, lat)
            .map(|hit| index.grids[hit.shape as usize].grid_code.clone())
            .ok_or_else(|| invalid("area_code", "the area's point lies in no grid"))?;
        Ok(Placement { lon, lat, grid })
    }
}

/// Files a task the assessment found (channel 研判交办) at `at`, owned by the caller's centre or
/// station, and tells the live streams: a meeting's decision or an alert turned into an event.
/// A task due on a day (China days) is given the handling time that ends it by that day's
/// close when each step before handling keeps its limit.
pub(crate) async fn file_task(
    state: &AppState,
    user: &User,
    at: &Placement,
    category: &str,
    description: String,
    due_on: Option<i64>,
) -> Result<zhili_store::EventRecord> {
    let reference = state.reference();
    let category = reference
        .categories
        .get(category)
        .ok_or_else(|| not_found("category", format!("no event category {category}")))?;
    let description = intake::text("description", &description, 2000)?;
    let now = crate::now_ms();
    let mut new = intake::new_event(
        Placed {
            channel: Channel::Assessment,
            category,
            grid: at.grid.clone(),
            description,
            lon: at.lon,
            lat: at.lat,
            occurred_at: now,
            reporter_name: None,
            reporter_phone: None,
            duplicate_of: None,
            photos: "[]".into(),
            links: vec![],
            resident: None,
        },
        &state.key,
        &reference.calendar,
        now,
    );
    if let Some(unit) = user
        .unit_id
        .as_deref()
        .and_then(|u| zhili_domain::UnitId::parse(u).ok())
    {
        new.case.owner = unit;
    }
    if let Some(day) = due_on {
        let limits = &mut new.case.limits;
        let day_end = (day + 1) * DAY_MS - CHINA_OFFSET_MS;
        let left = reference.calendar.elapsed(now, day_end, limits.clock);
        // Registering and dispatching follow at once; taking it up may use its limit.
        limits.handle_ms = (left - limits.take_up_ms).max(HOUR_MS);
    }
    let record = state.submit_report(user.actor(), new, now).await?;
    state.notify(EventNotice::of(&record, "report", now));
    Ok(record)
}

/// A point inside the area the meeting was about, where its tasks are filed.
pub(crate) async fn area_point(state: &AppState, area: &RegionCode) -> Result<(f64, f64)> {
    let region = state
        .store
        .get_region(&Scope::whole(area.clone()), area, true)
        .await?
        .ok_or_else(|| not_found("area_code", format!("no area {area}")))?;
    region
        .geometry
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .and_then(|v| zhili_spatial::geojson::parse_polygonal(&v).ok())
        .and_then(|shape| shape.interior_point())
        .map(|p| (p.x(), p.y()))
        .ok_or_else(|| {
            zhili_store::StoreError::Internal(format!("area {area} has no boundary")).into()
        })
}

/// Files each decision not yet dispatched as an event and dispatches it to its lead unit;
/// a retry after a failure files only what is left.
pub async fn dispatch_decisions(state: &AppState, user: &User, id: i64) -> Result<Vec<i64>> {
    let m = meeting(state, user, id).await?;
    let area = RegionCode::parse(&m.area_code)
        .map_err(|_| zhili_store::StoreError::Internal(format!("meeting {id}: area")))?;
    let pending: Vec<&DecisionRow> = m
        .decisions
        .iter()
        .filter(|d| d.event_id.is_none())
        .collect();
    if pending.is_empty() {
        return Ok(vec![]);
    }
    let at = Placement::of(state, &area).await?;
    let village = at.grid.parent().unwrap_or_else(|| at.grid.clone());
    let mut events = Vec::new();
    for d in pending {
        let record = file_task(
            state,
            user,
            &at,
            &d.category,
            format!(
                "【研判交办】{}：{}（限 {} 前完成）",
                m.title,
                d.text,
                date_string(d.due_on)
            ),
            Some(d.due_on),
        )
        .await?;
        let registered = act::act(
            state,
            user,
            Act {
                event: record.id,
                version: Some(record.version),
                // A task for a unit beyond the village's own station is a 大事 by decision.
                step: Step::Do(Command::Register {
                    class: (*zhili_domain::unit::station_id(&village) != *d.lead_unit)
                        .then_some(zhili_domain::event::MatterClass::Major),
                    reason: Some(format!("研判会决定：{}", m.title)),
                }),
                opinion: None,
                photos: vec![],
            },
        )
        .await?;
        act::act(
            state,
            user,
            Act {
                event: record.id,
                version: Some(registered.version),
                step: Step::Dispatch {
                    lead: Some(d.lead_unit.clone()),
                    assisting: Some(vec![]),
                },
                opinion: Some(d.text.clone()),
                photos: vec![],
            },
        )
        .await?;
        let action = user
            .actor()
            .action(
                crate::now_ms(),
                "risk.meeting.dispatch",
                &format!("risk_meeting:{id}"),
            )
            .opinion(format!(
                "决定 {} → 事件 {}（{}）",
                d.seq, record.id, d.lead_unit
            ));
        state
            .store
            .decision_dispatched(id, d.seq, record.id, action)
            .await?;
        events.push(record.id);
    }
    Ok(events)
}
