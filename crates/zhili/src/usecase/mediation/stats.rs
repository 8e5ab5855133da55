//! Mediation statistics of the caller's area for a period, grouped by dispute type, town,
//! village, committee, mediator or outcome; and the 矛盾纠纷排查化解 statistics sheet (.xlsx).

use crate::state::AppState;
use crate::usecase::{invalid, Result};
use std::collections::BTreeMap;
use zhili_domain::mediation::stats::Tally;
use zhili_domain::mediation::Status;
use zhili_domain::user::User;

/// What the rows are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Category,
    Town,
    Village,
    Committee,
    Mediator,
    Outcome,
}

impl Group {
    pub const ALL: [(&'static str, &'static str); 6] = [
        ("category", "纠纷类型"),
        ("town", "镇街"),
        ("village", "村社"),
        ("committee", "调解委员会"),
        ("mediator", "调解员"),
        ("outcome", "办理结果"),
    ];

    pub fn parse(s: &str) -> Option<Group> {
        Some(match s {
            "category" => Group::Category,
            "town" => Group::Town,
            "village" => Group::Village,
            "committee" => Group::Committee,
            "mediator" => Group::Mediator,
            "outcome" => Group::Outcome,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        let i = Group::ALL
            .iter()
            .position(|(k, _)| Group::parse(k) == Some(self))
            .unwrap_or(0);
        Group::ALL[i].1
    }
}

/// One row: its key, its name, its figures.
#[derive(Clone, Debug)]
pub struct Row {
    pub key: String,
    pub name: String,
    pub tally: Tally,
}

/// The figures of the caller's area for cases registered in [from, to), by `group`, with
/// the total (a case with two mediators counts once in the total).
pub async fn stats(
    state: &AppState,
    user: &User,
    group: Group,
    from: i64,
    to: i64,
) -> Result<(Vec<Row>, Tally)> {
    if to <= from || to - from > 3 * 366 * zhili_domain::calendar::DAY_MS {
        return Err(invalid(
            "to",
            "a period of at most three years, ending after it starts",
        ));
    }
    let scope = user.scope();
    let cases = state.store.stat_cases(&scope, from, to).await?;
    let reference = state.reference();
    let index = state.index();
    let now = crate::now_ms();
    let mut rows: BTreeMap<String, (String, Tally)> = BTreeMap::new();
    let mut total = Tally::default();
    let mediators = if group == Group::Mediator {
        let mut by_case: std::collections::HashMap<i64, Vec<(i64, String)>> = Default::default();
        for (case, id, name) in state.store.stat_mediators(&scope, from, to).await? {
            by_case.entry(case).or_default().push((id, name));
        }
        by_case
    } else {
        Default::default()
    };
    let committees: std::collections::HashMap<i64, String> = if group == Group::Committee {
        state
            .store
            .committees(&scope)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    } else {
        Default::default()
    };
    let region_name = |code: &str| {
        index
            .names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    };
    for c in &cases {
        let mut one = Tally::default();
        one.add(
            &c.facts,
            c.registered_at,
            c.agreed_at,
            c.due,
            now,
            &reference.calendar,
        );
        total.merge(&one);
        let keys: Vec<(String, String)> = match group {
            Group::Category => vec![(
                c.category.clone(),
                reference
                    .categories
                    .get(&c.category)
                    .map(|k| k.minor.clone())
                    .unwrap_or_else(|| c.category.clone()),
            )],
            Group::Town | Group::Village => {
                let n = if group == Group::Town { 9 } else { 12 };
                let code = c.region_code.get(..n).unwrap_or(&c.region_code).to_string();
                vec![(code.clone(), region_name(&code))]
            }
            Group::Committee => vec![(
                c.committee_id.to_string(),
                committees
                    .get(&c.committee_id)
                    .cloned()
                    .unwrap_or_else(|| c.committee_id.to_string()),
            )],
            Group::Mediator => mediators
                .get(&c.id)
                .map(|list| {
                    list.iter()
                        .map(|(id, name)| (format!("{id:08}"), name.clone()))
                        .collect()
                })
                .unwrap_or_else(|| vec![("-".into(), "未指定调解员".into())]),
            Group::Outcome => vec![(
                Status::ALL
                    .iter()
                    .position(|s| *s == c.facts.status)
                    .map_or(String::new(), |i| format!("{i}")),
                c.facts.status.label_zh().to_string(),
            )],
        };
        for (key, name) in keys {
            rows.entry(key)
                .or_insert_with(|| (name, Tally::default()))
                .1
                .merge(&one);
        }
    }
    Ok((
        rows.into_iter()
            .map(|(key, (name, tally))| Row { key, name, tally })
            .collect(),
        total,
    ))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1}%", v * 100.0))
}

/// The statistics sheet as offices file it: a title, the period and area, one row per group
/// and a total.
pub fn sheet(
    title_area: &str,
    period: &str,
    group: Group,
    rows: &[Row],
    total: &Tally,
) -> std::result::Result<Vec<u8>, String> {
    use crate::sheet_format::{heading, row, Cell, Formats};
    let e = |x: rust_xlsxwriter::XlsxError| x.to_string();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("矛盾纠纷排查化解").map_err(e)?;
    let f = Formats::new(16);
    heading(
        sheet,
        &f,
        &format!("{title_area}矛盾纠纷排查化解情况统计表"),
        &format!("统计时段：{period}"),
        &[
            "序号",
            group.label(),
            "纠纷总数",
            "调解终结",
            "调解成功",
            "调解成功率",
            "平均调解天数",
            "书面协议",
            "申请司法确认",
            "司法确认率",
            "协议履行",
            "履行率",
            "在办",
            "超期",
        ],
    )
    .map_err(e)?;
    let write = |sheet: &mut rust_xlsxwriter::Worksheet,
                 r: u32,
                 n: &str,
                 name: &str,
                 t: &Tally,
                 format: &rust_xlsxwriter::Format|
     -> std::result::Result<(), String> {
        let fig = &t.figures;
        let (success, confirmed, performed) = (
            pct(fig.value("success_rate")),
            pct(fig.value("confirmation_rate")),
            pct(fig.value("performance_rate")),
        );
        let days = t.mean_days_to_settle();
        let whole = Cell::Whole;
        row(
            sheet,
            format,
            r,
            &[
                Cell::Text(n),
                Cell::Text(name),
                whole(fig.cases),
                whole(fig.ended),
                whole(fig.settled),
                Cell::Text(&success),
                days.map_or(Cell::Text("—"), Cell::Decimal),
                whole(fig.written),
                whole(fig.confirmations),
                Cell::Text(&confirmed),
                whole(fig.performed),
                Cell::Text(&performed),
                whole(t.open),
                whole(t.overdue),
            ],
        )
        .map_err(e)
    };
    for (i, r) in rows.iter().enumerate() {
        write(
            sheet,
            3 + i as u32,
            &(i + 1).to_string(),
            &r.name,
            &r.tally,
            &f.cell,
        )?;
    }
    write(sheet, 3 + rows.len() as u32, "", "合计", total, &f.bold)?;
    sheet.set_column_width(1, 24).map_err(e)?;
    book.save_to_buffer().map_err(e)
}
