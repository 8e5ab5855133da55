//! Units: the governance centres of the three levels, the village stations, and departments.

use crate::code::RegionCode;
use crate::{DomainError, Level};
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
    /// A police post (村（社区）警务室) or a police station's service window (派出所综合服务窗口)
    /// with the village or town it serves.
    PolicePost,
}

impl UnitKind {
    pub const ALL: [UnitKind; 4] = [
        UnitKind::Department,
        UnitKind::Centre,
        UnitKind::Station,
        UnitKind::PolicePost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Department => "department",
            UnitKind::Centre => "centre",
            UnitKind::Station => "station",
            UnitKind::PolicePost => "police_post",
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

/// A unit's id, which says what the unit is: `D` and two digits for a district department
/// (`D09`), `C` and a district or town code for a governance centre (`C500114`,
/// `C500114001`), `S` and a village code for a village station (`S500114001001`), `P` and a
/// town or village code for a police station's window or a village police post. Parsed
/// once, so the kind and the level are read from the type, never from a string's length.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitId(String);

impl UnitId {
    pub fn parse(raw: &str) -> Result<UnitId, DomainError> {
        let bad = || {
            DomainError::invalid(
                "unit",
                format!("{raw:?} is not a unit id (D09, C500114001 or S500114001001)"),
            )
            .zh(format!("“{raw}”不是单位编号"))
        };
        let (tag, rest) = raw.split_at_checked(1).ok_or_else(bad)?;
        let ok = match tag {
            "D" => rest.len() == 2 && rest.bytes().all(|b| b.is_ascii_digit()),
            "C" => RegionCode::parse(rest)
                .is_ok_and(|r| matches!(r.level(), Level::District | Level::Town)),
            "S" => RegionCode::parse(rest).is_ok_and(|r| r.level() == Level::Village),
            "P" => RegionCode::parse(rest)
                .is_ok_and(|r| matches!(r.level(), Level::Town | Level::Village)),
            _ => false,
        };
        if ok {
            Ok(UnitId(raw.to_string()))
        } else {
            Err(bad())
        }
    }

    /// The governance centre of a district or town.
    pub fn centre(region: &RegionCode) -> UnitId {
        UnitId(format!("C{region}"))
    }

    /// The station of a village.
    pub fn station(village: &RegionCode) -> UnitId {
        UnitId(format!("S{village}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> UnitKind {
        match self.0.as_bytes()[0] {
            b'D' => UnitKind::Department,
            b'C' => UnitKind::Centre,
            b'P' => UnitKind::PolicePost,
            _ => UnitKind::Station,
        }
    }

    pub fn is_department(&self) -> bool {
        self.kind() == UnitKind::Department
    }

    /// The area a centre or station serves; a department serves the whole district.
    pub fn region(&self) -> Option<RegionCode> {
        match self.kind() {
            UnitKind::Department => None,
            _ => RegionCode::parse(&self.0[1..]).ok(),
        }
    }

    /// The level of a centre or station's area.
    pub fn level(&self) -> Option<Level> {
        self.region().map(|r| r.level())
    }
}

impl std::ops::Deref for UnitId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UnitId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for UnitId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for UnitId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for UnitId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl From<UnitId> for String {
    fn from(u: UnitId) -> String {
        u.0
    }
}

impl Serialize for UnitId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UnitId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<UnitId, D::Error> {
        let raw = String::deserialize(d)?;
        UnitId::parse(&raw).map_err(|e| serde::de::Error::custom(e.message))
    }
}

/// Stable unit ids: `C` + region code for centres, `S` + village code for stations,
/// the department's own code (`D01` …) for departments.
pub fn centre_id(region: &RegionCode) -> UnitId {
    UnitId::centre(region)
}

pub fn station_id(village: &RegionCode) -> UnitId {
    UnitId::station(village)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_id_says_what_the_unit_is() {
        let d = UnitId::parse("D09").unwrap();
        assert_eq!(
            (d.kind(), d.region(), d.level()),
            (UnitKind::Department, None, None)
        );
        let c = UnitId::parse("C500114001").unwrap();
        assert_eq!((c.kind(), c.level()), (UnitKind::Centre, Some(Level::Town)));
        assert_eq!(
            UnitId::parse("C500114").unwrap().level(),
            Some(Level::District)
        );
        let s = UnitId::parse("S500114001001").unwrap();
        assert_eq!(
            (s.kind(), s.level()),
            (UnitKind::Station, Some(Level::Village))
        );
        assert_eq!(
            s,
            UnitId::station(&RegionCode::parse("500114001001").unwrap())
        );
        let p = UnitId::parse("P500114001001").unwrap();
        assert_eq!(
            (p.kind(), p.level()),
            (UnitKind::PolicePost, Some(Level::Village))
        );
        assert_eq!(
            UnitId::parse("P500114001").unwrap().level(),
            Some(Level::Town)
        );
        for bad in [
            "P500114",
            "",
            "D",
            "D9",
            "D123",
            "X09",
            "C500114001001",
            "S500114001",
            "S5001140010010",
            "C",
            "Ｄ09",
            "D0９",
        ] {
            assert!(UnitId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
