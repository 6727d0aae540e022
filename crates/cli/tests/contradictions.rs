//! Issue 37: `check` names what `analyze` would misread. A file's own CRS that contradicts the
//! manifest's datum (a Shapefile's `.prj`, a GeoPackage layer's SRS, a GeoJSON `crs` member); a
//! jurisdiction mostly outside its declared parent; DBF text that is not valid in its declared
//! encoding. And Shapefile rings are organised by containment, whatever their winding.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// A polygon Shapefile `j.shp` with its `j.dbf` in `dir`: one record per shape (each a list of
/// rings, written in the order and winding given) with the text fields `code`, `name`, `level`
/// and `parent`, their bytes as given (an empty parent is none).
fn shapefile(dir: &Path, shapes: &[Vec<Vec<(f64, f64)>>], records: &[[&[u8]; 4]]) {
    assert_eq!(shapes.len(), records.len());
    let mut shp = Vec::new();
    let mut all = Vec::new();
    for (number, rings) in shapes.iter().enumerate() {
        let points: Vec<(f64, f64)> = rings.iter().flatten().copied().collect();
        all.extend(points.iter().copied());
        let mut content = 5i32.to_le_bytes().to_vec();
        content.extend(bounds(&points).iter().flat_map(|v| v.to_le_bytes()));
        content.extend((rings.len() as i32).to_le_bytes());
        content.extend((points.len() as i32).to_le_bytes());
        let mut start = 0;
        for ring in rings {
            content.extend((start as i32).to_le_bytes());
            start += ring.len();
        }
        for (x, y) in &points {
            content.extend(x.to_le_bytes());
            content.extend(y.to_le_bytes());
        }
        shp.extend((number as i32 + 1).to_be_bytes());
        shp.extend((content.len() as i32 / 2).to_be_bytes());
        shp.extend(content);
    }
    let mut header = vec![0u8; 100];
    header[..4].copy_from_slice(&9994i32.to_be_bytes());
    header[24..28].copy_from_slice((((100 + shp.len()) / 2) as i32).to_be_bytes().as_slice());
    header[28..32].copy_from_slice(&1000i32.to_le_bytes());
    header[32..36].copy_from_slice(&5i32.to_le_bytes());
    for (i, v) in bounds(&all).iter().enumerate() {
        header[36 + 8 * i..44 + 8 * i].copy_from_slice(&v.to_le_bytes());
    }
    header.extend(shp);
    std::fs::write(dir.join("j.shp"), header).unwrap();

    let names = ["code", "name", "level", "parent"];
    let width = 20u8;
    let mut dbf = vec![0x03, 124, 1, 1];
    dbf.extend((records.len() as u32).to_le_bytes());
    dbf.extend((32 + 32 * names.len() as u16 + 1).to_le_bytes());
    dbf.extend((1 + u16::from(width) * names.len() as u16).to_le_bytes());
    dbf.extend([0u8; 20]);
    for name in names {
        let mut descriptor = [0u8; 32];
        descriptor[..name.len()].copy_from_slice(name.as_bytes());
        descriptor[11] = b'C';
        descriptor[16] = width;
        dbf.extend(descriptor);
    }
    dbf.push(0x0d);
    for record in records {
        dbf.push(b' ');
        for value in record {
            let mut field = value.to_vec();
            field.resize(width.into(), b' ');
            dbf.extend(field);
        }
    }
    dbf.push(0x1a);
    std::fs::write(dir.join("j.dbf"), dbf).unwrap();
}

/// xmin, ymin, xmax, ymax.
fn bounds(points: &[(f64, f64)]) -> [f64; 4] {
    points.iter().fold(
        [f64::MAX, f64::MAX, f64::MIN, f64::MIN],
        |[a, b, c, d], (x, y)| [a.min(*x), b.min(*y), c.max(*x), d.max(*y)],
    )
}

/// A square ring, lower-left corner x, y, side `size`: clockwise (the Shapefile specification's
/// exterior winding) or counter-clockwise.
fn square(x: f64, y: f64, size: f64, clockwise: bool) -> Vec<(f64, f64)> {
    let (x2, y2) = (x + size, y + size);
    let mut ring = vec![(x, y), (x, y2), (x2, y2), (x2, y), (x, y)];
    if !clockwise {
        ring.reverse();
    }
    ring
}

fn manifest(dir: &Path, layer: &str) {
    std::fs::write(
        dir.join("borderscape.toml"),
        format!("[region]\nname = \"t\"\n[layers.jurisdictions]\n{layer}"),
    )
    .unwrap();
}

/// `check DIR --json`: its exit code and report.
fn check(dir: &Path) -> (i32, Value) {
    let run = borderscape(&["check", dir.to_str().unwrap(), "--json"]);
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    (run.code, report)
}

