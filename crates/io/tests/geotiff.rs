//! GeoTIFF class rasters: fixtures written here (stripped and tiled; none, LZW, DEFLATE and
//! PackBits; with and without the horizontal predictor; 8 and 16 bits) read to the same cells
//! and the same exact zonal areas, which equal analytic values; bad rasters are refused with
//! the file and the TIFF tag named.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use borderscape_core::analysis::landcover::zonal::compose;
use borderscape_core::raster::ClassSource;
use borderscape_io::geotiff::GeoTiff;
use geo::{polygon, MultiPolygon};
use tiff::encoder::colortype::{Gray16, Gray8};
use tiff::encoder::compression::DeflateLevel;
use tiff::encoder::{Compression, Predictor, TiffEncoder};
use tiff::tags::Tag;

/// How a fixture stores its cells.
#[derive(Clone, Copy)]
enum Layout {
    Strips {
        rows: u32,
        compression: Compression,
        predictor: bool,
    },
    /// 16 × 16 tiles, DEFLATE when `deflate` (with the predictor), else uncompressed.
    Tiles { deflate: bool },
}

/// The georeference of a fixture.
struct Georef<'a> {
    scale: [f64; 3],
    tie: [f64; 6],
    keys: &'a [u16],
    nodata: Option<&'a str>,
}

/// UTM 51N (EPSG:32651), 100 m cells, pixel-is-area, top-left at (500000, 3401200).
const UTM_KEYS: [u16; 16] = [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32651];

fn utm<'a>() -> Georef<'a> {
    Georef {
        scale: [100.0, 100.0, 0.0],
        tie: [0.0, 0.0, 0.0, 500_000.0, 3_401_200.0, 0.0],
        keys: &UTM_KEYS,
        nodata: Some("255"),
    }
}

fn write_geotags<W: Write + std::io::Seek, K: tiff::encoder::TiffKind>(
    dir: &mut tiff::encoder::DirectoryEncoder<'_, W, K>,
    g: &Georef,
) {
    dir.write_tag(Tag::ModelPixelScaleTag, &g.scale[..])
        .unwrap();
    dir.write_tag(Tag::ModelTiepointTag, &g.tie[..]).unwrap();
    dir.write_tag(Tag::GeoKeyDirectoryTag, g.keys).unwrap();
    if let Some(n) = g.nodata {
        dir.write_tag(Tag::GdalNodata, n).unwrap();
    }
}

