use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;

/// Reports of one China day in one grid, of one category through one channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayCount {
    /// Days since 1970-01-01 in China time (`zhili_domain::calendar::china_day`).
    pub day: i64,
    pub grid_code: String,
    pub category: String,
    pub channel: String,
    /// Reports, a merged duplicate not counted (it is the report it was merged into).
    pub n: i64,
    /// Of those, the ones that became serious: escalated to a higher level or supervised
    /// (督办) — what a backtest calls a real incident.
    pub serious: i64,
}

/// Which reports to count per day and area: those reported on China days [from_day, to_day)
/// of the categories starting with one of `categories` (all when empty) through one of
/// `channels` (all when empty), grouped by the area made of a grid code's first `area_digits`
/// digits (6 district, 9 town, 12 village, 15 grid).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportCounts {
    pub from_day: i64,
    pub to_day: i64,
    pub area_digits: usize,
    pub categories: Vec<String>,
    pub channels: Vec<String>,
}

/// What a source other than reports counted in an area: a flow's records of [from, to) (ms),
/// a standing count's records standing at `now`, as `reader` (whose notes they may be, up to
/// `max_sensitivity`) may open them; at most `limit`, newest first.
#[derive(Clone, Debug)]
pub struct SourceItems<'a> {
    pub source: &'a str,
    pub area_code: &'a str,
    pub from: i64,
    pub to: i64,
    pub now: i64,
    pub limit: i64,
    pub reader: &'a str,
    pub max_sensitivity: i64,
}

/// One record a source counted: an event, a mediation case, a note, a key person or a camera.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceItem {
    /// `event`, `mediation_case`, `situation`, `person` or `camera`.
    pub kind: String,
    pub id: i64,
    /// Its number, title or name.
    pub label: String,
    /// When it counted: reported, closed, registered, noted, due.
    pub at: i64,
}

#[async_trait]
pub trait RiskStore: Send + Sync {
    /// The indicator catalogue's latest version (a JSON array of specs), if one was set.
    async fn risk_catalogue(&self) -> Result<Option<(i64, String)>>;

    /// A new version of the catalogue with its action; its number.
    async fn put_risk_catalogue(&self, actor: &Actor, catalogue: &str, now: i64) -> Result<i64>;

    /// Reports per day, grid, category and channel, reported in [from, to).
    async fn event_day_counts(&self, from: i64, to: i64) -> Result<Vec<DayCount>>;

    /// The district's latest grouping of departments into sectors (a JSON array), if it set one.
    async fn risk_sectors(&self) -> Result<Option<(i64, String)>>;

    /// A new version of the grouping with its action; its number.
    async fn put_risk_sectors(&self, actor: &Actor, sectors: &str, now: i64) -> Result<i64>;

    /// Reports per day and area as `q` asks, read from indexes alone: rows whose `grid_code`
    /// is the area and whose category and channel are empty, several rows of one day and area
    /// adding up (the merged reports come as a row of negative `n`, the serious ones as a row
    /// of `n` 0).
    async fn report_counts(&self, q: &ReportCounts) -> Result<Vec<DayCount>>;

    /// What a source other than reports counted per day and area in [from, to) (ms);
    /// `grid_code` is the finest area the source knows (a grid, a village, a unit).
    async fn source_day_counts(&self, source: &str, from: i64, to: i64) -> Result<Vec<DayCount>>;

    /// The records behind a source's count, in `scope` by each record's own rule, and how many.
    async fn source_items(
        &self,
        scope: &zhili_domain::Scope,
        q: &SourceItems<'_>,
    ) -> Result<(i64, Vec<SourceItem>)>;

    /// Reads the standing counts (overdue visits, cameras offline, overdue events) now and
    /// keeps them as `day`'s, so their detectors have a history. Not an action: a reading.
    async fn record_stocks(&self, day: i64, now: i64) -> Result<()>;
}

#[async_trait]
impl RiskStore for SqlStore {
    async fn risk_catalogue(&self) -> Result<Option<(i64, String)>> {
        crate::versions::latest(self, "risk_catalogues", "indicators").await
    }

    async fn put_risk_catalogue(&self, actor: &Actor, catalogue: &str, now: i64) -> Result<i64> {
        crate::versions::put_version(
            self,
            actor,
            "risk_catalogues",
            "indicators",
            catalogue,
            "risk.indicators",
            now,
        )
        .await
    }

    async fn event_day_counts(&self, from: i64, to: i64) -> Result<Vec<DayCount>> {
        crate::risk::event_day_counts(self, from, to).await
    }

    async fn risk_sectors(&self) -> Result<Option<(i64, String)>> {
        crate::versions::latest(self, "risk_sector_versions", "sectors").await
    }

    async fn put_risk_sectors(&self, actor: &Actor, sectors: &str, now: i64) -> Result<i64> {
        crate::versions::put_version(
            self,
            actor,
            "risk_sector_versions",
            "sectors",
            sectors,
            "risk.sectors",
            now,
        )
        .await
    }

    async fn report_counts(&self, q: &ReportCounts) -> Result<Vec<DayCount>> {
        crate::risk::report_counts(self, q).await
    }

