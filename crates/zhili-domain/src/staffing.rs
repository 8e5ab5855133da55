//! Grid staffing (网格力量): who is posted to each grid — its grid leader (网格长, often the
//! village's party-branch head as well: 一人兼), full-time and part-time grid workers
//! (专职/兼职网格员) and grid assistants (网格协管员) — and who covers a grid while its worker
//! is away. Postings and covers decide what grid staff see (`Scope::staffed`).

use crate::code::RegionCode;
use crate::error::DomainError;
use crate::role::Role;
use crate::Level;

/// A post on a grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Post {
    Leader,
    FullTime,
    PartTime,
    Assistant,
}

impl Post {
    pub const ALL: [Post; 4] = [
        Post::Leader,
        Post::FullTime,
        Post::PartTime,
        Post::Assistant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Post::Leader => "leader",
            Post::FullTime => "full_time",
            Post::PartTime => "part_time",
            Post::Assistant => "assistant",
        }
    }

    pub fn parse(s: &str) -> Option<Post> {
        Post::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Post::Leader => "网格长",
            Post::FullTime => "专职网格员",
            Post::PartTime => "兼职网格员",
            Post::Assistant => "网格协管员",
        }
    }

    /// The role an account needs for the post: grid leaders lead, grid workers serve.
    pub fn role(self) -> Role {
        match self {
            Post::Leader => Role::GridLeader,
            _ => Role::GridWorker,
        }
    }
}

/// Longest a cover may run: an absence longer than a season is a new posting, not a cover.
pub const MAX_COVER_DAYS: i64 = 92;
const DAY_MS: i64 = 86_400_000;

/// The person a posting or a cover names, as the rules need them.
#[derive(Clone, Debug, PartialEq)]
pub struct Staff {
    pub role: Role,
    /// The account's anchor: a grid worker's grid, a grid leader's village.
    pub region: RegionCode,
}

fn invalid(field: &str, en: impl Into<String>, zh: impl Into<String>) -> DomainError {
    DomainError::invalid(field, en).zh(zh)
}

fn a_grid(grid: &RegionCode) -> Result<(), DomainError> {
    if grid.level() == Level::Grid {
        Ok(())
    } else {
        Err(invalid(
            "grid",
            format!("{grid} is not a grid"),
            format!("{grid} 不是网格编码"),
        ))
    }
}

/// Whether `who` may take `post` on `grid`, and what "一人兼" may say: only a grid leader may
/// also be the party-branch head.
pub fn check_posting(
    who: &Staff,
    post: Post,
    grid: &RegionCode,
    party_branch_head: bool,
) -> Result<(), DomainError> {
    a_grid(grid)?;
    if who.role != post.role() {
        return Err(invalid(
            "username",
            format!(
                "a {} cannot hold the post {}",
                who.role.as_str(),
                post.as_str()
            ),
            format!("{}账号不能担任{}", who.role.label_zh(), post.label_zh()),
        ));
    }
    // A worker serves the grid their account belongs to; a leader the grids of their village.
    if !who.region.contains(grid) {
        return Err(invalid(
            "grid",
            format!("{grid} is outside the account's area {}", who.region),
            format!("网格 {grid} 不在该账号所属区域 {} 内", who.region),
        ));
    }
    if party_branch_head && post != Post::Leader {
        return Err(invalid(
            "party_branch_head",
            "only a grid leader is recorded as also heading the party branch",
            "只有网格长可登记为兼任党支部书记（一人兼）",
        ));
    }
    Ok(())
}

