//! GeoTIFF class rasters, read with the `tiff` crate a band of strips or tiles at a time, so that
//! memory stays bounded whatever the raster's size. Stripped and tiled files; no compression,
//! LZW, DEFLATE and PackBits; the horizontal predictor; 8- and 16-bit unsigned classes; GDAL's
//! nodata tag; GeoKeys for WGS84 and CGCS2000 geographic and projected EPSG codes; pixel-is-area
//! and pixel-is-point. Anything else is refused with the file and the TIFF tag named, and so is a
//! raster that declares more cells, or more cells per stored byte, than the project's [`Limits`]
//! allow: a bomb is refused from its tags, before a cell is decoded.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use borderscape_core::analysis::landcover::zonal::to_raster_crs;
use borderscape_core::crs::AnalysisCrs;
use borderscape_core::raster::scheme::SchemeProblem;
use borderscape_core::raster::{ClassSource, Grid, LandCoverLayer, RasterCrs, Scheme};
use borderscape_core::Region;
use geo::{BoundingRect, MultiPolygon};
use tiff::decoder::{ChunkType, Decoder, DecodingResult};
use tiff::tags::Tag;

use crate::error::{IoError, Problem, Severity};
use crate::limits::{over, Limits};
use crate::manifest::{LayerSection, Project};

/// A `[layers.landcover]` section opened: every year's raster (`path` and `files`), oldest
/// first, each with its file as the manifest gives it.
pub fn landcover_layers(
    project: &Project,
    section: &LayerSection,
) -> Result<Vec<(PathBuf, LandCoverLayer)>, IoError> {
    let manifest = &project.manifest_path;
    let year = section.year.ok_or_else(|| {
        IoError::file(
            manifest,
            "[layers.landcover] needs `year = ...` (the year the raster shows)",
        )
    })?;
    let scheme = section.scheme.as_deref().ok_or_else(|| {
        IoError::file(
            manifest,
            "[layers.landcover] needs `scheme = ...` (igbp, clcd, globeland30, worldcover or a CSV file: class,name,esv_row,habitat)",
        )
    })?;
    let scheme = Arc::new(landcover_scheme(project, scheme)?);
    let mut files: Vec<(PathBuf, i32)> = std::iter::once((section.path.clone(), year))
        .chain(section.files.iter().map(|f| (f.path.clone(), f.year)))
        .collect();
    files.sort_by_key(|f| f.1);
    if let Some(w) = files.windows(2).find(|w| w[0].1 == w[1].1) {
        return Err(IoError::file(
            manifest,
            format!(
                "[layers.landcover] year {} is given twice ({} and {})",
                w[0].1,
                w[0].0.display(),
                w[1].0.display()
            ),
        ));
    }
    let layers: Vec<(PathBuf, LandCoverLayer)> = files
        .into_iter()
        .map(|(file, year)| {
            let path = project.root.join(&file);
            let layer = LandCoverLayer {
                year,
                file: path.display().to_string(),
                scheme: scheme.clone(),
                source: Arc::new(GeoTiff::open_with(&path, &project.manifest.limits)?),
            };
            Ok((file, layer))
        })
        .collect::<Result<_, IoError>>()?;
    // Transitions compare cells: every year must lie on the first year's grid.
    if let Some((_, first)) = layers.first() {
        for (_, other) in &layers[1..] {
            if other.source.grid() != first.source.grid() {
                return Err(IoError::file(
                    Path::new(&other.file),
                    format!(
                        "its grid (size, origin, cell size, CRS or nodata) differs from {}'s: every year of a land-cover layer must share one grid",
                        first.file
                    ),
                ));
            }
        }
    }
    Ok(layers)
}

/// Refuses a raster that does not overlap the region's jurisdictions, naming its file.
pub fn overlapping(region: &Region, layers: &[LandCoverLayer]) -> Result<(), IoError> {
    let Some(all) = region
        .jurisdictions
        .iter()
        .filter_map(|j| j.geometry.bounding_rect())
        .reduce(borderscape_core::geometry::union_rect)
    else {
        return Ok(());
    };
    for layer in layers {
        let grid = layer.source.grid();
        let path = Path::new(&layer.file);
        let region_box = to_raster_crs(
            &MultiPolygon::new(vec![all.to_polygon()]),
            &region.crs,
            grid,
        )
        .map_err(|e| IoError::file(path, e))?
        .bounding_rect();
        let (x0, y0, x1, y1) = grid.bounds();
        let overlaps = region_box
            .is_some_and(|b| b.min().x < x1 && b.max().x > x0 && b.min().y < y1 && b.max().y > y0);
        if !overlaps {
            return Err(IoError::file(path, {
                let r = |v: f64| borderscape_core::table::round_to(v, 6);
                format!(
                    "the raster ({}, {}) – ({}, {}) does not overlap the region's jurisdictions",
                    r(x0),
                    r(y0),
                    r(x1),
                    r(y1)
                )
            }));
        }
    }
    Ok(())
}

