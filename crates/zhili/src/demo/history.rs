//! A year of the demo city's life: reports over every channel and category with daily,
//! weekly and seasonal rhythms, spread by population, each walked through the real state
//! machine by the demo accounts — registered, dispatched by the rules, accepted, extended,
//! deferred, returned, handled late or on time, reworked, escalated, supervised, closed and
//! rated — or left open where "now" finds it.

use super::city::{is_urban, CityPlan};
use crate::crypto::DataKey;
use crate::reference::Reference;
use crate::usecase::intake;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zhili_domain::calendar::{CHINA_OFFSET_MS, DAY_MS, HOUR_MS, MINUTE_MS};
use zhili_domain::chain::Actor as Recorder;
use zhili_domain::event::{self, apply, Case, Channel, Command, MatterClass};
use zhili_domain::reference::{suggest_dispatch, Category};
use zhili_domain::{Level, RegionCode, RegionKind, Role, UnitId, UnitKind};
use zhili_store::{EventChange, HistoryChange, HistoryItem};

pub struct HistoryParams {
    pub events: usize,
    pub days: i64,
    pub now: i64,
    pub seed: u64,
}

/// What happened, for the build's report.
#[derive(Debug, Default)]
pub struct HistoryStats {
    pub events: usize,
    pub changes: usize,
    /// Actions the state machine refused (a generator bug if ever non-zero).
    pub refused: usize,
}

/// Share of reports by major class, and how the season moves it (summer rain, winter fire).
fn major_weight(major: &str, month: u32) -> f64 {
    let base = match major {
        "01" => 12.0,
        "02" => 6.0,
        "03" => 5.0,
        "04" => 7.0,
        "05" => 12.0,
        "06" => 15.0,
        "07" => 18.0,
        "08" => 10.0,
        "09" => 3.0,
        "10" => 4.0,
        "11" => 2.0,
        "12" => 1.5,
        _ => 4.5,
    };
    let season = match (major, month) {
        ("12", 5..=8) => 4.0,
        ("04", 12 | 1 | 2) => 1.6,
        ("05", 6..=8) => 1.3,
        ("01", 1 | 2) => 1.4, // family and debt disputes around the Spring Festival
        _ => 1.0,
    };
    base * season
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0.0..total);
    for &(item, w) in items {
        if x < w {
            return item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// A cumulative table for fast weighted picks over many items.
struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    fn new(weights: impl Iterator<Item = f64>) -> Weighted {
        let mut acc = 0.0;
        Weighted {
            cumulative: weights
                .map(|w| {
                    acc += w;
                    acc
                })
                .collect(),
        }
    }

    fn pick(&self, rng: &mut ChaCha8Rng) -> usize {
        let x = rng.gen_range(0.0..*self.cumulative.last().unwrap_or(&1.0));
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.cumulative.len() - 1)
    }
}

/// The department a returned major case goes to next, and the one that refers cases when a
/// category names no department: 城管 (city management).
const CITY_MANAGEMENT: &str = "D09";

/// The account that acts for a unit (the demo has one per unit).
fn account_for_unit(unit: &str) -> (String, Role, RegionCode) {
    let district = || RegionCode::parse("500114").expect("the demo district");
    let unit = UnitId::parse(unit).expect("the demo's units have ids");
    match (unit.region(), unit.level()) {
        (Some(r), Some(Level::Village)) => (format!("village-{r}"), Role::VillageOperator, r),
        (Some(r), Some(Level::Town)) => (format!("town-{r}"), Role::TownOperator, r),
        (Some(r), _) => ("district-operator".to_string(), Role::DistrictOperator, r),
        (None, _) => (format!("dept-{unit}"), Role::DepartmentHandler, district()),
    }
}

struct Walk<'a> {
    case: Case,
    changes: Vec<HistoryChange>,
    reference: &'a Reference,
    now: i64,
    refused: usize,
}

