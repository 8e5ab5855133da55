//! Gaming caught (考核数据异常): a unit that closes a burst of events, or whose residents'
//! ratings turn suddenly better, in the last days before a period ends is flagged for the
//! reviewers — not scored down: a flag is a question, answered by looking at the cases.
//!
//! Each period (a quarter of the assessment year) is split into its final window and the days
//! before it, the unit's own baseline. Closures and ratings are counts: the window's is tested
//! against the baseline rate with the Poisson upper tail. The share rated satisfied is a
//! proportion: the window's against the baseline's with a two-proportion z-test. Small numbers
//! flag nothing.

use serde::{Deserialize, Serialize};

/// The final days of a period that are watched.
pub const WINDOW_DAYS: i64 = 10;
/// A count flags only from this many in the window, at this many times the expected number and
/// with this small a chance of arising at the baseline rate.
pub const MIN_BURST: u32 = 10;
pub const BURST_RATIO: f64 = 2.5;
pub const BURST_P: f64 = 0.001;
/// The satisfied share flags only with this many ratings on each side, a rise of this much
/// and a z of this much.
pub const MIN_RATINGS: u32 = 15;
pub const SHARE_RISE: f64 = 0.10;
pub const SHARE_Z: f64 = 3.0;

/// A unit's tally of one day (days since 1970-01-01, China time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Day {
    pub day: i64,
    pub closed: u32,
    pub rated: u32,
    pub satisfied: u32,
}

crate::vocabulary!(
    /// What looks wrong.
    Signal, SIGNALS {
        ClosureBurst = ("closure_burst", "期末集中办结"),
        RatingBurst = ("rating_burst", "期末集中评价"),
        SatisfactionJump = ("satisfaction_jump", "期末满意率骤升"),
    }
);

/// A flag: the signal, the window it was seen in ([from, to) days), what was observed and
/// what the baseline leads one to expect, and how unlikely that is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub signal: Signal,
    pub from: i64,
    pub to: i64,
    pub observed: f64,
    pub expected: f64,
    /// The Poisson tail probability (counts) or the z score (shares).
    pub strength: f64,
    /// The reason in words, for the reviewer.
    pub detail: String,
}

/// ln(k!) exactly for small k, by Stirling's series beyond.
fn ln_factorial(k: u32) -> f64 {
    if k < 2 {
        return 0.0;
    }
    if k < 100 {
        return (2..=k).map(|i| (i as f64).ln()).sum();
    }
    let n = k as f64;
    n * n.ln() - n + 0.5 * (2.0 * std::f64::consts::PI * n).ln() + 1.0 / (12.0 * n)
        - 1.0 / (360.0 * n.powi(3))
}

/// P(X ≥ k) for X ~ Poisson(lambda).
pub fn poisson_tail(k: u32, lambda: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    // 1 − P(X ≤ k − 1), summed in log space; for a k far above lambda sum the tail upwards
    // instead, where the terms fall fast.
    let pmf = |i: u32| (-lambda + i as f64 * lambda.ln() - ln_factorial(i)).exp();
    if (k as f64) > lambda {
        let mut sum = 0.0;
        let mut i = k;
        loop {
            let p = pmf(i);
            sum += p;
            if p < sum * 1e-12 || i > k + 10_000 {
                break;
            }
            i += 1;
        }
        sum.min(1.0)
    } else {
        (1.0 - (0..k).map(pmf).sum::<f64>()).clamp(0.0, 1.0)
    }
}

