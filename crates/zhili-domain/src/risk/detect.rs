//! Detectors: whether a period's count is out of the ordinary, with what was expected and the
//! bound it crossed. The methods are those of public-health surveillance (the R package
//! `surveillance`): a static threshold; EARS C1, C2 and C3 for short histories; a seasonal
//! baseline of the same kind of day; CUSUM for slow drifts.

use serde::{Deserialize, Serialize};

/// A baseline's spread is never taken below this: counts of a quiet area are often all zero,
/// and one report must not be infinitely surprising.
pub const MIN_SPREAD: f64 = 0.5;

/// EARS's alarm levels (CDC's defaults): C1 and C2 above 3 standard deviations, C3 above 2.
pub const EARS_C12_LIMIT: f64 = 3.0;
pub const EARS_C3_LIMIT: f64 = 2.0;

/// How a detector decides. Stored with the indicator (as JSON, tagged by `kind`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Detector {
    /// A breach when the count is above `limit`.
    Threshold { limit: f64 },
    /// EARS: `c1` against the 7 periods before, `c2` against the 7 before a 2-period guard,
    /// `c3` the C2 excesses of the last 3 periods summed.
    Ears { variant: EarsVariant },
    /// The same weekday (`weekday`) or the same kind of day, working or rest, on the holiday
    /// calendar (`day_kind`), over the `weeks` before; a breach above mean + `z` spreads
    /// (the spread at least the Poisson one, √mean). Daily periods only.
    Seasonal { by: Season, weeks: u32, z: f64 },
    /// Upward CUSUM of counts standardised by the `baseline` periods before the window it
    /// watches: S = max(0, S + (x − mean)/spread − k); a breach when S > h, then S restarts.
    Cusum { baseline: u32, k: f64, h: f64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EarsVariant {
    C1,
    C2,
    C3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Season {
    Weekday,
    DayKind,
}

/// A day as the seasonal baseline needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Day {
    /// 0 = Monday.
    pub weekday: u8,
    pub working: bool,
}

/// What a detector found at one period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Check {
    pub observed: f64,
    /// What the baseline expected (the threshold's limit for a threshold).
    pub expected: f64,
    /// The value above which the period breaches.
    pub bound: f64,
    pub breach: bool,
}

fn mean_spread(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt().max(MIN_SPREAD))
}

/// EARS's C1 or C2 statistic at `t`: None without its 7-period baseline.
fn ears_stat(series: &[f64], t: usize, guard: usize) -> Option<(f64, f64, f64)> {
    let end = t.checked_sub(guard)?;
    let start = end.checked_sub(7)?;
    let (mean, spread) = mean_spread(&series[start..end]);
    Some(((series[t] - mean) / spread, mean, spread))
}

impl Detector {
    /// The periods of history the detector needs before its first check.
    pub fn history(&self) -> usize {
        match self {
            Detector::Threshold { .. } => 0,
            Detector::Ears { variant } => match variant {
                EarsVariant::C1 => 7,
                EarsVariant::C2 => 9,
                EarsVariant::C3 => 11,
            },
            Detector::Seasonal { weeks, .. } => *weeks as usize * 7,
            Detector::Cusum { baseline, .. } => *baseline as usize,
        }
    }

    /// Checks every period of `series` (counts, oldest first; `days` the same periods' days,
    /// needed by a seasonal baseline): None where the history is too short.
    pub fn check(&self, series: &[f64], days: &[Day]) -> Vec<Option<Check>> {
        match self {
            Detector::Threshold { limit } => series
                .iter()
                .map(|&x| {
                    Some(Check {
                        observed: x,
                        expected: *limit,
                        bound: *limit,
                        breach: x > *limit,
                    })
                })
                .collect(),
            Detector::Ears { variant } => (0..series.len())
                .map(|t| ears(series, t, *variant))
                .collect(),
            Detector::Seasonal { by, weeks, z } => (0..series.len())
                .map(|t| seasonal(series, days, t, *by, *weeks as usize, *z))
                .collect(),
            Detector::Cusum { baseline, k, h } => cusum(series, *baseline as usize, *k, *h),
        }
    }
}