/// Geographic CRSs a raster may use: their ellipsoids (WGS84, GRS80) differ by 0.1 mm.
const GEOGRAPHIC: [(u16, &str); 2] = [(4326, "WGS84"), (4490, "CGCS2000")];

/// The most cells of one strip or tile (128 MiB of 16-bit classes).
const MAX_CHUNK_CELLS: usize = 1 << 26;

/// An open GeoTIFF of classes.
#[derive(Debug)]
pub struct GeoTiff {
    path: PathBuf,
    grid: Grid,
    /// Chunk (strip or tile) width and height in cells, and chunks per row of chunks.
    chunk: (usize, usize),
    across: usize,
    decoder: Mutex<Decoder<BufReader<File>>>,
}

fn tag_error(path: &Path, tag: &str, message: impl std::fmt::Display) -> IoError {
    IoError::file(path, format!("TIFF tag {tag}: {message}"))
}

impl GeoTiff {
    /// Opens a GeoTIFF within the default [`Limits`] and reads its georeference; no cell is
    /// read yet.
    pub fn open(path: &Path) -> Result<GeoTiff, IoError> {
        Self::open_with(path, &Limits::default())
    }

    /// Opens a GeoTIFF within `limits` and reads its georeference; no cell is read yet.
    pub fn open_with(path: &Path, limits: &Limits) -> Result<GeoTiff, IoError> {
        let file = File::open(path).map_err(|e| IoError::file(path, e))?;
        let mut d = Decoder::new(BufReader::new(file))
            .map_err(|e| IoError::file(path, format!("not a readable TIFF: {e}")))?;
        let unsigned = |d: &mut Decoder<BufReader<File>>, tag: Tag, name: &str| {
            d.find_tag_unsigned::<u32>(tag)
                .map_err(|e| tag_error(path, name, e))
        };
        let samples = unsigned(&mut d, Tag::SamplesPerPixel, "SamplesPerPixel (277)")?.unwrap_or(1);
        if samples != 1 {
            return Err(tag_error(
                path,
                "SamplesPerPixel (277)",
                format!("{samples} samples per cell; a class raster has one"),
            ));
        }
        let bits = unsigned(&mut d, Tag::BitsPerSample, "BitsPerSample (258)")?.unwrap_or(1);
        if bits != 8 && bits != 16 {
            return Err(tag_error(
                path,
                "BitsPerSample (258)",
                format!("{bits}-bit cells are not supported (8- or 16-bit classes)"),
            ));
        }
        let format = unsigned(&mut d, Tag::SampleFormat, "SampleFormat (339)")?.unwrap_or(1);
        if format != 1 {
            return Err(tag_error(
                path,
                "SampleFormat (339)",
                format!("format {format} is not supported (unsigned integer classes, format 1)"),
            ));
        }
        let compression = unsigned(&mut d, Tag::Compression, "Compression (259)")?.unwrap_or(1);
        if ![1, 5, 8, 32946, 32773].contains(&compression) {
            return Err(tag_error(
                path,
                "Compression (259)",
                format!(
                    "compression {compression} is not supported (none, LZW, DEFLATE, PackBits)"
                ),
            ));
        }
        let predictor = unsigned(&mut d, Tag::Predictor, "Predictor (317)")?.unwrap_or(1);
        if predictor > 2 {
            return Err(tag_error(
                path,
                "Predictor (317)",
                format!("predictor {predictor} is not supported (none or horizontal)"),
            ));
        }
        let (width, height) = d
            .dimensions()
            .map_err(|e| tag_error(path, "ImageWidth (256)", e))?;
        let cells = u64::from(width) * u64::from(height) * u64::from(samples);
        if cells > limits.raster_cells {
            return Err(tag_error(
                path,
                "ImageWidth (256) / ImageLength (257)",
                format!(
                    "the raster declares {width} × {height} = {cells} cells, {}",
                    over("raster_cells", limits.raster_cells)
                ),
            ));
        }
        let (width, height) = (width as usize, height as usize);
        let keys = geokeys(&mut d, path)?;
        let key = |id: u16| keys.iter().find(|k| k.0 == id).map(|k| k.1);
        let crs = match key(1024) {
            Some(2) => match key(2048) {
                Some(code) if GEOGRAPHIC.iter().any(|g| g.0 == code) => RasterCrs::Geographic { epsg: code },
                other => return Err(tag_error(path, "GeoKeyDirectoryTag (34735)", format!(
                    "GeographicTypeGeoKey {}: only EPSG:4326 (WGS84) and EPSG:4490 (CGCS2000) geographic rasters are supported", describe(other)))),
            },
            Some(1) => match key(3072) {
                Some(code) if code != 32767 && AnalysisCrs::from_epsg(code).is_ok() => RasterCrs::Projected { epsg: code },
                other => return Err(tag_error(path, "GeoKeyDirectoryTag (34735)", format!(
                    "ProjectedCSTypeGeoKey {}: not a projected EPSG code this build knows", describe(other)))),
            },
            other => return Err(tag_error(path, "GeoKeyDirectoryTag (34735)", format!(
                "GTModelTypeGeoKey {}: the raster is neither geographic (2) nor projected (1)", describe(other)))),
        };
        let f64s = |d: &mut Decoder<BufReader<File>>,
                    tag: Tag,
                    name: &str|
         -> Result<Option<Vec<f64>>, IoError> {
            d.find_tag(tag)
                .and_then(|v| v.map(|v| v.into_f64_vec()).transpose())
                .map_err(|e| tag_error(path, name, e))
        };
        let scale = f64s(
            &mut d,
            Tag::ModelPixelScaleTag,
            "ModelPixelScaleTag (33550)",
        )?;
        let tie = f64s(&mut d, Tag::ModelTiepointTag, "ModelTiepointTag (33922)")?;
        let transform = f64s(
            &mut d,
            Tag::ModelTransformationTag,
            "ModelTransformationTag (34264)",
        )?;
        // (x, y) of the tie point, the raster (column, row) it ties, and the cell size.
        let (mut x0, mut y0, dx, dy) = match (scale, tie, transform) {
            (Some(s), Some(t), _) if s.len() >= 2 && t.len() >= 6 => (t[3] - t[0] * s[0], t[4] + t[1] * s[1], s[0], s[1]),
            (_, _, Some(m)) if m.len() >= 8 => {
                if m[1] != 0.0 || m[4] != 0.0 {
                    return Err(tag_error(path, "ModelTransformationTag (34264)", "rotated or sheared rasters are not supported"));
                }
                (m[3], m[7], m[0], -m[5])
            }
            _ => return Err(IoError::file(path, "the raster has no georeference: TIFF tags ModelPixelScaleTag (33550) and ModelTiepointTag (33922), or ModelTransformationTag (34264), are missing")),
        };
        if !(dx > 0.0
            && dy > 0.0
            && dx.is_finite()
            && dy.is_finite()
            && x0.is_finite()
            && y0.is_finite())
        {
            return Err(tag_error(
                path,
                "ModelPixelScaleTag (33550)",
                format!("cell size {dx} × {dy}: a north-up raster has positive, finite cell sizes"),
            ));
        }
        // Pixel-is-point ties cell centres: the corner is half a cell up and left (as GDAL reads it).
        if key(1025) == Some(2) {
            x0 -= dx / 2.0;
            y0 += dy / 2.0;
        }
        let nodata = match d
            .find_tag(Tag::GdalNodata)
            .and_then(|v| v.map(|v| v.into_string()).transpose())
        {
            Ok(None) => None,
            Ok(Some(text)) => {
                let text = text.trim_end_matches('\0').trim();
                Some(text.parse::<u16>().map_err(|_| {
                    tag_error(
                        path,
                        "GDAL_NODATA (42113)",
                        format!("`{text}` is not a class value (0–65535)"),
                    )
                })?)
            }
            Err(e) => return Err(tag_error(path, "GDAL_NODATA (42113)", e)),
        };
        let (cw, ch) = d.chunk_dimensions();
        let (cw, ch) = (cw as usize, ch as usize);
        if cw == 0 || ch == 0 {
            return Err(tag_error(
                path,
                "RowsPerStrip (278) / TileLength (323)",
                "empty strips or tiles",
            ));
        }
        // A band is decoded whole: refuse chunks (and rows) that no band could hold.
        if cw.saturating_mul(ch) > MAX_CHUNK_CELLS || width > MAX_CHUNK_CELLS / 64 {
            return Err(tag_error(
                path,
                "RowsPerStrip (278) / TileWidth (322) / TileLength (323)",
                format!("strips or tiles of {cw} × {ch} cells in a raster {width} wide are too large to read a band at a time (at most {MAX_CHUNK_CELLS} cells per chunk and {} columns)", MAX_CHUNK_CELLS / 64),
            ));
        }
        let across = match d.get_chunk_type() {
            ChunkType::Strip => 1,
            ChunkType::Tile => width.div_ceil(cw),
        };
        check_chunks(&mut d, path, (width, height), (cw, ch), bits / 8, limits)?;
        Ok(GeoTiff {
            path: path.to_path_buf(),
            grid: Grid {
                width,
                height,
                x0,
                y0,
                dx,
                dy,
                crs,
                nodata,
            },
            chunk: (cw, ch),
            across,
            decoder: Mutex::new(d),
        })
    }
}

