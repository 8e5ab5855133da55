//! The assessment schemes (考核方案) over HTTP: a year's scheme for the towns or the departments,
//! its items as table rows (each naming its parent), read by every signed-in user — the rules
//! a unit is scored by are public to it — and kept by the administrator.

use crate::http::error::{ApiError, ApiResult, Json, Path, Query};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::assess as uc;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::assess::{self, Adjustment, Figure, FlatItem, Rule, UnitGroup};
use zhili_domain::ErrorCode;

pub(crate) fn figure() -> utoipa::openapi::Object {
    crate::http::schema::one_of(Figure::ALL.map(|f| f.as_str()))
}

pub(crate) fn unit_group() -> utoipa::openapi::Object {
    crate::http::schema::one_of(UnitGroup::ALL.map(|g| g.as_str()))
}

/// How a scored item is scored.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScoringRuleBody {
    /// In proportion to the figure between `zero_at` (nothing) and `full_at` (all the points).
    Proportional {
        #[schema(schema_with = figure)]
        figure: String,
        #[schema(minimum = -1000000, maximum = 1000000)]
        zero_at: f64,
        #[schema(minimum = -1000000, maximum = 1000000)]
        full_at: f64,
    },
    /// `per` points off each occurrence, at most `cap` (at most the item's points).
    Deduct {
        #[schema(schema_with = figure)]
        figure: String,
        #[schema(exclusive_minimum = 0, maximum = 100)]
        per: f64,
        #[schema(exclusive_minimum = 0, maximum = 100)]
        cap: f64,
    },
    /// `per_point` off each point a percentage falls below `threshold`.
    Survey {
        #[schema(schema_with = figure)]
        figure: String,
        #[schema(exclusive_minimum = 0, maximum = 100)]
        threshold: f64,
        #[schema(exclusive_minimum = 0, maximum = 100)]
        per_point: f64,
    },
    /// Scored by a reviewer.
    Manual {},
}

/// An item as a row: a node (no rule; its rows below it add up to its points) or a scored item.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeItemBody {
    #[schema(schema_with = crate::http::schema::line_20)]
    pub code: String,
    #[schema(schema_with = crate::http::schema::line_100)]
    pub name: String,
    #[schema(exclusive_minimum = 0, maximum = 100)]
    pub points: f64,
    /// The code of the item it belongs to, listed before it; none at the top.
    #[schema(max_length = 20)]
    pub parent: Option<String>,
    pub rule: Option<ScoringRuleBody>,
}

/// What moves a total outside the hundred.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScoreAdjustmentBody {
    /// `per` points each occurrence, at most `cap`.
    Bonus {
        #[schema(schema_with = crate::http::schema::line_20)]
        code: String,
        #[schema(schema_with = crate::http::schema::line_100)]
        name: String,
        #[schema(schema_with = figure)]
        figure: String,
        #[schema(exclusive_minimum = 0, maximum = 100)]
        per: f64,
        #[schema(exclusive_minimum = 0, maximum = 100)]
        cap: f64,
    },
    /// One-vote veto (一票否决): any occurrence takes `penalty` off and bars the top grade.
    Veto {
        #[schema(schema_with = crate::http::schema::line_20)]
        code: String,
        #[schema(schema_with = crate::http::schema::line_100)]
        name: String,
        #[schema(schema_with = figure)]
        figure: String,
        #[schema(exclusive_minimum = 0, maximum = 100)]
        penalty: f64,
    },
    /// `per_place` each place gained in the ranking, taken off each lost, within ± `cap`.
    RankChange {
        #[schema(schema_with = crate::http::schema::line_20)]
        code: String,
        #[schema(schema_with = crate::http::schema::line_100)]
        name: String,
        #[schema(schema_with = figure)]
        figure: String,
        #[schema(exclusive_minimum = 0, maximum = 100)]
        per_place: f64,
        #[schema(exclusive_minimum = 0, maximum = 100)]
        cap: f64,
    },
}