fn ears(series: &[f64], t: usize, variant: EarsVariant) -> Option<Check> {
    let x = series[t];
    match variant {
        EarsVariant::C1 | EarsVariant::C2 => {
            let guard = if variant == EarsVariant::C1 { 0 } else { 2 };
            let (stat, mean, spread) = ears_stat(series, t, guard)?;
            Some(Check {
                observed: x,
                expected: mean,
                bound: mean + EARS_C12_LIMIT * spread,
                breach: stat > EARS_C12_LIMIT,
            })
        }
        EarsVariant::C3 => {
            // The two earlier periods' excesses plus today's: the bound is today's count at
            // which the sum reaches the limit.
            let (stat, mean, spread) = ears_stat(series, t, 2)?;
            let mut before = 0.0;
            for back in 1..=2 {
                before += (ears_stat(series, t - back, 2)?.0 - 1.0).max(0.0);
            }
            let sum = before + (stat - 1.0).max(0.0);
            let room = (EARS_C3_LIMIT - before).max(0.0);
            Some(Check {
                observed: x,
                expected: mean,
                bound: mean + (1.0 + room) * spread,
                breach: sum > EARS_C3_LIMIT,
            })
        }
    }
}

fn seasonal(
    series: &[f64],
    days: &[Day],
    t: usize,
    by: Season,
    weeks: usize,
    z: f64,
) -> Option<Check> {
    let start = t.checked_sub(weeks * 7)?;
    let today = days.get(t)?;
    let same: Vec<f64> = (start..t)
        .filter(|&i| match by {
            Season::Weekday => days.get(i).is_some_and(|d| d.weekday == today.weekday),
            Season::DayKind => days.get(i).is_some_and(|d| d.working == today.working),
        })
        .map(|i| series[i])
        .collect();
    if same.len() < 2 {
        return None;
    }
    let (mean, spread) = mean_spread(&same);
    let spread = spread.max(mean.sqrt());
    let bound = mean + z * spread;
    Some(Check {
        observed: series[t],
        expected: mean,
        bound,
        breach: series[t] > bound,
    })
}

