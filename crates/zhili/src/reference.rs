//! The closed loop's reference data in memory: categories by code, dispatch rules, and the
//! working calendar. Defaults come from the embedded CSVs (data, not code) and are stored on
//! first start; after that the database is the source.

use std::collections::HashMap;
use zhili_domain::calendar::{parse_hhmm, DayKind, WorkingCalendar};
use zhili_domain::event::MatterClass;
use zhili_domain::reference::{Category, DispatchRule, Lead};
use zhili_store::{ReferenceData, DEFAULT_WORKING_HOURS};

const CATEGORIES_CSV: &str = include_str!("../data/event-categories.csv");
const CALENDAR_CSV: &str = include_str!("../data/calendar-cn-2026.csv");
const RISK_INDICATORS_JSON: &str = include_str!("../data/risk-indicators.json");

/// The risk indicators shipped for the seed's district (data, checked as an administrator's
/// edit would be).
pub fn risk_indicators() -> Vec<zhili_domain::risk::Indicator> {
    let specs: Vec<zhili_domain::risk::IndicatorSpec> =
        serde_json::from_str(RISK_INDICATORS_JSON).expect("embedded indicators are well-formed");
    zhili_domain::risk::check_catalogue(specs).expect("embedded indicators are valid")
}

const ASSESSMENT_2026_JSON: &str = include_str!("../data/assessment-2026.json");

/// The assessment schemes shipped for the pilot's 2026, the towns' and the departments' (data,
/// checked as the pilot office's edit would be).
pub fn assessment_schemes() -> Vec<zhili_domain::assess::Scheme> {
    let schemes: Vec<zhili_domain::assess::Scheme> =
        serde_json::from_str(ASSESSMENT_2026_JSON).expect("embedded schemes are well-formed");
    schemes
        .into_iter()
        .map(|s| s.check().expect("embedded scheme is valid"))
        .collect()
}

const RISK_SECTORS_CSV: &str = include_str!("../data/risk-sectors.csv");

/// The sector assessments shipped for the seed's district.
pub fn risk_sectors() -> Vec<zhili_domain::risk::Sector> {
    csv::Reader::from_reader(RISK_SECTORS_CSV.as_bytes())
        .records()
        .map(|r| {
            let r = r.expect("embedded sectors are well-formed");
            zhili_domain::risk::Sector {
                code: r[0].to_string(),
                name: r[1].to_string(),
                departments: r[2].split_whitespace().map(str::to_string).collect(),
            }
        })
        .collect()
}

pub struct Reference {
    pub categories: HashMap<String, Category>,
    pub rules: Vec<DispatchRule>,
    pub calendar: WorkingCalendar,
}

/// The shipped defaults: the event taxonomy and the 2026 national calendar.
pub fn defaults() -> ReferenceData {
    let mut categories = Vec::new();
    for row in csv::Reader::from_reader(CATEGORIES_CSV.as_bytes()).records() {
        let r = row.expect("embedded CSV is well-formed");
        categories.push(Category {
            code: r[0].to_string(),
            major: r[1].to_string(),
            minor: r[2].to_string(),
            class: MatterClass::parse(&r[3]).expect("embedded class"),
            urgent: &r[4] == "紧急",
            accept_hours: r[5].parse().expect("embedded hours"),
            handle_hours: r[6].parse().expect("embedded hours"),
            lead: Lead::parse(&r[7]).expect("embedded lead"),
            opens_dispute: &r[8] == "yes",
            version: 1,
        });
    }
    let days = csv::Reader::from_reader(CALENDAR_CSV.as_bytes())
        .records()
        .map(|row| {
            let r = row.expect("embedded CSV is well-formed");
            (
                r[0].to_string(),
                DayKind::parse(&r[1]).expect("embedded day kind"),
                r[2].to_string(),
            )
        })
        .collect();
    ReferenceData {
        categories,
        rules: vec![],
        days,
        working_hours: DEFAULT_WORKING_HOURS.to_string(),
    }
}

/// `08:30-12:00,14:00-17:30` → minute windows.
pub fn parse_working_hours(text: &str) -> Result<Vec<(i64, i64)>, String> {
    text.split(',')
        .map(|w| {
            let (a, b) = w
                .trim()
                .split_once('-')
                .ok_or_else(|| format!("{w:?} is not HH:MM-HH:MM"))?;
            Ok((
                parse_hhmm(a.trim()).ok_or_else(|| format!("{a:?} is not HH:MM"))?,
                parse_hhmm(b.trim()).ok_or_else(|| format!("{b:?} is not HH:MM"))?,
            ))
        })
        .collect()
}

