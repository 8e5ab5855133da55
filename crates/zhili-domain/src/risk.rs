//! Risk assessment and early warning (风险研判预警): indicators kept as data, each counting one
//! source per area and period and judged by its detector (`detect`); hysteresis so an alert
//! neither flaps nor lingers (`Watch`); the alert's level from how far the count went past its
//! bound; and the backtest of an indicator over recorded history before it goes live.

mod alert;
pub mod detect;
mod indicator;
mod meeting;
mod register;
pub mod sector;
pub mod stability;

pub use alert::{AlertCommand, AlertHandling, AlertState, ALERT_STATES, MAX_SILENCE_MS};
pub use detect::{Check, Day, Detector, EarsVariant, Season};
pub use indicator::{check_catalogue, Indicator, IndicatorSpec, DEFAULT_LEVEL_STEPS};
pub use meeting::{Decision, MeetingKind, MeetingRecord, MAX_DECISIONS, MEETING_KINDS};
pub use register::{
    review_overdue, RiskDraft, RiskLink, RiskLinkKind, RiskStatus, RiskStep, MAX_REVIEW_DAYS,
    MAX_RISK_LINKS, RISK_LINK_KINDS, RISK_STATUSES,
};
pub use sector::{check_sectors, Sector, MAX_SECTORS};

crate::vocabulary!(
    /// The area an indicator is counted for.
    AreaLevel, AREA_LEVELS {
        Grid = ("grid", "网格"),
        Village = ("village", "村（社区）"),
        Town = ("town", "镇街"),
        District = ("district", "区"),
        Department = ("department", "部门"),
    }
);

crate::vocabulary!(
    /// What an indicator counts.
    SourceKind, SOURCES {
        Events = ("events", "事件数"),
        RepeatPetitions = ("repeat_petitions", "重复反映"),
        RepeatDisputes = ("repeat_disputes", "重复纠纷"),
        OverdueVisits = ("overdue_visits", "重点人员走访逾期"),
        SensitiveNotes = ("sensitive_notes", "涉稳敏感信息"),
        CameraOutages = ("camera_outages", "视频离线"),
        MediationFailures = ("mediation_failures", "调解不成"),
        OverdueEvents = ("overdue_events", "事件超期"),
        LowSatisfaction = ("low_satisfaction", "群众不满意"),
    }
);

impl SourceKind {
    /// A standing count read day by day (how many are overdue, offline) rather than things
    /// that happened on a day: a period holds its highest reading, not a sum.
    pub fn is_stock(self) -> bool {
        matches!(
            self,
            SourceKind::OverdueVisits | SourceKind::CameraOutages | SourceKind::OverdueEvents
        )
    }
}

crate::vocabulary!(
    /// An alert's level, as officials colour them.
    AlertLevel, ALERT_LEVELS {
        Blue = ("blue", "蓝色"),
        Yellow = ("yellow", "黄色"),
        Orange = ("orange", "橙色"),
        Red = ("red", "红色"),
    }
);

impl AlertLevel {
    /// The level of a breach: how many times its bound the count reached, against the
    /// indicator's steps for yellow, orange and red (below the first step: blue).
    pub fn of(check: &Check, steps: [f64; 3]) -> AlertLevel {
        let ratio = if check.bound > 0.0 {
            check.observed / check.bound
        } else {
            check.observed.max(1.0)
        };
        match steps.iter().filter(|s| ratio >= **s).count() {
            0 => AlertLevel::Blue,
            1 => AlertLevel::Yellow,
            2 => AlertLevel::Orange,
            _ => AlertLevel::Red,
        }
    }
}

/// One area's watch over one indicator: breaches in a row raise it, quiet periods in a row
/// clear it (the resolve threshold alerting users ask for, so an alert does not flap).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Watch {
    pub raised: bool,
    pub breaches: u32,
    pub quiet: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Turn {
    Raise,
    Clear,
    Stay,
}

