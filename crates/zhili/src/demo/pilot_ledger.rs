//! The demo district's demonstration sites ("3+30+50") and project ledger: twelve key projects
//! worth ¥420 M (the seed's figure) and 120 innovation projects over three years, each under
//! one of the six programmes, with their history of reports — most on time, a few late, one
//! spending behind and one over budget — and sites at every stage, some applied for with
//! photos and waiting for the pilot office.

use super::account as user;
use super::pilot::reporter_of;
use crate::state::AppState;
use crate::usecase::pilot::ledger::ReportEntry;
use rand::{rngs::StdRng, Rng};
use zhili_domain::assess::project::{ProjectMilestone, ProjectStatus};
use zhili_domain::assess::site::{SiteLevel, SiteStatus};
use zhili_domain::time::days_from_civil;
use zhili_domain::user::User;
use zhili_store::{ProjectRow, SiteRow};

const DAY_MS: i64 = 86_400_000;
/// 10:00 in China on a day.
fn at(day: i64) -> i64 {
    day * DAY_MS - 8 * 3_600_000 + 10 * 3_600_000
}

/// The demo's site evidence: a photo every applicant uploads as their own.
const PHOTO: &[u8] = include_bytes!("../../../zhili-domain/src/image/photo.jpg");

/// (title, programme, lead unit, budget in 万元) — adding up to ¥420 M.
const KEY: [(&str, &str, &str, i64); 12] = [
    ("雪亮工程三期（视频监控联网扩面）", "P4", "D01", 6800),
    ("城市大脑社会治理专题应用", "P4", "C500114", 5200),
    (
        "区综治中心（社会治理现代化指挥中心）提档升级",
        "P4",
        "C500114",
        2900,
    ),
    ("区群众诉求接待中心", "P2", "D05", 4500),
    ("区矛盾纠纷多元化解中心", "P5", "D04", 3600),
    ("诉源治理与在线调解平台", "P5", "D02", 1000),
    ("渝鄂湘黔边区联防联调工作站", "P3", "D01", 2500),
    ("平安校园智能安防全覆盖", "P6", "D13", 1800),
    ("老旧小区消防安全隐患整治", "P6", "D19", 4800),
    ("地质灾害隐患点监测预警", "P6", "D17", 4200),
    ("网格党建阵地标准化建设", "P1", "C500114", 3300),
    ("村（社区）综治中心规范化建设", "P1", "D06", 1400),
];

/// Innovation themes by programme, written for a town (`{}` its name).
const THEMES: [(&str, &str); 12] = [
    ("P1", "{}网格长与党组织负责人“一人兼”"),
    ("P1", "{}党员中心户联系群众"),
    ("P2", "{}“三事分流”议事协商"),
    ("P2", "{}“积分制”管理推广"),
    ("P3", "{}边界地区矛盾联调"),
    ("P3", "{}“1+X”大院联防"),
    ("P4", "{}智慧小区与人脸门禁"),
    ("P4", "{}网格员移动端全覆盖"),
    ("P5", "{}“星级调解室”创建"),
    ("P5", "{}“老娘舅”调解工作室"),
    ("P6", "{}“五乐社区”创建"),
    ("P6", "{}平安家庭创建"),
];

const SITE_THEMES: [(&str, &str); 6] = [
    ("P1", "党建引领网格治理示范点"),
    ("P2", "“三事分流”“积分制”示范点"),
    ("P3", "“1+X”大院联防示范点"),
    ("P4", "智慧平安小区示范点"),
    ("P5", "“星级调解室”示范点"),
    ("P6", "“五乐社区”示范点"),
];

/// Sites and projects written.
#[derive(Debug, Default)]
pub struct LedgerDemo {
    pub sites: usize,
    pub named: usize,
    pub projects: usize,
    pub key_budget_yuan: i64,
}

