//! Writes a large synthetic project for the rivers benchmark (borderscape_io::synthetic::large):
//! 55 × 55 square counties of 10 km in UTM 51N, a tree of about 100 000 straight reaches over
//! them, and 10 000 wastewater plants, with its manifest (99 siting permutations).
//!
//! Usage: cargo run --release --example large_rivers -- OUT_DIR [REACHES] [PLANTS] [SEED]
//! then:  /usr/bin/time -v target/release/borderscape analyze OUT_DIR --only rivers

use std::path::PathBuf;

use borderscape_io::gpkg::{self, Srs};
use borderscape_io::synthetic::large::{grid_units, large_rivers};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = PathBuf::from(
        args.first()
            .ok_or("usage: large_rivers OUT_DIR [REACHES] [PLANTS] [SEED]")?,
    );
    let reaches: usize = args.get(1).map_or(Ok(100_000), |z| z.parse())?;
    let plants: usize = args.get(2).map_or(Ok(10_000), |z| z.parse())?;
    let seed: u64 = args.get(3).map_or(Ok(1), |s| s.parse())?;
    std::fs::create_dir_all(&out)?;
    let units = grid_units(55);
    let (rivers, facilities) = large_rivers(55, reaches, plants, seed);
    let utm = Srs { epsg: 32651 };
    gpkg::write(&out.join("jurisdictions.gpkg"), &[&units], utm)?;
    gpkg::write(&out.join("rivers.gpkg"), &[&rivers], utm)?;
    gpkg::write(&out.join("facilities.gpkg"), &[&facilities], utm)?;
    let manifest = format!(
        r#"# SYNTHETIC benchmark project: {r} reaches, {p} plants over {u} square counties (examples/large_rivers.rs, seed {seed}).
[region]
name = "synthetic rivers benchmark"
crs = "EPSG:32651"

[layers.jurisdictions]
path = "jurisdictions.gpkg"
datum = "EPSG:32651"
synthetic = true

[layers.rivers]
path = "rivers.gpkg"
datum = "EPSG:32651"
synthetic = true

[layers.facilities]
path = "facilities.gpkg"
datum = "EPSG:32651"
fields = {{ type = "type", id = "id" }}
synthetic = true

[analysis.rivers]
permutations = 99
"#,
        r = rivers.len(),
        p = facilities.len(),
        u = units.len(),
    );
    std::fs::write(out.join("borderscape.toml"), manifest)?;
    println!(
        "{} reaches, {} plants, {} units in {}",
        rivers.len(),
        facilities.len(),
        units.len(),
        out.display()
    );
    Ok(())
}
