//! A year's assessment published (结果发布): the scores frozen as they stand, after which the
//! group's scheme and the year's plan take no more changes; and the share of each unit's total
//! that counts into the annual 平安建设 assessment, as the sheet the office files (.xlsx).

use super::{may_read_scores, measure_all, rank_all, scores, Scores};
use crate::state::AppState;
use crate::usecase::{forbidden, Result};
use zhili_domain::assess::UnitGroup;
use zhili_domain::user::User;
use zhili_domain::Role;
use zhili_store::{PublishedResult, StoreError};

/// The scores of a year and group frozen and published by the pilot office.
pub async fn publish(state: &AppState, user: &User, year: i32, group: UnitGroup) -> Result<Scores> {
    if !matches!(user.role, Role::PilotOffice | Role::Admin) {
        return Err(forbidden("the pilot office publishes the assessment"));
    }
    let (scheme, units) = measure_all(state, year, group).await?;
    let units = rank_all(&scheme.scheme, units);
    let results = serde_json::to_string(&units).map_err(|e| StoreError::Internal(e.to_string()))?;
    state
        .store
        .publish_assessment(
            &user.actor(),
            &PublishedResult {
                year: year as i64,
                unit_group: group.as_str().into(),
                scheme_version: scheme.version,
                results,
                published_by: user.username.clone(),
                published_at: crate::now_ms(),
            },
        )
        .await?;
    scores(state, user, year, group).await
}

/// Refuses a change to the plan of a year whose assessment is published (either group).
pub async fn refuse_if_closed(state: &AppState, year: i64) -> Result<()> {
    if !state.store.published_groups(year).await?.is_empty() {
        return Err(StoreError::conflict(format!(
            "the {year} assessment is published: the year's plan takes no more changes"
        ))
        .into());
    }
    Ok(())
}

/// The 平安建设 sheet: for each group, every unit's total, rank and the share that counts
/// (published results, or the record as it stands marked as not yet published).
pub async fn safe_city_sheet(
    state: &AppState,
    user: &User,
    year: i32,
) -> Result<(String, Vec<u8>)> {
    if !may_read_scores(user) {
        return Err(forbidden(
            "the district centre, the leaders and the pilot office read the assessment",
        ));
    }
    let mut groups = Vec::new();
    for group in UnitGroup::ALL {
        groups.push((group, scores(state, user, year, group).await?));
    }
    let bytes = write_sheet(year, &groups).map_err(StoreError::Internal)?;
    Ok((
        format!("{year}年度市域社会治理现代化试点考核计入平安建设考核得分表.xlsx"),
        bytes,
    ))
}

fn write_sheet(year: i32, groups: &[(UnitGroup, Scores)]) -> std::result::Result<Vec<u8>, String> {
    use crate::sheet_format::{heading, row, Cell, Formats};
    let e = |x: rust_xlsxwriter::XlsxError| x.to_string();
    let mut book = rust_xlsxwriter::Workbook::new();
    let f = Formats::new(14);
    for (group, s) in groups {
        let share = s.scheme.scheme.safe_city_share;
        let sheet = book.add_worksheet();
        sheet.set_name(group.label_zh()).map_err(e)?;
        let counted_head = format!("计入平安建设考核得分（×{:.0}%）", share * 100.0);
        let standing = match &s.published {
            Some((_, at)) => format!(
                "已于 {} 发布",
                zhili_domain::calendar::date_string(zhili_domain::calendar::china_day(*at))
            ),
            None => "未发布：按当前记录测算，仅供参考".into(),
        };
        heading(
            sheet,
            &f,
            &format!(
                "{year}年度{}市域社会治理现代化试点考核计入平安建设考核得分表",
                group.label_zh()
            ),
            &format!(
                "考核方案：{}（第 {} 版）；{standing}",
                s.scheme.scheme.name, s.scheme.version
            ),
            &[
                "序号",
                "单位",
                "试点考核得分",
                "名次",
                &counted_head,
                "备注",
            ],
        )
        .map_err(e)?;
        for (i, u) in s.units.iter().enumerate() {
            let counted = (u.sheet.total * share * 100.0).round() / 100.0;
            let note = if u.sheet.vetoed { "一票否决" } else { "" };
            row(
                sheet,
                &f.cell,
                3 + i as u32,
                &[
                    Cell::Whole(i as i64 + 1),
                    Cell::Text(&u.name),
                    Cell::Decimal(u.sheet.total),
                    Cell::Whole(u.rank as i64),
                    Cell::Decimal(counted),
                    Cell::Text(note),
                ],
            )
            .map_err(e)?;
        }
        sheet.set_column_width(1, 28).map_err(e)?;
        sheet.set_column_width(4, 24).map_err(e)?;
    }
    book.save_to_buffer().map_err(e)
}
