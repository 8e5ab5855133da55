//! Reference data of the closed loop: event categories with their limits and lead units,
//! and the ordered dispatch rules. Data, loaded from the database; this is what it means.

use crate::code::RegionCode;
use crate::error::DomainError;
use crate::event::{Limits, MatterClass};
use crate::region::Level;
use crate::unit::{centre_id, station_id, UnitId};

/// Who leads a category's cases when no dispatch rule says otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lead {
    /// A unit by id: a department (`D09`), or a centre or station (`C500114001`, `S500114001001`).
    Unit(UnitId),
    /// 属地: the centre that owns the case's place.
    Locality,
}

impl Lead {
    pub fn parse(s: &str) -> Result<Lead, DomainError> {
        let s = s.trim();
        if s == "属地" {
            return Ok(Lead::Locality);
        }
        UnitId::parse(s).map(Lead::Unit).map_err(|_| {
            DomainError::invalid(
                "lead",
                format!("lead {s:?} is neither 属地 nor a unit id like D09, C500114001 or S500114001001"),
            )
        })
    }

    pub fn as_str(&self) -> &str {
        match self {
            Lead::Unit(d) => d,
            Lead::Locality => "属地",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Category {
    /// Four digits: major class 2 + minor 2.
    pub code: String,
    pub major: String,
    pub minor: String,
    pub class: MatterClass,
    pub urgent: bool,
    pub accept_hours: f64,
    pub handle_hours: f64,
    pub lead: Lead,
    pub opens_dispute: bool,
    pub version: i64,
}

impl Category {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.code.len() != 4 || !self.code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::invalid(
                "code",
                format!("category code {:?} is not four digits", self.code),
            ));
        }
        for (field, name) in [("major", &self.major), ("minor", &self.minor)] {
            if name.trim().is_empty() || name.chars().count() > 100 {
                return Err(DomainError::invalid(
                    field,
                    format!("{field}: a name of 1 to 100 characters"),
                ));
            }
        }
        for (field, v) in [
            ("accept_hours", self.accept_hours),
            ("handle_hours", self.handle_hours),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 10_000.0) {
                return Err(DomainError::invalid(
                    field,
                    format!("{field} must be more than 0 and at most 10000"),
                ));
            }
        }
        Ok(())
    }

    pub fn limits(&self) -> Limits {
        Limits::for_category(self.accept_hours, self.handle_hours, self.urgent)
    }
}

/// An ordered rule: cases of a category (or category group) in a region subtree go to a
/// lead unit with assisting units.
#[derive(Clone, Debug, PartialEq)]
pub struct DispatchRule {
    pub position: i64,
    /// `""` any, `"06"` a major class, `"0601"` one category.
    pub category_prefix: String,
    /// Region subtree the rule applies to (a code prefix; the district for all).
    pub region: RegionCode,
    pub lead: Lead,
    pub assisting: Vec<UnitId>,
}

/// The suggested dispatch: the first matching rule, else the category's lead, else the
/// owning centre or station (属地). A 小事 stays with the village station, the department
/// (if any) assisting.
pub fn suggest_dispatch(
    rules: &[DispatchRule],
    category: &Category,
    grid: &RegionCode,
    owner: &UnitId,
) -> (UnitId, Vec<UnitId>) {
    let mut sorted: Vec<&DispatchRule> = rules.iter().collect();
    sorted.sort_by_key(|r| r.position);
    let rule = sorted
        .into_iter()
        .find(|r| category.code.starts_with(&r.category_prefix) && r.region.contains(grid));
    let (lead, mut assisting) = match rule {
        Some(r) => (r.lead.clone(), r.assisting.clone()),
        None => (category.lead.clone(), vec![]),
    };
    let mut lead_unit = match lead {
        Lead::Unit(d) => d,
        Lead::Locality => owner.clone(),
    };
    if category.class == MatterClass::Minor {
        let station = station_id(
            &grid
                .ancestor_at(Level::Village)
                .expect("a grid has a village"),
        );
        if lead_unit != station {
            if lead_unit.is_department() {
                assisting.insert(0, lead_unit);
            }
            lead_unit = station;
        }
    }
    assisting.retain(|a| *a != lead_unit);
    assisting.dedup();
    (lead_unit, assisting)
}

