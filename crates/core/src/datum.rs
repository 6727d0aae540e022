//! Chinese web-map datums: GCJ-02 ("Mars coordinates") and BD-09 (Baidu), to and from WGS84.
//!
//! Neither is an EPSG CRS. The forward transform WGS84 → GCJ-02 is the public closed formula
//! (reverse-engineered, published in many open-source projects, e.g. `eviltransform`); BD-09 is a
//! further rotation/scale on top of GCJ-02. The inverses have no closed form: they are solved here by
//! fixed-point iteration on the forward formula until the step is below 1e-7°: the error left after
//! that step is about J·1e-7° ≈ 2e-10° (J ≈ 2·10⁻³, the shift's gradient; about 0.02 mm), far
//! inside the 0.01 m the project promises. Three forward evaluations reach it for GCJ-02, where a
//! 1e-9° stopping rule took four for no useful digit.
//!
//! # Units
//! Longitude and latitude in degrees.
//!
//! # References
//! - methods.md §7 (datums used in China).
//! - `googollee/eviltransform` (public forward formula, Krasovsky 1940 ellipsoid constants).

use std::f64::consts::PI;

/// Semi-major axis of the Krasovsky 1940 ellipsoid used by the GCJ-02 formula, in metres.
const KRASOVSKY_A_M: f64 = 6_378_245.0;
/// First eccentricity squared of the Krasovsky 1940 ellipsoid.
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
/// Baidu's rotation constant (π · 3000 / 180).
const BD_X_PI: f64 = PI * 3000.0 / 180.0;

/// A horizontal datum or CRS a layer can be declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Datum {
    /// WGS84 longitude/latitude (EPSG:4326).
    Wgs84,
    /// CGCS2000 longitude/latitude (EPSG:4490); equal to WGS84 within ~0.1 m for this work.
    Cgcs2000,
    /// GCJ-02, the obfuscated datum of Amap, Tencent and most Chinese web maps.
    Gcj02,
    /// BD-09, Baidu's datum (GCJ-02 plus a further offset).
    Bd09,
    /// A projected CRS by EPSG code (e.g. 32651 UTM 51N, 4549 CGCS2000 3-degree GK CM 120E).
    Epsg(u16),
}

impl Datum {
    /// Parses `wgs84`, `cgcs2000`, `gcj02`, `bd09`, `EPSG:4326`, `EPSG:4490` or `EPSG:<projected code>`.
    pub fn parse(text: &str) -> Option<Datum> {
        let lower = text.trim().to_ascii_lowercase();
        match lower.as_str() {
            "wgs84" | "wgs-84" | "epsg:4326" => Some(Datum::Wgs84),
            "cgcs2000" | "epsg:4490" => Some(Datum::Cgcs2000),
            "gcj02" | "gcj-02" => Some(Datum::Gcj02),
            "bd09" | "bd-09" => Some(Datum::Bd09),
            _ => lower
                .strip_prefix("epsg:")
                .and_then(|code| code.parse::<u16>().ok())
                .map(Datum::Epsg),
        }
    }

    /// True for the longitude/latitude datums, whose coordinates must lie in ±180°/±90°.
    pub fn is_geographic(self) -> bool {
        !matches!(self, Datum::Epsg(_))
    }

    /// The name written back into manifests and outputs.
    pub fn name(self) -> String {
        match self {
            Datum::Wgs84 => "wgs84".into(),
            Datum::Cgcs2000 => "cgcs2000".into(),
            Datum::Gcj02 => "gcj02".into(),
            Datum::Bd09 => "bd09".into(),
            Datum::Epsg(code) => format!("EPSG:{code}"),
        }
    }
}

/// GCJ-02 applies no shift outside this box (the published formula's "out of China" test).
fn outside_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

/// The formula's latitude and longitude shifts (before scaling to degrees) at offsets x = λ − 105,
/// y = φ − 35. Each sine is computed once: sin 2πx, sin 6πx, sin πx/3 and sin πy/3 come from
/// multiple-angle identities (sin 2a = 2 sin a cos a, sin 3a = 3 sin a − 4 sin³a,
/// sin 4a = 4 sin a cos a (1 − 2 sin²a)), which are exact to rounding.
fn shifts(x: f64, y: f64) -> (f64, f64) {
    let sin4 = |(s, c): (f64, f64)| 4.0 * s * c * (1.0 - 2.0 * s * s);
    let (sx1, cx1) = (x * PI).sin_cos();
    let sx2 = 2.0 * sx1 * cx1;
    let sx6 = sx2 * (3.0 - 4.0 * sx2 * sx2);
    let x12 = (x * PI / 12.0).sin_cos();
    let sx30 = (x * PI / 30.0).sin();
    let sy1 = (y * PI).sin();
    let y12 = (y * PI / 12.0).sin_cos();
    let sy30 = (y * PI / 30.0).sin();
    let common = (20.0 * sx6 + 20.0 * sx2) * 2.0 / 3.0;
    let lat = -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * x.abs().sqrt()
        + common
        + (20.0 * sy1 + 40.0 * sin4(y12)) * 2.0 / 3.0
        + (160.0 * y12.0 + 320.0 * sy30) * 2.0 / 3.0;
    let lon = 300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * x.abs().sqrt()
        + common
        + (20.0 * sx1 + 40.0 * sin4(x12)) * 2.0 / 3.0
        + (150.0 * x12.0 + 300.0 * sx30) * 2.0 / 3.0;
    (lat, lon)
}

