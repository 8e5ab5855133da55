//! The grids' staff as a village, town files it (网格力量花名册, .xlsx): every grid of the area
//! with who holds which post — 一人兼 marked — since when and their work phone masked, and a
//! second sheet of the covers not yet over. Downloading it is recorded.

use super::staffing::{roster, Roster};
use crate::sheet_format::{heading, row, Cell, Formats};
use crate::state::AppState;
use crate::usecase::Result;
use rust_xlsxwriter::{Workbook, XlsxError};
use zhili_domain::calendar::{china_day, date_string};
use zhili_domain::user::User;
use zhili_store::StoreError;

/// The file's name and bytes.
pub async fn roster_sheet(
    state: &AppState,
    user: &User,
    region: Option<&str>,
) -> Result<(String, Vec<u8>)> {
    let r = roster(state, user, region).await?;
    let index = state.index();
    let name = |code: &str| index.names.get(code).cloned().unwrap_or_default();
    state
        .store
        .record_read(
            user.actor()
                .action(
                    crate::now_ms(),
                    "staff.export",
                    &format!("region:{}", r.region),
                )
                .opinion(format!(
                    "{} postings, {} covers",
                    r.postings.len(),
                    r.covers.len()
                )),
        )
        .await?;
    let today = date_string(china_day(crate::now_ms()));
    let title = format!("{}网格力量花名册", name(r.region.as_str()));
    let bytes =
        write(&r, &title, &today, &name).map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok((format!("{title}（{today}）.xlsx"), bytes))
}

fn day(ms: i64) -> String {
    date_string(china_day(ms))
}

fn write(
    r: &Roster,
    title: &str,
    today: &str,
    name: &dyn Fn(&str) -> String,
) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let f = Formats::new(14);
    let sheet = book.add_worksheet();
    sheet.set_name("网格人员")?;
    let leaders = r
        .postings
        .iter()
        .filter(|p| p.post == zhili_domain::staffing::Post::Leader)
        .count();
    let covers = format!(
        "截至 {today}：{} 个网格，在岗 {} 人次（网格长 {} 人次），顶岗安排 {} 项",
        r.grids.len(),
        r.postings.len(),
        leaders,
        r.covers.len()
    );
    heading(
        sheet,
        &f,
        title,
        &covers,
        &[
            "序号",
            "镇街",
            "村（社区）",
            "网格",
            "姓名",
            "岗位",
            "一人兼",
            "任职起始",
            "联系电话",
        ],
    )?;
    let mut at = 3u32;
    let mut n = 0i64;
    for (grid, grid_name) in &r.grids {
        let town = grid.as_str().get(..9).map(name).unwrap_or_default();
        let village = grid.as_str().get(..12).map(name).unwrap_or_default();
        let staff: Vec<_> = r
            .postings
            .iter()
            .filter(|p| p.grid_code == grid.as_str())
            .collect();
        if staff.is_empty() {
            n += 1;
            row(
                sheet,
                &f.cell,
                at,
                &[
                    Cell::Whole(n),
                    Cell::Text(&town),
                    Cell::Text(&village),
                    Cell::Text(grid_name),
                    Cell::Text("（未配备）"),
                    Cell::Text(""),
                    Cell::Text(""),
                    Cell::Text(""),
                    Cell::Text(""),
                ],
            )?;
            at += 1;
        }
        for p in staff {
            n += 1;
            row(
                sheet,
                &f.cell,
                at,
                &[
                    Cell::Whole(n),
                    Cell::Text(&town),
                    Cell::Text(&village),
                    Cell::Text(grid_name),
                    Cell::Text(&p.display_name),
                    Cell::Text(p.post.label_zh()),
                    Cell::Text(if p.party_branch_head {
                        "兼党支部书记"
                    } else {
                        ""
                    }),
                    Cell::Text(&day(p.since)),
                    Cell::Text(p.phone_masked.as_deref().unwrap_or("")),
                ],
            )?;
            at += 1;
        }
    }
    for (c, w) in [
        (1, 14),
        (2, 16),
        (3, 20),
        (4, 10),
        (5, 12),
        (6, 14),
        (7, 12),
        (8, 14),
    ] {
        sheet.set_column_width(c, w)?;
    }
    let sheet = book.add_worksheet();
    sheet.set_name("顶岗安排")?;
    heading(
        sheet,
        &f,
        "顶岗安排",
        &format!("截至 {today} 尚未结束的顶岗"),
        &[
            "序号",
            "网格",
            "请假人员",
            "顶岗人员",
            "开始",
            "结束",
            "事由",
        ],
    )?;
    for (i, c) in r.covers.iter().enumerate() {
        row(
            sheet,
            &f.cell,
            3 + i as u32,
            &[
                Cell::Whole(i as i64 + 1),
                Cell::Text(&name(&c.grid_code)),
                Cell::Text(&c.absent_name),
                Cell::Text(&c.cover_name),
                Cell::Text(&day(c.starts_at)),
                Cell::Text(&day(c.ends_at - 1)),
                Cell::Text(&c.reason),
            ],
        )?;
    }
    for (c, w) in [(1, 20), (2, 12), (3, 12), (4, 12), (5, 12), (6, 30)] {
        sheet.set_column_width(c, w)?;
    }
    book.save_to_buffer()
}