impl Watch {
    pub fn step(&mut self, breach: bool, raise_after: u32, clear_after: u32) -> Turn {
        if breach {
            self.breaches += 1;
            self.quiet = 0;
        } else {
            self.quiet += 1;
            self.breaches = 0;
        }
        if !self.raised && self.breaches >= raise_after {
            self.raised = true;
            return Turn::Raise;
        }
        if self.raised && self.quiet >= clear_after {
            self.raised = false;
            return Turn::Clear;
        }
        Turn::Stay
    }
}

/// A span of periods an alert stood: raised at `start`, cleared at `end` (None: still up), at
/// its highest `peak` with its `level`.
#[derive(Clone, Debug, PartialEq)]
pub struct Episode {
    pub start: usize,
    pub end: Option<usize>,
    pub peak: Check,
    pub peak_at: usize,
    pub level: AlertLevel,
}

/// Runs `indicator` over one area's `series` (its days in `days`): every period's check and
/// the episodes its alerts would have stood. A period breaches only at `min_count` or more.
pub fn watch(
    indicator: &Indicator,
    series: &[f64],
    days: &[Day],
) -> (Vec<Option<Check>>, Vec<Episode>) {
    let checks = indicator.detector.check(series, days);
    let mut episodes: Vec<Episode> = Vec::new();
    let mut w = Watch::default();
    for (t, c) in checks.iter().enumerate() {
        let breach = c.is_some_and(|c| c.breach && c.observed >= indicator.min_count);
        match w.step(breach, indicator.raise_after, indicator.clear_after) {
            Turn::Raise => {
                let peak = c.expect("a raise follows a breach");
                episodes.push(Episode {
                    start: t,
                    end: None,
                    peak,
                    peak_at: t,
                    level: AlertLevel::of(&peak, indicator.level_steps),
                });
            }
            Turn::Clear => {
                if let Some(e) = episodes.last_mut() {
                    e.end = Some(t);
                }
            }
            Turn::Stay => {}
        }
        if let (true, Some(c), Some(e)) = (w.raised, c, episodes.last_mut()) {
            if e.end.is_none() && c.observed > e.peak.observed {
                e.peak = *c;
                e.peak_at = t;
                e.level = e.level.max(AlertLevel::of(c, indicator.level_steps));
            }
        }
    }
    (checks, episodes)
}

/// How an indicator would have done over recorded history against the incidents that really
/// happened (the periods of the real incidents).
#[derive(Clone, Debug, PartialEq)]
pub struct Backtest {
    /// Alerts it would have raised.
    pub fired: usize,
    /// Of those, the ones an incident followed within the horizon (or that stood over one).
    pub hits: usize,
    /// Incidents no alert stood over or came before within the horizon.
    pub missed: usize,
    /// For each incident caught, periods from the alert's raise to the incident: positive is a
    /// warning ahead of it, zero the same period, negative an alert that came after it began.
    pub leads: Vec<i64>,
}

/// Backtests `episodes` against `incidents` with a `horizon` of periods: an alert warns of an
/// incident that begins within `horizon` periods after its raise; an incident is caught late
/// by an alert raised within `horizon` periods after it.
pub fn backtest(episodes: &[Episode], incidents: &[usize], horizon: usize) -> Backtest {
    let h = horizon as i64;
    let hits = episodes
        .iter()
        .filter(|e| {
            incidents.iter().any(|&i| {
                let d = i as i64 - e.start as i64;
                (0..=h).contains(&d)
            })
        })
        .count();
    let mut leads = Vec::new();
    let mut missed = 0;
    for &i in incidents {
        // The earliest raise within the horizon either side of the incident.
        let best = episodes
            .iter()
            .map(|e| i as i64 - e.start as i64)
            .filter(|d| (-h..=h).contains(d))
            .max();
        match best {
            Some(d) => leads.push(d),
            None => missed += 1,
        }
    }
    Backtest {
        fired: episodes.len(),
        hits,
        missed,
        leads,
    }
}

#[cfg(test)]
mod tests;