/// Writes `cells` (`w` × `h`, row-major) as a GeoTIFF of `bits` bits.
fn write(path: &Path, w: u32, h: u32, cells: &[u16], bits: u16, layout: Layout, g: &Georef) {
    let file = File::create(path).unwrap();
    match layout {
        Layout::Strips {
            rows,
            compression,
            predictor,
        } => {
            let mut enc = TiffEncoder::new(file)
                .unwrap()
                .with_compression(compression);
            if predictor {
                enc = enc.with_predictor(Predictor::Horizontal);
            }
            if bits == 8 {
                let data: Vec<u8> = cells.iter().map(|&c| c as u8).collect();
                let mut img = enc.new_image::<Gray8>(w, h).unwrap();
                img.rows_per_strip(rows).unwrap();
                write_geotags(img.encoder(), g);
                img.write_data(&data).unwrap();
            } else {
                let mut img = enc.new_image::<Gray16>(w, h).unwrap();
                img.rows_per_strip(rows).unwrap();
                write_geotags(img.encoder(), g);
                img.write_data(cells).unwrap();
            }
        }
        Layout::Tiles { deflate } => {
            let mut enc = TiffEncoder::new(file).unwrap();
            let mut dir = enc.image_directory().unwrap();
            let t = 16u32;
            let (across, down) = (w.div_ceil(t), h.div_ceil(t));
            let (mut offsets, mut counts) = (Vec::new(), Vec::new());
            for ty in 0..down {
                for tx in 0..across {
                    // A full tile, padded with zeros beyond the raster.
                    let mut tile: Vec<u16> = Vec::new();
                    for r in 0..t {
                        let mut row: Vec<u16> = (0..t)
                            .map(|c| {
                                let (x, y) = (tx * t + c, ty * t + r);
                                if x < w && y < h {
                                    cells[(y * w + x) as usize]
                                } else {
                                    0
                                }
                            })
                            .collect();
                        if deflate {
                            for c in (1..row.len()).rev() {
                                row[c] = row[c].wrapping_sub(row[c - 1]);
                            }
                        }
                        tile.extend(row);
                    }
                    let mut bytes: Vec<u8> = if bits == 8 {
                        tile.iter().map(|&c| c as u8).collect()
                    } else {
                        tile.iter().flat_map(|c| c.to_ne_bytes()).collect()
                    };
                    if deflate {
                        let mut z = flate2::write::ZlibEncoder::new(
                            Vec::new(),
                            flate2::Compression::default(),
                        );
                        z.write_all(&bytes).unwrap();
                        bytes = z.finish().unwrap();
                    }
                    offsets.push(dir.write_data(&bytes[..]).unwrap() as u32);
                    counts.push(bytes.len() as u32);
                }
            }
            dir.write_tag(Tag::ImageWidth, w).unwrap();
            dir.write_tag(Tag::ImageLength, h).unwrap();
            dir.write_tag(Tag::BitsPerSample, bits).unwrap();
            dir.write_tag(Tag::Compression, if deflate { 8u16 } else { 1 })
                .unwrap();
            dir.write_tag(Tag::PhotometricInterpretation, 1u16).unwrap();
            dir.write_tag(Tag::SamplesPerPixel, 1u16).unwrap();
            dir.write_tag(Tag::TileWidth, t).unwrap();
            dir.write_tag(Tag::TileLength, t).unwrap();
            dir.write_tag(Tag::TileOffsets, &offsets[..]).unwrap();
            dir.write_tag(Tag::TileByteCounts, &counts[..]).unwrap();
            dir.write_tag(Tag::SampleFormat, 1u16).unwrap();
            if deflate {
                dir.write_tag(Tag::Predictor, 2u16).unwrap();
            }
            write_geotags(&mut dir, g);
            dir.finish().unwrap();
        }
    }
}

/// 40 × 36 cells; the class is 1 + column / 10 (four classes in vertical bands of 1 km), with
/// one nodata cell (255) and, for 16 bits, class 1000 in place of 4.
fn cells(bits: u16) -> Vec<u16> {
    (0..36 * 40)
        .map(|i| match (i % 40, i / 40) {
            (5, 30) => 255,
            (c, _) if c / 10 == 3 && bits == 16 => 1000,
            (c, _) => 1 + c as u16 / 10,
        })
        .collect()
}

fn variants() -> Vec<(String, u16, Layout)> {
    let strips = |rows, compression, predictor| Layout::Strips {
        rows,
        compression,
        predictor,
    };
    vec![
        (
            "stripped, none".into(),
            8,
            strips(1, Compression::Uncompressed, false),
        ),
        (
            "stripped, DEFLATE".into(),
            8,
            strips(7, Compression::Deflate(DeflateLevel::Balanced), false),
        ),
        (
            "stripped, DEFLATE, predictor".into(),
            8,
            strips(36, Compression::Deflate(DeflateLevel::Best), true),
        ),
        (
            "stripped, LZW, predictor".into(),
            8,
            strips(5, Compression::Lzw, true),
        ),
        (
            "stripped, PackBits".into(),
            8,
            strips(3, Compression::Packbits, false),
        ),
        ("tiled, none".into(), 8, Layout::Tiles { deflate: false }),
        (
            "tiled, DEFLATE, predictor".into(),
            8,
            Layout::Tiles { deflate: true },
        ),
        (
            "16-bit stripped, LZW, predictor".into(),
            16,
            strips(4, Compression::Lzw, true),
        ),
        (
            "16-bit tiled, DEFLATE, predictor".into(),
            16,
            Layout::Tiles { deflate: true },
        ),
    ]
}

