//! Surveys (安全感 / 满意度测评): a round drafted by the district centre from a questionnaire
//! kept as data, opened with quotas per grid in proportion to the registered population,
//! answered in three ways — online by linked residents, at the door on a grid worker's phone,
//! by telephone from the desk to people drawn from the registry — once per registered person
//! (the census decides who may answer), closed, and its results published to residents.

mod results;
mod sheet;
pub mod spec;

pub use results::{
    results, AreaFigure, Figure, ModeCount, OptionFigure, QuestionFigure, SurveyResults,
};
pub use sheet::export;

use super::{forbidden, not_found, Error, Result};
use crate::crypto::Sealed;
use crate::state::AppState;
use rand::seq::SliceRandom;
use spec::{AnswerValue, SurveySpec};
use std::collections::BTreeMap;
use zhili_domain::chain::Actor;
use zhili_domain::survey::{self as rules, Mode, State};
use zhili_domain::user::User;
use zhili_domain::{DomainError, ErrorCode, Level, Role};
use zhili_store::{NewSurvey, NewSurveyAnswer, ResidentRecord, SurveyRecord, SurveyStep};

/// The district centre runs the rounds.
pub fn manages(user: &User) -> bool {
    matches!(user.role, Role::DistrictCommander | Role::DistrictOperator)
}

/// Who takes answers at the door: the grid workers and the village stations.
pub fn goes_door_to_door(user: &User) -> bool {
    matches!(
        user.role,
        Role::GridWorker | Role::GridLeader | Role::VillageOperator
    )
}

fn managers_only(user: &User) -> Result<()> {
    if manages(user) {
        Ok(())
    } else {
        Err(forbidden("surveys are run by the district centre"))
    }
}

/// Drafts a round from a questionnaire; every problem with its field.
pub async fn create(state: &AppState, user: &User, s: SurveySpec) -> Result<SurveyRecord> {
    managers_only(user)?;
    let mut problems = Vec::new();
    let title = zhili_domain::text::note("title", &s.title, 60).map_err(|e| problems.push(e));
    let intro = zhili_domain::text::note("intro", &s.intro, 1000).map_err(|e| problems.push(e));
    if !(30..=100_000).contains(&s.sample_size) {
        problems.push(
            DomainError::invalid("sample_size", "30 to 100,000 answers")
                .zh("样本量应为 30 至 100000"),
        );
    }
    let questionnaire = spec::questionnaire(&s.questions).map_err(|e| problems.extend(e));
    // The headline is checked against what was sent even when the questions have problems,
    // so the form learns everything at once.
    let headline = spec::headline(&s.headline);
    if let Err(e) = headline.check(&spec::build(&s.questions).0) {
        problems.push(e);
    }
    let (Ok(title), Ok(intro), Ok(questionnaire), true) =
        (title, intro, questionnaire, problems.is_empty())
    else {
        return Err(Error::problems(problems));
    };
    let new = NewSurvey {
        title,
        purpose: s.purpose.as_str().to_string(),
        intro,
        questionnaire,
        headline,
        anonymous: s.anonymous,
        sample_size: s.sample_size,
        region_code: user.region_code.clone(),
    };
    Ok(state
        .store
        .create_survey(&user.actor(), &new, crate::now_ms())
        .await?)
}

/// Every round, newest first: staff all read them (the results follow their scope).
pub async fn list(state: &AppState, user: &User) -> Result<Vec<SurveyRecord>> {
    if user.role == Role::Admin {
        return Err(forbidden("surveys are the centres' work"));
    }
    Ok(state.store.surveys(200).await?)
}

pub async fn get(state: &AppState, user: &User, id: i64) -> Result<SurveyRecord> {
    if user.role == Role::Admin {
        return Err(forbidden("surveys are the centres' work"));
    }
    found(state, id).await
}

async fn found(state: &AppState, id: i64) -> Result<SurveyRecord> {
    state
        .store
        .survey(id)
        .await?
        .ok_or_else(|| not_found("id", format!("survey {id} not found")))
}

/// Opens a draft: the sample split over the grids by their registered population.
pub async fn open(state: &AppState, user: &User, id: i64) -> Result<SurveyRecord> {
    step(state, user, id, State::Open).await
}

pub async fn close(state: &AppState, user: &User, id: i64) -> Result<SurveyRecord> {
    step(state, user, id, State::Closed).await
}