impl Walk<'_> {
    /// Takes `command` at `at` as `account` of `unit`; false if "now" comes first or it is refused.
    fn step(
        &mut self,
        unit: &str,
        account: Option<(String, Role, RegionCode)>,
        command: Command,
        at: i64,
        opinion: Option<String>,
    ) -> bool {
        if at > self.now {
            return false;
        }
        let (username, role, region) = account.unwrap_or_else(|| account_for_unit(unit));
        let who = event::Actor {
            role,
            unit: Some(unit.to_string()),
            region,
            grids: Vec::new(),
        };
        match apply(&self.case, &who, &command, at, &self.reference.calendar) {
            Ok(outcome) => {
                let from = self.case.status;
                self.case = outcome.case.clone();
                self.changes.push(HistoryChange {
                    actor: Recorder {
                        username,
                        unit: Some(unit.to_string()),
                    },
                    at,
                    change: EventChange {
                        action: command.name().to_string(),
                        case: outcome.case,
                        from,
                        opinion,
                        attachments: "[]".into(),
                        step_done: outcome.step_done,
                        merged_into: None,
                    },
                });
                true
            }
            Err(_) => {
                self.refused += 1;
                false
            }
        }
    }

    fn manager(&self) -> UnitId {
        self.case.owner.clone()
    }

    fn lead(&self) -> String {
        self.case
            .lead_unit
            .as_ref()
            .map(UnitId::to_string)
            .unwrap_or_default()
    }

    /// When a step started at `from` finishes if it takes `fraction` of its limit.
    fn after(&self, from: i64, limit: i64, fraction: f64) -> i64 {
        let span = ((limit as f64) * fraction).max(MINUTE_MS as f64) as i64;
        self.reference
            .calendar
            .due(from, span, self.case.limits.clock)
    }
}

/// How much of a step's limit it takes: mostly well inside, sometimes late.
fn fraction(rng: &mut ChaCha8Rng, late_share: f64) -> f64 {
    if rng.gen_bool(late_share) {
        rng.gen_range(1.05..2.5)
    } else {
        rng.gen_range(0.05..0.95f64).powf(1.3)
    }
}

/// The whole year in memory (tests, small demos).
pub fn generate(
    plan: &CityPlan,
    reference: &Reference,
    key: &DataKey,
    p: &HistoryParams,
    progress: &mut dyn FnMut(u64, u64),
) -> (Vec<HistoryItem>, HistoryStats) {
    let mut items = Vec::new();
    let stats = generate_in_chunks(
        plan,
        reference,
        key,
        p,
        usize::MAX,
        &mut |chunk| {
            items.extend(chunk);
            true
        },
        progress,
    );
    (items, stats)
}