/// Refuses strips or tiles whose bytes lie outside the file, or that declare more bytes of cells
/// than their stored bytes can hold at the ratio the limits allow, one by one and all together
/// (chunks that share their bytes, as a bomb's do, count the file's bytes once). Decoding is
/// bounded on its own: the decoder fills a chunk's declared size and reads no further.
fn check_chunks(
    d: &mut Decoder<BufReader<File>>,
    path: &Path,
    (width, height): (usize, usize),
    (cw, ch): (usize, usize),
    bytes_per_cell: u32,
    limits: &Limits,
) -> Result<(), IoError> {
    let strips = matches!(d.get_chunk_type(), ChunkType::Strip);
    let (what, offsets_tag, counts_tag, tags) = if strips {
        (
            "strip",
            Tag::StripOffsets,
            Tag::StripByteCounts,
            "StripOffsets (273) / StripByteCounts (279)",
        )
    } else {
        (
            "tile",
            Tag::TileOffsets,
            Tag::TileByteCounts,
            "TileOffsets (324) / TileByteCounts (325)",
        )
    };
    let file_len = d
        .inner()
        .get_ref()
        .metadata()
        .map_err(|e| IoError::file(path, e))?
        .len();
    let offsets = d
        .get_tag_u64_vec(offsets_tag)
        .map_err(|e| tag_error(path, tags, e))?;
    let counts = d
        .get_tag_u64_vec(counts_tag)
        .map_err(|e| tag_error(path, tags, e))?;
    let ratio = |declared: u64, stored: u64| declared / stored.max(1);
    let (mut declared, mut stored) = (0u64, 0u64);
    for (i, (&offset, &count)) in offsets.iter().zip(&counts).enumerate() {
        if offset.checked_add(count).is_none_or(|end| end > file_len) {
            return Err(tag_error(
                path,
                tags,
                format!("{what} {i} ({count} bytes at {offset}) lies outside the file of {file_len} bytes"),
            ));
        }
        let cells = if strips {
            width * ch.min(height.saturating_sub(i * ch))
        } else {
            cw * ch
        };
        let bytes = cells as u64 * u64::from(bytes_per_cell);
        if bytes > limits.expanded(count) {
            return Err(tag_error(
                path,
                tags,
                format!(
                    "{what} {i} declares {bytes} bytes of cells stored in {count} bytes ({}:1), {}",
                    ratio(bytes, count),
                    over("decompression_ratio", limits.decompression_ratio)
                ),
            ));
        }
        declared = declared.saturating_add(bytes);
        stored = stored.saturating_add(count);
    }
    let stored = stored.min(file_len);
    if declared > limits.expanded(stored) {
        return Err(tag_error(
            path,
            tags,
            format!(
                "the {what}s declare {declared} bytes of cells stored in {stored} bytes of the file ({}:1), {}",
                ratio(declared, stored),
                over("decompression_ratio", limits.decompression_ratio)
            ),
        ));
    }
    Ok(())
}

