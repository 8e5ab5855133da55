//! Alerts: the evaluation runs every enabled indicator over the recent reports of every area
//! and keeps one alert per indicator, area and raising period — raised when its watch raises,
//! raised higher when the count climbs, cleared when the area has been quiet long enough (or
//! its indicator is switched off) — and people acknowledge, assign or silence them.

use super::{area_series, catalogue};
use crate::state::AppState;
use crate::usecase::{forbidden, not_found, Result};
use std::collections::HashMap;
use zhili_domain::calendar::{china_day, CHINA_OFFSET_MS, DAY_MS};
use zhili_domain::chain::Actor;
use zhili_domain::risk::{
    self, AlertCommand, AlertHandling, AlertLevel, AlertState, Day, SourceKind,
};
use zhili_domain::user::User;
use zhili_domain::Role;
use zhili_store::{AlertRecord, AlertWrite};

/// Periods an evaluation looks at beyond what its detector needs: long enough for an alert's
/// whole episode and its chart.
const EVALUATED_PERIODS: usize = 60;

/// Periods of an alert's chart.
const CHART_PERIODS: usize = 30;

/// What an evaluation did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evaluated {
    pub indicators: usize,
    pub areas: usize,
    pub raised: Vec<i64>,
    pub risen: usize,
    pub cleared: usize,
}

fn chart(days: &[i64], series: &[f64], checks: &[Option<risk::Check>], upto: usize) -> String {
    let from = (upto + 1).saturating_sub(CHART_PERIODS);
    let points: Vec<serde_json::Value> = (from..=upto.min(series.len() - 1))
        .map(|t| {
            let c = checks[t];
            serde_json::json!([
                days[t],
                series[t],
                c.map(|c| c.expected),
                c.map(|c| c.bound)
            ])
        })
        .collect();
    serde_json::Value::Array(points).to_string()
}

