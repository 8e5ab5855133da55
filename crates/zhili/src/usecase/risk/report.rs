//! The assessment report (研判报告) a week or a month drafts for itself: the period's reports
//! by area and type against the period before, the hot spots, the alerts raised and handled,
//! the register's changes, mediation and key-group figures — each figure followed by where it
//! came from (what was counted, over which period, in whose area), for the staff to edit and
//! sign. Read in the caller's scope, so a town's report is its own.

use crate::docx::Docx;
use crate::state::AppState;
use crate::usecase::{forbidden, Result};
use std::collections::HashMap;
use zhili_domain::calendar::{date_string, CHINA_OFFSET_MS, DAY_MS};
use zhili_domain::user::User;
use zhili_domain::Role;
use zhili_store::{AlertFilter, RiskFilter};

/// A report's period: the week ending on a day, or the calendar month holding it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Week,
    Month,
}

/// First day and day after the last (China days) of the period holding `day`, and of the one
/// before it.
pub fn bounds(period: Period, day: i64) -> ((i64, i64), (i64, i64)) {
    match period {
        Period::Week => ((day - 6, day + 1), (day - 13, day - 6)),
        Period::Month => {
            let (y, m, _) = zhili_domain::time::civil_from_days(day);
            let first = zhili_domain::time::days_from_civil(y, m, 1);
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            let next = zhili_domain::time::days_from_civil(ny, nm, 1);
            let (py, pm) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
            let prev = zhili_domain::time::days_from_civil(py, pm, 1);
            ((first, next), (prev, first))
        }
    }
}

fn change(now: i64, before: i64) -> String {
    if before == 0 {
        return if now == 0 {
            "持平".into()
        } else {
            "上期为零".into()
        };
    }
    let pct = (now - before) as f64 * 100.0 / before as f64;
    if pct.abs() < 0.05 {
        "持平".into()
    } else if pct > 0.0 {
        format!("上升 {pct:.1}%")
    } else {
        format!("下降 {:.1}%", -pct)
    }
}

