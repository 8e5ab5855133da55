//! The real Qianjiang data embedded in the binary (see `data/README.md` for sources).

use zhili_domain::{DomainError, RegionCode};

pub const DISTRICT_GEOJSON: &str = include_str!("../../data/district.geojson");
const TOWNS_CSV: &str = include_str!("../../data/towns.csv");
const VILLAGES_CSV: &str = include_str!("../../data/villages.csv");
const DEPARTMENTS_CSV: &str = include_str!("../../data/departments.csv");

pub struct TownRow {
    pub code: RegionCode,
    pub name: String,
}

pub struct VillageRow {
    pub code: RegionCode,
    /// The official name, e.g. 文汇社区居民委员会.
    pub official_name: String,
    pub town_code: RegionCode,
}

impl VillageRow {
    /// The everyday name: 文汇社区, 某某村 (the committee suffix dropped).
    pub fn name(&self) -> String {
        ["居民委员会", "村民委员会"]
            .iter()
            .find_map(|suffix| self.official_name.strip_suffix(suffix))
            .unwrap_or(&self.official_name)
            .to_string()
    }
}

pub struct DepartmentRow {
    pub code: String,
    pub name: String,
    pub short_name: String,
}

fn rows(text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("embedded CSV is well-formed"))
        .collect()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap_or_else(|e: DomainError| panic!("embedded code {s}: {e}"))
}

pub fn towns() -> Vec<TownRow> {
    rows(TOWNS_CSV)
        .iter()
        .map(|r| TownRow {
            code: code(&r[0]),
            name: r[1].to_string(),
        })
        .collect()
}

pub fn villages() -> Vec<VillageRow> {
    rows(VILLAGES_CSV)
        .iter()
        .map(|r| VillageRow {
            code: code(&r[0]),
            official_name: r[1].to_string(),
            town_code: code(&r[2]),
        })
        .collect()
}

pub fn departments() -> Vec<DepartmentRow> {
    rows(DEPARTMENTS_CSV)
        .iter()
        .map(|r| DepartmentRow {
            code: r[0].to_string(),
            name: r[1].to_string(),
            short_name: r[2].to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_is_complete() {
        assert_eq!(towns().len(), 30);
        let v = villages();
        assert_eq!(v.len(), 220);
        assert!(v
            .iter()
            .all(|v| v.code.parent().as_ref() == Some(&v.town_code)));
        assert_eq!(departments().len(), 26);
        assert_eq!(v[0].name(), "文汇社区");
        let village = v
            .iter()
            .find(|v| v.official_name.ends_with("村民委员会"))
            .unwrap();
        assert!(village.name().ends_with('村'), "{}", village.name());
    }
}
