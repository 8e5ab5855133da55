//! Grid staffing (网格力量): the centres and stations post their grid leaders, full-time and
//! part-time grid workers and grid assistants to grids (a leader may also head the party
//! branch: 一人兼), end postings, and arrange who covers a grid while its worker is away. The
//! postings and the covers running now are what grid staff see (`Scope::staffed`).

use super::{forbidden, not_found, Result};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhili_domain::staffing::{self as rules, Post, Staff};
use zhili_domain::user::User;
use zhili_domain::{DomainError, ErrorCode, Level, RegionCode, Role, Scope};
use zhili_store::{CoverRecord, NewCover, PostingRecord, UserFilter};

/// Who arranges staffing: the centres and stations of the area, and administrators.
fn arranges(user: &User) -> Result<()> {
    if matches!(
        user.role,
        Role::Admin
            | Role::DistrictCommander
            | Role::DistrictOperator
            | Role::TownOperator
            | Role::VillageOperator
    ) {
        Ok(())
    } else {
        Err(forbidden(
            "the centres and stations arrange who staffs the grids",
        ))
    }
}

/// Who reads the roster: everyone who works the grids or leads (grid staff their own grids).
fn reads(user: &User) -> Result<()> {
    if user.role.works_the_grids() || matches!(user.role, Role::Admin | Role::Leader) {
        Ok(())
    } else {
        Err(forbidden("departments do not read the grids' staffing"))
    }
}

/// A grid the caller's scope sees, or 404 as anything outside the area.
fn grid_in(user: &User, raw: &str) -> Result<RegionCode> {
    let grid = RegionCode::parse(raw)
        .ok()
        .filter(|g| g.level() == Level::Grid)
        .ok_or_else(|| super::invalid("grid_code", "a grid's 15-digit code"))?;
    if !user.scope().sees_region(&grid) {
        return Err(not_found("grid_code", format!("grid {grid} not found")));
    }
    Ok(grid)
}

/// An account of grid staff the caller may name, or 404: anchored in the caller's area.
async fn staff_named(state: &AppState, user: &User, field: &str, username: &str) -> Result<User> {
    let found = state
        .store
        .find_login(username)
        .await?
        .filter(|l| !l.disabled && user.scope().sees_region(&l.user.region_code));
    found
        .map(|l| l.user)
        .ok_or_else(|| not_found(field, format!("no account {username} in your area")))
}

