//! Surveys: rounds with their questionnaire, quotas per grid from the registered population,
//! one answer per registered person, anonymous answers kept apart from who answered.

use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::survey::{Headline, Mode, Questionnaire, State};
use zhili_domain::RegionCode;

#[derive(Clone, Debug, PartialEq)]
pub struct NewSurvey {
    pub title: String,
    /// security (安全感) or satisfaction (满意度)
    pub purpose: String,
    pub intro: String,
    pub questionnaire: Questionnaire,
    pub headline: Headline,
    pub anonymous: bool,
    pub sample_size: i64,
    pub region_code: RegionCode,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SurveyRecord {
    pub id: i64,
    pub survey: NewSurvey,
    pub state: State,
    pub created_by: String,
    pub created_at: i64,
    pub opened_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub published_at: Option<i64>,
    /// The results as published (JSON of the use case's view), frozen.
    pub results: Option<String>,
}

/// A grid's quota and how many answered there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaRecord {
    pub grid_code: String,
    pub population: i64,
    pub quota: i64,
    pub answered: i64,
}

/// An answer as it comes in; `person_id` and `taken_by` are kept only when the survey is not
/// anonymous.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSurveyAnswer {
    /// Random, so the order answers came in is not in their ids.
    pub id: String,
    pub survey_id: i64,
    pub person_id: i64,
    pub grid_code: String,
    pub mode: Mode,
    /// The sheet as JSON of the domain's answers.
    pub sheet: String,
    /// The counters it adds to its grid's tally (`zhili_domain::survey::counters`).
    pub counters: Vec<(String, String)>,
}

/// The tally added up over an area for one question and value (`value` "#answered" for the
/// question's own totals), weighted by the grids' registered population.
#[derive(Clone, Debug, PartialEq)]
pub struct TallyRow {
    pub area: String,
    pub question: String,
    pub value: String,
    /// Unweighted: how many gave the value (answered the question).
    pub count: i64,
    /// Σ Nₕ over the grids that answered the question (question totals only).
    pub covered: i64,
    /// Σ Nₕ·yesₕ/nₕ (values only).
    pub weighted_yes: f64,
    /// Σ Nₕ²·yesₕ/nₕ² (values only).
    pub w2_yes: f64,
    /// Σ Nₕ²/nₕ (question totals only).
    pub w2_all: f64,
}

/// An area's registered population and planned answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaPlan {
    pub area: String,
    pub population: i64,
    pub quota: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SurveyAnswerRecord {
    pub id: String,
    pub grid_code: String,
    pub mode: Mode,
    pub sheet: String,
    pub person_id: Option<i64>,
    pub taken_by: Option<String>,
    pub taken_at: Option<i64>,
}

/// A round's move: from one state to the next, with the quotas an opening splits the sample
/// into (grid, population, quota) and the results a publication freezes.
#[derive(Clone, Debug, PartialEq)]
pub struct SurveyStep {
    pub from: State,
    pub to: State,
    pub quotas: Vec<(String, i64, i64)>,
    pub results: Option<String>,
}

/// A registered person drawn for a telephone interview.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnPerson {
    pub id: i64,
    pub name: String,
    pub grid_code: String,
    pub phone_sealed: String,
}

#[async_trait]
pub trait SurveyStore {
    async fn create_survey(&self, actor: &Actor, s: &NewSurvey, now: i64) -> Result<SurveyRecord>;

    async fn survey(&self, id: i64) -> Result<Option<SurveyRecord>>;

    /// Every round, newest first.
    async fn surveys(&self, limit: i64) -> Result<Vec<SurveyRecord>>;

    /// Moves a round one step (refused with 409 when another got there first).
    async fn step_survey(&self, actor: &Actor, id: i64, step: &SurveyStep, now: i64) -> Result<()>;

    /// Registered people per grid under a region prefix.
    async fn population_by_grid(&self, prefix: &str) -> Result<Vec<(String, i64)>>;

    /// The round's quotas with the answers per grid, under a region prefix.
    async fn survey_quotas(&self, id: i64, prefix: &str) -> Result<Vec<QuotaRecord>>;

    /// Keeps an answer, once per person (409 otherwise), while the round is open (409
    /// otherwise), with its record.
    async fn record_survey_answer(
        &self,
        actor: &Actor,
        a: &NewSurveyAnswer,
        now: i64,
    ) -> Result<()>;

    /// The rounds a registered person took part in (not what they answered).
    async fn answered_by(&self, person_id: i64) -> Result<Vec<i64>>;

    /// The answers under a region prefix, in the order of their random ids.
    async fn survey_answers(
        &self,
        survey_id: i64,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<SurveyAnswerRecord>>;

    /// The tally under a region prefix added up per area (the first `area_len` digits of the
    /// grid code): the question totals, the values, and each area's population and quota.
    async fn survey_tally(
        &self,
        survey_id: i64,
        prefix: &str,
        area_len: usize,
    ) -> Result<(Vec<TallyRow>, Vec<TallyRow>, Vec<AreaPlan>)>;

    /// A registered person with a phone in `grid` who has not answered, at random.
    async fn draw_respondent(&self, survey_id: i64, grid: &str) -> Result<Option<DrawnPerson>>;
}

#[async_trait]
impl SurveyStore for SqlStore {
    async fn create_survey(&self, actor: &Actor, s: &NewSurvey, now: i64) -> Result<SurveyRecord> {
        crate::surveys::create(self, actor, s, now).await
    }

    async fn survey(&self, id: i64) -> Result<Option<SurveyRecord>> {
        crate::surveys::one(self, id).await
    }

    async fn surveys(&self, limit: i64) -> Result<Vec<SurveyRecord>> {
        crate::surveys::all(self, limit).await
    }

    async fn step_survey(&self, actor: &Actor, id: i64, step: &SurveyStep, now: i64) -> Result<()> {
        crate::surveys::step(self, actor, id, step, now).await
    }

    async fn population_by_grid(&self, prefix: &str) -> Result<Vec<(String, i64)>> {
        crate::surveys::population_by_grid(self, prefix).await
    }

    async fn survey_quotas(&self, id: i64, prefix: &str) -> Result<Vec<QuotaRecord>> {
        crate::surveys::quotas(self, id, prefix).await
    }

    async fn record_survey_answer(
        &self,
        actor: &Actor,
        a: &NewSurveyAnswer,
        now: i64,
    ) -> Result<()> {
        crate::surveys::record_answer(self, actor, a, now).await
    }

    async fn answered_by(&self, person_id: i64) -> Result<Vec<i64>> {
        crate::surveys::answered_by(self, person_id).await
    }

    async fn survey_answers(
        &self,
        survey_id: i64,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<SurveyAnswerRecord>> {
        crate::surveys::answers(self, survey_id, prefix, limit).await
    }

    async fn survey_tally(
        &self,
        survey_id: i64,
        prefix: &str,
        area_len: usize,
    ) -> Result<(Vec<TallyRow>, Vec<TallyRow>, Vec<AreaPlan>)> {
        crate::surveys::tally(self, survey_id, prefix, area_len).await
    }

    async fn draw_respondent(&self, survey_id: i64, grid: &str) -> Result<Option<DrawnPerson>> {
        crate::surveys::draw(self, survey_id, grid).await
    }
}
