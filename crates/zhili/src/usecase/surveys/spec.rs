//! A survey as people write it (the API's shape and the shipped templates'): flat questions with
//! their type, options, range and the condition they are shown on; turned into the domain's
//! questionnaire and back.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use zhili_domain::survey::{Answer, Choice, Condition, Headline, Kind, Question, Questionnaire};
use zhili_domain::DomainError;

const TEMPLATES_JSON: &str = include_str!("../../../data/survey-templates.json");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    Single,
    Multiple,
    Scale,
    Text,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SurveyPurpose {
    /// 安全感测评
    Security,
    /// 满意度测评
    Satisfaction,
}

impl SurveyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyPurpose::Security => "security",
            SurveyPurpose::Satisfaction => "satisfaction",
        }
    }

    pub fn parse(s: &str) -> SurveyPurpose {
        if s == "security" {
            SurveyPurpose::Security
        } else {
            SurveyPurpose::Satisfaction
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionSpec {
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9_]+$")]
    pub key: String,
    #[schema(min_length = 1, max_length = 100)]
    pub label: String,
}

/// Shown only when the answer to an earlier choice question includes one of `any_of`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShownIf {
    pub question: String,
    #[schema(min_items = 1, max_items = 20)]
    pub any_of: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionSpec {
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9_]+$")]
    pub key: String,
    #[schema(min_length = 1, max_length = 500)]
    pub text: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    #[serde(default)]
    pub required: bool,
    /// A choice question's options (2 to 20).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 20)]
    pub options: Vec<OptionSpec>,
    /// A scale's lowest value (0–10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 10)]
    pub min: Option<i64>,
    /// A scale's highest value (0–10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 10)]
    pub max: Option<i64>,
    /// A free text's length limit (1–2000; 500 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 2000)]
    pub max_chars: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown_if: Option<ShownIf>,
}

/// The figure the survey is published by: the share whose answer to `question` is one of
/// `good` (a single choice) or at least `good_from` (a scale).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeadlineSpec {
    pub question: String,
    /// 群众安全感, 群众满意度 …
    #[schema(min_length = 1, max_length = 30)]
    pub label: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 20)]
    pub good: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 10)]
    pub good_from: Option<i64>,
}

/// A survey as drafted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveySpec {
    #[schema(min_length = 1, max_length = 60)]
    pub title: String,
    pub purpose: SurveyPurpose,
    /// What respondents are told first (who asks, why, whether it is anonymous).
    #[schema(min_length = 1, max_length = 1000)]
    pub intro: String,
    /// No answer is kept with the person who gave it, who took it or when.
    pub anonymous: bool,
    /// The answers wanted, split over the grids by their registered population (30–100,000).
    #[schema(minimum = 30, maximum = 100000)]
    pub sample_size: i64,
    #[schema(min_items = 1, max_items = 100)]
    pub questions: Vec<QuestionSpec>,
    pub headline: HeadlineSpec,
}

/// An answer as sent: an option's key (single choice) or the text, the keys chosen (multiple
/// choice), the number (scale).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum AnswerValue {
    Number(i64),
    Keys(Vec<String>),
    Word(String),
}

/// The shipped questionnaires (安全感, 满意度), by key.
pub fn templates() -> BTreeMap<String, SurveySpec> {
    serde_json::from_str(TEMPLATES_JSON).expect("the shipped survey templates are valid")
}

fn missing(field: String, en: &str, zh: &str) -> DomainError {
    DomainError::invalid(&field, en).zh(zh)
}

/// The domain's questionnaire, or every problem with its field.
pub fn questionnaire(questions: &[QuestionSpec]) -> Result<Questionnaire, Vec<DomainError>> {
    let (built, mut problems) = build(questions);
    if let Err(found) = built.check() {
        problems.extend(found);
    }
    if problems.is_empty() {
        Ok(built)
    } else {
        Err(problems)
    }
}

/// The questions in the domain's terms, unchecked, with the problems found turning them
/// (a scale without its range is left out).
pub fn build(questions: &[QuestionSpec]) -> (Questionnaire, Vec<DomainError>) {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, q) in questions.iter().enumerate() {
        let options = || {
            q.options
                .iter()
                .map(|o| Choice {
                    key: o.key.clone(),
                    label: o.label.trim().to_string(),
                })
                .collect()
        };
        let kind = match q.kind {
            QuestionType::Single => Kind::Single { options: options() },
            QuestionType::Multiple => Kind::Multiple { options: options() },
            QuestionType::Scale => match (q.min, q.max) {
                (Some(min), Some(max)) => Kind::Scale { min, max },
                _ => {
                    problems.push(missing(
                        format!("questions[{i}].max"),
                        "a scale needs min and max",
                        "量表题需要最小值和最大值",
                    ));
                    continue;
                }
            },
            QuestionType::Text => Kind::Text {
                max_chars: q.max_chars.unwrap_or(500),
            },
        };
        out.push(Question {
            key: q.key.clone(),
            text: q.text.trim().to_string(),
            kind,
            required: q.required,
            condition: q.shown_if.as_ref().map(|c| Condition {
                question: c.question.clone(),
                any_of: c.any_of.clone(),
            }),
        });
    }
    (Questionnaire { questions: out }, problems)
}

