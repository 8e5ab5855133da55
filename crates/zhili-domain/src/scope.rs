//! The one scope filter. A user sees a region subtree (and, for department users, their
//! department's work). Storage takes a `Scope` on every query; nothing bypasses it.

use crate::code::RegionCode;
use crate::role::Role;
use crate::unit::{Unit, UnitKind};

#[derive(Clone, Debug, PartialEq)]
pub struct Scope {
    /// Root of the visible subtree: everything whose code starts with this code.
    pub root: RegionCode,
    /// For department handlers: the department whose work they see.
    pub department: Option<String>,
    pub role: Role,
}

impl Scope {
    pub fn new(root: RegionCode, role: Role, department: Option<String>) -> Self {
        Scope {
            root,
            department,
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
        self.root.contains(code)
    }

    /// The code prefix a storage query filters on (`code LIKE prefix || '%'`).
    pub fn region_prefix(&self) -> &str {
        self.root.as_str()
    }

    /// The storage filter on a region code column (`LIKE prefix || '%'`), for layers kept
    /// in memory. Department work (lead or assisting) is only known to storage.
    pub fn covers_code(&self, code: &str) -> bool {
        self.department.is_none() && code.starts_with(self.region_prefix())
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
