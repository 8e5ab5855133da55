//! Deliberation (事情共商): a village's council (村民议事会) or an open-air residents' meeting
//! (坝坝会) with its agenda, who attended, the 小事 it took up and what it decided — each decision
//! with who carries it out and by when; a decision may settle one of the 小事 it took up, which
//! then closes with the meeting on its record.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// 村（居）民议事会: the village's elected council.
    Council,
    /// 坝坝会: residents gathered in the open, anyone may speak.
    Yard,
}

impl MeetingKind {
    pub const ALL: [MeetingKind; 2] = [MeetingKind::Council, MeetingKind::Yard];

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingKind::Council => "council",
            MeetingKind::Yard => "yard",
        }
    }

    pub fn parse(s: &str) -> Option<MeetingKind> {
        MeetingKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MeetingKind::Council => "村民议事会",
            MeetingKind::Yard => "坝坝会",
        }
    }
}

/// A decision as recorded: what was decided, who carries it out, by when (days since
/// 1970-01-01), the 小事 it concerns and whether it settles it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub text: String,
    pub carried_by: String,
    pub due_day: i64,
    pub event_id: Option<i64>,
    pub settles: bool,
}

/// A meeting as recorded after it was held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub kind: MeetingKind,
    pub title: String,
    /// Days since 1970-01-01.
    pub held_day: i64,
    pub place: String,
    pub host: String,
    /// Named attendees (council members, the parties to a matter, officials).
    pub attendees: Vec<String>,
    /// How many people were there in all (a 坝坝会 counts heads, not names).
    pub headcount: i64,
    pub agenda: Vec<String>,
    /// The 小事 taken up (event ids).
    pub matters: Vec<i64>,
    pub minutes: String,
    pub decisions: Vec<Decision>,
}

pub const MAX_AGENDA: usize = 20;
pub const MAX_ATTENDEES: usize = 200;
pub const MAX_DECISIONS: usize = 30;
pub const MAX_MATTERS: usize = 30;

fn line(field: &str, raw: &str, max: usize, problems: &mut Vec<DomainError>) -> String {
    crate::text::line(field, raw, max)
        .map_err(|e| problems.push(e))
        .unwrap_or_default()
}