fn temp(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon {
    MultiPolygon::new(vec![
        polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)],
    ])
}

/// Two counties whose border (x = 501,555 m) cuts through cells, and whose outer sides and
/// north and south edges cut through cells too. The class areas are analytic: class k covers
/// x from 500,000 + (k−1)·1000 to 500,000 + k·1000, the nodata cell 500 m to 600 m, y 3,398,100
/// to 3,398,200.
#[test]
fn every_layout_reads_the_same_cells_and_the_analytic_areas() {
    let dir = tempfile::tempdir().unwrap();
    let (y_south, y_north) = (3_398_030.0, 3_400_970.0);
    let west = rect(500_130.0, y_south, 501_555.0, y_north);
    let east = rect(501_555.0, y_south, 503_870.0, y_north);
    let h = y_north - y_south;
    // Areas by class, m²: the overlap of each county's x-range with the class's band, times h.
    let band = |x0: f64, x1: f64, k: f64| {
        let (b0, b1) = (500_000.0 + (k - 1.0) * 1000.0, 500_000.0 + k * 1000.0);
        (x1.min(b1) - x0.max(b0)).max(0.0) * h
    };
    // The nodata cell (column 5, row 30) lies in the west county: 100 × 100 m taken from class 1.
    let expected_west = [
        band(500_130.0, 501_555.0, 1.0) - 10_000.0,
        band(500_130.0, 501_555.0, 2.0),
    ];
    let expected_east = [
        band(501_555.0, 503_870.0, 2.0),
        band(501_555.0, 503_870.0, 3.0),
        band(501_555.0, 503_870.0, 4.0),
    ];
    let mut first: Option<Vec<u16>> = None;
    for (name, bits, layout) in variants() {
        let path = temp(&dir, &format!("{}.tif", name.replace([' ', ','], "_")));
        let source = cells(bits);
        write(&path, 40, 36, &source, bits, layout, &utm());
        let tif = GeoTiff::open(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let grid = tif.grid().clone();
        assert_eq!(
            (grid.width, grid.height, grid.x0, grid.y0, grid.dx),
            (40, 36, 500_000.0, 3_401_200.0, 100.0),
            "{name}"
        );
        assert_eq!(grid.nodata, Some(255));
        let all = tif.read_rows(0, 36).unwrap();
        assert_eq!(all, source, "{name}: cells");
        // A band that starts and ends inside chunks.
        assert_eq!(
            tif.read_rows(11, 13).unwrap(),
            source[11 * 40..24 * 40],
            "{name}: rows 11..24"
        );
        let comps = compose(&tif, &[west.clone(), east.clone()]).unwrap();
        let areas = |i: usize| comps[i].classes.iter().map(|c| c.1).collect::<Vec<f64>>();
        for (got, want) in areas(0)
            .iter()
            .zip(&expected_west)
            .chain(areas(1).iter().zip(&expected_east))
        {
            assert!((got / want - 1.0).abs() < 1e-6, "{name}: {got} vs {want}");
        }
        assert_eq!(comps[0].classes.len(), 2, "{name}");
        assert_eq!(comps[1].classes.len(), 3, "{name}");
        assert!((comps[0].nodata_m2 - 10_000.0).abs() < 1e-6, "{name}");
        let key: Vec<u32> = comps
            .iter()
            .flat_map(|c| c.classes.iter().map(|x| x.0))
            .collect();
        if bits == 8 {
            assert_eq!(key, vec![1, 2, 2, 3, 4]);
            match &first {
                None => first = Some(all),
                Some(f) => assert_eq!(f, &all),
            }
        } else {
            assert_eq!(key, vec![1, 2, 2, 3, 1000]);
        }
    }
}

/// A geographic raster (WGS84, 0.01°) over the degree square 120–121° E, 30–31° N, class 1
/// north of 30.5° N and class 2 south: the areas are those of the ellipsoidal quadrangles.
/// Reference: pyproj 3.7.2 `Geod(ellps="GRS80").polygon_area_perimeter` of each quadrangle with
/// its parallels densified to 20,000 points: 5,307,792,469.28 m² (30.5–31° N) and
/// 5,334,600,969.43 m² (30–30.5° N).
#[test]
fn geographic_areas_are_ellipsoidal() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp(&dir, "degree.tif");
    let keys = [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326];
    // One cell of margin all round: 102 × 102 cells from 119.99° E, 31.01° N.
    let cells: Vec<u16> = (0..102 * 102)
        .map(|i| if i / 102 <= 50 { 1 } else { 2 })
        .collect();
    let g = Georef {
        scale: [0.01, 0.01, 0.0],
        tie: [0.0, 0.0, 0.0, 119.99, 31.01, 0.0],
        keys: &keys,
        nodata: None,
    };
    write(
        &path,
        102,
        102,
        &cells,
        8,
        Layout::Tiles { deflate: true },
        &g,
    );
    let tif = GeoTiff::open(&path).unwrap();
    let c = compose(&tif, &[rect(120.0, 30.0, 121.0, 31.0)])
        .unwrap()
        .remove(0);
    assert!(
        (c.classes[0].1 / 5_307_792_469.28 - 1.0).abs() < 1e-6,
        "{c:?}"
    );
    assert!(
        (c.classes[1].1 / 5_334_600_969.43 - 1.0).abs() < 1e-6,
        "{c:?}"
    );
}

