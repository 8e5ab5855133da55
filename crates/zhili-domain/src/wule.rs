//! 五乐社区: the seed's five dimensions (乐学养心, 乐居舒心, 乐业安心, 乐善暖心, 乐和齐心) as an
//! evaluation scheme kept as data; a village's (community's) annual self-assessment, item by
//! item with its evidence; the town's review, which may change an item's points only with a
//! reason, or return it; the grade from the final total.

use crate::error::{DomainError, ErrorCode};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub key: String,
    pub text: String,
    pub max: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimension {
    pub key: String,
    pub name: String,
    pub items: Vec<Criterion>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    pub dimensions: Vec<Dimension>,
}

/// An item's points with what shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub item: String,
    pub points: i64,
    #[serde(default)]
    pub evidence: String,
}

/// The town's change to an item, with its reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    pub item: String,
    pub points: i64,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    Submitted,
    Returned,
    Reviewed,
}

impl State {
    pub const ALL: [State; 4] = [
        State::Draft,
        State::Submitted,
        State::Returned,
        State::Reviewed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Returned => "returned",
            State::Reviewed => "reviewed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            State::Draft => "自评中",
            State::Submitted => "待镇街审核",
            State::Returned => "已退回",
            State::Reviewed => "已审定",
        }
    }

    /// The village edits and submits its own while it is not with the town or decided.
    pub fn village_may_edit(self) -> bool {
        matches!(self, State::Draft | State::Returned)
    }
}

/// The grade of a total out of 100.
pub fn grade(total: i64) -> &'static str {
    match total {
        90.. => "五乐示范社区",
        80..=89 => "五乐达标社区",
        60..=79 => "基本达标",
        _ => "未达标",
    }
}

fn invalid(field: &str, en: impl Into<String>, zh: impl Into<String>) -> DomainError {
    DomainError::invalid(field, en).zh(zh)
}

impl Scheme {
    fn criterion(&self, key: &str) -> Option<&Criterion> {
        self.dimensions
            .iter()
            .flat_map(|d| d.items.iter())
            .find(|c| c.key == key)
    }

    pub fn items(&self) -> impl Iterator<Item = &Criterion> {
        self.dimensions.iter().flat_map(|d| d.items.iter())
    }