/// The questions in the API's shape.
pub fn question_specs(q: &Questionnaire) -> Vec<QuestionSpec> {
    q.questions
        .iter()
        .map(|x| {
            let (kind, options, min, max, max_chars) = match &x.kind {
                Kind::Single { options } => {
                    (QuestionType::Single, options.clone(), None, None, None)
                }
                Kind::Multiple { options } => {
                    (QuestionType::Multiple, options.clone(), None, None, None)
                }
                Kind::Scale { min, max } => {
                    (QuestionType::Scale, vec![], Some(*min), Some(*max), None)
                }
                Kind::Text { max_chars } => {
                    (QuestionType::Text, vec![], None, None, Some(*max_chars))
                }
            };
            QuestionSpec {
                key: x.key.clone(),
                text: x.text.clone(),
                kind,
                required: x.required,
                options: options
                    .into_iter()
                    .map(|o| OptionSpec {
                        key: o.key,
                        label: o.label,
                    })
                    .collect(),
                min,
                max,
                max_chars,
                shown_if: x.condition.as_ref().map(|c| ShownIf {
                    question: c.question.clone(),
                    any_of: c.any_of.clone(),
                }),
            }
        })
        .collect()
}

pub fn headline(h: &HeadlineSpec) -> Headline {
    Headline {
        question: h.question.clone(),
        label: h.label.trim().to_string(),
        good: h.good.clone(),
        good_from: h.good_from,
    }
}

pub fn headline_spec(h: &Headline) -> HeadlineSpec {
    HeadlineSpec {
        question: h.question.clone(),
        label: h.label.clone(),
        good: h.good.clone(),
        good_from: h.good_from,
    }
}

/// The sheet in the domain's terms: each value read as its question's type asks. A value of
/// the wrong shape is a problem with its field; one for no question is left for the
/// questionnaire's own check to name.
pub fn sheet(
    q: &Questionnaire,
    answers: &BTreeMap<String, AnswerValue>,
) -> Result<BTreeMap<String, Answer>, Vec<DomainError>> {
    let mut problems = Vec::new();
    let mut out = BTreeMap::new();
    for (k, v) in answers {
        let kind = q.questions.iter().find(|x| &x.key == k).map(|x| &x.kind);
        let a = match (kind, v) {
            (None, _) => Some(Answer::Text(String::new())),
            (Some(Kind::Single { .. }), AnswerValue::Word(w)) => Some(Answer::Choice(w.clone())),
            (Some(Kind::Text { .. }), AnswerValue::Word(w)) => Some(Answer::Text(w.clone())),
            (Some(Kind::Multiple { .. }), AnswerValue::Keys(ks)) => {
                Some(Answer::Choices(ks.clone()))
            }
            (Some(Kind::Scale { .. }), AnswerValue::Number(n)) => Some(Answer::Scale(*n)),
            _ => None,
        };
        match a {
            Some(a) => {
                out.insert(k.clone(), a);
            }
            None => problems.push(
                DomainError::invalid(
                    &format!("answers.{k}"),
                    "not the kind of answer this question takes",
                )
                .zh("答案类型与题目不符"),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    q.check_answers(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_templates_are_valid_surveys() {
        let t = templates();
        assert!(t.contains_key("security") && t.contains_key("satisfaction"));
        for spec in t.values() {
            let q = questionnaire(&spec.questions).expect("valid questions");
            headline(&spec.headline)
                .check(&q)
                .expect("a valid headline");
            assert_eq!(question_specs(&q), spec.questions, "round trip");
        }
    }

    #[test]
    fn a_value_of_the_wrong_shape_names_its_question() {
        let spec = &templates()["security"];
        let q = questionnaire(&spec.questions).unwrap();
        let wrong = BTreeMap::from([("safe".to_string(), AnswerValue::Number(3))]);
        let e = sheet(&q, &wrong).unwrap_err();
        assert_eq!(e[0].field.as_deref(), Some("answers.safe"));
        let unknown = BTreeMap::from([("nope".to_string(), AnswerValue::Number(3))]);
        let e = sheet(&q, &unknown).unwrap_err();
        assert!(e.iter().any(|d| d.field.as_deref() == Some("answers.nope")));
    }
}
