//! The reception desk (群众诉求接待中心, the 12345 hotline): the reply to a caller once their
//! case is closed — by phone, text or in person, reached or not, what they were told and how
//! satisfied they said they were — due within two working days of the closure; and the
//! hotline's figures (GB/T 33358: answered, responded, solved, replied in time, satisfied).

use crate::calendar::WorkingCalendar;
use crate::event::{Channel, Status};
use crate::{DomainError, ErrorCode};

/// Working days after the closure by which the caller is to be told.
pub const REPLY_WITHIN_WORKING_DAYS: i64 = 2;

/// How the caller was told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyChannel {
    Phone,
    Sms,
    InPerson,
}

impl ReplyChannel {
    pub const ALL: [ReplyChannel; 3] = [
        ReplyChannel::Phone,
        ReplyChannel::Sms,
        ReplyChannel::InPerson,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReplyChannel::Phone => "phone",
            ReplyChannel::Sms => "sms",
            ReplyChannel::InPerson => "in_person",
        }
    }

    pub fn parse(s: &str) -> Option<ReplyChannel> {
        ReplyChannel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A reply as the desk records it.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub channel: ReplyChannel,
    /// The caller was reached (a call answered, a visit met); a text message counts as reached.
    pub reached: bool,
    /// What they were told (and what they said).
    pub said: String,
    /// 1–5 as the caller said, only when reached.
    pub satisfaction: Option<i64>,
}

/// The channels through which people come to the desk: their cases are the desk's to reply to.
pub fn comes_to_the_desk(channel: Channel) -> bool {
    matches!(channel, Channel::Hotline | Channel::WalkIn)
}

impl Reply {
    /// Checks a reply to a case in `status` that came in by `channel`; every problem at once.
    pub fn check(&mut self, status: Status, channel: Channel) -> Result<(), Vec<DomainError>> {
        if !matches!(status, Status::Closed | Status::Evaluated) {
            return Err(vec![DomainError::new(
                ErrorCode::InvalidTransition,
                "the caller is replied to once the case is closed",
            )
            .zh("事件办结后才能答复来电人")]);
        }
        if !comes_to_the_desk(channel) {
            return Err(vec![DomainError::new(
                ErrorCode::InvalidTransition,
                "only hotline and walk-in cases are replied to by the desk",
            )
            .zh("只有热线和来访事件由接待中心答复")]);
        }
        let mut problems = Vec::new();
        match crate::text::note("said", &self.said, 1000) {
            Ok(s) => self.said = s,
            Err(e) => problems.push(e),
        }
        if self.channel == ReplyChannel::Sms {
            self.reached = true;
        }
        match self.satisfaction {
            Some(_) if !self.reached => problems.push(
                DomainError::invalid("satisfaction", "a caller not reached gave no rating")
                    .zh("未联系上来电人，不能填写满意度"),
            ),
            Some(s) if !(1..=5).contains(&s) => problems.push(
                DomainError::invalid("satisfaction", "satisfaction is 1 to 5")
                    .zh("满意度为 1 至 5"),
            ),
            Some(_) if self.channel == ReplyChannel::Sms => problems.push(
                DomainError::invalid("satisfaction", "a text message carries no rating")
                    .zh("短信答复不能代填满意度"),
            ),
            _ => {}
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// When the reply to a case closed at `closed_at` is due: the end of the second working day
/// after the closure (the working hours of the calendar in force).
pub fn reply_due(closed_at: i64, cal: &WorkingCalendar) -> i64 {
    let day_ms: i64 = cal.windows().iter().map(|(a, b)| (b - a) * 60_000).sum();
    cal.add_working(closed_at, REPLY_WITHIN_WORKING_DAYS * day_ms.max(1))
}

/// The hotline's counts over a period, as the store reads them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeskCounts {
    /// Calls and visits taken (events by hotline or walk-in).
    pub answered: i64,
    /// Of those, taken in or turned down (no longer waiting to be registered).
    pub responded: i64,
    /// Of those, closed.
    pub solved: i64,
    /// Closed cases whose reply is due by now.
    pub reply_due: i64,
    /// Replies made in time.
    pub replied_on_time: i64,
    /// Rated cases, and those rated 4 or 5.
    pub rated: i64,
    pub satisfied: i64,
}

/// A rate as a percentage with one decimal, or none when nothing was counted.
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::HOUR_MS;

    fn reply(channel: ReplyChannel, reached: bool, satisfaction: Option<i64>) -> Reply {
        Reply {
            channel,
            reached,
            said: " 已告知处理结果 ".into(),
            satisfaction,
        }
    }

    #[test]
    fn a_reply_comes_after_closure_for_desk_cases_with_a_rating_only_when_reached() {
        let mut ok = reply(ReplyChannel::Phone, true, Some(4));
        assert!(ok.check(Status::Closed, Channel::Hotline).is_ok());
        assert_eq!(ok.said, "已告知处理结果");
        assert!(reply(ReplyChannel::Phone, false, None)
            .check(Status::Evaluated, Channel::WalkIn)
            .is_ok());
        let e = reply(ReplyChannel::Phone, true, None)
            .check(Status::Handled, Channel::Hotline)
            .unwrap_err();
        assert_eq!(e[0].code, ErrorCode::InvalidTransition);
        let e = reply(ReplyChannel::Phone, true, None)
            .check(Status::Closed, Channel::GridPatrol)
            .unwrap_err();
        assert_eq!(e[0].code, ErrorCode::InvalidTransition);
        for bad in [
            reply(ReplyChannel::Phone, false, Some(5)),
            reply(ReplyChannel::Phone, true, Some(6)),
            reply(ReplyChannel::Sms, true, Some(5)),
        ] {
            let e = bad
                .clone()
                .check(Status::Closed, Channel::Hotline)
                .unwrap_err();
            assert_eq!(e[0].field.as_deref(), Some("satisfaction"), "{bad:?}");
        }
        let mut empty = reply(ReplyChannel::InPerson, true, None);
        empty.said = "  ".into();
        let e = empty.check(Status::Closed, Channel::WalkIn).unwrap_err();
        assert_eq!(e[0].field.as_deref(), Some("said"));
        let mut sms = reply(ReplyChannel::Sms, false, None);
        sms.check(Status::Closed, Channel::Hotline).unwrap();
        assert!(sms.reached, "a text message reaches");
    }

    #[test]
    fn the_reply_is_due_two_working_days_after_closure() {
        let cal = WorkingCalendar::default();
        // Friday 2026-11-27 16:00 in China (08:00 UTC).
        let friday_4pm = crate::time::days_from_civil(2026, 11, 27) * 86_400_000 + 8 * HOUR_MS;
        let due = reply_due(friday_4pm, &cal);
        // Two working days of 7 h from Friday 16:00: Monday and Tuesday, due Tuesday 16:00.
        let tuesday_4pm = crate::time::days_from_civil(2026, 12, 1) * 86_400_000 + 8 * HOUR_MS;
        assert_eq!(due, tuesday_4pm);
    }

    #[test]
    fn rates_are_percentages_with_one_decimal_and_none_of_nothing() {
        assert_eq!(rate(2, 3), Some(66.7));
        assert_eq!(rate(0, 0), None);
        assert_eq!(rate(5, 5), Some(100.0));
    }
}
