//! The minutes (会议纪要) of an assessment meeting held, as a Word document to sign and file:
//! who met when, the alerts and risks it looked at (the snapshot kept when it was held), what
//! was said, and its decisions with their lead units, due days and the events they became.

use crate::docx::Docx;
use crate::state::AppState;
use crate::usecase::Result;
use zhili_domain::calendar::date_string;
use zhili_domain::risk::{AlertLevel, MeetingKind, RiskStatus};
use zhili_domain::user::User;
use zhili_domain::{DomainError, ErrorCode};

/// The minutes of meeting `id` as `user` reads it, and the file's name.
pub async fn minutes(state: &AppState, user: &User, id: i64) -> Result<(String, Vec<u8>)> {
    let m = super::meetings::meeting(state, user, id).await?;
    let Some(held_at) = m.held_at.filter(|_| m.status == "held") else {
        return Err(DomainError::new(
            ErrorCode::InvalidTransition,
            "the meeting has not been held: it has no minutes yet",
        )
        .into());
    };
    let index = state.index();
    let name = |c: &str| index.names.get(c).cloned().unwrap_or_else(|| c.to_string());
    let units = crate::usecase::risk::unit_names(state).await?;
    let unit = |c: &str| units.get(c).cloned().unwrap_or_else(|| c.to_string());
    let (_, sectors) = super::sectors(state).await?;
    let kind = MeetingKind::from_code(&m.kind).map_or("研判会", |k| k.label_zh());
    let sector = m
        .sector
        .as_ref()
        .and_then(|c| sectors.iter().find(|s| &s.code == c))
        .map(|s| format!("（{}）", s.name))
        .unwrap_or_default();
    let attendees: Vec<String> = m
        .attendees
        .as_deref()
        .and_then(|a| serde_json::from_str(a).ok())
        .unwrap_or_default();
    let material: serde_json::Value = m
        .material
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let text = |v: &serde_json::Value, k: &str| match &v[k] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let level = |v: &serde_json::Value| {
        AlertLevel::parse(&text(v, "level")).map_or(text(v, "level"), |l| l.label_zh().into())
    };

    let mut doc = Docx::new();
    doc.title(&format!("{}会议纪要", m.title));
    doc.labelled("会议类型：", &format!("{kind}{sector}"));
    doc.labelled("研判范围：", &name(&m.area_code));
    doc.labelled("会议时间：", &zhili_domain::time::beijing_minute(held_at));
    doc.labelled("召集人：", &m.convened_by);
    doc.labelled("参加人员：", &attendees.join("、"));

    doc.heading("一、研判材料");
    let alerts = material["alerts"].as_array().cloned().unwrap_or_default();
    doc.para(&format!(
        "会议召开时本区域尚在处理中的风险预警 {} 条、在管风险 {} 项（系统于开会时留存的快照）。",
        alerts.len(),
        material["risks"].as_array().map_or(0, Vec::len)
    ));
    if !alerts.is_empty() {
        let rows: Vec<Vec<String>> = alerts
            .iter()
            .map(|a| {
                vec![
                    text(a, "indicator"),
                    text(a, "area"),
                    level(a),
                    format!("{} / {}", text(a, "observed"), text(a, "expected")),
                    text(a, "raised_on"),
                ]
            })
            .collect();
        doc.table(
            &["预警指标", "区域", "等级", "观测 / 预期", "预警日期"],
            &rows,
        );
    }
    let risks = material["risks"].as_array().cloned().unwrap_or_default();
    if !risks.is_empty() {
        let rows: Vec<Vec<String>> = risks
            .iter()
            .map(|r| {
                let status = text(r, "status");
                vec![
                    text(r, "title"),
                    text(r, "area"),
                    level(r),
                    RiskStatus::from_code(&status).map_or(status, |s| s.label_zh().into()),
                    unit(&text(r, "owner_unit")),
                    text(r, "review_on"),
                ]
            })
            .collect();
        doc.table(
            &["风险", "区域", "等级", "状态", "责任单位", "复核日期"],
            &rows,
        );
    }

    doc.heading("二、会议研判情况");
    for line in m.minutes.as_deref().unwrap_or("").lines() {
        if !line.trim().is_empty() {
            doc.para(line.trim());
        }
    }

    doc.heading("三、议定事项");
    if m.decisions.is_empty() {
        doc.para("本次会议无交办事项。");
    } else {
        let rows: Vec<Vec<String>> = m
            .decisions
            .iter()
            .map(|d| {
                vec![
                    d.seq.to_string(),
                    d.text.clone(),
                    unit(&d.lead_unit),
                    date_string(d.due_on),
                    d.event_id.map_or("待交办".into(), |e| format!("事件 {e}")),
                ]
            })
            .collect();
        doc.table(&["序号", "事项", "牵头单位", "完成时限", "交办"], &rows);
        doc.para("以上事项已作为事件交办牵头单位，按期办结情况在事件闭环中跟踪。");
    }
    doc.blank();
    doc.plain("主持人（签字）：　　　　　　　记录人（签字）：");
    doc.right(&date_string(zhili_domain::calendar::china_day(held_at)));
    Ok((format!("{}会议纪要.docx", m.title), doc.to_bytes()))
}
