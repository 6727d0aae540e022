//! The CRS of a GeoParquet column as PROJJSON (GeoParquet 1.1 §crs), built from the EPSG
//! registry's WKT1 without PROJ: geographic CRSs and Transverse Mercator projections (every
//! CGCS2000 Gauss-Krüger zone and UTM), which is what Chinese planning data uses. Readers (PROJ
//! through GeoPandas and GDAL) identify the CRS by its `id`; the body makes it usable without one.

use serde_json::{json, Value};

use borderscape_core::crs::epsg_wkt;

use crate::wkt::{Arg, Node};

/// The PROJJSON of `EPSG:code`, or why it cannot be written.
pub fn projjson(code: u16) -> Result<Value, String> {
    let wkt = epsg_wkt(code).ok_or_else(|| format!("EPSG:{code} has no known definition"))?;
    let root = Node::parse(wkt).ok_or_else(|| format!("EPSG:{code}: unreadable WKT"))?;
    let mut crs = match root.keyword.as_str() {
        "GEOGCS" => geographic(&root)?,
        "PROJCS" => projected(&root)?,
        other => {
            return Err(format!(
                "EPSG:{code} is a {other}, which GeoParquet output does not support"
            ))
        }
    };
    crs["$schema"] = json!("https://proj.org/schemas/v0.7/projjson.schema.json");
    crs["id"] = json!({ "authority": "EPSG", "code": code });
    Ok(crs)
}

/// The EPSG code of a PROJJSON CRS, from its `id` (or its only `ids` entry).
pub fn epsg_code(crs: &Value) -> Option<u16> {
    let id = crs.get("id").or_else(|| crs.get("ids")?.get(0))?;
    if !id.get("authority")?.as_str()?.eq_ignore_ascii_case("EPSG") {
        return None;
    }
    let code = id.get("code")?;
    code.as_u64()
        .or_else(|| code.as_str()?.parse().ok())
        .and_then(|c| u16::try_from(c).ok())
}

fn geographic(gcs: &Node) -> Result<Value, String> {
    let datum = gcs.child("DATUM").ok_or("a GEOGCS without DATUM")?;
    let spheroid = datum.child("SPHEROID").ok_or("a DATUM without SPHEROID")?;
    let number = |i: usize| {
        spheroid
            .number(i)
            .ok_or("a SPHEROID without its parameters")
    };
    let axis = |name: &str, abbreviation: &str, direction: &str| json!({ "name": name, "abbreviation": abbreviation, "direction": direction, "unit": "degree" });
    let mut crs = json!({
        "type": "GeographicCRS",
        "name": gcs.name(),
        "datum": {
            "type": "GeodeticReferenceFrame",
            "name": datum.name().replace('_', " "),
            "ellipsoid": {
                "name": spheroid.name(),
                "semi_major_axis": number(1)?,
                "inverse_flattening": number(2)?,
            },
        },
        "coordinate_system": {
            "subtype": "ellipsoidal",
            "axis": [
                axis("Geodetic latitude", "Lat", "north"),
                axis("Geodetic longitude", "Lon", "east"),
            ],
        },
    });
    if let Some(code) = gcs.epsg().and_then(|c| u16::try_from(c).ok()) {
        crs["id"] = json!({ "authority": "EPSG", "code": code });
    }
    Ok(crs)
}

/// WKT1 parameter names of Transverse Mercator → EPSG names, codes and units.
const TRANSVERSE_MERCATOR: [(&str, &str, u16, &str); 5] = [
    (
        "latitude_of_origin",
        "Latitude of natural origin",
        8801,
        "degree",
    ),
    (
        "central_meridian",
        "Longitude of natural origin",
        8802,
        "degree",
    ),
    (
        "scale_factor",
        "Scale factor at natural origin",
        8805,
        "unity",
    ),
    ("false_easting", "False easting", 8806, "metre"),
    ("false_northing", "False northing", 8807, "metre"),
];

