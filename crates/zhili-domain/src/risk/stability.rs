//! Stability-risk assessment of a major decision (重大决策社会稳定风险评估, 中办发〔2012〕2号): a
//! decision is registered with its track (normal, or simplified for a small one), the public is
//! consulted (questionnaires, forums, hearings, interviews, experts, public notice), the risks
//! are listed and rated by likelihood and impact, a conclusion — low, medium or high — is
//! recorded and signed, and the decision taken on it is followed up after implementation.
//!
//! The rules the procedure keeps: a normal track hears the public in at least two ways, one of
//! them a questionnaire, a forum or a hearing (a simplified one in at least one); a conclusion
//! needs its risks rated and is never lower than its worst risk without a written reason; a
//! high risk is not implemented as planned (postponed, changed or dropped); a medium one is
//! implemented only with its measures; follow-up comes after implementation.

use crate::{DomainError, ErrorCode};

crate::vocabulary!(
    /// The procedure a decision is assessed by.
    Track, TRACKS {
        Normal = ("normal", "一般程序"),
        Simplified = ("simplified", "简易程序"),
    }
);

crate::vocabulary!(
    /// How the public was heard.
    EvidenceKind, EVIDENCE_KINDS {
        Questionnaire = ("questionnaire", "问卷调查"),
        Forum = ("forum", "座谈会"),
        Hearing = ("hearing", "听证会"),
        Interview = ("interview", "走访约谈"),
        Expert = ("expert", "专家论证"),
        Notice = ("notice", "公示"),
    }
);

crate::vocabulary!(
    /// The assessed level of risk.
    StabilityLevel, STABILITY_LEVELS {
        Low = ("low", "低风险"),
        Medium = ("medium", "中风险"),
        High = ("high", "高风险"),
    }
);

crate::vocabulary!(
    /// What was decided on the assessment.
    Verdict, VERDICTS {
        Implement = ("implement", "实施"),
        ImplementWithMeasures = ("implement_with_measures", "落实化解措施后实施"),
        Postpone = ("postpone", "暂缓实施"),
        Revise = ("revise", "调整方案后重新评估"),
        Drop = ("drop", "不予实施"),
    }
);

crate::vocabulary!(
    /// Where an assessment stands.
    StabilityStatus, STABILITY_STATUSES {
        Consulting = ("consulting", "征求意见"),
        Concluded = ("concluded", "已出评估结论"),
        Decided = ("decided", "已决策"),
        Implemented = ("implemented", "已实施"),
        Closed = ("closed", "跟踪评估完成"),
    }
);

/// One way the public was heard, with how many took part.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub summary: String,
    pub participants: i64,
}

/// A risk found, rated 1–5 for likelihood and for impact.
#[derive(Clone, Debug, PartialEq)]
pub struct RatedRisk {
    pub title: String,
    pub likelihood: i64,
    pub impact: i64,
    pub measures: String,
}

impl RatedRisk {
    /// The level its likelihood × impact places it at (≥ 15 high, ≥ 8 medium).
    pub fn level(&self) -> StabilityLevel {
        match self.likelihood * self.impact {
            s if s >= 15 => StabilityLevel::High,
            s if s >= 8 => StabilityLevel::Medium,
            _ => StabilityLevel::Low,
        }
    }
}

/// An assessment as the procedure has it so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub track: Track,
    pub status: StabilityStatus,
    pub evidence: Vec<Evidence>,
    pub risks: Vec<RatedRisk>,
    pub level: Option<StabilityLevel>,
    pub verdict: Option<Verdict>,
}

/// A step of the procedure.
#[derive(Clone, Debug, PartialEq)]
pub enum StabilityStep {
    /// The public heard once more.
    Consult(Evidence),
    /// The risks found, rated (replacing an earlier list while consulting).
    Rate(Vec<RatedRisk>),
    /// The conclusion, signed; a reason when it is lower than the worst risk.
    Conclude {
        level: StabilityLevel,
        reason: Option<String>,
    },
    /// What was decided on it.
    Decide(Verdict),
    Implement,
    /// How it went after implementation; the last one closes the assessment.
    FollowUp {
        note: String,
        last: bool,
    },
}

fn refuse(en: &str, zh: &str) -> DomainError {
    DomainError::new(ErrorCode::InvalidTransition, en.to_string()).zh(zh.to_string())
}

fn checked_evidence(e: &Evidence) -> Result<Evidence, DomainError> {
    if !(1..=1_000_000).contains(&e.participants) {
        return Err(
            DomainError::invalid("participants", "1 to 1,000,000 people").zh("参与人数应为正数"),
        );
    }
    Ok(Evidence {
        summary: crate::text::note("summary", &e.summary, 2000)?,
        ..e.clone()
    })
}