/// Each problem of a report's `errors` or `warnings` as `check` prints it: file, feature, field,
/// message.
fn lines(report: &Value, key: &str) -> Vec<String> {
    report[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let file = Path::new(p["file"].as_str().unwrap()).file_name().unwrap();
            let mut line = file.to_string_lossy().into_owned();
            if let Some(feature) = p["feature"].as_u64() {
                line.push_str(&format!(": feature {feature}"));
            }
            if let Some(field) = p["field"].as_str() {
                line.push_str(&format!(": field `{field}`"));
            }
            format!("{line}: {}", p["message"].as_str().unwrap())
        })
        .collect()
}

const PROVINCE: [&[u8]; 4] = [b"1", b"P", b"province", b""];
const CITY: [&[u8]; 4] = [b"11", b"C", b"city", b"1"];

const ESRI_WGS84: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
const ESRI_BEIJING54: &str = r#"GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
const ESRI_GK_120E: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

#[test]
fn a_prj_that_contradicts_the_datum_is_named() {
    let dir = tempfile::tempdir().unwrap();
    shapefile(
        dir.path(),
        &vec![vec![square(120.0, 30.0, 1.0, true)]; 2],
        &[PROVINCE, CITY],
    );
    for (prj, datum, expected) in [
        // GCJ-02 has no EPSG code: tools label it WGS 84, which says nothing against it.
        (ESRI_WGS84, "gcj02", None),
        (ESRI_WGS84, "cgcs2000", None),
        (
            ESRI_BEIJING54,
            "wgs84",
            Some(
                r#"j.prj: the file's CRS is "GCS_Beijing_1954" but [layers.jurisdictions] datum says wgs84, on an ellipsoid of axis 6378245 m and inverse flattening 298.3: set datum to the file's EPSG code (or convert the file)"#,
            ),
        ),
        (
            ESRI_GK_120E,
            "gcj02",
            Some(
                r#"j.prj: the file's CRS is "CGCS2000_3_Degree_GK_CM_120E" but [layers.jurisdictions] datum says gcj02, a projected CRS"#,
            ),
        ),
    ] {
        std::fs::write(dir.path().join("j.prj"), prj).unwrap();
        manifest(
            dir.path(),
            &format!("path = \"j.shp\"\ndatum = \"{datum}\"\n"),
        );
        let (code, report) = check(dir.path());
        let errors = lines(&report, "errors");
        match expected {
            None => assert_eq!((code, errors.len()), (0, 0), "{datum}: {errors:#?}"),
            Some(expected) => {
                assert_eq!(code, 1, "{datum}: {errors:#?}");
                assert!(
                    errors.iter().any(|e| e.starts_with(expected)),
                    "{expected}\n{errors:#?}"
                );
            }
        }
    }
    // The same zone declared by its code agrees: the .prj's parameters are the registry's. (The
    // coordinates are lon/lat, which makes no sense in it, but that is not what is checked.)
    std::fs::write(dir.path().join("j.prj"), ESRI_GK_120E).unwrap();
    manifest(dir.path(), "path = \"j.shp\"\ndatum = \"EPSG:4549\"\n");
    let (_, report) = check(dir.path());
    assert!(!report.to_string().contains("the file's CRS"), "{report:#}");
    // A .prj that is not WKT is a warning: its CRS is not checked.
    std::fs::write(dir.path().join("j.prj"), "GEOGCS[").unwrap();
    manifest(dir.path(), "path = \"j.shp\"\ndatum = \"wgs84\"\n");
    let (code, report) = check(dir.path());
    assert_eq!(code, 0, "{report:#}");
    let warnings = lines(&report, "warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("j.prj: the file's CRS cannot be read (not WKT)")),
        "{warnings:#?}"
    );
}

