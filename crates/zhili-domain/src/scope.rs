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
