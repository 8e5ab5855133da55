//! Monthly reports (月度工作报告): each department or town with targets reports on the month
//! by the fifth working day of the next. The draft is made from the record — its targets'
//! progress at the month's end, the milestones it completed and those left late, the reports it
//! filed, the events it closed and how — and the unit edits and submits it; the pilot office
//! reads every unit's, sees who is missing or late, and may return one with a reason.

use super::{runs_the_pilot, target_scope, units};
use crate::state::AppState;
use crate::usecase::{forbidden, not_found, Result};
use std::collections::{BTreeSet, HashMap};
use zhili_domain::assess::monthly::{self, Month, ReportState, ReportStep, Sections};
use zhili_domain::calendar::{china_day, date_string, CHINA_OFFSET_MS, DAY_MS};
use zhili_domain::user::User;
use zhili_store::{MonthlyRow, StoreError, TargetScope};

/// A target as the month left it for the unit.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TargetMonth {
    pub id: i64,
    pub title: String,
    pub lead: bool,
    /// The lead's percentage at the month's end.
    pub percent: f64,
    /// Milestones completed in the month, and those past their day undone at its end.
    pub completed: Vec<String>,
    pub late: Vec<String>,
    /// Milestones due in the next month.
    pub coming: Vec<String>,
}

/// What the draft was made from, kept with the report (frozen when submitted).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Figures {
    pub targets: Vec<TargetMonth>,
    /// Progress reports the unit filed in the month.
    pub reports: usize,
    /// Events closed in the month (led by the department, or in the town), on time, rated
    /// and rated satisfied.
    pub closed: i64,
    pub on_time: i64,
    pub rated: i64,
    pub satisfied: i64,
    /// Mediation cases registered in the month mediated to an end, and settled (towns).
    pub mediation_ended: i64,
    pub mediation_settled: i64,
}

/// A unit's report on a month: kept, or drafted from the record when none is kept yet.
#[derive(Clone, Debug)]
pub struct MonthlyReport {
    pub unit: String,
    pub unit_name: String,
    pub month: Month,
    /// None: nothing kept yet (what is shown is the draft).
    pub state: Option<ReportState>,
    pub sections: Sections,
    pub figures: Figures,
    pub version: i64,
    pub due_day: i64,
    /// Submitted after its due day, or not submitted and the day past.
    pub late: bool,
    pub row: Option<MonthlyRow>,
}

fn ms(day: i64) -> i64 {
    day * DAY_MS - CHINA_OFFSET_MS
}

/// The unit's figures for the month from the record.
async fn figures(state: &AppState, unit: &str, month: Month) -> Result<Figures> {
    let (first, end) = (month.first_day(), month.end_day());
    let mut f = Figures::default();
    let rows = state
        .store
        .pilot_targets(&TargetScope::Unit(unit.to_string()), month.year as i64)
        .await?;
    let next_end = month.next().end_day();
    for row in rows {
        let lead = row.lead_unit == unit;
        let reports = state.store.pilot_progress(row.id).await?;
        f.reports += reports
            .iter()
            .filter(|r| r.unit_id == unit && (ms(first)..ms(end)).contains(&r.reported_at))
            .count();
        // The lead's latest percentage reported before the month's end (reports newest first).
        let percent = reports
            .iter()
            .filter(|r| r.reported_at < ms(end))
            .find_map(|r| r.percent)
            .unwrap_or(0.0);
        let done_by = |m: &zhili_store::MilestoneRow, day: i64| m.done_on.is_some_and(|d| d < day);
        f.targets.push(TargetMonth {
            id: row.id,
            percent,
            completed: row
                .milestones
                .iter()
                .filter(|m| m.done_on.is_some_and(|d| (first..end).contains(&d)))
                .map(|m| m.title.clone())
                .collect(),
            late: row
                .milestones
                .iter()
                .filter(|m| m.due_day < end && !done_by(m, end))
                .map(|m| format!("{}（{}）", m.title, date_string(m.due_day)))
                .collect(),
            coming: row
                .milestones
                .iter()
                .filter(|m| (end..next_end).contains(&m.due_day) && !done_by(m, end))
                .map(|m| format!("{}（{}前）", m.title, date_string(m.due_day)))
                .collect(),
            title: row.title,
            lead,
        });
    }
    let now = crate::now_ms();
    let key = unit.strip_prefix('C').unwrap_or(unit);
    let counts = state
        .store
        .assessment_counts(ms(first), ms(end).min(now + 1), now, china_day(now))
        .await?;
    if let Some(c) = counts.iter().find(|c| c.unit == key) {
        f.closed = c.closed;
        f.on_time = c.on_time;
        f.rated = c.rated;
        f.satisfied = c.satisfied;
        f.mediation_ended = c.mediation_ended;
        f.mediation_settled = c.mediation_settled;
    }
    Ok(f)
}