fn cusum(series: &[f64], baseline: usize, k: f64, h: f64) -> Vec<Option<Check>> {
    let mut out = vec![None; series.len().min(baseline)];
    if series.len() <= baseline {
        return out;
    }
    let (mean, spread) = mean_spread(&series[..baseline]);
    let mut s = 0.0f64;
    for &x in &series[baseline..] {
        let before = s;
        s = (s + (x - mean) / spread - k).max(0.0);
        let breach = s > h;
        out.push(Some(Check {
            observed: x,
            expected: mean,
            // The count that would take the sum over h from where it stood.
            bound: mean + (h - before + k) * spread,
            breach,
        }));
        if breach {
            s = 0.0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(n: usize) -> Vec<Day> {
        (0..n)
            .map(|i| Day {
                weekday: (i % 7) as u8,
                working: i % 7 < 5,
            })
            .collect()
    }

    fn breaches(d: &Detector, series: &[f64]) -> Vec<usize> {
        d.check(series, &plain(series.len()))
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_some_and(|c| c.breach))
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn a_threshold_breaches_above_its_limit_only() {
        let d = Detector::Threshold { limit: 3.0 };
        assert_eq!(breaches(&d, &[1.0, 3.0, 4.0, 2.0]), vec![2]);
        let c = d.check(&[4.0], &plain(1))[0].unwrap();
        assert_eq!((c.expected, c.bound), (3.0, 3.0));
    }

    #[test]
    fn ears_c1_finds_a_spike_against_the_week_before() {
        let mut series = vec![2.0, 3.0, 2.0, 4.0, 3.0, 2.0, 3.0, 3.0, 12.0, 3.0];
        let d = Detector::Ears {
            variant: EarsVariant::C1,
        };
        let checks = d.check(&series, &plain(series.len()));
        assert!(checks[..7].iter().all(Option::is_none), "no baseline yet");
        assert_eq!(breaches(&d, &series), vec![8]);
        let c = checks[8].unwrap();
        assert!((c.expected - 20.0 / 7.0).abs() < 1e-9);
        assert!(c.bound > c.expected && c.bound < 12.0);
        // A quiet area's first report is not an alarm (the spread has a floor) …
        series = vec![0.0; 10];
        series[8] = 1.0;
        assert!(breaches(&d, &series).is_empty());
        // … but a burst is.
        series[8] = 3.0;
        assert_eq!(breaches(&d, &series), vec![8]);
    }

    #[test]
    fn ears_c2_skips_the_guard_days_so_a_rising_outbreak_is_not_its_own_baseline() {
        // A ramp: C1 absorbs it into its baseline, C2 (two days' guard) still sees it.
        let series = [2.0, 2.0, 3.0, 2.0, 2.0, 3.0, 2.0, 2.0, 3.0, 6.0, 9.0, 12.0];
        let c1 = Detector::Ears {
            variant: EarsVariant::C1,
        };
        let c2 = Detector::Ears {
            variant: EarsVariant::C2,
        };
        let last = series.len() - 1;
        let one = c1.check(&series, &plain(series.len()))[last].unwrap();
        let two = c2.check(&series, &plain(series.len()))[last].unwrap();
        assert!(two.expected < one.expected);
        assert!(breaches(&c2, &series).contains(&last));
    }

    #[test]
    fn ears_c3_adds_up_moderate_excesses_over_three_days() {
        // Three days each a little high: C2 alone never fires, C3 does.
        let series = [3.0, 4.0, 3.0, 2.0, 3.0, 4.0, 3.0, 3.0, 3.0, 4.5, 4.5, 4.5];
        let c2 = Detector::Ears {
            variant: EarsVariant::C2,
        };
        let c3 = Detector::Ears {
            variant: EarsVariant::C3,
        };
        assert!(breaches(&c2, &series).is_empty());
        assert_eq!(breaches(&c3, &series), vec![11]);
        let c = c3.check(&series, &plain(series.len()))[11].unwrap();
        assert!(
            c.bound < 4.5,
            "the bound is where today tips the sum: {c:?}"
        );
    }

    #[test]
    fn a_seasonal_baseline_expects_mondays_busier_than_sundays() {
        // Four weeks: Mondays 10, other days 2; a Monday of 10 is ordinary, a Sunday of 10 is not.
        let mut series: Vec<f64> = (0..35)
            .map(|i| if i % 7 == 0 { 10.0 } else { 2.0 })
            .collect();
        let d = Detector::Seasonal {
            by: Season::Weekday,
            weeks: 4,
            z: 3.0,
        };
        assert!(breaches(&d, &series).is_empty());
        series[34] = 10.0;
        assert_eq!(breaches(&d, &series), vec![34]);
        // By kind of day: a holiday on a weekday is compared with rest days.
        let mut days = plain(35);
        days[30].working = false; // a Wednesday holiday
        series[30] = 2.0;
        let d = Detector::Seasonal {
            by: Season::DayKind,
            weeks: 4,
            z: 3.0,
        };
        let c = d.check(&series, &days)[30].unwrap();
        assert!((c.expected - 2.0).abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn cusum_catches_a_slow_drift_that_no_single_day_shows() {
        let mut series: Vec<f64> = (0..28).map(|i| [3.0, 4.0, 3.0, 2.0][i % 4]).collect();
        // A shift of one report a day: each day within three spreads of the baseline.
        series.extend(std::iter::repeat_n(4.0, 14));
        let c1 = Detector::Ears {
            variant: EarsVariant::C1,
        };
        assert!(breaches(&c1, &series).is_empty());
        let d = Detector::Cusum {
            baseline: 28,
            k: 0.5,
            h: 4.0,
        };
        let found = breaches(&d, &series);
        assert!(!found.is_empty() && found[0] > 28, "{found:?}");
        // And restarts after it speaks, so a lasting drift speaks again later, not every day.
        assert!(found.windows(2).all(|w| w[1] - w[0] > 1), "{found:?}");
    }
}