fn projected(pcs: &Node) -> Result<Value, String> {
    let base = geographic(pcs.child("GEOGCS").ok_or("a PROJCS without GEOGCS")?)?;
    let method = pcs.child("PROJECTION").map(Node::name).unwrap_or_default();
    if method != "Transverse_Mercator" {
        return Err(format!(
            "{}: projection {method} is not supported in GeoParquet output (Transverse Mercator is); write .gpkg or convert to EPSG:4326",
            pcs.name()
        ));
    }
    if pcs.child("UNIT").map(Node::name) != Some("metre".to_string()) {
        return Err(format!("{}: only metre units are supported", pcs.name()));
    }
    let parameters = TRANSVERSE_MERCATOR
        .iter()
        .map(|(wkt_name, name, code, unit)| {
            let value = pcs
                .children("PARAMETER")
                .find(|p| p.name() == *wkt_name)
                .and_then(|p| p.number(1))
                .ok_or_else(|| format!("{}: no {wkt_name}", pcs.name()))?;
            Ok(json!({ "name": name, "value": value, "unit": unit, "id": { "authority": "EPSG", "code": code } }))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let axis = |name: &str, abbreviation: &str, direction: &str| json!({ "name": name, "abbreviation": abbreviation, "direction": direction, "unit": "metre" });
    // The registry's axis order, from AXIS where the WKT1 has it; without, the CGCS2000
    // Gauss-Krüger zones list northing first (X north, Y east), the others easting first. Data is always x =
    // easting (GeoParquet ignores the axis order); PROJ needs it to recognise the registry's CRS.
    let easting = axis(
        "Easting",
        if base["id"]["code"] == 4490 { "Y" } else { "E" },
        "east",
    );
    let northing = axis(
        "Northing",
        if base["id"]["code"] == 4490 { "X" } else { "N" },
        "north",
    );
    let northing_first = match pcs.children("AXIS").next() {
        Some(first) => matches!(&first.args.get(1), Some(Arg::Text(d)) if d == "NORTH"),
        None => base["id"]["code"] == 4490,
    };
    let axes = if northing_first {
        [northing, easting]
    } else {
        [easting, northing]
    };
    let name = pcs.name();
    // EPSG names a conversion after the part of the CRS name behind the datum ("UTM zone 50N").
    let conversion = name
        .split_once(" / ")
        .map_or(name.as_str(), |(_, c)| c)
        .to_string();
    Ok(json!({
        "type": "ProjectedCRS",
        "name": name,
        "base_crs": base,
        "conversion": {
            "name": conversion,
            "method": { "name": "Transverse Mercator", "id": { "authority": "EPSG", "code": 9807 } },
            "parameters": parameters,
        },
        "coordinate_system": { "subtype": "Cartesian", "axis": axes },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgcs2000_gauss_kruger_zone_has_its_parameters() {
        let crs = projjson(4549).unwrap();
        assert_eq!(crs["type"], "ProjectedCRS");
        assert_eq!(crs["base_crs"]["id"]["code"], 4490);
        assert_eq!(
            crs["base_crs"]["datum"]["ellipsoid"]["inverse_flattening"],
            298.257222101
        );
        let lon0 = &crs["conversion"]["parameters"][1];
        assert_eq!(
            (lon0["id"]["code"].as_u64(), lon0["value"].as_f64()),
            (Some(8802), Some(120.0))
        );
        assert_eq!(crs["conversion"]["parameters"][3]["value"], 500000.0);
        assert_eq!(epsg_code(&crs), Some(4549));
    }

    #[test]
    fn geographic_crs_and_unsupported_projections() {
        let wgs84 = projjson(4326).unwrap();
        assert_eq!(
            (wgs84["type"].as_str(), epsg_code(&wgs84)),
            (Some("GeographicCRS"), Some(4326))
        );
        assert_eq!(wgs84["datum"]["ellipsoid"]["semi_major_axis"], 6378137.0);
        // Web Mercator is not Transverse Mercator: refused with the reason, not mislabelled.
        let err = projjson(3857).unwrap_err();
        assert!(err.contains("not supported"), "{err}");
        assert_eq!(
            epsg_code(&json!({"id": {"authority": "OGC", "code": "CRS84"}})),
            None
        );
    }
}
