//! "1+X" joint defence (大院联防): the village station sets up a compound — its lead unit and
//! member households and units — its patrol routes of checkpoints (each with a geofence and a
//! QR code to print) and the shifts its teams walk; the patrol checks in from the phone at each
//! checkpoint, every doubtful check-in recorded with why (away from the checkpoint, a coarse or
//! mock position, faster than a patrol moves, the wrong code, outside the shift), a finding
//! reported straight into the closed loop; ending a shift names the checkpoints it missed.

use super::intake::{self, Report};
use super::{forbidden, invalid, not_found, Error, Result};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhili_domain::event::Channel;
use zhili_domain::patrol::{self as rules, CheckIn, Checkpoint, Previous, Route};
use zhili_domain::user::User;
use zhili_domain::{DomainError, ErrorCode, Role};
use zhili_store::{CheckInRecord, CompoundRecord, RouteRecord, ShiftRecord};

const HOUR_MS: i64 = 3_600_000;

fn station_only(user: &User) -> Result<()> {
    if user.role == Role::VillageOperator {
        Ok(())
    } else {
        Err(forbidden(
            "the village's station sets up its compounds' joint defence",
        ))
    }
}

fn lines(
    field: &str,
    items: &[String],
    max_items: usize,
) -> std::result::Result<Vec<String>, Vec<DomainError>> {
    let mut p = Vec::new();
    if items.is_empty() || items.len() > max_items {
        p.push(
            DomainError::invalid(field, format!("1 to {max_items}"))
                .zh(format!("应为1至{max_items}项")),
        );
    }
    let out = items
        .iter()
        .enumerate()
        .filter_map(|(i, x)| {
            zhili_domain::text::line(&format!("{field}[{i}]"), x, 40)
                .map_err(|e| p.push(e))
                .ok()
        })
        .collect();
    if p.is_empty() {
        Ok(out)
    } else {
        Err(p)
    }
}

pub async fn create_compound(
    state: &AppState,
    user: &User,
    name: &str,
    lead_unit: &str,
    members: &[String],
) -> Result<CompoundRecord> {
    station_only(user)?;
    let mut p = Vec::new();
    let name = zhili_domain::text::line("name", name, 40)
        .map_err(|e| p.push(e))
        .unwrap_or_default();
    let lead = zhili_domain::text::line("lead_unit", lead_unit, 40)
        .map_err(|e| p.push(e))
        .unwrap_or_default();
    let members = lines("members", members, 200)
        .map_err(|e| p.extend(e))
        .unwrap_or_default();
    if !p.is_empty() {
        return Err(Error::problems(p));
    }
    let mut c = CompoundRecord {
        id: 0,
        village_code: user.region_code.to_string(),
        name,
        lead_unit: lead,
        members,
        created_by: user.username.clone(),
        created_at: crate::now_ms(),
    };
    c.id = state.store.create_compound(&user.actor(), &c).await?;
    Ok(c)
}

pub async fn compounds(state: &AppState, user: &User) -> Result<Vec<CompoundRecord>> {
    Ok(state
        .store
        .compounds(&super::points::community_area(user)?)
        .await?)
}