#[test]
fn a_geojson_crs_member_or_geopackage_srs_that_contradicts_the_datum_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let features = [
        square_feature("1", "province", None, 120.0, 30.0, 1.0),
        square_feature("11", "city", Some("1"), 120.0, 30.0, 1.0),
    ];
    let with_crs = |name: &str| {
        let text = collection(&features);
        let member = format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"{name}"}}}},"#
        );
        std::fs::write(
            dir.path().join("j.geojson"),
            text.replacen(r#"{"type":"FeatureCollection","#, &member, 1),
        )
        .unwrap();
    };
    for (name, datum, expected) in [
        ("urn:ogc:def:crs:OGC:1.3:CRS84", "gcj02", None),
        ("urn:ogc:def:crs:EPSG::4490", "wgs84", None),
        (
            "urn:ogc:def:crs:EPSG::4549",
            "wgs84",
            Some("j.geojson: field `crs`: the file's CRS is EPSG:4549 but [layers.jurisdictions] datum says wgs84: set datum = \"EPSG:4549\" (or convert the file)"),
        ),
        (
            "urn:ogc:def:crs:EPSG::4214",
            "cgcs2000",
            Some("j.geojson: field `crs`: the file's CRS is EPSG:4214 but [layers.jurisdictions] datum says cgcs2000"),
        ),
    ] {
        with_crs(name);
        manifest(dir.path(), &format!("path = \"j.geojson\"\ndatum = \"{datum}\"\n"));
        let (code, report) = check(dir.path());
        let errors = lines(&report, "errors");
        match expected {
            None => assert_eq!((code, errors.len()), (0, 0), "{name}: {errors:#?}"),
            Some(expected) => {
                assert_eq!(code, 1, "{name}: {errors:#?}");
                assert!(errors.iter().any(|e| e.starts_with(expected)), "{expected}\n{errors:#?}");
            }
        }
    }

    // A GeoPackage written in the CGCS2000 Gauss-Krüger zone, declared as lon/lat.
    std::fs::write(dir.path().join("j.geojson"), collection(&features)).unwrap();
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let run = borderscape(&[
        "convert",
        &at("j.geojson"),
        &at("j.gpkg"),
        "--to-datum",
        "EPSG:4549",
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    manifest(dir.path(), "path = \"j.gpkg\"\ndatum = \"wgs84\"\n");
    let (code, report) = check(dir.path());
    assert_eq!(code, 1);
    let why = "j.gpkg: field `srs_id`: the file's CRS is EPSG:4549 but [layers.jurisdictions] datum says wgs84: set datum = \"EPSG:4549\"";
    let errors = lines(&report, "errors");
    assert_eq!(
        errors.iter().filter(|e| e.starts_with(why)).count(),
        1,
        "{errors:#?}"
    );
    manifest(dir.path(), "path = \"j.gpkg\"\ndatum = \"EPSG:4549\"\n");
    let (code, report) = check(dir.path());
    assert_eq!(code, 0, "{report:#}");
    // Written as EPSG:4326, it may hold GCJ-02: nothing in the file can say otherwise.
    let run = borderscape(&["convert", &at("j.geojson"), &at("w.gpkg"), "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    manifest(dir.path(), "path = \"w.gpkg\"\ndatum = \"gcj02\"\n");
    let (code, report) = check(dir.path());
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn a_jurisdiction_mostly_outside_its_parent_is_named_by_check_and_refused_by_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let features = [
        square_feature("1", "province", None, 120.0, 30.0, 1.0),
        // Inside, and 40% outside: a sliver border from another source, generously.
        square_feature("11", "city", Some("1"), 120.0, 30.0, 0.5),
        square_feature("12", "city", Some("1"), 120.7, 30.0, 0.5),
        // 60% outside, and wholly elsewhere (the parent code of another province).
        square_feature("13", "city", Some("1"), 120.8, 30.5, 0.5),
        square_feature("14", "city", Some("1"), 125.0, 30.0, 0.5),
        square_feature("141", "county", Some("14"), 125.0, 30.0, 0.25),
    ];
    let project = project_with_jurisdictions(dir.path(), &collection(&features));
    let (code, report) = check(&project);
    assert_eq!(code, 1);
    assert_eq!(
        lines(&report, "errors"),
        [
            "j.geojson: feature 3: field `parent`: 60% of its area lies outside its parent 1 (more than 50% is no boundary sliver): is the parent code or the geometry wrong?",
            "j.geojson: feature 4: field `parent`: 100% of its area lies outside its parent 1 (more than 50% is no boundary sliver): is the parent code or the geometry wrong?",
        ]
    );
    assert_eq!(report["errors"][1]["code"], "14");
    let run = borderscape(&["analyze", project.to_str().unwrap(), "--quiet"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("feature 4 (code 14): field `parent`: 100% of its area"),
        "{}",
        run.stderr
    );
}

#[test]
fn dbf_text_not_valid_in_its_encoding_is_refused_naming_record_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let (suzhou, _, _) = encoding_rs::GBK.encode("苏州市");
    let (jiangsu, _, _) = encoding_rs::GBK.encode("江苏省");
    // 0xFF is no GBK (or GB18030) byte; 0xCB 0x7F no GBK pair.
    let broken: &[u8] = b"\xcb\xd5\xff";
    shapefile(
        dir.path(),
        &[
            vec![square(120.0, 30.0, 1.0, true)],
            vec![square(120.0, 30.0, 0.5, true)],
            vec![square(120.5, 30.0, 0.5, true)],
        ],
        &[
            [b"1", &jiangsu, b"province", b""],
            [b"11", broken, b"city", b"1"],
            [b"12", b"\xcb\x7f", b"city", b"1"],
        ],
    );
    std::fs::write(dir.path().join("j.cpg"), "GBK").unwrap();
    manifest(dir.path(), "path = \"j.shp\"\ndatum = \"wgs84\"\n");
    let (code, report) = check(dir.path());
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        lines(&report, "errors"),
        ["j.dbf: feature 1: field `name`: 2 value(s) are not valid GBK, the encoding the .cpg file declares: they would be read with replacement characters (U+FFFD). Repair the file, or if it is in another encoding set `encoding = \"...\"` for this layer in borderscape.toml (features 1, 2)"]
    );
    // Without the .cpg, neither UTF-8 nor GB18030 reads them.
    std::fs::remove_file(dir.path().join("j.cpg")).unwrap();
    let (code, report) = check(dir.path());
    assert_eq!(code, 1, "{report:#}");
    let errors = lines(&report, "errors");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "j.dbf: feature 1: field `name`: 2 value(s) are neither valid UTF-8 nor GB18030/GBK"
        ),
        "{errors:#?}"
    );
    // Valid GBK reads, with or without the .cpg.
    shapefile(
        dir.path(),
        &vec![vec![square(120.0, 30.0, 1.0, true)]; 2],
        &[
            [b"1", &jiangsu, b"province", b""],
            [b"11", &suzhou, b"city", b"1"],
        ],
    );
    for cpg in [false, true] {
        if cpg {
            std::fs::write(dir.path().join("j.cpg"), "GBK").unwrap();
        }
        let (code, report) = check(dir.path());
        assert_eq!(code, 0, "{report:#}");
    }
    let out = dir.path().join("out.csv");
    let run = borderscape(&[
        "convert",
        &dir.path().join("j.shp").to_string_lossy(),
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("江苏省") && text.contains("苏州市"), "{text}");
}