/// The sections drafted from the figures, for the unit to edit.
fn draft(month: Month, f: &Figures) -> Sections {
    let part = |lead: bool| if lead { "牵头" } else { "配合" };
    let mut done = format!(
        "一、目标任务推进情况\n本单位牵头或配合的目标任务 {} 项，本月报送进展 {} 次。\n",
        f.targets.len(),
        f.reports
    );
    for (i, t) in f.targets.iter().enumerate() {
        done.push_str(&format!(
            "（{}）{}（{}）：截至月底完成 {}%",
            i + 1,
            t.title,
            part(t.lead),
            t.percent
        ));
        if !t.completed.is_empty() {
            done.push_str(&format!("，本月完成节点：{}", t.completed.join("、")));
        }
        done.push_str("。\n");
    }
    done.push_str(&format!(
        "二、事件办理情况\n{}月办结事件 {} 件，其中按期办结 {} 件；群众评价 {} 件，满意 {} 件。",
        month.month, f.closed, f.on_time, f.rated, f.satisfied
    ));
    if f.mediation_ended > 0 {
        done.push_str(&format!(
            "\n三、矛盾纠纷调解\n本月受理案件中调解终结 {} 件，调解成功 {} 件。",
            f.mediation_ended, f.mediation_settled
        ));
    }
    let late: Vec<String> = f
        .targets
        .iter()
        .flat_map(|t| {
            t.late
                .iter()
                .map(move |m| format!("“{}”的节点“{}”逾期未完成", t.title, m))
        })
        .collect();
    let problems = if late.is_empty() {
        "各项目标任务节点均按期推进，无逾期节点。".to_string()
    } else {
        format!("{}。", late.join("；"))
    };
    let coming: Vec<String> = f
        .targets
        .iter()
        .flat_map(|t| {
            t.coming
                .iter()
                .map(move |m| format!("推进“{}”：{}", t.title, m))
        })
        .collect();
    let next = if coming.is_empty() {
        "按年度计划推进各项目标任务，及时报送进展。".to_string()
    } else {
        format!("{}。", coming.join("；"))
    };
    Sections {
        done,
        problems,
        next,
    }
}

/// The report a unit may read: its own (the office, the leaders and the district any unit's).
fn check_reader(user: &User, unit: &str) -> Result<()> {
    match target_scope(user)? {
        TargetScope::All => Ok(()),
        TargetScope::Unit(u) if u == unit => Ok(()),
        TargetScope::Unit(_) => Err(not_found("unit", format!("no report of {unit} for you"))),
    }
}

fn check_month(month: Month) -> Result<()> {
    if month.first_day() > china_day(crate::now_ms()) {
        return Err(crate::usecase::invalid("month", "a month that has begun"));
    }
    Ok(())
}

fn parse_state(row: &MonthlyRow) -> Result<ReportState> {
    ReportState::parse(&row.state).ok_or_else(|| {
        StoreError::Internal(format!(
            "monthly report {} state {}",
            row.unit_id, row.state
        ))
        .into()
    })
}

fn report_of(
    unit: &str,
    unit_name: String,
    month: Month,
    row: Option<MonthlyRow>,
    drafted: Option<Figures>,
    due_day: i64,
) -> Result<MonthlyReport> {
    let today = china_day(crate::now_ms());
    let (state, sections, figures, version) = match (&row, drafted) {
        (Some(r), _) => (
            Some(parse_state(r)?),
            Sections {
                done: r.done.clone(),
                problems: r.problems.clone(),
                next: r.next_steps.clone(),
            },
            serde_json::from_str(&r.figures).unwrap_or_default(),
            r.version,
        ),
        (None, Some(f)) => (None, draft(month, &f), f, 0),
        (None, None) => (
            None,
            Sections {
                done: String::new(),
                problems: String::new(),
                next: String::new(),
            },
            Figures::default(),
            0,
        ),
    };
    let late = match row.as_ref().and_then(|r| r.submitted_at) {
        Some(at) if state == Some(ReportState::Submitted) => china_day(at) > due_day,
        _ => today > due_day,
    };
    Ok(MonthlyReport {
        unit: unit.to_string(),
        unit_name,
        month,
        state,
        sections,
        figures,
        version,
        due_day,
        late,
        row,
    })
}

