//! An indicator as officials keep it: what it counts, where, over what period, and how it is
//! judged. Stored and exchanged as its spec (JSON, codes as text); checked field by field into
//! an `Indicator` before it is kept or run.

use super::{AreaLevel, Detector, SourceKind};
use crate::event::Channel;
use crate::DomainError;
use serde::{Deserialize, Serialize};

/// How many times its bound a count must reach for yellow, orange and red.
pub const DEFAULT_LEVEL_STEPS: [f64; 3] = [1.2, 1.5, 2.0];

fn default_steps() -> [f64; 3] {
    DEFAULT_LEVEL_STEPS
}

fn yes() -> bool {
    true
}

/// An indicator as written (the API's body, the stored form).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSpec {
    /// Short and stable, as the catalogue names it (`R01`, `DISPUTE_SPIKE`).
    pub code: String,
    pub name: String,
    /// What it measures and why, in the officials' words.
    pub definition: String,
    /// `grid`, `village`, `town`, `district` or `department`.
    pub level: String,
    /// What it counts (`events`, `repeat_disputes`, …).
    pub source: String,
    /// Event categories counted (2-digit classes or 4-digit subcategories); none: all.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Intake channels counted; none: all.
    #[serde(default)]
    pub channels: Vec<String>,
    /// 1 (a day) or 7 (a week).
    pub period_days: u32,
    pub detector: Detector,
    /// Breaching periods in a row that raise an alert.
    pub raise_after: u32,
    /// Quiet periods in a row that clear it.
    pub clear_after: u32,
    /// A period breaches only with at least this count (a quiet grid's two reports are news
    /// to a detector, not to the commander).
    pub min_count: f64,
    #[serde(default = "default_steps")]
    pub level_steps: [f64; 3],
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// An indicator checked: every field within its rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    pub definition: String,
    pub level: AreaLevel,
    pub source: SourceKind,
    pub categories: Vec<String>,
    pub channels: Vec<Channel>,
    pub period_days: u32,
    pub detector: Detector,
    pub raise_after: u32,
    pub clear_after: u32,
    pub min_count: f64,
    pub level_steps: [f64; 3],
    pub enabled: bool,
}

fn bad(field: &str, en: String, zh: String) -> DomainError {
    DomainError::invalid(field, en).zh(zh)
}

fn within(field: &str, v: f64, lo: f64, hi: f64) -> Result<(), DomainError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(bad(
            field,
            format!("{v} is not within {lo}–{hi}"),
            format!("取值须在 {lo} 至 {hi} 之间"),
        ))
    }
}

fn count_within(field: &str, v: u32, lo: u32, hi: u32) -> Result<(), DomainError> {
    within(field, v as f64, lo as f64, hi as f64)
}

