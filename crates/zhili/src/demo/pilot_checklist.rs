//! The demo district's answers to the acceptance checklist: most requirements self-assessed by
//! the units leading their tasks, most of those reviewed by the pilot office (a few found only
//! partly met, one or two unmet), the rest still to do — readiness well short of acceptance.

use super::account as user;
use super::pilot::reporter_of;
use crate::state::AppState;
use crate::usecase::pilot::checklist as uc;
use rand::{rngs::StdRng, Rng};
use zhili_domain::assess::checklist::Standing;
use zhili_domain::user::User;

/// (claimed, reviewed).
pub async fn write(
    state: &AppState,
    pilot: &User,
    rng: &mut StdRng,
) -> Result<(usize, usize), String> {
    let (mut claimed, mut reviewed) = (0, 0);
    for placed in uc::shipped().requirements() {
        if rng.gen_range(0..100) >= 88 {
            continue;
        }
        let code = placed.requirement.code.clone();
        let who = user(state, &reporter_of(placed.lead_unit)).await?;
        let claim = match rng.gen_range(0..100) {
            0..=79 => Standing::Met,
            80..=95 => Standing::Partly,
            _ => Standing::NotMet,
        };
        let note = match claim {
            Standing::Met => "已按要求完成，相关制度文件、工作台账和影像资料已归档备查。",
            Standing::Partly => "主体工作已完成，个别镇街（部门）仍在推进，预计年底前全部完成。",
            Standing::NotMet => "受经费和人员限制尚未完成，已制定整改计划。",
        };
        let row = uc::claim(state, &who, &code, 0, claim, note, &[])
            .await
            .map_err(|e| format!("the claim on {code}: {e}"))?;
        claimed += 1;
        if rng.gen_range(0..100) >= 75 {
            continue;
        }
        // The reviewer mostly agrees; now and then finds less than claimed.
        let verdict = if claim == Standing::Met && rng.gen_range(0..100) < 8 {
            Standing::Partly
        } else {
            claim
        };
        let note = if verdict == claim {
            "经查阅资料、实地抽查，同意单位自评结论。"
        } else {
            "抽查发现部分台账资料不完整，需补充完善。"
        };
        uc::verdict(state, pilot, &code, row.version, verdict, note)
            .await
            .map_err(|e| format!("the verdict on {code}: {e}"))?;
        reviewed += 1;
    }
    Ok((claimed, reviewed))
}
