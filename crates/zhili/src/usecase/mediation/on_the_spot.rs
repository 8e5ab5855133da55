//! 当场调解: a simple dispute a mediator settles where it happens (a grid worker on their round).
//! One request records the whole of it, step by step through the same machine as any case —
//! registered by the committee's own initiative with the caller as its mediator, every party's
//! consent, the session, and the outcome: an oral agreement (recorded by the mediator, Art. 28)
//! or a termination with the parties told of their other remedies. Each step is its own action.

use super::{open, step, Opening, PartyInput, Step, StepInput};
use crate::state::AppState;
use crate::usecase::{forbidden, invalid, Result};
use zhili_domain::mediation::AgreementForm;
use zhili_domain::user::User;
use zhili_domain::Scope;
use zhili_store::CaseRecord;

/// How the dispute ended on the spot.
#[derive(Clone, Debug)]
pub enum SpotOutcome {
    /// An oral agreement: its terms and the last moment of performance.
    Agreed { terms: String, perform_by: i64 },
    /// No agreement: why; the parties were told of their other remedies.
    Failed { reason: String },
}

#[derive(Clone, Debug)]
pub struct Spot {
    pub committee_id: i64,
    /// Where it happened: a grid or village of the caller's.
    pub region_code: String,
    pub category: String,
    pub title: String,
    pub facts: String,
    pub parties: Vec<PartyInput>,
    pub outcome: SpotOutcome,
}

/// Records an on-the-spot mediation by `user`, who must be a mediator of the committee.
pub async fn on_the_spot(state: &AppState, user: &User, s: Spot) -> Result<CaseRecord> {
    // What the later steps take is checked before the case is opened: all of it or none.
    let now = crate::now_ms();
    match &s.outcome {
        SpotOutcome::Agreed { terms, perform_by } => {
            zhili_domain::text::note("terms", terms, 5000)?;
            if *perform_by <= now || *perform_by > now + 366 * zhili_domain::calendar::DAY_MS {
                return Err(invalid("perform_by", "after now and within a year"));
            }
        }
        SpotOutcome::Failed { reason } => {
            zhili_domain::text::note("reason", reason, 2000)?;
        }
    }
    let region = zhili_domain::RegionCode::parse(s.region_code.trim())
        .map_err(|e| invalid("region_code", e.message))?;
    let committee = state
        .store
        .committees(&Scope::whole(region))
        .await?
        .into_iter()
        .find(|c| c.id == s.committee_id);
    let me = match committee {
        Some(c) => state
            .store
            .mediators(&Scope::whole(c.region_code.clone()), Some(c.id), true)
            .await?
            .into_iter()
            .find(|m| m.mediator.username.as_deref() == Some(user.username.as_str())),
        None => None,
    };
    let Some(me) = me else {
        return Err(forbidden(
            "on-the-spot mediation is recorded by a mediator of the committee",
        ));
    };
    let parties = s.parties.len();
    let names: Vec<String> = s.parties.iter().filter_map(|p| p.name.clone()).collect();
    let case = open(
        state,
        user,
        Opening {
            committee_id: s.committee_id,
            room_id: None,
            origin: Some("self_initiated".into()),
            event_id: None,
            region_code: Some(s.region_code.clone()),
            category: Some(s.category.clone()),
            title: s.title.clone(),
            facts: s.facts.clone(),
            parties: s.parties.clone(),
            mediator_ids: vec![me.id],
        },
    )
    .await?;
    let mut steps = Vec::new();
    for party in 0..parties {
        steps.push(Step::Consent { party, given: true });
    }
    let mut attendees = names;
    attendees.push(me.mediator.name.clone());
    steps.push(Step::Session {
        attendees,
        minutes: format!("当场调解：{}", s.facts),
        place: None,
        photos: vec![],
    });
    steps.push(match &s.outcome {
        SpotOutcome::Agreed { terms, perform_by } => Step::Agree {
            form: AgreementForm::Oral,
            issues: s.facts.clone(),
            terms: terms.clone(),
            manner: "当场口头约定".into(),
            perform_by: *perform_by,
            photos: vec![],
        },
        SpotOutcome::Failed { reason } => Step::Terminate {
            reason: reason.clone(),
            remedies_told: true,
        },
    });
    let mut last = case;
    for st in steps {
        last = step(
            state,
            user,
            StepInput {
                case_id: last.id,
                version: Some(last.version),
                step: st,
            },
        )
        .await?
        .case;
    }
    Ok(last)
}
