//! A survey round: its states (drafted, open for answers, closed, its results published to
//! residents), the three ways an answer comes in, the headline figure (the share who feel safe
//! or are satisfied) and the tally of answer sheets into weighted shares per area.

use super::{Answer, Kind, Questionnaire};
use crate::{DomainError, ErrorCode};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Draft,
    Open,
    Closed,
    Published,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Open => "open",
            State::Closed => "closed",
            State::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        [State::Draft, State::Open, State::Closed, State::Published]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "草稿",
            State::Open => "调查中",
            State::Closed => "已结束",
            State::Published => "已公布",
        }
    }

    /// The one step from here: a draft opens, an open round closes, a closed one is published.
    /// Nothing goes back — answers given under a questionnaire stay under it.
    pub fn step(self, to: State) -> Result<State, DomainError> {
        let ok = matches!(
            (self, to),
            (State::Draft, State::Open)
                | (State::Open, State::Closed)
                | (State::Closed, State::Published)
        );
        if ok {
            Ok(to)
        } else {
            Err(DomainError::new(
                ErrorCode::InvalidTransition,
                format!("a {} survey cannot become {}", self.as_str(), to.as_str()),
            )
            .zh(format!("{}的测评不能转为{}", self.label(), to.label())))
        }
    }
}

/// How an answer came in: the resident online, a grid worker at the door, the desk by
/// telephone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Online,
    Door,
    Phone,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Online, Mode::Door, Mode::Phone];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Online => "online",
            Mode::Door => "door",
            Mode::Phone => "phone",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Mode::Online => "网上填答",
            Mode::Door => "入户调查",
            Mode::Phone => "电话访问",
        }
    }
}

/// The figure the round is published by: the share whose answer to `question` is one of
/// `good` (a choice) or at least `good_from` (a scale).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Headline {
    pub question: String,
    pub label: String,
    #[serde(default)]
    pub good: Vec<String>,
    #[serde(default)]
    pub good_from: Option<i64>,
}

impl Headline {
    /// Checks it against the questionnaire: a question asked of everyone (no condition,
    /// required), a single choice with `good` among its options or a scale with `good_from`
    /// inside it.
    pub fn check(&self, q: &Questionnaire) -> Result<(), DomainError> {
        let bad = |en: &str, zh: &str| DomainError::invalid("headline", en).zh(zh);
        if self.label.trim().is_empty() || self.label.chars().count() > 30 {
            return Err(bad(
                "a label of 1 to 30 characters",
                "主要指标名称应为 1 至 30 字",
            ));
        }
        let Some(question) = q.questions.iter().find(|x| x.key == self.question) else {
            return Err(bad("no such question", "主要指标引用的题目不存在"));
        };
        if question.condition.is_some() || !question.required {
            return Err(bad(
                "the headline question must be asked of everyone and required",
                "主要指标应取自人人必答的题目",
            ));
        }
        let ok = match &question.kind {
            Kind::Single { options } => {
                self.good_from.is_none()
                    && !self.good.is_empty()
                    && self
                        .good
                        .iter()
                        .all(|g| options.iter().any(|o| &o.key == g))
            }
            Kind::Scale { min, max } => {
                self.good.is_empty() && self.good_from.is_some_and(|g| (*min..=*max).contains(&g))
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(bad(
                "a single choice with good options, or a scale with the value good starts from",
                "主要指标应为单选题的满意选项或量表的满意起点",
            ))
        }
    }

    /// Whether a sheet counts as good; None where the question went unanswered.
    pub fn verdict(&self, answers: &BTreeMap<String, Answer>) -> Option<bool> {
        match answers.get(&self.question)? {
            Answer::Choice(k) => Some(self.good.contains(k)),
            Answer::Scale(v) => Some(self.good_from.is_some_and(|g| *v >= g)),
            _ => None,
        }
    }
}

/// The counters a sheet adds to its grid's tally: `("#sheets", "#answered")`; per question
/// answered `(key, "#answered")` and one `(key, value)` per value given (an option's key, a
/// scale's number; nothing for free text); the headline's `("#headline", "#answered")` and
/// `("#headline", "good")`; its mode `("#mode", mode)`. Results add these up per area.
pub fn counters(
    headline: &Headline,
    answers: &BTreeMap<String, Answer>,
    mode: Mode,
) -> Vec<(String, String)> {
    let mut out = vec![
        (SHEETS.to_string(), ANSWERED.to_string()),
        (MODE.to_string(), ANSWERED.to_string()),
        (MODE.to_string(), mode.as_str().to_string()),
    ];
    if let Some(good) = headline.verdict(answers) {
        out.push((HEADLINE.to_string(), ANSWERED.to_string()));
        if good {
            out.push((HEADLINE.to_string(), GOOD.to_string()));
        }
    }
    for (k, a) in answers {
        out.push((k.clone(), ANSWERED.to_string()));
        match a {
            Answer::Choice(c) => out.push((k.clone(), c.clone())),
            Answer::Choices(cs) => out.extend(cs.iter().map(|c| (k.clone(), c.clone()))),
            Answer::Scale(v) => out.push((k.clone(), v.to_string())),
            Answer::Text(_) => {}
        }
    }
    out
}

/// The counter of how many answered (a question, the headline, sheets at all).
pub const ANSWERED: &str = "#answered";
pub const SHEETS: &str = "#sheets";
pub const HEADLINE: &str = "#headline";
pub const GOOD: &str = "good";
pub const MODE: &str = "#mode";

#[cfg(test)]
mod tests {
    use super::super::{Choice, Question};
    use super::*;