/// WGS84 → GCJ-02 by the public closed formula.
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if outside_china(lon, lat) {
        return (lon, lat);
    }
    let (d_lat, d_lon) = shifts(lon - 105.0, lat - 35.0);
    let (sin_lat, cos_lat) = (lat / 180.0 * PI).sin_cos();
    let magic = 1.0 - KRASOVSKY_EE * sin_lat * sin_lat;
    let sqrt_magic = magic.sqrt();
    let d_lat =
        (d_lat * 180.0) / ((KRASOVSKY_A_M * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (KRASOVSKY_A_M / sqrt_magic * cos_lat * PI);
    (lon + d_lon, lat + d_lat)
}

/// GCJ-02 → BD-09 by Baidu's public formula.
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * BD_X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * BD_X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// Inverts a forward datum shift by fixed-point iteration: the shift varies slowly (its gradient
/// is ~2·10⁻³), so each step gains two to three digits (three steps for GCJ-02); 30 is a generous cap.
fn invert(forward: impl Fn(f64, f64) -> (f64, f64), lon: f64, lat: f64) -> (f64, f64) {
    let (mut x, mut y) = (lon, lat);
    for _ in 0..30 {
        let (fx, fy) = forward(x, y);
        let (dx, dy) = (fx - lon, fy - lat);
        x -= dx;
        y -= dy;
        if dx.abs() < 1e-7 && dy.abs() < 1e-7 {
            break;
        }
    }
    (x, y)
}

/// GCJ-02 → WGS84, the iterative inverse of [`wgs84_to_gcj02`].
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    invert(wgs84_to_gcj02, lon, lat)
}

/// BD-09 → GCJ-02, the iterative inverse of [`gcj02_to_bd09`].
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    invert(gcj02_to_bd09, lon, lat)
}

/// BD-09 → WGS84.
pub fn bd09_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (glon, glat) = bd09_to_gcj02(lon, lat);
    gcj02_to_wgs84(glon, glat)
}

/// WGS84 → BD-09.
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let (glon, glat) = wgs84_to_gcj02(lon, lat);
    gcj02_to_bd09(glon, glat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Geodesic, Point};

    fn metres_between(a: (f64, f64), b: (f64, f64)) -> f64 {
        Geodesic.distance(Point::new(a.0, a.1), Point::new(b.0, b.1))
    }

    /// Published pairs from the test table of `googollee/eviltransform` (WGS84 → GCJ-02).
    #[test]
    fn forward_matches_published_pairs() {
        let cases = [
            (
                (121.5272106, 31.1774276),
                (121.531541859215, 31.17530398364597),
            ), // Shanghai
            (
                (113.912316, 22.543847),
                (113.9171764808363, 22.540796131694766),
            ), // Shenzhen
            (
                (116.377817, 39.911954),
                (116.38404722455657, 39.91334545536069),
            ), // Beijing
        ];
        for (wgs, gcj) in cases {
            let got = wgs84_to_gcj02(wgs.0, wgs.1);
            assert!(
                metres_between(got, gcj) < 1e-3,
                "{wgs:?} → {got:?}, expected {gcj:?}"
            );
        }
    }

    #[test]
    fn inverse_round_trips_to_a_centimetre_in_shanghai() {
        let wgs = (121.4737, 31.2304); // People's Square, Shanghai
        let gcj = wgs84_to_gcj02(wgs.0, wgs.1);
        let shift_m = metres_between(wgs, gcj);
        assert!(
            (400.0..700.0).contains(&shift_m),
            "GCJ-02 shift {shift_m} m"
        );
        let back = gcj02_to_wgs84(gcj.0, gcj.1);
        assert!(metres_between(back, wgs) < 0.01);
    }

    #[test]
    fn inverse_is_exact_to_a_millimetre_across_the_delta() {
        // 1e-8° is about 1 mm; the stopping rule promises about 2e-10°.
        for i in 0..=20 {
            for j in 0..=20 {
                let gcj = (115.0 + 0.4 * i as f64, 27.0 + 0.4 * j as f64);
                let wgs = gcj02_to_wgs84(gcj.0, gcj.1);
                let again = wgs84_to_gcj02(wgs.0, wgs.1);
                let error = (again.0 - gcj.0).abs().max((again.1 - gcj.1).abs());
                assert!(error < 1e-8, "{gcj:?}: {error:e}°");
            }
        }
    }

    #[test]
    fn bd09_round_trips() {
        let wgs = (120.1551, 30.2741); // Hangzhou
        let bd = wgs84_to_bd09(wgs.0, wgs.1);
        assert!(metres_between(bd, wgs) > 500.0);
        let back = bd09_to_wgs84(bd.0, bd.1);
        assert!(metres_between(back, wgs) < 0.01);
    }

    #[test]
    fn no_shift_outside_china() {
        assert_eq!(wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85));
    }

    #[test]
    fn parses_datum_names() {
        assert_eq!(Datum::parse("GCJ02"), Some(Datum::Gcj02));
        assert_eq!(Datum::parse("EPSG:4490"), Some(Datum::Cgcs2000));
        assert_eq!(Datum::parse("epsg:32651"), Some(Datum::Epsg(32651)));
        assert_eq!(Datum::parse("mars"), None);
    }
}
