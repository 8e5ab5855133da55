//! Assessment meetings (研判会) of the "1+13+N" mechanism: the district's, a sector's (the
//! departments the district grouped together) and grassroots ones in a town or village. A
//! meeting is scheduled, then held: who attended, the minutes, and decisions — each a task for
//! a lead unit with a due day, dispatched as an event so it is followed like any other.

use crate::DomainError;

crate::vocabulary!(
    /// Which assessment a meeting is.
    MeetingKind, MEETING_KINDS {
        District = ("district", "区级综合研判"),
        Sector = ("sector", "行业研判"),
        Grassroots = ("grassroots", "基层研判"),
    }
);

/// Decisions one meeting may take.
pub const MAX_DECISIONS: usize = 30;
const MAX_ATTENDEES: usize = 100;

/// A decision as minuted: what is to be done, by which unit, by when (a China day), and the
/// event category its task is filed under.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub text: String,
    pub lead_unit: String,
    pub category: String,
    pub due_on: i64,
}

/// What a meeting held records.
#[derive(Clone, Debug, PartialEq)]
pub struct MeetingRecord {
    pub attendees: Vec<String>,
    pub minutes: String,
    pub decisions: Vec<Decision>,
}

impl MeetingRecord {
    /// The record trimmed, or the first field at fault (`held_on` the meeting's China day).
    pub fn check(self, held_on: i64) -> Result<MeetingRecord, DomainError> {
        if self.attendees.is_empty() || self.attendees.len() > MAX_ATTENDEES {
            return Err(DomainError::invalid(
                "attendees",
                format!("1 to {MAX_ATTENDEES} attendees"),
            )
            .zh(format!("参会人员应为1至{MAX_ATTENDEES}人")));
        }
        let mut attendees = Vec::with_capacity(self.attendees.len());
        for (i, a) in self.attendees.iter().enumerate() {
            let a = crate::text::line(&format!("attendees[{i}]"), a, 50)?;
            if !attendees.contains(&a) {
                attendees.push(a);
            }
        }
        let minutes = crate::text::note("minutes", &self.minutes, 20_000)?;
        if self.decisions.len() > MAX_DECISIONS {
            return Err(DomainError::invalid(
                "decisions",
                format!("at most {MAX_DECISIONS} decisions"),
            )
            .zh(format!("决定事项最多 {MAX_DECISIONS} 项")));
        }
        let mut decisions = Vec::with_capacity(self.decisions.len());
        for (i, d) in self.decisions.into_iter().enumerate() {
            let text = crate::text::note(&format!("decisions[{i}].text"), &d.text, 1000)?;
            if d.due_on < held_on || d.due_on > held_on + super::MAX_REVIEW_DAYS {
                return Err(DomainError::invalid(
                    &format!("decisions[{i}].due_on"),
                    "from the meeting's day to a year after",
                )
                .zh("完成时限应在会议当天到一年之内"));
            }
            decisions.push(Decision { text, ..d });
        }
        Ok(MeetingRecord {
            attendees,
            minutes,
            decisions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> MeetingRecord {
        MeetingRecord {
            attendees: vec![
                "区委政法委 张某".into(),
                "区委政法委 张某".into(),
                "区司法局 李某".into(),
            ],
            minutes: "研判本周土地纠纷上升情况".into(),
            decisions: vec![Decision {
                text: " 司法局牵头开展土地纠纷专项调解 ".into(),
                lead_unit: "D04".into(),
                category: "0101".into(),
                due_on: 20,
            }],
        }
    }

    #[test]
    fn a_record_is_trimmed_and_attendees_counted_once() {
        let r = record().check(10).unwrap();
        assert_eq!(r.attendees.len(), 2);
        assert_eq!(r.decisions[0].text, "司法局牵头开展土地纠纷专项调解");
    }

    #[test]
    fn a_record_names_the_field_at_fault() {
        let field = |r: MeetingRecord| r.check(10).unwrap_err().field.unwrap();
        assert_eq!(
            field(MeetingRecord {
                attendees: vec![],
                ..record()
            }),
            "attendees"
        );
        assert_eq!(
            field(MeetingRecord {
                attendees: vec!["a\tb".into()],
                ..record()
            }),
            "attendees[0]"
        );
        assert_eq!(
            field(MeetingRecord {
                minutes: "".into(),
                ..record()
            }),
            "minutes"
        );
        let mut late = record();
        late.decisions[0].due_on = 9;
        assert_eq!(field(late), "decisions[0].due_on");
        let mut blank = record();
        blank.decisions[0].text = "  ".into();
        assert_eq!(field(blank), "decisions[0].text");
        let mut many = record();
        many.decisions = vec![many.decisions[0].clone(); 31];
        assert_eq!(field(many), "decisions");
    }
}
