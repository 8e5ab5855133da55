//! The demo city's pilot plan: the seed's "1+5+29+N" organisation, its 100 key tasks and 130
//! yearly targets (data: `data/pilot-2026.json`), set up by the pilot office through the use
//! cases; and the year so far — the units' progress reports, written with their own past
//! times, most milestones done on time, some late, some still open past their day (the red
//! warnings the overview opens on).

use super::account as user;
use crate::state::AppState;
use crate::usecase::pilot as uc;
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::Deserialize;
use zhili_domain::assess::organisation::{Group, Official, Organisation};
use zhili_domain::assess::plan::{year_days, year_of, MilestoneDraft, TaskDraft, When};
use zhili_domain::assess::GroupKind;
use zhili_domain::calendar::{china_day, CHINA_OFFSET_MS, DAY_MS, HOUR_MS};
use zhili_store::ProgressRow;

const PLAN: &str = include_str!("../../data/pilot-2026.json");

#[derive(Deserialize)]
struct Plan {
    office: String,
    programmes: Vec<zhili_domain::assess::project::Programme>,
    site_quotas: Vec<zhili_domain::assess::site::SiteQuota>,
    leading_group: Leading,
    working_groups: Vec<WorkingGroup>,
}

#[derive(Deserialize)]
struct Leading {
    name: String,
    leader: Named,
}

#[derive(Deserialize)]
struct Named {
    name: String,
    title: String,
}

#[derive(Deserialize)]
struct WorkingGroup {
    code: String,
    name: String,
    leader: String,
    task_forces: Vec<TaskForce>,
}

#[derive(Deserialize)]
struct TaskForce {
    code: String,
    name: String,
    lead_unit: String,
    leader: String,
    tasks: Vec<String>,
}

/// What the demo's pilot work made.
#[derive(Debug, Default)]
pub struct PilotDemo {
    pub groups: usize,
    pub tasks: usize,
    pub targets: usize,
    pub reports: usize,
    pub late: usize,
    pub findings: usize,
    pub reviews: usize,
    pub monthly: usize,
    pub meetings: usize,
    /// The meetings' decisions (targets of their own).
    pub decisions: usize,
    pub checklist: (usize, usize),
    pub ledger: super::pilot_ledger::LedgerDemo,
}

/// The account that reports for a unit: a department's handler, a town's centre, the district
/// commander for the district centre.
pub(super) fn reporter_of(unit: &str) -> String {
    match unit.strip_prefix('C') {
        Some(code) if code.len() == 6 => "district".into(),
        Some(code) => format!("town-{code}"),
        None => format!("dept-{unit}"),
    }
}

fn official(name: &str, title: &str, username: Option<&str>) -> Official {
    Official {
        name: name.into(),
        title: title.into(),
        username: username.map(Into::into),
    }
}

