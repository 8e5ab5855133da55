//! Risk early warning over HTTP: the indicator catalogue (read by every role, a new version by
//! the administrator) and an indicator's backtest over the recorded history.

use crate::http::error::{ApiResult, Json, Query};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::risk as uc;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::calendar::{date_string, CHINA_OFFSET_MS, DAY_MS};
use zhili_domain::risk::{Detector, EarsVariant, Indicator, IndicatorSpec, Season};

/// How an indicator's count is judged.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RiskDetectorBody {
    /// A breach above `limit`.
    Threshold {
        #[schema(minimum = 0, maximum = 1000000)]
        limit: f64,
    },
    /// EARS C1 (the 7 periods before), C2 (the 7 before a 2-period guard), C3 (C2's excesses
    /// over 3 periods).
    Ears {
        #[schema(schema_with = ears_variant)]
        variant: String,
    },
    /// The same weekday, or the same kind of day (working or rest, on the holiday calendar),
    /// over the `weeks` before; a breach above mean + `z` spreads. Daily periods only.
    Seasonal {
        #[schema(schema_with = season)]
        by: String,
        #[schema(minimum = 2, maximum = 12)]
        weeks: u32,
        #[schema(minimum = 0.5, maximum = 10)]
        z: f64,
    },
    /// Upward CUSUM standardised by the `baseline` periods before; a breach when the sum
    /// passes `h` (then it restarts).
    Cusum {
        #[schema(minimum = 7, maximum = 365)]
        baseline: u32,
        #[schema(minimum = 0, maximum = 5)]
        k: f64,
        #[schema(minimum = 0.5, maximum = 50)]
        h: f64,
    },
}

fn period_days() -> utoipa::openapi::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::Type(
            utoipa::openapi::schema::Type::Integer,
        ))
        .enum_values(Some([1, 7]))
        .build()
}

fn ears_variant() -> utoipa::openapi::Object {
    crate::http::schema::one_of(["c1", "c2", "c3"])
}

fn season() -> utoipa::openapi::Object {
    crate::http::schema::one_of(["weekday", "day_kind"])
}

fn area_level() -> utoipa::openapi::Object {
    crate::http::schema::one_of(zhili_domain::risk::AreaLevel::ALL.map(|l| l.as_str()))
}

fn source() -> utoipa::openapi::Object {
    crate::http::schema::one_of(zhili_domain::risk::SourceKind::ALL.map(|s| s.as_str()))
}

fn indicator_code() -> utoipa::openapi::Object {
    crate::http::schema::matching("^[A-Z][A-Z0-9_]{1,15}$")
}

fn category_code() -> utoipa::openapi::Object {
    crate::http::schema::matching("^[0-9]{2}([0-9]{2})?$")
}

fn categories() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(category_code())
        .max_items(Some(50))
        .build()
}

fn channels() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(crate::http::schema::channel())
        .max_items(Some(10))
        .build()
}

/// An indicator as an administrator writes it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskIndicatorBody {
    #[schema(schema_with = indicator_code)]
    pub code: String,
    #[schema(schema_with = crate::http::schema::line_40)]
    pub name: String,
    /// What it measures and why.
    #[schema(schema_with = crate::http::schema::note_500)]
    pub definition: String,
    #[schema(schema_with = area_level)]
    pub level: String,
    #[schema(schema_with = source)]
    pub source: String,
    /// Event categories counted (2-digit classes or 4-digit subcategories), events only; none: all.
    #[serde(default)]
    #[schema(schema_with = categories)]
    pub categories: Vec<String>,
    /// Intake channels counted, events only; none: all.
    #[serde(default)]
    #[schema(schema_with = channels)]
    pub channels: Vec<String>,
    /// 1 (a day) or 7 (a week).
    #[schema(schema_with = period_days)]
    pub period_days: u32,
    pub detector: RiskDetectorBody,
    /// Breaching periods in a row that raise an alert.
    #[schema(minimum = 1, maximum = 10)]
    pub raise_after: u32,
    /// Quiet periods in a row that clear it.
    #[schema(minimum = 1, maximum = 30)]
    pub clear_after: u32,
    /// A period breaches only with at least this count.
    #[schema(minimum = 0, maximum = 1000000)]
    pub min_count: f64,
    /// How many times its bound a count must reach for yellow, orange and red (ascending).
    #[schema(min_items = 3, max_items = 3, value_type = Option<Vec<f64>>)]
    pub level_steps: Option<[f64; 3]>,
    pub enabled: Option<bool>,
}

