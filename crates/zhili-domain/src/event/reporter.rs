//! The moves of the resident who reported a case through their own account: they rate it and
//! confirm a 私事 themselves; the centre no longer rates such a case.

use super::{refuse, Case, Command, MatterClass, Outcome, Status, Step, StepDone};
use crate::calendar::WorkingCalendar;
use crate::DomainError;

pub(super) fn rate(
    next: &mut Case,
    satisfaction: i64,
    now: i64,
    cal: &WorkingCalendar,
) -> Result<(), DomainError> {
    if !(1..=5).contains(&satisfaction) {
        return Err(DomainError::invalid(
            "satisfaction",
            "satisfaction is 1 to 5",
        ));
    }
    next.satisfaction = Some(satisfaction);
    next.enter(Status::Evaluated, now, cal);
    Ok(())
}

/// What the resident who reported a case through their account may do on it: rate it once
/// it is closed, and confirm that a 私事 is settled by the guidance they were given. Nothing
/// else is theirs; the caller has checked that the case is theirs.
pub fn apply_by_reporter(
    case: &Case,
    command: &Command,
    now: i64,
    cal: &WorkingCalendar,
) -> Result<Outcome, DomainError> {
    let mut next = case.clone();
    if !case.reporter_account {
        return Err(refuse(
            "the case was not reported through a resident account",
        ));
    }
    let step_done = match (case.status, command) {
        (Status::Closed, Command::Evaluate { satisfaction }) => {
            rate(&mut next, *satisfaction, now, cal)?;
            None
        }
        (
            Status::Registered,
            Command::Close {
                resident_confirmed: true,
            },
        ) if case.class == MatterClass::Private => {
            let due = case.step_due.unwrap_or(now);
            next.enter(Status::Closed, now, cal);
            next.closed_at = Some(now);
            Some(StepDone {
                step: Step::Dispatch,
                due,
                on_time: now <= due,
            })
        }
        (Status::Evaluated, Command::Evaluate { .. }) => {
            return Err(refuse("the case is rated already").zh("已评价过"))
        }
        _ => {
            return Err(refuse(format!(
                "{} is not the reporter's to do while the event is {}",
                command.name(),
                case.status.as_str()
            ))
            .zh("当前状态下不能这样操作"))
        }
    };
    Ok(Outcome {
        case: next,
        step_done,
    })
}
