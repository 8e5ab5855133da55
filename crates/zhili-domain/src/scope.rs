//! The one scope filter. A user sees a region subtree (and, for department users, their
//! department's work); staff on the grids see the grids they are posted to or cover (a grid
//! leader the grids they lead). Storage takes a `Scope` on every query; nothing bypasses it.

use crate::code::RegionCode;
use crate::role::Role;
use crate::unit::{Unit, UnitKind};

#[derive(Clone, Debug, PartialEq)]
pub struct Scope {
    /// Root of the visible subtree: everything whose code starts with this code.
    pub root: RegionCode,
    /// For staff on the grids: the grids under `root` they see (posted to, leading, covering
    /// for someone away). `None` is the whole subtree; an empty list is nothing.
    pub grids: Option<Vec<RegionCode>>,
    /// For department handlers: the department whose work they see.
    pub department: Option<String>,
    /// For department handlers in a sector assessment (行业研判): the sector's other departments,
    /// whose risk work — department alerts, risks they own — the handler reads as well. Never
    /// widens events. Empty unless the risk reads set it (`with_sector`).
    pub sector: Vec<String>,
    pub role: Role,
}

impl Scope {
    pub fn new(root: RegionCode, role: Role, department: Option<String>) -> Self {
        Scope {
            root,
            grids: None,
            department,
            sector: Vec::new(),
            role,
        }
    }

    /// A member of the grid staff, anchored at `anchor`: the grids they serve, lead or cover.
    /// The root is the smallest region holding them all, so the lists that default to "the
    /// user's area" still start where the user works; with no grids, the anchor's subtree
    /// narrowed to nothing.
    pub fn staffed(role: Role, anchor: &RegionCode, grids: &[RegionCode]) -> Self {
        let mut all: Vec<RegionCode> = grids.to_vec();
        all.sort();
        all.dedup();
        // Nested codes add nothing: a grid inside a led village is already seen.
        let mut kept: Vec<RegionCode> = Vec::with_capacity(all.len());
        for code in all {
            if !kept.iter().any(|k| k.contains(&code)) {
                kept.push(code);
            }
        }
        let mut root = match kept.first() {
            Some(first) => first.clone(),
            None => {
                return Scope {
                    root: anchor.clone(),
                    grids: Some(Vec::new()),
                    department: None,
                    sector: Vec::new(),
                    role,
                }
            }
        };
        while !kept.iter().all(|c| root.contains(c)) {
            match root.parent() {
                Some(p) => root = p,
                None => break,
            }
        }
        let grids = (kept.len() != 1 || kept[0] != root).then_some(kept);
        Scope {
            root,
            grids,
            department: None,
            sector: Vec::new(),
            role,
        }
    }

    /// Everything under `root`, unrestricted, for the system's own work that is no one
    /// user's reading: building the locate index and the map's open layer, checking that a
    /// unit named in a dispatch exists in the event's district, an operator's import at the
    /// machine. Named so that every such use is found by looking for it.
    pub fn whole(root: RegionCode) -> Self {
        Scope::new(root, Role::Admin, None)
    }

    /// The same scope reading the risk work of the department's sector as well.
    pub fn with_sector(mut self, departments: Vec<String>) -> Self {
        if self.department.is_some() {
            self.sector = departments;
        }
        self
    }

    /// The departments whose risk work this scope reads: its own and its sector's.
    pub fn risk_departments(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.department.as_deref().into_iter().collect();
        for d in &self.sector {
            if !out.contains(&d.as_str()) {
                out.push(d);
            }
        }
        out
    }

    /// Whether an event is this scope's to see: in the subtree and, for a department, led
    /// or assisted by it. The storage filter (`event_scope`) is the same rule in SQL.
    pub fn sees_event(&self, grid: &RegionCode, lead: Option<&str>, assisting: &[String]) -> bool {
        self.sees_region(grid)
            && self
                .department
                .as_deref()
                .is_none_or(|d| lead == Some(d) || assisting.iter().any(|a| a == d))
    }

    pub fn sees_region(&self, code: &RegionCode) -> bool {
        self.covers_area(code.as_str())
    }

    /// The code prefixes a storage query filters on (`code LIKE prefix || '%'` for any of
    /// them): the subtree's root, or the grids a member of the grid staff sees.
    pub fn prefixes(&self) -> Vec<&str> {
        match &self.grids {
            Some(grids) => grids.iter().map(RegionCode::as_str).collect(),
            None => vec![self.root.as_str()],
        }
    }

    /// Whether the whole subtree under `root` is seen (no list of grids narrows it): only
    /// then may counts kept per region answer for the root.
    pub fn whole_subtree(&self) -> bool {
        self.grids.is_none()
    }

    /// The region rule on a code held as text: under one of the prefixes.
    pub fn covers_area(&self, code: &str) -> bool {
        self.prefixes().iter().any(|p| code.starts_with(p))
    }

    /// Whether an area at or above the scope's own serves it (a grid's village and town, the
    /// district): bodies that serve the reader are listed to them.
    pub fn served_by(&self, code: &str) -> bool {
        self.prefixes().iter().any(|p| p.starts_with(code))
    }

    /// The storage filter on a region code column, for layers kept in memory. Department
    /// work (lead or assisting) is only known to storage.
    pub fn covers_code(&self, code: &str) -> bool {
        self.department.is_none() && self.covers_area(code)
    }

