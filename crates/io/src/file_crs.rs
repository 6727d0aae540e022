//! The CRS a layer file declares for itself (a Shapefile's `.prj`, a GeoPackage layer's SRS, a
//! GeoJSON `crs` member, a GeoParquet column's CRS) against the `datum` the manifest gives the
//! layer. The manifest decides how coordinates are read, so a file that says otherwise would be
//! read in the wrong system: that is an error `check` names.
//!
//! What agrees:
//! - `wgs84`, `cgcs2000`, `gcj02` and `bd09` accept EPSG:4326 and 4490 (OGC:CRS84 is 4326), or a
//!   WKT without code that is longitude/latitude on the WGS 84 or CGCS2000 ellipsoid. WGS84 and
//!   CGCS2000 agree within ~0.1 m here. GCJ-02 and BD-09 have no EPSG code, so GDAL, QGIS and the
//!   map providers' exports label them EPSG:4326: the label cannot tell them from WGS84 and only
//!   the manifest can. Any other code, another ellipsoid (Beijing 1954, Xian 1980) or a
//!   projection contradicts them.
//! - `EPSG:<code>` accepts that code, or a WKT without code (ESRI's and GDAL's `.prj` carry none)
//!   of the same kind as the registry's definition, on the same ellipsoid, whose projection
//!   parameters (central meridian, false easting, …) equal the registry's where both name them:
//!   a Beijing 1954 zone or the zone-prefixed false easting of the neighbouring code differs.
//!
//! A declaration that cannot be read is a warning, its CRS unchecked; none at all (no `.prj`, no
//! `crs` member, a GeoPackage's undefined SRS 0 or -1) is nothing to check.

use std::path::{Path, PathBuf};

use borderscape_core::crs::epsg_wkt;
use borderscape_core::datum::Datum;
use serde_json::Value;

use crate::error::{IoError, Problem, Severity};
use crate::manifest::LayerKind;
use crate::read::Format;
use crate::wkt::Node;

/// A CRS as a file declares it.
#[derive(Debug, Clone, PartialEq)]
enum Crs {
    /// By EPSG code.
    Epsg(u32),
    /// By a WKT without an EPSG code at its root.
    Wkt(Definition),
}

/// What a WKT says, as far as agreement needs it.
#[derive(Debug, Clone, PartialEq)]
struct Definition {
    name: String,
    projected: bool,
    /// Semi-major axis (metres) and inverse flattening.
    ellipsoid: Option<(f64, f64)>,
    /// Projection parameters, names lower-case.
    parameters: Vec<(String, f64)>,
}

/// Where a file declares its CRS, and what it declares (or why that cannot be read).
#[derive(Debug)]
pub struct Declaration {
    file: PathBuf,
    /// The member or column holding it, when the file is more than the declaration.
    field: Option<&'static str>,
    crs: Result<Crs, String>,
}

/// The CRS a layer file declares; `None` when it declares none. `layer` picks a GeoPackage's
/// layer as the reader does.
pub fn declared(path: &Path, layer: Option<&str>) -> Result<Option<Declaration>, IoError> {
    let at = |file: &Path, field, crs| {
        Some(Declaration {
            file: file.to_path_buf(),
            field,
            crs,
        })
    };
    Ok(match Format::from_path(path) {
        Some(Format::Shapefile) => {
            let prj = path.with_extension("prj");
            match std::fs::metadata(&prj) {
                Err(_) => None,
                // Registry definitions are under 2 KB; a larger file is not a CRS to parse.
                Ok(meta) if meta.len() > 64 * 1024 => at(
                    &prj,
                    None,
                    Err(format!("{} bytes, not a CRS definition", meta.len())),
                ),
                Ok(_) => {
                    let bytes = std::fs::read(&prj).map_err(|e| IoError::file(&prj, e))?;
                    at(&prj, None, from_wkt(&String::from_utf8_lossy(&bytes)))
                }
            }
        }
        Some(Format::GeoJson) => {
            geojson_member(path)?.and_then(|member| at(path, Some("crs"), from_geojson(&member)))
        }
        Some(Format::GeoPackage) => crate::gpkg::layer_srs(path, layer)?
            .as_ref()
            .and_then(from_gpkg)
            .and_then(|crs| at(path, Some("srs_id"), crs)),
        Some(Format::GeoParquet) => crate::geoparquet::epsg(path)?
            .and_then(|code| at(path, None, Ok(Crs::Epsg(code.into())))),
        Some(Format::Csv) | None => None,
    })
}

