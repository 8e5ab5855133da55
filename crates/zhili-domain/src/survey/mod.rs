//! Surveys (安全感 / 满意度测评): a questionnaire as data — single and multiple choice, scales,
//! free text, questions shown only on an earlier answer — checked whole; an answer sheet checked
//! against it (a question not shown carries no answer); the export's columns fixed by the
//! questionnaire, not by the paths people took through it; sampling quotas per area in
//! proportion to the registered population; and estimates weighted by that population
//! (post-stratified), with their 95 % margin and a warning when the sample is too small.

use crate::DomainError;
use std::collections::BTreeMap;

mod round;
pub use round::{counters, Headline, Mode, State, ANSWERED, GOOD, HEADLINE, MODE, SHEETS};

/// Fewer answers than this in an area, and its figure is flagged as not to be relied on.
pub const MIN_SAMPLE: i64 = 30;
const MAX_QUESTIONS: usize = 100;
const MAX_OPTIONS: usize = 20;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Choice {
    pub key: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    Single {
        options: Vec<Choice>,
    },
    Multiple {
        options: Vec<Choice>,
    },
    /// A scale from `min` to `max` (a satisfaction of 1–5, a sense of security of 0–10).
    Scale {
        min: i64,
        max: i64,
    },
    Text {
        max_chars: usize,
    },
}

