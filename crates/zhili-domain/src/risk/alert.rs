//! What people do with an alert: acknowledge it, assign it to a unit, silence it (only with a
//! reason and an end), or turn it into an event; the evaluation clears it when its area has
//! been quiet long enough. A silenced alert speaks again when its silence ends.

use crate::DomainError;

crate::vocabulary!(
    /// Where an alert stands.
    AlertState, ALERT_STATES {
        Open = ("open", "待处理"),
        Acknowledged = ("acknowledged", "已知悉"),
        Silenced = ("silenced", "已静默"),
        Cleared = ("cleared", "已解除"),
    }
);

/// A silence lasts at most this long.
pub const MAX_SILENCE_MS: i64 = 30 * crate::calendar::DAY_MS;

#[derive(Clone, Debug, PartialEq)]
pub enum AlertCommand {
    Acknowledge,
    Assign {
        unit: String,
    },
    Silence {
        reason: String,
        until: i64,
    },
    /// The event raised from it (the caller reports the event).
    Raised {
        event_id: i64,
    },
    /// The register entry made of it (the caller registers the risk).
    Registered {
        risk_id: i64,
    },
}

impl AlertCommand {
    pub fn name(&self) -> &'static str {
        match self {
            AlertCommand::Acknowledge => "acknowledge",
            AlertCommand::Assign { .. } => "assign",
            AlertCommand::Silence { .. } => "silence",
            AlertCommand::Raised { .. } => "to_event",
            AlertCommand::Registered { .. } => "to_register",
        }
    }
}

/// An alert's state and what people added to it.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertHandling {
    pub state: AlertState,
    pub assigned_unit: Option<String>,
    pub silenced_until: Option<i64>,
    pub silence_reason: Option<String>,
    pub event_id: Option<i64>,
    pub risk_id: Option<i64>,
}

impl AlertHandling {
    /// The state as it reads at `now`: a silence that has ended is an open alert again.
    pub fn state_at(&self, now: i64) -> AlertState {
        match (self.state, self.silenced_until) {
            (AlertState::Silenced, Some(until)) if until <= now => AlertState::Open,
            (s, _) => s,
        }
    }

    /// The handling after `command` at `now`, or why not.
    pub fn apply(&self, command: &AlertCommand, now: i64) -> Result<AlertHandling, DomainError> {
        let state = self.state_at(now);
        if state == AlertState::Cleared {
            return Err(DomainError::new(
                crate::ErrorCode::InvalidTransition,
                "the alert has cleared",
            )
            .zh("预警已解除，不能再处理"));
        }
        let mut next = self.clone();
        next.state = state;
        match command {
            AlertCommand::Acknowledge => {
                if state != AlertState::Open {
                    return Err(DomainError::new(
                        crate::ErrorCode::InvalidTransition,
                        "only an open alert is acknowledged",
                    )
                    .zh("只有待处理的预警可以确认知悉"));
                }
                next.state = AlertState::Acknowledged;
            }
            AlertCommand::Assign { unit } => {
                next.assigned_unit = Some(unit.clone());
                if state == AlertState::Open {
                    next.state = AlertState::Acknowledged;
                }
            }
            AlertCommand::Silence { reason, until } => {
                let reason = crate::text::note("reason", reason, 500)?;
                if *until <= now || *until > now + MAX_SILENCE_MS {
                    return Err(DomainError::invalid(
                        "until",
                        "a silence ends after now and within 30 days",
                    )
                    .zh("静默截止时间须晚于现在，且不超过 30 天"));
                }
                next.state = AlertState::Silenced;
                next.silenced_until = Some(*until);
                next.silence_reason = Some(reason);
            }
            AlertCommand::Raised { event_id } => {
                if self.event_id.is_some() {
                    return Err(DomainError::new(
                        crate::ErrorCode::InvalidTransition,
                        "the alert already raised an event",
                    )
                    .zh("该预警已转为事件"));
                }
                next.event_id = Some(*event_id);
                if state == AlertState::Open {
                    next.state = AlertState::Acknowledged;
                }
            }
            AlertCommand::Registered { risk_id } => {
                if self.risk_id.is_some() {
                    return Err(DomainError::new(
                        crate::ErrorCode::InvalidTransition,
                        "the alert is already in the risk register",
                    )
                    .zh("该预警已列入风险台账"));
                }
                next.risk_id = Some(*risk_id);
                if state == AlertState::Open {
                    next.state = AlertState::Acknowledged;
                }
            }
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> AlertHandling {
        AlertHandling {
            state: AlertState::Open,
            assigned_unit: None,
            silenced_until: None,
            silence_reason: None,
            event_id: None,
            risk_id: None,
        }
    }

    #[test]
    fn a_silence_needs_a_reason_and_an_end_and_speaks_again_after_it() {
        let now = 1_000_000;
        let e = open()
            .apply(
                &AlertCommand::Silence {
                    reason: "  ".into(),
                    until: now + 3_600_000,
                },
                now,
            )
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("reason"));
        for until in [now, now + MAX_SILENCE_MS + 1] {
            let e = open()
                .apply(
                    &AlertCommand::Silence {
                        reason: "已掌握，正在处置".into(),
                        until,
                    },
                    now,
                )
                .unwrap_err();
            assert_eq!(e.field.as_deref(), Some("until"));
        }
        let s = open()
            .apply(
                &AlertCommand::Silence {
                    reason: "已掌握，正在处置".into(),
                    until: now + 3_600_000,
                },
                now,
            )
            .unwrap();
        assert_eq!(s.state_at(now + 1), AlertState::Silenced);
        assert_eq!(s.state_at(now + 3_600_000), AlertState::Open);
        // Once it speaks again it can be acknowledged.
        assert!(s.apply(&AlertCommand::Acknowledge, now + 3_600_001).is_ok());
        assert!(s.apply(&AlertCommand::Acknowledge, now + 1).is_err());
    }

    #[test]
    fn assigning_or_raising_an_event_acknowledges_and_a_cleared_alert_takes_nothing() {
        let a = open()
            .apply(&AlertCommand::Assign { unit: "D01".into() }, 0)
            .unwrap();
        assert_eq!(
            (a.state, a.assigned_unit.as_deref()),
            (AlertState::Acknowledged, Some("D01"))
        );
        let r = open()
            .apply(&AlertCommand::Raised { event_id: 7 }, 0)
            .unwrap();
        assert_eq!((r.state, r.event_id), (AlertState::Acknowledged, Some(7)));
        assert!(r.apply(&AlertCommand::Raised { event_id: 8 }, 0).is_err());
        let mut cleared = open();
        cleared.state = AlertState::Cleared;
        assert!(cleared.apply(&AlertCommand::Acknowledge, 0).is_err());
    }

    #[test]
    fn an_alert_becomes_one_event_and_one_register_entry() {
        let now = 1_000_000;
        let e = open()
            .apply(&AlertCommand::Raised { event_id: 7 }, now)
            .unwrap();
        assert_eq!((e.state, e.event_id), (AlertState::Acknowledged, Some(7)));
        assert!(e.apply(&AlertCommand::Raised { event_id: 8 }, now).is_err());
        let r = e
            .apply(&AlertCommand::Registered { risk_id: 3 }, now)
            .unwrap();
        assert_eq!((r.event_id, r.risk_id), (Some(7), Some(3)));
        assert!(r
            .apply(&AlertCommand::Registered { risk_id: 4 }, now)
            .is_err());
    }
}
