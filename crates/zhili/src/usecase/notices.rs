//! Public notices (公示公告) that a village station, a town centre or the district centre
//! posts for the residents of its area, and withdraws.

use super::{forbidden, intake, not_found, Result};
use crate::state::AppState;
use zhili_domain::user::User;
use zhili_domain::RegionCode;
use zhili_store::NoticeRecord;

/// Whether the role posts notices for its area: the centres and stations.
fn posts(user: &User) -> bool {
    use zhili_domain::Role::*;
    matches!(
        user.role,
        VillageOperator | TownOperator | DistrictOperator | DistrictCommander
    )
}

/// Posts a notice for `region` (the poster's own area or one inside it; the caller's own area
/// when absent).
pub async fn post(
    state: &AppState,
    user: &User,
    region: Option<RegionCode>,
    title: &str,
    body: &str,
) -> Result<NoticeRecord> {
    if !posts(user) {
        return Err(forbidden(
            "only the centres and stations post public notices",
        ));
    }
    let region = region.unwrap_or_else(|| user.region_code.clone());
    if !user.scope().sees_region(&region) || region.level() == zhili_domain::Level::Grid {
        return Err(not_found("region", format!("no area {region} of yours")));
    }
    let title = intake::text("title", title, 60)?;
    let body = intake::text("body", body, 4000)?;
    Ok(state
        .store
        .post_notice(&user.actor(), &region, &title, &body, crate::now_ms())
        .await?)
}

/// The notices posted in the reader's area, newest first. Notices are public announcements,
/// not governed data: a grid leader reads those of the area their grids lie in.
pub async fn list(state: &AppState, user: &User) -> Result<Vec<NoticeRecord>> {
    Ok(state
        .store
        .notices_under(user.scope().root.as_str(), 200)
        .await?)
}

/// Withdraws a notice of the poster's area.
pub async fn withdraw(state: &AppState, user: &User, id: i64) -> Result<()> {
    if !posts(user) {
        return Err(forbidden(
            "only the centres and stations withdraw public notices",
        ));
    }
    let notice = state
        .store
        .notice(id)
        .await?
        .filter(|n| user.scope().sees_region(&n.region_code))
        .ok_or_else(|| not_found("id", format!("notice {id} not found")))?;
    Ok(state
        .store
        .withdraw_notice(&user.actor(), notice.id, crate::now_ms())
        .await?)
}
