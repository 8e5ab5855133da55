//! Mediation statistics for any period and grouping (dispute type, area, committee, mediator,
//! outcome): cases, success rate, mean days to settle, confirmation and performance rates —
//! the 矛盾纠纷排查化解 figures officials report.

use super::stars::{CaseFacts, Figures};
use crate::calendar::{WorkingCalendar, DAY_MS};

/// A group's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    pub figures: Figures,
    /// Cases still open.
    pub open: i64,
    /// Open cases past their deadline.
    pub overdue: i64,
    /// Time from registration to agreement, summed over the settled cases.
    settle_ms: i64,
}

impl Tally {
    /// Counts one case.
    pub fn add(
        &mut self,
        c: &CaseFacts,
        registered_at: i64,
        agreed_at: Option<i64>,
        due: Option<i64>,
        now: i64,
        cal: &WorkingCalendar,
    ) {
        self.figures.add(c, cal);
        if c.status.is_open() {
            self.open += 1;
            if due.is_some_and(|d| d < now) {
                self.overdue += 1;
            }
        }
        if let Some(a) = agreed_at {
            self.settle_ms += (a - registered_at).max(0);
        }
    }

    /// Mean days from registration to agreement, to a tenth of a day.
    pub fn mean_days_to_settle(&self) -> Option<f64> {
        (self.figures.settled > 0).then(|| {
            (self.settle_ms as f64 / DAY_MS as f64 / self.figures.settled as f64 * 10.0).round()
                / 10.0
        })
    }

    pub fn merge(&mut self, o: &Tally) {
        let (a, b) = (&mut self.figures, &o.figures);
        a.cases += b.cases;
        a.ended += b.ended;
        a.settled += b.settled;
        a.performance_known += b.performance_known;
        a.performed += b.performed;
        a.written += b.written;
        a.confirmations += b.confirmations;
        a.to_follow_up += b.to_follow_up;
        a.followed_up_on_time += b.followed_up_on_time;
        a.repeated += b.repeated;
        self.open += o.open;
        self.overdue += o.overdue;
        self.settle_ms += o.settle_ms;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mediation::{AgreementForm, Status};

    #[test]
    fn a_tally_counts_settled_cases_and_their_days() {
        let cal = WorkingCalendar::default();
        let base = CaseFacts {
            status: Status::Closed,
            agreement: Some(AgreementForm::Written),
            confirmation_applied: true,
            performed_at: None,
            closed_at: None,
            follow_up_ms: 0,
            repeated: false,
        };
        let mut t = Tally::default();
        t.add(&base, 0, Some(4 * DAY_MS), None, 100 * DAY_MS, &cal);
        t.add(&base, 0, Some(6 * DAY_MS), None, 100 * DAY_MS, &cal);
        let open = CaseFacts {
            status: Status::Mediating,
            agreement: None,
            confirmation_applied: false,
            ..base
        };
        t.add(&open, 0, None, Some(50 * DAY_MS), 100 * DAY_MS, &cal);
        assert_eq!(t.mean_days_to_settle(), Some(5.0));
        assert_eq!((t.figures.cases, t.open, t.overdue), (3, 1, 1));
        assert_eq!(
            t.figures.value("success_rate"),
            Some(1.0),
            "an open case has not ended"
        );
        assert_eq!(t.figures.value("confirmation_rate"), Some(1.0));
        let mut sum = Tally::default();
        sum.merge(&t);
        sum.merge(&t);
        assert_eq!(
            (sum.figures.cases, sum.mean_days_to_settle()),
            (6, Some(5.0))
        );
    }
}