async fn compound_seen(state: &AppState, user: &User, id: i64) -> Result<CompoundRecord> {
    let prefix = super::points::community_area(user)?;
    state
        .store
        .compound(id)
        .await?
        .filter(|c| c.village_code.starts_with(&prefix))
        .ok_or_else(|| not_found("id", format!("compound {id} not found")))
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckpointSpec {
    #[schema(max_length = 40)]
    pub name: String,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// The geofence (m).
    #[schema(minimum = 20, maximum = 500)]
    pub radius_m: f64,
}

/// A route for a compound of the station's village; each checkpoint gets a QR code.
pub async fn add_route(
    state: &AppState,
    user: &User,
    compound_id: i64,
    name: &str,
    checkpoints: &[CheckpointSpec],
) -> Result<RouteRecord> {
    station_only(user)?;
    compound_seen(state, user, compound_id).await?;
    let route = rules::check_route(&Route {
        name: name.to_string(),
        checkpoints: checkpoints
            .iter()
            .map(|c| Checkpoint {
                name: c.name.clone(),
                lon: c.lon,
                lat: c.lat,
                radius_m: c.radius_m,
            })
            .collect(),
    })
    .map_err(Error::problems)?;
    let codes = route
        .checkpoints
        .iter()
        .map(|_| format!("zlp{:016x}", rand::random::<u64>()))
        .collect();
    let mut r = RouteRecord {
        id: 0,
        compound_id,
        route,
        codes,
        created_at: crate::now_ms(),
    };
    r.id = state.store.create_route(&user.actor(), &r).await?;
    Ok(r)
}

pub async fn routes(state: &AppState, user: &User, compound_id: i64) -> Result<Vec<RouteRecord>> {
    compound_seen(state, user, compound_id).await?;
    Ok(state.store.routes(Some(compound_id), None).await?)
}

/// A shift of a team on a route of the station's village: at most a day long, from yesterday
/// to two months ahead.
pub async fn schedule(
    state: &AppState,
    user: &User,
    route_id: i64,
    team: &str,
    starts_at: i64,
    ends_at: i64,
) -> Result<ShiftRecord> {
    station_only(user)?;
    let route = state
        .store
        .routes(None, Some(route_id))
        .await?
        .pop()
        .ok_or_else(|| not_found("route_id", format!("route {route_id} not found")))?;
    compound_seen(state, user, route.compound_id)
        .await
        .map_err(|_| not_found("route_id", format!("route {route_id} not found")))?;
    let team = zhili_domain::text::line("team", team, 100)?;
    let now = crate::now_ms();
    if !(now - 24 * HOUR_MS..=now + 60 * 24 * HOUR_MS).contains(&starts_at) {
        return Err(invalid("starts_at", "from yesterday to two months ahead"));
    }
    if ends_at <= starts_at || ends_at - starts_at > 24 * HOUR_MS {
        return Err(invalid("ends_at", "after the start, within a day"));
    }
    let mut s = ShiftRecord {
        id: 0,
        route_id,
        village_code: user.region_code.to_string(),
        team,
        starts_at,
        ends_at,
        ended_at: None,
        missed: None,
        created_by: user.username.clone(),
    };
    s.id = state.store.create_shift(&user.actor(), &s).await?;
    Ok(s)
}

pub async fn shifts(state: &AppState, user: &User) -> Result<Vec<ShiftRecord>> {
    Ok(state
        .store
        .shifts(&super::points::community_area(user)?, None, 200)
        .await?)
}

/// A shift with its route, its check-ins and the checkpoints not (yet) checked in cleanly.
pub struct ShiftDetail {
    pub shift: ShiftRecord,
    pub route: RouteRecord,
    pub check_ins: Vec<CheckInRecord>,
    pub missed: Vec<usize>,
}

pub async fn shift(state: &AppState, user: &User, id: i64) -> Result<ShiftDetail> {
    let prefix = super::points::community_area(user)?;
    let shift = state
        .store
        .shifts(&prefix, Some(id), 1)
        .await?
        .pop()
        .ok_or_else(|| not_found("id", format!("shift {id} not found")))?;
    let route = state
        .store
        .routes(None, Some(shift.route_id))
        .await?
        .pop()
        .ok_or_else(|| not_found("id", format!("shift {id} not found")))?;
    let check_ins = state.store.check_ins(id).await?;
    let clean: Vec<usize> = check_ins
        .iter()
        .filter(|c| c.flags.is_empty())
        .map(|c| c.checkpoint)
        .collect();
    let missed = shift
        .missed
        .clone()
        .unwrap_or_else(|| rules::missed(&route.route, &clean));
    Ok(ShiftDetail {
        shift,
        route,
        check_ins,
        missed,
    })
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingSpec {
    /// Four-digit subcategory code.
    pub category: String,
    #[schema(max_length = 2000)]
    pub description: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInSpec {
    /// The checkpoint's place in the route (0 first).
    #[schema(minimum = 0, maximum = 49)]
    pub checkpoint: i64,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// The position's accuracy as the phone reports it (m).
    #[schema(minimum = 0, maximum = 100000)]
    pub accuracy_m: f64,
    /// The phone flagged the position as possibly mocked.
    #[serde(default)]
    pub mock_hint: bool,
    /// The QR code scanned at the checkpoint, if one was.
    #[schema(max_length = 64)]
    pub code: Option<String>,
    /// Something found there, reported as an event at the check-in's position.
    pub finding: Option<FindingSpec>,
}

/// A check-in by the grid workers or the station of the shift's village, while the shift has
/// not ended; recorded whatever is doubtful about it, with why.
pub async fn check_in(
    state: &AppState,
    user: &User,
    shift_id: i64,
    c: CheckInSpec,
) -> Result<CheckInRecord> {
    if !matches!(
        user.role,
        Role::VillageOperator | Role::GridWorker | Role::GridLeader
    ) {
        return Err(forbidden(
            "check-ins come from the village's patrols: its station and grid workers",
        ));
    }
    let d = shift(state, user, shift_id).await?;
    if d.shift.ended_at.is_some() {
        return Err(
            DomainError::new(ErrorCode::InvalidTransition, "the shift has ended")
                .zh("该班次已结束")
                .into(),
        );
    }
    let n = d.route.route.checkpoints.len();
    if !(0..n as i64).contains(&c.checkpoint) {
        return Err(invalid("checkpoint", format!("0 to {}", n - 1)));
    }
    if !(c.lon.is_finite()
        && c.lat.is_finite()
        && (-180.0..=180.0).contains(&c.lon)
        && (-90.0..=90.0).contains(&c.lat))
    {
        return Err(invalid("lon", "a WGS84 position"));
    }
    if !(c.accuracy_m.is_finite() && (0.0..=100_000.0).contains(&c.accuracy_m)) {
        return Err(invalid("accuracy_m", "0 to 100,000 m"));
    }
    if c.code.as_ref().is_some_and(|k| k.chars().count() > 64) {
        return Err(invalid("code", "at most 64 characters"));
    }
    let now = crate::now_ms();
    let cp = c.checkpoint as usize;
    let claim = CheckIn {
        checkpoint: cp,
        at: now,
        lon: c.lon,
        lat: c.lat,
        accuracy_m: c.accuracy_m,
        mock_hint: c.mock_hint,
        scanned: c.code.clone(),
    };
    let previous = d.check_ins.last().map(|p| Previous {
        at: p.received_at,
        lon: p.lon,
        lat: p.lat,
    });
    let flags = rules::judge(
        &d.route.route,
        &d.route.codes[cp],
        (d.shift.starts_at, d.shift.ends_at),
        previous,
        &claim,
    );
    let event_id = match c.finding {
        Some(f) => Some(
            intake::report(
                state,
                user,
                Report {
                    channel: Channel::GridPatrol,
                    category: f.category,
                    description: f.description,
                    lon: c.lon,
                    lat: c.lat,
                    occurred_at: None,
                    reporter_name: None,
                    reporter_phone: None,
                    photos: vec![],
                    links: vec![],
                },
            )
            .await?
            .record
            .id,
        ),
        None => None,
    };
    let mut record = CheckInRecord {
        id: 0,
        shift_id,
        checkpoint: cp,
        at: now,
        received_at: now,
        lon: c.lon,
        lat: c.lat,
        accuracy_m: c.accuracy_m,
        mock_hint: c.mock_hint,
        scanned: c.code.is_some(),
        flags,
        by: user.username.clone(),
        event_id,
    };
    record.id = state
        .store
        .record_check_in(&user.actor(), &record)
        .await?
        .ok_or_else(|| {
            Error::from(
                DomainError::new(ErrorCode::Conflict, "the shift ended meanwhile")
                    .zh("该班次已结束"),
            )
        })?;
    Ok(record)
}

/// Ends a shift: the checkpoints without a clean check-in are its missed ones.
pub async fn end(state: &AppState, user: &User, shift_id: i64) -> Result<ShiftDetail> {
    if !matches!(
        user.role,
        Role::VillageOperator | Role::GridWorker | Role::GridLeader
    ) {
        return Err(forbidden("the village's patrols end their shifts"));
    }
    let d = shift(state, user, shift_id).await?;
    if d.shift.ended_at.is_some()
        || !state
            .store
            .end_shift(&user.actor(), shift_id, &d.missed, crate::now_ms())
            .await?
    {
        return Err(
            DomainError::new(ErrorCode::InvalidTransition, "the shift has ended")
                .zh("该班次已结束")
                .into(),
        );
    }
    shift(state, user, shift_id).await
}
