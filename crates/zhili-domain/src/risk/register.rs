//! The risk register (风险台账): a risk someone owns until it is closed — its level, area, owner
//! unit, measures and next review date, linked to the alerts, events, mediation cases and people
//! it concerns. A risk is registered open (待管控), brought under control (已管控) when its
//! measures hold, closed (已销号) with a note, and reopened with a reason; a review date passed
//! while it is not closed is overdue.

use super::AlertLevel;
use crate::{DomainError, ErrorCode};

crate::vocabulary!(
    /// Where a registered risk stands.
    RiskStatus, RISK_STATUSES {
        Open = ("open", "待管控"),
        Controlled = ("controlled", "已管控"),
        Closed = ("closed", "已销号"),
    }
);

crate::vocabulary!(
    /// What a risk is linked to.
    RiskLinkKind, RISK_LINK_KINDS {
        Alert = ("alert", "预警"),
        Event = ("event", "事件"),
        Case = ("case", "调解案件"),
        Person = ("person", "人员"),
    }
);

/// A review is set at most this many days ahead.
pub const MAX_REVIEW_DAYS: i64 = 366;
/// Links one risk may hold.
pub const MAX_RISK_LINKS: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RiskLink {
    pub kind: RiskLinkKind,
    pub id: i64,
}

/// What a risk says, as registered or edited; `review_on` a China day.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskDraft {
    pub title: String,
    pub description: String,
    pub level: AlertLevel,
    pub owner_unit: String,
    pub measures: String,
    pub review_on: i64,
    pub links: Vec<RiskLink>,
}

impl RiskDraft {
    /// The draft with its texts trimmed, or the first field at fault (`today` a China day).
    pub fn check(self, today: i64) -> Result<RiskDraft, DomainError> {
        let title = crate::text::line("title", &self.title, 100)?;
        let description = crate::text::note("description", &self.description, 2000)?;
        let measures = crate::text::note("measures", &self.measures, 2000)?;
        if self.review_on < today || self.review_on > today + MAX_REVIEW_DAYS {
            return Err(
                DomainError::invalid("review_on", "from today to a year ahead")
                    .zh("复核日期应在今天到一年之内"),
            );
        }
        if self.links.len() > MAX_RISK_LINKS {
            return Err(
                DomainError::invalid("links", format!("at most {MAX_RISK_LINKS} links"))
                    .zh(format!("关联最多 {MAX_RISK_LINKS} 项")),
            );
        }
        let mut links: Vec<RiskLink> = Vec::with_capacity(self.links.len());
        for (i, l) in self.links.iter().enumerate() {
            if l.id < 1 {
                return Err(
                    DomainError::invalid(&format!("links[{i}].id"), "an id from 1")
                        .zh("关联编号无效"),
                );
            }
            if !links.contains(l) {
                links.push(*l);
            }
        }
        Ok(RiskDraft {
            title,
            description,
            measures,
            links,
            ..self
        })
    }
}

/// A change of a risk's status.
#[derive(Clone, Debug, PartialEq)]
pub enum RiskStep {
    /// Its measures hold.
    Control,
    /// Closed (销号), with what settled it.
    Close { note: String },
    /// Open again, with why.
    Reopen { reason: String },
}

impl RiskStep {
    pub fn name(&self) -> &'static str {
        match self {
            RiskStep::Control => "control",
            RiskStep::Close { .. } => "close",
            RiskStep::Reopen { .. } => "reopen",
        }
    }

    /// The status after the step from `from`, and the note it records; or why not.
    pub fn apply(&self, from: RiskStatus) -> Result<(RiskStatus, Option<String>), DomainError> {
        let refuse = |en: &str, zh: &str| {
            Err(DomainError::new(ErrorCode::InvalidTransition, en.to_string()).zh(zh.to_string()))
        };
        match (self, from) {
            (RiskStep::Control, RiskStatus::Open) => Ok((RiskStatus::Controlled, None)),
            (RiskStep::Control, _) => refuse(
                "only an open risk is brought under control",
                "只有待管控的风险可以标记为已管控",
            ),
            (RiskStep::Close { note }, RiskStatus::Open | RiskStatus::Controlled) => Ok((
                RiskStatus::Closed,
                Some(crate::text::note("note", note, 1000)?),
            )),
            (RiskStep::Close { .. }, RiskStatus::Closed) => {
                refuse("the risk is already closed", "该风险已销号")
            }
            (RiskStep::Reopen { reason }, RiskStatus::Closed | RiskStatus::Controlled) => Ok((
                RiskStatus::Open,
                Some(crate::text::note("reason", reason, 1000)?),
            )),
            (RiskStep::Reopen { .. }, RiskStatus::Open) => {
                refuse("the risk is open", "该风险本就待管控")
            }
        }
    }
}

