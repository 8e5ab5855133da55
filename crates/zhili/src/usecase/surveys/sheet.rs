//! A round's sheet (.xlsx) as the centre files it: every answer as a row under columns fixed by
//! the questionnaire (one per question, one per option of a multiple choice; "（未显示）" where
//! the path skipped a question), then the results by area with their margins. An anonymous
//! survey's rows carry no person, no taker and no time, in the order of their random ids.

use super::results::{compute, SurveyResults};
use super::{found, manages, reader_region, Result};
use crate::sheet_format::{heading, row, Cell, Formats};
use crate::state::AppState;
use rust_xlsxwriter::{Workbook, XlsxError};
use std::collections::BTreeMap;
use zhili_domain::survey::{Answer, Kind};
use zhili_domain::user::User;
use zhili_domain::{time, Level, RegionCode, Role};
use zhili_store::{StoreError, SurveyAnswerRecord, SurveyRecord};

/// Rows in one sheet, at most (a district's round is a few thousand).
const MAX_ROWS: i64 = 200_000;

/// The file's name and bytes, for the reader's area; recorded as an export.
pub async fn export(state: &AppState, user: &User, id: i64) -> Result<(String, Vec<u8>)> {
    if !(manages(user) || user.role == Role::TownOperator) {
        return Err(super::forbidden(
            "the survey's sheet is the district and town centres'",
        ));
    }
    let s = found(state, id).await?;
    let region = reader_region(user, &s);
    let answers = state
        .store
        .survey_answers(id, region.as_str(), MAX_ROWS)
        .await?;
    let results = compute(state, &s, &region).await?;
    state
        .store
        .record_read(
            user.actor()
                .action(crate::now_ms(), "survey.export", &format!("survey:{id}"))
                .opinion(format!("{} answers of {}", answers.len(), region)),
        )
        .await?;
    let bytes =
        write(state, &s, &answers, &results).map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok((
        format!("{}（{}）.xlsx", s.survey.title, results.region_name),
        bytes,
    ))
}

fn headers(s: &SurveyRecord) -> Vec<String> {
    let mut out: Vec<String> = ["序号", "答卷编号", "镇街", "村（社区）", "网格", "方式"]
        .map(String::from)
        .to_vec();
    if !s.survey.anonymous {
        out.extend(["受访人编号", "填报人", "填报时间"].map(String::from));
    }
    for q in &s.survey.questionnaire.questions {
        match &q.kind {
            Kind::Multiple { options } => {
                out.extend(options.iter().map(|o| format!("{}：{}", q.text, o.label)))
            }
            _ => out.push(q.text.clone()),
        }
    }
    out
}

fn write(
    state: &AppState,
    s: &SurveyRecord,
    answers: &[SurveyAnswerRecord],
    results: &SurveyResults,
) -> std::result::Result<Vec<u8>, XlsxError> {
    let index = state.index();
    let name = |code: &str, level: Level| {
        RegionCode::parse(code)
            .ok()
            .and_then(|c| c.ancestor_at(level))
            .and_then(|c| index.names.get(c.as_str()).cloned())
            .unwrap_or_default()
    };
    let mut book = Workbook::new();
    let f = Formats::new(14);
    let sheet = book.add_worksheet();
    sheet.set_name("答卷")?;
    let head = headers(s);
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    heading(
        sheet,
        &f,
        &s.survey.title,
        &format!(
            "{}；{} 份答卷{}",
            results.region_name,
            answers.len(),
            if s.survey.anonymous {
                "；匿名测评"
            } else {
                ""
            }
        ),
        &head,
    )?;
    for (i, a) in answers.iter().enumerate() {
        let r = 3 + i as u32;
        let sheet_answers: BTreeMap<String, Answer> =
            serde_json::from_str(&a.sheet).unwrap_or_default();
        let town = name(&a.grid_code, Level::Town);
        let village = name(&a.grid_code, Level::Village);
        let grid = name(&a.grid_code, Level::Grid);
        let taken_at = a.taken_at.map(time::rfc3339).unwrap_or_default();
        let person = a.person_id.map(|p| p.to_string()).unwrap_or_default();
        let mut cells = vec![
            Cell::Whole(i as i64 + 1),
            Cell::Text(&a.id),
            Cell::Text(&town),
            Cell::Text(&village),
            Cell::Text(&grid),
            Cell::Text(a.mode.label()),
        ];
        if !s.survey.anonymous {
            cells.push(Cell::Text(&person));
            cells.push(Cell::Text(a.taken_by.as_deref().unwrap_or("")));
            cells.push(Cell::Text(&taken_at));
        }
        let values = s.survey.questionnaire.row(&sheet_answers);
        cells.extend(values.iter().map(|v| Cell::Text(v)));
        row(sheet, &f.cell, r, &cells)?;
    }
    sheet.set_column_width(1, 34)?;

    let sheet = book.add_worksheet();
    sheet.set_name("结果")?;
    let pct = |x: Option<f64>| x.map_or(String::new(), |v| format!("{:.1}%", v * 100.0));
    heading(
        sheet,
        &f,
        &format!("{}：{}", s.survey.title, results.headline.label),
        &format!(
            "按登记人口加权；误差为 95% 置信度；答卷少于 {} 份的地区结果仅供参考",
            results.min_sample
        ),
        &[
            "地区",
            "计划样本",
            "答卷",
            results.headline.label.as_str(),
            "误差（±）",
            "提示",
        ],
    )?;
    let total = [(
        results.region_name.clone(),
        results.quota,
        results.answered,
        results.headline.share,
        results.headline.margin,
        results.headline.too_small,
    )];
    let rows = total.into_iter().chain(results.areas.iter().map(|a| {
        (
            a.name.clone(),
            a.quota,
            a.answered,
            a.share,
            a.margin,
            a.too_small,
        )
    }));
    for (r, (area, quota, answered, share, margin, small)) in (3u32..).zip(rows) {
        let (share, margin) = (pct(share), pct(margin));
        row(
            sheet,
            if r == 3 { &f.bold } else { &f.cell },
            r,
            &[
                Cell::Text(&area),
                Cell::Whole(quota),
                Cell::Whole(answered),
                Cell::Text(&share),
                Cell::Text(&margin),
                Cell::Text(if small { "样本不足" } else { "" }),
            ],
        )?;
    }
    sheet.set_column_width(0, 24)?;
    book.save_to_buffer()
}
