//! The demo's survey rounds, all through the use cases: this year's 群众安全感测评 (anonymous)
//! answered at the door by the grid workers, by telephone from the desk and online by the
//! demo's residents, then closed and published; and the 网格化服务管理满意度测评 (named) still
//! open, part answered — the six villages where the demo's residents live left for them to
//! answer online. Answers differ plausibly by town (urban streets feel a little safer).

use super::account;
use crate::state::AppState;
use crate::usecase::surveys::{self as uc, spec::AnswerValue};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, HashMap};
use zhili_domain::survey::Mode;
use zhili_domain::user::User;
use zhili_domain::{Level, RegionCode, Scope};
use zhili_store::PeopleFilter;

#[derive(Debug, Default)]
pub struct SurveysDemo {
    /// The published round's answers online, at the door, by telephone.
    pub published: [usize; 3],
    pub open_answers: usize,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

type Sheet = BTreeMap<String, AnswerValue>;

fn word(s: &str) -> AnswerValue {
    AnswerValue::Word(s.into())
}

/// A sheet of the security questionnaire; `mood` in 0–1 shifts the town's sense of safety.
fn security_sheet(rng: &mut ChaCha8Rng, mood: f64) -> Sheet {
    let roll: f64 = rng.gen::<f64>() - (mood - 0.5) * 0.12;
    let safe = match roll {
        r if r < 0.38 => "very_safe",
        r if r < 0.74 => "safe",
        r if r < 0.93 => "fair",
        r if r < 0.985 => "unsafe",
        _ => "very_unsafe",
    };
    let mut s = Sheet::new();
    s.insert("safe".into(), word(safe));
    if matches!(safe, "unsafe" | "very_unsafe") {
        let all = [
            "theft", "fraud", "fights", "traffic", "drugs", "gambling", "other",
        ];
        let mut worry: Vec<String> = vec![all[rng.gen_range(0..3)].into()];
        if rng.gen_bool(0.5) {
            worry.push(all[rng.gen_range(3..all.len())].into());
        }
        s.insert("worry".into(), AnswerValue::Keys(worry));
    }
    let patrol = if rng.gen_bool(0.55) {
        "often"
    } else if rng.gen_bool(0.7) {
        "sometimes"
    } else {
        "never"
    };
    s.insert("patrol".into(), word(patrol));
    let dispute = rng.gen_bool(0.14);
    s.insert("dispute".into(), word(if dispute { "yes" } else { "no" }));
    if dispute {
        let r = ["resolved", "resolved", "partly", "not"][rng.gen_range(0..4)];
        s.insert("resolved".into(), word(r));
    }
    let base = match safe {
        "very_safe" => 5,
        "safe" => 4,
        "fair" => 3,
        _ => 2,
    };
    let score: i64 = (base + rng.gen_range(-1..=1)).clamp(1, 5);
    s.insert("score".into(), AnswerValue::Number(score));
    if rng.gen_bool(0.08) {
        let advice = [
            "希望晚上多安排巡逻",
            "路口增加监控和路灯",
            "多宣传防范电信诈骗",
            "加强学校周边交通管理",
        ];
        s.insert(
            "advice".into(),
            word(advice[rng.gen_range(0..advice.len())]),
        );
    }
    s
}

/// A sheet of the satisfaction questionnaire.
fn satisfaction_sheet(rng: &mut ChaCha8Rng, mood: f64) -> Sheet {
    let mut s = Sheet::new();
    s.insert(
        "know".into(),
        word(if rng.gen_bool(0.8) { "yes" } else { "no" }),
    );
    let served = rng.gen_bool(0.6);
    s.insert("served".into(), word(if served { "yes" } else { "no" }));
    if served {
        s.insert("service".into(), AnswerValue::Number(rng.gen_range(3..=5)));
    }
    let overall = (3.6 + mood * 0.8 + rng.gen_range(-1.6..1.4_f64))
        .round()
        .clamp(1.0, 5.0);
    s.insert("overall".into(), AnswerValue::Number(overall as i64));
    if rng.gen_bool(0.3) {
        let all = ["response", "attitude", "openness", "safety", "environment"];
        s.insert(
            "improve".into(),
            AnswerValue::Keys(vec![all[rng.gen_range(0..all.len())].into()]),
        );
    }
    s
}

/// Each town's mood (0–1): urban streets a little higher.
fn moods(state: &AppState, rng: &mut ChaCha8Rng) -> HashMap<String, f64> {
    state
        .index()
        .grids
        .iter()
        .filter_map(|g| g.grid_code.ancestor_at(Level::Town))
        .map(|t| t.to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, t)| (t, if i < 6 { 0.8 } else { rng.gen_range(0.2..0.7) }))
        .collect()
}