    fn questionnaire() -> Questionnaire {
        Questionnaire {
            questions: vec![
                Question {
                    key: "safe".into(),
                    text: "您觉得安全吗？".into(),
                    kind: Kind::Single {
                        options: vec![
                            Choice {
                                key: "yes".into(),
                                label: "安全".into(),
                            },
                            Choice {
                                key: "no".into(),
                                label: "不安全".into(),
                            },
                        ],
                    },
                    required: true,
                    condition: None,
                },
                Question {
                    key: "score".into(),
                    text: "打分".into(),
                    kind: Kind::Scale { min: 1, max: 5 },
                    required: false,
                    condition: None,
                },
            ],
        }
    }

    fn safe() -> Headline {
        Headline {
            question: "safe".into(),
            label: "安全感".into(),
            good: vec!["yes".into()],
            good_from: None,
        }
    }

    fn sheet(safe: &str) -> BTreeMap<String, Answer> {
        BTreeMap::from([("safe".to_string(), Answer::Choice(safe.into()))])
    }

    #[test]
    fn a_round_only_moves_forward_one_step() {
        assert_eq!(State::Draft.step(State::Open).unwrap(), State::Open);
        assert_eq!(State::Open.step(State::Closed).unwrap(), State::Closed);
        assert_eq!(
            State::Closed.step(State::Published).unwrap(),
            State::Published
        );
        for (from, to) in [
            (State::Draft, State::Published),
            (State::Open, State::Published),
            (State::Closed, State::Open),
            (State::Published, State::Closed),
            (State::Open, State::Open),
        ] {
            assert_eq!(
                from.step(to).unwrap_err().code,
                ErrorCode::InvalidTransition
            );
        }
    }

    #[test]
    fn the_headline_must_be_a_question_everyone_answers() {
        let q = questionnaire();
        assert!(safe().check(&q).is_ok());
        let on_optional = Headline {
            question: "score".into(),
            good: vec![],
            good_from: Some(4),
            ..safe()
        };
        assert!(on_optional.check(&q).is_err(), "an optional question");
        let unknown_option = Headline {
            good: vec!["maybe".into()],
            ..safe()
        };
        assert!(unknown_option.check(&q).is_err());
        let both = Headline {
            good_from: Some(1),
            ..safe()
        };
        assert!(both.check(&q).is_err());
        let mut required = q.clone();
        required.questions[1].required = true;
        let scale = Headline {
            question: "score".into(),
            good: vec![],
            good_from: Some(4),
            ..safe()
        };
        assert!(scale.check(&required).is_ok());
        let outside = Headline {
            good_from: Some(6),
            ..scale.clone()
        };
        assert!(outside.check(&required).is_err());
        let mut s = sheet("yes");
        s.insert("score".into(), Answer::Scale(3));
        assert_eq!(scale.verdict(&s), Some(false));
        s.insert("score".into(), Answer::Scale(4));
        assert_eq!(scale.verdict(&s), Some(true));
        assert_eq!(scale.verdict(&sheet("no")), None);
    }

    #[test]
    fn a_sheet_counts_what_it_answered_and_its_headline() {
        let mut sheet = sheet("no");
        sheet.insert("score".into(), Answer::Scale(2));
        let c = counters(&safe(), &sheet, Mode::Door);
        let has = |q: &str, v: &str| c.iter().any(|(a, b)| a == q && b == v);
        assert!(has(SHEETS, ANSWERED) && has(MODE, "door"));
        assert!(
            has(HEADLINE, ANSWERED) && !has(HEADLINE, GOOD),
            "rated, not good"
        );
        assert!(has("safe", ANSWERED) && has("safe", "no") && has("score", "2"));
        assert_eq!(c.len(), 8);
    }
}
