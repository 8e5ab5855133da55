//! The words of mediation kept as data: what a committee is, a mediator's grade, a party's kind,
//! and the stored spelling of the case's own states.

use super::{AgreementForm, Confirmation, Consent, Limits};
use crate::calendar::Clock;

crate::vocabulary!(
    /// What a people's mediation committee is.
    CommitteeKind, COMMITTEE_KINDS {
        Village = ("village", "村（居）人民调解委员会"),
        Town = ("town", "镇（街道）人民调解委员会"),
        District = ("district", "区矛盾纠纷多元化解中心"),
        Trade = ("trade", "行业性专业性人民调解委员会"),
    }
);

crate::vocabulary!(
    /// A mediator's grade.
    Grade, GRADES {
        Chief = ("chief", "首席调解员"),
        First = ("first", "一级调解员"),
        Second = ("second", "二级调解员"),
        Third = ("third", "三级调解员"),
        Ordinary = ("ordinary", "调解员"),
    }
);

crate::vocabulary!(
    /// Who a party is.
    PartyKind, PARTY_KINDS {
        Person = ("person", "自然人"),
        Org = ("org", "法人或其他组织"),
    }
);

crate::vocabulary!(
    /// The documents a case gives people to sign and file.
    DocumentKind, DOCUMENT_KINDS {
        Application = ("application", "人民调解申请书"),
        Agreement = ("agreement", "人民调解协议书"),
        Confirmation = ("confirmation", "司法确认申请书"),
    }
);

impl DocumentKind {
    /// Whether the case has what the document states: an application from the start, an
    /// agreement once a written one is reached, the application for confirmation for a written
    /// agreement while it may be (or has been) applied for.
    pub fn available(self, case: &super::Case, now: i64) -> bool {
        let written = case.agreement == Some(AgreementForm::Written);
        match self {
            DocumentKind::Application => true,
            DocumentKind::Agreement => written,
            DocumentKind::Confirmation => {
                written
                    && (case.confirmation.is_some()
                        || case.confirmation_open_until().is_some_and(|u| now <= u))
            }
        }
    }
}

impl Consent {
    pub fn as_char(self) -> char {
        match self {
            Consent::Pending => 'P',
            Consent::Given => 'G',
            Consent::Refused => 'R',
        }
    }

    pub fn from_char(c: char) -> Option<Consent> {
        match c {
            'P' => Some(Consent::Pending),
            'G' => Some(Consent::Given),
            'R' => Some(Consent::Refused),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Consent::Pending => "pending",
            Consent::Given => "given",
            Consent::Refused => "refused",
        }
    }
}

/// Consents as stored: one letter per party, in order.
pub fn store_consents(consents: &[Consent]) -> String {
    consents.iter().map(|c| c.as_char()).collect()
}

pub fn stored_consents(text: &str) -> Option<Vec<Consent>> {
    text.chars().map(Consent::from_char).collect()
}

impl AgreementForm {
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementForm::Written => "written",
            AgreementForm::Oral => "oral",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AgreementForm::Written => "书面协议",
            AgreementForm::Oral => "口头协议",
        }
    }

    pub fn parse(s: &str) -> Option<AgreementForm> {
        match s {
            "written" => Some(AgreementForm::Written),
            "oral" => Some(AgreementForm::Oral),
            _ => None,
        }
    }
}

impl Confirmation {
    /// `applied`, `confirmed` or `rejected`, with when it was applied for and ruled on.
    pub fn parts(self) -> (&'static str, i64, Option<i64>) {
        match self {
            Confirmation::Applied { at } => ("applied", at, None),
            Confirmation::Confirmed { applied_at, at } => ("confirmed", applied_at, Some(at)),
            Confirmation::Rejected { applied_at, at } => ("rejected", applied_at, Some(at)),
        }
    }

