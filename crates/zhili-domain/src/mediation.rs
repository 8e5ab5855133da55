//! Dispute mediation (人民调解) as the People's Mediation Law (人民调解法, 2010) lays it down: a case
//! is started by a party's application, by the committee itself or by a referral (an event, the
//! police, the court's 诉前委派); it goes on only with every party's consent — one clear refusal
//! stops it (Art. 17); mediators hold sessions with minutes; it ends in an agreement, written or
//! oral (Art. 28–29), whose performance the committee supervises (Art. 31), or in termination with
//! the parties told of their other remedies; both parties may apply to the court for judicial
//! confirmation (司法确认) within 30 days of the agreement (Art. 33); a follow-up visit (回访)
//! after performance closes it. A dispute that may turn violent or criminal is referred out, and
//! that raises an event to the command centre.
//!
//! Pure: the state machine, its deadlines and who may take each step. The use cases load a
//! case, apply a command and store the outcome with its record.

use crate::calendar::{Clock, WorkingCalendar, DAY_MS};
use crate::error::{DomainError, ErrorCode};
use crate::event::Warning;

/// How a case came to the committee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A party applied (申请调解).
    Application,
    /// The committee started it itself (主动调解).
    SelfInitiated,
    /// Opened from an event of a dispute category.
    Event,
    /// Handed over by the police (公安移交).
    Police,
    /// Referred by the court before filing (诉前委派).
    Court,
}

impl Origin {
    pub const ALL: [Origin; 5] = [
        Origin::Application,
        Origin::SelfInitiated,
        Origin::Event,
        Origin::Police,
        Origin::Court,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Application => "application",
            Origin::SelfInitiated => "self_initiated",
            Origin::Event => "event",
            Origin::Police => "police",
            Origin::Court => "court",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Origin::Application => "当事人申请",
            Origin::SelfInitiated => "主动调解",
            Origin::Event => "事件转入",
            Origin::Police => "公安移交",
            Origin::Court => "诉前委派",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        Origin::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Registered; waiting for every party's consent.
    Registered,
    /// Every party consented; mediators at work, to settle by the deadline.
    Mediating,
    /// An agreement was reached; its performance is supervised to its deadline.
    Agreed,
    /// Performed; the follow-up visit is due.
    Performed,
    /// Performed and followed up: done.
    Closed,
    /// A party clearly refused mediation (Art. 17): it does not go on.
    Refused,
    /// Mediation failed; the parties were told of their other remedies.
    Terminated,
    /// The agreement was not performed.
    Breached,
    /// Handed to litigation, arbitration, letters and calls or the police.
    ReferredOut,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Registered,
        Status::Mediating,
        Status::Agreed,
        Status::Performed,
        Status::Closed,
        Status::Refused,
        Status::Terminated,
        Status::Breached,
        Status::ReferredOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Registered => "registered",
            Status::Mediating => "mediating",
            Status::Agreed => "agreed",
            Status::Performed => "performed",
            Status::Closed => "closed",
            Status::Refused => "refused",
            Status::Terminated => "terminated",
            Status::Breached => "breached",
            Status::ReferredOut => "referred_out",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Registered => "待当事人同意",
            Status::Mediating => "调解中",
            Status::Agreed => "协议履行中",
            Status::Performed => "已履行待回访",
            Status::Closed => "已办结",
            Status::Refused => "当事人拒绝调解",
            Status::Terminated => "调解终止",
            Status::Breached => "未履行",
            Status::ReferredOut => "已移交",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether the case still asks something of the committee.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Registered | Status::Mediating | Status::Agreed | Status::Performed
        )
    }

    /// Whether mediation ended in success (an agreement reached).
    pub fn settled(self) -> bool {
        matches!(
            self,
            Status::Agreed | Status::Performed | Status::Closed | Status::Breached
        )
    }
}

/// A party's answer to mediation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consent {
    Pending,
    Given,
    Refused,
}

/// The form an agreement takes (Art. 28).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgreementForm {
    /// 书面调解协议: signed, finger-printed, sealed.
    Written,
    /// 口头协议, recorded by the mediator.
    Oral,
}

