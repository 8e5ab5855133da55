//! Leaders' performance records (实绩档案) and their annual report (述职): assembled from the
//! record for a leading cadre with an account — the groups they lead in the organisation, the
//! targets of the task forces under them, the events they supervised, the assessment meetings
//! they convened, what the inspections found in their units and how it was put right, and their
//! units' assessment scores; the report drafted from it as .docx for the cadre to finish and sign.

use super::{organisation, targets, TargetView};
use crate::docx::Docx;
use crate::state::AppState;
use crate::usecase::{forbidden, not_found, Result};
use std::collections::BTreeSet;
use zhili_domain::assess::organisation::{Group, Official};
use zhili_domain::assess::{roll_up, GroupKind, TargetState, UnitGroup};
use zhili_domain::calendar::{date_string, CHINA_OFFSET_MS, DAY_MS};
use zhili_domain::user::User;
use zhili_store::{InspectionRow, MeetingReader, MeetingRow};

/// A unit's standing in the year's assessment.
#[derive(Clone, Debug)]
pub struct UnitStanding {
    pub group: UnitGroup,
    pub unit: String,
    pub name: String,
    pub total: f64,
    pub rank: usize,
    pub of: usize,
}

/// What an inspection found in the leader's units, and how much of it is put right.
#[derive(Clone, Debug)]
pub struct Inspected {
    pub inspection: InspectionRow,
    pub found: usize,
    pub rectified: usize,
}

#[derive(Clone, Debug)]
pub struct LeaderRecord {
    pub year: i32,
    pub username: String,
    pub official: Official,
    pub groups: Vec<Group>,
    pub targets: Vec<TargetView>,
    /// Weighted progress of those targets (0–100).
    pub percent: f64,
    pub supervised: i64,
    pub meetings: Vec<MeetingRow>,
    /// The pilot's work meetings they chaired, with the decisions each made.
    pub chaired: Vec<(InspectionRow, usize)>,
    pub inspections: Vec<Inspected>,
    pub standings: Vec<UnitStanding>,
}

/// Who reads a leader's record: those who read the assessment, and the leader themself.
fn may_read(user: &User, username: &str) -> bool {
    super::super::assess::may_read_scores(user) || user.username == username
}

/// The cadres with an account who lead a group, with what they lead.
pub async fn leaders(state: &AppState, user: &User) -> Result<Vec<(String, Official, Vec<Group>)>> {
    if !super::super::assess::may_read_scores(user) {
        return Err(forbidden(
            "the pilot office, the district centre and the leaders read the leaders' records",
        ));
    }
    let Some(org) = organisation(state).await?.organisation else {
        return Ok(vec![]);
    };
    let mut names = BTreeSet::new();
    for g in &org.groups {
        if let Some(u) = &g.leader.username {
            names.insert(u.clone());
        }
    }
    Ok(names
        .into_iter()
        .filter_map(|u| {
            let groups: Vec<Group> = org.led_by(&u).into_iter().cloned().collect();
            let official = groups.first()?.leader.clone();
            Some((u, official, groups))
        })
        .collect())
}

