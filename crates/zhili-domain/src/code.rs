//! Statistical region codes: GB/T 2260 (district, 6 digits), GB/T 10114 (town, 9),
//! the 12-digit village code and the 15-digit base-grid code (village + 3 digits).

use crate::error::DomainError;
use crate::region::{Level, RegionKind};
use std::fmt;

/// A validated region code. Its length says its level; its prefixes are its ancestors,
/// which is what makes subtree scoping a prefix test.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::invalid(
                "code",
                format!("region code {s:?} must be digits only"),
            ));
        }
        match s.len() {
            6 | 9 | 12 | 15 => {}
            n => {
                return Err(DomainError::invalid(
                    "code",
                    format!("region code {s:?} has {n} digits; expected 6, 9, 12 or 15"),
                ))
            }
        }
        // The last segment of a code never is all zeros: 000 is not a town, village or grid.
        if s.len() > 6 && s.ends_with("000") {
            return Err(DomainError::invalid(
                "code",
                format!("region code {s:?} ends in 000"),
            ));
        }
        if s.len() == 6 && s.ends_with("00") {
            return Err(DomainError::invalid(
                "code",
                format!("{s:?} is a prefecture, not a district"),
            ));
        }
        let code = RegionCode(s.to_string());
        if code.level() == Level::Town && code.town_kind().is_none() {
            return Err(DomainError::invalid(
                "code",
                format!("town segment of {s:?} is outside 001–399 (GB/T 10114)"),
            ));
        }
        if code.level() == Level::Village && code.village_kind().is_none() {
            return Err(DomainError::invalid(
                "code",
                format!("village segment of {s:?} is outside 001–399"),
            ));
        }
        Ok(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> Level {
        match self.0.len() {
            6 => Level::District,
            9 => Level::Town,
            12 => Level::Village,
            _ => Level::Grid,
        }
    }

    pub fn parent(&self) -> Option<RegionCode> {
        match self.0.len() {
            6 => None,
            n => Some(RegionCode(self.0[..n - 3].to_string())),
        }
    }

    /// The ancestor (or self) at `level`, if this code is at or below it.
    pub fn ancestor_at(&self, level: Level) -> Option<RegionCode> {
        let len = level.code_len();
        (self.0.len() >= len).then(|| RegionCode(self.0[..len].to_string()))
    }

    /// True when `other` is this region or lies inside it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0.starts_with(&self.0)
    }

    fn segment(&self) -> u32 {
        self.0[self.0.len() - 3..].parse().unwrap_or(0)
    }

    /// GB/T 10114: 001–099 街道, 100–199 镇, 200–399 乡.
    pub fn town_kind(&self) -> Option<RegionKind> {
        if self.level() != Level::Town {
            return None;
        }
        match self.segment() {
            1..=99 => Some(RegionKind::Subdistrict),
            100..=199 => Some(RegionKind::Town),
            200..=399 => Some(RegionKind::Township),
            _ => None,
        }
    }

    /// 001–199 居委会 (社区), 200–399 村委会 (村).
    pub fn village_kind(&self) -> Option<RegionKind> {
        if self.level() != Level::Village {
            return None;
        }
        match self.segment() {
            1..=199 => Some(RegionKind::Community),
            200..=399 => Some(RegionKind::Village),
            _ => None,
        }
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RegionCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_parents() {
        let g = RegionCode::parse("500114001001003").unwrap();
        assert_eq!(g.level(), Level::Grid);
        assert_eq!(g.parent().unwrap().as_str(), "500114001001");
        assert_eq!(g.ancestor_at(Level::Town).unwrap().as_str(), "500114001");
        assert_eq!(g.ancestor_at(Level::District).unwrap().as_str(), "500114");
        assert!(RegionCode::parse("500114").unwrap().contains(&g));
        assert!(!RegionCode::parse("500114002").unwrap().contains(&g));
        assert!(RegionCode::parse("500114").unwrap().parent().is_none());
    }

    #[test]
    fn kinds_from_segments() {
        let k = |s: &str| RegionCode::parse(s).unwrap();
        assert_eq!(k("500114001").town_kind(), Some(RegionKind::Subdistrict));
        assert_eq!(k("500114105").town_kind(), Some(RegionKind::Town));
        assert_eq!(k("500114246").town_kind(), Some(RegionKind::Township));
        assert_eq!(
            k("500114001001").village_kind(),
            Some(RegionKind::Community)
        );
        assert_eq!(k("500114105201").village_kind(), Some(RegionKind::Village));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "50011",
            "5001140010",
            "50011400100a",
            "500100",
            "500114000",
            "500114001000",
            "500114400",
            "500114001400",
            "500114001001000",
        ] {
            assert!(RegionCode::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
