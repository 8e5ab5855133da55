//! What a reviewer puts into the assessment and what a unit may answer back: a reviewer's score
//! of an item the scheme leaves to review (制度机制建设), or a figure the system cannot count
//! itself (群众安全感 from the survey, 重大案事件, 创新项目, 名次变化), each with its basis and
//! evidence and signed by the reviewer's recorded action; and, once the result is published, a
//! unit's appeal (申诉) against one line of its sheet, upheld with a corrected score or
//! rejected, with reasons — recorded beside the frozen result, never rewriting it.

use super::{bad, text, Figure, Rule, Scheme};
use crate::DomainError;

/// The longest basis, appeal reason or decision reason.
pub const MAX_REASON: usize = 2000;

/// What a review sets: a reviewer-scored item's score, or a figure's value for the unit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reviewed {
    Item(String),
    Figure(Figure),
}

impl Reviewed {
    /// As kept: the item's code, or `figure:` and the figure's name.
    pub fn key(&self) -> String {
        match self {
            Reviewed::Item(code) => code.clone(),
            Reviewed::Figure(f) => format!("figure:{}", f.as_str()),
        }
    }

    pub fn from_key(key: &str) -> Option<Reviewed> {
        match key.strip_prefix("figure:") {
            Some(f) => Figure::parse(f).map(Reviewed::Figure),
            None => Some(Reviewed::Item(key.to_string())),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReviewDraft {
    pub reviewed: Reviewed,
    pub value: f64,
    pub basis: String,
}

/// The bounds a reviewer-entered figure's value keeps, and whether it is a whole number.
fn figure_bounds(figure: Figure) -> (f64, f64, bool) {
    match figure {
        Figure::SecuritySense => (0.0, 100.0, false),
        Figure::RankChange => (-100.0, 100.0, true),
        _ => (0.0, 1000.0, true),
    }
}

impl ReviewDraft {
    /// Checked against the scheme in force: an item it leaves to review, scored within its
    /// points; or a figure it reads that the system does not count, within its bounds.
    pub fn check(self, scheme: &Scheme) -> Result<ReviewDraft, DomainError> {
        if !self.value.is_finite() {
            return Err(bad("value", "a number", "分值应为数字"));
        }
        match &self.reviewed {
            Reviewed::Item(code) => {
                let item = scheme
                    .leaves()
                    .find(|l| &l.code == code && l.rule == Some(Rule::Manual))
                    .ok_or_else(|| {
                        bad(
                            "item",
                            format!("the scheme has no reviewer-scored item {code}"),
                            "考核方案中没有这个评审评分项目",
                        )
                    })?;
                if !(0.0..=item.points).contains(&self.value) {
                    return Err(bad(
                        "value",
                        format!("0 to {} points", item.points),
                        format!("评分应在 0 至 {} 分之间", item.points),
                    ));
                }
            }
            Reviewed::Figure(figure) => {
                if figure.automatic() {
                    return Err(bad(
                        "figure",
                        format!("{figure} is computed from the record, not entered"),
                        format!("{}由系统统计，不能录入", figure.label_zh()),
                    ));
                }
                if !scheme.figures().contains(figure) {
                    return Err(bad(
                        "figure",
                        format!("the scheme does not read {figure}"),
                        format!("考核方案不使用{}", figure.label_zh()),
                    ));
                }
                let (low, high, whole) = figure_bounds(*figure);
                if !(low..=high).contains(&self.value) || (whole && self.value.fract() != 0.0) {
                    let kind = if whole { "whole number" } else { "number" };
                    return Err(bad(
                        "value",
                        format!("a {kind} from {low} to {high}"),
                        format!("{}应在 {low} 至 {high} 之间", figure.label_zh()),
                    ));
                }
            }
        }
        Ok(ReviewDraft {
            basis: text("basis", &self.basis, MAX_REASON, "评分依据")?,
            ..self
        })
    }
}

/// The line of a scheme an appeal may name: a scored item (a leaf) or an adjustment, with the
/// most and least it can score (an adjustment may take points off).
pub fn appealable(scheme: &Scheme, code: &str) -> Option<(f64, f64)> {
    if let Some(leaf) = scheme.leaves().find(|l| l.code == code) {
        return Some((0.0, leaf.points));
    }
    scheme
        .adjustments
        .iter()
        .find(|a| a.code() == code)
        .map(|a| {
            use super::Adjustment::*;
            match a {
                Bonus { cap, .. } => (0.0, *cap),
                Veto { penalty, .. } => (-*penalty, 0.0),
                RankChange { cap, .. } => (-*cap, *cap),
            }
        })
}

/// A unit's appeal against a line of its published sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct AppealDraft {
    pub item: String,
    pub reason: String,
}

impl AppealDraft {
    pub fn check(self, scheme: &Scheme) -> Result<AppealDraft, DomainError> {
        let item = self.item.trim().to_string();
        if appealable(scheme, &item).is_none() {
            return Err(bad(
                "item",
                format!("no scored item or adjustment {item} in the scheme"),
                "考核方案中没有这个计分项目",
            ));
        }
        Ok(AppealDraft {
            item,
            reason: text("reason", &self.reason, MAX_REASON, "申诉理由")?,
        })
    }
}

/// The pilot office's answer to an appeal: upheld with the score the line should have had,
/// or rejected (no score).
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub upheld: bool,
    pub score: Option<f64>,
    pub reason: String,
}

impl Decision {
    /// Checked for the appealed line of `scheme`: an upheld appeal names a score within the
    /// line's range; a rejected one none.
    pub fn check(self, scheme: &Scheme, item: &str) -> Result<Decision, DomainError> {
        let (low, high) = appealable(scheme, item).ok_or_else(|| {
            bad(
                "item",
                format!("the scheme no longer scores {item}"),
                "考核方案中已没有这个计分项目",
            )
        })?;
        match (self.upheld, self.score) {
            (true, None) => {
                return Err(bad(
                    "score",
                    "an upheld appeal names the corrected score",
                    "申诉成立时应填写更正后的得分",
                ))
            }
            (true, Some(s)) if !(s.is_finite() && (low..=high).contains(&s)) => {
                return Err(bad(
                    "score",
                    format!("{low} to {high} points"),
                    format!("更正后的得分应在 {low} 至 {high} 分之间"),
                ))
            }
            (false, Some(_)) => {
                return Err(bad(
                    "score",
                    "a rejected appeal changes no score",
                    "申诉不成立时不更正得分",
                ))
            }
            _ => {}
        }
        Ok(Decision {
            reason: text("reason", &self.reason, MAX_REASON, "处理意见")?,
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme() -> Scheme {
        serde_json::from_value::<Scheme>(serde_json::json!({
            "year": 2026, "group": "towns", "name": "镇街考核", "lead_share": 1.0,
            "partner_share": 0.5,
            "items": [
                {"code": "A", "name": "目标", "points": 90, "rule": {"kind": "survey", "figure": "security_sense", "threshold": 95, "per_point": 2}},
                {"code": "B", "name": "制度机制", "points": 10, "rule": {"kind": "manual"}}
            ],
            "adjustments": [
                {"kind": "veto", "code": "V", "name": "重大案事件", "figure": "major_incidents", "penalty": 20},
                {"kind": "rank_change", "code": "R", "name": "名次变化", "figure": "rank_change", "per_place": 0.5, "cap": 3}
            ]
        }))
        .unwrap()
        .check()
        .unwrap()
    }

    fn review(reviewed: Reviewed, value: f64) -> Result<ReviewDraft, DomainError> {
        ReviewDraft {
            reviewed,
            value,
            basis: " 查阅台账资料 ".into(),
        }
        .check(&scheme())
    }

    #[test]
    fn a_review_scores_a_manual_item_within_its_points() {
        let r = review(Reviewed::Item("B".into()), 8.5).unwrap();
        assert_eq!(r.basis, "查阅台账资料");
        assert_eq!(
            review(Reviewed::Item("B".into()), 10.5)
                .unwrap_err()
                .field
                .as_deref(),
            Some("value")
        );
        assert_eq!(
            review(Reviewed::Item("B".into()), f64::NAN)
                .unwrap_err()
                .field
                .as_deref(),
            Some("value")
        );
        // A figure-scored item is not the reviewer's to score.
        assert_eq!(
            review(Reviewed::Item("A".into()), 5.0)
                .unwrap_err()
                .field
                .as_deref(),
            Some("item")
        );
        assert_eq!(
            review(Reviewed::Item("Z".into()), 5.0)
                .unwrap_err()
                .field
                .as_deref(),
            Some("item")
        );
    }

    #[test]
    fn a_review_enters_only_figures_the_record_does_not_hold_and_the_scheme_reads() {
        assert!(review(Reviewed::Figure(Figure::SecuritySense), 96.4).is_ok());
        assert!(review(Reviewed::Figure(Figure::RankChange), -3.0).is_ok());
        let field = |f, v| review(Reviewed::Figure(f), v).unwrap_err().field;
        assert_eq!(field(Figure::OnTimeRate, 90.0).as_deref(), Some("figure"));
        assert_eq!(field(Figure::Innovations, 2.0).as_deref(), Some("figure"));
        assert_eq!(
            field(Figure::SecuritySense, 101.0).as_deref(),
            Some("value")
        );
        assert_eq!(field(Figure::MajorIncidents, 1.5).as_deref(), Some("value"));
        assert_eq!(
            field(Figure::MajorIncidents, -1.0).as_deref(),
            Some("value")
        );
        let no_basis = ReviewDraft {
            reviewed: Reviewed::Item("B".into()),
            value: 5.0,
            basis: "  ".into(),
        };
        assert_eq!(
            no_basis.check(&scheme()).unwrap_err().field.as_deref(),
            Some("basis")
        );
    }

    #[test]
    fn a_reviewed_key_reads_back() {
        for r in [
            Reviewed::Item("B".into()),
            Reviewed::Figure(Figure::RankChange),
        ] {
            assert_eq!(Reviewed::from_key(&r.key()), Some(r));
        }
        assert_eq!(Reviewed::from_key("figure:nonsense"), None);
    }

    #[test]
    fn an_appeal_names_a_scored_line_and_a_decision_its_corrected_score() {
        let s = scheme();
        let appeal = |item: &str, reason: &str| {
            AppealDraft {
                item: item.into(),
                reason: reason.into(),
            }
            .check(&s)
        };
        assert!(appeal("B", "台账已补齐，评分未采纳").is_ok());
        assert!(appeal("V", "该案件不属于本镇").is_ok());
        assert_eq!(
            appeal("Q", "理由").unwrap_err().field.as_deref(),
            Some("item")
        );
        assert_eq!(
            appeal("B", " ").unwrap_err().field.as_deref(),
            Some("reason")
        );

        let decide = |upheld, score, item: &str| {
            Decision {
                upheld,
                score,
                reason: "经复核".into(),
            }
            .check(&s, item)
        };
        assert!(decide(true, Some(9.0), "B").is_ok());
        assert!(decide(true, Some(-20.0), "V").is_ok());
        assert!(decide(false, None, "B").is_ok());
        assert_eq!(
            decide(true, None, "B").unwrap_err().field.as_deref(),
            Some("score")
        );
        assert_eq!(
            decide(true, Some(11.0), "B").unwrap_err().field.as_deref(),
            Some("score")
        );
        assert_eq!(
            decide(true, Some(-3.5), "R").unwrap_err().field.as_deref(),
            Some("score")
        );
        assert_eq!(
            decide(false, Some(9.0), "B").unwrap_err().field.as_deref(),
            Some("score")
        );
    }
}