fn describe(code: Option<u16>) -> String {
    match code {
        None => "missing".into(),
        Some(32767) => "32767 (user-defined)".into(),
        Some(c) => c.to_string(),
    }
}

/// The GeoKeys with a short value (key id, value): those that name the model and the CRS.
fn geokeys(d: &mut Decoder<BufReader<File>>, path: &Path) -> Result<Vec<(u16, u16)>, IoError> {
    let name = "GeoKeyDirectoryTag (34735)";
    let dir = d
        .find_tag(Tag::GeoKeyDirectoryTag)
        .and_then(|v| v.map(|v| v.into_u16_vec()).transpose())
        .map_err(|e| tag_error(path, name, e))?
        .ok_or_else(|| IoError::file(path, format!("the raster has no georeference: TIFF tag {name} is missing, so its CRS is unknown")))?;
    if dir.len() < 4 {
        return Err(tag_error(path, name, "shorter than its header"));
    }
    let count = dir[3] as usize;
    let entries = dir
        .get(4..4 + 4 * count)
        .ok_or_else(|| tag_error(path, name, format!("declares {count} keys but holds fewer")))?;
    Ok(entries
        .chunks_exact(4)
        .filter(|k| k[1] == 0)
        .map(|k| (k[0], k[3]))
        .collect())
}

