//! The annual star review of the mediation rooms (星级评定): each room's year of cases scored by
//! the district's criteria (data, versioned: `set_criteria`), previewed, then decided — the
//! reviewer may set a room's stars other than the computed ones, with a reason; the computed
//! figure, the decision and the reason are all kept and recorded.

use crate::state::AppState;
use crate::usecase::{forbidden, invalid, Result};
use zhili_domain::calendar::DAY_MS;
use zhili_domain::mediation::stars::{self, Criteria, Figures, Review};
use zhili_domain::user::User;
use zhili_domain::{Role, Scope};
use zhili_store::StarRecord;

/// The district centre and the justice bureau review the rooms.
pub fn may_review(user: &User) -> bool {
    matches!(user.role, Role::DistrictCommander | Role::DistrictOperator)
        || (user.role == Role::DepartmentHandler
            && user.unit_id.as_deref() == Some(zhili_domain::mediation::JUSTICE_BUREAU))
}

/// The criteria in force: the district's latest version, or the shipped ones (version 0).
pub async fn criteria(state: &AppState) -> Result<(i64, Criteria)> {
    match state.store.star_criteria().await? {
        None => Ok((0, Criteria::default())),
        Some((version, json)) => serde_json::from_str(&json)
            .map(|c| (version, c))
            .map_err(|e| {
                zhili_store::StoreError::Internal(format!("star criteria {version}: {e}")).into()
            }),
    }
}

/// A new version of the criteria, checked.
pub async fn set_criteria(state: &AppState, user: &User, c: Criteria) -> Result<i64> {
    if !(may_review(user) || user.role.administers()) {
        return Err(forbidden(
            "the district centre and the justice bureau set the criteria",
        ));
    }
    c.check()?;
    let json =
        serde_json::to_string(&c).map_err(|e| zhili_store::StoreError::Internal(e.to_string()))?;
    Ok(state
        .store
        .put_star_criteria(&user.actor(), &json, crate::now_ms())
        .await?)
}

/// One room's review.
#[derive(Clone, Debug)]
pub struct RoomReview {
    pub room_id: i64,
    pub room_name: String,
    pub committee_name: String,
    pub region_code: zhili_domain::RegionCode,
    pub review: Review,
    /// Its stars now (the latest year's), before this review.
    pub current: i64,
    /// This year's decided stars, if decided.
    pub decided: Option<StarRecord>,
}

/// Where a year starts in Beijing time, as Unix ms.
fn year_start(year: i64) -> i64 {
    zhili_domain::time::days_from_civil(year, 1, 1) * DAY_MS - 8 * 3_600_000
}

/// Every room's year scored by the criteria in force (nothing written).
pub async fn preview(state: &AppState, user: &User, year: i64) -> Result<(i64, Vec<RoomReview>)> {
    if !may_review(user) {
        return Err(forbidden(
            "the district centre and the justice bureau review the rooms",
        ));
    }
    if !(2000..=2100).contains(&year) {
        return Err(invalid("year", "2000 to 2100"));
    }
    let (version, criteria) = criteria(state).await?;
    let facts = state
        .store
        .review_facts(year_start(year), year_start(year + 1))
        .await?;
    let calendar = &state.reference().calendar;
    let mut figures: std::collections::HashMap<i64, Figures> = Default::default();
    for (room, f) in &facts {
        figures.entry(*room).or_default().add(f, calendar);
    }
    let root = state
        .index()
        .root
        .clone()
        .unwrap_or_else(|| user.region_code.clone());
    let rooms = state.store.rooms(&Scope::whole(root), None).await?;
    Ok((
        version,
        rooms
            .into_iter()
            .map(|r| {
                let f = figures.get(&r.id).copied().unwrap_or_default();
                RoomReview {
                    room_id: r.id,
                    decided: r.history.iter().find(|s| s.year == year).cloned(),
                    room_name: r.name,
                    committee_name: r.committee_name,
                    region_code: r.region_code,
                    review: stars::review(&f, &criteria),
                    current: r.stars,
                }
            })
            .collect(),
    ))
}

/// A reviewer's decision for a room other than the computed one.
#[derive(Clone, Debug)]
pub struct Adjustment {
    pub room_id: i64,
    pub stars: i64,
    pub reason: String,
}

/// Decides the year's stars: the computed ones, but where the reviewer adjusted (with a reason).
pub async fn decide(
    state: &AppState,
    user: &User,
    year: i64,
    adjustments: Vec<Adjustment>,
) -> Result<Vec<RoomReview>> {
    let (version, mut rooms) = preview(state, user, year).await?;
    let now = crate::now_ms();
    let mut problems = Vec::new();
    for (i, a) in adjustments.iter().enumerate() {
        if !rooms.iter().any(|r| r.room_id == a.room_id) {
            return Err(crate::usecase::not_found(
                &format!("adjustments[{i}].room_id"),
                format!("no room {}", a.room_id),
            ));
        }
        if adjustments[..i].iter().any(|b| b.room_id == a.room_id) {
            problems.push(
                zhili_domain::DomainError::invalid(
                    &format!("adjustments[{i}].room_id"),
                    "a room is adjusted once",
                )
                .zh("同一调解室只能调整一次"),
            );
        }
        if !(0..=5).contains(&a.stars) {
            problems.push(zhili_domain::DomainError::invalid(
                &format!("adjustments[{i}].stars"),
                "0 to 5",
            ));
        }
        if let Err(e) =
            zhili_domain::text::note(&format!("adjustments[{i}].reason"), &a.reason, 500)
        {
            problems.push(e.zh("调整星级须说明理由"));
        }
    }
    if !problems.is_empty() {
        return Err(crate::usecase::Error::problems(problems));
    }
    let mut written = Vec::with_capacity(rooms.len());
    let mut actions = Vec::new();
    for r in &mut rooms {
        let adjusted = adjustments.iter().find(|a| a.room_id == r.room_id);
        let stars = adjusted.map_or(r.review.stars, |a| a.stars);
        let basis = serde_json::json!({
            "criteria_version": version,
            "figures": r.review.figures,
            "points": r.review.points,
            "score": r.review.score,
            "computed_stars": r.review.stars,
            "adjusted": adjusted.map(|a| serde_json::json!({"stars": a.stars, "reason": a.reason})),
        });
        let record = StarRecord {
            year,
            stars,
            score: Some(r.review.score),
            basis: basis.to_string(),
            decided_by: user.username.clone(),
            decided_at: now,
        };
        if let Some(a) = adjusted {
            actions.push(
                user.actor()
                    .action(
                        now,
                        "mediation.stars.adjust",
                        &format!("mediation_room:{}", r.room_id),
                    )
                    .states(
                        Some(&r.review.stars.to_string()),
                        Some(&a.stars.to_string()),
                    )
                    .opinion(a.reason.clone()),
            );
        }
        written.push((r.room_id, record.clone()));
        r.decided = Some(record);
    }
    let rated = written.iter().filter(|(_, s)| s.stars > 0).count();
    actions.insert(
        0,
        user.actor()
            .action(now, "mediation.stars.review", &format!("mediation_review:{year}"))
            .opinion(format!(
                "{year}: {} rooms reviewed by criteria version {version}, {rated} rated, {} adjusted",
                written.len(),
                adjustments.len()
            )),
    );
    state.store.write_stars(year, &written, actions).await?;
    Ok(rooms)
}