/// The flags of one period [start, end) from a unit's days (any order, days outside ignored).
pub fn flags(days: &[Day], start: i64, end: i64) -> Vec<Flag> {
    let from = (end - WINDOW_DAYS).max(start);
    let base_days = (from - start) as f64;
    if base_days < WINDOW_DAYS as f64 {
        return Vec::new();
    }
    let sum = |lo: i64, hi: i64, f: fn(&Day) -> u32| -> u32 {
        days.iter()
            .filter(|d| (lo..hi).contains(&d.day))
            .map(f)
            .sum()
    };
    let mut out = Vec::new();
    let scale = WINDOW_DAYS as f64 / base_days;
    for (signal, f, what) in [
        (
            Signal::ClosureBurst,
            (|d: &Day| d.closed) as fn(&Day) -> u32,
            "办结",
        ),
        (Signal::RatingBurst, |d: &Day| d.rated, "群众评价"),
    ] {
        let observed = sum(from, end, f);
        let expected = sum(start, from, f) as f64 * scale;
        if observed < MIN_BURST || (observed as f64) < BURST_RATIO * expected.max(1.0) {
            continue;
        }
        // A baseline of nothing still allows the odd case: half a case over the window.
        let p = poisson_tail(observed, expected.max(0.5));
        if p < BURST_P {
            out.push(Flag {
                signal,
                from,
                to: end,
                observed: observed as f64,
                expected: (expected * 10.0).round() / 10.0,
                strength: p,
                detail: format!(
                    "期末 {WINDOW_DAYS} 天{what} {observed} 件，按此前日均应约 {:.1} 件（{:.1} 倍）",
                    expected,
                    observed as f64 / expected.max(0.5)
                ),
            });
        }
    }
    let (rated_w, sat_w) = (sum(from, end, |d| d.rated), sum(from, end, |d| d.satisfied));
    let (rated_b, sat_b) = (
        sum(start, from, |d| d.rated),
        sum(start, from, |d| d.satisfied),
    );
    if rated_w >= MIN_RATINGS && rated_b >= MIN_RATINGS {
        let (pw, pb) = (sat_w as f64 / rated_w as f64, sat_b as f64 / rated_b as f64);
        let pooled = (sat_w + sat_b) as f64 / (rated_w + rated_b) as f64;
        let se = (pooled * (1.0 - pooled) * (1.0 / rated_w as f64 + 1.0 / rated_b as f64)).sqrt();
        let z = if se > 0.0 { (pw - pb) / se } else { 0.0 };
        if pw - pb >= SHARE_RISE && z >= SHARE_Z {
            out.push(Flag {
                signal: Signal::SatisfactionJump,
                from,
                to: end,
                observed: (pw * 1000.0).round() / 10.0,
                expected: (pb * 1000.0).round() / 10.0,
                strength: (z * 100.0).round() / 100.0,
                detail: format!(
                    "期末 {WINDOW_DAYS} 天满意率 {:.1}%（{sat_w}/{rated_w}），此前 {:.1}%（{sat_b}/{rated_b}），z = {z:.1}",
                    pw * 100.0,
                    pb * 100.0
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steady(start: i64, end: i64, closed: u32, rated: u32, satisfied: u32) -> Vec<Day> {
        (start..end)
            .map(|day| Day {
                day,
                closed,
                rated,
                satisfied,
            })
            .collect()
    }

    #[test]
    fn the_poisson_tail_is_right_at_both_ends() {
        assert!((poisson_tail(1, 1.0) - (1.0 - (-1.0f64).exp())).abs() < 1e-12);
        assert!((poisson_tail(3, 2.0) - 0.323_323_583_8).abs() < 1e-9);
        assert!(poisson_tail(40, 5.0) < 1e-15);
        assert_eq!(poisson_tail(0, 3.0), 1.0);
        assert!((poisson_tail(500, 500.0) - 0.5119).abs() < 0.01);
    }

    #[test]
    fn a_steady_unit_is_not_flagged_and_a_burst_before_the_end_is() {
        let (start, end) = (0, 90);
        let days = steady(start, end, 2, 1, 1);
        assert!(
            flags(&days, start, end).is_empty(),
            "steady work flags nothing"
        );
        let mut burst = steady(start, end - 10, 2, 1, 1);
        burst.extend(steady(end - 10, end, 7, 1, 1));
        let f = flags(&burst, start, end);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].signal, f[0].observed, f[0].expected),
            (Signal::ClosureBurst, 70.0, 20.0)
        );
        assert!(f[0].detail.contains("3.5 倍"), "{}", f[0].detail);
        // Small numbers flag nothing, however sharp the rise.
        let mut few = steady(start, end - 10, 0, 0, 0);
        few.push(Day {
            day: end - 2,
            closed: 9,
            rated: 0,
            satisfied: 0,
        });
        assert!(flags(&few, start, end).is_empty());
    }

    #[test]
    fn ratings_turning_better_at_the_end_are_flagged() {
        let (start, end) = (0, 90);
        // 60% satisfied all quarter, then 30 ratings all satisfied in the last ten days.
        let mut days = steady(start, end - 10, 2, 5, 3);
        days.extend(steady(end - 10, end, 2, 3, 3));
        let f = flags(&days, start, end);
        let jump = f
            .iter()
            .find(|f| f.signal == Signal::SatisfactionJump)
            .expect("flagged");
        assert_eq!((jump.observed, jump.expected), (100.0, 60.0));
        assert!(jump.strength >= SHARE_Z);
        // The same share throughout is not.
        let days = steady(start, end, 2, 5, 3);
        assert!(flags(&days, start, end)
            .iter()
            .all(|f| f.signal != Signal::SatisfactionJump));
    }

    #[test]
    fn a_period_too_short_for_a_baseline_flags_nothing() {
        let days = steady(0, 15, 9, 9, 9);
        assert!(flags(&days, 0, 15).is_empty());
    }
}