/// A leader's record for a year.
pub async fn record(
    state: &AppState,
    user: &User,
    username: &str,
    year: i32,
) -> Result<LeaderRecord> {
    if !may_read(user, username) {
        return Err(forbidden(
            "a leader's record is read by the pilot office, the district and the leader",
        ));
    }
    let org = organisation(state)
        .await?
        .organisation
        .ok_or_else(|| not_found("username", "no organisation kept yet".into()))?;
    let groups: Vec<Group> = org.led_by(username).into_iter().cloned().collect();
    let Some(first) = groups.first() else {
        return Err(not_found(
            "username",
            format!("{username} leads no group of the organisation"),
        ));
    };
    let official = first.leader.clone();
    // The task forces under what they lead, and the units answering for them.
    let mut forces = BTreeSet::new();
    let mut units = BTreeSet::new();
    for g in &groups {
        for f in org.groups.iter().filter(|f| f.kind == GroupKind::TaskForce) {
            let under = match g.kind {
                GroupKind::LeadingGroup => true,
                GroupKind::WorkingGroup => f.parent.as_deref() == Some(g.code.as_str()),
                GroupKind::TaskForce => f.code == g.code,
                GroupKind::UnitGroup => false,
            };
            if under {
                forces.insert(f.code.clone());
                units.extend(f.lead_unit.clone());
            }
        }
        if g.kind == GroupKind::UnitGroup {
            units.extend(g.lead_unit.clone());
        }
    }
    let all = targets(state, user, year).await?;
    let mine: Vec<TargetView> = all
        .iter()
        .filter(|t| forces.contains(&t.row.task_force))
        .cloned()
        .collect();
    let parts: Vec<(f64, f64)> = mine.iter().map(|t| (t.row.weight, t.row.percent)).collect();
    let first_day = zhili_domain::time::days_from_civil(year as i64, 1, 1);
    let next = zhili_domain::time::days_from_civil(year as i64 + 1, 1, 1);
    let ms = |d: i64| d * DAY_MS - CHINA_OFFSET_MS;
    let supervised = state
        .store
        .count_actions_by(username, "supervise", ms(first_day), ms(next))
        .await?;
    let root = state.index().root.clone();
    let meetings = match root {
        Some(root) => {
            let whole = zhili_domain::Scope::whole(root);
            state
                .store
                .meetings(
                    &MeetingReader {
                        scope: &whole,
                        sector: None,
                    },
                    ms(first_day),
                    ms(next),
                    1000,
                )
                .await?
                .into_iter()
                .filter(|m| m.convened_by == username && m.held_at.is_some())
                .collect()
        }
        None => vec![],
    };
    // Rectifications are targets of the inspections' own tasks, owned by the unit at fault; a
    // meeting's decisions, of the meeting's.
    let (held, kept): (Vec<InspectionRow>, Vec<InspectionRow>) = state
        .store
        .pilot_inspections(year as i64)
        .await?
        .into_iter()
        .partition(|i| i.kind == "meeting");
    let chaired = held
        .into_iter()
        .filter(|m| m.chair_username.as_deref() == Some(username))
        .map(|m| {
            let decisions = all.iter().filter(|t| t.row.task_id == m.task_id).count();
            (m, decisions)
        })
        .collect();
    let inspections = kept
        .into_iter()
        .filter_map(|i| {
            let found: Vec<&TargetView> = all
                .iter()
                .filter(|t| t.row.task_id == i.task_id && units.contains(&t.row.lead_unit))
                .collect();
            (!found.is_empty()).then(|| Inspected {
                found: found.len(),
                // A rectification is put right when its one milestone is done.
                rectified: found
                    .iter()
                    .filter(|t| t.row.milestones.iter().all(|m| m.done_on.is_some()))
                    .count(),
                inspection: i,
            })
        })
        .collect();
    let mut standings = Vec::new();
    for group in UnitGroup::ALL {
        let scores = match crate::usecase::assess::scores(state, user, year, group).await {
            Ok(s) => s,
            // No scheme for the year: no standing to show.
            Err(_) => continue,
        };
        let of = scores.units.len();
        for s in scores.units {
            let key = match group {
                UnitGroup::Towns => format!("C{}", s.unit),
                UnitGroup::Departments => s.unit.clone(),
            };
            if units.contains(&key) {
                standings.push(UnitStanding {
                    group,
                    unit: s.unit,
                    name: s.name,
                    total: s.sheet.total,
                    rank: s.rank,
                    of,
                });
            }
        }
    }
    Ok(LeaderRecord {
        year,
        username: username.to_string(),
        official,
        groups,
        percent: roll_up(&parts),
        targets: mine,
        supervised,
        meetings,
        chaired,
        inspections,
        standings,
    })
}