/// The drafted report as a Word document, and its file name.
pub async fn draft(
    state: &AppState,
    user: &User,
    period: Period,
    day: i64,
) -> Result<(String, Vec<u8>)> {
    if !matches!(
        user.role,
        Role::DistrictCommander
            | Role::DistrictOperator
            | Role::TownOperator
            | Role::VillageOperator
            | Role::Leader
    ) {
        return Err(forbidden(
            "the centres, stations and leaders draft assessment reports",
        ));
    }
    let ((from, to), (pfrom, pto)) = bounds(period, day);
    let ms = |d: i64| d * DAY_MS - CHINA_OFFSET_MS;
    let scope = user.scope();
    // Only centres, stations and leaders draft reports: their scope is a whole subtree.
    let prefix = scope.root.to_string();
    let index = state.index();
    let name = |c: &str| index.names.get(c).cloned().unwrap_or_else(|| c.to_string());
    let area_name = name(&prefix);
    let reference = state.reference();
    let major = |code: &str| {
        reference
            .categories
            .get(code)
            .map(|c| c.major.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let span = format!("{} 至 {}", date_string(from), date_string(to - 1));
    let pspan = format!("{} 至 {}", date_string(pfrom), date_string(pto - 1));
    let events_source = |s: &str, how: &str| {
        format!("〔来源：事件库，{s}上报、在{area_name}范围内的事件，合并的重复上报不计，按中国时间自然日{how}〕")
    };

    // Reports in this period and the one before, in the caller's area.
    let counts = state.store.event_day_counts(ms(pfrom), ms(to)).await?;
    let mine: Vec<_> = counts
        .iter()
        .filter(|c| c.grid_code.starts_with(&prefix))
        .collect();
    let total = |a: i64, b: i64| -> i64 {
        mine.iter()
            .filter(|c| c.day >= a && c.day < b)
            .map(|c| c.n)
            .sum()
    };
    let (now_n, before_n) = (total(from, to), total(pfrom, pto));
    let serious: i64 = mine
        .iter()
        .filter(|c| c.day >= from && c.day < to)
        .map(|c| c.serious)
        .sum();
    // By the next level down (towns for the district, villages for a town …).
    let child_len = match prefix.len() {
        6 => 9,
        9 => 12,
        _ => 15,
    };
    let mut by_area: HashMap<String, (i64, i64)> = HashMap::new();
    let mut by_type: HashMap<String, (i64, i64)> = HashMap::new();
    let mut by_grid: HashMap<String, i64> = HashMap::new();
    for c in &mine {
        let now = c.day >= from;
        let area = c
            .grid_code
            .get(..child_len)
            .unwrap_or(&c.grid_code)
            .to_string();
        let slot = by_area.entry(area).or_default();
        let tslot = by_type.entry(major(&c.category)).or_default();
        if now {
            slot.0 += c.n;
            tslot.0 += c.n;
            *by_grid.entry(c.grid_code.clone()).or_default() += c.n;
        } else {
            slot.1 += c.n;
            tslot.1 += c.n;
        }
    }
    let mut areas: Vec<_> = by_area.into_iter().collect();
    areas.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    let mut types: Vec<_> = by_type.into_iter().collect();
    types.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    let mut grids: Vec<_> = by_grid.into_iter().collect();
    grids.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));

    // Alerts raised in the period, and how they stand (counted, the first listed).
    let now_ms = crate::now_ms();
    let raised = |states: Vec<zhili_domain::risk::AlertState>, limit: i64| AlertFilter {
        states,
        now: now_ms,
        raised_from: Some(from),
        raised_to: Some(to),
        limit,
        ..Default::default()
    };
    let (alerts_total, alerts) = state.store.alerts(&scope, &raised(vec![], 20)).await?;
    let (waiting, _) = state
        .store
        .alerts(
            &scope,
            &raised(vec![zhili_domain::risk::AlertState::Open], 1),
        )
        .await?;
    // The register's changes, counted; the standing risks, the most pressing listed.
    let scope_ref = &scope;
    let count = |f: RiskFilter| async move {
        state
            .store
            .risks(scope_ref, &RiskFilter { limit: 1, ..f })
            .await
            .map(|(n, _)| n)
    };
    let period_ms = (ms(from), ms(to));
    let registered = count(RiskFilter {
        registered_in: Some(period_ms),
        ..Default::default()
    })
    .await?;
    let closed = count(RiskFilter {
        statuses: vec!["closed".into()],
        changed_in: Some(period_ms),
        ..Default::default()
    })
    .await?;
    let overdue = count(RiskFilter {
        review_before: Some(day),
        ..Default::default()
    })
    .await?;
    let (standing_total, standing) = state
        .store
        .risks(
            &scope,
            &RiskFilter {
                statuses: vec!["open".into(), "controlled".into()],
                limit: 20,
                ..Default::default()
            },
        )
        .await?;
    // Mediation and key groups.
    let cases = state.store.stat_cases(&scope, ms(from), ms(to)).await?;
    let agreed = cases.iter().filter(|c| c.agreed_at.is_some()).count();
    let (overdue_visits, _) = state.store.due_visits(&scope, None, now_ms, 1).await?;

    let kind = match period {
        Period::Week => "周",
        Period::Month => "月",
    };
    let mut d = Docx::new();
    d.title(&format!("{area_name}社会治理风险研判{kind}报告"));
    d.right(&format!("（{span}）"));
    d.para("本报告由系统依据本期数据自动起草，每项数字后注明其来源，供研判人员核对、修改后签发。");
    d.heading("一、总体情况");
    d.para(&format!(
        "本期共受理事件 {now_n} 件，上期（{pspan}）{before_n} 件，{}；其中升级或督办的 {serious} 件。{}",
        change(now_n, before_n),
        events_source(&span, "")
    ));
    d.heading("二、分区域情况");
    d.table(
        &["区域", "本期", "上期", "变化"],
        &areas
            .iter()
            .take(15)
            .map(|(code, (n, b))| vec![name(code), n.to_string(), b.to_string(), change(*n, *b)])
            .collect::<Vec<_>>(),
    );
    d.plain(&events_source(
        &format!("{span}（上期 {pspan}）"),
        "，按下一级区域汇总",
    ));
    d.heading("三、分类型情况");
    d.table(
        &["类型", "本期", "上期", "变化"],
        &types
            .iter()
            .map(|(t, (n, b))| vec![t.clone(), n.to_string(), b.to_string(), change(*n, *b)])
            .collect::<Vec<_>>(),
    );
    d.plain(&events_source(
        &format!("{span}（上期 {pspan}）"),
        "，按事件大类汇总",
    ));
    d.heading("四、热点网格");
    d.table(
        &["网格", "所属村（社区）", "本期事件"],
        &grids
            .iter()
            .take(10)
            .map(|(g, n)| vec![name(g), name(g.get(..12).unwrap_or(g)), n.to_string()])
            .collect::<Vec<_>>(),
    );
    d.plain(&events_source(&span, "，按网格汇总取前十"));
    d.heading("五、风险预警");
    d.para(&format!(
        "本期发出预警 {} 条，已处置（确认、指派、静默、转事件或列入台账、已解除）{} 条，待处理 {waiting} 条。〔来源：风险预警库，{span}发出、在{area_name}范围内的预警，按现时状态〕",
        alerts_total,
        alerts_total - waiting
    ));
    d.table(
        &["指标", "区域", "等级", "观测", "预期", "发出日"],
        &alerts
            .iter()
            .take(20)
            .map(|a| {
                vec![
                    a.indicator_name.clone(),
                    name(&a.area_code),
                    zhili_domain::risk::AlertLevel::parse(&a.level)
                        .map(|l| l.label_zh().to_string())
                        .unwrap_or_default(),
                    format!("{}", a.observed),
                    format!("{:.1}", a.expected),
                    date_string(a.raised_on),
                ]
            })
            .collect::<Vec<_>>(),
    );
    d.heading("六、风险台账");
    d.para(&format!(
        "本期新列入台账 {registered} 项，销号 {closed} 项；在册未销号 {} 项，其中复核逾期 {overdue} 项。〔来源：风险台账，{area_name}范围内登记的风险；新列入按登记时间、销号按最后变更时间在 {span} 内计〕",
        standing_total
    ));
    d.table(
        &["风险", "区域", "等级", "状态", "复核日"],
        &standing
            .iter()
            .take(20)
            .map(|r| {
                vec![
                    r.title.clone(),
                    name(&r.area_code),
                    zhili_domain::risk::AlertLevel::parse(&r.level)
                        .map(|l| l.label_zh().to_string())
                        .unwrap_or_default(),
                    zhili_domain::risk::RiskStatus::from_code(&r.status)
                        .map(|s| s.label_zh().to_string())
                        .unwrap_or_default(),
                    date_string(r.review_on),
                ]
            })
            .collect::<Vec<_>>(),
    );
    d.heading("七、矛盾纠纷调解与重点人群");
    d.para(&format!(
        "本期登记调解案件 {} 件，已达成协议 {agreed} 件。〔来源：调解案件库，{span}登记、在{area_name}范围内的案件〕重点人员走访逾期 {overdue_visits} 人。〔来源：重点人员库，截至报告生成时下次走访日已过的重点人员〕",
        cases.len()
    ));
    d.heading("八、研判意见");
    d.para("（由研判人员填写：主要风险、趋势判断、下一步措施和责任单位。）");
    d.blank();
    d.right("签发人：　　　　　　");
    d.right(&format!(
        "起草日期：{}",
        date_string(zhili_domain::calendar::china_day(now_ms))
    ));
    let file = format!("研判{kind}报告-{area_name}-{}.docx", date_string(to - 1));
    Ok((file, d.to_bytes()))
}