impl Declaration {
    /// An error when the declared CRS contradicts `datum`, the datum of `[layers.<kind>]`; a
    /// warning when the declaration cannot be read.
    pub fn disagreement(&self, kind: LayerKind, datum: Datum) -> Option<Problem> {
        let section = format!("[layers.{}] datum", kind.name());
        let problem = |severity, message: String| Problem {
            field: self.field.map(str::to_string),
            ..Problem::file(severity, &self.file, message)
        };
        let crs = match &self.crs {
            Ok(crs) => crs,
            Err(why) => {
                return Some(problem(
                    Severity::Warning,
                    format!("the file's CRS cannot be read ({why}); it is not checked against {section} = {}", datum.name()),
                ))
            }
        };
        let why = contradiction(crs, datum)?;
        let (what, fix) = match crs {
            Crs::Epsg(code) => (
                format!("EPSG:{code}"),
                format!("set datum = \"EPSG:{code}\" (or convert the file)"),
            ),
            Crs::Wkt(definition) => (
                format!("\"{}\"", definition.name),
                "set datum to the file's EPSG code (or convert the file)".to_string(),
            ),
        };
        Some(problem(
            Severity::Error,
            format!(
                "the file's CRS is {what} but {section} says {}{why}: {fix}",
                datum.name()
            ),
        ))
    }
}

/// Why `crs` contradicts `datum` (an empty reason when the EPSG codes say it all), or `None`
/// when it agrees or the registry does not know the manifest's code.
fn contradiction(crs: &Crs, datum: Datum) -> Option<String> {
    let expected = match datum {
        Datum::Epsg(code) => code,
        Datum::Wgs84 | Datum::Cgcs2000 | Datum::Gcj02 | Datum::Bd09 => 4326,
    };
    let definition = match crs {
        Crs::Epsg(code) if datum.is_geographic() => {
            return (!matches!(code, 4326 | 4490)).then(String::new)
        }
        Crs::Epsg(code) => return (*code != u32::from(expected)).then(String::new),
        Crs::Wkt(definition) => definition,
    };
    let registry = definition_of(epsg_wkt(expected)?)?;
    if definition.projected != registry.projected {
        return Some(if definition.projected {
            ", a projected CRS".into()
        } else {
            ", longitude/latitude".into()
        });
    }
    if let (Some(a), Some(b)) = (definition.ellipsoid, registry.ellipsoid) {
        // WGS 84 and CGCS2000 differ by 1.2e-6 in inverse flattening; Krasovsky (Beijing 1954)
        // and IAG 1975 (Xian 1980) by metres in the axis.
        if (a.0 - b.0).abs() > 0.5 || (a.1 - b.1).abs() > 1e-3 {
            return Some(format!(
                ", on an ellipsoid of axis {} m and inverse flattening {}",
                a.0, a.1
            ));
        }
    }
    definition.parameters.iter().find_map(|(name, value)| {
        let (_, theirs) = registry.parameters.iter().find(|(n, _)| n == name)?;
        let tolerance = 1e-6 * value.abs().max(theirs.abs()).max(1.0);
        ((value - theirs).abs() > tolerance)
            .then(|| format!(", whose {name} is {value} where EPSG:{expected}'s is {theirs}"))
    })
}

/// The `crs` member of a GeoJSON file (`None` without one, or with `"crs": null`, which means
/// "unknown"). The text is searched before it is parsed: almost no file has one.
fn geojson_member(path: &Path) -> Result<Option<Value>, IoError> {
    #[derive(serde::Deserialize)]
    struct Top {
        crs: Option<Value>,
    }
    let text = std::fs::read_to_string(path).map_err(|e| IoError::file(path, e))?;
    if !text.contains("\"crs\"") {
        return Ok(None);
    }
    // A document the reader refused never gets here; this one has been parsed once already.
    Ok(serde_json::from_str::<Top>(&text)
        .ok()
        .and_then(|top| top.crs))
}

