//! One step on a mediation case: the caller's fields checked, the domain's machine applied,
//! the new state written at the version read with its step and record; a referral out that may
//! turn violent (or goes to the police) then raises an event to the command centre.

use super::{who, Result};
use crate::state::AppState;
use crate::usecase::evidence::{self, LinkRef};
use crate::usecase::intake::{self, Report};
use crate::usecase::{invalid, not_found, Error};
use zhili_domain::event::Channel;
use zhili_domain::mediation::{self as m, AgreementForm, Command, Referral};
use zhili_domain::user::User;
use zhili_domain::{DomainError, ErrorCode};
use zhili_store::{CaseChange, CaseRecord, CaseStep, StoreError};

/// A step as the caller asks for it.
#[derive(Clone, Debug)]
pub enum Step {
    /// A party's answer (its position among the case's parties).
    Consent {
        party: usize,
        given: bool,
    },
    Assign {
        mediator_ids: Vec<i64>,
    },
    /// A session: who attended (names), its minutes (调解笔录), where, photos of the record.
    Session {
        attendees: Vec<String>,
        minutes: String,
        place: Option<String>,
        photos: Vec<String>,
    },
    Extend {
        days: i64,
        all_parties_agree: bool,
    },
    /// The agreement with the statute's fields: the facts and issues, the terms, the manner
    /// and deadline of performance.
    Agree {
        form: AgreementForm,
        issues: String,
        terms: String,
        manner: String,
        perform_by: i64,
        photos: Vec<String>,
    },
    Terminate {
        reason: String,
        remedies_told: bool,
    },
    ApplyConfirmation {
        joint: bool,
    },
    RecordConfirmation {
        confirmed: bool,
        ruling: Option<String>,
    },
    RecordPerformance {
        performed: bool,
        note: Option<String>,
    },
    FollowUp {
        note: String,
    },
    /// Handed elsewhere; the event it raises sits where the linked event was, or at `location`.
    ReferOut {
        to: Referral,
        reason: String,
        may_turn_violent: bool,
        location: Option<(f64, f64)>,
    },
}

#[derive(Clone, Debug)]
pub struct StepInput {
    pub case_id: i64,
    /// The version the caller saw: a change by someone else since is refused (409).
    pub version: Option<i64>,
    pub step: Step,
}

/// The case after the step, the event it raised, if any, and the dispute event its outcome
/// handled, if any.
pub struct Stepped {
    pub case: CaseRecord,
    pub raised_event: Option<i64>,
    pub handled_event: Option<i64>,
}

fn text(field: &str, raw: &str, max: usize) -> std::result::Result<String, DomainError> {
    zhili_domain::text::note(field, raw, max)
}