    pub fn from_parts(state: &str, applied_at: i64, ruled_at: Option<i64>) -> Option<Confirmation> {
        match (state, ruled_at) {
            ("applied", _) => Some(Confirmation::Applied { at: applied_at }),
            ("confirmed", Some(at)) => Some(Confirmation::Confirmed { applied_at, at }),
            ("rejected", Some(at)) => Some(Confirmation::Rejected { applied_at, at }),
            _ => None,
        }
    }
}

pub fn clock_str(clock: Clock) -> &'static str {
    match clock {
        Clock::Working => "working",
        Clock::Calendar => "calendar",
    }
}

pub fn parse_clock(s: &str) -> Option<Clock> {
    match s {
        "working" => Some(Clock::Working),
        "calendar" => Some(Clock::Calendar),
        _ => None,
    }
}

impl Limits {
    /// The district's setting: days to settle (calendar days), working days to the follow-up
    /// visit, the most extensions; the 30 days for judicial confirmation are the law's (Art. 33).
    pub fn set(
        settle_days: i64,
        follow_up_days: i64,
        max_extensions: i64,
        working_day_ms: i64,
    ) -> Result<Limits, crate::error::DomainError> {
        use crate::error::DomainError;
        if !(1..=90).contains(&settle_days) {
            return Err(
                DomainError::invalid("settle_days", "1 to 90 days").zh("调解期限应为1至90天")
            );
        }
        if !(1..=30).contains(&follow_up_days) {
            return Err(
                DomainError::invalid("follow_up_days", "1 to 30 working days")
                    .zh("回访期限应为1至30个工作日"),
            );
        }
        if !(0..=5).contains(&max_extensions) {
            return Err(DomainError::invalid("max_extensions", "0 to 5").zh("延期次数应为0至5次"));
        }
        Ok(Limits {
            settle_ms: settle_days * crate::calendar::DAY_MS,
            settle_clock: Clock::Calendar,
            confirm_window_ms: 30 * crate::calendar::DAY_MS,
            follow_up_ms: follow_up_days * working_day_ms.max(1),
            max_extensions,
        })
    }

    /// As stored with a case: `settle_ms,clock,confirm_window_ms,follow_up_ms,max_extensions`.
    pub fn to_text(&self) -> String {
        format!(
            "{},{},{},{},{}",
            self.settle_ms,
            clock_str(self.settle_clock),
            self.confirm_window_ms,
            self.follow_up_ms,
            self.max_extensions
        )
    }

    pub fn from_text(text: &str) -> Option<Limits> {
        let mut parts = text.split(',');
        let limits = Limits {
            settle_ms: parts.next()?.parse().ok()?,
            settle_clock: parse_clock(parts.next()?)?,
            confirm_window_ms: parts.next()?.parse().ok()?,
            follow_up_ms: parts.next()?.parse().ok()?,
            max_extensions: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_words_read_back() {
        let l = Limits::default();
        assert_eq!(Limits::from_text(&l.to_text()), Some(l));
        assert_eq!(Limits::from_text("1,working,2,3"), None);
        let c = [Consent::Given, Consent::Pending, Consent::Refused];
        assert_eq!(stored_consents(&store_consents(&c)).unwrap(), c);
        assert_eq!(stored_consents("GX"), None);
        for f in [AgreementForm::Written, AgreementForm::Oral] {
            assert_eq!(AgreementForm::parse(f.as_str()), Some(f));
        }
        for k in [
            Confirmation::Applied { at: 1 },
            Confirmation::Confirmed {
                applied_at: 1,
                at: 2,
            },
            Confirmation::Rejected {
                applied_at: 1,
                at: 3,
            },
        ] {
            let (s, a, r) = k.parts();
            assert_eq!(Confirmation::from_parts(s, a, r), Some(k));
        }
        assert_eq!(Confirmation::from_parts("confirmed", 1, None), None);
        assert_eq!(
            CommitteeKind::parse("村（居）人民调解委员会"),
            Some(CommitteeKind::Village)
        );
        assert_eq!(Grade::parse("chief"), Some(Grade::Chief));
    }
}