/// The organisation: the leading group, the five working groups, the 29 task forces, and a
/// group in each lead department and each town (the N).
fn organisation(plan: &Plan, towns: &[(String, String)]) -> Organisation {
    let mut groups = vec![Group {
        code: "L".into(),
        kind: GroupKind::LeadingGroup,
        name: plan.leading_group.name.clone(),
        parent: None,
        leader: official(
            &plan.leading_group.leader.name,
            &plan.leading_group.leader.title,
            None,
        ),
        lead_unit: None,
        units: vec![],
        members: vec![],
    }];
    let mut unit_groups: Vec<Group> = Vec::new();
    for w in &plan.working_groups {
        // The 政法委书记 (法治保障) is the district centre's commander; the leader account is the
        // deputy party secretary leading 政治引领.
        let account = match w.code.as_str() {
            "W2" => Some("district"),
            "W1" => Some("leader"),
            _ => None,
        };
        groups.push(Group {
            code: w.code.clone(),
            kind: GroupKind::WorkingGroup,
            name: w.name.clone(),
            parent: Some("L".into()),
            leader: official(&w.leader, "组长", account),
            lead_unit: None,
            units: vec![],
            members: vec![],
        });
        for t in &w.task_forces {
            groups.push(Group {
                code: t.code.clone(),
                kind: GroupKind::TaskForce,
                name: t.name.clone(),
                parent: Some(w.code.clone()),
                leader: official(&t.leader, "班长", None),
                lead_unit: Some(t.lead_unit.clone()),
                units: vec![t.lead_unit.clone()],
                members: vec![],
            });
            if t.lead_unit.starts_with('D')
                && !unit_groups
                    .iter()
                    .any(|g| g.lead_unit.as_ref() == Some(&t.lead_unit))
            {
                unit_groups.push(Group {
                    code: format!("U-{}", t.lead_unit),
                    kind: GroupKind::UnitGroup,
                    name: "单位试点工作领导小组".into(),
                    parent: Some(t.code.clone()),
                    leader: official("主要负责人", "组长", None),
                    lead_unit: Some(t.lead_unit.clone()),
                    units: vec![],
                    members: vec![],
                });
            }
        }
    }
    for (code, name) in towns {
        unit_groups.push(Group {
            code: format!("U-{code}"),
            kind: GroupKind::UnitGroup,
            name: format!("{name}试点工作领导小组"),
            parent: Some("T25".into()),
            leader: official("党（工）委书记", "组长", None),
            lead_unit: Some(format!("C{code}")),
            units: vec![],
            members: vec![],
        });
    }
    groups.extend(unit_groups);
    Organisation {
        office: plan.office.clone(),
        office_members: vec![official("试点办", "主任", Some("pilot"))],
        groups,
        programmes: plan.programmes.clone(),
        site_quotas: plan.site_quotas.clone(),
    }
}

const DEPARTMENTS: usize = 26;

