//! The acceptance checklist as the district files it for acceptance (复核验收): every
//! requirement the reader answers for or reads, with the unit's self-assessment and the
//! reviewer's verdict, under a line saying how ready the district is (.xlsx).

use super::checklist::{view, View};
use crate::sheet_format::{heading, row, Cell, Formats};
use crate::state::AppState;
use crate::usecase::Result;
use rust_xlsxwriter::{Workbook, XlsxError};
use zhili_domain::assess::checklist::Standing;
use zhili_domain::calendar::{china_day, date_string};
use zhili_domain::user::User;
use zhili_store::StoreError;

/// The file's name and bytes.
pub async fn checklist_sheet(state: &AppState, user: &User) -> Result<(String, Vec<u8>)> {
    let v = view(state, user).await?;
    let today = date_string(china_day(crate::now_ms()));
    let bytes = write(&v, &today).map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok((
        format!("市域社会治理现代化试点对标清单自评表（{today}）.xlsx"),
        bytes,
    ))
}

fn standing(raw: &Option<String>) -> &'static str {
    raw.as_deref()
        .and_then(Standing::parse)
        .map_or("", Standing::label_zh)
}

fn write(v: &View, today: &str) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let f = Formats::new(14);
    let sheet = book.add_worksheet();
    sheet.set_name("对标清单")?;
    let r = &v.readiness;
    let covers = format!(
        "截至 {today}：共 {} 项，已自评 {} 项；达标 {}、基本达标 {}、未达标 {}，待评审 {}；达标率 {:.1}%，{}",
        r.total,
        r.claimed,
        r.met,
        r.partly,
        r.not_met,
        r.unreviewed,
        r.percent,
        if r.ready {
            "具备复核验收条件"
        } else {
            "尚不具备复核验收条件"
        }
    );
    heading(
        sheet,
        &f,
        &v.checklist.name,
        &covers,
        &[
            "序号",
            "编号",
            "重点任务",
            "分解任务",
            "基本要求",
            "牵头单位",
            "单位自评",
            "自评说明",
            "评审结论",
            "评审意见",
            "评审人",
        ],
    )?;
    let task_title = |code: &str| {
        v.checklist
            .tasks
            .iter()
            .find(|t| t.code == code)
            .map_or(v.checklist.regional.title.as_str(), |t| t.title.as_str())
    };
    let subtask_title = |task: &str, code: &str| {
        v.checklist
            .tasks
            .iter()
            .find(|t| t.code == task)
            .and_then(|t| {
                t.subtasks
                    .iter()
                    .find(|s| code.starts_with(&format!("{}.", s.code)))
            })
            .map_or("", |s| s.title.as_str())
    };
    for (i, item) in v.items.iter().enumerate() {
        let e = item.entry.clone().unwrap_or_default();
        let lead = v
            .unit_names
            .get(&item.lead_unit)
            .cloned()
            .unwrap_or_else(|| item.lead_unit.clone());
        row(
            sheet,
            &f.cell,
            3 + i as u32,
            &[
                Cell::Whole(i as i64 + 1),
                Cell::Text(&item.code),
                Cell::Text(task_title(&item.task)),
                Cell::Text(subtask_title(&item.task, &item.code)),
                Cell::Text(&item.text),
                Cell::Text(&lead),
                Cell::Text(standing(&e.claim)),
                Cell::Text(e.claim_note.as_deref().unwrap_or("")),
                Cell::Text(standing(&e.verdict)),
                Cell::Text(e.verdict_note.as_deref().unwrap_or("")),
                Cell::Text(e.reviewed_by_name.as_deref().unwrap_or("")),
            ],
        )?;
    }
    for (c, w) in [(2, 24), (3, 24), (4, 40), (5, 22), (7, 30), (9, 30)] {
        sheet.set_column_width(c, w)?;
    }
    book.save_to_buffer()
}