/// The year in report-time order, handed to `sink` `chunk` cases at a time, so a history
/// of millions of cases never has to be in memory at once. `sink` answers false to stop.
pub fn generate_in_chunks(
    plan: &CityPlan,
    reference: &Reference,
    key: &DataKey,
    p: &HistoryParams,
    chunk: usize,
    sink: &mut dyn FnMut(Vec<HistoryItem>) -> bool,
    progress: &mut dyn FnMut(u64, u64),
) -> HistoryStats {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed ^ 0x5EED_4E57);
    let mut stats = HistoryStats::default();
    // Where: grids weighted by the people in them.
    let grid_weights = Weighted::new(plan.grids.iter().map(|g| {
        let town = g.code.ancestor_at(Level::Town).expect("town");
        let community =
            g.code.parent().and_then(|v| v.village_kind()) == Some(RegionKind::Community);
        match (is_urban(&town), community) {
            (true, true) => 3.0,
            (true, false) | (false, true) => 1.5,
            (false, false) => 1.0,
        }
    }));
    let mut categories: Vec<&Category> = reference.categories.values().collect();
    categories.sort_by(|a, b| a.code.cmp(&b.code));
    // When each case is reported, first, so cases are made (and numbered) in time order.
    let times = report_times(reference, p, &mut rng);
    let mut items = Vec::with_capacity(chunk.min(times.len()));
    for (n, &(reported_at, day)) in times.iter().enumerate() {
        if n % 2000 == 0 {
            progress(n as u64, p.events as u64);
        }
        let month = zhili_domain::time::civil_from_days(day).1;
        let weighted: Vec<(usize, f64)> = categories
            .iter()
            .enumerate()
            .map(|(i, c)| (i, major_weight(&c.code[..2], month)))
            .collect();
        let category = categories[pick(&mut rng, &weighted)];
        let grid = &plan.grids[grid_weights.pick(&mut rng)];
        let (lon, lat) = super::city::random_point(&grid.shape, &mut rng);
        let channel = pick(
            &mut rng,
            &[
                (Channel::GridPatrol, 45.0),
                (Channel::Resident, 14.0),
                (Channel::Hotline, 20.0),
                (Channel::WalkIn, 8.0),
                (Channel::VideoAlert, 7.0),
                (Channel::Department, 6.0),
            ],
        );
        let reporter = recorder_for(channel, &grid.code, category);
        let phone = matches!(
            channel,
            Channel::Resident | Channel::Hotline | Channel::WalkIn
        )
        .then(|| {
            let (prefix, n) = (
                [3, 5, 7, 8, 9][rng.gen_range(0..5)],
                rng.gen_range(0..1_000_000_000u64),
            );
            // A fifth of the calls come from two hundred people who call again and again,
            // as a desk finds its regular callers (13800000000 … 13800000199).
            if n % 5 == 0 {
                format!("13800{:06}", n / 5 % 200)
            } else {
                format!("1{prefix}{n:09}")
            }
        });
        // Made as every report is made (the intake's own builder), at the time it came in.
        let event = intake::new_event(
            intake::Placed {
                channel,
                category,
                grid: grid.code.clone(),
                description: format!("{}，位于{}", category.minor, grid.name),
                lon,
                lat,
                occurred_at: reported_at - rng.gen_range(0..2 * HOUR_MS),
                reporter_name: phone.as_ref().map(|_| {
                    ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"][rng.gen_range(0..8)]
                        .to_string()
                        + "先生"
                }),
                reporter_phone: phone,
                duplicate_of: None,
                photos: "[]".into(),
                links: Vec::new(),
                resident: None,
            },
            key,
            &reference.calendar,
            reported_at,
        );
        let case = event.case.clone();
        let mut walk = Walk {
            case,
            changes: vec![],
            reference,
            now: p.now,
            refused: 0,
        };
        live_through(&mut walk, &mut rng, category, reported_at, &grid.code);
        stats.refused += walk.refused;
        stats.changes += walk.changes.len();
        stats.events += 1;
        items.push(HistoryItem {
            event,
            reported_at,
            reporter,
            changes: walk.changes,
        });
        if items.len() >= chunk && !sink(std::mem::take(&mut items)) {
            return stats;
        }
    }
    if !items.is_empty() {
        sink(items);
    }
    progress(p.events as u64, p.events as u64);
    stats
}

/// When each case of the history is reported (and the day it falls on), in time order: days
/// weighted by weekday, holidays and a slow rise over the year, hours by the working day.
fn report_times(reference: &Reference, p: &HistoryParams, rng: &mut ChaCha8Rng) -> Vec<(i64, i64)> {
    // When: days weighted by weekday, holidays and a slow rise over the year.
    let today = zhili_domain::calendar::china_day(p.now);
    let days: Vec<i64> = (0..p.days).map(|d| today - d).collect();
    let day_weights = Weighted::new(days.iter().map(|&day| {
        let weekday = (day + 3).rem_euclid(7);
        let working = reference.calendar.is_working_day(day);
        let base = if working {
            1.0
        } else if weekday >= 5 {
            0.55
        } else {
            0.45
        };
        base * (1.0 + 0.15 * (day - (today - p.days)) as f64 / p.days as f64)
    }));
    let hours: Vec<(i64, f64)> = (0..24)
        .map(|h| {
            (
                h,
                match h {
                    0..=5 => 0.3,
                    6..=7 => 1.0,
                    8..=11 => 6.0,
                    12..=13 => 3.0,
                    14..=17 => 5.5,
                    18..=21 => 2.5,
                    _ => 1.0,
                },
            )
        })
        .collect();
    let mut times: Vec<(i64, i64)> = (0..p.events)
        .map(|_| {
            let day = days[day_weights.pick(rng)];
            let hour = pick(rng, &hours);
            let at = day * DAY_MS - CHINA_OFFSET_MS + hour * HOUR_MS + rng.gen_range(0..HOUR_MS);
            (at, day)
        })
        .filter(|(at, _)| *at <= p.now)
        .collect();
    times.sort_unstable();
    times
}