/// A unit's report on a month: the one kept, or a fresh draft from the record.
pub async fn report(
    state: &AppState,
    user: &User,
    unit: &str,
    month: Month,
) -> Result<MonthlyReport> {
    check_reader(user, unit)?;
    check_month(month)?;
    let names = units(state).await?;
    let name = names
        .get(unit)
        .cloned()
        .ok_or_else(|| not_found("unit", format!("no unit {unit}")))?;
    let row = state
        .store
        .pilot_monthly_report(unit, month.year as i64, month.month as i64)
        .await?;
    let drafted = match row {
        Some(_) => None,
        None => Some(figures(state, unit, month).await?),
    };
    let due = month.due_day(&state.reference().calendar);
    report_of(unit, name, month, row, drafted, due)
}

/// What a unit sends: its sections at the version read, kept as a draft or submitted.
#[derive(Clone, Debug)]
pub struct Write {
    pub version: i64,
    pub sections: Sections,
    pub submit: bool,
}

/// The unit's own report kept or submitted (the figures are those of the record now, frozen
/// with it when submitted).
pub async fn write(
    state: &AppState,
    user: &User,
    unit: &str,
    month: Month,
    w: Write,
) -> Result<MonthlyReport> {
    match target_scope(user)? {
        TargetScope::Unit(u) if u == unit => {}
        TargetScope::Unit(_) => {
            return Err(not_found("unit", format!("no report of {unit} for you")))
        }
        TargetScope::All => return Err(forbidden("a unit writes its own monthly report")),
    }
    let now = crate::now_ms();
    let kept = state
        .store
        .pilot_monthly_report(unit, month.year as i64, month.month as i64)
        .await?;
    let from = kept.as_ref().map(parse_state).transpose()?;
    let step = if w.submit {
        ReportStep::Submit
    } else {
        ReportStep::Save
    };
    let to = monthly::next_state(from, step, month, china_day(now))?;
    let sections = w.sections.check()?;
    let figures = serde_json::to_string(&figures(state, unit, month).await?)
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    let row = MonthlyRow {
        unit_id: unit.to_string(),
        year: month.year as i64,
        month: month.month as i64,
        state: to.as_str().into(),
        done: sections.done,
        problems: sections.problems,
        next_steps: sections.next,
        figures,
        version: w.version + 1,
        saved_by: user.username.clone(),
        saved_by_name: user.display_name.clone(),
        saved_at: now,
        submitted_at: (to == ReportState::Submitted).then_some(now),
        returned_reason: kept.as_ref().and_then(|k| k.returned_reason.clone()),
        returned_by_name: kept.as_ref().and_then(|k| k.returned_by_name.clone()),
        returned_at: kept.as_ref().and_then(|k| k.returned_at),
    };
    let action = user
        .actor()
        .action(
            now,
            if w.submit {
                "pilot.monthly.submit"
            } else {
                "pilot.monthly.save"
            },
            &format!("pilot_monthly:{unit}:{}", month.as_string()),
        )
        .states(from.map(|s| s.as_str()), Some(to.as_str()));
    state
        .store
        .put_pilot_monthly_report(&row, w.version, action)
        .await?;
    report(state, user, unit, month).await
}