/// Runs every enabled indicator that counts reports by area over the recent days, and writes
/// what changed with the system's record.
pub async fn evaluate(state: &AppState, now: i64) -> Result<Evaluated> {
    let catalogue = catalogue(state).await?;
    let today = china_day(now);
    // Every enabled indicator, whatever it counts; a department's only by unit.
    let runnable: Vec<&risk::Indicator> =
        catalogue.indicators.iter().filter(|i| i.enabled).collect();
    let reach = |i: &risk::Indicator| {
        (i.detector.history() + EVALUATED_PERIODS) as i64 * i.period_days as i64
    };
    let longest = runnable.iter().map(|i| reach(i)).max().unwrap_or(0);
    let first_day = today + 1 - longest;
    // Today's reading of the standing counts joins their history first.
    state.store.record_stocks(today, now).await?;
    // Reports are read per indicator (its categories, grouped by its areas in the store);
    // another source once for all the indicators that count it.
    let mut by_source: HashMap<SourceKind, Vec<zhili_store::DayCount>> = HashMap::new();
    for ind in &runnable {
        if ind.source != SourceKind::Events && !by_source.contains_key(&ind.source) {
            let counts = super::indicator_counts(state, ind, first_day, today + 1).await?;
            by_source.insert(ind.source, counts);
        }
    }
    let standing = state.store.standing_alerts(first_day).await?;
    let mut known: HashMap<(String, String, i64), &AlertRecord> = standing
        .iter()
        .map(|a| {
            (
                (a.indicator_code.clone(), a.area_code.clone(), a.raised_on),
                a,
            )
        })
        .collect();
    let calendar = state.reference().calendar.clone();
    let mut writes = Vec::new();
    let mut done = Evaluated {
        indicators: runnable.len(),
        ..Default::default()
    };
    for ind in &runnable {
        let period = ind.period_days as i64;
        // Periods end today: the last one holds today's reports so far.
        let periods = (reach(ind) / period) as usize;
        let from_day = today + 1 - periods as i64 * period;
        let days: Vec<i64> = (0..periods).map(|p| from_day + p as i64 * period).collect();
        let calendar_days: Vec<Day> = days
            .iter()
            .map(|&d| Day {
                weekday: (d + 3).rem_euclid(7) as u8,
                working: calendar.is_working_day(d),
            })
            .collect();
        let own;
        let counts = match by_source.get(&ind.source) {
            Some(counts) => counts,
            None => {
                own = super::indicator_counts(state, ind, from_day, today + 1).await?;
                &own
            }
        };
        let series = area_series(ind, counts, from_day, periods, |_| true);
        done.areas += series.len();
        for (area, (counts, _)) in &series {
            let (checks, episodes) = risk::watch(ind, counts, &calendar_days);
            for e in &episodes {
                let raised_on = days[e.start];
                let upto = e.end.unwrap_or(periods - 1);
                let history = chart(&days, counts, &checks, upto);
                let level = e.level.as_str().to_string();
                match known.remove(&(ind.code.clone(), area.clone(), raised_on)) {
                    None => {
                        let cleared_on = e.end.map(|t| days[t]);
                        writes.push(AlertWrite::Raise(Box::new(AlertRecord {
                            id: 0,
                            indicator_code: ind.code.clone(),
                            indicator_name: ind.name.clone(),
                            catalogue_version: catalogue.version,
                            area_level: ind.level.as_str().into(),
                            area_code: area.clone(),
                            level,
                            handling: AlertHandling {
                                state: if cleared_on.is_some() {
                                    AlertState::Cleared
                                } else {
                                    AlertState::Open
                                },
                                assigned_unit: None,
                                silenced_until: None,
                                silence_reason: None,
                                event_id: None,
                                risk_id: None,
                            },
                            raised_on,
                            cleared_on,
                            peak_on: days[e.peak_at],
                            observed: e.peak.observed,
                            expected: e.peak.expected,
                            bound: e.peak.bound,
                            history,
                            version: 1,
                            updated_at: now,
                        })));
                    }
                    Some(a) => {
                        let cleared_on = match (e.end, a.handling.state) {
                            (Some(t), s) if s != AlertState::Cleared => Some(days[t]),
                            _ => None,
                        };
                        let rose = e.peak.observed > a.observed;
                        if cleared_on.is_some() || rose {
                            if cleared_on.is_some() {
                                done.cleared += 1;
                            } else {
                                done.risen += 1;
                            }
                            writes.push(AlertWrite::Update {
                                id: a.id,
                                expected_version: a.version,
                                level: AlertLevel::parse(&a.level)
                                    .map_or(e.level, |l| l.max(e.level))
                                    .as_str()
                                    .into(),
                                peak_on: days[e.peak_at],
                                observed: e.peak.observed.max(a.observed),
                                expected: e.peak.expected,
                                bound: e.peak.bound,
                                history,
                                cleared_on,
                            });
                        }
                    }
                }
            }
        }
    }
    // What stands without an episode now: an indicator switched off or gone clears its alerts;
    // one raised before the window stays until its area is evaluated quiet.
    for a in known.values() {
        if a.handling.state == AlertState::Cleared {
            continue;
        }
        let live = runnable.iter().any(|i| i.code == a.indicator_code);
        if !live || a.raised_on >= first_day {
            done.cleared += 1;
            writes.push(AlertWrite::Update {
                id: a.id,
                expected_version: a.version,
                level: a.level.clone(),
                peak_on: a.peak_on,
                observed: a.observed,
                expected: a.expected,
                bound: a.bound,
                history: a.history.clone(),
                cleared_on: Some(today),
            });
        }
    }
    done.raised = state
        .store
        .write_alerts(&Actor::system(), &writes, now)
        .await?;
    // Those raised and still standing arrive live on the command centres that see them.
    let raised = writes.iter().filter_map(|w| match w {
        AlertWrite::Raise(a) => Some(a),
        AlertWrite::Update { .. } => None,
    });
    let index = state.index();
    for (a, id) in raised.zip(&done.raised) {
        if a.cleared_on.is_some() {
            continue;
        }
        state.announce_alert(crate::state::AlertNotice {
            id: *id,
            indicator_code: a.indicator_code.clone(),
            indicator_name: a.indicator_name.clone(),
            area_level: a.area_level.clone(),
            area_code: a.area_code.clone(),
            area_name: index
                .names
                .get(&a.area_code)
                .cloned()
                .unwrap_or_else(|| a.area_code.clone()),
            level_name: AlertLevel::parse(&a.level)
                .map(|l| l.label_zh())
                .unwrap_or_default()
                .into(),
            level: a.level.clone(),
            observed: a.observed,
            expected: a.expected,
            raised_on: zhili_domain::calendar::date_string(a.raised_on),
        });
    }
    Ok(done)
}