impl Reference {
    pub fn from_data(data: &ReferenceData) -> Result<Reference, String> {
        let windows = parse_working_hours(&data.working_hours)?;
        let mut calendar = WorkingCalendar::with_windows(&windows).map_err(|e| e.message)?;
        for (day, kind, _) in &data.days {
            calendar.set_day(day, *kind).map_err(|e| e.message)?;
        }
        Ok(Reference {
            categories: data
                .categories
                .iter()
                .map(|c| (c.code.clone(), c.clone()))
                .collect(),
            rules: data.rules.clone(),
            calendar,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_complete_and_valid() {
        let d = defaults();
        assert_eq!(d.categories.len(), 62);
        assert!(d.categories.iter().all(|c| c.validate().is_ok()));
        assert!(d.categories.iter().any(|c| c.urgent && c.code == "0404"));
        assert_eq!(d.days.len(), 39);
        let r = Reference::from_data(&d).unwrap();
        assert_eq!(r.calendar.windows(), &[(510, 720), (840, 1050)]);
        assert!(parse_working_hours("8-12").is_err());
    }

    #[test]
    fn the_shipped_assessment_schemes_add_up_and_score_the_best_unit_in_full() {
        let schemes = assessment_schemes();
        use zhili_domain::assess::UnitGroup;
        let groups: Vec<UnitGroup> = schemes.iter().map(|s| s.group).collect();
        assert_eq!(groups, [UnitGroup::Towns, UnitGroup::Departments]);
        for s in schemes {
            assert_eq!(s.year, 2026);
            let figures = s.figures();
            assert!(figures.contains(&zhili_domain::assess::Figure::TargetCompletion));
            // A unit measured at its best on every figure scores the hundred and the capped bonus.
            use zhili_domain::assess::{Figure, Measured, UnitFigures};
            let best = |f: Figure| match f {
                Figure::TargetCompletion
                | Figure::OnTimeRate
                | Figure::SatisfactionRate
                | Figure::MediationSuccessRate
                | Figure::SecuritySense => 100.0,
                Figure::Innovations => 10.0,
                _ => 0.0,
            };
            let unit = UnitFigures {
                figures: figures
                    .iter()
                    .map(|f| {
                        (
                            *f,
                            Measured {
                                value: best(*f),
                                source: String::new(),
                            },
                        )
                    })
                    .collect(),
                manual: [(
                    "M1".to_string(),
                    Measured {
                        value: 10.0,
                        source: String::new(),
                    },
                )]
                .into(),
            };
            assert_eq!(
                zhili_domain::assess::score(&s, &unit).total,
                103.0,
                "{}",
                s.name
            );
        }
    }

    #[test]
    fn the_thirteen_sectors_cover_every_department_once() {
        let sectors = risk_sectors();
        assert_eq!(sectors.len(), 13);
        let mut all: Vec<String> = sectors.into_iter().flat_map(|s| s.departments).collect();
        all.sort();
        let expected: Vec<String> = (1..=26).map(|i| format!("D{i:02}")).collect();
        assert_eq!(all, expected);
    }

    #[test]
    fn the_shipped_risk_indicators_are_valid_and_count_categories_that_exist() {
        use zhili_domain::risk::{AreaLevel, Detector};
        let indicators = risk_indicators();
        assert_eq!(indicators.len(), 13);
        let d = defaults();
        for i in &indicators {
            for c in &i.categories {
                assert!(
                    d.categories.iter().any(|k| k.code.starts_with(c.as_str())),
                    "{} counts {c}",
                    i.code
                );
            }
        }
        // Every detector and every area level is used by at least one.
        for kind in ["threshold", "ears", "seasonal", "cusum"] {
            assert!(
                indicators
                    .iter()
                    .any(|i| serde_json::to_value(&i.detector).unwrap()["kind"] == kind),
                "{kind}"
            );
        }
        for level in AreaLevel::ALL {
            assert!(indicators.iter().any(|i| i.level == level), "{level}");
        }
        assert!(indicators
            .iter()
            .all(|i| i.enabled
                && !matches!(i.detector, Detector::Threshold { limit } if limit < 0.0)));
    }
}

const POLICE_CLASSES: &str = include_str!("../data/police-categories.csv");

/// How the police class a case of a category (警情类别), by its major class: the shipped
/// mapping (`data/police-categories.csv`), 其他警情 for what it does not name.
pub fn police_class(category: &str) -> &'static str {
    let major = category.get(..2).unwrap_or_default();
    POLICE_CLASSES
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .find(|(m, _)| *m == major)
        .map(|(_, c)| c.trim())
        .unwrap_or("其他警情")
}

const VIDEO_ALERT_TYPES: &str = include_str!("../data/video-alert-types.csv");

/// A video platform's alert type: its code, its name and the event category it becomes
/// (`data/video-alert-types.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct VideoAlertType {
    pub code: &'static str,
    pub name: &'static str,
    pub category: &'static str,
}

/// The alert types video platforms post, in the file's order.
pub fn video_alert_types() -> Vec<VideoAlertType> {
    VIDEO_ALERT_TYPES
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',').map(str::trim);
            Some(VideoAlertType {
                code: f.next()?,
                name: f.next()?,
                category: f.next()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod video_tests {
    #[test]
    fn every_alert_type_becomes_a_category_of_the_taxonomy() {
        let types = super::video_alert_types();
        assert_eq!(types.len(), 10);
        for t in &types {
            let line = format!("\n{},", t.category);
            assert!(super::CATEGORIES_CSV.contains(&line), "{t:?}");
        }
    }
}

#[cfg(test)]
mod police_tests {
    #[test]
    fn cases_are_classed_in_the_polices_terms() {
        assert_eq!(super::police_class("0102"), "纠纷");
        assert_eq!(super::police_class("0201"), "治安案件");
        assert_eq!(super::police_class("9999"), "其他警情");
    }
}