/// Door-to-door answers: in each grid, `share` of its quota from its registered people,
/// taken by its grid worker.
async fn door_to_door(
    state: &AppState,
    rng: &mut ChaCha8Rng,
    survey: i64,
    share: f64,
    skip: &[RegionCode],
    moods: &HashMap<String, f64>,
    sheet: fn(&mut ChaCha8Rng, f64) -> Sheet,
) -> Result<usize, String> {
    let quotas = state.store.survey_quotas(survey, "").await.map_err(err)?;
    let mut n = 0;
    let mut workers: HashMap<String, User> = HashMap::new();
    for q in quotas {
        if skip.iter().any(|v| q.grid_code.starts_with(v.as_str())) {
            continue;
        }
        // Some grids fall short of their quota, as in life; the desk's calls make up part.
        let want = (q.quota as f64 * share + rng.gen::<f64>()).floor() as i64;
        if want == 0 {
            continue;
        }
        let grid = RegionCode::parse(&q.grid_code).map_err(err)?;
        let (_, people) = state
            .store
            .list_people(
                &Scope::whole(grid.clone()),
                &PeopleFilter {
                    region: Some(grid.clone()),
                    limit: want,
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?;
        let name = format!("grid-{}", q.grid_code);
        if !workers.contains_key(&name) {
            workers.insert(name.clone(), account(state, &name).await?);
        }
        let worker = &workers[&name];
        let mood = grid
            .ancestor_at(Level::Town)
            .and_then(|t| moods.get(t.as_str()).copied())
            .unwrap_or(0.5);
        for p in people {
            uc::answer_for(state, worker, survey, Mode::Door, p.id, &sheet(rng, mood))
                .await
                .map_err(err)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Telephone answers from the desk: `calls` people drawn, four in five of whom answer.
async fn by_telephone(
    state: &AppState,
    rng: &mut ChaCha8Rng,
    survey: i64,
    calls: usize,
    moods: &HashMap<String, f64>,
    sheet: fn(&mut ChaCha8Rng, f64) -> Sheet,
) -> Result<usize, String> {
    let desk = account(state, "district-operator").await?;
    let mut n = 0;
    for _ in 0..calls {
        let Some(d) = uc::draw(state, &desk, survey).await.map_err(err)? else {
            break;
        };
        if rng.gen_bool(0.2) {
            continue;
        }
        let mood = moods
            .get(d.grid_code.get(..9).unwrap_or(""))
            .copied()
            .unwrap_or(0.5);
        uc::answer_for(
            state,
            &desk,
            survey,
            Mode::Phone,
            d.person_id,
            &sheet(rng, mood),
        )
        .await
        .map_err(err)?;
        n += 1;
    }
    Ok(n)
}

/// Online answers by the demo's residents who linked themselves.
async fn online(
    state: &AppState,
    rng: &mut ChaCha8Rng,
    survey: i64,
    sheet: fn(&mut ChaCha8Rng, f64) -> Sheet,
) -> Result<usize, String> {
    let mut n = 0;
    for i in 1..=30 {
        let phone = format!("1390000{i:04}");
        let Some(r) = state
            .store
            .resident_by_phone(&state.key.blinds("resident.phone", &phone))
            .await
            .map_err(err)?
        else {
            continue;
        };
        let Some(person) = r.person_id else {
            continue;
        };
        if state
            .store
            .answered_by(person)
            .await
            .map_err(err)?
            .contains(&survey)
        {
            continue;
        }
        uc::answer_online(state, &r, survey, &sheet(rng, 0.6))
            .await
            .map_err(err)?;
        n += 1;
    }
    Ok(n)
}

pub async fn write(state: &AppState, seed: u64) -> Result<SurveysDemo, String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0005_eed5_u64);
    let mut done = SurveysDemo::default();
    let commander = account(state, "district").await?;
    let templates = uc::spec::templates();
    let moods = moods(state, &mut rng);

    let mut security = templates["security"].clone();
    security.title = "2026年度群众安全感测评".into();
    security.sample_size = 2000;
    let round = uc::create(state, &commander, security).await.map_err(err)?;
    uc::open(state, &commander, round.id).await.map_err(err)?;
    let sheet = security_sheet;
    done.published[1] = door_to_door(state, &mut rng, round.id, 0.85, &[], &moods, sheet).await?;
    done.published[2] = by_telephone(state, &mut rng, round.id, 120, &moods, sheet).await?;
    done.published[0] = online(state, &mut rng, round.id, sheet).await?;
    uc::close(state, &commander, round.id).await.map_err(err)?;
    uc::publish(state, &commander, round.id)
        .await
        .map_err(err)?;

    let mut satisfaction = templates["satisfaction"].clone();
    satisfaction.title = "2026年第四季度网格化服务管理满意度测评".into();
    satisfaction.sample_size = 1500;
    let round = uc::create(state, &commander, satisfaction)
        .await
        .map_err(err)?;
    uc::open(state, &commander, round.id).await.map_err(err)?;
    // The residents' villages are left for them to answer online.
    let villages = super::residents::villages(state);
    let sheet = satisfaction_sheet;
    done.open_answers =
        door_to_door(state, &mut rng, round.id, 0.4, &villages, &moods, sheet).await?;
    done.open_answers += by_telephone(state, &mut rng, round.id, 30, &moods, sheet).await?;
    Ok(done)
}