/// The pilot set up and its year so far.
pub async fn write(state: &AppState, seed: u64) -> Result<PilotDemo, String> {
    let plan: Plan = serde_json::from_str(PLAN).map_err(|e| format!("pilot-2026.json: {e}"))?;
    let mut rng = StdRng::seed_from_u64(seed ^ 0x9170);
    let pilot = user(state, "pilot").await?;
    let towns: Vec<(String, String)> = super::data::towns()
        .into_iter()
        .map(|t| (t.code.to_string(), t.name.clone()))
        .collect();
    let mut done = PilotDemo::default();
    let org = organisation(&plan, &towns);
    done.groups = org.groups.len();
    uc::set_organisation(state, &pilot, org)
        .await
        .map_err(|e| format!("the organisation: {e}"))?;

    let now = crate::now_ms();
    let today = china_day(now);
    let year = year_of(today);
    let (first, last) = year_days(year);
    let quarter_ends = [
        zhili_domain::time::days_from_civil(year as i64, 3, 31),
        zhili_domain::time::days_from_civil(year as i64, 6, 30),
        zhili_domain::time::days_from_civil(year as i64, 9, 30),
        last,
    ];
    let mut n = 0;
    for w in &plan.working_groups {
        for t in &w.task_forces {
            for title in &t.tasks {
                n += 1;
                let task = uc::add_task(
                    state,
                    &pilot,
                    TaskDraft {
                        year,
                        code: format!("K{n:03}"),
                        title: title.clone(),
                        task_force: t.code.clone(),
                    },
                )
                .await
                .map_err(|e| format!("task {n}: {e}"))?;
                done.tasks += 1;
                // The first thirty tasks have a second target: the lasting mechanism by year end.
                let mut targets =
                    vec![(format!("{title}年度目标"), quarter_ends[n % 4].max(first))];
                if n <= 30 {
                    targets.push((format!("{title}长效机制建立"), last));
                }
                for (title, due) in targets {
                    let mut partners = Vec::new();
                    let dept = format!("D{:02}", rng.gen_range(1..=DEPARTMENTS));
                    if dept != t.lead_unit {
                        partners.push(dept);
                    }
                    let town = &towns[rng.gen_range(0..towns.len())].0;
                    partners.push(format!("C{town}"));
                    let target = uc::add_target(
                        state,
                        &pilot,
                        uc::NewTarget {
                            task_id: task.id,
                            title,
                            lead_unit: t.lead_unit.clone(),
                            partners,
                            weight: [1.0, 1.0, 2.0, 3.0][rng.gen_range(0..4)],
                            due,
                            milestones: vec![
                                milestone("制定实施方案", When::WorkingDaysBefore(40), 1.0),
                                milestone("推进落实", When::WorkingDaysBefore(15), 2.0),
                                milestone("验收销号", When::WorkingDaysBefore(0), 1.0),
                            ],
                        },
                    )
                    .await
                    .map_err(|e| format!("target of task {n}: {e}"))?;
                    done.targets += 1;
                    let (reports, late) = history(state, &mut rng, &target, today).await?;
                    done.reports += reports;
                    done.late += late as usize;
                }
            }
        }
    }
    // The third quarter's inspection: its findings given a month, most put right since.
    let held_on = zhili_domain::time::days_from_civil(year as i64, 9, 25);
    if held_on < today {
        let findings = FINDINGS
            .iter()
            .enumerate()
            .map(|(i, text)| zhili_domain::assess::inspection::Finding {
                text: (*text).into(),
                unit: INSPECTED[i % INSPECTED.len()].into(),
                due: held_on + 30,
            })
            .collect();
        let recorded = uc::inspections::record(
            state,
            &pilot,
            zhili_domain::assess::inspection::InspectionDraft {
                year,
                quarter: 3,
                title: "第三季度试点工作督查".into(),
                held_on,
                inspectors: "区委政法委（试点办）、区委督查室、区政府督查室".into(),
                summary: "对 29 个工作专班目标任务推进情况逐项督查，抽查镇街和村社 12 个。总体按计划推进，发现问题如下，限期一个月整改。".into(),
                findings,
            },
        )
        .await
        .map_err(|e| format!("the inspection: {e}"))?;
        done.findings = recorded.rectifications.len();
        for r in &recorded.rectifications {
            let (reports, late) = history(state, &mut rng, r, today).await?;
            done.reports += reports;
            done.late += late as usize;
        }
    }
    // The monthly work meetings charge departments and towns alike.
    let charged: Vec<String> = (1..=DEPARTMENTS)
        .map(|d| format!("D{d:02}"))
        .chain(towns.iter().map(|(code, _)| format!("C{code}")))
        .collect();
    let (meetings, decisions, reports, late) =
        super::pilot_meetings::write(state, &pilot, &mut rng, year, today, &charged).await?;
    done.meetings = meetings;
    done.decisions = decisions;
    done.reports += reports;
    done.late += late;
    let town_codes: Vec<String> = towns.iter().map(|(code, _)| code.clone()).collect();
    done.reviews =
        super::pilot_reviews::write(state, &pilot, year, &town_codes, DEPARTMENTS, seed).await?;
    done.monthly = super::pilot_monthly::write(state, &pilot, year).await?;
    done.checklist = super::pilot_checklist::write(state, &pilot, &mut rng).await?;
    done.ledger = super::pilot_ledger::write(state, &pilot, &mut rng, year as i64, today).await?;
    Ok(done)
}

const FINDINGS: [&str; 8] = [
    "矛盾纠纷排查台账更新不及时",
    "部分网格员走访记录不完整",
    "社区矫正对象请销假审批材料缺失",
    "校园周边护学岗人员不足",
    "重点场所消防通道被占用",
    "信访积案化解方案未明确责任人",
    "综治中心值班记录缺页",
    "雪亮工程部分点位离线超过一周",
];

/// The units the inspection found something of.
const INSPECTED: [&str; 8] = [
    "D04",
    "C500114001",
    "D04",
    "D13",
    "D19",
    "D05",
    "C500114002",
    "D01",
];

fn milestone(title: &str, when: When, weight: f64) -> MilestoneDraft {
    MilestoneDraft {
        title: title.into(),
        when,
        weight,
    }
}