/// Where a dispute is handed when mediation is not its way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Referral {
    Litigation,
    Arbitration,
    Petition,
    Police,
}

impl Referral {
    pub fn as_str(self) -> &'static str {
        match self {
            Referral::Litigation => "litigation",
            Referral::Arbitration => "arbitration",
            Referral::Petition => "petition",
            Referral::Police => "police",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Referral::Litigation => "诉讼",
            Referral::Arbitration => "仲裁",
            Referral::Petition => "信访",
            Referral::Police => "公安",
        }
    }

    pub fn parse(s: &str) -> Option<Referral> {
        [
            Referral::Litigation,
            Referral::Arbitration,
            Referral::Petition,
            Referral::Police,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// Judicial confirmation (司法确认) of a written agreement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation {
    Applied { at: i64 },
    Confirmed { applied_at: i64, at: i64 },
    Rejected { applied_at: i64, at: i64 },
}

/// The time limits of a case: data the district may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// To settle once every party consented ("一般在一个月内调结").
    pub settle_ms: i64,
    /// How settle_ms is counted.
    pub settle_clock: Clock,
    /// The window for applying for judicial confirmation after the agreement (Art. 33).
    pub confirm_window_ms: i64,
    /// The follow-up visit after performance, in working time.
    pub follow_up_ms: i64,
    /// Most extensions of the settle deadline, each with every party's consent.
    pub max_extensions: i64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            settle_ms: 30 * DAY_MS,
            settle_clock: Clock::Calendar,
            confirm_window_ms: 30 * DAY_MS,
            // Ten working days of seven hours.
            follow_up_ms: 10 * 7 * crate::calendar::HOUR_MS,
            max_extensions: 2,
        }
    }
}

/// A mediation case as the machine needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub status: Status,
    pub origin: Origin,
    /// Every party's consent, in the order the parties were registered.
    pub consents: Vec<Consent>,
    /// The mediators assigned (account names).
    pub mediators: Vec<String>,
    pub sessions: i64,
    pub limits: Limits,
    /// The running deadline (consent has none) and when its clock started.
    pub step_started: Option<i64>,
    pub due: Option<i64>,
    pub clock: Clock,
    pub extensions: i64,
    pub agreement: Option<AgreementForm>,
    pub agreed_at: Option<i64>,
    pub confirmation: Option<Confirmation>,
    pub referral: Option<Referral>,
    pub closed_at: Option<i64>,
}

impl Case {
    /// A new case with its parties' consent still to come.
    pub fn registered(origin: Origin, parties: usize, limits: Limits) -> Result<Case, DomainError> {
        if !(2..=MAX_PARTIES).contains(&parties) {
            return Err(DomainError::invalid(
                "parties",
                format!("a dispute has 2 to {MAX_PARTIES} parties"),
            )
            .zh(format!("纠纷当事人应为2至{MAX_PARTIES}方")));
        }
        Ok(Case {
            status: Status::Registered,
            origin,
            consents: vec![Consent::Pending; parties],
            mediators: vec![],
            sessions: 0,
            limits,
            step_started: None,
            due: None,
            clock: Clock::Calendar,
            extensions: 0,
            agreement: None,
            agreed_at: None,
            confirmation: None,
            referral: None,
            closed_at: None,
        })
    }

    /// Yellow at 80 % of the running deadline, red past it (as events).
    pub fn warning(&self, now: i64, cal: &WorkingCalendar) -> Warning {
        if !self.status.is_open() {
            return Warning::None;
        }
        Warning::of(self.step_started, self.due, self.clock, now, cal)
    }

    /// Until when judicial confirmation may be applied for, while it may.
    pub fn confirmation_open_until(&self) -> Option<i64> {
        match (self.agreement, self.agreed_at, self.confirmation) {
            (Some(AgreementForm::Written), Some(at), None) if self.status.settled() => {
                Some(at + self.limits.confirm_window_ms)
            }
            _ => None,
        }
    }
}