impl RiskIndicatorBody {
    fn spec(self) -> IndicatorSpec {
        IndicatorSpec {
            code: self.code,
            name: self.name,
            definition: self.definition,
            level: self.level,
            source: self.source,
            categories: self.categories,
            channels: self.channels,
            period_days: self.period_days,
            detector: match self.detector {
                RiskDetectorBody::Threshold { limit } => Detector::Threshold { limit },
                RiskDetectorBody::Ears { variant } => Detector::Ears {
                    variant: match variant.as_str() {
                        "c1" => EarsVariant::C1,
                        "c3" => EarsVariant::C3,
                        _ => EarsVariant::C2,
                    },
                },
                RiskDetectorBody::Seasonal { by, weeks, z } => Detector::Seasonal {
                    by: if by == "day_kind" {
                        Season::DayKind
                    } else {
                        Season::Weekday
                    },
                    weeks,
                    z,
                },
                RiskDetectorBody::Cusum { baseline, k, h } => Detector::Cusum { baseline, k, h },
            },
            raise_after: self.raise_after,
            clear_after: self.clear_after,
            min_count: self.min_count,
            level_steps: self
                .level_steps
                .unwrap_or(zhili_domain::risk::DEFAULT_LEVEL_STEPS),
            enabled: self.enabled.unwrap_or(true),
        }
    }
}

/// Refuses an EARS variant or a season the schema does not list before the spec is made
/// (the spec's own check then names every other field).
fn words_known(body: &RiskIndicatorBody, field: &str) -> ApiResult<()> {
    let bad = match &body.detector {
        RiskDetectorBody::Ears { variant } => {
            (!matches!(variant.as_str(), "c1" | "c2" | "c3")).then_some("detector.variant")
        }
        RiskDetectorBody::Seasonal { by, .. } => {
            (!matches!(by.as_str(), "weekday" | "day_kind")).then_some("detector.by")
        }
        _ => None,
    };
    match bad {
        Some(f) => Err(zhili_domain::DomainError::invalid(
            &format!("{field}{f}"),
            "not one of the listed values",
        )
        .into()),
        None => Ok(()),
    }
}

