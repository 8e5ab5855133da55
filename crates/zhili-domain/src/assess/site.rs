//! Demonstration sites (试点示范点, the seed's "3+30+50": district, departments and towns,
//! villages and communities): each cultivated by a host unit under one of the pilot's
//! programmes, applied for with evidence, and named — or returned to be improved — by the
//! pilot office. How many of each level the district means to name is its plan (data).

use super::{bad, code, text};
use crate::region::Level;
use crate::DomainError;
use serde::{Deserialize, Serialize};

crate::vocabulary!(
    /// The level a site stands for.
    SiteLevel, SITE_LEVELS {
        District = ("district", "区级"),
        Unit = ("unit", "部门和镇街"),
        Village = ("village", "村（社区）"),
    }
);

crate::vocabulary!(
    /// Where a site stands: cultivated, applied for acceptance, named, or returned.
    SiteStatus, SITE_STATUSES {
        Cultivating = ("cultivating", "培育中"),
        Applied = ("applied", "申报验收"),
        Named = ("named", "已命名"),
        Returned = ("returned", "退回完善"),
    }
);

impl SiteStatus {
    /// The host applies while cultivating or after a return.
    pub fn may_apply(self) -> bool {
        matches!(self, SiteStatus::Cultivating | SiteStatus::Returned)
    }
}

/// How many sites of a level the district means to name (part of the organisation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteQuota {
    pub level: SiteLevel,
    pub count: u32,
}

/// Most sites of one level a plan may aim for.
pub const MAX_QUOTA: u32 = 2000;

/// Quotas checked: each level at most once, counts within bounds.
pub fn check_quotas(quotas: &[SiteQuota]) -> Result<(), DomainError> {
    for (i, q) in quotas.iter().enumerate() {
        if quotas[..i].iter().any(|p| p.level == q.level) {
            return Err(bad(
                &format!("site_quotas[{i}].level"),
                "each level once",
                "每个层级只设一个数量",
            ));
        }
        if q.count > MAX_QUOTA {
            return Err(bad(
                &format!("site_quotas[{i}].count"),
                format!("0 to {MAX_QUOTA}"),
                format!("数量为 0 至 {MAX_QUOTA}"),
            ));
        }
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq)]
pub struct SiteDraft {
    pub code: String,
    pub name: String,
    pub level: SiteLevel,
    pub programme: String,
    pub host_unit: String,
    /// The area the site covers: a village for a village site, a town (or none) for a
    /// department's or a town's, none for the district's.
    pub region: Option<String>,
    /// The day it is to be ready for acceptance.
    pub due: i64,
    pub description: String,
}

/// The first and last days a plan's dates may fall on (2000-01-01 … 2099-12-31).
pub(crate) fn in_plan_range(day: i64) -> bool {
    (crate::time::days_from_civil(2000, 1, 1)..=crate::time::days_from_civil(2099, 12, 31))
        .contains(&day)
}

impl SiteDraft {
    /// Checked: a code, name and description; a programme of the plan and a known host unit;
    /// the area fits the level (`region_level` tells a code's level, None when unknown).
    pub fn check(
        self,
        known_programme: &dyn Fn(&str) -> bool,
        known_unit: &dyn Fn(&str) -> bool,
        region_level: &dyn Fn(&str) -> Option<Level>,
    ) -> Result<SiteDraft, DomainError> {
        let code = code("code", &self.code)?;
        let name = text("name", &self.name, 60, "示范点名称")?;
        let description = text("description", &self.description, 1000, "创建内容")?;
        if !known_programme(self.programme.trim()) {
            return Err(bad(
                "programme",
                "a programme of the plan",
                "不是试点的工程",
            ));
        }
        if !known_unit(self.host_unit.trim()) {
            return Err(bad("host_unit", "no such unit", "没有这个单位"));
        }
        let region = self
            .region
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let fits = match (self.level, region.map(|r| (r, region_level(r)))) {
            (_, Some((_, None))) => {
                return Err(bad("region", "no such area", "没有这个区域"));
            }
            (SiteLevel::District, None) => true,
            (SiteLevel::District, Some((_, Some(l)))) => l == Level::District,
            (SiteLevel::Unit, None) => true,
            (SiteLevel::Unit, Some((_, Some(l)))) => l == Level::Town,
            (SiteLevel::Village, Some((_, Some(l)))) => l == Level::Village,
            (SiteLevel::Village, None) => false,
        };
        if !fits {
            return Err(bad(
                "region",
                "a village for a village site, a town for a unit's, none for the district's",
                "村级示范点选村（社区），部门和镇街示范点选镇街或不选，区级不选",
            ));
        }
        if !in_plan_range(self.due) {
            return Err(bad("due", "a day of 2000–2099", "日期应在 2000 至 2099 年"));
        }
        Ok(SiteDraft {
            code,
            name,
            programme: self.programme.trim().to_string(),
            host_unit: self.host_unit.trim().to_string(),
            region: region.map(str::to_string),
            description,
            ..self
        })
    }
}

/// Sites of one level against the plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LevelCount {
    pub quota: u32,
    pub sites: usize,
    pub named: usize,
    pub applied: usize,
    pub returned: usize,
    /// Not named by their due day.
    pub overdue: usize,
}

