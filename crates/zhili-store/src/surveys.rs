//! Surveys as stored: the round, its quotas, who answered and what was answered.

use crate::sql::{append_actions, corrupt, Arg, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::Row;
use zhili_domain::chain::Actor;
use zhili_domain::survey::{Mode, State};
use zhili_domain::{DomainError, ErrorCode, RegionCode};

const COLUMNS: &str = "id, title, purpose, intro, questionnaire, headline, anonymous, sample_size, region_code, state, \
     created_by, created_at, opened_at, closed_at, published_at, results";

fn refused(en: &str, zh: &str) -> StoreError {
    StoreError::Domain(DomainError::new(ErrorCode::Conflict, en).zh(zh))
}

fn row(r: &AnyRow) -> Result<SurveyRecord> {
    let questionnaire: String = r.try_get("questionnaire")?;
    let headline: String = r.try_get("headline")?;
    let region: String = r.try_get("region_code")?;
    let state: String = r.try_get("state")?;
    Ok(SurveyRecord {
        id: r.try_get("id")?,
        survey: NewSurvey {
            title: r.try_get("title")?,
            purpose: r.try_get("purpose")?,
            intro: r.try_get("intro")?,
            questionnaire: serde_json::from_str(&questionnaire)
                .map_err(|_| corrupt("questionnaire", &questionnaire))?,
            headline: serde_json::from_str(&headline)
                .map_err(|_| corrupt("headline", &headline))?,
            anonymous: r.try_get::<i64, _>("anonymous")? != 0,
            sample_size: r.try_get("sample_size")?,
            region_code: RegionCode::parse(&region).map_err(|_| corrupt("region code", &region))?,
        },
        state: State::parse(&state).ok_or_else(|| corrupt("survey state", &state))?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        opened_at: r.try_get("opened_at")?,
        closed_at: r.try_get("closed_at")?,
        published_at: r.try_get("published_at")?,
        results: r.try_get("results")?,
    })
}

pub(crate) async fn create(
    store: &SqlStore,
    actor: &Actor,
    s: &NewSurvey,
    now: i64,
) -> Result<SurveyRecord> {
    let questionnaire =
        serde_json::to_string(&s.questionnaire).map_err(|e| StoreError::Internal(e.to_string()))?;
    let headline =
        serde_json::to_string(&s.headline).map_err(|e| StoreError::Internal(e.to_string()))?;
    let mut tx = store.write_tx().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO surveys (title, purpose, intro, questionnaire, headline, anonymous, sample_size, region_code, state, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10) RETURNING id",
    )
    .bind(s.title.clone())
    .bind(s.purpose.clone())
    .bind(s.intro.clone())
    .bind(questionnaire)
    .bind(headline)
    .bind(s.anonymous as i64)
    .bind(s.sample_size)
    .bind(s.region_code.to_string())
    .bind(actor.username.clone())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let mut action = actor.action(now, "survey.create", &format!("survey:{id}"));
    action.opinion = Some(s.title.clone());
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(SurveyRecord {
        id,
        survey: s.clone(),
        state: State::Draft,
        created_by: actor.username.clone(),
        created_at: now,
        opened_at: None,
        closed_at: None,
        published_at: None,
        results: None,
    })
}

pub(crate) async fn one(store: &SqlStore, id: i64) -> Result<Option<SurveyRecord>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM surveys WHERE id = $1"))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?
        .as_ref()
        .map(row)
        .transpose()
}

pub(crate) async fn all(store: &SqlStore, limit: i64) -> Result<Vec<SurveyRecord>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM surveys ORDER BY id DESC LIMIT $1"
    ))
    .bind(limit.clamp(1, 500))
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(row)
    .collect()
}

pub(crate) async fn step(
    store: &SqlStore,
    actor: &Actor,
    id: i64,
    step: &SurveyStep,
    now: i64,
) -> Result<()> {
    let (from, to) = (step.from, step.to);
    let column = match to {
        State::Open => "opened_at",
        State::Closed => "closed_at",
        State::Published => "published_at",
        State::Draft => {
            return Err(StoreError::Internal(
                "a survey never returns to draft".into(),
            ))
        }
    };
    let mut tx = store.write_tx().await?;
    let moved = sqlx::query(&format!(
        "UPDATE surveys SET state = $1, {column} = $2, results = COALESCE($3, results) WHERE id = $4 AND state = $5"
    ))
    .bind(to.as_str())
    .bind(now)
    .bind(step.results.clone())
    .bind(id)
    .bind(from.as_str())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 0 {
        return Err(refused(
            "the survey was moved on by someone else",
            "测评状态已被他人变更，请刷新",
        ));
    }
    for (grid, population, quota) in &step.quotas {
        sqlx::query(
            "INSERT INTO survey_quotas (survey_id, grid_code, population, quota) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(grid.clone())
        .bind(*population)
        .bind(*quota)
        .execute(&mut *tx)
        .await?;
    }
    let verb = match to {
        State::Open => "survey.open",
        State::Closed => "survey.close",
        _ => "survey.publish",
    };
    let action = actor.action(now, verb, &format!("survey:{id}"));
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn population_by_grid(
    store: &SqlStore,
    prefix: &str,
) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT grid_code, COUNT(*) AS n FROM people WHERE grid_code LIKE $1 GROUP BY grid_code ORDER BY grid_code",
    )
    .bind(format!("{prefix}%"))
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("grid_code")?, r.try_get("n")?)))
        .collect()
}