/// The annual report (述职) drafted from the record: every figure from it, the rest left for
/// the cadre to write and sign.
pub async fn report(
    state: &AppState,
    user: &User,
    username: &str,
    year: i32,
) -> Result<(String, Vec<u8>)> {
    let r = record(state, user, username, year).await?;
    let name = format!("{}{}", r.official.name, r.official.title);
    let mut doc = Docx::new();
    doc.title(&format!("{year}年度平安建设述职报告"));
    doc.right("（草稿：由系统依据记录生成，本人修改完善后签字报送）");
    doc.labelled(
        "述职人：",
        &format!("{}（{}）", r.official.name, r.official.title),
    );
    doc.labelled(
        "所任职务：",
        &r.groups
            .iter()
            .map(|g| {
                format!(
                    "{}{}",
                    g.name,
                    if g.kind == GroupKind::TaskForce {
                        "班长"
                    } else {
                        "组长"
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("、"),
    );

    doc.heading("一、牵头目标任务推进情况");
    let late = r
        .targets
        .iter()
        .filter(|t| t.state == TargetState::Late)
        .count();
    let done = r
        .targets
        .iter()
        .filter(|t| t.state == TargetState::Done)
        .count();
    doc.para(&format!(
        "分管工作专班承担目标任务 {} 项，已完成 {} 项，滞后 {} 项，按权重总体完成 {:.1}%（目标库，截至 {}）。",
        r.targets.len(),
        done,
        late,
        r.percent,
        date_string(super::today())
    ));
    if !r.targets.is_empty() {
        let rows: Vec<Vec<String>> = r
            .targets
            .iter()
            .map(|t| {
                vec![
                    t.row.task_code.clone(),
                    t.row.title.clone(),
                    t.lead_name.clone(),
                    format!("{:.0}%", t.row.percent),
                    t.state.label_zh().into(),
                ]
            })
            .collect();
        doc.table(&["任务编号", "目标任务", "牵头单位", "进度", "状态"], &rows);
    }

    doc.heading("二、督办和风险研判");
    doc.para(&format!(
        "全年督办事件 {} 件（事件库操作记录）；召集风险研判会议 {} 次；主持试点工作例会 {} 次，议定事项 {} 项。",
        r.supervised,
        r.meetings.len(),
        r.chaired.len(),
        r.chaired.iter().map(|(_, n)| n).sum::<usize>()
    ));
    if !r.meetings.is_empty() {
        let rows: Vec<Vec<String>> = r
            .meetings
            .iter()
            .take(60)
            .map(|m| {
                vec![
                    m.held_at
                        .map(|t| date_string(zhili_domain::calendar::china_day(t)))
                        .unwrap_or_default(),
                    m.title.clone(),
                    m.decisions.len().to_string(),
                ]
            })
            .collect();
        doc.table(&["日期", "会议", "议定事项"], &rows);
    }

    doc.heading("三、督查发现问题整改情况");
    if r.inspections.is_empty() {
        doc.para("本年度督查未发现分管领域问题。");
    } else {
        for i in &r.inspections {
            doc.para(&format!(
                "{}（{}）：发现分管领域问题 {} 个，已整改 {} 个。",
                i.inspection.title,
                date_string(i.inspection.held_on),
                i.found,
                i.rectified
            ));
        }
    }

    doc.heading("四、考核情况");
    if r.standings.is_empty() {
        doc.para("暂无考核结果。");
    } else {
        let rows: Vec<Vec<String>> = r
            .standings
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.group.label_zh().into(),
                    format!("{:.2}", s.total),
                    format!("{}/{}", s.rank, s.of),
                ]
            })
            .collect();
        doc.table(&["单位", "类别", "得分", "名次"], &rows);
    }

    doc.heading("五、存在的问题和下一步打算");
    doc.para("（由述职人填写）");
    doc.blank();
    doc.blank();
    doc.right(&format!("述职人：{name}（签字）"));
    doc.right("年    月    日");
    Ok((
        format!("{year}年度平安建设述职报告-{}.docx", r.official.name),
        doc.to_bytes(),
    ))
}
