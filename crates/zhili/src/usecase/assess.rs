//! Target management and assessment (目标管理与考核): the year's assessment schemes, one for
//! the towns and one for the departments, kept as data the pilot office edits — each edit a new
//! recorded version, the shipped 2026 schemes in force until the district keeps its own.

pub mod gaming;
pub mod publish;
pub mod reviews;

use super::{forbidden, not_found, Result};
use crate::state::AppState;
use zhili_domain::assess::{self, Adjustment, FlatItem, Scheme, UnitGroup};
use zhili_domain::user::User;
use zhili_domain::Role;

/// A scheme in force and where it stands: its version (0: shipped, never edited), who set it
/// and when.
#[derive(Clone, Debug)]
pub struct SchemeInForce {
    pub scheme: Scheme,
    pub version: i64,
    pub set_by: Option<String>,
    pub set_at: Option<i64>,
}

/// The scheme for `year` and `group`: the district's latest version, or the shipped one.
pub async fn scheme(state: &AppState, year: i32, group: UnitGroup) -> Result<SchemeInForce> {
    if let Some(v) = state
        .store
        .assessment_scheme(year as i64, group.as_str())
        .await?
    {
        let scheme: Scheme = serde_json::from_str(&v.scheme).map_err(|e| {
            zhili_store::StoreError::Internal(format!(
                "stored assessment scheme {year} {group} {}: {e}",
                v.version
            ))
        })?;
        return Ok(SchemeInForce {
            scheme: scheme.check()?,
            version: v.version,
            set_by: Some(v.set_by),
            set_at: Some(v.set_at),
        });
    }
    crate::reference::assessment_schemes()
        .into_iter()
        .find(|s| s.year == year && s.group == group)
        .map(|scheme| SchemeInForce {
            scheme,
            version: 0,
            set_by: None,
            set_at: None,
        })
        .ok_or_else(|| {
            not_found(
                "year",
                format!("no assessment scheme for {year} ({})", group.label_zh()),
            )
        })
}

/// Who keeps the schemes: the pilot office, and the administrator who set the system up.
fn may_set(user: &User) -> bool {
    matches!(user.role, Role::Admin | Role::PilotOffice)
}

/// A year's scheme for a group as it is edited: its items as rows, each naming its parent.
#[derive(Clone, Debug)]
pub struct SetScheme {
    pub year: i32,
    pub group: UnitGroup,
    pub name: String,
    pub lead_share: f64,
    pub partner_share: f64,
    pub safe_city_share: f64,
    pub tie_break: Vec<String>,
    pub rows: Vec<FlatItem>,
    pub adjustments: Vec<Adjustment>,
}

/// A new version of a year's scheme for a group, checked whole; a fault in the items is
/// named by the row that holds it (`items[5].rule.cap`).
pub async fn set_scheme(state: &AppState, user: &User, s: SetScheme) -> Result<SchemeInForce> {
    if !may_set(user) {
        return Err(forbidden(
            "only the pilot office's administrator keeps the assessment schemes",
        ));
    }
    if state
        .store
        .assessment_result(s.year as i64, s.group.as_str())
        .await?
        .is_some()
    {
        return Err(zhili_store::StoreError::conflict(format!(
            "the {} assessment of {} is published: its scheme is closed (appeals are recorded separately)",
            s.group, s.year
        ))
        .into());
    }
    let (items, places) = assess::tree_of(s.rows)?;
    let scheme = Scheme {
        year: s.year,
        group: s.group,
        name: s.name,
        items,
        adjustments: s.adjustments,
        lead_share: s.lead_share,
        partner_share: s.partner_share,
        safe_city_share: s.safe_city_share,
        tie_break: s.tie_break,
    }
    .check()
    .map_err(|e| match e.field.clone() {
        Some(f) => e.with_field(&assess::row_field(&places, &f)),
        None => e,
    })?;
    let text = serde_json::to_string(&scheme)
        .map_err(|e| zhili_store::StoreError::Internal(e.to_string()))?;
    let now = crate::now_ms();
    let version = state
        .store
        .put_assessment_scheme(
            &user.actor(),
            scheme.year as i64,
            scheme.group.as_str(),
            &text,
            now,
        )
        .await?;
    Ok(SchemeInForce {
        scheme,
        version,
        set_by: Some(user.username.clone()),
        set_at: Some(now),
    })
}