/// Who records a report that comes in by `channel` in `grid`.
fn recorder_for(channel: Channel, grid: &RegionCode, category: &Category) -> Recorder {
    let village = grid.parent().expect("village");
    match channel {
        Channel::GridPatrol => Recorder {
            username: format!("grid-{grid}"),
            unit: Some(zhili_domain::unit::station_id(&village).to_string()),
        },
        Channel::WalkIn => Recorder {
            username: format!("village-{village}"),
            unit: Some(zhili_domain::unit::station_id(&village).to_string()),
        },
        // The demo's meetings file their own tasks; a history report never comes this way.
        Channel::Hotline | Channel::Assessment => Recorder {
            username: "district-operator".into(),
            unit: Some("C500114".into()),
        },
        Channel::VideoAlert => Recorder {
            username: "video-platform".into(),
            unit: None,
        },
        Channel::Resident => Recorder {
            username: "resident-app".into(),
            unit: None,
        },
        Channel::Department => {
            let lead = match &category.lead {
                zhili_domain::reference::Lead::Unit(d) => d.to_string(),
                _ => CITY_MANAGEMENT.into(),
            };
            Recorder {
                username: format!("dept-{lead}"),
                unit: Some(lead),
            }
        }
    }
}

/// Walks one case as far as "now" lets it.
fn live_through(
    w: &mut Walk,
    rng: &mut ChaCha8Rng,
    category: &Category,
    reported_at: i64,
    grid: &RegionCode,
) {
    let mut walk = || -> Option<()> {
        let t = register(w, rng, category, reported_at)?;
        let t = escalate_some(w, rng, t)?;
        let t = dispatch_until_accepted(w, rng, category, grid, t)?;
        let (t, handle_start) = supervise_extend_defer(w, rng, t)?;
        let t = handle_until_verified(w, rng, grid, t, handle_start)?;
        let manager = w.manager();
        let t = w.after(t, w.case.limits.close_ms, fraction(rng, 0.04));
        w.step(
            &manager,
            None,
            Command::Close {
                resident_confirmed: false,
            },
            t,
            None,
        )
        .then_some(())?;
        rate_later(w, rng, &manager, t, 0.7);
        Some(())
    };
    walk();
}

/// Registers the case (or rejects a few; a 私事 is closed with guidance at once). Answers when
/// the case is registered, or `None` when its walk ends here.
fn register(
    w: &mut Walk,
    rng: &mut ChaCha8Rng,
    category: &Category,
    reported_at: i64,
) -> Option<i64> {
    let limits = w.case.limits;
    let mut t = w.after(reported_at, limits.register_ms, fraction(rng, 0.05));
    let manager = w.manager();
    if rng.gen_bool(0.03) {
        w.step(
            &manager,
            None,
            Command::Reject {
                reason: "经核实不属于受理范围".into(),
            },
            t,
            Some("不予受理".into()),
        );
        return None;
    }
    let register = Command::Register {
        class: None,
        reason: None,
    };
    if !w.step(&manager, None, register, t, None) {
        return None;
    }
    if category.class == MatterClass::Private {
        t = w.after(t, limits.dispatch_ms, fraction(rng, 0.05));
        w.step(
            &manager,
            None,
            Command::Close {
                resident_confirmed: true,
            },
            t,
            Some("已告知办理途径，当事人确认".into()),
        );
        rate_later(w, rng, &manager, t, 0.6);
        return None;
    }
    Some(t)
}

