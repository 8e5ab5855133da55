//! The project ledger and the demonstration sites as the pilot office files them (.xlsx): the
//! projects by programme with each programme's subtotal and the grand total, then the sites
//! by level — what the reader may read (a unit: its own).

use super::ledger::{projects, sites, LedgerView, SitesView};
use crate::sheet_format::{heading, row, Cell, Formats};
use crate::state::AppState;
use crate::usecase::Result;
use rust_xlsxwriter::{Workbook, XlsxError};
use zhili_domain::assess::project::ProjectKind;
use zhili_domain::assess::site::{SiteLevel, SiteStatus};
use zhili_domain::calendar::{china_day, date_string};
use zhili_domain::user::User;
use zhili_store::StoreError;

/// The file's name and bytes.
pub async fn ledger_sheet(state: &AppState, user: &User) -> Result<(String, Vec<u8>)> {
    let ledger = projects(state, user).await?;
    let sites = sites(state, user).await?;
    let today = date_string(china_day(crate::now_ms()));
    let bytes = write(&ledger, &sites, &today).map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok((
        format!("市域社会治理现代化试点项目台账（{today}）.xlsx"),
        bytes,
    ))
}

fn wan(yuan: i64) -> f64 {
    yuan as f64 / 10_000.0
}

fn write(
    ledger: &LedgerView,
    sites: &SitesView,
    today: &str,
) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let f = Formats::new(14);
    let name = |code: &str| {
        ledger
            .unit_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    };

    let sheet = book.add_worksheet();
    sheet.set_name("项目台账")?;
    heading(
        sheet,
        &f,
        "市域社会治理现代化试点项目台账",
        &format!("截至 {today}；金额单位：万元"),
        &[
            "序号",
            "项目编号",
            "项目名称",
            "类别",
            "牵头单位",
            "预算",
            "已支出",
            "支出进度",
            "时间进度",
            "开始日期",
            "完成日期",
            "状态",
            "节点完成",
            "预警",
        ],
    )?;
    let mut r = 3;
    let mut n = 0;
    let (mut budget, mut spent) = (0, 0);
    for programme in &ledger.programmes {
        let title = programme
            .programme
            .as_ref()
            .map_or(programme.code.clone(), |p| p.name.clone());
        sheet.merge_range(r, 0, r, 13, &title, &f.bold)?;
        r += 1;
        for p in ledger
            .items
            .iter()
            .filter(|p| p.row.programme == programme.code)
        {
            n += 1;
            let s = &p.standing;
            let mut flags = Vec::new();
            if s.late_milestones > 0 {
                flags.push(format!("节点逾期 {} 个", s.late_milestones));
            }
            if s.over_budget {
                flags.push("超预算".into());
            }
            if s.lagging {
                flags.push("支出滞后".into());
            }
            if s.overdue {
                flags.push("逾期未完工".into());
            }
            let kind =
                ProjectKind::from_code(&p.row.kind).map_or(p.row.kind.as_str(), |k| k.label_zh());
            let status = zhili_domain::assess::project::ProjectStatus::from_code(&p.row.status)
                .map_or(p.row.status.as_str(), |s| s.label_zh());
            let done = p.milestones.iter().filter(|m| m.done_on.is_some()).count();
            let lead = name(&p.row.lead_unit);
            let (starts, ends) = (date_string(p.row.starts_on), date_string(p.row.ends_on));
            let (spent_share, elapsed) = (
                format!("{:.0}%", s.spent_share * 100.0),
                format!("{:.0}%", s.elapsed_share * 100.0),
            );
            let milestones = format!("{done}/{}", p.milestones.len());
            let flags = flags.join("；");
            row(
                sheet,
                &f.cell,
                r,
                &[
                    Cell::Whole(n),
                    Cell::Text(&p.row.code),
                    Cell::Text(&p.row.title),
                    Cell::Text(kind),
                    Cell::Text(&lead),
                    Cell::Decimal(wan(p.row.budget_yuan)),
                    Cell::Decimal(wan(p.row.spent_yuan)),
                    Cell::Text(&spent_share),
                    Cell::Text(&elapsed),
                    Cell::Text(&starts),
                    Cell::Text(&ends),
                    Cell::Text(status),
                    Cell::Text(&milestones),
                    Cell::Text(&flags),
                ],
            )?;
            r += 1;
        }
        let subtotal = format!(
            "小计：{} 个（重点项目 {} 个）",
            programme.projects, programme.key_projects
        );
        row(
            sheet,
            &f.bold,
            r,
            &[
                Cell::Text(""),
                Cell::Text(""),
                Cell::Text(&subtotal),
                Cell::Text(""),
                Cell::Text(""),
                Cell::Decimal(wan(programme.budget_yuan)),
                Cell::Decimal(wan(programme.spent_yuan)),
            ],
        )?;
        budget += programme.budget_yuan;
        spent += programme.spent_yuan;
        r += 1;
    }
    let total = format!("合计：{} 个", ledger.items.len());
    row(
        sheet,
        &f.bold,
        r,
        &[
            Cell::Text(""),
            Cell::Text(""),
            Cell::Text(&total),
            Cell::Text(""),
            Cell::Text(""),
            Cell::Decimal(wan(budget)),
            Cell::Decimal(wan(spent)),
        ],
    )?;
    sheet.set_column_width(2, 36)?;
    sheet.set_column_width(4, 24)?;
    sheet.set_column_width(13, 24)?;

    let sheet = book.add_worksheet();
    sheet.set_name("示范点")?;
    let quotas: Vec<String> = sites
        .levels
        .iter()
        .map(|(l, c)| format!("{}：已命名 {} / 计划 {}", l.label_zh(), c.named, c.quota))
        .collect();
    heading(
        sheet,
        &f,
        "市域社会治理现代化试点示范点创建台账",
        &format!("截至 {today}；{}", quotas.join("；")),
        &[
            "序号",
            "编号",
            "示范点名称",
            "层级",
            "所属工程",
            "创建单位",
            "所在区域",
            "计划命名日期",
            "状态",
            "申报日期",
            "验收意见",
        ],
    )?;
    let programme_name = |code: &str| {
        sites
            .programmes
            .iter()
            .find(|p| p.code == code)
            .map_or(code.to_string(), |p| p.name.clone())
    };
    let mut ordered: Vec<_> = sites.items.iter().collect();
    let rank = |l: &str| {
        SiteLevel::ALL
            .iter()
            .position(|x| x.as_str() == l)
            .unwrap_or(9)
    };
    ordered.sort_by(|a, b| {
        rank(&a.level)
            .cmp(&rank(&b.level))
            .then(a.code.cmp(&b.code))
    });
    for (i, s) in ordered.into_iter().enumerate() {
        let level = SiteLevel::from_code(&s.level).map_or(s.level.as_str(), |l| l.label_zh());
        let status = SiteStatus::from_code(&s.status).map_or(s.status.as_str(), |x| x.label_zh());
        let region = s
            .region
            .as_ref()
            .map(|r| {
                sites
                    .region_names
                    .get(r)
                    .cloned()
                    .unwrap_or_else(|| r.clone())
            })
            .unwrap_or_default();
        let (programme, host, due) = (
            programme_name(&s.programme),
            name(&s.host_unit),
            date_string(s.due_day),
        );
        let applied = s
            .applied_at
            .map(|at| date_string(china_day(at)))
            .unwrap_or_default();
        row(
            sheet,
            &f.cell,
            3 + i as u32,
            &[
                Cell::Whole(i as i64 + 1),
                Cell::Text(&s.code),
                Cell::Text(&s.name),
                Cell::Text(level),
                Cell::Text(&programme),
                Cell::Text(&host),
                Cell::Text(&region),
                Cell::Text(&due),
                Cell::Text(status),
                Cell::Text(&applied),
                Cell::Text(s.decision_note.as_deref().unwrap_or("")),
            ],
        )?;
    }
    sheet.set_column_width(2, 36)?;
    sheet.set_column_width(5, 24)?;
    sheet.set_column_width(10, 36)?;
    book.save_to_buffer()
}
