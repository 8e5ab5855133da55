//! The rule book as the API and the web app write it, to the domain's catalogue and back.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhili_domain::points::{Awarder, Cap, Catalogue, Item, Period};

const TEMPLATE_JSON: &str = include_str!("../../../data/points-rules.json");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AwarderSpec {
    GridWorker,
    VillageOperator,
    Resident,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodSpec {
    Month,
    Quarter,
    Year,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapSpec {
    /// At most this many entries per person per period (entries not turned down).
    #[schema(minimum = 1, maximum = 100)]
    pub times: u32,
    pub per: PeriodSpec,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemSpec {
    /// Stable across versions: entries name it.
    #[schema(max_length = 20)]
    pub code: String,
    #[schema(max_length = 40)]
    pub name: String,
    /// 宣讲学习, 文明习惯, 传统美德, 遵纪守法, 公益行动, 勤劳致富 or 平安建设
    pub category: String,
    /// Positive for an award, negative for a deduction.
    #[schema(minimum = -1000, maximum = 1000)]
    pub points: i64,
    #[serde(default)]
    pub cap: Option<CapSpec>,
    /// Who may put it forward.
    pub awarders: Vec<AwarderSpec>,
    /// The entry names an event and waits until it passes verification.
    #[serde(default)]
    pub needs_verified_event: bool,
    /// Raised for the reporter when a resident's own report passes verification.
    #[serde(default)]
    pub on_resident_report: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueSpec {
    /// Days of public notice (公示) before an approved entry is credited.
    #[schema(minimum = 1, maximum = 30)]
    pub notice_days: i64,
    /// Days credited points stay spendable.
    #[schema(minimum = 30, maximum = 1830)]
    pub expiry_days: i64,
    pub items: Vec<ItemSpec>,
}

fn awarder(a: AwarderSpec) -> Awarder {
    match a {
        AwarderSpec::GridWorker => Awarder::GridWorker,
        AwarderSpec::VillageOperator => Awarder::VillageOperator,
        AwarderSpec::Resident => Awarder::Resident,
    }
}

fn awarder_spec(a: Awarder) -> AwarderSpec {
    match a {
        Awarder::GridWorker => AwarderSpec::GridWorker,
        Awarder::VillageOperator => AwarderSpec::VillageOperator,
        Awarder::Resident => AwarderSpec::Resident,
    }
}

fn period(p: PeriodSpec) -> Period {
    match p {
        PeriodSpec::Month => Period::Month,
        PeriodSpec::Quarter => Period::Quarter,
        PeriodSpec::Year => Period::Year,
    }
}

fn period_spec(p: Period) -> PeriodSpec {
    match p {
        Period::Month => PeriodSpec::Month,
        Period::Quarter => PeriodSpec::Quarter,
        Period::Year => PeriodSpec::Year,
    }
}

impl CatalogueSpec {
    pub fn to_domain(&self) -> Catalogue {
        Catalogue {
            notice_days: self.notice_days,
            expiry_days: self.expiry_days,
            items: self
                .items
                .iter()
                .map(|i| Item {
                    code: i.code.trim().to_string(),
                    name: i.name.clone(),
                    category: i.category.clone(),
                    points: i.points,
                    cap: i.cap.map(|c| Cap {
                        times: c.times,
                        per: period(c.per),
                    }),
                    awarders: i.awarders.iter().copied().map(awarder).collect(),
                    needs_verified_event: i.needs_verified_event,
                    on_resident_report: i.on_resident_report,
                })
                .collect(),
        }
    }

    pub fn of(c: &Catalogue) -> CatalogueSpec {
        CatalogueSpec {
            notice_days: c.notice_days,
            expiry_days: c.expiry_days,
            items: c
                .items
                .iter()
                .map(|i| ItemSpec {
                    code: i.code.clone(),
                    name: i.name.clone(),
                    category: i.category.clone(),
                    points: i.points,
                    cap: i.cap.map(|c| CapSpec {
                        times: c.times,
                        per: period_spec(c.per),
                    }),
                    awarders: i.awarders.iter().copied().map(awarder_spec).collect(),
                    needs_verified_event: i.needs_verified_event,
                    on_resident_report: i.on_resident_report,
                })
                .collect(),
        }
    }
}

/// The district's model rule book a village starts from.
pub fn template() -> CatalogueSpec {
    serde_json::from_str(TEMPLATE_JSON).expect("the shipped points rules are valid JSON")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_rule_book_passes_its_own_checks() {
        assert_eq!(super::template().to_domain().check(), Ok(()));
    }
}