pub(crate) async fn quotas(store: &SqlStore, id: i64, prefix: &str) -> Result<Vec<QuotaRecord>> {
    let rows = sqlx::query(
        "SELECT q.grid_code, q.population, q.quota, \
         (SELECT COUNT(*) FROM survey_answers a WHERE a.survey_id = q.survey_id AND a.grid_code = q.grid_code) AS answered \
         FROM survey_quotas q WHERE q.survey_id = $1 AND q.grid_code LIKE $2 ORDER BY q.grid_code",
    )
    .bind(id)
    .bind(format!("{prefix}%"))
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(QuotaRecord {
                grid_code: r.try_get("grid_code")?,
                population: r.try_get("population")?,
                quota: r.try_get("quota")?,
                answered: r.try_get("answered")?,
            })
        })
        .collect()
}

pub(crate) async fn record_answer(
    store: &SqlStore,
    actor: &Actor,
    a: &NewSurveyAnswer,
    now: i64,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    let survey: Option<(String, i64)> =
        sqlx::query_as("SELECT state, anonymous FROM surveys WHERE id = $1")
            .bind(a.survey_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((state, anonymous)) = survey else {
        return Err(StoreError::Domain(DomainError::new(
            ErrorCode::NotFound,
            "no such survey",
        )));
    };
    if state != State::Open.as_str() {
        return Err(refused(
            "the survey is not open for answers",
            "测评不在调查期内",
        ));
    }
    let first = sqlx::query(
        "INSERT INTO survey_respondents (survey_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(a.survey_id)
    .bind(a.person_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if first == 0 {
        return Err(refused(
            "this person has answered the survey already",
            "该居民已参加过本次测评",
        ));
    }
    let anonymous = anonymous != 0;
    sqlx::query(
        "INSERT INTO survey_answers (id, survey_id, grid_code, mode, sheet, person_id, taken_by, taken_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(a.id.clone())
    .bind(a.survey_id)
    .bind(a.grid_code.clone())
    .bind(a.mode.as_str())
    .bind(a.sheet.clone())
    .bind((!anonymous).then_some(a.person_id))
    .bind((!anonymous).then(|| actor.username.clone()))
    .bind((!anonymous).then_some(now))
    .execute(&mut *tx)
    .await?;
    for (question, value) in &a.counters {
        sqlx::query(
            "INSERT INTO survey_tally (survey_id, grid_code, question, value, n) VALUES ($1, $2, $3, $4, 1) \
             ON CONFLICT (survey_id, grid_code, question, value) DO UPDATE SET n = survey_tally.n + 1",
        )
        .bind(a.survey_id)
        .bind(a.grid_code.clone())
        .bind(question.clone())
        .bind(value.clone())
        .execute(&mut *tx)
        .await?;
    }
    // The record says who took part (as the respondents table does), never which answer.
    let mut action = actor.action(now, "survey.answer", &format!("survey:{}", a.survey_id));
    action.opinion = Some(a.mode.label().to_string());
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn answered_by(store: &SqlStore, person_id: i64) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT survey_id FROM survey_respondents WHERE person_id = $1")
            .bind(person_id)
            .fetch_all(&store.pool)
            .await?,
    )
}

pub(crate) async fn answers(
    store: &SqlStore,
    survey_id: i64,
    prefix: &str,
    limit: i64,
) -> Result<Vec<SurveyAnswerRecord>> {
    let mut sql = Sql::new(
        "SELECT id, grid_code, mode, sheet, person_id, taken_by, taken_at FROM survey_answers WHERE survey_id = ",
    );
    sql.bind(Arg::Int(survey_id));
    sql.push(" AND grid_code LIKE ")
        .bind_text(format!("{prefix}%"));
    sql.push(" ORDER BY id LIMIT ").bind(Arg::Int(limit));
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| {
            let mode: String = r.try_get("mode")?;
            Ok(SurveyAnswerRecord {
                id: r.try_get("id")?,
                grid_code: r.try_get("grid_code")?,
                mode: Mode::parse(&mode).ok_or_else(|| corrupt("survey mode", &mode))?,
                sheet: r.try_get("sheet")?,
                person_id: r.try_get("person_id")?,
                taken_by: r.try_get("taken_by")?,
                taken_at: r.try_get("taken_at")?,
            })
        })
        .collect()
}

pub(crate) async fn draw(
    store: &SqlStore,
    survey_id: i64,
    grid: &str,
) -> Result<Option<DrawnPerson>> {
    let r = sqlx::query(
        "SELECT p.id, p.name, p.grid_code, p.phone_sealed FROM people p \
         WHERE p.grid_code = $1 AND p.phone_sealed IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM survey_respondents r WHERE r.survey_id = $2 AND r.person_id = p.id) \
         ORDER BY RANDOM() LIMIT 1",
    )
    .bind(grid.to_string())
    .bind(survey_id)
    .fetch_optional(&store.pool)
    .await?;
    r.map(|r| {
        Ok(DrawnPerson {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            grid_code: r.try_get("grid_code")?,
            phone_sealed: r.try_get("phone_sealed")?,
        })
    })
    .transpose()
}

pub(crate) async fn tally(
    store: &SqlStore,
    survey_id: i64,
    prefix: &str,
    area_len: usize,
) -> Result<(Vec<TallyRow>, Vec<TallyRow>, Vec<AreaPlan>)> {
    let like = format!("{prefix}%");
    let len = area_len as i64;
    let questions = sqlx::query(
        "SELECT substr(a.grid_code, 1, CAST($3 AS INTEGER)) AS area, a.question, CAST(SUM(a.n) AS BIGINT) AS count, CAST(SUM(q.population) AS BIGINT) AS covered, \
         SUM(CAST(q.population AS DOUBLE PRECISION) * q.population / a.n) AS w2_all \
         FROM survey_tally a JOIN survey_quotas q ON q.survey_id = a.survey_id AND q.grid_code = a.grid_code \
         WHERE a.survey_id = $1 AND a.grid_code LIKE $2 AND a.value = '#answered' AND q.population > 0 \
         GROUP BY 1, 2",
    )
    .bind(survey_id)
    .bind(like.clone())
    .bind(len)
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(TallyRow {
            area: r.try_get("area")?,
            question: r.try_get("question")?,
            value: "#answered".into(),
            count: r.try_get("count")?,
            covered: r.try_get("covered")?,
            weighted_yes: 0.0,
            w2_yes: 0.0,
            w2_all: r.try_get("w2_all")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let values = sqlx::query(
        "SELECT substr(t.grid_code, 1, CAST($3 AS INTEGER)) AS area, t.question, t.value, CAST(SUM(t.n) AS BIGINT) AS count, \
         SUM(CAST(q.population AS DOUBLE PRECISION) * t.n / a.n) AS weighted_yes, \
         SUM(CAST(q.population AS DOUBLE PRECISION) * q.population * t.n / (CAST(a.n AS DOUBLE PRECISION) * a.n)) AS w2_yes \
         FROM survey_tally t \
         JOIN survey_tally a ON a.survey_id = t.survey_id AND a.grid_code = t.grid_code AND a.question = t.question AND a.value = '#answered' \
         JOIN survey_quotas q ON q.survey_id = t.survey_id AND q.grid_code = t.grid_code \
         WHERE t.survey_id = $1 AND t.grid_code LIKE $2 AND t.value <> '#answered' AND q.population > 0 \
         GROUP BY 1, 2, 3",
    )
    .bind(survey_id)
    .bind(like.clone())
    .bind(len)
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(TallyRow {
            area: r.try_get("area")?,
            question: r.try_get("question")?,
            value: r.try_get("value")?,
            count: r.try_get("count")?,
            covered: 0,
            weighted_yes: r.try_get("weighted_yes")?,
            w2_yes: r.try_get("w2_yes")?,
            w2_all: 0.0,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let areas = sqlx::query(
        "SELECT substr(grid_code, 1, CAST($3 AS INTEGER)) AS area, CAST(SUM(population) AS BIGINT) AS population, CAST(SUM(quota) AS BIGINT) AS quota \
         FROM survey_quotas WHERE survey_id = $1 AND grid_code LIKE $2 GROUP BY 1 ORDER BY 1",
    )
    .bind(survey_id)
    .bind(like)
    .bind(len)
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(AreaPlan {
            area: r.try_get("area")?,
            population: r.try_get("population")?,
            quota: r.try_get("quota")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok((questions, values, areas))
}