/// A target's reports so far, with their own times: the lead reports each milestone whose day
/// has come — mostly on time, some late, some not at all yet — and the partners once what they
/// did. Whether a milestone is left late.
pub(super) async fn history(
    state: &AppState,
    rng: &mut StdRng,
    target: &uc::TargetView,
    today: i64,
) -> Result<(usize, bool), String> {
    let t = &target.row;
    let lead = user(state, &reporter_of(&t.lead_unit)).await?;
    let mut version = t.version;
    let mut reports = 0;
    let mut left_late = false;
    let total: f64 = t.milestones.iter().map(|m| m.weight).sum();
    let mut weight_done = 0.0;
    let mut steps: Vec<(i64, &zhili_store::MilestoneRow)> = Vec::new();
    for m in &t.milestones {
        let roll = rng.gen_range(0..100);
        let day = match roll {
            0..80 => m.due_day - rng.gen_range(0..8),
            80..93 => m.due_day + rng.gen_range(2..15),
            _ => i64::MAX,
        };
        if day >= today {
            left_late |= m.due_day < today;
            // What is not done by a milestone's day holds the rest back too.
            break;
        }
        steps.push((day, m));
    }
    let at = |day: i64| day * DAY_MS - CHINA_OFFSET_MS + 10 * HOUR_MS;
    let mut last_day = i64::MIN;
    for (day, m) in steps {
        let day = day.max(last_day);
        last_day = day;
        weight_done += m.weight;
        let percent = (weight_done / total * 100.0).round();
        let row = ProgressRow {
            id: 0,
            target_id: t.id,
            unit_id: t.lead_unit.clone(),
            percent: Some(percent),
            milestones_done: vec![m.seq],
            note: format!(
                "“{}”已完成，{}。",
                m.title,
                NOTES[rng.gen_range(0..NOTES.len())]
            ),
            photos: "[]".into(),
            links: "[]".into(),
            reported_by: lead.username.clone(),
            reported_at: at(day),
        };
        let action = lead
            .actor()
            .action(
                row.reported_at,
                "pilot.target.progress",
                &format!("pilot_target:{}", t.id),
            )
            .opinion(format!("进度 {percent}%；{}", row.note));
        state
            .store
            .report_pilot_progress(&row, version, action)
            .await
            .map_err(|e| e.to_string())?;
        version += 1;
        reports += 1;
    }
    // Each partner reports once, a week after the first milestone if that has passed.
    let first_day = t.milestones.first().map(|m| m.due_day + 7).unwrap_or(today);
    if first_day < today {
        for p in &t.partners {
            let partner = user(state, &reporter_of(p)).await?;
            let row = ProgressRow {
                id: 0,
                target_id: t.id,
                unit_id: p.clone(),
                percent: None,
                milestones_done: vec![],
                note: PARTNER_NOTES[rng.gen_range(0..PARTNER_NOTES.len())].into(),
                photos: "[]".into(),
                links: "[]".into(),
                reported_by: partner.username.clone(),
                reported_at: at(first_day),
            };
            let action = partner
                .actor()
                .action(
                    row.reported_at,
                    "pilot.target.progress",
                    &format!("pilot_target:{}", t.id),
                )
                .opinion(row.note.clone());
            state
                .store
                .report_pilot_progress(&row, version, action)
                .await
                .map_err(|e| e.to_string())?;
            version += 1;
            reports += 1;
        }
    }
    Ok((reports, left_late))
}

const NOTES: [&str; 5] = [
    "印发文件并召开推进会",
    "完成台账建立和现场核查",
    "对照清单逐项销号",
    "组织专题培训，覆盖全部镇街",
    "形成工作总结报试点办",
];

const PARTNER_NOTES: [&str; 4] = [
    "按分工完成配合事项，台账已报牵头单位",
    "组织辖区村社开展排查，情况已汇总",
    "派员参加联合检查，发现问题已移交",
    "提供相关数据和资料，配合牵头单位推进",
];
