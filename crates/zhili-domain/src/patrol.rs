//! "1+X" joint defence (大院联防) patrols: a compound's route of checkpoints, each a point with a
//! geofence and a QR code, walked on a shift; each check-in judged for what it claims — at the
//! checkpoint or not, by a position too coarse to tell, reached faster than a patrol can move
//! from the last one, flagged by the phone as a mock location, scanned with the wrong code,
//! outside its shift — so a doubtful check-in is recorded as such, never silently accepted; and
//! at a shift's end, the checkpoints it missed.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

/// Faster than this between checkpoints (m/s, about 54 km/h) no patrol on foot, bicycle or
/// e-bike moves: the position is doubtful.
pub const MAX_SPEED_MPS: f64 = 15.0;
/// A position reported coarser than this (m) cannot place anyone at a checkpoint.
pub const MAX_ACCURACY_M: f64 = 100.0;
pub const MAX_CHECKPOINTS: usize = 50;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    /// The geofence around it (m).
    pub radius_m: f64,
}

/// A route: its checkpoints in walking order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub name: String,
    pub checkpoints: Vec<Checkpoint>,
}

/// Every problem of a route with its field; the names trimmed.
pub fn check_route(r: &Route) -> Result<Route, Vec<DomainError>> {
    let mut p = Vec::new();
    let mut out = r.clone();
    match crate::text::line("name", &r.name, 40) {
        Ok(n) => out.name = n,
        Err(e) => p.push(e),
    }
    if !(2..=MAX_CHECKPOINTS).contains(&r.checkpoints.len()) {
        p.push(
            DomainError::invalid("checkpoints", format!("2 to {MAX_CHECKPOINTS} checkpoints"))
                .zh("巡逻路线应有2至50个打卡点"),
        );
    }
    for (i, c) in r.checkpoints.iter().enumerate() {
        match crate::text::line(&format!("checkpoints[{i}].name"), &c.name, 40) {
            Ok(n) => out.checkpoints[i].name = n,
            Err(e) => p.push(e),
        }
        if !(c.lon.is_finite()
            && c.lat.is_finite()
            && (-180.0..=180.0).contains(&c.lon)
            && (-90.0..=90.0).contains(&c.lat))
        {
            p.push(
                DomainError::invalid(&format!("checkpoints[{i}].lon"), "a WGS84 position")
                    .zh("请在地图上选定打卡点位置"),
            );
        }
        if !(20.0..=500.0).contains(&c.radius_m) {
            p.push(
                DomainError::invalid(&format!("checkpoints[{i}].radius_m"), "20 to 500 m")
                    .zh("打卡范围应为20至500米"),
            );
        }
    }
    if p.is_empty() {
        Ok(out)
    } else {
        Err(p)
    }
}

/// Great-circle distance in metres (haversine on a 6,371 km sphere: metres of error over the
/// few kilometres of a patrol).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
    let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

/// What a check-in claims.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckIn {
    pub checkpoint: usize,
    /// When the phone took the position (Unix ms).
    pub at: i64,
    pub lon: f64,
    pub lat: f64,
    /// The position's accuracy as the phone reports it (m).
    pub accuracy_m: f64,
    /// The phone said the position may be a mock one (Android's `isMock`, a developer setting).
    pub mock_hint: bool,
    /// The QR code scanned at the checkpoint, when it was scanned.
    pub scanned: Option<String>,
}

/// Why a check-in is doubtful.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Outside the checkpoint's geofence.
    Far,
    /// The position is too coarse to place anyone at the checkpoint.
    Coarse,
    /// Reached faster than a patrol moves from the last check-in.
    TooFast,
    /// The phone flagged a mock location.
    Mocked,
    /// The QR code scanned is not this checkpoint's.
    WrongCode,
    /// Outside the shift's hours.
    OutOfShift,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Far => "far",
            Flag::Coarse => "coarse",
            Flag::TooFast => "too_fast",
            Flag::Mocked => "mocked",
            Flag::WrongCode => "wrong_code",
            Flag::OutOfShift => "out_of_shift",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Flag::Far => "不在打卡范围内",
            Flag::Coarse => "定位精度不足",
            Flag::TooFast => "移动速度异常",
            Flag::Mocked => "疑似虚拟定位",
            Flag::WrongCode => "二维码不符",
            Flag::OutOfShift => "不在排班时段",
        }
    }
}

/// The previous check-in of the shift, to judge the speed between them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Previous {
    pub at: i64,
    pub lon: f64,
    pub lat: f64,
}