/// A submitted report sent back by the pilot office with its reason.
pub async fn send_back(
    state: &AppState,
    user: &User,
    unit: &str,
    month: Month,
    version: i64,
    reason: &str,
) -> Result<MonthlyReport> {
    if !runs_the_pilot(user) {
        return Err(forbidden("the pilot office returns monthly reports"));
    }
    let reason = monthly::return_reason(reason)?;
    let kept = state
        .store
        .pilot_monthly_report(unit, month.year as i64, month.month as i64)
        .await?
        .ok_or_else(|| {
            not_found(
                "unit",
                format!("no report of {unit} for {}", month.as_string()),
            )
        })?;
    let now = crate::now_ms();
    let from = parse_state(&kept)?;
    let to = monthly::next_state(Some(from), ReportStep::Return, month, china_day(now))?;
    let row = MonthlyRow {
        state: to.as_str().into(),
        version: version + 1,
        returned_reason: Some(reason.clone()),
        returned_by_name: Some(user.display_name.clone()),
        returned_at: Some(now),
        ..kept
    };
    let action = user
        .actor()
        .action(
            now,
            "pilot.monthly.return",
            &format!("pilot_monthly:{unit}:{}", month.as_string()),
        )
        .states(Some(from.as_str()), Some(to.as_str()))
        .opinion(reason);
    state
        .store
        .put_pilot_monthly_report(&row, version, action)
        .await?;
    report(state, user, unit, month).await
}

/// Where each unit's report on a month stands: every unit with targets in the year for the
/// office, the leaders and the district; a unit its own.
pub async fn month(state: &AppState, user: &User, month: Month) -> Result<Vec<MonthlyReport>> {
    let scope = target_scope(user)?;
    check_month(month)?;
    let names = units(state).await?;
    let rows = state.store.pilot_targets(&scope, month.year as i64).await?;
    let mut reporting: BTreeSet<String> = BTreeSet::new();
    for r in &rows {
        reporting.insert(r.lead_unit.clone());
        reporting.extend(r.partners.iter().cloned());
    }
    if let TargetScope::Unit(u) = &scope {
        reporting.retain(|x| x == u);
    }
    let mut kept: HashMap<String, MonthlyRow> = state
        .store
        .pilot_monthly_reports(month.year as i64, month.month as i64)
        .await?
        .into_iter()
        .map(|r| (r.unit_id.clone(), r))
        .collect();
    let due = month.due_day(&state.reference().calendar);
    let mut out = Vec::new();
    for unit in reporting {
        let name = names.get(&unit).cloned().unwrap_or_else(|| unit.clone());
        let row = kept.remove(&unit);
        // The list carries no draft: a missing report is shown as missing.
        out.push(report_of(&unit, name, month, row, None, due)?);
    }
    Ok(out)
}

/// The report as the .docx the unit files (its title, sections and the figures behind them).
pub async fn document(
    state: &AppState,
    user: &User,
    unit: &str,
    month: Month,
) -> Result<(String, Vec<u8>)> {
    let r = report(state, user, unit, month).await?;
    let mut doc = crate::docx::Docx::new();
    doc.title(&format!(
        "{}{}年{}月市域社会治理现代化试点工作月度报告",
        r.unit_name, month.year, month.month
    ));
    let status = match r.state {
        Some(ReportState::Submitted) => format!(
            "已于 {} 报送",
            r.row
                .as_ref()
                .and_then(|x| x.submitted_at)
                .map(|at| date_string(china_day(at)))
                .unwrap_or_default()
        ),
        Some(s) => s.label_zh().to_string(),
        None => "草稿（据系统记录生成，待单位修改报送）".to_string(),
    };
    doc.right(&format!(
        "报送时限：{}　状态：{}",
        date_string(r.due_day),
        status
    ));
    doc.heading("一、本月工作完成情况");
    for line in r.sections.done.lines() {
        doc.para(line);
    }
    doc.heading("二、存在的问题");
    for line in r.sections.problems.lines() {
        doc.para(line);
    }
    doc.heading("三、下月工作计划");
    for line in r.sections.next.lines() {
        doc.para(line);
    }
    doc.heading("附：目标任务进展（系统记录）");
    let rows: Vec<Vec<String>> = r
        .figures
        .targets
        .iter()
        .map(|t| {
            vec![
                t.title.clone(),
                if t.lead { "牵头" } else { "配合" }.to_string(),
                format!("{}%", t.percent),
                t.completed.join("、"),
                t.late.join("、"),
            ]
        })
        .collect();
    doc.table(
        &["目标任务", "角色", "月底进度", "本月完成节点", "逾期节点"],
        &rows,
    );
    Ok((
        format!(
            "{}-{}年{}月试点工作月度报告.docx",
            r.unit_name, month.year, month.month
        ),
        doc.to_bytes(),
    ))
}