/// A review date passed on a risk not closed.
pub fn review_overdue(status: RiskStatus, review_on: i64, today: i64) -> bool {
    status != RiskStatus::Closed && review_on < today
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> RiskDraft {
        RiskDraft {
            title: " 某村土地纠纷聚集风险 ".into(),
            description: "近两周同一地块纠纷 6 起".into(),
            level: AlertLevel::Orange,
            owner_unit: "D04".into(),
            measures: "司法所牵头调解，村委会每周走访".into(),
            review_on: 100,
            links: vec![
                RiskLink {
                    kind: RiskLinkKind::Alert,
                    id: 3,
                },
                RiskLink {
                    kind: RiskLinkKind::Alert,
                    id: 3,
                },
            ],
        }
    }

    #[test]
    fn a_draft_is_trimmed_and_its_links_counted_once() {
        let d = draft().check(90).unwrap();
        assert_eq!(d.title, "某村土地纠纷聚集风险");
        assert_eq!(d.links.len(), 1);
    }

    #[test]
    fn a_draft_names_the_field_at_fault() {
        let field = |d: RiskDraft| d.check(90).unwrap_err().field.unwrap();
        assert_eq!(
            field(RiskDraft {
                title: " ".into(),
                ..draft()
            }),
            "title"
        );
        assert_eq!(
            field(RiskDraft {
                measures: "".into(),
                ..draft()
            }),
            "measures"
        );
        assert_eq!(
            field(RiskDraft {
                review_on: 89,
                ..draft()
            }),
            "review_on"
        );
        assert_eq!(
            field(RiskDraft {
                review_on: 90 + 367,
                ..draft()
            }),
            "review_on"
        );
        let bad = RiskDraft {
            links: vec![RiskLink {
                kind: RiskLinkKind::Event,
                id: 0,
            }],
            ..draft()
        };
        assert_eq!(field(bad), "links[0].id");
        let many = RiskDraft {
            links: (1..=51)
                .map(|id| RiskLink {
                    kind: RiskLinkKind::Event,
                    id,
                })
                .collect(),
            ..draft()
        };
        assert_eq!(field(many), "links");
    }

    #[test]
    fn a_risk_is_controlled_closed_and_reopened_in_order() {
        use RiskStatus::*;
        let close = RiskStep::Close {
            note: "已调解结案".into(),
        };
        let reopen = RiskStep::Reopen {
            reason: "再起纠纷".into(),
        };
        assert_eq!(RiskStep::Control.apply(Open).unwrap().0, Controlled);
        assert!(RiskStep::Control.apply(Controlled).is_err());
        assert_eq!(
            close.apply(Controlled).unwrap(),
            (Closed, Some("已调解结案".into()))
        );
        assert_eq!(close.apply(Open).unwrap().0, Closed);
        assert!(close.apply(Closed).is_err());
        assert_eq!(reopen.apply(Closed).unwrap().0, Open);
        assert!(reopen.apply(Open).is_err());
        let blank = RiskStep::Close { note: " ".into() };
        assert_eq!(
            blank.apply(Open).unwrap_err().field.as_deref(),
            Some("note")
        );
    }

    #[test]
    fn only_a_risk_not_closed_is_overdue_for_review() {
        assert!(review_overdue(RiskStatus::Open, 9, 10));
        assert!(review_overdue(RiskStatus::Controlled, 9, 10));
        assert!(!review_overdue(RiskStatus::Closed, 9, 10));
        assert!(!review_overdue(RiskStatus::Open, 10, 10));
    }
}
