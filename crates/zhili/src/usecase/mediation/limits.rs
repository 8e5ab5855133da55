//! Mediation's time limits as the district sets them (each edit a new version, recorded); a case
//! copies the limits in force when it opens, so an edit never moves a running case's deadlines.

use crate::state::AppState;
use crate::usecase::{forbidden, Result};
use zhili_domain::calendar::{DAY_MS, HOUR_MS};
use zhili_domain::mediation::Limits;
use zhili_domain::user::User;

/// The length of a working day on the calendar in force (7 hours on the shipped one).
pub fn working_day_ms(state: &AppState) -> i64 {
    let minutes: i64 = state
        .reference()
        .calendar
        .windows()
        .iter()
        .map(|(a, b)| b - a)
        .sum();
    if minutes > 0 {
        minutes * 60_000
    } else {
        7 * HOUR_MS
    }
}

/// The limits in force and their version (0: the shipped ones).
pub async fn limits(state: &AppState) -> Result<(i64, Limits)> {
    Ok(match state.store.mediation_limits().await? {
        None => (0, Limits::default()),
        Some((version, text)) => (
            version,
            Limits::from_text(&text).ok_or_else(|| {
                zhili_store::StoreError::Internal(format!("mediation limits {version}: {text:?}"))
            })?,
        ),
    })
}

/// The limits in days, as officials set them.
pub fn days(l: &Limits, working_day_ms: i64) -> (i64, i64, i64) {
    (
        l.settle_ms / DAY_MS,
        l.follow_up_ms / working_day_ms.max(1),
        l.max_extensions,
    )
}

/// A new version of the limits, by the district centre, the justice bureau or an administrator.
pub async fn set_limits(
    state: &AppState,
    user: &User,
    settle_days: i64,
    follow_up_days: i64,
    max_extensions: i64,
) -> Result<(i64, Limits)> {
    if !(super::stars::may_review(user) || user.role.administers()) {
        return Err(forbidden(
            "the district centre and the justice bureau set mediation's time limits",
        ));
    }
    let l = Limits::set(
        settle_days,
        follow_up_days,
        max_extensions,
        working_day_ms(state),
    )?;
    let version = state
        .store
        .put_mediation_limits(&user.actor(), &l.to_text(), crate::now_ms())
        .await?;
    Ok((version, l))
}
