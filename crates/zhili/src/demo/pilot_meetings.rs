//! The pilot's monthly work meetings (调度会) of the demo year so far: chaired in turn by the
//! 政法委书记 (`district`) and the 区委副书记 (`leader`), each charging two units with a
//! decision due three weeks later, reported on like every target.

use super::pilot::history;
use crate::state::AppState;
use crate::usecase::pilot::inspections as uc;
use rand::{rngs::StdRng, Rng};
use zhili_domain::assess::meeting::{Decision, MeetingDraft};
use zhili_domain::user::User;

const DECISIONS: [&str; 8] = [
    "梳理本领域矛盾纠纷隐患并建立台账",
    "完成网格员走访记录规范化整改",
    "制定重点场所安全隐患排查方案",
    "落实校园周边护学岗人员配备",
    "推进综治中心与12345热线数据对接",
    "完成雪亮工程离线点位修复",
    "组织开展平安建设宣传进社区活动",
    "建立信访积案化解包案责任清单",
];

/// Meetings held, their decisions, and the decisions' reports and late ones (for the demo's
/// tally).
pub async fn write(
    state: &AppState,
    pilot: &User,
    rng: &mut StdRng,
    year: i32,
    today: i64,
    units: &[String],
) -> Result<(usize, usize, usize, usize), String> {
    let (mut held, mut decided, mut reports, mut late) = (0, 0, 0, 0);
    for month in 1..=12u32 {
        let held_on = zhili_domain::time::days_from_civil(year as i64, month, 20);
        if held_on >= today {
            break;
        }
        let (chair, account) = if month % 2 == 1 {
            ("区委常委、政法委书记", "district")
        } else {
            ("区委副书记", "leader")
        };
        let decisions = (0..2)
            .map(|i| Decision {
                text: DECISIONS[(month as usize * 2 + i) % DECISIONS.len()].into(),
                unit: units[rng.gen_range(0..units.len())].clone(),
                due: held_on + 21,
            })
            .collect();
        let recorded = uc::record_meeting(
            state,
            pilot,
            MeetingDraft {
                year,
                title: format!("{month}月市域社会治理现代化试点工作调度会"),
                held_on,
                chair: chair.into(),
                chair_username: Some(account.into()),
                attendees: "区委政法委（试点办）、各工作专班牵头单位、各镇街分管负责人".into(),
                minutes: format!("听取各工作专班{month}月目标任务推进情况汇报，通报督查发现问题整改进展，研究部署下一阶段重点工作。"),
                decisions,
            },
        )
        .await
        .map_err(|e| format!("the meeting of month {month}: {e}"))?;
        held += 1;
        decided += recorded.rectifications.len();
        for d in &recorded.rectifications {
            let (r, l) = history(state, rng, d, today).await?;
            reports += r;
            late += l as usize;
        }
    }
    Ok((held, decided, reports, late))
}