/// Counts per level (in `SiteLevel::ALL` order) of sites given as (level, status, due).
pub fn count_by_level(
    quotas: &[SiteQuota],
    sites: impl IntoIterator<Item = (SiteLevel, SiteStatus, i64)>,
    today: i64,
) -> Vec<(SiteLevel, LevelCount)> {
    let mut out: Vec<(SiteLevel, LevelCount)> = SiteLevel::ALL
        .into_iter()
        .map(|l| {
            let quota = quotas.iter().find(|q| q.level == l).map_or(0, |q| q.count);
            (
                l,
                LevelCount {
                    quota,
                    ..Default::default()
                },
            )
        })
        .collect();
    for (level, status, due) in sites {
        let c = &mut out[SiteLevel::ALL.iter().position(|l| *l == level).unwrap_or(0)].1;
        c.sites += 1;
        match status {
            SiteStatus::Named => c.named += 1,
            SiteStatus::Applied => c.applied += 1,
            SiteStatus::Returned => c.returned += 1,
            SiteStatus::Cultivating => {}
        }
        if status != SiteStatus::Named && due < today {
            c.overdue += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::days_from_civil;

    fn draft() -> SiteDraft {
        SiteDraft {
            code: "SF-V-01".into(),
            name: "正阳街道 积分制管理示范点".into(),
            level: SiteLevel::Village,
            programme: "P6".into(),
            host_unit: "C500114003".into(),
            region: Some("500114003001".into()),
            due: days_from_civil(2026, 12, 31),
            description: "积分制管理全覆盖".into(),
        }
    }

    fn level(code: &str) -> Option<Level> {
        match code.len() {
            6 => Some(Level::District),
            9 => Some(Level::Town),
            12 => Some(Level::Village),
            _ => None,
        }
    }

    #[test]
    fn a_site_names_a_programme_a_host_and_an_area_that_fits_its_level() {
        let programme = |p: &str| p == "P6";
        let unit = |u: &str| u == "C500114003" || u == "D06";
        let check = |d: SiteDraft| d.check(&programme, &unit, &level);
        assert!(check(draft()).is_ok());
        let field = |d: SiteDraft| check(d).unwrap_err().field;
        let mut d = draft();
        d.region = None;
        assert_eq!(
            field(d).as_deref(),
            Some("region"),
            "a village site names its village"
        );
        let mut d = draft();
        d.region = Some("500114003".into());
        assert_eq!(
            field(d).as_deref(),
            Some("region"),
            "a town is not a village"
        );
        let mut d = draft();
        d.region = Some("5001140030019".into());
        assert_eq!(field(d).as_deref(), Some("region"), "unknown area");
        let mut d = draft();
        d.level = SiteLevel::Unit;
        d.region = Some("500114003".into());
        assert!(check(d.clone()).is_ok());
        d.region = Some(" ".into());
        assert_eq!(check(d).unwrap().region, None);
        let mut d = draft();
        d.level = SiteLevel::District;
        d.region = Some("500114003".into());
        assert_eq!(field(d).as_deref(), Some("region"));
        let mut d = draft();
        d.programme = "P9".into();
        assert_eq!(field(d).as_deref(), Some("programme"));
        let mut d = draft();
        d.host_unit = "D77".into();
        assert_eq!(field(d).as_deref(), Some("host_unit"));
        let mut d = draft();
        d.due = days_from_civil(2120, 1, 1);
        assert_eq!(field(d).as_deref(), Some("due"));
        let mut d = draft();
        d.code = "示范 1".into();
        assert_eq!(field(d).as_deref(), Some("code"));
    }

    #[test]
    fn levels_are_counted_against_their_quota_and_late_ones_flagged() {
        let quotas = [
            SiteQuota {
                level: SiteLevel::District,
                count: 3,
            },
            SiteQuota {
                level: SiteLevel::Village,
                count: 50,
            },
        ];
        let today = days_from_civil(2026, 12, 3);
        let late = days_from_civil(2026, 11, 30);
        let later = days_from_civil(2026, 12, 31);
        let counts = count_by_level(
            &quotas,
            [
                (SiteLevel::District, SiteStatus::Named, late),
                (SiteLevel::District, SiteStatus::Applied, late),
                (SiteLevel::District, SiteStatus::Cultivating, later),
                (SiteLevel::Village, SiteStatus::Returned, later),
            ],
            today,
        );
        assert_eq!(counts[0].0, SiteLevel::District);
        let d = &counts[0].1;
        assert_eq!(
            (d.quota, d.sites, d.named, d.applied, d.overdue),
            (3, 3, 1, 1, 1)
        );
        assert_eq!(counts[1].1.quota, 0, "no quota set for units");
        assert_eq!((counts[2].1.quota, counts[2].1.returned), (50, 1));
        assert!(check_quotas(&quotas).is_ok());
        let twice = [quotas[0].clone(), quotas[0].clone()];
        assert_eq!(
            check_quotas(&twice).unwrap_err().field.as_deref(),
            Some("site_quotas[1].level")
        );
        assert!(SiteStatus::Returned.may_apply() && !SiteStatus::Named.may_apply());
    }
}