/// A GeoJSON `crs` member: `{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}`
/// (as GDAL writes it), or the 2008 draft's `{"type": "EPSG", "properties": {"code": 4490}}`.
fn from_geojson(member: &Value) -> Result<Crs, String> {
    let properties = &member["properties"];
    match member["type"].as_str() {
        Some("name") => {
            let name = properties["name"].as_str().unwrap_or_default();
            let upper = name.to_ascii_uppercase();
            if upper.ends_with("CRS84") || upper.ends_with("CRS:84") {
                return Ok(Crs::Epsg(4326));
            }
            upper
                .contains("EPSG")
                .then(|| upper.rsplit([':', '/']).next()?.parse().ok())
                .flatten()
                .map(Crs::Epsg)
                .ok_or_else(|| format!("the name `{name}` is not an EPSG or OGC CRS84 URN"))
        }
        Some(kind) if kind.eq_ignore_ascii_case("epsg") => properties["code"]
            .as_u64()
            .or_else(|| properties["code"].as_str()?.parse().ok())
            .and_then(|c| u32::try_from(c).ok())
            .map(Crs::Epsg)
            .ok_or_else(|| "an EPSG crs without a numeric code".into()),
        Some(kind) => Err(format!("a `{kind}` crs member is not followed")),
        None => Err("a crs member without `type`".into()),
    }
}

/// A GeoPackage layer's SRS; `None` for the spec's undefined systems (srs_id 0 and -1, or
/// organization NONE), which borderscape itself writes for coordinates without an EPSG code.
fn from_gpkg(srs: &crate::gpkg::LayerSrs) -> Option<Result<Crs, String>> {
    let organization = srs.organization.as_deref().unwrap_or_default();
    if matches!(srs.srs_id, 0 | -1) || organization.eq_ignore_ascii_case("NONE") {
        return None;
    }
    Some(match (&srs.organization, srs.code) {
        (None, _) => Err(format!(
            "srs_id {} is not in gpkg_spatial_ref_sys",
            srs.srs_id
        )),
        (Some(org), Some(code)) if org.eq_ignore_ascii_case("EPSG") => u32::try_from(code)
            .map(Crs::Epsg)
            .map_err(|_| format!("EPSG code {code}")),
        _ => from_wkt(srs.definition.as_deref().unwrap_or_default()),
    })
}

/// A WKT (1 or 2) CRS: its root EPSG code when it has one, else what its definition says.
fn from_wkt(text: &str) -> Result<Crs, String> {
    let root = Node::parse(text.trim().trim_start_matches('\u{feff}')).ok_or("not WKT")?;
    if let Some(code) = root.epsg() {
        return Ok(Crs::Epsg(code));
    }
    definition(&root)
        .map(Crs::Wkt)
        .ok_or_else(|| format!("a {} is not a geographic or projected CRS", root.keyword))
}

fn definition_of(wkt: &str) -> Option<Definition> {
    definition(&Node::parse(wkt)?)
}

