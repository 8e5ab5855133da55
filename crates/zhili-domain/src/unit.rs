//! Units: the governance centres of the three levels, the village stations, and departments.

use crate::code::RegionCode;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// A district department (公安, 城管 …).
    Department,
    /// A governance centre (综治中心) of the district or a town.
    Centre,
    /// A village/community station (综治站).
    Station,
}

impl UnitKind {
    pub const ALL: [UnitKind; 3] = [UnitKind::Department, UnitKind::Centre, UnitKind::Station];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Department => "department",
            UnitKind::Centre => "centre",
            UnitKind::Station => "station",
        }
    }

    pub fn parse(s: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub kind: UnitKind,
    pub region_code: RegionCode,
}

/// Stable unit ids: `C` + region code for centres, `S` + village code for stations,
/// the department's own code (`D01` …) for departments.
pub fn centre_id(region: &RegionCode) -> String {
    format!("C{region}")
}

pub fn station_id(village: &RegionCode) -> String {
    format!("S{village}")
}