/// Pixel-is-point ties the centre of the first cell: the grid starts half a cell up and left.
#[test]
fn pixel_is_point_shifts_by_half_a_cell() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp(&dir, "point.tif");
    let keys = [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 2, 3072, 0, 1, 32651];
    let g = Georef {
        keys: &keys,
        ..utm()
    };
    write(
        &path,
        40,
        36,
        &cells(8),
        8,
        Layout::Strips {
            rows: 8,
            compression: Compression::Uncompressed,
            predictor: false,
        },
        &g,
    );
    let grid = GeoTiff::open(&path).unwrap().grid().clone();
    assert_eq!((grid.x0, grid.y0), (499_950.0, 3_401_250.0));
}

fn refused(name: &str, bits: u16, g: &Georef, wanted: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = temp(&dir, name);
    let layout = Layout::Strips {
        rows: 8,
        compression: Compression::Uncompressed,
        predictor: false,
    };
    if bits == 32 {
        let file = File::create(&path).unwrap();
        let mut enc = TiffEncoder::new(file).unwrap();
        let mut img = enc
            .new_image::<tiff::encoder::colortype::Gray32>(4, 4)
            .unwrap();
        write_geotags(img.encoder(), g);
        img.write_data(&[0u32; 16]).unwrap();
    } else {
        write(&path, 40, 36, &cells(bits), bits, layout, g);
    }
    let e = GeoTiff::open(&path).unwrap_err().to_string();
    assert!(e.contains(name), "{e}");
    for w in wanted {
        assert!(e.contains(w), "{name}: `{w}` not in: {e}");
    }
}