/// Shown only when the answer to an earlier choice question includes one of `any_of`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Condition {
    pub question: String,
    pub any_of: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Question {
    pub key: String,
    pub text: String,
    pub kind: Kind,
    pub required: bool,
    pub condition: Option<Condition>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Questionnaire {
    pub questions: Vec<Question>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Choice(String),
    Choices(Vec<String>),
    Scale(i64),
    Text(String),
}

fn bad(field: String, en: &str, zh: &str) -> DomainError {
    DomainError::invalid(&field, en).zh(zh)
}

fn key_ok(k: &str) -> bool {
    (1..=32).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Kind {
    fn options(&self) -> Option<&[Choice]> {
        match self {
            Kind::Single { options } | Kind::Multiple { options } => Some(options),
            _ => None,
        }
    }
}

impl Questionnaire {
    /// Checks the questionnaire whole; every problem with its field (`questions[2].condition`).
    pub fn check(&self) -> Result<(), Vec<DomainError>> {
        let mut problems = Vec::new();
        if self.questions.is_empty() || self.questions.len() > MAX_QUESTIONS {
            problems.push(bad(
                "questions".into(),
                "1 to 100 questions",
                "问卷应有 1 至 100 道题",
            ));
        }
        for (i, q) in self.questions.iter().enumerate() {
            let at = |f: &str| format!("questions[{i}].{f}");
            if !key_ok(&q.key) {
                problems.push(bad(
                    at("key"),
                    "1–32 letters, digits or _",
                    "题目编号应为 1–32 位字母、数字或下划线",
                ));
            } else if self.questions[..i].iter().any(|p| p.key == q.key) {
                problems.push(bad(at("key"), "a key used twice", "题目编号重复"));
            }
            if q.text.trim().is_empty() || q.text.chars().count() > 500 {
                problems.push(bad(
                    at("text"),
                    "1 to 500 characters",
                    "题目应为 1 至 500 字",
                ));
            }
            match &q.kind {
                Kind::Single { options } | Kind::Multiple { options } => {
                    if !(2..=MAX_OPTIONS).contains(&options.len()) {
                        problems.push(bad(at("options"), "2 to 20 options", "选项应为 2 至 20 个"));
                    }
                    for (j, o) in options.iter().enumerate() {
                        if !key_ok(&o.key) || options[..j].iter().any(|p| p.key == o.key) {
                            problems.push(bad(
                                at(&format!("options[{j}].key")),
                                "a unique key of letters, digits or _",
                                "选项编号应唯一",
                            ));
                        }
                        if o.label.trim().is_empty() || o.label.chars().count() > 100 {
                            problems.push(bad(
                                at(&format!("options[{j}].label")),
                                "1 to 100 characters",
                                "选项应为 1 至 100 字",
                            ));
                        }
                    }
                }
                Kind::Scale { min, max } => {
                    if !(0..=10).contains(min) || !(0..=10).contains(max) || min >= max {
                        problems.push(bad(
                            at("scale"),
                            "0 ≤ min < max ≤ 10",
                            "量表范围应在 0 至 10 之间且最小值小于最大值",
                        ));
                    }
                }
                Kind::Text { max_chars } => {
                    if !(1..=2000).contains(max_chars) {
                        problems.push(bad(at("max_chars"), "1 to 2000", "字数上限应为 1 至 2000"));
                    }
                }
            }
            if let Some(c) = &q.condition {
                // Only on an earlier choice question and options it has: a questionnaire is
                // answered in order, and a condition on what comes later could never be met.
                let earlier = self.questions[..i].iter().find(|p| p.key == c.question);
                let ok = earlier.and_then(|p| p.kind.options()).is_some_and(|opts| {
                    !c.any_of.is_empty()
                        && c.any_of.iter().all(|k| opts.iter().any(|o| &o.key == k))
                });
                if !ok {
                    problems.push(bad(
                        at("condition"),
                        "an earlier choice question and options of it",
                        "显示条件应引用前面选择题的选项",
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Whether question `q` is shown, given the answers so far.
    fn shown(q: &Question, answers: &BTreeMap<String, Answer>) -> bool {
        match &q.condition {
            None => true,
            Some(c) => match answers.get(&c.question) {
                Some(Answer::Choice(k)) => c.any_of.contains(k),
                Some(Answer::Choices(ks)) => ks.iter().any(|k| c.any_of.contains(k)),
                _ => false,
            },
        }
    }

    /// Checks an answer sheet: every shown required question answered as its kind asks, no
    /// answer to a question not shown or not in the questionnaire. Answers the sheet as kept
    /// (text trimmed, choices in the questionnaire's order).
    pub fn check_answers(
        &self,
        answers: &BTreeMap<String, Answer>,
    ) -> Result<BTreeMap<String, Answer>, Vec<DomainError>> {
        let mut problems = Vec::new();
        let mut kept = BTreeMap::new();
        for k in answers.keys() {
            if !self.questions.iter().any(|q| &q.key == k) {
                problems.push(bad(
                    format!("answers.{k}"),
                    "no such question",
                    "问卷中没有这道题",
                ));
            }
        }
        for q in &self.questions {
            let field = format!("answers.{}", q.key);
            let given = answers.get(&q.key);
            if !Self::shown(q, &kept) {
                if given.is_some() {
                    problems.push(bad(
                        field,
                        "this question is not shown for the answers given",
                        "根据前面的回答，这道题不需要作答",
                    ));
                }
                continue;
            }
            let Some(a) = given else {
                if q.required {
                    problems.push(
                        // A rule of the questionnaire, not of the body's shape: 422 with the
                        // other problems of the sheet.
                        DomainError::invalid(&field, "this question needs an answer")
                            .zh("这道题必须作答"),
                    );
                }
                continue;
            };
            let ok = match (&q.kind, a) {
                (Kind::Single { options }, Answer::Choice(k))
                    if options.iter().any(|o| &o.key == k) =>
                {
                    Some(a.clone())
                }
                (Kind::Multiple { options }, Answer::Choices(ks))
                    if !ks.is_empty() && ks.iter().all(|k| options.iter().any(|o| &o.key == k)) =>
                {
                    Some(Answer::Choices(
                        options
                            .iter()
                            .filter(|o| ks.contains(&o.key))
                            .map(|o| o.key.clone())
                            .collect(),
                    ))
                }
                (Kind::Scale { min, max }, Answer::Scale(v)) if (min..=max).contains(&v) => {
                    Some(a.clone())
                }
                (Kind::Text { max_chars }, Answer::Text(t)) => {
                    crate::text::note(&field, t, *max_chars)
                        .ok()
                        .map(Answer::Text)
                }
                _ => None,
            };
            match ok {
                Some(a) => {
                    kept.insert(q.key.clone(), a);
                }
                None => problems.push(bad(
                    field,
                    "not an answer this question takes",
                    "答案不符合题目要求",
                )),
            }
        }
        if problems.is_empty() {
            Ok(kept)
        } else {
            Err(problems)
        }
    }

    /// The export's columns: one per question, and one per option of a multiple choice — the
    /// same whatever path anyone took, so sheets of different days line up.
    pub fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        for q in &self.questions {
            match &q.kind {
                Kind::Multiple { options } => {
                    out.extend(options.iter().map(|o| format!("{}.{}", q.key, o.key)))
                }
                _ => out.push(q.key.clone()),
            }
        }
        out
    }

    /// A sheet as a row under `columns`: the option's label, the number, the text; 1/0 per
    /// option of a multiple choice; `NOT_SHOWN` where the question was not shown and empty where
    /// it was shown but not answered.
    pub fn row(&self, answers: &BTreeMap<String, Answer>) -> Vec<String> {
        let mut out = Vec::new();
        for q in &self.questions {
            let shown = Self::shown(q, answers);
            let a = answers.get(&q.key);
            match &q.kind {
                Kind::Multiple { options } => {
                    out.extend(options.iter().map(|o| match (shown, a) {
                        (false, _) => NOT_SHOWN.to_string(),
                        (true, Some(Answer::Choices(ks))) => {
                            (ks.contains(&o.key) as u8).to_string()
                        }
                        _ => String::new(),
                    }))
                }
                kind => out.push(match (shown, a) {
                    (false, _) => NOT_SHOWN.to_string(),
                    (true, Some(Answer::Choice(k))) => kind
                        .options()
                        .and_then(|opts| opts.iter().find(|o| &o.key == k))
                        .map_or_else(|| k.clone(), |o| o.label.clone()),
                    (true, Some(Answer::Scale(v))) => v.to_string(),
                    (true, Some(Answer::Text(t))) => t.clone(),
                    _ => String::new(),
                }),
            }
        }
        out
    }
}

/// What an export cell says of a question that was not shown (as opposed to left blank).
pub const NOT_SHOWN: &str = "（未显示）";

/// Sample sizes per area in proportion to its registered population (largest remainders, so
/// they add up to `total`), except that an area with people gets at least one (the sum then
/// exceeds `total` by the areas raised to one).
pub fn quotas(total: i64, population: &[(String, i64)]) -> Vec<(String, i64)> {
    let people: i64 = population.iter().map(|(_, n)| (*n).max(0)).sum();
    if total <= 0 || people == 0 {
        return population.iter().map(|(a, _)| (a.clone(), 0)).collect();
    }
    let mut out: Vec<(String, i64, i64)> = population
        .iter()
        .map(|(a, n)| {
            let exact = total * n.max(&0);
            (a.clone(), exact / people, exact % people)
        })
        .collect();
    let mut left = total - out.iter().map(|(_, q, _)| q).sum::<i64>();
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| out[b].2.cmp(&out[a].2).then(a.cmp(&b)));
    for i in order {
        if left == 0 {
            break;
        }
        out[i].1 += 1;
        left -= 1;
    }
    for (a, n) in population {
        if let Some(row) = out.iter_mut().find(|(x, _, _)| x == a) {
            if *n > 0 && row.1 == 0 {
                row.1 = 1;
            }
        }
    }
    out.into_iter().map(|(a, q, _)| (a, q)).collect()
}

/// One area's answers for a share: how many answered, and how many said yes (felt safe, were
/// satisfied).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stratum {
    pub population: i64,
    pub answered: i64,
    pub yes: i64,
}

/// A weighted share with its 95 % margin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// 0–1.
    pub share: f64,
    /// ± at 95 % confidence, 0–1.
    pub margin: f64,
    pub answered: i64,
    /// The share of the population living in areas that answered.
    pub coverage: f64,
    /// Fewer than `MIN_SAMPLE` answers: not to be relied on.
    pub too_small: bool,
}

/// The sums a weighted share is made of, added up over the strata (grids) that answered —
/// what SQL adds up from the tally without reading every answer. With wₕ = Nₕ / nₕ:
/// `covered` = Σ Nₕ, `answered` = Σ nₕ, `weighted_yes` = Σ Nₕ yesₕ / nₕ,
/// `w2_yes` = Σ wₕ² yesₕ, `w2_all` = Σ wₕ² nₕ.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sums {
    pub covered: i64,
    pub answered: i64,
    pub weighted_yes: f64,
    pub w2_yes: f64,
    pub w2_all: f64,
}

impl Sums {
    pub fn of(strata: &[Stratum]) -> Sums {
        let mut s = Sums::default();
        for h in strata.iter().filter(|h| h.answered > 0 && h.population > 0) {
            let w = h.population as f64 / h.answered as f64;
            let yes = h.yes.clamp(0, h.answered) as f64;
            s.covered += h.population;
            s.answered += h.answered;
            s.weighted_yes += w * yes;
            s.w2_yes += w * w * yes;
            s.w2_all += w * w * h.answered as f64;
        }
        s
    }

    /// The share p = Σ Nₕ pₕ / Σ Nₕ (post-stratified by registered population) and its 95 %
    /// margin from the weighted answers' own spread (Taylor linearisation):
    /// Var(p) ≈ n/(n − 1) · Σ wᵢ² (yᵢ − p)² / (Σ Nₕ)² · (1 − n/N), where the sum over answers
    /// is w2_yes (1 − p)² + (w2_all − w2_yes) p². The stratified formula Σ Wₕ² pₕ(1 − pₕ)/nₕ would
    /// claim almost no error when a grid has one or two answers (each pₕ then 0 or 1), which
    /// is the usual case with quotas per grid; this one does not. `population` is the whole
    /// area's, for the coverage. None when nobody answered.
    pub fn estimate(&self, population: i64) -> Option<Estimate> {
        if self.covered <= 0 || self.answered <= 0 {
            return None;
        }
        let covered = self.covered as f64;
        let share = self.weighted_yes / covered;
        let spread =
            self.w2_yes * (1.0 - share).powi(2) + (self.w2_all - self.w2_yes) * share.powi(2);
        let n = self.answered;
        let variance = if n > 1 {
            let fpc = (1.0 - n as f64 / covered).max(0.0);
            n as f64 / (n - 1) as f64 * spread.max(0.0) / (covered * covered) * fpc
        } else {
            0.0
        };
        Some(Estimate {
            share,
            margin: 1.96 * variance.sqrt(),
            answered: n,
            coverage: covered / population.max(1) as f64,
            too_small: n < MIN_SAMPLE,
        })
    }
}

/// The share over strata weighted by their registered population (`Sums::estimate`).
pub fn weighted_share(strata: &[Stratum]) -> Option<Estimate> {
    let population: i64 = strata.iter().map(|s| s.population.max(0)).sum();
    let answered: i64 = strata.iter().map(|s| s.answered).sum();
    Sums::of(strata).estimate(population).map(|e| Estimate {
        answered,
        too_small: answered < MIN_SAMPLE,
        ..e
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn choice(key: &str) -> Choice {
        Choice {
            key: key.into(),
            label: format!("选项{key}"),
        }
    }

    fn sample() -> Questionnaire {
        Questionnaire {
            questions: vec![
                Question {
                    key: "safe".into(),
                    text: "您觉得本地治安如何？".into(),
                    kind: Kind::Single {
                        options: vec![choice("yes"), choice("no")],
                    },
                    required: true,
                    condition: None,
                },
                Question {
                    key: "why".into(),
                    text: "哪些方面让您觉得不安全？".into(),
                    kind: Kind::Multiple {
                        options: vec![choice("theft"), choice("fraud"), choice("traffic")],
                    },
                    required: true,
                    condition: Some(Condition {
                        question: "safe".into(),
                        any_of: vec!["no".into()],
                    }),
                },
                Question {
                    key: "score".into(),
                    text: "满意度打分".into(),
                    kind: Kind::Scale { min: 1, max: 5 },
                    required: true,
                    condition: None,
                },
                Question {
                    key: "note".into(),
                    text: "意见建议".into(),
                    kind: Kind::Text { max_chars: 200 },
                    required: false,
                    condition: None,
                },
            ],
        }
    }

    fn sheet(pairs: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
        pairs
            .iter()
            .map(|(k, a)| (k.to_string(), a.clone()))
            .collect()
    }

    #[test]
    fn a_questionnaire_is_checked_whole_conditions_only_on_earlier_choices() {
        assert!(sample().check().is_ok());
        let mut q = sample();
        q.questions[1].condition = Some(Condition {
            question: "score".into(),
            any_of: vec!["1".into()],
        });
        q.questions[3].key = "safe".into();
        q.questions[2].kind = Kind::Scale { min: 5, max: 5 };
        let fields: Vec<String> = q
            .check()
            .unwrap_err()
            .into_iter()
            .filter_map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "questions[1].condition",
                "questions[2].scale",
                "questions[3].key"
            ]
        );
        let mut later = sample();
        later.questions[0].condition = Some(Condition {
            question: "why".into(),
            any_of: vec!["theft".into()],
        });
        assert!(later.check().is_err(), "a condition on a later question");
    }

    #[test]
    fn answers_follow_the_path_a_question_not_shown_takes_none() {
        let q = sample();
        let ok = q
            .check_answers(&sheet(&[
                ("safe", Answer::Choice("yes".into())),
                ("score", Answer::Scale(4)),
            ]))
            .unwrap();
        assert_eq!(ok.len(), 2);
        // Said unsafe: why must be answered; said safe: why must not be.
        let e = q
            .check_answers(&sheet(&[
                ("safe", Answer::Choice("no".into())),
                ("score", Answer::Scale(2)),
            ]))
            .unwrap_err();
        assert_eq!(
            (e[0].code, e[0].field.as_deref()),
            (ErrorCode::InvalidParameter, Some("answers.why"))
        );
        let e = q
            .check_answers(&sheet(&[
                ("safe", Answer::Choice("yes".into())),
                ("why", Answer::Choices(vec!["theft".into()])),
                ("score", Answer::Scale(5)),
            ]))
            .unwrap_err();
        assert_eq!(e[0].field.as_deref(), Some("answers.why"));
        let kept = q
            .check_answers(&sheet(&[
                ("safe", Answer::Choice("no".into())),
                (
                    "why",
                    Answer::Choices(vec!["traffic".into(), "theft".into()]),
                ),
                ("score", Answer::Scale(1)),
                ("note", Answer::Text("  路灯少 ".into())),
            ]))
            .unwrap();
        assert_eq!(
            kept["why"],
            Answer::Choices(vec!["theft".into(), "traffic".into()]),
            "in the questionnaire's order"
        );
        assert_eq!(kept["note"], Answer::Text("路灯少".into()));
        for bad in [
            ("score", Answer::Scale(6)),
            ("safe", Answer::Choice("maybe".into())),
            ("extra", Answer::Scale(1)),
        ] {
            let mut s = sheet(&[
                ("safe", Answer::Choice("yes".into())),
                ("score", Answer::Scale(3)),
            ]);
            s.insert(bad.0.into(), bad.1);
            assert!(q.check_answers(&s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn the_export_has_the_same_columns_whatever_the_path() {
        let q = sample();
        assert_eq!(
            q.columns(),
            [
                "safe",
                "why.theft",
                "why.fraud",
                "why.traffic",
                "score",
                "note"
            ]
        );
        let safe = q.row(&sheet(&[
            ("safe", Answer::Choice("yes".into())),
            ("score", Answer::Scale(5)),
        ]));
        let unsafe_ = q.row(&sheet(&[
            ("safe", Answer::Choice("no".into())),
            ("why", Answer::Choices(vec!["fraud".into()])),
            ("score", Answer::Scale(2)),
        ]));
        assert_eq!(safe.len(), q.columns().len());
        assert_eq!(unsafe_.len(), q.columns().len());
        assert_eq!(safe, ["选项yes", NOT_SHOWN, NOT_SHOWN, NOT_SHOWN, "5", ""]);
        assert_eq!(unsafe_, ["选项no", "0", "1", "0", "2", ""]);
    }

    #[test]
    fn quotas_follow_the_population_and_add_up() {
        let pop = vec![
            ("a".to_string(), 5000),
            ("b".to_string(), 3000),
            ("c".to_string(), 1990),
            ("d".to_string(), 10),
        ];
        let q = quotas(100, &pop);
        assert_eq!(
            q.iter().map(|(_, n)| n).sum::<i64>(),
            101,
            "one more for the smallest: {q:?}"
        );
        assert_eq!(q[0], ("a".into(), 50));
        assert_eq!(q[2], ("c".into(), 20), "the largest remainder");
        assert_eq!(q[3].1, 1, "an area with people gets at least one");
        assert!(quotas(10, &[("x".into(), 0)]).iter().all(|(_, n)| *n == 0));
    }

    #[test]
    fn a_weighted_share_follows_the_population_not_the_sample() {
        // A big area (9,000) where 60 % feel safe, sampled lightly; a small one (1,000) where
        // all do, sampled heavily. Unweighted: 81 %; weighted by population: 64 %.
        let strata = [
            Stratum {
                population: 9000,
                answered: 100,
                yes: 60,
            },
            Stratum {
                population: 1000,
                answered: 200,
                yes: 200,
            },
        ];
        let e = weighted_share(&strata).unwrap();
        assert!((e.share - 0.64).abs() < 1e-9, "{e:?}");
        assert!(e.margin > 0.08 && e.margin < 0.09, "{e:?}");
        assert!(!e.too_small);
        assert_eq!(e.coverage, 1.0);
        let thin = weighted_share(&[
            Stratum {
                population: 500,
                answered: 12,
                yes: 11,
            },
            Stratum {
                population: 500,
                answered: 0,
                yes: 0,
            },
        ])
        .unwrap();
        assert!(thin.too_small);
        assert_eq!(thin.coverage, 0.5);
        // One answer in each of 400 grids of equal size, 90 % yes: each grid's own share is 0
        // or 1, yet the margin is about a simple sample's (±2.9 %), not zero.
        let single: Vec<Stratum> = (0..400)
            .map(|i| Stratum {
                population: 60,
                answered: 1,
                yes: (i % 10 != 0) as i64,
            })
            .collect();
        let e = weighted_share(&single).unwrap();
        assert!((e.share - 0.9).abs() < 1e-9);
        assert!(e.margin > 0.025 && e.margin < 0.03, "{e:?}");
        assert_eq!(
            weighted_share(&[Stratum {
                population: 10,
                answered: 0,
                yes: 0
            }]),
            None
        );
    }
}