/// Takes one step on a case as `user`.
pub async fn step(state: &AppState, user: &User, input: StepInput) -> Result<Stepped> {
    if user.role.read_only() {
        return Err(super::forbidden("leaders have read-only access"));
    }
    let scope = user.scope();
    let case = state
        .store
        .case(&scope, input.case_id)
        .await?
        .ok_or_else(|| not_found("id", format!("no mediation case {}", input.case_id)))?;
    if let Some(v) = input.version {
        if v != case.version {
            return Err(StoreError::conflict(format!(
                "the case is at version {}, not {v}; reload it",
                case.version
            ))
            .into());
        }
    }
    let now = crate::now_ms();
    let reference = state.reference();
    let mut detail = serde_json::Map::new();
    let mut terms = None;
    let mut mediator_ids = None;
    let mut add_units = Vec::new();
    let mut location = None;
    let command = match &input.step {
        Step::Consent { party, given } => {
            let name = case
                .parties
                .get(*party)
                .map(|p| p.name.clone())
                .ok_or_else(|| invalid("party", format!("no party {party}")))?;
            detail.insert("party".into(), name.into());
            detail.insert("given".into(), (*given).into());
            Command::Consent {
                party: *party,
                given: *given,
            }
        }
        Step::Assign { mediator_ids: ids } => {
            // The committee's mediators serve the case's area (its committee is over it).
            let all = state
                .store
                .mediators(
                    &zhili_domain::Scope::whole(case.region_code.clone()),
                    Some(case.committee_id),
                    true,
                )
                .await?;
            let mut names = Vec::new();
            let mut chosen = Vec::new();
            for id in ids {
                let md = all.iter().find(|m| m.id == *id).ok_or_else(|| {
                    not_found(
                        "mediator_ids",
                        format!("mediator {id} is not the committee's"),
                    )
                })?;
                if !chosen.contains(id) {
                    chosen.push(*id);
                    names.push(md.mediator.name.clone());
                }
            }
            detail.insert("mediators".into(), names.into());
            mediator_ids = Some(chosen.clone());
            Command::Assign {
                mediators: chosen.iter().map(i64::to_string).collect(),
            }
        }
        Step::Session {
            attendees,
            minutes,
            place,
            photos,
        } => {
            let mut names = Vec::new();
            for (i, a) in attendees.iter().enumerate() {
                names.push(zhili_domain::text::line(&format!("attendees[{i}]"), a, 50)?);
            }
            if names.len() > 50 {
                return Err(invalid("attendees", "at most 50 attendees"));
            }
            let minutes = text("minutes", minutes, 5000)?;
            if let Some(p) = place {
                detail.insert(
                    "place".into(),
                    zhili_domain::text::line("place", p, 100)?.into(),
                );
            }
            let photos = evidence::checked_photos(state, &user.username, "photos", photos).await?;
            detail.insert("attendees".into(), names.clone().into());
            detail.insert("minutes".into(), minutes.clone().into());
            if photos != "[]" && !photos.is_empty() {
                detail.insert(
                    "photos".into(),
                    serde_json::from_str(&photos).unwrap_or_default(),
                );
            }
            Command::Session {
                attendees: names.len(),
                minutes,
            }
        }
        Step::Extend {
            days,
            all_parties_agree,
        } => {
            detail.insert("days".into(), (*days).into());
            Command::Extend {
                days: *days,
                all_parties_agree: *all_parties_agree,
            }
        }
        Step::Agree {
            form,
            issues,
            terms: t,
            manner,
            perform_by,
            photos,
        } => {
            let issues = text("issues", issues, 5000)?;
            let t = text("terms", t, 5000)?;
            let manner = text("manner", manner, 1000)?;
            let photos = evidence::checked_photos(state, &user.username, "photos", photos).await?;
            let agreement = serde_json::json!({
                "issues": issues,
                "terms": t,
                "manner": manner,
                "perform_by": perform_by,
                "photos": serde_json::from_str::<serde_json::Value>(&photos).unwrap_or_default(),
            });
            detail.insert("form".into(), form.as_str().into());
            detail.insert("agreement".into(), agreement.clone());
            terms = Some(agreement.to_string());
            Command::Agree {
                form: *form,
                perform_by: *perform_by,
            }
        }
        Step::Terminate {
            reason,
            remedies_told,
        } => {
            detail.insert("reason".into(), reason.clone().into());
            Command::Terminate {
                reason: reason.clone(),
                remedies_told: *remedies_told,
            }
        }
        Step::ApplyConfirmation { joint } => {
            add_units.push(m::COURT.to_string());
            Command::ApplyConfirmation { joint: *joint }
        }
        Step::RecordConfirmation { confirmed, ruling } => {
            if let Some(r) = ruling {
                detail.insert("ruling".into(), text("ruling", r, 1000)?.into());
            }
            detail.insert("confirmed".into(), (*confirmed).into());
            Command::RecordConfirmation {
                confirmed: *confirmed,
            }
        }
        Step::RecordPerformance { performed, note } => {
            if let Some(n) = note {
                detail.insert("note".into(), text("note", n, 2000)?.into());
            }
            detail.insert("performed".into(), (*performed).into());
            Command::RecordPerformance {
                performed: *performed,
            }
        }
        Step::FollowUp { note } => {
            detail.insert("note".into(), note.clone().into());
            Command::FollowUp { note: note.clone() }
        }
        Step::ReferOut {
            to,
            reason,
            may_turn_violent,
            location: at,
        } => {
            detail.insert("to".into(), to.as_str().into());
            detail.insert("reason".into(), reason.clone().into());
            detail.insert("may_turn_violent".into(), (*may_turn_violent).into());
            if let Some(u) = to.unit() {
                add_units.push(u.to_string());
            }
            location = *at;
            Command::ReferOut {
                to: *to,
                reason: reason.clone(),
                may_turn_violent: *may_turn_violent,
            }
        }
    };
    let w = who(user, &case);
    let outcome = m::apply(&case.case, w, &command, now, &reference.calendar)?;
    // A referral that raises an event needs a place for it before anything is written.
    let raise_at = if outcome.raises_event {
        Some(match (case.event_id, location) {
            (_, Some(p)) => p,
            (Some(e), None) => {
                let e = state
                    .store
                    .get_event(&zhili_domain::Scope::whole(case.region_code.clone()), e)
                    .await?
                    .ok_or_else(|| StoreError::Internal("the case's event is gone".into()))?;
                (e.lon, e.lat)
            }
            (None, None) => {
                return Err(DomainError::invalid(
                    "location",
                    "a referral that raises an event needs its location",
                )
                .zh("移交公安或可能激化的纠纷须标注事发位置，以便指挥中心处置")
                .into())
            }
        })
    } else {
        None
    };
    if let Some((lon, lat)) = raise_at {
        let index = state.index();
        let inside = index
            .locate
            .locate(lon, lat)
            .map(|hit| index.grids[hit.shape as usize].grid_code.clone())
            .is_some_and(|g| scope.sees_region(&g));
        if !inside {
            return Err(DomainError::new(
                ErrorCode::OutsideCoverage,
                format!("({lon:.6}, {lat:.6}) is outside the grids you cover"),
            )
            .with_field("location")
            .into());
        }
    }
    let from = case.case.status.as_str();
    let to = outcome.case.status.as_str();
    let ended_as = outcome.case.status;
    let step_row = CaseStep {
        step: command.name().to_string(),
        at: now,
        actor: user.username.clone(),
        actor_name: None,
        from_status: Some(from.to_string()),
        to_status: Some(to.to_string()),
        detail: serde_json::Value::Object(detail).to_string(),
    };
    // A case from an event tells the event how it ended (in the event's own timeline).
    let ended = case.case.status.is_open() && !outcome.case.status.is_open()
        || (case.case.status == m::Status::Mediating && outcome.case.status == m::Status::Agreed);
    let also = match case.event_id {
        Some(e) if ended => vec![user
            .actor()
            .action(now, "mediation_outcome", &format!("event:{e}"))
            .opinion(format!(
                "{} {}",
                case.number,
                outcome.case.status.label_zh()
            ))],
        _ => vec![],
    };
    let action = user
        .actor()
        .action(
            now,
            &format!("mediation.{}", command.name()),
            &format!("mediation_case:{}", case.id),
        )
        .states(Some(from), Some(to))
        .opinion(step_row.detail.clone());
    state
        .store
        .change_case(
            &CaseChange {
                case_id: case.id,
                expected_version: case.version,
                case: outcome.case,
                mediator_ids,
                terms,
                add_units,
                event_id: None,
                step: step_row,
                action,
                also,
            },
            now,
        )
        .await?;
    let handled_event = match case.event_id {
        Some(e) if ended => {
            hand_back(state, user, e, outcome_words(&case, ended_as, &input.step)).await
        }
        _ => None,
    };
    let mut raised_event = None;
    if let Some((lon, lat)) = raise_at {
        let Step::ReferOut {
            to,
            reason,
            may_turn_violent,
            ..
        } = &input.step
        else {
            return Err(StoreError::Internal("only a referral raises an event".into()).into());
        };
        let mut links: Vec<LinkRef> = case
            .parties
            .iter()
            .filter_map(|p| p.person_id)
            .map(|id| LinkRef {
                kind: "person".into(),
                id,
            })
            .collect();
        if let Some(e) = case.event_id {
            links.push(LinkRef {
                kind: "event".into(),
                id: e,
            });
        }
        let warning = if *may_turn_violent {
            "，可能激化为刑事或暴力事件"
        } else {
            ""
        };
        let description: String = format!(
            "调解案件{}移交{}{}：{}。事由：{}",
            case.number,
            to.label_zh(),
            warning,
            case.title,
            reason
        )
        .chars()
        .take(2000)
        .collect();
        let reported = intake::report(
            state,
            user,
            Report {
                channel: Channel::Department,
                category: case.category.clone(),
                description,
                lon,
                lat,
                occurred_at: None,
                reporter_name: None,
                reporter_phone: None,
                photos: vec![],
                links,
            },
        )
        .await?;
        raised_event = Some(reported.record.id);
    }
    let case = state
        .store
        .case(
            &zhili_domain::Scope::whole(case.region_code.clone()),
            case.id,
        )
        .await?
        .ok_or_else(|| Error::Store(StoreError::Internal("the case is gone".into())))?;
    Ok(Stepped {
        case,
        raised_event,
        handled_event,
    })
}