/// Publishes a closed round: its results over the whole area, frozen as residents will read
/// them.
pub async fn publish(state: &AppState, user: &User, id: i64) -> Result<SurveyRecord> {
    step(state, user, id, State::Published).await
}

async fn step(state: &AppState, user: &User, id: i64, to: State) -> Result<SurveyRecord> {
    managers_only(user)?;
    let s = found(state, id).await?;
    s.state.step(to)?;
    let prefix = s.survey.region_code.to_string();
    let mut quotas = Vec::new();
    let mut frozen = None;
    match to {
        State::Open => {
            let population = state.store.population_by_grid(&prefix).await?;
            if population.is_empty() {
                return Err(DomainError::new(
                    ErrorCode::InvalidTransition,
                    "no registered population to sample from",
                )
                .zh("辖区内没有登记人口，无法分配样本")
                .into());
            }
            let split = rules::quotas(s.survey.sample_size, &population);
            quotas = population
                .iter()
                .zip(split)
                .map(|((grid, n), (_, q))| (grid.clone(), *n, q))
                .collect();
        }
        State::Published => {
            let r = results::compute(state, &s, &s.survey.region_code).await?;
            frozen = Some(
                serde_json::to_string(&r)
                    .map_err(|e| Error::Store(zhili_store::StoreError::Internal(e.to_string())))?,
            );
        }
        _ => {}
    }
    state
        .store
        .step_survey(
            &user.actor(),
            id,
            &SurveyStep {
                from: s.state,
                to,
                quotas,
                results: frozen,
            },
            crate::now_ms(),
        )
        .await?;
    found(state, id).await
}

fn random_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

async fn keep(
    state: &AppState,
    actor: &Actor,
    s: &SurveyRecord,
    person_id: i64,
    grid: &str,
    mode: Mode,
    answers: &BTreeMap<String, AnswerValue>,
) -> Result<()> {
    if s.state != State::Open {
        return Err(
            DomainError::new(ErrorCode::Conflict, "the survey is not open for answers")
                .zh("测评不在调查期内")
                .into(),
        );
    }
    let sheet = spec::sheet(&s.survey.questionnaire, answers).map_err(Error::problems)?;
    let counters = rules::counters(&s.survey.headline, &sheet, mode);
    let sheet = serde_json::to_string(&sheet)
        .map_err(|e| Error::Store(zhili_store::StoreError::Internal(e.to_string())))?;
    state
        .store
        .record_survey_answer(
            actor,
            &NewSurveyAnswer {
                id: random_id(),
                survey_id: s.id,
                person_id,
                grid_code: grid.to_string(),
                mode,
                sheet,
                counters,
            },
            crate::now_ms(),
        )
        .await?;
    Ok(())
}

/// An answer taken in person: at the door (grid workers, village stations) or by telephone
/// (the desk), for a registered person of the taker's area.
pub async fn answer_for(
    state: &AppState,
    user: &User,
    id: i64,
    mode: Mode,
    person_id: i64,
    answers: &BTreeMap<String, AnswerValue>,
) -> Result<()> {
    let allowed = match mode {
        Mode::Door => goes_door_to_door(user),
        Mode::Phone => super::desk::works_the_desk(user),
        Mode::Online => false,
    };
    if !allowed {
        return Err(forbidden(match mode {
            Mode::Door => "answers at the door are taken by grid workers and village stations",
            Mode::Phone => "telephone answers are taken by the desk",
            Mode::Online => "residents answer online themselves",
        }));
    }
    let s = found(state, id).await?;
    let person = state
        .store
        .get_person(&user.scope(), person_id)
        .await?
        .ok_or_else(|| not_found("person_id", format!("person {person_id} not found")))?;
    keep(
        state,
        &user.actor(),
        &s,
        person_id,
        person.person.grid_code.as_str(),
        mode,
        answers,
    )
    .await
}

/// A registered person to call for a telephone interview.
pub struct Drawn {
    pub person_id: i64,
    pub name: String,
    pub grid_code: String,
    pub phone: String,
}