#[test]
fn bad_rasters_are_refused_naming_file_and_tag() {
    // No CRS keys at all.
    refused(
        "no_crs.tif",
        8,
        &Georef {
            keys: &[1, 1, 0, 0],
            ..utm()
        },
        &["GTModelTypeGeoKey missing"],
    );
    // A user-defined geographic CRS (as GDAL writes MODIS's Clarke 1866 sphere-like datum).
    let user = [1, 1, 0, 2, 1024, 0, 1, 2, 2048, 0, 1, 32767];
    refused(
        "user_defined.tif",
        8,
        &Georef {
            keys: &user,
            ..utm()
        },
        &["GeoKeyDirectoryTag (34735)", "32767 (user-defined)"],
    );
    // A projected code the build does not know.
    let unknown = [1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 9999];
    refused(
        "unknown_epsg.tif",
        8,
        &Georef {
            keys: &unknown,
            ..utm()
        },
        &["ProjectedCSTypeGeoKey 9999"],
    );
    refused("bits32.tif", 32, &utm(), &["BitsPerSample (258)", "32-bit"]);
    refused(
        "bad_nodata.tif",
        8,
        &Georef {
            nodata: Some("-9999"),
            ..utm()
        },
        &["GDAL_NODATA (42113)"],
    );
    refused(
        "bad_scale.tif",
        8,
        &Georef {
            scale: [100.0, 0.0, 0.0],
            ..utm()
        },
        &["ModelPixelScaleTag (33550)"],
    );
    // No georeference: a plain TIFF.
    let dir = tempfile::tempdir().unwrap();
    let path = temp(&dir, "plain.tif");
    let mut enc = TiffEncoder::new(File::create(&path).unwrap()).unwrap();
    let mut img = enc.new_image::<Gray8>(4, 4).unwrap();
    img.encoder()
        .write_tag(Tag::GeoKeyDirectoryTag, &UTM_KEYS[..])
        .unwrap();
    img.write_data(&[1u8; 16]).unwrap();
    let e = GeoTiff::open(&path).unwrap_err().to_string();
    assert!(
        e.contains("plain.tif") && e.contains("no georeference") && e.contains("ModelTiepointTag"),
        "{e}"
    );
    // Wider than a band may be (1.1 million columns).
    let path = temp(&dir, "wide.tif");
    let mut enc = TiffEncoder::new(File::create(&path).unwrap()).unwrap();
    let mut img = enc.new_image::<Gray8>(1_100_000, 1).unwrap();
    write_geotags(img.encoder(), &utm());
    img.write_data(&vec![1u8; 1_100_000]).unwrap();
    let e = GeoTiff::open(&path).unwrap_err().to_string();
    assert!(
        e.contains("wide.tif") && e.contains("TileWidth (322)") && e.contains("too large"),
        "{e}"
    );
    // A tag without a value (tiff 0.10.3 panicked on an empty SampleFormat or BitsPerSample;
    // found by fuzz target geotiff, fixed by tiff 0.11).
    for tag in [Tag::SampleFormat, Tag::BitsPerSample] {
        let path = temp(&dir, "empty_tag.tif");
        let mut enc = TiffEncoder::new(File::create(&path).unwrap()).unwrap();
        let mut dir_enc = enc.image_directory().unwrap();
        dir_enc.write_tag(Tag::ImageWidth, 4u32).unwrap();
        dir_enc.write_tag(Tag::ImageLength, 4u32).unwrap();
        dir_enc
            .write_tag(Tag::PhotometricInterpretation, 1u16)
            .unwrap();
        dir_enc.write_tag(Tag::StripOffsets, 8u32).unwrap();
        dir_enc.write_tag(Tag::StripByteCounts, 16u32).unwrap();
        dir_enc.write_tag(tag, &[0u16; 0][..]).unwrap();
        dir_enc.finish().unwrap();
        let e = GeoTiff::open(&path).unwrap_err().to_string();
        assert!(
            e.contains("empty_tag.tif")
                && e.contains("not a readable TIFF")
                && !e.contains("photometric"),
            "{e}"
        );
    }
    // Not a TIFF.
    let path = temp(&dir, "text.tif");
    std::fs::write(&path, "not a tiff").unwrap();
    let e = GeoTiff::open(&path).unwrap_err().to_string();
    assert!(
        e.contains("text.tif") && e.contains("not a readable TIFF"),
        "{e}"
    );
}