/// A year's scheme for a group of units, as the administrator sets it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeBody {
    #[schema(schema_with = crate::http::schema::line_100)]
    pub name: String,
    /// The share of a target that counts for its lead unit (above 0, at most 1).
    #[schema(exclusive_minimum = 0, maximum = 1)]
    pub lead_share: f64,
    /// The share that counts for each partner unit (捆绑考核).
    #[schema(minimum = 0, maximum = 1)]
    pub partner_share: f64,
    /// The share of a total that counts into the annual 平安建设 assessment (0.4 unless given).
    #[serde(default)]
    #[schema(exclusive_minimum = 0, maximum = 1)]
    pub safe_city_share: Option<f64>,
    /// Scored items whose scores decide between equal totals, in order.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub tie_break: Vec<String>,
    #[schema(min_items = 1, max_items = 300)]
    pub items: Vec<SchemeItemBody>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub adjustments: Vec<ScoreAdjustmentBody>,
}

/// An item as a row, with its depth for showing the tree.
#[derive(Serialize, ToSchema)]
pub struct SchemeItemRow {
    #[serde(flatten)]
    pub item: SchemeItemBody,
    pub depth: usize,
}

/// A figure a scheme may read, and whether the system computes it or a reviewer enters it.
#[derive(Serialize, ToSchema)]
pub struct AssessmentFigureView {
    #[schema(schema_with = figure)]
    pub code: String,
    pub name: String,
    pub automatic: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SchemeView {
    pub year: i32,
    #[schema(schema_with = unit_group)]
    pub group: String,
    pub group_name: String,
    /// 0: the shipped scheme, never edited.
    pub version: i64,
    pub set_by: Option<String>,
    pub set_at: Option<String>,
    pub name: String,
    pub lead_share: f64,
    pub partner_share: f64,
    pub safe_city_share: f64,
    pub tie_break: Vec<String>,
    pub items: Vec<SchemeItemRow>,
    pub adjustments: Vec<ScoreAdjustmentBody>,
    /// Every figure a scheme may read.
    pub figures: Vec<AssessmentFigureView>,
}

pub(crate) fn figure_of(raw: &str, field: &str) -> ApiResult<Figure> {
    Figure::from_code(raw).ok_or_else(|| {
        ApiError::field(
            ErrorCode::InvalidParameter,
            field,
            format!("no figure {raw:?}"),
        )
    })
}

fn rule_of(b: ScoringRuleBody, field: &str) -> ApiResult<Rule> {
    let at = format!("{field}.figure");
    Ok(match b {
        ScoringRuleBody::Proportional {
            figure,
            zero_at,
            full_at,
        } => Rule::Proportional {
            figure: figure_of(&figure, &at)?,
            zero_at,
            full_at,
        },
        ScoringRuleBody::Deduct { figure, per, cap } => Rule::Deduct {
            figure: figure_of(&figure, &at)?,
            per,
            cap,
        },
        ScoringRuleBody::Survey {
            figure,
            threshold,
            per_point,
        } => Rule::Survey {
            figure: figure_of(&figure, &at)?,
            threshold,
            per_point,
        },
        ScoringRuleBody::Manual {} => Rule::Manual,
    })
}

fn rule_body(r: &Rule) -> ScoringRuleBody {
    match r {
        Rule::Proportional {
            figure,
            zero_at,
            full_at,
        } => ScoringRuleBody::Proportional {
            figure: figure.as_str().into(),
            zero_at: *zero_at,
            full_at: *full_at,
        },
        Rule::Deduct { figure, per, cap } => ScoringRuleBody::Deduct {
            figure: figure.as_str().into(),
            per: *per,
            cap: *cap,
        },
        Rule::Survey {
            figure,
            threshold,
            per_point,
        } => ScoringRuleBody::Survey {
            figure: figure.as_str().into(),
            threshold: *threshold,
            per_point: *per_point,
        },
        Rule::Manual => ScoringRuleBody::Manual {},
    }
}

fn adjustment_of(b: ScoreAdjustmentBody, field: &str) -> ApiResult<Adjustment> {
    let at = format!("{field}.figure");
    Ok(match b {
        ScoreAdjustmentBody::Bonus {
            code,
            name,
            figure,
            per,
            cap,
        } => Adjustment::Bonus {
            code,
            name,
            figure: figure_of(&figure, &at)?,
            per,
            cap,
        },
        ScoreAdjustmentBody::Veto {
            code,
            name,
            figure,
            penalty,
        } => Adjustment::Veto {
            code,
            name,
            figure: figure_of(&figure, &at)?,
            penalty,
        },
        ScoreAdjustmentBody::RankChange {
            code,
            name,
            figure,
            per_place,
            cap,
        } => Adjustment::RankChange {
            code,
            name,
            figure: figure_of(&figure, &at)?,
            per_place,
            cap,
        },
    })
}

fn adjustment_body(a: &Adjustment) -> ScoreAdjustmentBody {
    match a.clone() {
        Adjustment::Bonus {
            code,
            name,
            figure,
            per,
            cap,
        } => ScoreAdjustmentBody::Bonus {
            code,
            name,
            figure: figure.as_str().into(),
            per,
            cap,
        },
        Adjustment::Veto {
            code,
            name,
            figure,
            penalty,
        } => ScoreAdjustmentBody::Veto {
            code,
            name,
            figure: figure.as_str().into(),
            penalty,
        },
        Adjustment::RankChange {
            code,
            name,
            figure,
            per_place,
            cap,
        } => ScoreAdjustmentBody::RankChange {
            code,
            name,
            figure: figure.as_str().into(),
            per_place,
            cap,
        },
    }
}

fn view(s: uc::SchemeInForce) -> SchemeView {
    let scheme = s.scheme;
    SchemeView {
        year: scheme.year,
        group: scheme.group.as_str().into(),
        group_name: scheme.group.label_zh().into(),
        version: s.version,
        set_by: s.set_by,
        set_at: s.set_at.map(zhili_domain::time::rfc3339),
        name: scheme.name.clone(),
        lead_share: scheme.lead_share,
        partner_share: scheme.partner_share,
        safe_city_share: scheme.safe_city_share,
        tie_break: scheme.tie_break.clone(),
        items: assess::rows_of(&scheme.items)
            .into_iter()
            .map(|(row, depth)| SchemeItemRow {
                item: SchemeItemBody {
                    code: row.code,
                    name: row.name,
                    points: row.points,
                    parent: row.parent,
                    rule: row.rule.as_ref().map(rule_body),
                },
                depth,
            })
            .collect(),
        adjustments: scheme.adjustments.iter().map(adjustment_body).collect(),
        figures: Figure::ALL
            .iter()
            .map(|f| AssessmentFigureView {
                code: f.as_str().into(),
                name: f.label_zh().into(),
                automatic: f.automatic(),
            })
            .collect(),
    }
}

/// A scheme's place: its year and its group of units.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // read by the handlers as strings, so a bad one is answered with its field
pub struct SchemePath {
    #[param(minimum = 2000, maximum = 2100)]
    year: i32,
    #[param(pattern = "^(towns|departments)$")]
    group: String,
}

fn path_of(year: &str, group: &str) -> ApiResult<(i32, UnitGroup)> {
    let year = year
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| ApiError::field(ErrorCode::InvalidParameter, "year", "2000 to 2100"))?;
    let group = UnitGroup::from_code(group).ok_or_else(|| {
        ApiError::field(ErrorCode::InvalidParameter, "group", "towns or departments")
    })?;
    Ok((year, group))
}

