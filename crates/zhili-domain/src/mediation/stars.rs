//! A mediation room's annual star review (星级评定) from its record: the district's criteria —
//! indicators with a weight and a target, and the score each star level needs — are data the
//! district changes; the review scores each room's year and proposes its stars; a reviewer's
//! adjustment is recorded with its reason beside the computed figure.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

/// What a room's year of cases shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Cases registered in the year.
    pub cases: i64,
    /// Mediated to an end (settled, refused, terminated, referred out).
    pub ended: i64,
    /// Ended in an agreement.
    pub settled: i64,
    /// Agreements whose performance was recorded, and how many of them were performed.
    pub performance_known: i64,
    pub performed: i64,
    /// Written agreements, and those taken to the court for judicial confirmation.
    pub written: i64,
    pub confirmations: i64,
    /// Performed agreements, and those followed up within the follow-up limit.
    pub to_follow_up: i64,
    pub followed_up_on_time: i64,
    /// Cases whose dispute came back (a later case repeats them).
    pub repeated: i64,
}

/// What a review needs to know of one case.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CaseFacts {
    pub status: super::Status,
    pub agreement: Option<super::AgreementForm>,
    pub confirmation_applied: bool,
    /// When performance was recorded, and when the follow-up closed the case.
    pub performed_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// The follow-up's limit, in working time (the case's own).
    pub follow_up_ms: i64,
    pub repeated: bool,
}

impl Figures {
    /// Counts one case of the year.
    pub fn add(&mut self, c: &CaseFacts, cal: &crate::calendar::WorkingCalendar) {
        use super::Status as S;
        self.cases += 1;
        if !matches!(c.status, S::Registered | S::Mediating | S::Refused) {
            self.ended += 1;
        }
        if c.status.settled() {
            self.settled += 1;
        }
        if matches!(c.status, S::Performed | S::Closed | S::Breached) {
            self.performance_known += 1;
        }
        if matches!(c.status, S::Performed | S::Closed) {
            self.performed += 1;
            self.to_follow_up += 1;
            if let (S::Closed, Some(p), Some(f)) = (c.status, c.performed_at, c.closed_at) {
                let limit = cal.due(p, c.follow_up_ms, crate::calendar::Clock::Working);
                if f <= limit {
                    self.followed_up_on_time += 1;
                }
            }
        }
        if c.agreement == Some(super::AgreementForm::Written) {
            self.written += 1;
            if c.confirmation_applied {
                self.confirmations += 1;
            }
        }
        if c.repeated {
            self.repeated += 1;
        }
    }
}

/// The indicators a review scores, by key.
pub const INDICATORS: [(&str, &str); 6] = [
    ("volume", "受理案件数"),
    ("success_rate", "调解成功率"),
    ("performance_rate", "协议履行率"),
    ("confirmation_rate", "司法确认率"),
    ("follow_up_rate", "按期回访率"),
    ("repeat_rate", "重复纠纷率"),
];

