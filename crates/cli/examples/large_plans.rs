//! Writes a large synthetic project for the conflict benchmarks (borderscape_io::synthetic::large):
//! 10 × 10 square jurisdictions of 10 km in UTM 51N cut into square plan zones with random
//! classes, and its manifest. The Python peer (benches/peers/conflicts_peer.py) reads the same files.
//!
//! Usage: cargo run --release --example large_plans -- OUT_DIR [ZONES] [SEED]   (ZONES: 1 000 000)

use std::path::PathBuf;

use borderscape_io::gpkg::{self, Srs};
use borderscape_io::synthetic::large::large_plans;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = PathBuf::from(
        args.first()
            .ok_or("usage: large_plans OUT_DIR [ZONES] [SEED]")?,
    );
    let zones: usize = args.get(1).map_or(Ok(1_000_000), |z| z.parse())?;
    let seed: u64 = args.get(2).map_or(Ok(1), |s| s.parse())?;
    let (units, plans) = large_plans(10, zones, seed);
    let utm = Srs { epsg: 32651 };
    gpkg::write(&out.join("jurisdictions.gpkg"), &[&units], utm)?;
    gpkg::write(&out.join("plans.gpkg"), &[&plans], utm)?;
    let manifest = format!(
        r#"# SYNTHETIC benchmark project: {n} plan zones over {u} square jurisdictions (examples/large_plans.rs, seed {seed}).
[region]
name = "synthetic benchmark"
crs = "EPSG:32651"

[layers.jurisdictions]
path = "jurisdictions.gpkg"
datum = "EPSG:32651"
synthetic = true

[layers.plans]
path = "plans.gpkg"
datum = "EPSG:32651"
synthetic = true
"#,
        n = plans.len(),
        u = units.len()
    );
    std::fs::write(out.join("borderscape.toml"), manifest)?;
    eprintln!(
        "wrote {} zones over {} jurisdictions to {}",
        plans.len(),
        units.len(),
        out.display()
    );
    Ok(())
}