fn milestones(starts: i64, ends: i64, titles: &[&str]) -> Vec<ProjectMilestone> {
    let n = titles.len() as i64;
    titles
        .iter()
        .enumerate()
        .map(|(i, t)| ProjectMilestone {
            title: (*t).into(),
            due: starts + (ends - starts) * (i as i64 + 1) / n,
            done_on: None,
        })
        .collect()
}

/// A project's history to `today`: each milestone reached near its day (none from `stalls_at`
/// on), spending in step with the time gone by times `pace`.
#[allow(clippy::too_many_arguments)]
async fn project(
    state: &AppState,
    rng: &mut StdRng,
    pilot: &User,
    code: String,
    title: String,
    kind: &str,
    programme: &str,
    lead_unit: &str,
    budget_yuan: i64,
    (starts, ends): (i64, i64),
    mut ms: Vec<ProjectMilestone>,
    pace: f64,
    stalls_at: Option<usize>,
    today: i64,
) -> Result<(), String> {
    let lead = user(state, &reporter_of(lead_unit)).await?;
    let mut status = ProjectStatus::Planned;
    let mut reports = Vec::new();
    let mut spent = 0_i64;
    let last = ms.len().saturating_sub(1);
    for (i, m) in ms.iter_mut().enumerate() {
        let due = m.due + rng.gen_range(-6..3);
        if due >= today || stalls_at == Some(i) {
            break;
        }
        m.done_on = Some(due);
        let share =
            (((due - starts) as f64 / (ends - starts).max(1) as f64) * pace).min(pace.max(1.0));
        let now_spent = (budget_yuan as f64 * share).round() as i64;
        let step = (now_spent - spent).max(0);
        spent += step;
        let next = if i == last {
            ProjectStatus::Completed
        } else {
            ProjectStatus::Underway
        };
        reports.push(ReportEntry {
            on: due,
            at: at(due),
            by_name: lead.display_name.clone(),
            spent_yuan: step,
            milestones_done: vec![i],
            status: next.as_str().into(),
            note: format!(
                "“{}”已完成，累计支出 {:.1} 万元。",
                m.title,
                spent as f64 / 1e4
            ),
            photos: vec![],
        });
        status = next;
    }
    // Under way, the lead also reports the month's spending between milestones.
    let last_day = reports.last().map_or(starts, |r: &ReportEntry| r.on);
    if status == ProjectStatus::Underway && last_day + 20 < today {
        let on = today - rng.gen_range(3..15);
        let share = ((on - starts) as f64 / (ends - starts).max(1) as f64 * pace).min(1.0);
        let step = ((budget_yuan as f64 * share).round() as i64 - spent).max(0);
        spent += step;
        reports.push(ReportEntry {
            on,
            at: at(on),
            by_name: lead.display_name.clone(),
            spent_yuan: step,
            milestones_done: vec![],
            status: status.as_str().into(),
            note: format!("按进度拨付，累计支出 {:.1} 万元。", spent as f64 / 1e4),
            photos: vec![],
        });
    }
    if status == ProjectStatus::Completed && ends + 30 < today {
        status = ProjectStatus::InUse;
        if let Some(r) = reports.last_mut() {
            r.status = status.as_str().into();
        }
    }
    let row = ProjectRow {
        code: code.clone(),
        title,
        kind: kind.into(),
        programme: programme.into(),
        lead_unit: lead_unit.into(),
        budget_yuan,
        starts_on: starts,
        ends_on: ends,
        status: status.as_str().into(),
        spent_yuan: spent,
        milestones: serde_json::to_string(&ms).map_err(|e| e.to_string())?,
        reports: serde_json::to_string(&reports).map_err(|e| e.to_string())?,
        created_at: at(starts),
        version: 1,
    };
    let action = pilot
        .actor()
        .action(
            at(starts),
            "pilot.project.add",
            &format!("pilot_project:{code}"),
        )
        .states(None, Some(status.as_str()))
        .opinion(format!("{} 预算 {budget_yuan} 元", row.title));
    state
        .store
        .put_pilot_project(&row, 0, action)
        .await
        .map_err(|e| format!("project {code}: {e}"))
}