/// Rings by containment, as GDAL reads them: a counter-clockwise exterior alone (the specification
/// winds exteriors clockwise, ArcGIS does, other tools do not), a counter-clockwise island after a
/// clockwise one, a counter-clockwise exterior around a clockwise hole, and an island in a lake.
#[test]
fn shapefile_rings_are_organised_by_containment_not_winding() {
    let dir = tempfile::tempdir().unwrap();
    let lake = vec![
        square(120.0, 30.0, 0.9, true),
        square(120.2, 30.2, 0.5, false),
        square(120.3, 30.3, 0.1, true),
    ];
    shapefile(
        dir.path(),
        &[
            vec![square(120.0, 30.0, 1.0, false)],
            vec![
                square(120.0, 30.0, 0.4, true),
                square(120.5, 30.5, 0.4, false),
            ],
            vec![
                square(120.0, 30.0, 0.9, false),
                square(120.2, 30.2, 0.5, true),
            ],
            lake,
        ],
        &[
            PROVINCE,
            CITY,
            [b"12", b"C2", b"city", b"1"],
            [b"13", b"C3", b"city", b"1"],
        ],
    );
    manifest(dir.path(), "path = \"j.shp\"\ndatum = \"wgs84\"\n");
    let (code, report) = check(dir.path());
    assert_eq!(code, 0, "{report:#}");
    let shp = dir.path().join("j.shp");
    let out = dir.path().join("out.geojson");
    let run = borderscape(&["convert", &shp.to_string_lossy(), out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        rings_per_polygon(&out),
        [vec![1], vec![1, 1], vec![2], vec![2, 1]]
    );
    // GDAL's full method reads the same; its quicker default for Shapefiles trusts clockwise
    // exteriors and gives the second and third records a hole outside their exterior.
    let by_gdal = dir.path().join("gdal.geojson");
    let status = std::process::Command::new("ogr2ogr")
        .env("OGR_ORGANIZE_POLYGONS", "DEFAULT")
        .env("SHAPE_RESTORE_SHX", "YES")
        .args([
            "-f",
            "GeoJSON",
            by_gdal.to_str().unwrap(),
            shp.to_str().unwrap(),
        ])
        .status()
        .expect("ogr2ogr (gdal-bin) is installed by scripts/test");
    assert!(status.success());
    assert_eq!(rings_per_polygon(&by_gdal), rings_per_polygon(&out));
}

/// The rings of each polygon of each feature of a GeoJSON file.
fn rings_per_polygon(path: &Path) -> Vec<Vec<usize>> {
    let read: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    read["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let coordinates = f["geometry"]["coordinates"].as_array().unwrap();
            match f["geometry"]["type"].as_str() {
                Some("Polygon") => vec![coordinates.len()],
                _ => coordinates
                    .iter()
                    .map(|p| p.as_array().unwrap().len())
                    .collect(),
            }
        })
        .collect()
}