impl Figures {
    /// An indicator's value (rates as fractions; no denominator: none).
    pub fn value(&self, key: &str) -> Option<f64> {
        let rate = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
        match key {
            "volume" => Some(self.cases as f64),
            "success_rate" => rate(self.settled, self.ended),
            "performance_rate" => rate(self.performed, self.performance_known),
            "confirmation_rate" => rate(self.confirmations, self.written),
            "follow_up_rate" => rate(self.followed_up_on_time, self.to_follow_up),
            "repeat_rate" => rate(self.repeated, self.cases),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub key: String,
    /// Points this indicator gives at its target or better.
    pub weight: f64,
    /// The value that earns the whole weight (a count or a fraction).
    pub target: f64,
    /// For rates that should be low (repeat disputes): the whole weight at or below the target,
    /// none at twice it or more.
    #[serde(default)]
    pub lower_is_better: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    pub stars: i64,
    /// The least score (0–100) this level needs.
    pub min_score: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Criteria {
    pub indicators: Vec<Indicator>,
    pub thresholds: Vec<Threshold>,
    /// Rooms with fewer cases in the year are not rated (too little to judge by).
    pub min_cases: i64,
}

impl Default for Criteria {
    /// The shipped criteria: volume 20, success 30, performance 20, confirmation 10, follow-up
    /// 10, repeat disputes 10; five stars from 90 points, one from 50; at least 5 cases.
    fn default() -> Criteria {
        let i = |key: &str, weight: f64, target: f64, lower: bool| Indicator {
            key: key.into(),
            weight,
            target,
            lower_is_better: lower,
        };
        Criteria {
            indicators: vec![
                i("volume", 20.0, 20.0, false),
                i("success_rate", 30.0, 0.9, false),
                i("performance_rate", 20.0, 0.95, false),
                i("confirmation_rate", 10.0, 0.3, false),
                i("follow_up_rate", 10.0, 0.9, false),
                i("repeat_rate", 10.0, 0.05, true),
            ],
            thresholds: [(5, 90.0), (4, 80.0), (3, 70.0), (2, 60.0), (1, 50.0)]
                .into_iter()
                .map(|(stars, min_score)| Threshold { stars, min_score })
                .collect(),
            min_cases: 5,
        }
    }
}

impl Criteria {
    /// Checks criteria an official wrote: known indicators once each, weights that add to 100,
    /// positive targets, star levels 1–5 once each with scores that rise with the stars.
    pub fn check(&self) -> Result<(), DomainError> {
        let bad = |en: String, zh: String| Err(DomainError::invalid("criteria", en).zh(zh));
        let mut seen = Vec::new();
        for ind in &self.indicators {
            if !INDICATORS.iter().any(|(k, _)| *k == ind.key) {
                return bad(
                    format!("{:?} is not an indicator", ind.key),
                    format!("没有“{}”这一指标", ind.key),
                );
            }
            if seen.contains(&ind.key) {
                return bad(
                    format!("{} is given twice", ind.key),
                    format!("指标“{}”重复", ind.key),
                );
            }
            seen.push(ind.key.clone());
            let sane = ind.weight.is_finite()
                && ind.weight >= 0.0
                && ind.target.is_finite()
                && ind.target > 0.0;
            if !sane {
                return bad(
                    format!("{}: a weight of 0 or more and a target above 0", ind.key),
                    "指标分值不能为负，目标值应大于0".into(),
                );
            }
        }
        let total: f64 = self.indicators.iter().map(|i| i.weight).sum();
        if (total - 100.0).abs() > 1e-6 {
            return bad(
                format!("the weights add to {total}, not 100"),
                format!("各项指标分值合计为{total}，应为100"),
            );
        }
        let mut levels: Vec<&Threshold> = self.thresholds.iter().collect();
        levels.sort_by_key(|t| t.stars);
        let stars: Vec<i64> = levels.iter().map(|t| t.stars).collect();
        let rising = levels.windows(2).all(|w| w[0].min_score < w[1].min_score);
        if stars != [1, 2, 3, 4, 5]
            || !rising
            || levels.iter().any(|t| !(0.0..=100.0).contains(&t.min_score))
        {
            return bad(
                "one score for each of 1–5 stars, rising with the stars, within 0–100".into(),
                "应为一至五星各设一个分数线（0至100分），星级越高分数线越高".into(),
            );
        }
        if !(0..=10_000).contains(&self.min_cases) {
            return bad(
                "min_cases is 0 to 10,000".into(),
                "参评最少案件数应为0至10000".into(),
            );
        }
        Ok(())
    }
}

/// One indicator's share of a review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Points {
    pub key: String,
    pub value: Option<f64>,
    pub points: f64,
}

/// A room's computed review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub figures: Figures,
    pub score: f64,
    /// 0: not rated (too few cases, or under the lowest level).
    pub stars: i64,
    pub points: Vec<Points>,
}

/// Scores a room's year by the criteria.
pub fn review(figures: &Figures, criteria: &Criteria) -> Review {
    let points: Vec<Points> = criteria
        .indicators
        .iter()
        .map(|ind| {
            let value = figures.value(&ind.key);
            let share = match value {
                // No denominator (no written agreement to confirm …): the indicator does not
                // count against a room that worked; a room without cases earns nothing.
                None if figures.cases > 0 => 1.0,
                None => 0.0,
                Some(v) if ind.lower_is_better => {
                    if v <= ind.target {
                        1.0
                    } else {
                        (2.0 - v / ind.target).clamp(0.0, 1.0)
                    }
                }
                Some(v) => (v / ind.target).clamp(0.0, 1.0),
            };
            Points {
                key: ind.key.clone(),
                value,
                points: (share * ind.weight * 100.0).round() / 100.0,
            }
        })
        .collect();
    let score = (points.iter().map(|p| p.points).sum::<f64>() * 100.0).round() / 100.0;
    let stars = if figures.cases < criteria.min_cases {
        0
    } else {
        criteria
            .thresholds
            .iter()
            .filter(|t| score >= t.min_score)
            .map(|t| t.stars)
            .max()
            .unwrap_or(0)
    };
    Review {
        figures: *figures,
        score,
        stars,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_successful_room_earns_five_stars_and_a_poor_record_fewer() {
        let c = Criteria::default();
        c.check().unwrap();
        let good = Figures {
            cases: 40,
            ended: 40,
            settled: 38,
            performance_known: 30,
            performed: 30,
            written: 20,
            confirmations: 8,
            to_follow_up: 30,
            followed_up_on_time: 29,
            repeated: 1,
        };
        let r = review(&good, &c);
        assert_eq!(r.score, 100.0);
        assert_eq!(r.stars, 5);
        // Half the agreements performed and many repeats: fewer stars.
        let poor = Figures {
            performed: 15,
            repeated: 4,
            ..good
        };
        let r = review(&poor, &c);
        assert!(r.score < 90.0 && r.stars < 5, "{r:?}");
        let repeat = r.points.iter().find(|p| p.key == "repeat_rate").unwrap();
        assert_eq!(repeat.value, Some(0.1));
        assert_eq!(repeat.points, 0.0, "twice the target earns nothing");
        // Too few cases to judge by: not rated, whatever the score.
        let few = Figures { cases: 3, ..good };
        assert_eq!(review(&few, &c).stars, 0);
        // No cases: no points, not the points of rates that have nothing to divide.
        assert_eq!(review(&Figures::default(), &c).score, 0.0);
    }

    #[test]
    fn criteria_an_official_writes_are_checked() {
        let mut c = Criteria::default();
        c.indicators[0].weight = 25.0;
        assert!(c.check().unwrap_err().message_zh.unwrap().contains("合计"));
        let mut c = Criteria::default();
        c.indicators[1].key = "volume".into();
        assert!(c.check().is_err());
        let mut c = Criteria::default();
        c.thresholds[0].min_score = 10.0;
        assert!(c.check().is_err(), "five stars below four");
        let mut c = Criteria::default();
        c.indicators[2].target = 0.0;
        assert!(c.check().is_err());
        let json = serde_json::to_string(&Criteria::default()).unwrap();
        let back: Criteria = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Criteria::default());
    }
}
