//! WGS84 / GCJ-02 / BD-09. Chinese phones and web maps often report GCJ-02 ("Mars"
//! coordinates) or Baidu's BD-09; we accept all three and store WGS84 (≈ CGCS2000 here).

use std::f64::consts::PI;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crs {
    Wgs84,
    Gcj02,
    Bd09,
}

impl Crs {
    /// Every name a coordinate system is known by, in lower and upper case (CGCS2000 is
    /// WGS 84 to within centimetres).
    pub const NAMES: [(&'static str, Crs); 16] = [
        ("wgs84", Crs::Wgs84),
        ("WGS84", Crs::Wgs84),
        ("wgs-84", Crs::Wgs84),
        ("WGS-84", Crs::Wgs84),
        ("epsg:4326", Crs::Wgs84),
        ("EPSG:4326", Crs::Wgs84),
        ("cgcs2000", Crs::Wgs84),
        ("CGCS2000", Crs::Wgs84),
        ("gcj02", Crs::Gcj02),
        ("GCJ02", Crs::Gcj02),
        ("gcj-02", Crs::Gcj02),
        ("GCJ-02", Crs::Gcj02),
        ("bd09", Crs::Bd09),
        ("BD09", Crs::Bd09),
        ("bd-09", Crs::Bd09),
        ("BD-09", Crs::Bd09),
    ];

    pub fn parse(s: &str) -> Option<Crs> {
        Crs::NAMES.iter().find(|(n, _)| *n == s).map(|&(_, c)| c)
    }

    /// Converts (lon, lat) in this system to WGS84.
    pub fn to_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Crs::Wgs84 => (lon, lat),
            Crs::Gcj02 => gcj02_to_wgs84(lon, lat),
            Crs::Bd09 => {
                let (glon, glat) = bd09_to_gcj02(lon, lat);
                gcj02_to_wgs84(glon, glat)
            }
        }
    }

    pub fn from_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Crs::Wgs84 => (lon, lat),
            Crs::Gcj02 => wgs84_to_gcj02(lon, lat),
            Crs::Bd09 => {
                let (glon, glat) = wgs84_to_gcj02(lon, lat);
                gcj02_to_bd09(glon, glat)
            }
        }
    }
}

const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;
const X_PI: f64 = PI * 3000.0 / 180.0;

/// The GCJ-02 offset applies inside mainland China only.
fn outside_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn delta_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn delta_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if outside_china(lon, lat) {
        return (lon, lat);
    }
    let mut dlat = delta_lat(lon - 105.0, lat - 35.0);
    let mut dlon = delta_lon(lon - 105.0, lat - 35.0);
    let radlat = lat / 180.0 * PI;
    let magic = 1.0 - EE * radlat.sin() * radlat.sin();
    let sqrt_magic = magic.sqrt();
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    dlon = (dlon * 180.0) / (A / sqrt_magic * radlat.cos() * PI);
    (lon + dlon, lat + dlat)
}

/// The inverse has no closed form; a few fixed-point steps reach 1e-9° (0.1 mm).
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if outside_china(lon, lat) {
        return (lon, lat);
    }
    let (mut wlon, mut wlat) = (lon, lat);
    for _ in 0..30 {
        let (glon, glat) = wgs84_to_gcj02(wlon, wlat);
        let (dx, dy) = (lon - glon, lat - glat);
        wlon += dx;
        wlat += dy;
        if dx.abs() < 1e-10 && dy.abs() < 1e-10 {
            break;
        }
    }
    (wlon, wlat)
}

pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.000_02 * (lat * X_PI).sin();
    let theta = lat.atan2(lon) + 0.000_003 * (lon * X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// The usual closed-form inverse is off by ~5 cm; refining it against the forward
/// transform brings it under 0.1 mm.
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = (lon - 0.0065, lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.000_02 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000_003 * (x * X_PI).cos();
    let (mut glon, mut glat) = (z * theta.cos(), z * theta.sin());
    for _ in 0..10 {
        let (blon, blat) = gcj02_to_bd09(glon, glat);
        let (dx, dy) = (lon - blon, lat - blat);
        glon += dx;
        glat += dy;
        if dx.abs() < 1e-11 && dy.abs() < 1e-11 {
            break;
        }
    }
    (glon, glat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcj_offset_is_a_few_hundred_metres_in_qianjiang() {
        let (lon, lat) = (108.7708, 29.5330);
        let (glon, glat) = wgs84_to_gcj02(lon, lat);
        let dx = (glon - lon) * 111_320.0 * lat.to_radians().cos();
        let dy = (glat - lat) * 110_574.0;
        let d = (dx * dx + dy * dy).sqrt();
        assert!((100.0..800.0).contains(&d), "offset {d} m");
    }

    #[test]
    fn round_trips_are_sub_millimetre() {
        for &(lon, lat) in &[
            (108.7708, 29.5330),
            (108.5, 29.2),
            (109.0, 29.8),
            (116.4, 39.9),
        ] {
            for crs in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
                let (x, y) = crs.from_wgs84(lon, lat);
                let (bx, by) = crs.to_wgs84(x, y);
                assert!(
                    (bx - lon).abs() < 1e-8 && (by - lat).abs() < 1e-8,
                    "{crs:?} {lon},{lat} -> {bx},{by}"
                );
            }
        }
    }

    #[test]
    fn known_reference_point() {
        // Tiananmen, a widely published pair: WGS84 (116.391275, 39.907172) ≈ GCJ-02 (116.397520, 39.908571).
        let (glon, glat) = wgs84_to_gcj02(116.391275, 39.907172);
        assert!(
            (glon - 116.397520).abs() < 2e-5 && (glat - 39.908571).abs() < 2e-5,
            "{glon},{glat}"
        );
    }

    #[test]
    fn outside_china_is_unchanged() {
        assert_eq!(wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85));
        assert_eq!(Crs::Gcj02.to_wgs84(-74.0, 40.7), (-74.0, 40.7));
    }

    #[test]
    fn parses_names() {
        assert_eq!(Crs::parse("WGS84"), Some(Crs::Wgs84));
        assert_eq!(Crs::parse("gcj02"), Some(Crs::Gcj02));
        assert_eq!(Crs::parse("bd09"), Some(Crs::Bd09));
        assert_eq!(Crs::parse("utm"), None);
    }
}