#[utoipa::path(get, path = "/api/v1/assessment/schemes/{year}/{group}", tag = "assessment",
    params(SchemePath),
    security(("bearer" = [])),
    responses((status = 200, body = SchemeView, description = "the scheme in force: the district's latest version, or the shipped one"),
              (status = 404, body = crate::http::error::ErrorBody, description = "no scheme for that year")))]
pub async fn get_scheme(
    State(state): State<Arc<AppState>>,
    _user: CurrentUser,
    Path((year, group)): Path<(String, String)>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<SchemeView>> {
    let (year, group) = path_of(&year, &group)?;
    Ok(axum::Json(view(uc::scheme(&state, year, group).await?)))
}

#[utoipa::path(put, path = "/api/v1/assessment/schemes/{year}/{group}", tag = "assessment",
    params(SchemePath),
    request_body = SchemeBody, security(("bearer" = [])),
    responses((status = 200, body = SchemeView, description = "the new version, recorded"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody, description = "the field at fault: points that do not add up, a rule missing or out of range, a parent not listed before, a code used twice")))]
pub async fn put_scheme(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((year, group)): Path<(String, String)>,
    Json(b): Json<SchemeBody>,
) -> ApiResult<axum::Json<SchemeView>> {
    let (year, group) = path_of(&year, &group)?;
    let mut rows = Vec::with_capacity(b.items.len());
    for (i, item) in b.items.into_iter().enumerate() {
        rows.push(FlatItem {
            code: item.code,
            name: item.name,
            points: item.points,
            parent: item.parent,
            rule: item
                .rule
                .map(|r| rule_of(r, &format!("items[{i}].rule")))
                .transpose()?,
        });
    }
    let mut adjustments = Vec::with_capacity(b.adjustments.len());
    for (i, a) in b.adjustments.into_iter().enumerate() {
        adjustments.push(adjustment_of(a, &format!("adjustments[{i}]"))?);
    }
    let command = uc::SetScheme {
        year,
        group,
        name: b.name,
        lead_share: b.lead_share,
        partner_share: b.partner_share,
        safe_city_share: b
            .safe_city_share
            .unwrap_or(assess::scheme::DEFAULT_SAFE_CITY_SHARE),
        tie_break: b.tie_break,
        rows,
        adjustments,
    };
    Ok(axum::Json(view(
        uc::set_scheme(&state, &user.user, command).await?,
    )))
}