    /// A short stable name of what the scope sees, for cache keys (map layers' ETags).
    pub fn key(&self) -> String {
        let mut key = self.root.to_string();
        if let Some(grids) = &self.grids {
            for g in grids {
                key.push('+');
                key.push_str(g.as_str());
            }
        }
        if let Some(d) = &self.department {
            key.push('@');
            key.push_str(d);
        }
        key
    }

    /// Departments serve the whole district, so every user may see (and address) them;
    /// centres and stations are visible inside the subtree only.
    pub fn sees_unit(&self, unit: &Unit) -> bool {
        unit.kind == UnitKind::Department || self.sees_region(&unit.region_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn events_are_seen_in_the_subtree_and_by_their_departments() {
        let grid = code("500114001001001");
        let town = Scope::new(code("500114001"), Role::TownOperator, None);
        assert!(town.sees_event(&grid, None, &[]));
        assert!(
            !Scope::new(code("500114002"), Role::TownOperator, None).sees_event(&grid, None, &[])
        );
        let d09 = Scope::new(code("500114"), Role::DepartmentHandler, Some("D09".into()));
        assert!(d09.sees_event(&grid, Some("D09"), &[]));
        assert!(d09.sees_event(&grid, Some("D01"), &["D09".into()]));
        assert!(!d09.sees_event(&grid, Some("D01"), &[]));
        assert!(Scope::whole(code("500114")).sees_event(&grid, Some("D01"), &[]));
    }

    #[test]
    fn subtree_only() {
        let s = Scope::new(code("500114001"), Role::TownOperator, None);
        assert!(s.sees_region(&code("500114001")));
        assert!(s.sees_region(&code("500114001002")));
        assert!(s.sees_region(&code("500114001002005")));
        assert!(!s.sees_region(&code("500114")));
        assert!(!s.sees_region(&code("500114002")));
        assert!(!s.sees_region(&code("500114002001")));
    }

    const G1: &str = "500114001001001";

    #[test]
    fn grid_staff_see_their_grids_and_nothing_else_of_the_village() {
        let village = code("500114001001");
        let leader = Scope::staffed(
            Role::GridLeader,
            &village,
            &[code("500114001001002"), code("500114001001001")],
        );
        assert_eq!(leader.root, code("500114001001"));
        assert!(leader.sees_region(&code("500114001001001")));
        assert!(leader.sees_region(&code("500114001001002")));
        assert!(!leader.sees_region(&code("500114001001003")));
        assert!(
            !leader.sees_region(&code("500114001001")),
            "not the village as a whole"
        );
        assert!(!leader.whole_subtree());
        assert_eq!(leader.prefixes(), ["500114001001001", "500114001001002"]);
        assert!(leader.served_by("500114001") && leader.served_by("500114001001"));
        assert!(!leader.served_by("500114001001003"));

        // A worker covering a grid of another town: the root climbs to the district.
        let cover = Scope::staffed(
            Role::GridWorker,
            &code(G1),
            &[code(G1), code("500114002003001")],
        );
        assert_eq!(cover.root, code("500114"));
        assert!(cover.sees_region(&code("500114002003001")));
        assert!(!cover.sees_region(&code("500114002003002")));

        // Alone in their grid: the plain subtree, as before staffing.
        let alone = Scope::staffed(Role::GridWorker, &code(G1), &[code(G1)]);
        assert_eq!(
            alone,
            Scope::new(code("500114001001001"), Role::GridWorker, None)
        );
        assert_ne!(alone.key(), cover.key());

        // A leader of no grid sees nothing.
        let none = Scope::staffed(Role::GridLeader, &village, &[]);
        assert!(!none.sees_region(&code("500114001001001")));
        assert!(none.prefixes().is_empty());
    }

    #[test]
    fn a_department_reads_its_sectors_risk_work_but_not_its_events() {
        let grid = code("500114001001001");
        let d04 = Scope::new(code("500114"), Role::DepartmentHandler, Some("D04".into()))
            .with_sector(vec!["D04".into(), "D02".into()]);
        assert_eq!(d04.risk_departments(), ["D04", "D02"]);
        assert!(
            !d04.sees_event(&grid, Some("D02"), &[]),
            "the sector never widens events"
        );
        assert!(d04.sees_event(&grid, Some("D04"), &[]));
        // Only departments read a sector's.
        let town =
            Scope::new(code("500114001"), Role::TownOperator, None).with_sector(vec!["D02".into()]);
        assert!(town.risk_departments().is_empty());
    }

    #[test]
    fn departments_visible_to_all_stations_only_in_subtree() {
        let s = Scope::new(code("500114001001"), Role::VillageOperator, None);
        let dept = Unit {
            id: "D01".into(),
            name: "公安".into(),
            kind: UnitKind::Department,
            region_code: code("500114"),
        };
        let own = Unit {
            id: "S500114001001".into(),
            name: "x".into(),
            kind: UnitKind::Station,
            region_code: code("500114001001"),
        };
        let other = Unit {
            id: "S500114001002".into(),
            name: "y".into(),
            kind: UnitKind::Station,
            region_code: code("500114001002"),
        };
        let town = Unit {
            id: "C500114001".into(),
            name: "z".into(),
            kind: UnitKind::Centre,
            region_code: code("500114001"),
        };
        assert!(s.sees_unit(&dept));
        assert!(s.sees_unit(&own));
        assert!(!s.sees_unit(&other));
        assert!(!s.sees_unit(&town));
    }
}