impl ClassSource for GeoTiff {
    fn grid(&self) -> &Grid {
        &self.grid
    }

    fn band_rows(&self) -> usize {
        self.chunk.1
    }

    fn read_rows(&self, row0: usize, rows: usize) -> Result<Vec<u16>, String> {
        let (w, (cw, ch)) = (self.grid.width, self.chunk);
        let mut out = vec![0u16; rows * w];
        let mut d = self
            .decoder
            .lock()
            .map_err(|_| "the reader failed before".to_string())?;
        let end = (row0 + rows).min(self.grid.height);
        for chunk_row in row0 / ch..end.div_ceil(ch) {
            for across in 0..self.across {
                let index = (chunk_row * self.across + across) as u32;
                let data = match d.read_chunk(index) {
                    Ok(DecodingResult::U8(v)) => v.into_iter().map(u16::from).collect(),
                    Ok(DecodingResult::U16(v)) => v,
                    Ok(_) => {
                        return Err(format!(
                            "{}: chunk {index}: not 8- or 16-bit unsigned",
                            self.path.display()
                        ))
                    }
                    Err(e) => {
                        return Err(format!("{}: strip/tile {index}: {e}", self.path.display()))
                    }
                };
                let (dw, dh) = d.chunk_data_dimensions(index);
                let (dw, dh) = (dw as usize, dh as usize);
                if data.len() < dw * dh {
                    return Err(format!(
                        "{}: strip/tile {index} is short",
                        self.path.display()
                    ));
                }
                let col0 = across * cw;
                for r in 0..dh {
                    let row = chunk_row * ch + r;
                    if row < row0 || row >= end {
                        continue;
                    }
                    let n = dw.min(w.saturating_sub(col0));
                    out[(row - row0) * w + col0..][..n].copy_from_slice(&data[r * dw..][..n]);
                }
            }
        }
        Ok(out)
    }
}

/// The class scheme of a `[layers.landcover]` section: a built-in name, or a CSV file (a path
/// relative to the manifest, ending in `.csv`) with the columns `class,name,esv_row,habitat`.
pub fn landcover_scheme(project: &Project, scheme: &str) -> Result<Scheme, IoError> {
    if !scheme.to_ascii_lowercase().ends_with(".csv") {
        return Scheme::built_in(scheme).map_err(|e| {
            IoError::file(
                &project.manifest_path,
                format!("[layers.landcover] {e}, or a CSV file of your own (class,name,esv_row,habitat)"),
            )
        });
    }
    let path = project.root.join(scheme);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        IoError::file(
            &path,
            format!("the land-cover scheme of [layers.landcover] cannot be read: {e}"),
        )
    })?;
    Scheme::from_csv(scheme, &text)
        .map_err(|found| IoError::Invalid(found.iter().map(|p| scheme_problem(&path, p)).collect()))
}

/// A problem of a user scheme as a validation problem of its file.
pub(crate) fn scheme_problem(path: &Path, p: &SchemeProblem) -> Problem {
    match p.record {
        Some(i) => Problem::feature(Severity::Error, path, i, None, p.field, p.message.clone()),
        None => Problem::file(Severity::Error, path, p.message.clone()),
    }
}