/// A unit's place in a year's assessment: its sheet and its rank among its group.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct UnitScore {
    pub unit: String,
    pub name: String,
    pub sheet: assess::Sheet,
    pub rank: usize,
}

/// Who reads every unit's scores: the district centre, the leaders and the administrator
/// (the pilot office's role comes with the pilot's organisation).
pub(crate) fn may_read_scores(user: &User) -> bool {
    matches!(
        user.role,
        Role::Admin
            | Role::DistrictCommander
            | Role::DistrictOperator
            | Role::Leader
            | Role::PilotOffice
    )
}

fn pct(part: i64, whole: i64) -> f64 {
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

/// A unit's automatic figures from its counts, each with where it came from.
fn figures_of(
    c: &zhili_store::UnitCounts,
    group: UnitGroup,
    year: i32,
    as_of: &str,
) -> assess::UnitFigures {
    use assess::{Figure, Measured};
    let whose = match group {
        UnitGroup::Towns => "本镇街范围内",
        UnitGroup::Departments => "本部门牵头办理",
    };
    let mut f = assess::UnitFigures::default();
    let mut put = |figure: Figure, value: f64, source: String| {
        f.figures.insert(figure, Measured { value, source });
    };
    if c.closed > 0 {
        put(
            Figure::OnTimeRate,
            pct(c.on_time, c.closed),
            format!(
                "事件库：{year} 年办结的{whose}事件 {} 件中按期办结 {} 件",
                c.closed, c.on_time
            ),
        );
    }
    if c.rated > 0 {
        put(
            Figure::SatisfactionRate,
            pct(c.satisfied, c.rated),
            format!(
                "事件库：{year} 年办结并经群众评价的{whose}事件 {} 件中满意（4、5 分）{} 件",
                c.rated, c.satisfied
            ),
        );
    }
    put(
        Figure::OverdueEvents,
        c.overdue_events as f64,
        format!("事件库：截至 {as_of} 超过环节时限仍未办结的{whose}事件"),
    );
    put(
        Figure::OverdueReviews,
        c.overdue_reviews as f64,
        format!("风险台账：截至 {as_of} 过复核日未复核的在管风险"),
    );
    if group == UnitGroup::Towns {
        put(
            Figure::OverdueVisits,
            c.overdue_visits as f64,
            format!("人口库：截至 {as_of} 走访逾期的本镇街重点人员"),
        );
        if c.mediation_ended > 0 {
            put(
                Figure::MediationSuccessRate,
                pct(c.mediation_settled, c.mediation_ended),
                format!(
                    "调解案件库：{year} 年受理的本镇街案件中调解终结 {} 件、调解成功 {} 件",
                    c.mediation_ended, c.mediation_settled
                ),
            );
        }
    }
    f
}

/// The units a group holds, by id or code, with their names.
async fn units_of(state: &AppState, group: UnitGroup) -> Result<Vec<(String, String)>> {
    let Some(root) = state.index().root.clone() else {
        return Ok(Vec::new());
    };
    let scope = zhili_domain::Scope::whole(root);
    let (kind, id_of): (zhili_domain::UnitKind, fn(&str) -> Option<String>) = match group {
        UnitGroup::Departments => (zhili_domain::UnitKind::Department, |id| {
            Some(id.to_string())
        }),
        // A town is assessed by its code; its centre (C + the town's code) names it.
        UnitGroup::Towns => (zhili_domain::UnitKind::Centre, |id| {
            let code = id.strip_prefix('C')?;
            (code.len() == 9).then(|| code.to_string())
        }),
    };
    let index = state.index();
    let mut out: Vec<(String, String)> = state
        .store
        .list_units(&scope, Some(kind))
        .await?
        .into_iter()
        .filter_map(|u| {
            let key = id_of(&u.id.to_string())?;
            let name = index.names.get(&key).cloned().unwrap_or(u.name);
            Some((key, name))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// A unit of a group with its name and the figures the record gives it.
type Measured = (String, String, assess::UnitFigures);

/// Every unit of `group` with its figures for `year` from the record (one read of the counts),
/// and the scheme in force.
pub(crate) async fn measure_all(
    state: &AppState,
    year: i32,
    group: UnitGroup,
) -> Result<(SchemeInForce, Vec<Measured>)> {
    use zhili_domain::calendar::{date_string, CHINA_OFFSET_MS, DAY_MS};
    let scheme = scheme(state, year, group).await?;
    let now = crate::now_ms();
    let today = zhili_domain::calendar::china_day(now);
    let first = zhili_domain::time::days_from_civil(year as i64, 1, 1);
    let next = zhili_domain::time::days_from_civil(year as i64 + 1, 1, 1);
    let ms = |d: i64| d * DAY_MS - CHINA_OFFSET_MS;
    let counts = state
        .store
        .assessment_counts(ms(first), ms(next).min(now + 1), now, today)
        .await?;
    let as_of = date_string(today.min(next - 1));
    let by_unit: std::collections::HashMap<&str, &zhili_store::UnitCounts> =
        counts.iter().map(|c| (c.unit.as_str(), c)).collect();
    let empty = zhili_store::UnitCounts::default();
    let plan = plan_figures(state, year, today).await?;
    let mut entered = reviews::entered(state, year, group).await?;
    let units = units_of(state, group)
        .await?
        .into_iter()
        .map(|(unit, name)| {
            let c = by_unit.get(unit.as_str()).copied().unwrap_or(&empty);
            let mut figures = figures_of(c, group, year, &as_of);
            // A town's targets are its centre's.
            let key = match group {
                UnitGroup::Towns => format!("C{unit}"),
                UnitGroup::Departments => unit.clone(),
            };
            plan_into(&mut figures, plan.get(&key), &scheme.scheme, year, &as_of);
            if let Some(e) = entered.remove(&unit) {
                figures.figures.extend(e.figures);
                figures.manual = e.manual;
            }
            (unit, name, figures)
        })
        .collect();
    Ok((scheme, units))
}

/// A unit's part in the year's plan: its targets as shares, and the milestones of those it
/// leads that are past their day undone.
#[derive(Default)]
struct PlanPart {
    shares: Vec<assess::Share>,
    led: usize,
    partnered: usize,
    late: usize,
}

async fn plan_figures(
    state: &AppState,
    year: i32,
    today: i64,
) -> Result<std::collections::HashMap<String, PlanPart>> {
    let rows = state
        .store
        .pilot_targets(&zhili_store::TargetScope::All, year as i64)
        .await?;
    let calendar = state.reference().calendar.clone();
    let mut parts: std::collections::HashMap<String, PlanPart> = Default::default();
    for row in rows {
        let facts = crate::usecase::pilot::facts(&row);
        let (states, _) = assess::plan::target_state(&facts, row.percent, today, &calendar);
        let late = states
            .iter()
            .filter(|s| **s == assess::MilestoneState::Late)
            .count();
        let lead = parts.entry(row.lead_unit.clone()).or_default();
        lead.led += 1;
        lead.late += late;
        lead.shares.push(assess::Share {
            weight: row.weight,
            percent: row.percent,
            lead: true,
        });
        for p in &row.partners {
            let part = parts.entry(p.clone()).or_default();
            part.partnered += 1;
            part.shares.push(assess::Share {
                weight: row.weight,
                percent: row.percent,
                lead: false,
            });
        }
    }
    Ok(parts)
}

/// The plan's figures of a unit: its completion by weight (led targets at the scheme's lead
/// share, partnered at its partner share) when it has targets, and its late milestones.
fn plan_into(
    figures: &mut assess::UnitFigures,
    part: Option<&PlanPart>,
    scheme: &assess::Scheme,
    year: i32,
    as_of: &str,
) {
    use assess::{Figure, Measured};
    let empty = PlanPart::default();
    let part = part.unwrap_or(&empty);
    if let Some(done) = assess::completion(&part.shares, scheme.lead_share, scheme.partner_share) {
        figures.figures.insert(
            Figure::TargetCompletion,
            Measured {
                value: (done * 10.0).round() / 10.0,
                source: format!(
                    "目标库：{year} 年牵头目标任务 {} 项、配合 {} 项，按权重完成（牵头计 {}、配合计 {}）",
                    part.led, part.partnered, scheme.lead_share, scheme.partner_share
                ),
            },
        );
    }
    figures.figures.insert(
        Figure::LateMilestones,
        Measured {
            value: part.late as f64,
            source: format!("目标库：截至 {as_of} 牵头目标任务中过期未完成的节点"),
        },
    );
}

/// The units scored by `scheme` and ranked, best first.
pub(crate) fn rank_all(scheme: &assess::Scheme, units: Vec<Measured>) -> Vec<UnitScore> {
    let mut scores: Vec<UnitScore> = units
        .into_iter()
        .map(|(unit, name, figures)| UnitScore {
            sheet: assess::score(scheme, &figures),
            unit,
            name,
            rank: 0,
        })
        .collect();
    let sheets: Vec<assess::Sheet> = scores.iter().map(|s| s.sheet.clone()).collect();
    for (s, rank) in scores.iter_mut().zip(assess::rank(scheme, &sheets)) {
        s.rank = rank;
    }
    scores.sort_by(|a, b| (a.rank, &a.unit).cmp(&(b.rank, &b.unit)));
    scores
}

/// Every unit of a group scored for a year, ranked, each point traced to its source; a
/// department or a town reads its own sheet and rank only.
pub async fn scores(state: &AppState, user: &User, year: i32, group: UnitGroup) -> Result<Scores> {
    let mut all = all_scores(state, user, year, group).await?;
    if !may_read_scores(user) {
        let own = reviews::assessed_as(user)
            .filter(|(g, _)| *g == group)
            .map(|(_, u)| u);
        all.units.retain(|u| Some(&u.unit) == own.as_ref());
    }
    Ok(all)
}

async fn all_scores(state: &AppState, user: &User, year: i32, group: UnitGroup) -> Result<Scores> {
    let own_group = reviews::assessed_as(user).is_some_and(|(g, _)| g == group);
    if !may_read_scores(user) && !own_group {
        return Err(forbidden(
            "the district centre, the leaders and the pilot office read the assessment; a unit its own",
        ));
    }
    if let Some(p) = state
        .store
        .assessment_result(year as i64, group.as_str())
        .await?
    {
        let units: Vec<UnitScore> = serde_json::from_str(&p.results).map_err(|e| {
            zhili_store::StoreError::Internal(format!("published result {year} {group}: {e}"))
        })?;
        return Ok(Scores {
            scheme: scheme(state, year, group).await?,
            units,
            published: Some((p.published_by, p.published_at)),
        });
    }
    let (scheme, units) = measure_all(state, year, group).await?;
    let units = rank_all(&scheme.scheme, units);
    Ok(Scores {
        scheme,
        units,
        published: None,
    })
}

/// A year's scores for a group: frozen once published (who published them and when), else
/// computed from the record as it stands.
#[derive(Clone, Debug)]
pub struct Scores {
    pub scheme: SchemeInForce,
    pub units: Vec<UnitScore>,
    pub published: Option<(String, i64)>,
}

/// What a unit's score and rank would be with one figure changed, beside what they are.
pub async fn what_if(
    state: &AppState,
    user: &User,
    year: i32,
    group: UnitGroup,
    unit: &str,
    figure: assess::Figure,
    value: f64,
) -> Result<(UnitScore, UnitScore)> {
    if !may_read_scores(user) {
        return Err(forbidden(
            "the district centre and the leaders read the assessment",
        ));
    }
    if !value.is_finite() || !(-1_000_000.0..=1_000_000.0).contains(&value) {
        return Err(super::invalid("value", "a number within ±1,000,000"));
    }
    let (scheme, units) = measure_all(state, year, group).await?;
    if !units.iter().any(|(u, _, _)| u == unit) {
        return Err(not_found(
            "unit",
            format!("no unit {unit} in {}", group.label_zh()),
        ));
    }
    // The same figures scored twice: as they are, and with the one supposed.
    let supposed = units
        .iter()
        .cloned()
        .map(|(u, name, mut figures)| {
            if u == unit {
                figures.figures.insert(
                    figure,
                    assess::Measured {
                        value,
                        source: "假设值（模拟测算）".into(),
                    },
                );
            }
            (u, name, figures)
        })
        .collect();
    let pick = |scores: Vec<UnitScore>| scores.into_iter().find(|s| s.unit == unit);
    let before = pick(rank_all(&scheme.scheme, units));
    let after = pick(rank_all(&scheme.scheme, supposed));
    let (Some(before), Some(after)) = (before, after) else {
        return Err(not_found("unit", format!("no unit {unit}")));
    };
    Ok((before, after))
}
