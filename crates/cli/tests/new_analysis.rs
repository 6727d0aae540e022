//! Issue 39: an analysis added through the public contract alone (this file) runs, its typed
//! summary serialises into summary.json and reads back, and the report gives it a section with
//! its outputs and results. In the project the same analysis takes three places: its module,
//! a line in `analysis::REGISTRY` and its words in `crates/report/data/labels.tsv`.

use std::collections::BTreeMap;

use borderscape_core::analysis::{Analysis, AnalysisModule, AnalysisOutput, Upstream, REGISTRY};
use borderscape_core::crs::AnalysisCrs;
use borderscape_core::shared_borders::borders_at_level;
use borderscape_core::spec::{AnalysisSpec, OutputSpec, Params};
use borderscape_core::table::{Column, ColumnType, Table};
use borderscape_core::{AnalysisError, Inputs, Jurisdiction, Level, Region};
use borderscape_io::pipeline::{summary, Finished};
use borderscape_report::{render_with, Lang};
use geo::{polygon, MultiPolygon};
use serde::{Deserialize, Serialize};

/// Shared border length per level (km).
struct BorderLength;

/// What the analysis reports: km of shared border per level.
#[derive(Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
struct BorderLengthSummary {
    /// Shared border length per level (km).
    km_by_level: BTreeMap<String, f64>,
}

fn columns() -> Vec<Column> {
    vec![
        Column::text("level", "administrative level"),
        Column::new(
            "length_km",
            ColumnType::Real,
            Some("km"),
            "shared border length",
        ),
    ]
}

static SPEC: AnalysisSpec = AnalysisSpec {
    name: "border_length",
    title: "Border length by level",
    description: "Shared border length per administrative level.",
    requires: &["jurisdictions"],
    requires_any: &[],
    reads: &[],
    depends_on: &[],
    params: &[],
    outputs: &[OutputSpec {
        name: "border_length",
        spatial: false,
        description: "km of shared border per level",
        columns,
    }],
    references: &[],
};

impl AnalysisModule for BorderLength {
    type Params = ();
    type Result = BorderLengthSummary;
    type Summary = BorderLengthSummary;
    const SPEC: &'static AnalysisSpec = &SPEC;

    fn params(_: &Params) -> Result<(), AnalysisError> {
        Ok(())
    }

    fn run(inputs: &Inputs, _: &(), _: &Upstream) -> Result<BorderLengthSummary, AnalysisError> {
        let region = &inputs.region;
        let mut km_by_level = BTreeMap::new();
        for level in region.levels() {
            let borders = borders_at_level(region, level, 1.0)?;
            let km = borders.borders.iter().map(|b| b.length_km).sum();
            km_by_level.insert(level.name().to_string(), km);
        }
        Ok(BorderLengthSummary { km_by_level })
    }

    fn output(
        _: &Inputs,
        _: &(),
        result: &BorderLengthSummary,
    ) -> Result<AnalysisOutput, AnalysisError> {
        let mut table = Table::new("border_length", columns(), false);
        for (level, km) in &result.km_by_level {
            table.push(vec![level.as_str().into(), (*km).into()], None);
        }
        AnalysisOutput::new::<Self>(vec![table], result)
    }
}

/// Two 10 km squares side by side, near Shanghai.
fn inputs() -> Inputs {
    let crs = AnalysisCrs::albers_for_bounds(120.5, 30.5, 121.5, 31.5);
    let square = |code: &str, x0: f64| Jurisdiction {
        code: code.into(),
        name: code.into(),
        level: Level::County,
        parent: None,
        geometry: MultiPolygon::new(vec![polygon![
            (x: x0, y: 0.0), (x: x0 + 10_000.0, y: 0.0),
            (x: x0 + 10_000.0, y: 10_000.0), (x: x0, y: 10_000.0)
        ]]),
    };
    let region = Region::new(
        "two counties",
        crs,
        vec![square("A", 0.0), square("B", 10_000.0)],
        BTreeMap::new(),
    );
    Inputs::build(region).unwrap()
}

#[test]
fn an_analysis_of_ones_own_runs_serialises_and_has_its_report_section() {
    let inputs = inputs();
    let analysis = Analysis::of::<BorderLength>();
    let params = Params::defaults(analysis.spec);
    let ran = (analysis.run)(&inputs, &params, &Upstream::default()).unwrap();
    let finished = vec![Finished {
        name: analysis.spec.name,
        params,
        output: ran.output,
        result: ran.result,
        seconds: 0.0,
    }];
    let json = summary(&inputs.region, None, &[], &finished);
    let section = &json["analyses"]["border_length"];
    assert_eq!(section["tables"]["border_length"], 1);
    let back: BorderLengthSummary = serde_json::from_value(section["results"].clone()).unwrap();
    let km = back.km_by_level["county"];
    assert!((km - 10.0).abs() < 0.02, "{km} km");

    let mut analyses: Vec<&Analysis> = REGISTRY.iter().collect();
    analyses.push(&analysis);
    let tables: Vec<&Table> = finished[0].output.tables.iter().collect();
    let html = render_with(&analyses, &json, &tables, Lang::En);
    let at = html
        .find("<section id=\"sec-border_length\"")
        .expect("a section for the new analysis");
    let section_html = &html[at..at + html[at..].find("</section>").unwrap()];
    assert!(
        section_html.contains("tables/border_length.csv"),
        "{section_html}"
    );
    assert!(
        section_html.contains("km_by_level.county"),
        "{section_html}"
    );
}