/// A cover: `cover` stands in on `grid` from `starts` to `ends` while `absent` is away.
pub fn check_cover(
    absent: &Staff,
    cover: &Staff,
    same_person: bool,
    grid: &RegionCode,
    starts: i64,
    ends: i64,
    reason: &str,
) -> Result<(), DomainError> {
    a_grid(grid)?;
    if same_person {
        return Err(invalid(
            "cover",
            "nobody covers for themselves",
            "顶岗人不能是请假人本人",
        ));
    }
    if !cover.role.on_the_grids() {
        return Err(invalid(
            "cover",
            "a grid worker or a grid leader covers a grid",
            "顶岗人须为网格员或网格长",
        ));
    }
    if !absent.role.on_the_grids() || !absent.region.contains(grid) {
        return Err(invalid(
            "absent",
            format!("the absent person does not serve {grid}"),
            format!("请假人不在网格 {grid} 任职"),
        ));
    }
    if ends <= starts {
        return Err(invalid(
            "ends_at",
            "a cover ends after it starts",
            "顶岗结束时间须晚于开始时间",
        ));
    }
    if ends - starts > MAX_COVER_DAYS * DAY_MS {
        return Err(invalid(
            "ends_at",
            format!("a cover runs at most {MAX_COVER_DAYS} days; post someone instead"),
            format!("顶岗最长 {MAX_COVER_DAYS} 天，更长请调整网格人员"),
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(invalid(
            "reason",
            "say why (1–200 characters)",
            "请填写请假事由（1–200 字）",
        ));
    }
    Ok(())
}

/// Whether a cover is running at `now`.
pub fn covering(starts: i64, ends: i64, cancelled: bool, now: i64) -> bool {
    !cancelled && starts <= now && now < ends
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn worker(grid: &str) -> Staff {
        Staff {
            role: Role::GridWorker,
            region: code(grid),
        }
    }

    fn leader(village: &str) -> Staff {
        Staff {
            role: Role::GridLeader,
            region: code(village),
        }
    }

    const G1: &str = "500114001001001";
    const G2: &str = "500114001001002";

    #[test]
    fn a_leader_leads_grids_of_their_village_and_may_head_the_branch() {
        let l = leader("500114001001");
        assert!(check_posting(&l, Post::Leader, &code(G1), true).is_ok());
        assert!(check_posting(&l, Post::Leader, &code(G2), false).is_ok());
        let e = check_posting(&l, Post::Leader, &code("500114001002001"), false).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("grid"));
        assert!(
            check_posting(&l, Post::FullTime, &code(G1), false).is_err(),
            "a leader is not a worker"
        );
        assert!(
            check_posting(&l, Post::Leader, &code("500114001001"), false).is_err(),
            "a grid, not a village"
        );
    }

    #[test]
    fn a_worker_serves_their_own_grid_in_one_of_three_posts() {
        let w = worker(G1);
        for post in [Post::FullTime, Post::PartTime, Post::Assistant] {
            assert!(check_posting(&w, post, &code(G1), false).is_ok());
        }
        assert!(check_posting(&w, Post::FullTime, &code(G2), false).is_err());
        assert!(check_posting(&w, Post::Leader, &code(G1), false).is_err());
        let e = check_posting(&w, Post::PartTime, &code(G1), true).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("party_branch_head"));
        assert!(Post::ALL
            .iter()
            .all(|p| Post::parse(p.as_str()) == Some(*p)));
    }

    #[test]
    fn a_cover_is_someone_else_for_a_bounded_time_with_a_reason() {
        let (a, b) = (worker(G1), worker(G2));
        let ok = |ends| check_cover(&a, &b, false, &code(G1), 0, ends, "年假");
        assert!(ok(7 * DAY_MS).is_ok());
        assert_eq!(ok(0).unwrap_err().field.as_deref(), Some("ends_at"));
        assert_eq!(
            ok(93 * DAY_MS).unwrap_err().field.as_deref(),
            Some("ends_at")
        );
        assert_eq!(
            check_cover(&a, &a, true, &code(G1), 0, DAY_MS, "年假")
                .unwrap_err()
                .field
                .as_deref(),
            Some("cover")
        );
        assert_eq!(
            check_cover(&a, &b, false, &code(G2), 0, DAY_MS, "年假")
                .unwrap_err()
                .field
                .as_deref(),
            Some("absent")
        );
        assert_eq!(
            check_cover(&a, &b, false, &code(G1), 0, DAY_MS, "  ")
                .unwrap_err()
                .field
                .as_deref(),
            Some("reason")
        );
        let station = Staff {
            role: Role::VillageOperator,
            region: code("500114001001"),
        };
        assert!(check_cover(&a, &station, false, &code(G1), 0, DAY_MS, "病假").is_err());
        assert!(check_cover(
            &a,
            &leader("500114001001"),
            false,
            &code(G1),
            0,
            DAY_MS,
            "病假"
        )
        .is_ok());
    }

    #[test]
    fn a_cover_runs_from_its_start_to_its_end_unless_cancelled() {
        assert!(!covering(10, 20, false, 9));
        assert!(covering(10, 20, false, 10));
        assert!(!covering(10, 20, false, 20));
        assert!(!covering(10, 20, true, 15));
    }
}