/// An indicator as stored, with its level and source in words.
#[derive(Serialize, ToSchema)]
pub struct RiskIndicatorView {
    pub code: String,
    pub name: String,
    pub definition: String,
    #[schema(schema_with = area_level)]
    pub level: String,
    pub level_name: String,
    #[schema(schema_with = source)]
    pub source: String,
    pub source_name: String,
    pub categories: Vec<String>,
    #[schema(schema_with = channels)]
    pub channels: Vec<String>,
    #[schema(schema_with = period_days)]
    pub period_days: u32,
    pub detector: RiskDetectorBody,
    pub raise_after: u32,
    pub clear_after: u32,
    pub min_count: f64,
    #[schema(min_items = 3, max_items = 3, value_type = Vec<f64>)]
    pub level_steps: [f64; 3],
    pub enabled: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RiskCatalogueView {
    /// 0: the shipped catalogue, never edited.
    pub version: i64,
    pub indicators: Vec<RiskIndicatorView>,
}

fn body_of(i: &Indicator) -> RiskIndicatorBody {
    let s = i.spec();
    RiskIndicatorBody {
        code: s.code,
        name: s.name,
        definition: s.definition,
        level: s.level,
        source: s.source,
        categories: s.categories,
        channels: s.channels,
        period_days: s.period_days,
        detector: match s.detector {
            Detector::Threshold { limit } => RiskDetectorBody::Threshold { limit },
            Detector::Ears { variant } => RiskDetectorBody::Ears {
                variant: match variant {
                    EarsVariant::C1 => "c1",
                    EarsVariant::C2 => "c2",
                    EarsVariant::C3 => "c3",
                }
                .into(),
            },
            Detector::Seasonal { by, weeks, z } => RiskDetectorBody::Seasonal {
                by: match by {
                    Season::Weekday => "weekday",
                    Season::DayKind => "day_kind",
                }
                .into(),
                weeks,
                z,
            },
            Detector::Cusum { baseline, k, h } => RiskDetectorBody::Cusum { baseline, k, h },
        },
        raise_after: s.raise_after,
        clear_after: s.clear_after,
        min_count: s.min_count,
        level_steps: Some(s.level_steps),
        enabled: Some(s.enabled),
    }
}

fn catalogue_view(c: uc::Catalogue) -> RiskCatalogueView {
    RiskCatalogueView {
        version: c.version,
        indicators: c
            .indicators
            .iter()
            .map(|i| {
                let b = body_of(i);
                RiskIndicatorView {
                    code: b.code,
                    name: b.name,
                    definition: b.definition,
                    level: b.level,
                    level_name: i.level.label_zh().into(),
                    source: b.source,
                    source_name: i.source.label_zh().into(),
                    categories: b.categories,
                    channels: b.channels,
                    period_days: b.period_days,
                    detector: b.detector,
                    raise_after: b.raise_after,
                    clear_after: b.clear_after,
                    min_count: b.min_count,
                    level_steps: i.level_steps,
                    enabled: i.enabled,
                }
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/risk/indicators", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = RiskCatalogueView)))]
pub async fn get_indicators(
    State(state): State<Arc<AppState>>,
    _user: CurrentUser,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<RiskCatalogueView>> {
    Ok(axum::Json(catalogue_view(uc::catalogue(&state).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskCatalogueBody {
    #[schema(min_items = 1, max_items = 200)]
    pub indicators: Vec<RiskIndicatorBody>,
}

#[utoipa::path(put, path = "/api/v1/risk/indicators", tag = "risk", request_body = RiskCatalogueBody, security(("bearer" = [])),
    responses((status = 200, body = RiskCatalogueView, description = "the new version"), (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn put_indicators(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<RiskCatalogueBody>,
) -> ApiResult<axum::Json<RiskCatalogueView>> {
    for (i, body) in b.indicators.iter().enumerate() {
        words_known(body, &format!("indicators[{i}]."))?;
    }
    let specs = b
        .indicators
        .into_iter()
        .map(RiskIndicatorBody::spec)
        .collect();
    let c = uc::set_catalogue(&state, &user.user, specs).await?;
    Ok(axum::Json(catalogue_view(c)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskBacktestBody {
    pub indicator: RiskIndicatorBody,
    /// The first day replayed (`YYYY-MM-DD`, Beijing time).
    #[schema(schema_with = crate::http::schema::date)]
    pub from: String,
    /// The last day replayed, included.
    #[schema(schema_with = crate::http::schema::date)]
    pub to: String,
}

#[derive(Serialize, ToSchema)]
pub struct RiskAreaBacktest {
    pub area_code: String,
    pub area_name: String,
    pub fired: usize,
    pub hits: usize,
    pub missed: usize,
}

#[derive(Serialize, ToSchema)]
pub struct RiskBacktestView {
    pub from: String,
    pub to: String,
    /// Periods replayed in each area.
    pub periods: usize,
    /// Areas with any counted report.
    pub areas: usize,
    /// Alerts it would have raised.
    pub fired: usize,
    /// Of those, the ones a serious event (escalated or supervised) followed within 3 periods.
    pub hits: usize,
    /// Serious events no alert warned of or caught within 3 periods.
    pub missed: usize,
    /// Periods ahead of the serious event, the median (negative: after it began).
    pub median_lead: Option<f64>,
    /// The areas where it would have fired, most alerts first (at most 50).
    pub by_area: Vec<RiskAreaBacktest>,
}

#[utoipa::path(post, path = "/api/v1/risk/backtest", tag = "risk", request_body = RiskBacktestBody, security(("bearer" = [])),
    responses((status = 200, body = RiskBacktestView), (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn backtest(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<RiskBacktestBody>,
) -> ApiResult<axum::Json<RiskBacktestView>> {
    words_known(&b.indicator, "indicator.")?;
    let day = |field: &str, raw: &str| {
        zhili_domain::time::parse_date(raw).ok_or_else(|| {
            crate::http::error::ApiError::field(
                zhili_domain::ErrorCode::InvalidParameter,
                field,
                "a day of the calendar, YYYY-MM-DD",
            )
        })
    };
    let (first, last) = (day("from", &b.from)?, day("to", &b.to)?);
    let start = |d: i64| d * DAY_MS - CHINA_OFFSET_MS;
    let r = uc::backtest(
        &state,
        &user.user,
        b.indicator.spec(),
        start(first),
        start(last + 1),
    )
    .await?;
    Ok(axum::Json(RiskBacktestView {
        from: date_string(r.from_day),
        to: date_string(r.to_day - 1),
        periods: r.periods,
        areas: r.areas,
        fired: r.fired,
        hits: r.hits,
        missed: r.missed,
        median_lead: r.median_lead,
        by_area: r
            .by_area
            .into_iter()
            .map(|a| RiskAreaBacktest {
                area_code: a.area_code,
                area_name: a.area_name,
                fired: a.backtest.fired,
                hits: a.backtest.hits,
                missed: a.backtest.missed,
            })
            .collect(),
    }))
}