fn staff(u: &User) -> Staff {
    Staff {
        role: u.role,
        region: u.region_code.clone(),
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GridPostingBody {
    /// The account (a grid worker's for a worker's post, a grid leader's for the leader's).
    #[schema(max_length = 64)]
    pub username: String,
    #[schema(max_length = 15)]
    pub grid_code: String,
    pub post: GridPostKind,
    /// 一人兼: the grid leader is also the village's party-branch head.
    #[serde(default)]
    pub party_branch_head: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GridPostKind {
    /// 网格长
    Leader,
    /// 专职网格员
    FullTime,
    /// 兼职网格员
    PartTime,
    /// 网格协管员
    Assistant,
}

impl GridPostKind {
    fn post(self) -> Post {
        match self {
            GridPostKind::Leader => Post::Leader,
            GridPostKind::FullTime => Post::FullTime,
            GridPostKind::PartTime => Post::PartTime,
            GridPostKind::Assistant => Post::Assistant,
        }
    }

    pub fn of(p: Post) -> GridPostKind {
        match p {
            Post::Leader => GridPostKind::Leader,
            Post::FullTime => GridPostKind::FullTime,
            Post::PartTime => GridPostKind::PartTime,
            Post::Assistant => GridPostKind::Assistant,
        }
    }
}

/// Posts a person to a grid of the caller's area.
pub async fn post(state: &AppState, user: &User, p: GridPostingBody) -> Result<PostingRecord> {
    arranges(user)?;
    let grid = grid_in(user, &p.grid_code)?;
    let person = staff_named(state, user, "username", &p.username).await?;
    rules::check_posting(&staff(&person), p.post.post(), &grid, p.party_branch_head)?;
    let now = crate::now_ms();
    let id = state
        .store
        .add_posting(
            &user.actor(),
            person.id,
            grid.as_str(),
            p.post.post(),
            p.party_branch_head,
            now,
        )
        .await?
        .ok_or_else(|| {
            DomainError::new(
                ErrorCode::Conflict,
                format!("{} already holds a post on {grid}", person.username),
            )
            .with_field("username")
            .zh(format!("{} 已在网格 {grid} 任职", person.display_name))
        })?;
    state.forget_sessions();
    posting_found(state, user, id).await
}

async fn posting_found(state: &AppState, user: &User, id: i64) -> Result<PostingRecord> {
    state
        .store
        .posting(id)
        .await?
        .filter(|p| RegionCode::parse(&p.grid_code).is_ok_and(|g| user.scope().sees_region(&g)))
        .ok_or_else(|| not_found("id", format!("posting {id} not found")))
}

/// Ends a running posting of the caller's area (the history keeps it).
pub async fn end_posting(state: &AppState, user: &User, id: i64) -> Result<PostingRecord> {
    arranges(user)?;
    posting_found(state, user, id).await?;
    if !state
        .store
        .end_posting(&user.actor(), id, crate::now_ms())
        .await?
    {
        return Err(
            DomainError::new(ErrorCode::Conflict, "the posting has already ended")
                .zh("该任职已结束")
                .into(),
        );
    }
    state.forget_sessions();
    posting_found(state, user, id).await
}

/// A cover to arrange: `cover` stands in on the grid from `starts_at` to `ends_at`
/// (milliseconds) while `absent` is away.
#[derive(Clone, Debug)]
pub struct ArrangeCover {
    pub grid_code: String,
    pub absent: String,
    pub cover: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub reason: String,
}

/// Arranges a cover for a grid of the caller's area.
pub async fn cover(state: &AppState, user: &User, c: ArrangeCover) -> Result<CoverRecord> {
    arranges(user)?;
    let grid = grid_in(user, &c.grid_code)?;
    let absent = staff_named(state, user, "absent", &c.absent).await?;
    let cover = staff_named(state, user, "cover", &c.cover).await?;
    rules::check_cover(
        &staff(&absent),
        &staff(&cover),
        absent.id == cover.id,
        &grid,
        c.starts_at,
        c.ends_at,
        &c.reason,
    )?;
    let now = crate::now_ms();
    if c.ends_at <= now {
        return Err(
            DomainError::invalid("ends_at", "the cover would already be over")
                .zh("顶岗结束时间已过")
                .into(),
        );
    }
    let id = state
        .store
        .add_cover(
            &user.actor(),
            &NewCover {
                grid_code: grid.to_string(),
                absent_user_id: absent.id,
                cover_user_id: cover.id,
                starts_at: c.starts_at,
                ends_at: c.ends_at,
                reason: c.reason.trim().to_string(),
            },
            now,
        )
        .await?
        .ok_or_else(|| {
            DomainError::new(
                ErrorCode::Conflict,
                "someone already covers this grid for that person for part of the time",
            )
            .with_field("starts_at")
            .zh("该时段已有人为其顶岗")
        })?;
    state.forget_sessions();
    cover_found(state, user, id).await
}

async fn cover_found(state: &AppState, user: &User, id: i64) -> Result<CoverRecord> {
    state
        .store
        .cover(id)
        .await?
        .filter(|c| RegionCode::parse(&c.grid_code).is_ok_and(|g| user.scope().sees_region(&g)))
        .ok_or_else(|| not_found("id", format!("cover {id} not found")))
}

/// Cancels a cover that has not ended (the worker came back early, the plan changed).
pub async fn cancel_cover(state: &AppState, user: &User, id: i64) -> Result<CoverRecord> {
    arranges(user)?;
    cover_found(state, user, id).await?;
    if !state
        .store
        .cancel_cover(&user.actor(), id, crate::now_ms())
        .await?
    {
        return Err(
            DomainError::new(ErrorCode::Conflict, "the cover is over or cancelled")
                .zh("该顶岗已结束或已取消")
                .into(),
        );
    }
    state.forget_sessions();
    cover_found(state, user, id).await
}

/// The grids of an area with who holds which post, the covers not yet over, and the staff
/// accounts that may be posted there.
pub struct Roster {
    pub region: RegionCode,
    pub grids: Vec<(RegionCode, String)>,
    pub postings: Vec<PostingRecord>,
    pub covers: Vec<CoverRecord>,
    pub accounts: Vec<User>,
}

/// The roster of a town, a village or a grid in the caller's area (a district is too wide
/// for one page: its towns are read one by one).
pub async fn roster(state: &AppState, user: &User, region: Option<&str>) -> Result<Roster> {
    reads(user)?;
    let scope = user.scope();
    let region = match region {
        None => scope.root.clone(),
        Some(raw) => RegionCode::parse(raw).map_err(|e| super::invalid("region", e.message))?,
    };
    if region.level() == Level::District {
        return Err(
            DomainError::invalid("region", "choose a town, a village or a grid")
                .zh("请选择镇街、村社或网格")
                .into(),
        );
    }
    // The region itself in the scope, or (grid staff) a region holding grids they see.
    let visible = scope.sees_region(&region)
        || scope
            .prefixes()
            .iter()
            .any(|p| p.starts_with(region.as_str()));
    if !visible {
        return Err(not_found("region", format!("region {region} not found")));
    }
    let index = state.index();
    let mut grids: Vec<(RegionCode, String)> = index
        .grids
        .iter()
        .filter(|g| region.contains(&g.grid_code) && scope.sees_region(&g.grid_code))
        .map(|g| {
            (
                g.grid_code.clone(),
                index
                    .names
                    .get(g.grid_code.as_str())
                    .cloned()
                    .unwrap_or_default(),
            )
        })
        .collect();
    grids.sort();
    grids.dedup_by(|a, b| a.0 == b.0);
    let within: Vec<&str> = grids.iter().map(|(g, _)| g.as_str()).collect();
    // Postings and covers of the grids listed, read by the region then kept to them.
    let area = [region.as_str()];
    let mut postings: Vec<PostingRecord> = state
        .store
        .postings(&area)
        .await?
        .into_iter()
        .filter(|p| within.contains(&p.grid_code.as_str()))
        .collect();
    // Each grid's leader first, then its full-time, part-time workers and assistants.
    postings.sort_by(|a, b| (&a.grid_code, a.post, a.id).cmp(&(&b.grid_code, b.post, b.id)));
    let covers: Vec<CoverRecord> = state
        .store
        .covers(&area, crate::now_ms())
        .await?
        .into_iter()
        .filter(|c| within.contains(&c.grid_code.as_str()))
        .collect();
    // Only those who arrange staffing need the accounts to choose from.
    let mut accounts = Vec::new();
    if arranges(user).is_ok() {
        let whole = Scope::whole(region.ancestor_at(Level::Village).unwrap_or(region.clone()));
        for role in [Role::GridLeader, Role::GridWorker] {
            let (_, found) = state
                .store
                .list_users(
                    &whole,
                    &UserFilter {
                        text: None,
                        role: Some(role),
                        limit: 500,
                        offset: 0,
                    },
                )
                .await?;
            accounts.extend(
                found
                    .into_iter()
                    .filter(|l| l.disabled_at.is_none())
                    .map(|l| l.user),
            );
        }
    }
    Ok(Roster {
        region,
        grids,
        postings,
        covers,
        accounts,
    })
}