    async fn source_day_counts(&self, source: &str, from: i64, to: i64) -> Result<Vec<DayCount>> {
        crate::risk_sources::source_day_counts(self, source, from, to).await
    }

    async fn source_items(
        &self,
        scope: &zhili_domain::Scope,
        q: &SourceItems<'_>,
    ) -> Result<(i64, Vec<SourceItem>)> {
        crate::risk_sources::source_items(self, scope, q).await
    }

    async fn record_stocks(&self, day: i64, now: i64) -> Result<()> {
        crate::risk_sources::record_stocks(self, day, now).await
    }
}

/// An alert as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRecord {
    pub id: i64,
    pub indicator_code: String,
    pub indicator_name: String,
    pub catalogue_version: i64,
    pub area_level: String,
    pub area_code: String,
    /// The highest level it reached (`blue` … `red`).
    pub level: String,
    pub handling: zhili_domain::risk::AlertHandling,
    /// China days: the period it was raised in, cleared in, and peaked in.
    pub raised_on: i64,
    pub cleared_on: Option<i64>,
    pub peak_on: i64,
    pub observed: f64,
    pub expected: f64,
    pub bound: f64,
    /// The series around it for its chart (JSON: `[[day, count, expected, bound], …]`).
    pub history: String,
    pub version: i64,
    pub updated_at: i64,
}

/// What an evaluation found of one alert: raised now, or an alert it raised before that rose
/// higher or cleared.
#[derive(Clone, Debug, PartialEq)]
pub enum AlertWrite {
    Raise(Box<AlertRecord>),
    Update {
        id: i64,
        expected_version: i64,
        level: String,
        peak_on: i64,
        observed: f64,
        expected: f64,
        bound: f64,
        history: String,
        cleared_on: Option<i64>,
    },
}

#[derive(Clone, Debug, Default)]
pub struct AlertFilter {
    /// `open`, `acknowledged`, `silenced`, `cleared` as they read now (a silence ended reads open).
    pub states: Vec<zhili_domain::risk::AlertState>,
    pub indicator: Option<String>,
    pub region: Option<zhili_domain::RegionCode>,
    /// Raised on or after this China day, and before this one.
    pub raised_from: Option<i64>,
    pub raised_to: Option<i64>,
    pub now: i64,
    pub limit: i64,
    pub offset: i64,
}

#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Alerts not cleared, and those raised on or after `since_day` (an evaluation's window).
    async fn standing_alerts(&self, since_day: i64) -> Result<Vec<AlertRecord>>;

    /// An evaluation's findings in one transaction, each with its action; the raised alerts' ids.
    async fn write_alerts(
        &self,
        actor: &Actor,
        writes: &[AlertWrite],
        now: i64,
    ) -> Result<Vec<i64>>;

    /// Alerts in the scope's area (a department's own), newest first; the total.
    async fn alerts(
        &self,
        scope: &zhili_domain::Scope,
        filter: &AlertFilter,
    ) -> Result<(i64, Vec<AlertRecord>)>;

    async fn alert(&self, scope: &zhili_domain::Scope, id: i64) -> Result<Option<AlertRecord>>;

    /// The alerts grouped by area and indicator, the group with the latest raised first: how
    /// many each holds and its latest alert; and how many groups there are.
    async fn alert_groups(
        &self,
        scope: &zhili_domain::Scope,
        filter: &AlertFilter,
    ) -> Result<(i64, Vec<(i64, AlertRecord)>)>;

    /// What someone did with an alert, at the version read (a conflict otherwise), recorded.
    async fn handle_alert(
        &self,
        id: i64,
        expected_version: i64,
        handling: &zhili_domain::risk::AlertHandling,
        action: zhili_domain::chain::NewAction,
        now: i64,
    ) -> Result<()>;
}

#[async_trait]
impl AlertStore for SqlStore {
    async fn standing_alerts(&self, since_day: i64) -> Result<Vec<AlertRecord>> {
        crate::risk::standing_alerts(self, since_day).await
    }

    async fn write_alerts(
        &self,
        actor: &Actor,
        writes: &[AlertWrite],
        now: i64,
    ) -> Result<Vec<i64>> {
        crate::risk::write_alerts(self, actor, writes, now).await
    }

    async fn alerts(
        &self,
        scope: &zhili_domain::Scope,
        filter: &AlertFilter,
    ) -> Result<(i64, Vec<AlertRecord>)> {
        crate::risk::alerts(self, scope, filter).await
    }

    async fn alert(&self, scope: &zhili_domain::Scope, id: i64) -> Result<Option<AlertRecord>> {
        crate::risk::alert(self, scope, id).await
    }

    async fn alert_groups(
        &self,
        scope: &zhili_domain::Scope,
        filter: &AlertFilter,
    ) -> Result<(i64, Vec<(i64, AlertRecord)>)> {
        crate::risk::alert_groups(self, scope, filter).await
    }

    async fn handle_alert(
        &self,
        id: i64,
        expected_version: i64,
        handling: &zhili_domain::risk::AlertHandling,
        action: zhili_domain::chain::NewAction,
        now: i64,
    ) -> Result<()> {
        crate::risk::handle_alert(self, id, expected_version, handling, action, now).await
    }
}