/// Some cases are beyond the village (or the town) and go up.
fn escalate_some(w: &mut Walk, rng: &mut ChaCha8Rng, mut t: i64) -> Option<i64> {
    if w.case.owner.kind() != UnitKind::Station || !rng.gen_bool(0.04) {
        return Some(t);
    }
    t += rng.gen_range(10 * MINUTE_MS..2 * HOUR_MS);
    let village = w.manager();
    let up = Command::Escalate {
        reason: "村级力量无法处置，提请镇街".into(),
    };
    if !w.step(&village, None, up, t, None) {
        return None;
    }
    if rng.gen_bool(0.15) {
        t += rng.gen_range(HOUR_MS..4 * HOUR_MS);
        let town = w.manager();
        let up = Command::Escalate {
            reason: "涉及多部门，提请区综治中心".into(),
        };
        if !w.step(&town, None, up, t, None) {
            return None;
        }
    }
    Some(t)
}

/// Dispatches by the rules' suggestion until the lead unit takes it up; a few leads return it
/// once, and a returned major case goes to city management.
fn dispatch_until_accepted(
    w: &mut Walk,
    rng: &mut ChaCha8Rng,
    category: &Category,
    grid: &RegionCode,
    mut t: i64,
) -> Option<i64> {
    let limits = w.case.limits;
    let mut returned = false;
    loop {
        let manager = w.manager();
        let (lead, assisting) = suggest_dispatch(&w.reference.rules, category, grid, &manager);
        let lead = if returned && lead.is_department() && category.class == MatterClass::Major {
            UnitId::parse(CITY_MANAGEMENT).expect("a department id")
        } else {
            lead
        };
        let assisting: Vec<UnitId> = assisting.into_iter().filter(|a| *a != lead).collect();
        t = w.after(t, limits.dispatch_ms, fraction(rng, 0.07));
        let dispatch = Command::Dispatch {
            lead: lead.clone(),
            assisting,
        };
        if !w.step(&manager, None, dispatch, t, None) {
            return None;
        }
        t = w.after(t, limits.take_up_ms, fraction(rng, 0.06));
        if !returned && rng.gen_bool(0.04) {
            let back = Command::Return {
                reason: "不属于本单位职责范围".into(),
            };
            if !w.step(&lead, None, back, t, None) {
                return None;
            }
            returned = true;
            continue;
        }
        return w.step(&lead, None, Command::Accept, t, None).then_some(t);
    }
}

/// While the lead works: the district supervises a few, some ask for more time, a few are
/// deferred and resumed. Answers the time reached and when handling started.
fn supervise_extend_defer(w: &mut Walk, rng: &mut ChaCha8Rng, mut t: i64) -> Option<(i64, i64)> {
    if rng.gen_bool(0.04) {
        let at = t + rng.gen_range(HOUR_MS..2 * DAY_MS);
        w.step(
            "C500114",
            Some((
                "district".into(),
                Role::DistrictCommander,
                RegionCode::parse("500114").expect("code"),
            )),
            Command::Supervise {
                level: rng.gen_range(1..=3),
            },
            at,
            Some("请加快办理".into()),
        );
    }
    let handle_start = t;
    if rng.gen_bool(0.05) {
        let lead = w.lead();
        let at = t + rng.gen_range(HOUR_MS..DAY_MS);
        let ask = Command::RequestExtension {
            hours: [8.0, 16.0, 40.0][rng.gen_range(0..3)],
            reason: "需协调相关单位".into(),
        };
        if w.step(&lead, None, ask, at, None) {
            let manager = w.manager();
            let approved = rng.gen_bool(0.8);
            let decided = at + rng.gen_range(10 * MINUTE_MS..4 * HOUR_MS);
            let answer = Command::ApproveExtension { approved };
            w.step(&manager, None, answer, decided, None);
        }
    }
    if rng.gen_bool(0.01) {
        let manager = w.manager();
        let at = t + rng.gen_range(HOUR_MS..DAY_MS);
        let defer = Command::Defer {
            reason: "受季节或工程条件限制，暂缓办理".into(),
        };
        if w.step(&manager, None, defer, at, None) {
            let back = at + rng.gen_range(5 * DAY_MS..40 * DAY_MS);
            if !w.step(&manager, None, Command::Resume, back, None) {
                return None;
            }
            t = back;
        }
    }
    Some((t, handle_start))
}