/// The departments mediation works with, by their codes in the district's reference data: the
/// justice bureau guides all people's mediation (and sees every case), the court confirms
/// agreements and delegates cases before filing, the police and the letters-and-calls office
/// take disputes referred out.
pub const JUSTICE_BUREAU: &str = "D04";
pub const COURT: &str = "D02";
pub const POLICE: &str = "D01";
pub const PETITION_OFFICE: &str = "D05";

impl Referral {
    /// The department a referral goes to, if it is one of the district's.
    pub fn unit(self) -> Option<&'static str> {
        match self {
            Referral::Litigation => Some(COURT),
            Referral::Police => Some(POLICE),
            Referral::Petition => Some(PETITION_OFFICE),
            Referral::Arbitration => None,
        }
    }
}

/// Most parties one case registers.
pub const MAX_PARTIES: usize = 20;
/// Most mediators on one case.
pub const MAX_MEDIATORS: usize = 5;
/// Longest one extension may be.
pub const MAX_EXTENSION_DAYS: i64 = 30;

/// What the caller is to this case (the use case works it out from the account and the case).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Who {
    /// The committee's operator (or the district centre, the justice bureau): manages the case.
    pub manages: bool,
    /// One of the case's mediators.
    pub mediates: bool,
    /// The court recording its ruling on a confirmation.
    pub court: bool,
}

/// A step on a case.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// A party's answer to mediation (index in the case's parties).
    Consent {
        party: usize,
        given: bool,
    },
    Assign {
        mediators: Vec<String>,
    },
    /// A session held: who attended and its minutes (调解笔录).
    Session {
        attendees: usize,
        minutes: String,
    },
    /// More time to settle, which every party agreed to.
    Extend {
        days: i64,
        all_parties_agree: bool,
    },
    /// An agreement reached, with the deadline of its performance.
    Agree {
        form: AgreementForm,
        perform_by: i64,
    },
    /// Mediation failed; the parties were told of their other remedies (litigation, arbitration …).
    Terminate {
        reason: String,
        remedies_told: bool,
    },
    /// Both parties jointly apply to the court for judicial confirmation.
    ApplyConfirmation {
        joint: bool,
    },
    /// The court's ruling on the confirmation.
    RecordConfirmation {
        confirmed: bool,
    },
    /// Whether the agreement was performed by its deadline.
    RecordPerformance {
        performed: bool,
    },
    /// The follow-up visit after performance.
    FollowUp {
        note: String,
    },
    /// Handed elsewhere; `may_turn_violent` when the dispute may escalate to violence or crime.
    ReferOut {
        to: Referral,
        reason: String,
        may_turn_violent: bool,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Consent { .. } => "consent",
            Command::Assign { .. } => "assign",
            Command::Session { .. } => "session",
            Command::Extend { .. } => "extend",
            Command::Agree { .. } => "agree",
            Command::Terminate { .. } => "terminate",
            Command::ApplyConfirmation { .. } => "apply_confirmation",
            Command::RecordConfirmation { .. } => "record_confirmation",
            Command::RecordPerformance { .. } => "record_performance",
            Command::FollowUp { .. } => "follow_up",
            Command::ReferOut { .. } => "refer_out",
        }
    }
}

/// A step's result: the case as it now is, and whether the command centre must hear of it (a
/// dispute handed to the police or that may turn violent raises an event).
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub case: Case,
    pub raises_event: bool,
}

fn refuse(en: impl Into<String>, zh: impl Into<String>) -> DomainError {
    DomainError::new(ErrorCode::InvalidTransition, en).zh(zh)
}

fn text(field: &str, raw: &str) -> Result<(), DomainError> {
    crate::text::note(field, raw, 2000).map(|_| ())
}

