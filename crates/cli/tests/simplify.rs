//! `borderscape simplify`: the tolerance it takes.

mod common;

use common::{assert_fails_with, borderscape, collection, square_feature};

/// Issue 37: the tolerance must be a finite number above 0 and at most the layer's extent (here
/// two 0.1° squares side by side: 0.2°); anything else is a usage error (exit 2) naming it.
#[test]
fn tolerance_is_finite_above_zero_and_within_the_layers_extent() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("j.geojson");
    let features = [
        square_feature("A", "county", None, 121.0, 31.0, 0.1),
        square_feature("B", "county", None, 121.1, 31.0, 0.1),
    ];
    std::fs::write(&input, collection(&features)).unwrap();
    let output = dir.path().join("out.geojson");
    let simplify = |tolerance: &str| {
        borderscape(&[
            "simplify",
            input.to_str().unwrap(),
            output.to_str().unwrap(),
            &format!("--tolerance={tolerance}"),
            "--quiet",
        ])
    };
    for bad in ["nan", "inf", "-inf", "0", "-0.01"] {
        assert_fails_with(
            &simplify(bad),
            2,
            &format!("invalid value '{bad}' for '--tolerance <TOLERANCE>': the tolerance must be a finite number above 0"),
        );
    }
    for large in ["1e308", "0.5"] {
        assert_fails_with(
            &simplify(large),
            2,
            &format!("--tolerance {large}: the tolerance must be above 0 and at most the layer's extent, 0.2 (in its coordinate unit)"),
        );
        assert!(!output.exists(), "{large}: an output was written");
    }
    let run = simplify("0.01");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(output.is_file());
}