/// What someone does with an alert.
#[derive(Clone, Debug)]
pub struct Handle {
    pub alert_id: i64,
    /// The version the caller saw: a change since is refused (409).
    pub version: Option<i64>,
    pub command: AlertCommand,
}

/// Who handles alerts: the centres and stations over the alert's area (a department its own).
fn may_handle(user: &User, alert: &AlertRecord) -> bool {
    match user.role {
        Role::DistrictCommander
        | Role::DistrictOperator
        | Role::TownOperator
        | Role::VillageOperator => alert.area_level != "department",
        Role::DepartmentHandler => {
            alert.area_level == "department" && user.unit_id.as_deref() == Some(&alert.area_code)
        }
        _ => false,
    }
}

/// Takes `h` on the alert as `user`; answers the alert as it now is.
pub async fn handle(state: &AppState, user: &User, h: Handle) -> Result<AlertRecord> {
    // Read as the page reads it, so a sector peer's alert is refused, not absent.
    let scope = super::reading_scope(state, user).await?;
    let alert = state
        .store
        .alert(&scope, h.alert_id)
        .await?
        .ok_or_else(|| not_found("id", format!("alert {} not found", h.alert_id)))?;
    if !may_handle(user, &alert) {
        return Err(forbidden("you may not handle this alert"));
    }
    if let Some(v) = h.version {
        if v != alert.version {
            return Err(zhili_store::StoreError::conflict(format!(
                "the alert is at version {}, not {v}; reload it",
                alert.version
            ))
            .into());
        }
    }
    if let AlertCommand::Assign { unit } = &h.command {
        let known = state.store.get_unit(&scope, unit).await?.is_some();
        if !known {
            return Err(not_found("unit", format!("unit {unit} not found")));
        }
    }
    let now = crate::now_ms();
    let from = alert.handling.state_at(now);
    let next = alert.handling.apply(&h.command, now)?;
    let detail = match &h.command {
        AlertCommand::Assign { unit } => unit.clone(),
        AlertCommand::Silence { reason, until } => {
            format!("{reason}（至 {}）", zhili_domain::time::rfc3339(*until))
        }
        AlertCommand::Raised { event_id } => format!("event:{event_id}"),
        AlertCommand::Registered { risk_id } => format!("risk:{risk_id}"),
        AlertCommand::Acknowledge => String::new(),
    };
    let action = user
        .actor()
        .action(
            now,
            &format!("risk.alert.{}", h.command.name()),
            &format!("risk_alert:{}", alert.id),
        )
        .states(Some(from.as_str()), Some(next.state.as_str()))
        .opinion(detail);
    state
        .store
        .handle_alert(alert.id, alert.version, &next, action, now)
        .await?;
    state
        .store
        .alert(&scope, alert.id)
        .await?
        .ok_or_else(|| not_found("id", format!("alert {} not found", alert.id)))
}

/// What an alert's figure is made of: for reports, those it counted in its peak period;
/// for another source, its records (a flow's in the peak period, a standing count's now),
/// each opened by its own rule — a reader who may not see key persons or notes gets their
/// number without them.
#[derive(Clone, Debug)]
pub struct Contributing {
    pub alert: AlertRecord,
    pub events: Vec<zhili_store::EventRecord>,
    pub records: Vec<zhili_store::SourceItem>,
    pub total: i64,
}