/// Draws someone to call: from the grid of the desk's area furthest behind its quota, a
/// registered person with a phone who has not answered, at random. Their number is shown to
/// the operator, so each draw is charged to the lookup budget and recorded.
pub async fn draw(state: &AppState, user: &User, id: i64) -> Result<Option<Drawn>> {
    if !super::desk::works_the_desk(user) {
        return Err(forbidden("telephone interviews are the desk's"));
    }
    let s = found(state, id).await?;
    if s.state != State::Open {
        return Err(
            DomainError::new(ErrorCode::Conflict, "the survey is not open for answers")
                .zh("测评不在调查期内")
                .into(),
        );
    }
    let actor = user.actor();
    state
        .charge_lookups(&actor, 1, &format!("survey:{id}"), "survey telephone draw")
        .await?;
    let scope = user.scope();
    let mut behind: Vec<_> = state
        .store
        .survey_quotas(id, scope.root.as_str())
        .await?
        .into_iter()
        .filter(|q| q.answered < q.quota && scope.covers_area(&q.grid_code))
        .collect();
    behind.shuffle(&mut rand::thread_rng());
    behind.sort_by(|a, b| (a.answered * b.quota).cmp(&(b.answered * a.quota)));
    for q in behind.iter().take(10) {
        if let Some(p) = state.store.draw_respondent(id, &q.grid_code).await? {
            let phone = state
                .key
                .open(&p.phone_sealed, Sealed::PersonPhone)
                .map_err(|e| Error::Store(zhili_store::StoreError::Internal(e.to_string())))?;
            state
                .store
                .record_read(
                    actor
                        .action(crate::now_ms(), "survey.draw", &format!("person:{}", p.id))
                        .opinion(format!("survey:{id}")),
                )
                .await?;
            return Ok(Some(Drawn {
                person_id: p.id,
                name: p.name,
                grid_code: p.grid_code,
                phone,
            }));
        }
    }
    Ok(None)
}

/// A round as a resident sees it: open ones to answer, published ones to read.
pub struct ResidentSurvey {
    pub survey: SurveyRecord,
    pub answered: bool,
}

/// The open and published rounds of the resident's area; nothing before they link themselves
/// to their registered person (only the registry's people take part).
pub async fn for_resident(state: &AppState, r: &ResidentRecord) -> Result<Vec<ResidentSurvey>> {
    let (Some(person), Some(grid)) = (r.person_id, &r.grid_code) else {
        return Ok(vec![]);
    };
    let taken = state.store.answered_by(person).await?;
    let mut out = Vec::new();
    for s in state.store.surveys(50).await? {
        if !matches!(s.state, State::Open | State::Published)
            || !grid.as_str().starts_with(s.survey.region_code.as_str())
        {
            continue;
        }
        out.push(ResidentSurvey {
            answered: taken.contains(&s.id),
            survey: s,
        });
    }
    Ok(out)
}

/// One round for a resident (404 when not theirs to see).
pub async fn one_for_resident(
    state: &AppState,
    r: &ResidentRecord,
    id: i64,
) -> Result<ResidentSurvey> {
    for_resident(state, r)
        .await?
        .into_iter()
        .find(|x| x.survey.id == id)
        .ok_or_else(|| not_found("id", format!("survey {id} not found")))
}

/// A linked resident's own answer, online.
pub async fn answer_online(
    state: &AppState,
    r: &ResidentRecord,
    id: i64,
    answers: &BTreeMap<String, AnswerValue>,
) -> Result<()> {
    let (Some(person), Some(grid)) = (r.person_id, &r.grid_code) else {
        return Err(DomainError::new(
            ErrorCode::Forbidden,
            "only residents linked to their registered person take part",
        )
        .zh("请先关联本人户籍信息后再参加测评")
        .into());
    };
    let s = one_for_resident(state, r, id).await?.survey;
    keep(
        state,
        &r.actor(),
        &s,
        person,
        grid.as_str(),
        Mode::Online,
        answers,
    )
    .await
}

/// The area a reader's results cover by default: their own, inside the survey's.
fn reader_region(user: &User, s: &SurveyRecord) -> zhili_domain::RegionCode {
    if user
        .region_code
        .as_str()
        .starts_with(s.survey.region_code.as_str())
    {
        user.region_code.clone()
    } else {
        s.survey.region_code.clone()
    }
}

/// The level below an area, for its breakdown.
fn child_len(region: &zhili_domain::RegionCode) -> Option<usize> {
    region.level().child().map(Level::code_len)
}
