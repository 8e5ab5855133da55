//! The stability-risk assessment report (社会稳定风险评估报告) of a major decision, as a Word
//! document: the decision, how the public was heard, the risks rated with their measures, the
//! signed conclusion, and what was decided and how it went. Before the conclusion is signed it
//! is marked a draft (征求意见稿), for the assessing body to work on.

use super::stability::assessment_of;
use crate::docx::Docx;
use crate::state::AppState;
use crate::usecase::{not_found, Result};
use zhili_domain::calendar::{china_day, date_string};
use zhili_domain::risk::stability::StabilityStatus;
use zhili_domain::user::User;

/// The report of assessment `id` as `user` reads it, and the file's name.
pub async fn report(state: &AppState, user: &User, id: i64) -> Result<(String, Vec<u8>)> {
    let r = state
        .store
        .assessment(&user.scope(), id)
        .await?
        .ok_or_else(|| not_found("id", format!("assessment {id} not found")))?;
    let a = assessment_of(&r);
    let units = super::unit_names(state).await?;
    let index = state.index();
    let area = index
        .names
        .get(&r.area_code)
        .cloned()
        .unwrap_or(r.area_code.clone());
    let signed = r.signed_at.is_some() && a.level.is_some();

    let mut doc = Docx::new();
    doc.title(&format!(
        "{}社会稳定风险评估报告{}",
        r.title,
        if signed { "" } else { "（征求意见稿）" }
    ));
    doc.labelled("决策事项：", &r.description);
    doc.labelled(
        "决策单位：",
        units.get(&r.decision_unit).map_or(&r.decision_unit, |n| n),
    );
    doc.labelled("涉及区域：", &area);
    doc.labelled("评估程序：", a.track.label_zh());
    doc.labelled(
        "当前环节：",
        StabilityStatus::from_code(&r.status).map_or(r.status.as_str(), |s| s.label_zh()),
    );

    doc.heading("一、征求意见情况");
    if a.evidence.is_empty() {
        doc.para("尚未记录征求意见情况。");
    } else {
        let heard: i64 = a.evidence.iter().map(|e| e.participants).sum();
        doc.para(&format!(
            "共开展征求意见 {} 次，参与群众及相关方 {heard} 人次。",
            a.evidence.len()
        ));
        let rows: Vec<Vec<String>> = a
            .evidence
            .iter()
            .map(|e| {
                vec![
                    e.kind.label_zh().to_string(),
                    e.summary.clone(),
                    e.participants.to_string(),
                ]
            })
            .collect();
        doc.table(&["方式", "主要意见", "参与人数"], &rows);
    }

    doc.heading("二、风险识别与评估");
    if a.risks.is_empty() {
        doc.para("尚未识别评估风险点。");
    } else {
        doc.para("风险等级按发生可能性与影响程度（各 1 至 5 分）之积确定：15 分以上为高风险，8 分以上为中风险，其余为低风险。");
        let rows: Vec<Vec<String>> = a
            .risks
            .iter()
            .map(|x| {
                vec![
                    x.title.clone(),
                    x.likelihood.to_string(),
                    x.impact.to_string(),
                    x.level().label_zh().to_string(),
                    x.measures.clone(),
                ]
            })
            .collect();
        doc.table(
            &["风险点", "可能性", "影响程度", "等级", "防范化解措施"],
            &rows,
        );
    }

    doc.heading("三、评估结论");
    match (a.level, signed) {
        (Some(level), true) => {
            doc.para(&format!(
                "经评估，该决策事项社会稳定风险等级为{}。",
                level.label_zh()
            ));
            if let Some(reason) = r.conclusion_reason.as_deref().filter(|x| !x.is_empty()) {
                doc.para(&format!("结论低于最高风险点等级的理由：{reason}"));
            }
            doc.labelled("签署人：", r.signed_by.as_deref().unwrap_or(""));
            doc.labelled(
                "签署日期：",
                &r.signed_at
                    .map(|t| date_string(china_day(t)))
                    .unwrap_or_default(),
            );
        }
        _ => doc.para("评估结论尚未签署。"),
    }

    doc.heading("四、决策与实施跟踪");
    match a.verdict {
        Some(v) => doc.para(&format!("决策机关意见：{}。", v.label_zh())),
        None => doc.para("尚未作出决策。"),
    }
    let follow_ups: Vec<serde_json::Value> =
        serde_json::from_str(&r.follow_ups).unwrap_or_default();
    for f in &follow_ups {
        let at = f["at"].as_str().unwrap_or("");
        doc.para(&format!(
            "{}（{}）：{}",
            at.get(..10).unwrap_or(at),
            f["by"].as_str().unwrap_or(""),
            f["note"].as_str().unwrap_or("")
        ));
    }
    doc.blank();
    doc.plain("评估主体（盖章）：　　　　　　　　负责人（签字）：");
    doc.right(&date_string(china_day(crate::now_ms())));
    Ok((
        format!("{}社会稳定风险评估报告.docx", r.title),
        doc.to_bytes(),
    ))
}