/// Two years on one grid, loaded from a project (`path` and `files`): the transition areas of
/// two counties whose border cuts through cells are analytic. In 2020 the second band of
/// classes (x 501–502 km) has become class 3.
#[test]
fn transitions_between_two_years_are_analytic() {
    use borderscape_core::analysis::{find, Upstream};
    use borderscape_core::spec::Params;
    use borderscape_io::load::{load, LoadOptions};
    use borderscape_io::manifest::Project;

    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::Strips {
        rows: 8,
        compression: Compression::Lzw,
        predictor: true,
    };
    let before = cells(8);
    let after: Vec<u16> = before.iter().map(|&c| if c == 2 { 3 } else { c }).collect();
    write(
        &temp(&dir, "lc2010.tif"),
        40,
        36,
        &before,
        8,
        layout,
        &utm(),
    );
    write(&temp(&dir, "lc2020.tif"), 40, 36, &after, 8, layout, &utm());
    let (y0, y1) = (3_398_030.0, 3_400_970.0);
    let feature = |code: &str, x0: f64, x1: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"code":"{code}","name":"{code}","level":"county"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
        )
    };
    let json = format!(
        r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
        feature("w", 500_130.0, 501_555.0),
        feature("e", 501_555.0, 503_870.0)
    );
    std::fs::write(temp(&dir, "j.geojson"), json).unwrap();
    std::fs::write(
        temp(&dir, "borderscape.toml"),
        "[region]\nname = \"t\"\ncrs = \"EPSG:32651\"\n[layers.jurisdictions]\npath = \"j.geojson\"\ndatum = \"EPSG:32651\"\n\
         [layers.landcover]\npath = \"lc2020.tif\"\nyear = 2020\nscheme = \"igbp\"\nfiles = [{ path = \"lc2010.tif\", year = 2010 }]\n",
    )
    .unwrap();
    let loaded = load(Project::load(dir.path()).unwrap(), &LoadOptions::default());
    let (inputs, _, _) = loaded.into_inputs().unwrap();
    assert_eq!(
        inputs.rasters.iter().map(|l| l.year).collect::<Vec<_>>(),
        vec![2010, 2020]
    );
    let analysis = find("landcover").unwrap();
    let ran = (analysis.run)(
        &inputs,
        &Params::defaults(analysis.spec),
        &Upstream::default(),
    )
    .unwrap();
    let table = ran
        .output
        .tables
        .iter()
        .find(|t| t.name == "landcover_transitions")
        .unwrap();
    let col = |name: &str| table.column_index(name).unwrap();
    let rows: Vec<(String, i64, i64, f64)> = table
        .rows
        .iter()
        .map(|r| {
            (
                r[col("code")].to_text(),
                r[col("from_class")].as_f64().unwrap() as i64,
                r[col("to_class")].as_f64().unwrap() as i64,
                r[col("area_ha")].as_f64().unwrap(),
            )
        })
        .collect();
    let h = y1 - y0;
    let ha = |x0: f64, x1: f64| (x1 - x0) * h / 10_000.0;
    let expected = [
        ("w", 1, 1, ha(500_130.0, 501_000.0) - 1.0), // less the nodata cell (1 ha)
        ("w", 2, 3, ha(501_000.0, 501_555.0)),
        ("e", 2, 3, ha(501_555.0, 502_000.0)),
        ("e", 3, 3, ha(502_000.0, 503_000.0)),
        ("e", 4, 4, ha(503_000.0, 503_870.0)),
    ];
    assert_eq!(rows.len(), expected.len(), "{rows:?}");
    for ((code, from, to, area), (c, f, t, a)) in rows.iter().zip(expected) {
        assert_eq!((code.as_str(), *from, *to), (c, f, t));
        assert!(
            (area - a).abs() < 1e-4,
            "{code} {from}→{to}: {area} ha vs {a}"
        );
    }
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

/// A UTM GeoTIFF of `w` × `h` 8-bit DEFLATE cells in `t` × `t` tiles that all point at the same
/// stored bytes, `tile`, written once (`beyond` bytes past where they are): the shape of a bomb.
fn shared_tiles(path: &Path, (w, h): (u32, u32), t: u32, tile: &[u8], beyond: u32) {
    let mut enc = TiffEncoder::new(File::create(path).unwrap()).unwrap();
    let mut dir = enc.image_directory().unwrap();
    let offset = dir.write_data(tile).unwrap() as u32 + beyond;
    let tiles = (w.div_ceil(t) * h.div_ceil(t)) as usize;
    dir.write_tag(Tag::ImageWidth, w).unwrap();
    dir.write_tag(Tag::ImageLength, h).unwrap();
    dir.write_tag(Tag::BitsPerSample, 8u16).unwrap();
    dir.write_tag(Tag::Compression, 8u16).unwrap();
    dir.write_tag(Tag::PhotometricInterpretation, 1u16).unwrap();
    dir.write_tag(Tag::SamplesPerPixel, 1u16).unwrap();
    dir.write_tag(Tag::TileWidth, t).unwrap();
    dir.write_tag(Tag::TileLength, t).unwrap();
    dir.write_tag(Tag::TileOffsets, &vec![offset; tiles][..])
        .unwrap();
    dir.write_tag(Tag::TileByteCounts, &vec![tile.len() as u32; tiles][..])
        .unwrap();
    dir.write_tag(Tag::SampleFormat, 1u16).unwrap();
    write_geotags(&mut dir, &utm());
    dir.finish().unwrap();
}