fn checked_risks(risks: &[RatedRisk]) -> Result<Vec<RatedRisk>, DomainError> {
    if risks.is_empty() || risks.len() > 50 {
        return Err(DomainError::invalid("risks", "1 to 50 risks").zh("风险点应为1至50项"));
    }
    risks
        .iter()
        .enumerate()
        .map(|(i, r)| {
            for (field, v) in [("likelihood", r.likelihood), ("impact", r.impact)] {
                if !(1..=5).contains(&v) {
                    return Err(
                        DomainError::invalid(&format!("risks[{i}].{field}"), "1 to 5")
                            .zh("评分应为1至5"),
                    );
                }
            }
            Ok(RatedRisk {
                title: crate::text::line(&format!("risks[{i}].title"), &r.title, 100)?,
                measures: crate::text::note(&format!("risks[{i}].measures"), &r.measures, 2000)?,
                ..r.clone()
            })
        })
        .collect()
}

impl Assessment {
    pub fn new(track: Track) -> Assessment {
        Assessment {
            track,
            status: StabilityStatus::Consulting,
            evidence: vec![],
            risks: vec![],
            level: None,
            verdict: None,
        }
    }

    /// The worst of the rated risks' levels.
    pub fn worst(&self) -> Option<StabilityLevel> {
        self.risks.iter().map(RatedRisk::level).max()
    }