fn definition(root: &Node) -> Option<Definition> {
    let projected = match root.keyword.to_ascii_uppercase().as_str() {
        "GEOGCS" | "GEOGCRS" | "GEOGRAPHICCRS" | "GEODCRS" | "GEODETICCRS" => false,
        "PROJCS" | "PROJCRS" | "PROJECTEDCRS" => true,
        _ => return None,
    };
    let ellipsoid = root
        .find(&["SPHEROID", "ELLIPSOID"])
        .and_then(|e| Some((e.number(1)?, e.number(2)?)));
    // WKT1 lists the parameters on the root, WKT2 in its CONVERSION.
    let conversion = root.children("CONVERSION").next().unwrap_or(root);
    let parameters = conversion
        .children("PARAMETER")
        .filter_map(|p| {
            Some((
                p.text(0)?.to_ascii_lowercase().replace(' ', "_"),
                p.number(1)?,
            ))
        })
        .collect();
    Some(Definition {
        name: root.text(0).unwrap_or_default().to_string(),
        projected,
        ellipsoid,
        parameters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESRI_GK_120E: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    const ESRI_WGS84: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    const ESRI_CGCS2000: &str = r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    const ESRI_BEIJING54: &str = r#"GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;

    fn agrees(wkt: &str, datum: &str) -> bool {
        contradiction(&from_wkt(wkt).unwrap(), Datum::parse(datum).unwrap()).is_none()
    }

    #[test]
    fn codeless_wkt_is_compared_by_kind_ellipsoid_and_parameters() {
        for datum in ["wgs84", "cgcs2000", "gcj02", "bd09"] {
            assert!(agrees(ESRI_WGS84, datum), "{datum}");
            assert!(agrees(ESRI_CGCS2000, datum), "{datum}");
            assert!(!agrees(ESRI_BEIJING54, datum), "{datum}");
            assert!(!agrees(ESRI_GK_120E, datum), "{datum}");
        }
        assert!(agrees(ESRI_GK_120E, "EPSG:4549"));
        // The neighbouring zone, and the same zone with the zone number in the false easting.
        assert!(!agrees(ESRI_GK_120E, "EPSG:4550"));
        assert!(!agrees(ESRI_GK_120E, "EPSG:4528"));
        assert!(!agrees(ESRI_WGS84, "EPSG:4549"));
        let beijing_zone = ESRI_GK_120E
            .replace("6378137.0,298.257222101", "6378245.0,298.3")
            .replace("D_China_2000", "D_Beijing_1954");
        assert!(!agrees(&beijing_zone, "EPSG:4549"));
    }

    #[test]
    fn codes_are_read_from_wkt_geojson_and_compared() {
        let registry = epsg_wkt(4549).unwrap();
        assert_eq!(from_wkt(registry), Ok(Crs::Epsg(4549)));
        let wkt2 = r#"GEOGCRS["CGCS2000",DATUM["China 2000",ELLIPSOID["CGCS2000",6378137,298.257222101]],CS[ellipsoidal,2],AXIS["latitude",north],AXIS["longitude",east],ANGLEUNIT["degree",0.0174532925199433],ID["EPSG",4490]]"#;
        assert_eq!(from_wkt(wkt2), Ok(Crs::Epsg(4490)));
        let name = |n: &str| serde_json::json!({"type": "name", "properties": {"name": n}});
        for (member, code) in [
            (name("urn:ogc:def:crs:EPSG::4549"), 4549),
            (name("EPSG:4490"), 4490),
            (name("urn:ogc:def:crs:OGC:1.3:CRS84"), 4326),
            (name("http://www.opengis.net/def/crs/EPSG/0/32651"), 32651),
            (
                serde_json::json!({"type": "EPSG", "properties": {"code": 4326}}),
                4326,
            ),
        ] {
            assert_eq!(from_geojson(&member), Ok(Crs::Epsg(code)), "{member}");
        }
        assert!(from_geojson(&name("urn:x:local")).is_err());
        assert!(from_geojson(&serde_json::json!({"type": "link"})).is_err());
        let gcj02 = Datum::Gcj02;
        assert_eq!(contradiction(&Crs::Epsg(4326), gcj02), None);
        assert_eq!(contradiction(&Crs::Epsg(4490), Datum::Wgs84), None);
        assert!(contradiction(&Crs::Epsg(4214), gcj02).is_some());
        assert!(contradiction(&Crs::Epsg(4549), Datum::Cgcs2000).is_some());
        assert_eq!(contradiction(&Crs::Epsg(4549), Datum::Epsg(4549)), None);
        assert!(contradiction(&Crs::Epsg(4326), Datum::Epsg(4549)).is_some());
    }

    #[test]
    fn hostile_wkt_is_refused() {
        let deep = format!("{}{}", "A[".repeat(100_000), "]".repeat(100_000));
        assert!(from_wkt(&deep).is_err());
        for text in [
            "",
            "GEOGCS[",
            "GEOGCS[\"x\"",
            "[]",
            "GEOGCS[\"x\"]]",
            "GEOGCS[1e999999x]",
            "COMPD_CS[\"x\"]",
        ] {
            assert!(from_wkt(text).is_err(), "{text}");
        }
        assert_eq!(
            from_wkt(r#"GEOGCS["a ""b""",SPHEROID["s",6378137,298.257223563]]"#)
                .map(|c| matches!(c, Crs::Wkt(d) if d.name == "a \"b\"")),
            Ok(true)
        );
    }
}