impl Indicator {
    /// Checks `spec` field by field (the field at fault named as `detector.z`, `categories[1]` …).
    pub fn check(spec: IndicatorSpec) -> Result<Indicator, DomainError> {
        let code = spec.code.trim().to_string();
        let code_ok = (2..=16).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_uppercase())
            && code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !code_ok {
            return Err(bad(
                "code",
                "2 to 16 capital letters, digits or _, starting with a letter".into(),
                "编码须为 2 至 16 位大写字母、数字或下划线，以字母开头".into(),
            ));
        }
        let name = crate::text::line("name", &spec.name, 40)?;
        let definition = crate::text::note("definition", &spec.definition, 500)?;
        let level = AreaLevel::from_code(&spec.level).ok_or_else(|| {
            bad(
                "level",
                "grid, village, town, district or department".into(),
                "层级须为网格、村（社区）、镇街、区或部门".into(),
            )
        })?;
        let source = SourceKind::from_code(&spec.source).ok_or_else(|| {
            bad(
                "source",
                format!("unknown source {:?}", spec.source),
                "未知的数据来源".into(),
            )
        })?;
        let counts_events = matches!(source, SourceKind::Events | SourceKind::OverdueEvents);
        let narrowed = !spec.categories.is_empty() || !spec.channels.is_empty();
        if narrowed && !counts_events {
            return Err(bad(
                "categories",
                "only an event count is narrowed by category or channel".into(),
                "只有事件类指标可按类别或渠道筛选".into(),
            ));
        }
        if spec.categories.len() > 50 || spec.channels.len() > 10 {
            return Err(bad(
                "categories",
                "at most 50 categories and 10 channels".into(),
                "类别最多 50 个，渠道最多 10 个".into(),
            ));
        }
        for (i, c) in spec.categories.iter().enumerate() {
            if !matches!(c.len(), 2 | 4) || !c.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(
                    &format!("categories[{i}]"),
                    "a 2-digit class or a 4-digit subcategory".into(),
                    "类别须为 2 位大类或 4 位小类代码".into(),
                ));
            }
        }
        let channels = spec
            .channels
            .iter()
            .enumerate()
            .map(|(i, c)| {
                Channel::parse(c).ok_or_else(|| {
                    bad(
                        &format!("channels[{i}]"),
                        format!("unknown channel {c:?}"),
                        "未知的上报渠道".into(),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !matches!(spec.period_days, 1 | 7) {
            return Err(bad(
                "period_days",
                "1 (a day) or 7 (a week)".into(),
                "统计周期须为 1 天或 7 天".into(),
            ));
        }
        match &spec.detector {
            Detector::Threshold { limit } => within("detector.limit", *limit, 0.0, 1e6)?,
            Detector::Ears { .. } => {}
            Detector::Seasonal { weeks, z, .. } => {
                if spec.period_days != 1 {
                    return Err(bad(
                        "detector.kind",
                        "a seasonal baseline compares days: the period must be a day".into(),
                        "同期基线按日比较，统计周期须为 1 天".into(),
                    ));
                }
                count_within("detector.weeks", *weeks, 2, 12)?;
                within("detector.z", *z, 0.5, 10.0)?;
            }
            Detector::Cusum { baseline, k, h } => {
                count_within("detector.baseline", *baseline, 7, 365)?;
                within("detector.k", *k, 0.0, 5.0)?;
                within("detector.h", *h, 0.5, 50.0)?;
            }
        }
        count_within("raise_after", spec.raise_after, 1, 10)?;
        count_within("clear_after", spec.clear_after, 1, 30)?;
        within("min_count", spec.min_count, 0.0, 1e6)?;
        let s = spec.level_steps;
        for (i, v) in s.iter().enumerate() {
            within(&format!("level_steps[{i}]"), *v, 1.0, 100.0)?;
        }
        if !(s[0] <= s[1] && s[1] <= s[2]) {
            return Err(bad(
                "level_steps",
                "yellow ≤ orange ≤ red".into(),
                "预警级别阈值须满足 黄 ≤ 橙 ≤ 红".into(),
            ));
        }
        Ok(Indicator {
            code,
            name,
            definition,
            level,
            source,
            categories: spec.categories,
            channels,
            period_days: spec.period_days,
            detector: spec.detector,
            raise_after: spec.raise_after,
            clear_after: spec.clear_after,
            min_count: spec.min_count,
            level_steps: s,
            enabled: spec.enabled,
        })
    }

    /// The indicator as written.
    pub fn spec(&self) -> IndicatorSpec {
        IndicatorSpec {
            code: self.code.clone(),
            name: self.name.clone(),
            definition: self.definition.clone(),
            level: self.level.as_str().into(),
            source: self.source.as_str().into(),
            categories: self.categories.clone(),
            channels: self.channels.iter().map(|c| c.as_str().into()).collect(),
            period_days: self.period_days,
            detector: self.detector.clone(),
            raise_after: self.raise_after,
            clear_after: self.clear_after,
            min_count: self.min_count,
            level_steps: self.level_steps,
            enabled: self.enabled,
        }
    }
}

/// A whole catalogue checked: every indicator, codes unique (the field at fault as
/// `indicators[3].detector.z`).
pub fn check_catalogue(specs: Vec<IndicatorSpec>) -> Result<Vec<Indicator>, DomainError> {
    if specs.is_empty() {
        return Err(bad(
            "indicators",
            "at least one indicator".into(),
            "至少要有一项指标".into(),
        ));
    }
    if specs.len() > 200 {
        return Err(bad(
            "indicators",
            "at most 200 indicators".into(),
            "指标最多 200 项".into(),
        ));
    }
    let mut out: Vec<Indicator> = Vec::with_capacity(specs.len());
    for (i, spec) in specs.into_iter().enumerate() {
        let at = |e: DomainError| {
            let field = e.field.clone().unwrap_or_default();
            e.with_field(&format!("indicators[{i}].{field}"))
        };
        let ind = Indicator::check(spec).map_err(at)?;
        if out.iter().any(|o| o.code == ind.code) {
            return Err(at(bad(
                "code",
                format!("{} is used twice", ind.code),
                "指标编码重复".into(),
            )));
        }
        out.push(ind);
    }
    Ok(out)
}
