//! The region tree: district > town > village > grid, with kinds and validity periods.

use crate::code::RegionCode;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    District,
    Town,
    Village,
    Grid,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::District, Level::Town, Level::Village, Level::Grid];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::District => "district",
            Level::Town => "town",
            Level::Village => "village",
            Level::Grid => "grid",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn code_len(self) -> usize {
        match self {
            Level::District => 6,
            Level::Town => 9,
            Level::Village => 12,
            Level::Grid => 15,
        }
    }

    pub fn child(self) -> Option<Level> {
        match self {
            Level::District => Some(Level::Town),
            Level::Town => Some(Level::Village),
            Level::Village => Some(Level::Grid),
            Level::Grid => None,
        }
    }
}

/// The kind of a region, named as the statistical tables and GB/T 34300 name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegionKind {
    #[serde(rename = "区县")]
    District,
    #[serde(rename = "街道")]
    Subdistrict,
    #[serde(rename = "镇")]
    Town,
    #[serde(rename = "乡")]
    Township,
    #[serde(rename = "社区")]
    Community,
    #[serde(rename = "村")]
    Village,
    #[serde(rename = "综合网格")]
    GeneralGrid,
    #[serde(rename = "专属网格")]
    DedicatedGrid,
}

impl RegionKind {
    pub const ALL: [RegionKind; 8] = [
        RegionKind::District,
        RegionKind::Subdistrict,
        RegionKind::Town,
        RegionKind::Township,
        RegionKind::Community,
        RegionKind::Village,
        RegionKind::GeneralGrid,
        RegionKind::DedicatedGrid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegionKind::District => "区县",
            RegionKind::Subdistrict => "街道",
            RegionKind::Town => "镇",
            RegionKind::Township => "乡",
            RegionKind::Community => "社区",
            RegionKind::Village => "村",
            RegionKind::GeneralGrid => "综合网格",
            RegionKind::DedicatedGrid => "专属网格",
        }
    }

    pub fn parse(s: &str) -> Option<RegionKind> {
        RegionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn level(self) -> Level {
        match self {
            RegionKind::District => Level::District,
            RegionKind::Subdistrict | RegionKind::Town | RegionKind::Township => Level::Town,
            RegionKind::Community | RegionKind::Village => Level::Village,
            RegionKind::GeneralGrid | RegionKind::DedicatedGrid => Level::Grid,
        }
    }
}

/// One version of a region. A boundary change closes this version (`valid_to`) and opens a
/// new one, so events filed under the old boundary keep pointing at what was true then.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub level: Level,
    pub kind: RegionKind,
    pub parent_code: Option<RegionCode>,
    pub version: i64,
    /// Unix milliseconds.
    pub valid_from: i64,
    pub valid_to: Option<i64>,
}

impl Region {
    pub fn is_current(&self) -> bool {
        self.valid_to.is_none()
    }
}