/// One line of a unit's sheet: an item (a node sums its rows) or an adjustment.
#[derive(Serialize, ToSchema)]
pub struct SheetLineView {
    pub code: String,
    pub name: String,
    /// The item's points (0 for an adjustment).
    pub points: f64,
    pub score: f64,
    #[schema(schema_with = figure_or_null)]
    pub figure: Option<String>,
    pub figure_name: Option<String>,
    pub value: Option<f64>,
    /// Where the figure came from: the record it was counted in, what, over which period.
    pub source: Option<String>,
    /// The rule applied, in words.
    pub how: String,
    /// No figure or reviewer's score yet: it counted nothing.
    pub missing: bool,
    pub depth: usize,
    /// A node, the sum of its children: nothing is entered or appealed on it.
    pub node: bool,
    /// What a reviewer enters for the line: `item` its score, `figure` its figure (one the
    /// record does not count); null when the record gives it.
    #[schema(schema_with = entered_or_null)]
    pub entered: Option<String>,
}

fn entered_or_null() -> utoipa::openapi::Object {
    crate::http::schema::or_null(crate::http::schema::one_of(["item", "figure"]))
}

fn figure_or_null() -> utoipa::openapi::Object {
    crate::http::schema::or_null(figure())
}

#[derive(Serialize, ToSchema)]
pub struct UnitScoreView {
    /// A department's id, or a town's code.
    pub unit: String,
    pub name: String,
    pub total: f64,
    pub rank: usize,
    /// A one-vote veto took effect.
    pub vetoed: bool,
    /// Items that counted nothing for want of a figure or a reviewer's score.
    pub missing: usize,
    pub lines: Vec<SheetLineView>,
}

fn unit_view(s: uc::UnitScore) -> UnitScoreView {
    UnitScoreView {
        missing: s.sheet.lines.iter().filter(|l| l.missing).count(),
        total: s.sheet.total,
        vetoed: s.sheet.vetoed,
        lines: s
            .sheet
            .lines
            .into_iter()
            .map(|l| SheetLineView {
                code: l.code,
                name: l.name,
                points: l.points,
                score: l.score,
                figure: l.figure.map(|f| f.as_str().into()),
                figure_name: l.figure.map(|f| f.label_zh().into()),
                value: l.value,
                source: l.source,
                how: l.how,
                missing: l.missing,
                depth: l.depth,
                node: l.node,
                entered: l.entered.map(|e| {
                    match e {
                        assess::sheet::Entered::Item => "item",
                        assess::sheet::Entered::Figure => "figure",
                    }
                    .into()
                }),
            })
            .collect(),
        unit: s.unit,
        name: s.name,
        rank: s.rank,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ScoresView {
    pub year: i32,
    #[schema(schema_with = unit_group)]
    pub group: String,
    pub scheme_name: String,
    pub scheme_version: i64,
    /// The share of a total that counts into the 平安建设 assessment.
    pub safe_city_share: f64,
    /// Who published the result and when; none: computed from the record as it stands.
    pub published_by: Option<String>,
    pub published_at: Option<String>,
    /// Every unit of the group, best first.
    pub units: Vec<UnitScoreView>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScoresQuery {
    #[param(minimum = 2000, maximum = 2100)]
    pub year: i32,
    /// towns or departments (a pattern, not an enumeration: with its own schema the parameter
    /// would read as optional).
    #[param(pattern = "^(towns|departments)$")]
    pub group: String,
}

pub(crate) fn group_of(raw: &str) -> ApiResult<UnitGroup> {
    UnitGroup::from_code(raw).ok_or_else(|| {
        ApiError::field(ErrorCode::InvalidParameter, "group", "towns or departments")
    })
}

pub(crate) fn year_of(year: i32) -> ApiResult<i32> {
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "year",
            "2000 to 2100",
        ))
    }
}