/// The lead handles it and the grid worker verifies on site; a few fail the first check and
/// are handled again.
fn handle_until_verified(
    w: &mut Walk,
    rng: &mut ChaCha8Rng,
    grid: &RegionCode,
    mut t: i64,
    handle_start: i64,
) -> Option<i64> {
    let limits = w.case.limits;
    let grid_worker = (format!("grid-{grid}"), Role::GridWorker, grid.clone());
    let station = zhili_domain::unit::station_id(&grid.parent().expect("a grid has a village"));
    let mut reworked = false;
    loop {
        let lead = w.lead();
        // The working time the handling step has (its limit, extended or resumed).
        let start = t.max(handle_start);
        let due = w.case.step_due.unwrap_or(start);
        let limit = w
            .reference
            .calendar
            .elapsed(start, due, limits.clock)
            .max(limits.handle_ms / 4);
        t = w.after(start, limit, fraction(rng, 0.08));
        let handle = Command::Handle {
            feedback: "已现场处置完毕".into(),
        };
        if !w.step(&lead, None, handle, t, None) {
            return None;
        }
        t = w.after(t, limits.verify_ms, fraction(rng, 0.05));
        let passed = reworked || !rng.gen_bool(0.06);
        let verify = Command::Verify { passed };
        if !w.step(&station, Some(grid_worker.clone()), verify, t, None) {
            return None;
        }
        if passed {
            return Some(t);
        }
        reworked = true;
    }
}

/// The reporter rates the closed case within three days, `share` of the time.
fn rate_later(w: &mut Walk, rng: &mut ChaCha8Rng, manager: &str, closed: i64, share: f64) {
    if rng.gen_bool(share) {
        let at = closed + rng.gen_range(HOUR_MS..3 * DAY_MS);
        let satisfaction = satisfaction(rng);
        w.step(manager, None, Command::Evaluate { satisfaction }, at, None);
    }
}

fn satisfaction(rng: &mut ChaCha8Rng) -> i64 {
    pick(rng, &[(5, 60.0), (4, 25.0), (3, 8.0), (2, 4.0), (1, 3.0)])
}

/// One rural town's rush to close cases in the last four days of this year's latest ended
/// quarter — the gaming the assessment's reviewers are shown (`usecase::assess::gaming`):
/// `events` cases reported and walked through the loop in that town's own grids. None in the
/// year's first quarter.
pub fn quarter_end_rush(
    plan: &CityPlan,
    reference: &Reference,
    key: &DataKey,
    events: usize,
    now: i64,
    seed: u64,
) -> Option<(String, Vec<HistoryItem>)> {
    use zhili_domain::calendar::china_day;
    let today = china_day(now);
    let (year, _, _) = zhili_domain::time::civil_from_days(today);
    // The last day of the latest quarter of this year that has ended.
    let last_day = [(9, 30), (6, 30), (3, 31)]
        .into_iter()
        .map(|(m, d)| zhili_domain::time::days_from_civil(year, m, d))
        .find(|d| *d < today)?;
    let end = last_day * DAY_MS - CHINA_OFFSET_MS + 18 * HOUR_MS;
    let town = plan.towns.iter().rev().find(|t| !is_urban(&t.code))?;
    let code = town.code.as_str().to_string();
    let within = |r: &&super::city::PlannedRegion| r.code.as_str().starts_with(&code);
    let one = CityPlan {
        district: plan.district.clone(),
        towns: vec![town.clone()],
        villages: plan.villages.iter().filter(within).cloned().collect(),
        grids: plan.grids.iter().filter(within).cloned().collect(),
    };
    let params = HistoryParams {
        events,
        days: 4,
        now: end,
        seed: seed ^ 0x9A3E,
    };
    let (items, _) = generate(&one, reference, key, &params, &mut |_, _| {});
    Some((town.name.clone(), items))
}