    /// Whether the public has been heard enough for the track.
    pub fn heard_enough(&self) -> bool {
        let public = self.evidence.iter().any(|e| {
            matches!(
                e.kind,
                EvidenceKind::Questionnaire | EvidenceKind::Forum | EvidenceKind::Hearing
            )
        });
        let mut kinds: Vec<EvidenceKind> = self.evidence.iter().map(|e| e.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        match self.track {
            Track::Normal => public && kinds.len() >= 2,
            Track::Simplified => !kinds.is_empty(),
        }
    }

    /// The assessment after `step`, or why not.
    pub fn apply(&self, step: &StabilityStep) -> Result<Assessment, DomainError> {
        use StabilityStatus as S;
        let mut next = self.clone();
        match (step, self.status) {
            (StabilityStep::Consult(e), S::Consulting) => next.evidence.push(checked_evidence(e)?),
            (StabilityStep::Rate(risks), S::Consulting) => next.risks = checked_risks(risks)?,
            (StabilityStep::Conclude { level, reason }, S::Consulting) => {
                if !self.heard_enough() {
                    return Err(refuse(
                        "the public is not heard enough for the track (normal: two ways, one a questionnaire, forum or hearing)",
                        "征求意见不足：一般程序须至少两种方式，其中包括问卷调查、座谈会或听证会",
                    ));
                }
                let worst = self
                    .worst()
                    .ok_or_else(|| refuse("the risks are not rated", "尚未列出并评定风险点"))?;
                if *level < worst {
                    let reason = reason.as_deref().unwrap_or("");
                    if reason.trim().is_empty() {
                        return Err(DomainError::invalid(
                            "reason",
                            "a conclusion below the worst risk says why",
                        )
                        .zh("评估结论低于最高风险点等级的，须说明理由"));
                    }
                    crate::text::note("reason", reason, 2000)?;
                }
                next.level = Some(*level);
                next.status = S::Concluded;
            }
            (StabilityStep::Decide(verdict), S::Concluded) => {
                let level = self.level.unwrap_or(StabilityLevel::High);
                let allowed = match level {
                    StabilityLevel::High => {
                        !matches!(verdict, Verdict::Implement | Verdict::ImplementWithMeasures)
                    }
                    StabilityLevel::Medium => *verdict != Verdict::Implement,
                    StabilityLevel::Low => true,
                };
                if !allowed {
                    return Err(refuse(
                        "a high risk is not implemented as planned, a medium one only with its measures",
                        "高风险的决策不得按原方案实施，中风险的须落实化解措施后实施",
                    ));
                }
                next.verdict = Some(*verdict);
                next.status = S::Decided;
            }
            (StabilityStep::Implement, S::Decided) => {
                if !matches!(
                    self.verdict,
                    Some(Verdict::Implement | Verdict::ImplementWithMeasures)
                ) {
                    return Err(refuse(
                        "the decision was not to implement",
                        "决策结果不是实施，不能登记实施",
                    ));
                }
                next.status = S::Implemented;
            }
            (StabilityStep::FollowUp { note, last }, S::Implemented) => {
                crate::text::note("note", note, 2000)?;
                if *last {
                    next.status = S::Closed;
                }
            }
            _ => {
                return Err(refuse(
                    "not a step the assessment takes now",
                    "当前阶段不能进行此操作",
                ))
            }
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heard(kind: EvidenceKind) -> StabilityStep {
        StabilityStep::Consult(Evidence {
            kind,
            summary: "征地补偿标准征求意见".into(),
            participants: 120,
        })
    }

    fn rated(likelihood: i64, impact: i64) -> StabilityStep {
        StabilityStep::Rate(vec![RatedRisk {
            title: "补偿标准争议引发群体上访".into(),
            likelihood,
            impact,
            measures: "公开补偿标准，逐户算账".into(),
        }])
    }

    fn run(a: Assessment, steps: &[StabilityStep]) -> Result<Assessment, DomainError> {
        steps.iter().try_fold(a, |a, s| a.apply(s))
    }

    fn conclude(level: StabilityLevel) -> StabilityStep {
        StabilityStep::Conclude {
            level,
            reason: None,
        }
    }

    #[test]
    fn a_risk_is_placed_by_likelihood_times_impact() {
        let r = |l, i| RatedRisk {
            title: "t".into(),
            likelihood: l,
            impact: i,
            measures: "m".into(),
        };
        assert_eq!(r(3, 5).level(), StabilityLevel::High);
        assert_eq!(r(2, 4).level(), StabilityLevel::Medium);
        assert_eq!(r(2, 3).level(), StabilityLevel::Low);
    }

    #[test]
    fn a_normal_track_hears_the_public_twice_before_it_concludes() {
        let a = Assessment::new(Track::Normal);
        let once = run(a.clone(), &[heard(EvidenceKind::Interview), rated(2, 3)]).unwrap();
        assert!(once.apply(&conclude(StabilityLevel::Low)).is_err());
        // Two ways, but none a questionnaire, forum or hearing: not enough.
        let twice = once.apply(&heard(EvidenceKind::Expert)).unwrap();
        assert!(twice.apply(&conclude(StabilityLevel::Low)).is_err());
        let done = run(
            twice,
            &[
                heard(EvidenceKind::Questionnaire),
                conclude(StabilityLevel::Low),
            ],
        )
        .unwrap();
        assert_eq!(done.status, StabilityStatus::Concluded);
        // A simplified track: one way is enough.
        let simple = run(
            Assessment::new(Track::Simplified),
            &[
                heard(EvidenceKind::Interview),
                rated(1, 2),
                conclude(StabilityLevel::Low),
            ],
        );
        assert!(simple.is_ok());
    }

    #[test]
    fn a_conclusion_below_the_worst_risk_says_why() {
        let a = run(
            Assessment::new(Track::Simplified),
            &[heard(EvidenceKind::Hearing), rated(4, 4)],
        )
        .unwrap();
        let e = a.apply(&conclude(StabilityLevel::Medium)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("reason"));
        let with_reason = a.apply(&StabilityStep::Conclude {
            level: StabilityLevel::Medium,
            reason: Some("补偿方案已调整，主要诉求已解决".into()),
        });
        assert!(with_reason.is_ok());
        assert!(a.apply(&conclude(StabilityLevel::High)).is_ok());
        // Without rated risks there is no conclusion.
        let unrated = Assessment::new(Track::Simplified)
            .apply(&heard(EvidenceKind::Hearing))
            .unwrap();
        assert!(unrated.apply(&conclude(StabilityLevel::Low)).is_err());
    }

    #[test]
    fn a_high_risk_is_not_implemented_and_a_medium_one_only_with_measures() {
        let high = run(
            Assessment::new(Track::Simplified),
            &[
                heard(EvidenceKind::Hearing),
                rated(5, 5),
                conclude(StabilityLevel::High),
            ],
        )
        .unwrap();
        assert!(high
            .apply(&StabilityStep::Decide(Verdict::Implement))
            .is_err());
        assert!(high
            .apply(&StabilityStep::Decide(Verdict::ImplementWithMeasures))
            .is_err());
        let postponed = high
            .apply(&StabilityStep::Decide(Verdict::Postpone))
            .unwrap();
        assert!(postponed.apply(&StabilityStep::Implement).is_err());
        let medium = run(
            Assessment::new(Track::Simplified),
            &[
                heard(EvidenceKind::Forum),
                rated(2, 4),
                conclude(StabilityLevel::Medium),
            ],
        )
        .unwrap();
        assert!(medium
            .apply(&StabilityStep::Decide(Verdict::Implement))
            .is_err());
        let done = run(
            medium,
            &[
                StabilityStep::Decide(Verdict::ImplementWithMeasures),
                StabilityStep::Implement,
                StabilityStep::FollowUp {
                    note: "实施后三个月无信访".into(),
                    last: false,
                },
                StabilityStep::FollowUp {
                    note: "实施后半年跟踪评估完成".into(),
                    last: true,
                },
            ],
        )
        .unwrap();
        assert_eq!(done.status, StabilityStatus::Closed);
        assert!(done.apply(&heard(EvidenceKind::Forum)).is_err());
    }

    #[test]
    fn evidence_and_risks_name_the_field_at_fault() {
        let a = Assessment::new(Track::Normal);
        let bad = StabilityStep::Consult(Evidence {
            kind: EvidenceKind::Questionnaire,
            summary: "问卷".into(),
            participants: 0,
        });
        assert_eq!(
            a.apply(&bad).unwrap_err().field.as_deref(),
            Some("participants")
        );
        let e = a.apply(&rated(6, 1)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("risks[0].likelihood"));
        assert_eq!(
            a.apply(&StabilityStep::Rate(vec![]))
                .unwrap_err()
                .field
                .as_deref(),
            Some("risks")
        );
    }
}