#[utoipa::path(get, path = "/api/v1/assessment/scores", tag = "assessment", params(ScoresQuery), security(("bearer" = [])),
    responses((status = 200, body = ScoresView, description = "every unit of the group scored by the scheme in force from the record's figures, ranked"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "no scheme for that year")))]
pub async fn scores(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<ScoresQuery>,
) -> ApiResult<axum::Json<ScoresView>> {
    let (year, group) = (year_of(q.year)?, group_of(&q.group)?);
    let s = uc::scores(&state, &user.user, year, group).await?;
    Ok(axum::Json(scores_view(year, group, s)))
}

fn scores_view(year: i32, group: UnitGroup, s: uc::Scores) -> ScoresView {
    ScoresView {
        year,
        group: group.as_str().into(),
        scheme_name: s.scheme.scheme.name,
        scheme_version: s.scheme.version,
        safe_city_share: s.scheme.scheme.safe_city_share,
        published_by: s.published.as_ref().map(|p| p.0.clone()),
        published_at: s.published.map(|p| zhili_domain::time::rfc3339(p.1)),
        units: s.units.into_iter().map(unit_view).collect(),
    }
}

/// A year's group to publish.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    #[schema(schema_with = unit_group)]
    pub group: String,
}

#[utoipa::path(post, path = "/api/v1/assessment/publish", tag = "assessment", request_body = PublishBody, security(("bearer" = [])),
    responses((status = 200, body = ScoresView, description = "the scores frozen and published; the group's scheme and the year's plan are closed"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "no scheme for that year"),
              (status = 409, body = crate::http::error::ErrorBody, description = "published already")))]
pub async fn publish(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<PublishBody>,
) -> ApiResult<axum::Json<ScoresView>> {
    let (year, group) = (year_of(b.year)?, group_of(&b.group)?);
    let s = uc::publish::publish(&state, &user.user, year, group).await?;
    Ok(axum::Json(scores_view(year, group, s)))
}

/// The year of the 平安建设 sheet.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    #[param(minimum = 2000, maximum = 2100)]
    pub year: i32,
}

#[utoipa::path(get, path = "/api/v1/assessment/export", tag = "assessment", params(ExportQuery), security(("bearer" = [])),
    responses((status = 200, description = "every town's and department's score and the share counted into the 平安建设 assessment (.xlsx): the published result, or the record as it stands, marked so",
                content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "no scheme for that year")))]
pub async fn export(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<ExportQuery>,
) -> ApiResult<axum::response::Response> {
    let year = year_of(q.year)?;
    let (name, bytes) = uc::publish::safe_city_sheet(&state, &user.user, year).await?;
    Ok(crate::http::download::xlsx(
        &format!("safe-city-{year}.xlsx"),
        &name,
        bytes,
    ))
}

/// One figure of one unit, supposed.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIfBody {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    #[schema(schema_with = unit_group)]
    pub group: String,
    /// A department's id or a town's code.
    #[schema(max_length = 20)]
    pub unit: String,
    #[schema(schema_with = figure)]
    pub figure: String,
    #[schema(minimum = -1000000, maximum = 1000000)]
    pub value: f64,
}

#[derive(Serialize, ToSchema)]
pub struct WhatIfView {
    pub before: UnitScoreView,
    pub after: UnitScoreView,
}

#[utoipa::path(post, path = "/api/v1/assessment/what-if", tag = "assessment", request_body = WhatIfBody, security(("bearer" = [])),
    responses((status = 200, body = WhatIfView, description = "the unit's sheet and rank as they are and with the figure supposed (nothing is stored)"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "no scheme for that year, or no such unit in the group")))]
pub async fn what_if(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<WhatIfBody>,
) -> ApiResult<axum::Json<WhatIfView>> {
    let (year, group) = (year_of(b.year)?, group_of(&b.group)?);
    let figure = figure_of(&b.figure, "figure")?;
    let (before, after) =
        uc::what_if(&state, &user.user, year, group, &b.unit, figure, b.value).await?;
    Ok(axum::Json(WhatIfView {
        before: unit_view(before),
        after: unit_view(after),
    }))
}