/// What alert `alert_id` counted, newest first (at most `limit`), and how many there are.
pub async fn contributing(
    state: &AppState,
    user: &User,
    alert_id: i64,
    limit: i64,
) -> Result<Contributing> {
    let scope = super::reading_scope(state, user).await?;
    let alert = state
        .store
        .alert(&scope, alert_id)
        .await?
        .ok_or_else(|| not_found("id", format!("alert {alert_id} not found")))?;
    let catalogue = catalogue(state).await?;
    let indicator = catalogue
        .indicators
        .iter()
        .find(|i| i.code == alert.indicator_code);
    let peak_from = alert.peak_on * DAY_MS - CHINA_OFFSET_MS;
    if let Some(ind) = indicator.filter(|i| i.source != SourceKind::Events) {
        let sensitivity = zhili_domain::situation::max_sensitivity(user.role);
        let opens = match ind.source {
            SourceKind::OverdueVisits => crate::usecase::people::key_group_worker(user).is_ok(),
            SourceKind::SensitiveNotes => sensitivity.is_some(),
            _ => true,
        };
        let reader = user.actor().username;
        let (total, records) = state
            .store
            .source_items(
                &scope,
                &zhili_store::SourceItems {
                    source: ind.source.as_str(),
                    area_code: &alert.area_code,
                    from: peak_from,
                    to: peak_from + ind.period_days as i64 * DAY_MS,
                    now: crate::now_ms(),
                    limit: if opens { limit } else { 0 },
                    reader: &reader,
                    max_sensitivity: sensitivity.map_or(0, |s| s.level()),
                },
            )
            .await?;
        return Ok(Contributing {
            alert,
            events: vec![],
            records,
            total,
        });
    }
    let period = indicator.map_or(1, |i| i.period_days as i64);
    let categories: Vec<Option<String>> = match indicator {
        Some(i) if !i.categories.is_empty() => i.categories.iter().cloned().map(Some).collect(),
        _ => vec![None],
    };
    let channels: Vec<Option<zhili_domain::event::Channel>> = match indicator {
        Some(i) if !i.channels.is_empty() => i.channels.iter().copied().map(Some).collect(),
        _ => vec![None],
    };
    let region = (alert.area_level != "department")
        .then(|| zhili_domain::RegionCode::parse(&alert.area_code).ok())
        .flatten();
    let mut events = Vec::new();
    let mut total = 0;
    for category in &categories {
        for channel in &channels {
            let (found, n) = state
                .store
                .list_events(
                    &scope,
                    &zhili_store::EventFilter {
                        category: category.clone(),
                        channel: *channel,
                        region: region.clone(),
                        reported_from: Some(peak_from),
                        reported_to: Some((alert.peak_on + period) * DAY_MS - CHINA_OFFSET_MS),
                        unmerged: true,
                        limit,
                        ..Default::default()
                    },
                )
                .await?;
            total += n;
            events.extend(found);
        }
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.id));
    events.dedup_by_key(|e| e.id);
    events.truncate(limit as usize);
    Ok(Contributing {
        alert,
        events,
        records: vec![],
        total,
    })
}

/// An alert turned into an event in one step: filed (channel 研判交办) at its area, owned by
/// the caller's centre or station, and the alert marked with it.
pub async fn to_event(
    state: &AppState,
    user: &User,
    alert_id: i64,
    version: Option<i64>,
    category: &str,
    description: &str,
) -> Result<(AlertRecord, i64)> {
    let scope = user.scope();
    let alert = state
        .store
        .alert(&scope, alert_id)
        .await?
        .ok_or_else(|| not_found("id", format!("alert {alert_id} not found")))?;
    if !may_handle(user, &alert) || alert.area_level == "department" {
        return Err(forbidden("you may not turn this alert into an event"));
    }
    if version.is_some_and(|v| v != alert.version) {
        return Err(zhili_store::StoreError::conflict(format!(
            "the alert is at version {}; reload it",
            alert.version
        ))
        .into());
    }
    let now = crate::now_ms();
    alert
        .handling
        .apply(&AlertCommand::Raised { event_id: i64::MAX }, now)?;
    let area = zhili_domain::RegionCode::parse(&alert.area_code)
        .map_err(|_| zhili_store::StoreError::Internal(format!("alert {alert_id}: area")))?;
    let at = super::meetings::Placement::of(state, &area).await?;
    let record =
        super::meetings::file_task(state, user, &at, category, description.to_string(), None)
            .await?;
    let a = handle(
        state,
        user,
        Handle {
            alert_id,
            version: Some(alert.version),
            command: AlertCommand::Raised {
                event_id: record.id,
            },
        },
    )
    .await?;
    Ok((a, record.id))
}