/// The centre that owns a new case: the district centre for channels that arrive there,
/// else the village station of its grid.
pub fn intake_owner(channel_arrives_at_district: bool, grid: &RegionCode) -> UnitId {
    if channel_arrives_at_district {
        centre_id(
            &grid
                .ancestor_at(Level::District)
                .expect("a grid has a district"),
        )
    } else {
        station_id(
            &grid
                .ancestor_at(Level::Village)
                .expect("a grid has a village"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(code: &str, class: MatterClass, lead: &str) -> Category {
        Category {
            code: code.into(),
            major: "市政设施".into(),
            minor: "路灯故障".into(),
            class,
            urgent: false,
            accept_hours: 4.0,
            handle_hours: 40.0,
            lead: Lead::parse(lead).unwrap(),
            opens_dispute: false,
            version: 1,
        }
    }

    fn u(s: &str) -> UnitId {
        UnitId::parse(s).unwrap()
    }

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn rules_then_category_lead_then_locality() {
        let grid = code("500114001001003");
        let rules = vec![
            DispatchRule {
                position: 2,
                category_prefix: "06".into(),
                region: code("500114"),
                lead: Lead::parse("D14").unwrap(),
                assisting: vec![u("D09")],
            },
            DispatchRule {
                position: 1,
                category_prefix: "0602".into(),
                region: code("500114001"),
                lead: Lead::parse("属地").unwrap(),
                assisting: vec![u("D09")],
            },
        ];
        let owner = &u("S500114001001");
        // Rule 1 (position 1) wins inside town 001.
        assert_eq!(
            suggest_dispatch(
                &rules,
                &cat("0602", MatterClass::Major, "D09"),
                &grid,
                owner
            ),
            (u("S500114001001"), vec![u("D09")])
        );
        // Outside town 001, rule 2 applies.
        assert_eq!(
            suggest_dispatch(
                &rules,
                &cat("0602", MatterClass::Major, "D09"),
                &code("500114002001001"),
                &u("S500114002001")
            ),
            (u("D14"), vec![u("D09")])
        );
        // No rule: the category's lead.
        assert_eq!(
            suggest_dispatch(&[], &cat("0701", MatterClass::Major, "D09"), &grid, owner),
            (u("D09"), vec![])
        );
        // 属地 with an escalated owner: the owning town centre.
        assert_eq!(
            suggest_dispatch(
                &[],
                &cat("0501", MatterClass::Major, "属地"),
                &grid,
                &u("C500114001")
            ),
            (u("C500114001"), vec![])
        );
        // 小事 stays with the village station; the department assists.
        assert_eq!(
            suggest_dispatch(&[], &cat("0401", MatterClass::Minor, "D19"), &grid, owner),
            (u("S500114001001"), vec![u("D19")])
        );
    }

    #[test]
    fn leads_and_categories_validate() {
        assert_eq!(Lead::parse("属地").unwrap(), Lead::Locality);
        assert!(Lead::parse("D7").is_err());
        assert!(Lead::parse("公安").is_err());
        let mut c = cat("0602", MatterClass::Major, "D09");
        assert!(c.validate().is_ok());
        c.handle_hours = 0.0;
        assert_eq!(
            c.validate().unwrap_err().field.as_deref(),
            Some("handle_hours")
        );
        c.code = "62".into();
        assert!(c.validate().is_err());
    }

    #[test]
    fn owners_by_channel() {
        let grid = code("500114001001003");
        assert_eq!(intake_owner(true, &grid), "C500114");
        assert_eq!(intake_owner(false, &grid), "S500114001001");
    }
}