/// Applies `command` to `case` as `who` at `now`.
pub fn apply(
    case: &Case,
    who: Who,
    command: &Command,
    now: i64,
    cal: &WorkingCalendar,
) -> Result<Outcome, DomainError> {
    use Status as S;
    let mut c = case.clone();
    let mut raises_event = false;
    let not_now = || {
        refuse(
            format!(
                "{} is not possible while the case is {}",
                command.name(),
                case.status.as_str()
            ),
            format!("案件当前状态为“{}”，不能进行此操作", case.status.label_zh()),
        )
    };
    let not_yours = || {
        refuse(
            format!("{} is not for you on this case", command.name()),
            "您不能对此案件进行此操作",
        )
    };
    let staff = who.manages || who.mediates;
    match command {
        Command::Consent { party, given } => {
            if !staff {
                return Err(not_yours());
            }
            if case.status != S::Registered {
                return Err(not_now());
            }
            let slot = c.consents.get_mut(*party).ok_or_else(|| {
                DomainError::invalid("party", format!("no party {party}")).zh("没有这一方当事人")
            })?;
            if *slot != Consent::Pending {
                return Err(refuse(
                    "this party has already answered",
                    "该当事人已作出意思表示",
                ));
            }
            *slot = if *given {
                Consent::Given
            } else {
                Consent::Refused
            };
            if !given {
                // Art. 17: one party's clear refusal ends it.
                c.status = S::Refused;
                c.closed_at = Some(now);
            } else if c.consents.iter().all(|k| *k == Consent::Given) {
                c.status = S::Mediating;
                c.clock = c.limits.settle_clock;
                c.step_started = Some(now);
                c.due = Some(cal.due(now, c.limits.settle_ms, c.clock));
            }
        }
        Command::Assign { mediators } => {
            if !who.manages {
                return Err(not_yours());
            }
            if !matches!(case.status, S::Registered | S::Mediating) {
                return Err(not_now());
            }
            let mut names: Vec<String> = Vec::with_capacity(mediators.len());
            for m in mediators {
                let m = m.trim();
                if m.is_empty() || names.iter().any(|n| n == m) {
                    continue;
                }
                names.push(m.to_string());
            }
            if names.is_empty() || names.len() > MAX_MEDIATORS {
                return Err(DomainError::invalid(
                    "mediators",
                    format!("1 to {MAX_MEDIATORS} mediators"),
                )
                .zh(format!("应指定1至{MAX_MEDIATORS}名调解员")));
            }
            c.mediators = names;
        }
        Command::Session { attendees, minutes } => {
            if !staff {
                return Err(not_yours());
            }
            if case.status != S::Mediating {
                return Err(not_now());
            }
            if case.mediators.is_empty() {
                return Err(refuse(
                    "assign a mediator before a session",
                    "请先指定调解员",
                ));
            }
            if *attendees < 2 {
                return Err(DomainError::invalid(
                    "attendees",
                    "a session has at least two attendees",
                )
                .zh("调解至少应有两人参加"));
            }
            text("minutes", minutes)?;
            c.sessions += 1;
        }
        Command::Extend {
            days,
            all_parties_agree,
        } => {
            if !who.manages {
                return Err(not_yours());
            }
            if case.status != S::Mediating {
                return Err(not_now());
            }
            if !all_parties_agree {
                return Err(refuse(
                    "an extension needs every party's consent",
                    "延长调解期限须经各方当事人同意",
                ));
            }
            if !(1..=MAX_EXTENSION_DAYS).contains(days) {
                return Err(DomainError::invalid(
                    "days",
                    format!("1 to {MAX_EXTENSION_DAYS} days"),
                )
                .zh(format!("延长天数应为1至{MAX_EXTENSION_DAYS}天")));
            }
            if case.extensions >= case.limits.max_extensions {
                return Err(refuse(
                    format!("at most {} extensions", case.limits.max_extensions),
                    format!("最多延长{}次", case.limits.max_extensions),
                ));
            }
            let due = case.due.unwrap_or(now).max(now);
            c.due = Some(due + days * DAY_MS);
            c.extensions += 1;
        }
        Command::Agree { form, perform_by } => {
            if !who.mediates {
                return Err(not_yours());
            }
            if case.status != S::Mediating {
                return Err(not_now());
            }
            if case.sessions == 0 {
                return Err(refuse(
                    "an agreement comes out of a session; record one first",
                    "请先记录调解过程（调解笔录）",
                ));
            }
            if *perform_by <= now || *perform_by > now + 366 * DAY_MS {
                return Err(DomainError::invalid(
                    "perform_by",
                    "the performance deadline is after now and within a year",
                )
                .zh("履行期限应在今后一年之内"));
            }
            c.status = S::Agreed;
            c.agreement = Some(*form);
            c.agreed_at = Some(now);
            c.clock = Clock::Calendar;
            c.step_started = Some(now);
            c.due = Some(*perform_by);
        }
        Command::Terminate {
            reason,
            remedies_told,
        } => {
            if !staff {
                return Err(not_yours());
            }
            if !matches!(case.status, S::Registered | S::Mediating) {
                return Err(not_now());
            }
            text("reason", reason)?;
            if !remedies_told {
                return Err(refuse(
                    "tell the parties of their other remedies before terminating",
                    "终止调解应告知当事人可依法通过仲裁、行政、司法等途径维护权利",
                ));
            }
            c.status = S::Terminated;
            c.due = None;
            c.closed_at = Some(now);
        }
        Command::ApplyConfirmation { joint } => {
            if !who.manages {
                return Err(not_yours());
            }
            let Some(until) = case.confirmation_open_until() else {
                return Err(refuse(
                    "judicial confirmation is for a written agreement, applied for once",
                    "司法确认仅适用于书面调解协议，且只能申请一次",
                ));
            };
            if now > until {
                return Err(refuse(
                    "the 30 days for judicial confirmation have passed",
                    "已超过调解协议生效之日起30日的司法确认申请期限",
                ));
            }
            if !joint {
                return Err(refuse(
                    "both parties apply for judicial confirmation together",
                    "司法确认应由双方当事人共同申请",
                ));
            }
            c.confirmation = Some(Confirmation::Applied { at: now });
        }
        Command::RecordConfirmation { confirmed } => {
            if !(who.court || who.manages) {
                return Err(not_yours());
            }
            let Some(Confirmation::Applied { at }) = case.confirmation else {
                return Err(refuse(
                    "no confirmation is waiting for the court",
                    "没有待法院裁定的司法确认申请",
                ));
            };
            c.confirmation = Some(if *confirmed {
                Confirmation::Confirmed {
                    applied_at: at,
                    at: now,
                }
            } else {
                Confirmation::Rejected {
                    applied_at: at,
                    at: now,
                }
            });
        }
        Command::RecordPerformance { performed } => {
            if !staff {
                return Err(not_yours());
            }
            if case.status != S::Agreed {
                return Err(not_now());
            }
            if *performed {
                c.status = S::Performed;
                c.clock = Clock::Working;
                c.step_started = Some(now);
                c.due = Some(cal.due(now, c.limits.follow_up_ms, Clock::Working));
            } else {
                c.status = S::Breached;
                c.due = None;
            }
        }
        Command::FollowUp { note } => {
            if !staff {
                return Err(not_yours());
            }
            if case.status != S::Performed {
                return Err(not_now());
            }
            text("note", note)?;
            c.status = S::Closed;
            c.due = None;
            c.closed_at = Some(now);
        }
        Command::ReferOut {
            to,
            reason,
            may_turn_violent,
        } => {
            if !who.manages {
                return Err(not_yours());
            }
            if !matches!(
                case.status,
                S::Registered | S::Mediating | S::Refused | S::Terminated | S::Breached
            ) {
                return Err(not_now());
            }
            text("reason", reason)?;
            c.status = S::ReferredOut;
            c.referral = Some(*to);
            c.due = None;
            c.closed_at.get_or_insert(now);
            raises_event = *may_turn_violent || *to == Referral::Police;
        }
    }
    Ok(Outcome {
        case: c,
        raises_event,
    })
}

pub mod stars;
pub mod stats;
mod words;
pub use words::*;

#[cfg(test)]
mod tests;