/// Issue 37: a GeoTIFF of about 190 KB declaring 10^6 × 10^6 cells, in 8192 × 8192 tiles that
/// all point at one DEFLATE tile of zeros, kept `check` busy past 15 minutes. It is refused from
/// its tags, and so is a raster within the cell limit whose tiles claim more cells than the
/// file's bytes can hold, a tile that claims more than its own bytes can, and a tile beyond the
/// end of the file; each message names the file, the tags and the limit.
#[test]
fn raster_bombs_are_refused_from_their_tags() {
    use borderscape_io::limits::Limits;
    let dir = tempfile::tempdir().unwrap();
    let zeros = zlib(&vec![0u8; 8192 * 8192]);
    let bomb = temp(&dir, "bomb.tif");
    shared_tiles(&bomb, (1_000_000, 1_000_000), 8192, &zeros, 0);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 200_000);
    let started = std::time::Instant::now();
    let e = GeoTiff::open(&bomb).unwrap_err().to_string();
    assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());
    for wanted in [
        "bomb.tif",
        "ImageWidth (256)",
        "1000000 × 1000000 = 1000000000000 cells",
        "[limits] raster_cells = 10000000000",
        "borderscape.toml",
    ] {
        assert!(e.contains(wanted), "`{wanted}` not in: {e}");
    }
    // With the cell limit raised, the tiles' shared bytes give it away.
    let cells = Limits {
        raster_cells: u64::MAX,
        ..Limits::default()
    };
    let e = GeoTiff::open_with(&bomb, &cells).unwrap_err().to_string();
    assert!(
        e.contains("TileOffsets (324) / TileByteCounts (325)")
            && e.contains("the tiles declare 1015290003456 bytes of cells stored in 186529 bytes")
            && e.contains("[limits] decompression_ratio = 10000"),
        "{e}"
    );
    // Raising both opens it: the limits, and nothing else, refused it.
    let both = Limits {
        decompression_ratio: u64::MAX,
        ..cells
    };
    assert_eq!(
        GeoTiff::open_with(&bomb, &both).unwrap().grid().width,
        1_000_000
    );

    let within = temp(&dir, "within.tif");
    shared_tiles(&within, (100_000, 100_000), 8192, &zeros, 0);
    let e = GeoTiff::open(&within).unwrap_err().to_string();
    assert!(
        e.contains("within.tif")
            && e.contains("the tiles declare")
            && e.contains("decompression_ratio"),
        "{e}"
    );
    let one = temp(&dir, "one_tile.tif");
    shared_tiles(&one, (8192, 8192), 8192, &[0; 100], 0);
    let e = GeoTiff::open(&one).unwrap_err().to_string();
    assert!(
        e.contains("tile 0 declares 67108864 bytes of cells stored in 100 bytes (671088:1)"),
        "{e}"
    );
    let beyond = temp(&dir, "beyond.tif");
    shared_tiles(&beyond, (16, 16), 16, &zlib(&[0; 256]), 1_000_000);
    let e = GeoTiff::open(&beyond).unwrap_err().to_string();
    assert!(
        e.contains("beyond.tif") && e.contains("tile 0") && e.contains("lies outside the file"),
        "{e}"
    );
}
