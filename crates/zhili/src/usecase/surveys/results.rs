//! A round's results over an area: the headline share weighted by each grid's registered
//! population with its 95 % margin, the same for the areas one level down, every choice and
//! scale value's share, the answers by mode — and a warning wherever fewer than thirty answered.

use super::{reader_region, Result};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use zhili_domain::survey::{Estimate, Kind, Mode, Sums, GOOD, HEADLINE, MIN_SAMPLE, MODE, SHEETS};
use zhili_domain::user::User;
use zhili_domain::{time, RegionCode};
use zhili_store::{SurveyRecord, TallyRow};

/// A share with its margin; shares and margins are fractions (0–1), absent where nobody
/// answered.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Figure {
    pub label: String,
    pub share: Option<f64>,
    /// ± at 95 % confidence.
    pub margin: Option<f64>,
    pub answered: i64,
    /// The share of the registered population living in grids that answered.
    pub coverage: f64,
    /// Fewer than `min_sample` answers: not to be relied on.
    pub too_small: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AreaFigure {
    pub region_code: String,
    pub name: String,
    /// The answers planned there.
    pub quota: i64,
    pub answered: i64,
    pub share: Option<f64>,
    pub margin: Option<f64>,
    pub too_small: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OptionFigure {
    /// An option's key, or a scale's value.
    pub key: String,
    pub label: String,
    pub share: Option<f64>,
    pub margin: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct QuestionFigure {
    pub key: String,
    pub text: String,
    /// single, multiple, scale or text
    pub kind: String,
    /// How many answered it (a conditional question: of those it was shown to).
    pub answered: i64,
    /// Each option's (each scale value's) share of those who answered; none for free text.
    pub options: Vec<OptionFigure>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ModeCount {
    /// online, door or phone
    pub mode: String,
    pub label: String,
    pub answered: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SurveyResults {
    pub survey_id: i64,
    pub region_code: String,
    pub region_name: String,
    pub computed_at: String,
    /// Answers under the area, and the answers planned there.
    pub answered: i64,
    pub quota: i64,
    pub min_sample: i64,
    pub headline: Figure,
    /// The areas one level down (towns of the district, villages of a town, grids of a
    /// village).
    pub areas: Vec<AreaFigure>,
    pub questions: Vec<QuestionFigure>,
    pub by_mode: Vec<ModeCount>,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The share and its margin; no margin from a single answer (it says nothing of the spread).
fn parts(e: Option<Estimate>) -> (Option<f64>, Option<f64>) {
    match e {
        Some(e) => (
            Some(round4(e.share)),
            (e.answered > 1).then_some(round4(e.margin)),
        ),
        None => (None, None),
    }
}

/// The results a staff reader may read: of `region` (their own area when absent), inside both
/// their scope and the survey's area.
pub async fn results(
    state: &AppState,
    user: &User,
    id: i64,
    region: Option<RegionCode>,
) -> Result<SurveyResults> {
    let s = super::get(state, user, id).await?;
    let region = region.unwrap_or_else(|| reader_region(user, &s));
    if !user.scope().sees_region(&region)
        || !region.as_str().starts_with(s.survey.region_code.as_str())
    {
        return Err(super::not_found(
            "region",
            format!("no area {region} of yours"),
        ));
    }
    compute(state, &s, &region).await
}

pub(super) async fn compute(
    state: &AppState,
    s: &SurveyRecord,
    region: &RegionCode,
) -> Result<SurveyResults> {
    let prefix = region.as_str();
    // The sums are additive over grids: read them per area one level down (or for the area
    // itself at the bottom) and add them up for the whole.
    let len = super::child_len(region).unwrap_or(prefix.len());
    let (totals, values, plans) = state.store.survey_tally(s.id, prefix, len).await?;
    let mut by_question: HashMap<(&str, &str), &TallyRow> = HashMap::new();
    for t in &totals {
        by_question.insert((t.area.as_str(), t.question.as_str()), t);
    }
    let mut by_value: HashMap<(&str, &str, &str), &TallyRow> = HashMap::new();
    for v in &values {
        by_value.insert((v.area.as_str(), v.question.as_str(), v.value.as_str()), v);
    }
    let all: Vec<&str> = plans.iter().map(|p| p.area.as_str()).collect();
    let sums = |areas: &[&str], question: &str, value: &str| {
        let mut out = Sums::default();
        for a in areas {
            if let Some(t) = by_question.get(&(*a, question)) {
                out.covered += t.covered;
                out.answered += t.count;
                out.w2_all += t.w2_all;
            }
            if let Some(v) = by_value.get(&(*a, question, value)) {
                out.weighted_yes += v.weighted_yes;
                out.w2_yes += v.w2_yes;
            }
        }
        out
    };
    let count = |areas: &[&str], question: &str, value: Option<&str>| -> i64 {
        areas
            .iter()
            .map(|a| match value {
                None => by_question.get(&(*a, question)).map_or(0, |t| t.count),
                Some(v) => by_value.get(&(*a, question, v)).map_or(0, |t| t.count),
            })
            .sum()
    };
    let population: i64 = plans.iter().map(|p| p.population).sum();
    let index = state.index();
    let name = |code: &str| {
        index
            .names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    };
    let headline = &s.survey.headline;
    let overall = sums(&all, HEADLINE, GOOD).estimate(population);
    let (share, margin) = parts(overall);
    let answered = count(&all, SHEETS, None);
    let areas = if super::child_len(region).is_some() {
        plans
            .iter()
            .map(|p| {
                let one = [p.area.as_str()];
                let (share, margin) = parts(sums(&one, HEADLINE, GOOD).estimate(p.population));
                let answered = count(&one, SHEETS, None);
                AreaFigure {
                    name: name(&p.area),
                    region_code: p.area.clone(),
                    quota: p.quota,
                    answered,
                    share,
                    margin,
                    too_small: answered < MIN_SAMPLE,
                }
            })
            .collect()
    } else {
        vec![]
    };
    let questions = s
        .survey
        .questionnaire
        .questions
        .iter()
        .map(|x| {
            let values: Vec<(String, String)> = match &x.kind {
                Kind::Single { options } | Kind::Multiple { options } => options
                    .iter()
                    .map(|o| (o.key.clone(), o.label.clone()))
                    .collect(),
                Kind::Scale { min, max } => (*min..=*max)
                    .map(|v| (v.to_string(), format!("{v} 分")))
                    .collect(),
                Kind::Text { .. } => vec![],
            };
            QuestionFigure {
                key: x.key.clone(),
                text: x.text.clone(),
                kind: match x.kind {
                    Kind::Single { .. } => "single",
                    Kind::Multiple { .. } => "multiple",
                    Kind::Scale { .. } => "scale",
                    Kind::Text { .. } => "text",
                }
                .into(),
                answered: count(&all, &x.key, None),
                options: values
                    .into_iter()
                    .map(|(key, label)| {
                        let (share, margin) = parts(sums(&all, &x.key, &key).estimate(population));
                        OptionFigure {
                            key,
                            label,
                            share,
                            margin,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let by_mode = Mode::ALL
        .into_iter()
        .map(|m| ModeCount {
            mode: m.as_str().into(),
            label: m.label().into(),
            answered: count(&all, MODE, Some(m.as_str())),
        })
        .collect();
    Ok(SurveyResults {
        survey_id: s.id,
        region_code: region.to_string(),
        region_name: name(prefix),
        computed_at: time::rfc3339(crate::now_ms()),
        answered,
        quota: plans.iter().map(|p| p.quota).sum(),
        min_sample: MIN_SAMPLE,
        headline: Figure {
            label: headline.label.clone(),
            share,
            margin,
            answered,
            coverage: round4(overall.map_or(0.0, |e| e.coverage)),
            too_small: answered < MIN_SAMPLE,
        },
        areas,
        questions,
        by_mode,
    })
}
