//! A round's results over an area: the headline share weighted by each grid's registered
//! population with its 95 % margin, the same for the areas one level down, every choice and
//! scale value's share, the answers by mode — and a warning wherever fewer than thirty answered.

use super::{reader_region, Result};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use zhili_domain::survey::{Answer, Estimate, Kind, Mode, Tally, MIN_SAMPLE};
use zhili_domain::user::User;
use zhili_domain::{time, RegionCode};
use zhili_store::{StoreError, SurveyRecord};

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
    let quotas = state.store.survey_quotas(s.id, prefix).await?;
    let sheets = state.store.survey_sheets(s.id, prefix).await?;
    let q = &s.survey.questionnaire;
    let headline = &s.survey.headline;
    let mut tally = Tally::default();
    let mut modes: BTreeMap<Mode, i64> = BTreeMap::new();
    for (grid, mode, sheet) in &sheets {
        *modes.entry(*mode).or_default() += 1;
        let answers: BTreeMap<String, Answer> = serde_json::from_str(sheet)
            .map_err(|_| StoreError::Internal(format!("survey {}: an unreadable answer", s.id)))?;
        tally.add(grid, headline, &answers);
    }
    let grids: Vec<(String, i64)> = quotas
        .iter()
        .map(|x| (x.grid_code.clone(), x.population))
        .collect();
    let index = state.index();
    let name = |code: &str| {
        index
            .names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    };
    let overall = tally.headline(&grids);
    let (share, margin) = parts(overall);
    let answered = tally.sheets(&grids);
    let mut areas: BTreeMap<String, (Vec<(String, i64)>, i64)> = BTreeMap::new();
    if let Some(len) = super::child_len(region) {
        for x in &quotas {
            let area = x.grid_code.get(..len).unwrap_or(&x.grid_code).to_string();
            let e = areas.entry(area).or_default();
            e.0.push((x.grid_code.clone(), x.population));
            e.1 += x.quota;
        }
    }
    let areas = areas
        .into_iter()
        .map(|(code, (grids, quota))| {
            let (share, margin) = parts(tally.headline(&grids));
            let answered = tally.sheets(&grids);
            AreaFigure {
                name: name(&code),
                region_code: code,
                quota,
                answered,
                share,
                margin,
                too_small: answered < MIN_SAMPLE,
            }
        })
        .collect();
    let questions = q
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
                answered: tally.answered(&grids, &x.key),
                options: values
                    .into_iter()
                    .map(|(key, label)| {
                        let (share, margin) = parts(tally.share(&grids, &x.key, &key));
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
            answered: modes.get(&m).copied().unwrap_or(0),
        })
        .collect();
    Ok(SurveyResults {
        survey_id: s.id,
        region_code: region.to_string(),
        region_name: name(prefix),
        computed_at: time::rfc3339(crate::now_ms()),
        answered,
        quota: quotas.iter().map(|x| x.quota).sum(),
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
