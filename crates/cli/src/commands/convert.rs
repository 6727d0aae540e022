//! `borderscape convert IN OUT`: between formats and datums (e.g. Amap GCJ-02 → WGS84 GeoPackage).

use std::path::PathBuf;

use anyhow::anyhow;
use borderscape_core::datum::Datum;
use borderscape_io::geoparquet::{GeometryEncoding, WriteOptions};
use borderscape_io::gpkg::Srs;
use borderscape_io::manifest::GeometryRequirement;
use borderscape_io::outputs::OutputFile;
use borderscape_io::owned::OutputKind;
use borderscape_io::read::{read_table, ReadOptions};
use borderscape_io::transform::DatumConversion;
use borderscape_io::validate::{check_geometry, FeatureRef};
use borderscape_io::write::write_table_with;
use borderscape_io::{IoError, Problem};

use crate::context::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input layer (.geojson, .shp, .gpkg, .parquet, .csv).
    input: PathBuf,
    /// Output layer (.geojson, .gpkg, .parquet, .csv); written atomically.
    output: PathBuf,
    /// Datum of the input: wgs84, cgcs2000, gcj02, bd09 or EPSG:<code>.
    #[arg(long, default_value = "wgs84")]
    from_datum: String,
    /// Datum of the output (default: the input's).
    #[arg(long)]
    to_datum: Option<String>,
    /// GeoPackage layer to read.
    #[arg(long)]
    layer: Option<String>,
    /// DBF text encoding of a Shapefile input (gbk, utf-8, …).
    #[arg(long)]
    encoding: Option<String>,
    /// Geometry encoding of a GeoParquet output: wkb, or geoarrow (the native encoding of the
    /// layer's one geometry type).
    #[arg(long, default_value = "wkb", value_parser = parse_encoding)]
    geometry_encoding: GeometryEncoding,
    /// Rows per row group of a GeoParquet output.
    #[arg(long, default_value_t = 65_536, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    row_group_rows: u32,
}

fn parse_encoding(text: &str) -> Result<GeometryEncoding, String> {
    GeometryEncoding::parse(text).ok_or_else(|| format!("`{text}` is not wkb or geoarrow"))
}

fn parse_datum(text: &str) -> Result<Datum, Failure> {
    Datum::parse(text).ok_or_else(|| {
        Failure::Input(anyhow!(
            "`{text}` is not a datum: use wgs84, cgcs2000, gcj02, bd09 or EPSG:<code>"
        ))
    })
}

/// The EPSG code written into a GeoPackage for a datum. GCJ-02 and BD-09 have none; like every
/// tool that handles them, the file says EPSG:4326 (and `convert` prints a warning).
fn srs_for(datum: Datum) -> Srs {
    match datum {
        Datum::Epsg(code) => Srs { epsg: code },
        Datum::Cgcs2000 => Srs { epsg: 4490 },
        _ => Srs::WGS84,
    }
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let target = OutputFile::claim(&args.output, OutputKind::Layer, &[&args.input])?;
    let from = parse_datum(&args.from_datum)?;
    let to = match &args.to_datum {
        Some(t) => parse_datum(t)?,
        None => from,
    };
    let options = ReadOptions {
        layer: args.layer.clone(),
        encoding: args.encoding.clone(),
        ..Default::default()
    };
    let read = read_table(&args.input, &options)?;
    let mut problems: Vec<Problem> = read.problems;
    let table = read.table;
    for i in 0..table.len() {
        if let Some(g) = table.geometry(i) {
            let at = FeatureRef {
                file: &args.input,
                index: i,
                code: None,
            };
            problems.extend(check_geometry(
                &at,
                Some(g),
                GeometryRequirement::None,
                from,
            ));
        }
    }
    if problems.iter().any(Problem::is_error) {
        return Err(IoError::Invalid(problems).into());
    }
    let converted = if from == to {
        table
    } else {
        DatumConversion::new(from, to)?.convert_table(table)?
    };
    if matches!(to, Datum::Gcj02 | Datum::Bd09) && !ctx.quiet {
        eprintln!(
            "warning: {} has no EPSG code; outputs that record a CRS say EPSG:4326",
            to.name()
        );
    }
    let parquet = WriteOptions {
        encoding: args.geometry_encoding,
        row_group_rows: args.row_group_rows as usize,
    };
    target.write(|path| write_table_with(path, &converted, srs_for(to), &parquet))?;
    if !ctx.quiet {
        eprintln!(
            "wrote {} features to {} ({})",
            converted.len(),
            args.output.display(),
            to.name()
        );
    }
    Ok(())
}