/// What is doubtful about a check-in at `route.checkpoints[c.checkpoint]` on a shift of
/// [starts, ends), given the shift's previous check-in and the checkpoint's QR code.
pub fn judge(
    route: &Route,
    code: &str,
    shift: (i64, i64),
    previous: Option<Previous>,
    c: &CheckIn,
) -> Vec<Flag> {
    let mut flags = Vec::new();
    let Some(point) = route.checkpoints.get(c.checkpoint) else {
        return flags;
    };
    let d = distance_m((c.lon, c.lat), (point.lon, point.lat));
    if d > point.radius_m {
        flags.push(Flag::Far);
    }
    if !(c.accuracy_m.is_finite() && c.accuracy_m <= MAX_ACCURACY_M) {
        flags.push(Flag::Coarse);
    }
    if let Some(p) = previous {
        let seconds = (c.at - p.at) as f64 / 1000.0;
        let moved = distance_m((c.lon, c.lat), (p.lon, p.lat));
        // Within the accuracy of two fixes nobody has to move at all.
        if moved > 2.0 * MAX_ACCURACY_M && (seconds <= 0.0 || moved / seconds > MAX_SPEED_MPS) {
            flags.push(Flag::TooFast);
        }
    }
    if c.mock_hint {
        flags.push(Flag::Mocked);
    }
    if c.scanned.as_deref().is_some_and(|s| s != code) {
        flags.push(Flag::WrongCode);
    }
    if c.at < shift.0 || c.at >= shift.1 {
        flags.push(Flag::OutOfShift);
    }
    flags
}

/// The checkpoints a shift has not checked in at without a doubt, in walking order: what its
/// end warns of.
pub fn missed(route: &Route, clean: &[usize]) -> Vec<usize> {
    (0..route.checkpoints.len())
        .filter(|i| !clean.contains(i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route() -> Route {
        Route {
            name: "东门大院夜巡".into(),
            checkpoints: vec![
                Checkpoint {
                    name: "东门".into(),
                    lon: 108.77,
                    lat: 29.53,
                    radius_m: 50.0,
                },
                Checkpoint {
                    name: "车棚".into(),
                    lon: 108.772,
                    lat: 29.53,
                    radius_m: 50.0,
                },
                Checkpoint {
                    name: "后门".into(),
                    lon: 108.774,
                    lat: 29.531,
                    radius_m: 50.0,
                },
            ],
        }
    }

    fn at(checkpoint: usize, at: i64) -> CheckIn {
        let p = &route().checkpoints[checkpoint];
        CheckIn {
            checkpoint,
            at,
            lon: p.lon,
            lat: p.lat,
            accuracy_m: 10.0,
            mock_hint: false,
            scanned: None,
        }
    }

    #[test]
    fn distances_are_in_metres() {
        // 0.002° of longitude at 29.53° N is about 193.6 m.
        let d = distance_m((108.77, 29.53), (108.772, 29.53));
        assert!((d - 193.6).abs() < 1.0, "{d}");
    }

    #[test]
    fn a_route_is_checked_whole() {
        assert!(check_route(&route()).is_ok());
        let mut r = route();
        r.checkpoints.truncate(1);
        r.checkpoints[0].radius_m = 5.0;
        r.checkpoints[0].lat = 91.0;
        let fields: Vec<_> = check_route(&r)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field.unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "checkpoints",
                "checkpoints[0].lon",
                "checkpoints[0].radius_m"
            ]
        );
    }

    #[test]
    fn an_honest_walk_raises_nothing() {
        let r = route();
        let shift = (0, 3_600_000);
        assert!(judge(&r, "qr", shift, None, &at(0, 60_000)).is_empty());
        let prev = Previous {
            at: 60_000,
            lon: 108.77,
            lat: 29.53,
        };
        // 194 m in three minutes.
        assert!(judge(&r, "qr", shift, Some(prev), &at(1, 240_000)).is_empty());
    }

    #[test]
    fn doubtful_check_ins_say_why() {
        let r = route();
        let shift = (0, 3_600_000);
        let mut far = at(0, 60_000);
        far.lon += 0.001; // ~97 m off a 50 m fence
        assert_eq!(judge(&r, "qr", shift, None, &far), [Flag::Far]);
        let prev = Previous {
            at: 60_000,
            lon: 108.77,
            lat: 29.53,
        };
        // 400 m in ten seconds: 40 m/s.
        assert_eq!(
            judge(&r, "qr", shift, Some(prev), &at(2, 70_000)),
            [Flag::TooFast]
        );
        let mut faked = at(1, 4_000_000);
        faked.mock_hint = true;
        faked.accuracy_m = 500.0;
        faked.scanned = Some("other".into());
        assert_eq!(
            judge(&r, "qr", shift, None, &faked),
            [
                Flag::Coarse,
                Flag::Mocked,
                Flag::WrongCode,
                Flag::OutOfShift
            ]
        );
    }

    #[test]
    fn a_shift_misses_what_it_did_not_reach_cleanly() {
        assert_eq!(missed(&route(), &[0, 2]), [1]);
        assert!(missed(&route(), &[0, 1, 2]).is_empty());
    }
}