/// A meeting checked whole (every problem with its field), its texts trimmed; `today` is the
/// day it is recorded (a meeting is recorded once held, never ahead).
pub fn check(m: &Meeting, today: i64) -> Result<Meeting, Vec<DomainError>> {
    let mut p = Vec::new();
    let mut out = m.clone();
    out.title = line("title", &m.title, 60, &mut p);
    out.place = line("place", &m.place, 60, &mut p);
    out.host = line("host", &m.host, 40, &mut p);
    if m.held_day > today || m.held_day < today - 366 {
        p.push(
            DomainError::invalid("held_on", "a day within the past year, not ahead")
                .zh("召开日期应在过去一年内，不能晚于今天"),
        );
    }
    if m.agenda.is_empty() || m.agenda.len() > MAX_AGENDA {
        p.push(
            DomainError::invalid("agenda", format!("1 to {MAX_AGENDA} items"))
                .zh("议程应为1至20项"),
        );
    }
    out.agenda = m
        .agenda
        .iter()
        .enumerate()
        .map(|(i, a)| line(&format!("agenda[{i}]"), a, 200, &mut p))
        .collect();
    if m.attendees.is_empty() || m.attendees.len() > MAX_ATTENDEES {
        p.push(
            DomainError::invalid("attendees", format!("1 to {MAX_ATTENDEES} names"))
                .zh("请填写参会人员（至多200人）"),
        );
    }
    out.attendees = m
        .attendees
        .iter()
        .enumerate()
        .map(|(i, a)| line(&format!("attendees[{i}]"), a, 40, &mut p))
        .collect();
    if m.headcount < m.attendees.len() as i64 || m.headcount > 100_000 {
        p.push(
            DomainError::invalid("headcount", "at least the attendees named")
                .zh("到会人数不能少于所列参会人员"),
        );
    }
    if m.matters.len() > MAX_MATTERS {
        p.push(
            DomainError::invalid("matters", format!("at most {MAX_MATTERS}"))
                .zh("议题事件至多30件"),
        );
    }
    let mut seen = std::collections::HashSet::new();
    if m.matters.iter().any(|e| !seen.insert(*e)) {
        p.push(
            DomainError::invalid("matters", "an event is taken up once").zh("同一事件只能列入一次"),
        );
    }
    out.minutes = if m.minutes.chars().count() > 5000 {
        p.push(DomainError::invalid("minutes", "at most 5000 characters").zh("会议记录至多5000字"));
        String::new()
    } else if m.minutes.trim().is_empty() {
        String::new()
    } else {
        crate::text::note("minutes", &m.minutes, 5000)
            .map_err(|e| p.push(e))
            .unwrap_or_default()
    };
    if m.decisions.is_empty() || m.decisions.len() > MAX_DECISIONS {
        p.push(
            DomainError::invalid("decisions", format!("1 to {MAX_DECISIONS}"))
                .zh("请记录议定事项（1至30项）"),
        );
    }
    let mut settled = std::collections::HashSet::new();
    for (i, d) in m.decisions.iter().enumerate() {
        let f = |name: &str| format!("decisions[{i}].{name}");
        out.decisions[i].text = crate::text::note(&f("text"), &d.text, 500)
            .map_err(|e| p.push(e))
            .unwrap_or_default();
        out.decisions[i].carried_by = line(&f("carried_by"), &d.carried_by, 40, &mut p);
        if d.due_day < m.held_day || d.due_day > m.held_day + 366 {
            p.push(
                DomainError::invalid(&f("due_on"), "on or after the meeting, within a year")
                    .zh("完成时限应在会议之后一年内"),
            );
        }
        match d.event_id {
            Some(e) if !m.matters.contains(&e) => p.push(
                DomainError::invalid(&f("event_id"), "an event the meeting took up")
                    .zh("只能针对本次会议列入的事件"),
            ),
            Some(e) if d.settles && !settled.insert(e) => p.push(
                DomainError::invalid(&f("settles"), "a matter is settled once")
                    .zh("同一事件只能议结一次"),
            ),
            None if d.settles => p.push(
                DomainError::invalid(&f("settles"), "settling needs the event it settles")
                    .zh("议结事项须指明对应事件"),
            ),
            _ => {}
        }
    }
    if p.is_empty() {
        Ok(out)
    } else {
        Err(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting() -> Meeting {
        Meeting {
            kind: MeetingKind::Yard,
            title: "三组灌溉渠清淤".into(),
            held_day: 20_000,
            place: "三组晒坝".into(),
            host: "村支书 田国强".into(),
            attendees: vec!["田国强".into(), "向春兰".into(), "冉秀英".into()],
            headcount: 42,
            agenda: vec!["灌溉渠清淤分工".into()],
            matters: vec![7],
            minutes: "".into(),
            decisions: vec![Decision {
                text: "每户出工一天，周六前完成清淤".into(),
                carried_by: "三组组长".into(),
                due_day: 20_005,
                event_id: Some(7),
                settles: true,
            }],
        }
    }

    #[test]
    fn a_sound_meeting_passes_trimmed() {
        let mut m = meeting();
        m.title = "  三组灌溉渠清淤 ".into();
        assert_eq!(check(&m, 20_001).unwrap().title, "三组灌溉渠清淤");
    }

    #[test]
    fn every_problem_is_named() {
        let mut m = meeting();
        m.held_day = 20_010;
        m.headcount = 2;
        m.matters = vec![7, 7];
        m.decisions.push(Decision {
            text: "另议".into(),
            carried_by: "村委".into(),
            due_day: 19_000,
            event_id: Some(9),
            settles: false,
        });
        m.decisions.push(Decision {
            text: "再议".into(),
            carried_by: "村委".into(),
            due_day: 20_011,
            event_id: None,
            settles: true,
        });
        let fields: Vec<String> = check(&m, 20_001)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field.unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "held_on",
                "headcount",
                "matters",
                "decisions[0].due_on",
                "decisions[1].due_on",
                "decisions[1].event_id",
                "decisions[2].settles"
            ]
        );
    }

    #[test]
    fn a_matter_is_settled_once() {
        let mut m = meeting();
        m.decisions.push(m.decisions[0].clone());
        let e = check(&m, 20_001).unwrap_err();
        assert_eq!(e[0].field.as_deref(), Some("decisions[1].settles"));
    }
}