pub async fn write(
    state: &AppState,
    pilot: &User,
    rng: &mut StdRng,
    year: i64,
    today: i64,
) -> Result<LedgerDemo, String> {
    let mut done = LedgerDemo::default();
    let index = state.index();
    let towns: Vec<(String, String)> = super::data::towns()
        .into_iter()
        .filter(|t| index.names.contains_key(t.code.as_str()))
        .map(|t| (t.code.to_string(), t.name.clone()))
        .collect();
    let villages: Vec<(String, String, String)> = super::data::villages()
        .into_iter()
        .filter(|v| index.names.contains_key(v.code.as_str()))
        .map(|v| (v.code.to_string(), v.name(), v.town_code.to_string()))
        .collect();
    if towns.is_empty() {
        return Ok(done);
    }

    // Key projects of the five-year plan, from the year before last to the year after.
    for (i, (title, programme, lead, wan)) in KEY.iter().enumerate() {
        let starts = days_from_civil(year - 1, 1 + (i as u32 % 6) * 2, 1);
        let ends = days_from_civil(year + i as i64 % 2, 12, 31);
        let ms = milestones(
            starts,
            ends,
            &["立项批复", "招标采购", "主体完工", "竣工验收"],
        );
        // One spends behind its time; one stalls before its main works are done.
        let pace = if i == 4 {
            0.3
        } else {
            rng.gen_range(0.9..1.05)
        };
        let stalls_at = (i == 6).then_some(2);
        project(
            state,
            rng,
            pilot,
            format!("ZD-{:02}", i + 1),
            (*title).into(),
            "key",
            programme,
            lead,
            wan * 10_000,
            (starts, ends),
            ms,
            pace,
            stalls_at,
            today,
        )
        .await?;
        done.key_budget_yuan += wan * 10_000;
        done.projects += 1;
    }
    // Innovation projects, forty a year, led by the towns.
    for n in 0..120_usize {
        let y = year - 2 + (n / 40) as i64;
        let (programme, theme) = THEMES[n % THEMES.len()];
        let (town, town_name) = &towns[(n * 7) % towns.len()];
        let starts = days_from_civil(y, 1 + (n as u32 % 8), 1);
        let ends = starts + rng.gen_range(150..330);
        let ms = milestones(starts, ends, &["方案制定", "试点运行", "总结验收"]);
        // One of last year's ran over its budget.
        let pace = if n == 45 {
            1.25
        } else {
            rng.gen_range(0.85..1.0)
        };
        let budget = rng.gen_range(5..150) * 10_000;
        project(
            state,
            rng,
            pilot,
            format!("CX-{y}-{:02}", n % 40 + 1),
            theme.replace("{}", town_name),
            "innovation",
            programme,
            &format!("C{town}"),
            budget,
            (starts, ends),
            ms,
            pace,
            None,
            today,
        )
        .await?;
        done.projects += 1;
    }

    // Sites: 3 district, 30 departments and towns, 50 villages, cultivated this year.
    let photo = crate::usecase::evidence::upload_photo(state, pilot, PHOTO)
        .await
        .map_err(|e| format!("the sites' photo: {e}"))?;
    let photos = serde_json::to_string(&[&photo.info.sha256]).map_err(|e| e.to_string())?;
    let mut plan: Vec<(SiteLevel, String, String, String, Option<String>)> = vec![
        (
            SiteLevel::District,
            "区综治中心".into(),
            "P4".into(),
            "C500114".into(),
            None,
        ),
        (
            SiteLevel::District,
            "区矛盾纠纷多元化解中心".into(),
            "P5".into(),
            "D04".into(),
            None,
        ),
        (
            SiteLevel::District,
            "区群众诉求接待中心".into(),
            "P2".into(),
            "D05".into(),
            None,
        ),
    ];
    for i in 0..30 {
        let (programme, theme) = SITE_THEMES[i % SITE_THEMES.len()];
        if i < 22 {
            let (town, name) = &towns[i % towns.len()];
            let unit = format!("C{town}");
            plan.push((
                SiteLevel::Unit,
                format!("{name}{theme}"),
                programme.into(),
                unit,
                Some(town.clone()),
            ));
        } else {
            let d = format!("D{:02}", [1, 4, 5, 6, 9, 11, 13, 19][i - 22]);
            let name = super::data::departments()
                .into_iter()
                .find(|x| x.code == d)
                .map_or(d.clone(), |x| x.short_name);
            plan.push((
                SiteLevel::Unit,
                format!("{name}系统{theme}"),
                programme.into(),
                d,
                None,
            ));
        }
    }
    for i in 0..50.min(villages.len()) {
        let (code, name, town) = &villages[(i * 4 + 1) % villages.len()];
        let (programme, theme) = SITE_THEMES[(i + 3) % SITE_THEMES.len()];
        plan.push((
            SiteLevel::Village,
            format!("{name}{theme}"),
            programme.into(),
            format!("C{town}"),
            Some(code.clone()),
        ));
    }
    // Cultivated from March, or long enough before today for the year's steps to have passed.
    let starts = days_from_civil(year, 3, 1).min(today - 200);
    for (n, (level, name, programme, host, region)) in plan.into_iter().enumerate() {
        let code = format!("SF-{}-{:02}", &level.as_str()[..1].to_uppercase(), n + 1);
        // The seed's sites were all to be named by the year's end.
        let due = days_from_civil(year, 12, 31);
        let roll = rng.gen_range(0..100);
        let status = match roll {
            0..=54 => SiteStatus::Named,
            55..=74 => SiteStatus::Applied,
            75..=79 => SiteStatus::Returned,
            _ => SiteStatus::Cultivating,
        };
        let applied = (starts + rng.gen_range(100..240)).min(today - 20);
        let decided = (applied + rng.gen_range(5..20)).min(today - 1);
        let host_user = user(state, &reporter_of(&host)).await?;
        let is_applied = status != SiteStatus::Cultivating;
        let is_decided = matches!(status, SiteStatus::Named | SiteStatus::Returned);
        let row = SiteRow {
            code: code.clone(),
            name: name.clone(),
            level: level.as_str().into(),
            programme,
            host_unit: host,
            region,
            due_day: due,
            description: format!(
                "围绕“{name}”，建立工作机制、完善阵地设施、形成可复制的经验做法。"
            ),
            status: status.as_str().into(),
            application_note: is_applied.then(|| {
                "创建任务已全部完成，工作台账、制度文件和现场照片已上传，申请验收命名。".to_string()
            }),
            photos: if is_applied {
                photos.clone()
            } else {
                "[]".into()
            },
            applied_by_name: is_applied.then(|| host_user.display_name.clone()),
            applied_at: is_applied.then(|| at(applied)),
            decision_note: is_decided.then(|| {
                if status == SiteStatus::Named {
                    "经实地验收，达到示范点创建标准，予以命名。".to_string()
                } else {
                    "台账资料不完整，群众知晓率偏低，退回完善后重新申报。".to_string()
                }
            }),
            decided_by_name: is_decided.then(|| pilot.display_name.clone()),
            decided_at: is_decided.then(|| at(decided)),
            created_at: at(starts),
            version: 1 + is_applied as i64 + is_decided as i64,
        };
        let action = pilot
            .actor()
            .action(at(starts), "pilot.site.add", &format!("pilot_site:{code}"))
            .states(None, Some(status.as_str()))
            .opinion(name);
        state
            .store
            .put_pilot_site(&row, 0, action)
            .await
            .map_err(|e| format!("site {code}: {e}"))?;
        done.sites += 1;
        done.named += usize::from(status == SiteStatus::Named);
    }
    Ok(done)
}