/// What the event's handling feedback says of the case's outcome.
fn outcome_words(case: &CaseRecord, ended_as: m::Status, step: &Step) -> String {
    let label = ended_as.label_zh();
    let said = match step {
        Step::Agree { terms, .. } => format!("协议内容：{terms}"),
        Step::Terminate { reason, .. } => format!("终止原因：{reason}；已告知当事人其他救济途径"),
        Step::ReferOut { to, reason, .. } => format!("移交{}：{reason}", to.label_zh()),
        Step::Consent { .. } => "当事人明确拒绝调解，已告知其他救济途径".to_string(),
        _ => String::new(),
    };
    let words = format!("人民调解{}{label}。{said}", case.number);
    words.chars().take(2000).collect()
}

/// A dispute event whose case has an outcome is handled by it when the event waits on the
/// caller's unit for handling (the station that leads a village's dispute is usually the one
/// whose committee mediated): the event's own machine decides, and its closed loop goes on to
/// verification as for any handling. Otherwise the outcome stays a note in the event's timeline
/// for its handlers. The case's step is already written, so a refusal here is not its failure.
async fn hand_back(state: &AppState, user: &User, event_id: i64, feedback: String) -> Option<i64> {
    use zhili_domain::event::{self as ev, Status};
    let e = state
        .store
        .get_event(&user.scope(), event_id)
        .await
        .ok()??;
    if e.case.status != Status::Accepted {
        return None;
    }
    let command = ev::Command::Handle { feedback };
    let actor = ev::Actor {
        role: user.role,
        unit: user.unit_id.clone(),
        region: user.region_code.clone(),
        grids: user.grids.clone(),
    };
    let now = crate::now_ms();
    ev::apply(&e.case, &actor, &command, now, &state.reference().calendar).ok()?;
    let act = crate::usecase::act::Act {
        event: event_id,
        version: Some(e.version),
        step: crate::usecase::act::Step::Do(command),
        opinion: None,
        photos: vec![],
    };
    match crate::usecase::act::act(state, user, act).await {
        Ok(_) => Some(event_id),
        Err(err) => {
            tracing::warn!(event_id, error = %err, "a mediation outcome could not handle its event");
            None
        }
    }
}
