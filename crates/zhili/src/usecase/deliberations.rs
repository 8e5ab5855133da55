//! Deliberation (事情共商): the village station records a council or open-air meeting once held
//! — agenda, attendees, the 小事 it took up, its decisions — and a decision that settles a 小事
//! walks it to closure as the station would (taken up, handled with the decision as its
//! feedback, verified, closed), each step with its own record naming the meeting. Every
//! settled matter is walked on a copy first, so a meeting is refused whole rather than kept
//! with a matter it cannot close.

use super::act::{self, Act, Step};
use super::{forbidden, not_found, Error, Result};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhili_domain::deliberation::{self as rules, Decision, Meeting, MeetingKind};
use zhili_domain::event::{self, Command, MatterClass, Status};
use zhili_domain::time::parse_date;
use zhili_domain::user::User;
use zhili_domain::{DomainError, Role, UnitId};
use zhili_store::{EventRecord, MeetingRecord};

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliberationDecisionSpec {
    #[schema(max_length = 500)]
    pub text: String,
    /// Who carries it out (a person, a group leader, a committee).
    #[schema(max_length = 40)]
    pub carried_by: String,
    /// YYYY-MM-DD
    pub due_on: String,
    /// The 小事 it concerns (one the meeting took up).
    #[schema(minimum = 1)]
    pub event_id: Option<i64>,
    /// It settles that 小事: the event is closed with the meeting on its record.
    #[serde(default)]
    pub settles: bool,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliberationKind {
    /// 村民议事会
    Council,
    /// 坝坝会
    Yard,
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliberationSpec {
    pub kind: DeliberationKind,
    #[schema(max_length = 60)]
    pub title: String,
    /// YYYY-MM-DD, not ahead of today.
    pub held_on: String,
    #[schema(max_length = 60)]
    pub place: String,
    #[schema(max_length = 40)]
    pub host: String,
    pub attendees: Vec<String>,
    /// Everyone there, named or not.
    #[schema(minimum = 1, maximum = 100000)]
    pub headcount: i64,
    pub agenda: Vec<String>,
    /// The 小事 of the village the meeting took up (event ids).
    #[serde(default)]
    pub matters: Vec<i64>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub minutes: String,
    pub decisions: Vec<DeliberationDecisionSpec>,
}

fn day(field: &str, raw: &str, problems: &mut Vec<DomainError>) -> i64 {
    parse_date(raw).unwrap_or_else(|| {
        problems.push(DomainError::invalid(field, "a date YYYY-MM-DD").zh("请填写有效日期"));
        0
    })
}

/// The steps that take a 小事 led by the station from where it stands to closure.
fn steps_to_close(e: &EventRecord, station: &UnitId, feedback: &str) -> Option<Vec<Command>> {
    let mut steps = Vec::new();
    match e.case.status {
        Status::Registered => {
            steps.push(Command::Dispatch {
                lead: station.clone(),
                assisting: vec![],
            });
            steps.push(Command::Accept);
        }
        Status::Dispatched => steps.push(Command::Accept),
        Status::Accepted | Status::Handled | Status::Verified => {}
        _ => return None,
    }
    if matches!(
        e.case.status,
        Status::Registered | Status::Dispatched | Status::Accepted
    ) {
        steps.push(Command::Handle {
            feedback: feedback.to_string(),
        });
    }
    if e.case.status != Status::Verified {
        steps.push(Command::Verify { passed: true });
    }
    steps.push(Command::Close {
        resident_confirmed: false,
    });
    Some(steps)
}

pub async fn record(state: &AppState, user: &User, s: DeliberationSpec) -> Result<MeetingRecord> {
    if user.role != Role::VillageOperator {
        return Err(forbidden("the village's station records its meetings"));
    }
    let mut problems = Vec::new();
    let held_day = day("held_on", &s.held_on, &mut problems);
    let decisions: Vec<Decision> = s
        .decisions
        .iter()
        .enumerate()
        .map(|(i, d)| Decision {
            text: d.text.clone(),
            carried_by: d.carried_by.clone(),
            due_day: day(&format!("decisions[{i}].due_on"), &d.due_on, &mut problems),
            event_id: d.event_id,
            settles: d.settles,
        })
        .collect();
    let meeting = Meeting {
        kind: match s.kind {
            DeliberationKind::Council => MeetingKind::Council,
            DeliberationKind::Yard => MeetingKind::Yard,
        },
        title: s.title,
        held_day,
        place: s.place,
        host: s.host,
        attendees: s.attendees,
        headcount: s.headcount,
        agenda: s.agenda,
        matters: s.matters,
        minutes: s.minutes,
        decisions,
    };
    let now = crate::now_ms();
    let today = (now + 8 * 3_600_000).div_euclid(86_400_000);
    // Checked whole; the matters are looked at even when the form has other problems, so it
    // learns everything at once.
    let checked = rules::check(&meeting, today).map_err(|p| problems.extend(p));
    // The matters: 小事 of this village the station can see.
    let station = UnitId::station(&user.region_code);
    let actor = event::Actor {
        role: user.role,
        unit: user.unit_id.clone(),
        region: user.region_code.clone(),
        grids: user.grids.clone(),
    };
    let mut events = std::collections::HashMap::new();
    for (i, id) in meeting.matters.iter().take(rules::MAX_MATTERS).enumerate() {
        match state.store.get_event(&user.scope(), *id).await? {
            Some(e) if e.case.class == MatterClass::Minor => {
                events.insert(*id, e);
            }
            Some(_) => problems.push(
                DomainError::invalid(
                    &format!("matters[{i}]"),
                    "only a 小事 goes to the village's deliberation",
                )
                .zh("只有“小事”可以提交议事"),
            ),
            None => {
                return Err(not_found(
                    &format!("matters[{i}]"),
                    format!("event {id} not found"),
                ))
            }
        }
    }
    let (Ok(meeting), true) = (checked, problems.is_empty()) else {
        return Err(Error::problems(problems));
    };
    let reference = state.reference();
    for (i, d) in meeting.decisions.iter().enumerate() {
        let (true, Some(e)) = (d.settles, d.event_id.and_then(|id| events.get(&id))) else {
            continue;
        };
        let walked = steps_to_close(e, &station, &d.text).and_then(|steps| {
            let mut case = e.case.clone();
            for c in &steps {
                case = event::apply(&case, &actor, c, now, &reference.calendar)
                    .ok()?
                    .case;
            }
            Some(())
        });
        if walked.is_none() {
            problems.push(
                DomainError::invalid(
                    &format!("decisions[{i}].settles"),
                    format!(
                        "event {} cannot be closed by the village from where it stands",
                        e.id
                    ),
                )
                .zh(format!("事件{}当前状态下不能由本村议结", e.case_number)),
            );
        }
    }
    if !problems.is_empty() {
        return Err(Error::problems(problems));
    }
    let village = user.region_code.to_string();
    let id = state
        .store
        .record_meeting(&user.actor(), &village, &meeting, now)
        .await?;
    let held = zhili_domain::time::civil_from_days(meeting.held_day);
    for d in meeting.decisions.iter().filter(|d| d.settles) {
        let Some(e) = d.event_id.and_then(|id| events.get(&id)) else {
            continue;
        };
        let said = format!(
            "经{:04}-{:02}-{:02}{}（议事记录 #{id}）议定：{}",
            held.0,
            held.1,
            held.2,
            meeting.kind.label_zh(),
            d.text
        );
        for c in steps_to_close(e, &station, &said).unwrap_or_default() {
            let step = match c {
                Command::Dispatch { lead, .. } => Step::Dispatch {
                    lead: Some(lead.to_string()),
                    assisting: Some(vec![]),
                },
                other => Step::Do(other),
            };
            act::act(
                state,
                user,
                Act {
                    event: e.id,
                    version: None,
                    step,
                    opinion: Some(said.clone()),
                    photos: vec![],
                },
            )
            .await?;
        }
    }
    found(state, user, id).await
}

async fn found(state: &AppState, user: &User, id: i64) -> Result<MeetingRecord> {
    state
        .store
        .deliberation(id)
        .await?
        .filter(|m| m.village_code.starts_with(user.region_code.as_str()))
        .ok_or_else(|| not_found("id", format!("meeting {id} not found")))
}

/// The meetings of the reader's area (a grid worker: their village's), latest first.
pub async fn list(state: &AppState, user: &User) -> Result<Vec<MeetingRecord>> {
    let prefix = super::points::community_area(user)?;
    Ok(state.store.deliberations(&prefix, 200).await?)
}

pub async fn get(state: &AppState, user: &User, id: i64) -> Result<MeetingRecord> {
    let prefix = super::points::community_area(user)?;
    state
        .store
        .deliberation(id)
        .await?
        .filter(|m| m.village_code.starts_with(&prefix))
        .ok_or_else(|| not_found("id", format!("meeting {id} not found")))
}

/// The station marks a decision carried out.
pub async fn complete(
    state: &AppState,
    user: &User,
    id: i64,
    seq: i64,
    note: &str,
) -> Result<MeetingRecord> {
    if user.role != Role::VillageOperator {
        return Err(forbidden("the village's station follows its decisions up"));
    }
    let m = found(state, user, id).await?;
    if seq < 0 || seq as usize >= m.meeting.decisions.len() {
        return Err(not_found("seq", format!("no decision {seq}")));
    }
    let note = zhili_domain::text::note("note", note, 500)?;
    let done = state
        .store
        .complete_decision(&user.actor(), id, seq, &note, crate::now_ms())
        .await?;
    if !done {
        return Err(DomainError::new(
            zhili_domain::ErrorCode::InvalidTransition,
            "the decision is carried out already",
        )
        .zh("该议定事项已办结")
        .into());
    }
    found(state, user, id).await
}