    /// A scheme holds five dimensions with items whose maxima add up to 100, each key once.
    pub fn check(&self) -> Result<(), Vec<DomainError>> {
        let mut p = Vec::new();
        if self.dimensions.len() != 5 {
            p.push(invalid("dimensions", "the five 乐", "应为五个维度"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, d) in self.dimensions.iter().enumerate() {
            if d.items.is_empty() {
                p.push(invalid(
                    &format!("dimensions[{i}].items"),
                    "at least one item",
                    "每个维度至少一项",
                ));
            }
            for (j, c) in d.items.iter().enumerate() {
                if !seen.insert(c.key.as_str()) {
                    p.push(invalid(
                        &format!("dimensions[{i}].items[{j}].key"),
                        "used twice",
                        "编号重复",
                    ));
                }
                if !(1..=100).contains(&c.max) {
                    p.push(invalid(
                        &format!("dimensions[{i}].items[{j}].max"),
                        "1 to 100",
                        "分值应为1至100",
                    ));
                }
            }
        }
        let total: i64 = self.items().map(|c| c.max).sum();
        if total != 100 {
            p.push(invalid(
                "dimensions",
                format!("items add up to {total}, not 100"),
                format!("各项分值合计{total}，应为100"),
            ));
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(p)
        }
    }

    /// A self-assessment checked: every item of the scheme once, within its points, evidence
    /// for every point claimed. Answers the scores in the scheme's order and their total.
    pub fn self_assessment(&self, scores: &[Score]) -> Result<(Vec<Score>, i64), Vec<DomainError>> {
        self.assessed(scores, true)
    }

    /// A draft: what is scored is checked as a submission's would be, but items may be left
    /// unscored and evidence may come later.
    pub fn draft(&self, scores: &[Score]) -> Result<(Vec<Score>, i64), Vec<DomainError>> {
        self.assessed(scores, false)
    }

    fn assessed(
        &self,
        scores: &[Score],
        complete: bool,
    ) -> Result<(Vec<Score>, i64), Vec<DomainError>> {
        let mut p = Vec::new();
        for (i, s) in scores.iter().enumerate() {
            if self.criterion(&s.item).is_none() {
                p.push(invalid(
                    &format!("scores[{i}].item"),
                    format!("no item {}", s.item),
                    "评价细则中没有该项",
                ));
            }
            if scores.iter().filter(|o| o.item == s.item).count() > 1 {
                p.push(invalid(
                    &format!("scores[{i}].item"),
                    "scored twice",
                    "同一项只能评一次",
                ));
            }
        }
        let mut out = Vec::new();
        for c in self.items() {
            let Some((i, s)) = scores.iter().enumerate().find(|(_, s)| s.item == c.key) else {
                if !complete {
                    continue;
                }
                p.push(invalid(
                    &format!("scores.{}", c.key),
                    format!("{} is not scored", c.text),
                    format!("“{}”未评分", c.text),
                ));
                continue;
            };
            if !(0..=c.max).contains(&s.points) {
                p.push(invalid(
                    &format!("scores[{i}].points"),
                    format!("0 to {}", c.max),
                    format!("应为0至{}分", c.max),
                ));
            }
            let evidence = s.evidence.trim().to_string();
            if complete && s.points > 0 && evidence.is_empty() {
                p.push(invalid(
                    &format!("scores[{i}].evidence"),
                    "say what shows it",
                    "得分须附佐证说明",
                ));
            } else if evidence.chars().count() > 500
                || crate::text::first_forbidden(&evidence).is_some()
            {
                p.push(invalid(
                    &format!("scores[{i}].evidence"),
                    "at most 500 characters of text",
                    "佐证说明至多500字",
                ));
            }
            out.push(Score {
                item: c.key.clone(),
                points: s.points,
                evidence,
            });
        }
        if p.is_empty() {
            let total = out.iter().map(|s| s.points).sum();
            Ok((out, total))
        } else {
            Err(p)
        }
    }

    /// The town's review applied: each change within the item's points, with a reason, once;
    /// answers the final scores and total.
    pub fn review(
        &self,
        own: &[Score],
        changes: &[Adjustment],
    ) -> Result<(Vec<Score>, i64), Vec<DomainError>> {
        let mut p = Vec::new();
        let mut out = own.to_vec();
        for (i, a) in changes.iter().enumerate() {
            let Some(c) = self.criterion(&a.item) else {
                p.push(invalid(
                    &format!("adjustments[{i}].item"),
                    format!("no item {}", a.item),
                    "评价细则中没有该项",
                ));
                continue;
            };
            if changes.iter().filter(|o| o.item == a.item).count() > 1 {
                p.push(invalid(
                    &format!("adjustments[{i}].item"),
                    "changed twice",
                    "同一项只能调整一次",
                ));
            }
            if !(0..=c.max).contains(&a.points) {
                p.push(invalid(
                    &format!("adjustments[{i}].points"),
                    format!("0 to {}", c.max),
                    format!("应为0至{}分", c.max),
                ));
            }
            if let Err(e) = crate::text::note(&format!("adjustments[{i}].reason"), &a.reason, 300) {
                p.push(e.zh("调整分值须说明理由"));
            }
            if let Some(s) = out.iter_mut().find(|s| s.item == a.item) {
                s.points = a.points;
            }
        }
        if p.is_empty() {
            let total = out.iter().map(|s| s.points).sum();
            Ok((out, total))
        } else {
            Err(p)
        }
    }
}

/// Whether an evaluation may move from one state to another.
pub fn step(from: State, to: State) -> Result<(), DomainError> {
    use State as S;
    match (from, to) {
        (S::Draft | S::Returned, S::Submitted) | (S::Submitted, S::Reviewed | S::Returned) => {
            Ok(())
        }
        _ => Err(DomainError::new(
            ErrorCode::InvalidTransition,
            format!(
                "an evaluation that is {} cannot become {}",
                from.as_str(),
                to.as_str()
            ),
        )
        .zh(format!("该评价{}，不能进行此操作", from.label_zh()))),
    }
}

#[cfg(test)]
mod tests;
