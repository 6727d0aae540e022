//! Issue 4: the bundled demo and the `analyze` pipeline, end to end.

mod common;

use std::path::Path;

use borderscape_core::analysis::REGISTRY;
use common::*;
use serde_json::Value;

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn demo_writes_every_output_and_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a");
    let second = dir.path().join("b");
    for out in [&first, &second] {
        let run = borderscape(&["demo", "--out", out.to_str().unwrap(), "--quiet"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let results = first.join("results");
    for name in [
        "report.html",
        "report.zh.html",
        "results.qgs",
        "results.gpkg",
        "summary.json",
        "run.json",
        "tables/borders.csv",
    ] {
        assert!(results.join(name).exists(), "{name} missing");
    }
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(
        summary["region"]["jurisdictions"],
        serde_json::json!({"city": 41, "county": 305, "province": 4})
    );
    let county = &summary["analyses"]["borders"]["results"]["levels"]["county"];
    // The simplified demo boundaries keep every county pair of the full data (832 = PySAL's queen pairs).
    assert_eq!(
        county["edge_borders"].as_u64().unwrap() + county["point_borders"].as_u64().unwrap(),
        832
    );
    assert_eq!(county["islands"], serde_json::json!(["330921"]));
    assert!(summary["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["sha256"].as_str().unwrap().len() == 64));

    // Taihu crosses the boundary of Wuzhong (320506, Suzhou): counted whole (CBC) its habitat
    // mesh is larger than cut at the border (CUT).
    assert_eq!(
        summary["analyses"]["effective_mesh"]["results"]["habitat_layer"],
        "lakes"
    );
    let mesh = std::fs::read_to_string(results.join("tables/synergy_jurisdiction.csv")).unwrap();
    let wuzhong: Vec<&str> = mesh
        .lines()
        .find(|l| l.starts_with("320506,"))
        .unwrap()
        .split(',')
        .collect();
    let (cut, cbc): (f64, f64) = (wuzhong[5].parse().unwrap(), wuzhong[6].parse().unwrap());
    assert!(cut > 100.0 && cbc > 1.2 * cut, "{wuzhong:?}");

    // Synthetic layers: labelled as such; indicators analysed (5 indicators × 14 years).
    assert_eq!(
        summary["synthetic_layers"],
        serde_json::json!([
            "channels",
            "indicators",
            "monitoring",
            "plans",
            "roads",
            "stations"
        ])
    );
    let synergy = &summary["analyses"]["synergy"];
    assert_eq!(synergy["tables"]["moran_indicators"], 70);
    assert_eq!(synergy["results"]["borders"]["pairs"], 832);
    assert_eq!(
        synergy["results"]["coupling"]["systems"],
        serde_json::json!(["ecology", "economy"])
    );
    let report = std::fs::read_to_string(results.join("report.html")).unwrap();
    assert!(
        report.contains("Synthetic data.")
            && report.contains("generated, not observed: drainage channels, yearly indicators, water-quality monitoring, land-use plans, roads, monitoring stations"),
        "banner missing"
    );

    // Governance coverage: the Demonstration Zone (38) covers Qingpu–Wujiang; Wujiang and Kunshan,
    // both in Suzhou, share no cross-jurisdiction arrangement.
    let coverage = std::fs::read_to_string(results.join("tables/border_governance.csv")).unwrap();
    let row = |prefix: &str| {
        coverage
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(row("310118,320509,")[5].split(';').any(|id| id == "38"));
    assert_eq!(row("320509,320583,")[4], "0");
    assert!(
        summary["analyses"]["governance"]["results"]["stages"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );

    let info = ogrinfo(&["-so", results.join("results.gpkg").to_str().unwrap()]);
    for layer in [
        "borders (Multi Line String)",
        "border_zones (Multi Polygon)",
        "border_islands (None)",
    ] {
        assert!(info.contains(layer), "{layer} missing from:\n{info}");
    }
    synthetic_inputs_are_labelled_and_follow_their_rules(&first);

    // Conflicts of every type, and the 2015 → 2035 comparison per border.
    let conflicts = &summary["analyses"]["conflicts"]["results"];
    for kind in [
        "incompatible_land_use",
        "ecological_discontinuity",
        "nimby_spillover",
        "dead_end_road",
        "border_terminating_road",
        "dead_end_channel",
        "border_terminating_channel",
        "plan_constraint",
    ] {
        let counts = conflicts["by_type"][kind].as_object();
        assert!(
            counts.is_some_and(|c| c.values().any(|n| n.as_u64().unwrap() > 0)),
            "no {kind} in {conflicts}"
        );
    }
    let changes = &conflicts["changes"];
    assert_eq!(
        (changes["from"].as_str(), changes["to"].as_str()),
        (Some("2015"), Some("2035"))
    );
    for k in ["resolved", "persisting", "introduced"] {
        assert!(changes[k].as_u64().unwrap() > 0, "{k}: {changes}");
    }
    // Governance outcomes: borders first covered by their own units' arrangements (the demo sets
    // did_coverage = "direct") against never-covered ones, with intervals, labelled synthetic.
    let outcomes = &summary["analyses"]["governance"]["results"]["outcomes"];
    for measure in ["D_border", "conflicts", "plan_consistency"] {
        assert!(
            outcomes[measure]["treated_borders"].as_u64().unwrap() > 0,
            "{measure}"
        );
        assert!(outcomes[measure]["synthetic"]
            .as_str()
            .unwrap()
            .contains("SYNTHETIC"));
        let interval = outcomes[measure]["interval_95"].as_array().unwrap();
        assert_eq!(interval.len(), 2, "{measure}");
        assert!(outcomes[measure]["p_value"].as_f64().is_some(), "{measure}");
    }
    // D_border is yearly, so the leads are tested.
    assert!(outcomes["D_border"]["pre_trend"]["p_value"]
        .as_f64()
        .is_some());
    assert_eq!(
        outcomes["conflicts"]["panel"],
        serde_json::json!([2015, 2035])
    );
    // Compensation: every scheme has a ledger entry for every year, and who pays whom is reported.
    let compensation = &summary["analyses"]["compensation"]["results"];
    let schemes = compensation["schemes"].as_object().unwrap();
    assert_eq!(schemes.len(), 4);
    assert_eq!(
        schemes["TN load delivered from Anhui to Zhejiang"]["entries"],
        2
    );
    assert_eq!(
        schemes["Xin'an River type (Anhui to Zhejiang)"]["entries"],
        9
    );
    // Eight years, each with a class row and a key-pollutant index row.
    assert_eq!(schemes["Class change (Jiangsu to Shanghai)"]["entries"], 16);
    assert_eq!(
        schemes["Ecosystem services of Anhui's border red lines to Zhejiang"]["entries"],
        2
    );
    let ledger = std::fs::read_to_string(results.join("tables/compensation_ledger.csv")).unwrap();
    assert!(ledger
        .lines()
        .any(|l| l.contains(",2012,") && l.contains("water_quality_index")));
    assert!(compensation["esv_total_yuan"]["2015"].as_f64().unwrap() > 0.0);
    let report = std::fs::read_to_string(results.join("report.html")).unwrap();
    assert!(
        report.contains("<th>Payer</th><th>Payee</th><th>Amount (yuan)</th>"),
        "the report shows who pays whom"
    );
    // Issue 10: every figure of the report is there, drawn from the shared base map, with a
    // legend; tables sort; the page needs nothing from the network.
    for caption in [
        "The region: county borders coloured by their conflicts",
        "Conflicts of type: nuisance facility near the border",
        "Fragmentation by borders: CBC / CUT effective mesh size per county",
        "Coupling coordination degree D, 2023",
        "Local clusters of forest cover (%), 2023",
        "Global Moran's I of each indicator by year",
        "Transboundary total nitrogen (TN) load flows between counties, plan 2035",
        "Coordination arrangements in force and the stages of coordination",
        "Mode mix of the arrangements in force",
        "Co-participation network of stage 4",
        "Number of stages: the criterion by number of stages",
    ] {
        assert!(report.contains(caption), "report figure `{caption}`");
    }
    assert_eq!(
        report.matches("<figure>").count(),
        report.matches("class=\"legend\"").count(),
        "every figure has a legend"
    );
    assert_eq!(
        report.matches("<path id=\"u").count(),
        305,
        "county outlines defined once"
    );
    assert!(report.contains("<table class=\"sortable\">") && report.contains("<script>"));
    assert!(
        !report.contains("src=\"http") && !report.contains("href=\"http"),
        "no remote resources"
    );
    assert!(report.contains("上海市"), "Chinese names as UTF-8");
    // Issue 19: the real land cover in the report, its resolution stated, and a finding.
    for caption in [
        "Ecosystem-service value per hectare from land cover, per county, 2019",
        "Effective mesh size of habitat per county, patches cut at the county boundary (CUT), 2019",
        "Effective mesh size of habitat per county, patches counted whole across the boundary (CBC), 2019",
        "Land cover of each unit at province level, 2019: shares of its area by class",
    ] {
        assert!(report.contains(caption), "report figure `{caption}`");
    }
    assert!(report.contains("Resolution: the land cover (IGBP (MODIS); 2019) has cells of about "));
    assert!(report.contains(
        "<li data-finding=\"landcover\" data-provenance=\"mixed\">Land cover 2019 (cells of about "
    ));
    // Issue 40: the report opens with the study's four answers, each saying what it rests on;
    // the stages and the goal orientations rest on the registry alone (observed), the conflicts
    // and plan consistency on synthetic plans (mixed); the literature's periodisations are set
    // beside the data-driven stages.
    let chapter = report.find("<section id=\"meta-governance\"").unwrap();
    assert!(chapter < report.find("<section id=\"findings\"").unwrap());
    for (question, provenance) in [
        ("a", "mixed"),
        ("b", "observed"),
        ("c", "observed"),
        ("d", "mixed"),
    ] {
        assert!(
            report.contains(&format!(
                "<div class=\"answer\" data-question=\"{question}\" data-provenance=\"{provenance}\">"
            )),
            "answer ({question}) resting on {provenance}"
        );
    }
    assert!(report.contains(
        "Beside the periodisation “three_stages” (breaks 1992, 2008): 2 of its 2 breaks agree"
    ));
    assert!(report.contains("<h3 id=\"method-illustration\">"));
    assert!(report.contains(
        "<figcaption>The data-driven stages beside the periodisations of the literature</figcaption>"
    ));
    // Issue 38, item 5: the demo's [layers.sea] (GSHHG). 嵊泗县, an island county whose cells are
    // sea, was valued as inland water at 427,890.47 yuan/ha/yr, the top of the ranking; now its
    // water is sea (over 100 km²), out of the terrestrial ESV, and no county keeps that value.
    let esv = std::fs::read_to_string(results.join("tables/landcover_esv.csv")).unwrap();
    let mut lines = esv.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|c| *c == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let shengsi = rows.iter().find(|r| r[0] == "330922").unwrap();
    assert!(
        shengsi[col("sea_km2")].parse::<f64>().unwrap() > 100.0,
        "{shengsi:?}"
    );
    assert!(
        rows.iter()
            .filter_map(|r| r[col("esv_yuan_per_ha")].parse::<f64>().ok())
            .all(|v| v < 400_000.0),
        "{esv}"
    );
    // One palette: the conflict types are drawn in the report and in results.qgs in the same
    // colours, from borderscape_core::palette.
    let qgs = std::fs::read_to_string(results.join("results.qgs")).unwrap();
    let planted = summary["analyses"]["conflicts"]["results"]["by_type"]
        .as_object()
        .unwrap();
    assert!(planted.len() >= 4, "{planted:?}");
    for (kind, colour) in borderscape_core::palette::CONFLICT_TYPES {
        if !planted.contains_key(kind) {
            continue;
        }
        let rgb: Vec<String> = (0..3)
            .map(|k| {
                u8::from_str_radix(&colour[1 + 2 * k..3 + 2 * k], 16)
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert!(
            report.contains(&format!("fill=\"{colour}\"")),
            "{kind} in the report"
        );
        assert!(
            qgs.contains(&format!("value=\"{}\"", kind)),
            "{kind} in results.qgs"
        );
        assert!(
            qgs.contains(&rgb.join(",")),
            "{kind}'s colour in results.qgs"
        );
    }
    // The Chinese report beside it: land cover, findings and parameters in Chinese.
    let zh = std::fs::read_to_string(results.join("report.zh.html")).unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    for text in [
        "各县基于土地覆被的单位面积生态系统服务价值，2019 年",
        "<li data-finding=\"landcover\" data-provenance=\"mixed\">2019 年土地覆被",
        "<td>计算伪 p 值的置换次数。</td>",
    ] {
        assert!(zh.contains(text), "{text}");
    }
    // Rivers: the real rivers' province crossings, with the Anhui → Zhejiang section and its
    // station; the planted siting pattern of the synthetic facilities shows.
    let rivers = &summary["analyses"]["rivers"]["results"];
    assert_eq!(rivers["cycles"], serde_json::json!([]));
    let sections = std::fs::read_to_string(results.join("tables/river_sections.csv")).unwrap();
    assert!(
        sections
            .lines()
            .any(|l| l.contains(">340000,") && l.contains(">330000,S02,")),
        "no Anhui → Zhejiang section at S02"
    );
    let province =
        std::fs::read_to_string(results.join("tables/load_matrix_province.csv")).unwrap();
    assert!(province
        .lines()
        .any(|l| l.starts_with("340000,330000,2035,TN,")));
    assert!(rivers["siting"]["rate_ratio_0_5_km"].as_f64().unwrap() > 1.0);
    // The sources of the S02 crossing are Anhui's own load, counted once, and add up to the
    // matrix's load; Zhejiang's load that joined the river in Anhui and comes back home is in the
    // flux only (issue 38). Every origin's mass balance closes.
    let sources =
        std::fs::read_to_string(results.join("tables/load_sources_province.csv")).unwrap();
    let s02: Vec<(&str, f64)> = sources
        .lines()
        .filter(|l| l.starts_with("340000,330000,2035,TN,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[4], f[6].parse::<f64>().unwrap())
        })
        .collect();
    assert!(s02.iter().all(|(origin, _)| *origin == "340000"), "{s02:?}");
    let s02: f64 = s02.iter().map(|(_, kg)| kg).sum();
    let matrix: Vec<f64> = province
        .lines()
        .find(|l| l.starts_with("340000,330000,2035,TN,"))
        .unwrap()
        .split(',')
        .skip(4)
        .take(2)
        .map(|v| v.parse().unwrap())
        .collect();
    let (load, flux) = (matrix[0], matrix[1]);
    assert!(
        (s02 - load).abs() < 1e-6 * load && load < flux,
        "{s02} {load} {flux}"
    );
    for balance in rivers["mass_balance"].as_array().unwrap() {
        assert!(balance["largest_origin_imbalance"].as_f64().unwrap() < 1e-9);
    }
    let by_border = std::fs::read_to_string(results.join("tables/conflict_changes.csv")).unwrap();
    assert!(by_border.starts_with("a,b,type,from_plan,to_plan,resolved,persisting,introduced"));
    // Same seed, same inputs: byte-identical summary and tables.
    let again = second.join("results");
    assert_eq!(
        std::fs::read(results.join("summary.json")).unwrap(),
        std::fs::read(again.join("summary.json")).unwrap()
    );
    assert_eq!(
        files_of(&results.join("tables")),
        files_of(&again.join("tables"))
    );
    tables_have_the_columns_their_specs_declare(&results);
    dependencies_are_pulled_in(&first, dir.path());
    check_lists_every_planted_fault(&first, dir.path());
}

/// Issue 15: the output reference in docs/ is generated from the specs, and every table the
/// demo writes has exactly the columns its spec declares.
fn tables_have_the_columns_their_specs_declare(results: &Path) {
    let generated = borderscape(&["analyze", "--list", "--markdown"]).stdout;
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/outputs.md"),
    )
    .unwrap();
    assert!(generated == docs, "docs/outputs.md is stale: regenerate it with `borderscape analyze --list --markdown > docs/outputs.md`");
    // Output name → declared column names, read from the generated reference.
    let mut declared: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut current = None;
    for line in generated.lines() {
        if let Some(rest) = line.strip_prefix("### `") {
            current = rest.split('`').next().map(str::to_string);
        } else if let (Some(name), Some(rest)) = (&current, line.strip_prefix("| `")) {
            let column = rest.split('`').next().unwrap().to_string();
            declared.entry(name.clone()).or_default().push(column);
        }
    }
    for entry in std::fs::read_dir(results.join("tables")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let spec_name = REGISTRY
            .iter()
            .flat_map(|a| a.spec.outputs)
            .find(|o| o.is_named(&name))
            .map_or_else(|| name.clone(), |o| o.name.to_string());
        let text = std::fs::read_to_string(&path).unwrap();
        let header: Vec<String> = text
            .lines()
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        let header: Vec<String> = header.into_iter().filter(|c| c != "geometry_wkt").collect();
        let mut expected = declared
            .get(&spec_name)
            .unwrap_or_else(|| panic!("{name} has no output spec"))
            .clone();
        if let Some(at) = expected.iter().position(|c| c == "U_<system>") {
            let scores: Vec<String> = header
                .iter()
                .filter(|c| c.starts_with("U_"))
                .cloned()
                .collect();
            expected.splice(at..=at, scores);
        }
        assert_eq!(header, expected, "{name}");
    }
}

/// Issue 15: `--only` runs what an analysis depends on, and hands its typed result over.
fn dependencies_are_pulled_in(project: &Path, scratch: &Path) {
    let out = scratch.join("only_compensation");
    let summary = analyze_only(project, "compensation", &out);
    let ran: Vec<&String> = summary["analyses"].as_object().unwrap().keys().collect();
    // Land cover too (and the borders it needs): an ESV-based scheme may value land cover.
    assert_eq!(ran, ["borders", "rivers", "landcover", "compensation"]);
    let ledger = std::fs::read_to_string(out.join("tables/compensation_ledger.csv")).unwrap();
    assert!(
        ledger.lines().any(|l| l.contains(",load_based,")),
        "{ledger}"
    );

    let summary = analyze_only(project, "governance", &scratch.join("only_governance"));
    let outcomes = &summary["analyses"]["governance"]["results"]["outcomes"];
    for measure in ["D_border", "conflicts", "plan_consistency"] {
        assert!(
            outcomes.get(measure).is_some(),
            "{measure} missing: {outcomes}"
        );
    }
    let listed = borderscape(&["analyze", "--list"]);
    assert!(
        listed.stdout.contains("depends on: rivers"),
        "{}",
        listed.stdout
    );
}

/// Issue 15: `check` names a bad parameter, a scheme's unknown station, another scheme's
/// baseline class out of range (issue 18) and a registry row that ends before it starts, all in
/// one run, and exits 1.
fn check_lists_every_planted_fault(project: &Path, scratch: &Path) {
    let faulty = scratch.join("faulty");
    std::fs::create_dir_all(&faulty).unwrap();
    for entry in std::fs::read_dir(project).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), faulty.join(entry.file_name())).unwrap();
        }
    }
    let manifest = std::fs::read_to_string(faulty.join("borderscape.toml")).unwrap();
    let synergy = manifest.find("[analysis.synergy]").unwrap();
    let (head, tail) = manifest.split_at(synergy);
    let manifest = format!(
        "{head}{}",
        tail.replacen("permutations = 999", "permutations = -5", 1)
    )
    .replacen("station = \"S02\"", "station = \"NO_SUCH_STATION\"", 1)
    .replacen(
        "waterbody = \"river\"",
        "waterbody = \"river\"\nbaseline_class = 7",
        1,
    );
    std::fs::write(faulty.join("borderscape.toml"), manifest).unwrap();
    let registry = std::fs::read_to_string(faulty.join("governance.csv")).unwrap();
    std::fs::write(
        faulty.join("governance.csv"),
        registry.replacen("2,1983-03,1988-06,", "2,1983-03,1981-06,", 1),
    )
    .unwrap();
    // A rule table is part of the model too.
    let matrix = std::fs::read_to_string(faulty.join("compatibility.csv")).unwrap();
    std::fs::write(
        faulty.join("compatibility.csv"),
        matrix.replacen("100103,07,2,", "100103,07,7,", 1),
    )
    .unwrap();
    let run = borderscape(&["check", faulty.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    for expected in [
        "parameter `permutations`: must be at least 0, got -5",
        "field `station`: `NO_SUCH_STATION` is not in the stations layer",
        "field `baseline_class`: 7 is not a class from 1 (I) to 5 (V)",
        "column `end`: ends (1981-06) before it starts (1983-03)",
        "compatibility.csv: row 2: field `rule`: `7` is not 0",
    ] {
        assert!(
            run.stdout.contains(expected),
            "«{expected}» missing:\n{}",
            run.stdout
        );
    }
}

/// The demo's synthetic layers: every feature says it is synthetic, and the layers have the
/// shape issue 4 asks for.
fn synthetic_inputs_are_labelled_and_follow_their_rules(project: &Path) {
    use borderscape_io::read::{read_table, ReadOptions};
    let read = |file: &str| {
        read_table(&project.join(file), &ReadOptions::default())
            .unwrap()
            .table
    };
    let text = |t: &borderscape_core::table::Table, row: usize, column: &str| {
        t.rows[row][t.column_index(column).unwrap()].to_text()
    };
    for file in [
        "plans.gpkg",
        "roads.gpkg",
        "channels.gpkg",
        "stations.gpkg",
        "monitoring.csv",
    ] {
        let table = read(file);
        assert!(!table.is_empty(), "{file}");
        assert!(
            (0..table.len()).all(|i| matches!(text(&table, i, "synthetic").as_str(), "true" | "1")),
            "{file}: a feature is not labelled synthetic"
        );
    }
    let plans = read("plans.gpkg");
    let mut zones: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for i in 0..plans.len() {
        *zones
            .entry((text(&plans, i, "jurisdiction"), text(&plans, i, "plan")))
            .or_default() += 1;
        assert!(!text(&plans, i, "reason").is_empty());
    }
    assert_eq!(zones.len(), 2 * 305, "every county has both versions");
    assert!(
        zones.values().all(|&n| (100..=350).contains(&n)),
        "{zones:?}"
    );
    let controls: std::collections::BTreeSet<String> = (0..plans.len())
        .map(|i| text(&plans, i, "control"))
        .collect();
    for control in [
        "ecological_red_line",
        "permanent_basic_farmland",
        "urban_development_boundary",
    ] {
        assert!(controls.contains(control), "{control} missing");
    }
    let stations = read("stations.gpkg");
    assert!(
        (0..stations.len()).any(|i| text(&stations, i, "upstream") == "340000"
            && text(&stations, i, "downstream") == "330000")
    );
    let monitoring = read("monitoring.csv");
    let dates: std::collections::BTreeSet<String> = (0..monitoring.len())
        .map(|i| text(&monitoring, i, "date"))
        .collect();
    assert_eq!(
        (
            dates.first().unwrap().as_str(),
            dates.last().unwrap().as_str()
        ),
        ("2008-01", "2023-12")
    );
    let roads = read("roads.gpkg");
    assert!((0..roads.len()).any(|i| text(&roads, i, "status").starts_with("dead end")));
    // The facilities are observed (issue 40): the WRI power plants, each with its source.
    let facilities = read("facilities.geojson");
    assert!(facilities.len() > 100);
    assert!(
        (0..facilities.len()).all(|i| text(&facilities, i, "provenance") == "observed"
            && text(&facilities, i, "source").starts_with("WRI GPPD v1.3.0"))
    );
}

#[test]
fn failed_analysis_leaves_no_results() {
    let dir = tempfile::tempdir().unwrap();
    let features = [
        square_feature("1", "province", None, 120.0, 30.0, 1.0),
        square_feature("1", "province", None, 121.0, 30.0, 1.0),
    ];
    let project = project_with_jurisdictions(dir.path(), &collection(&features));
    let run = borderscape(&["analyze", project.to_str().unwrap()]);
    assert_fails_with(
        &run,
        1,
        "feature 1 (code 1): field `code`: duplicate code 1",
    );
    assert!(!dir.path().join("results").exists());
    // The project's two files, and the results' lock file (kept: removing a lock file races).
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".results.lock", "borderscape.toml", "j.geojson"]);
}

#[test]
fn analyze_runs_a_small_project_and_lists_analyses() {
    let dir = tempfile::tempdir().unwrap();
    let features = [
        square_feature("1", "province", None, 120.0, 30.0, 2.0),
        square_feature("11", "city", Some("1"), 120.0, 30.0, 1.0),
        square_feature("12", "city", Some("1"), 121.0, 30.0, 1.0),
    ];
    let project = project_with_jurisdictions(dir.path(), &collection(&features));
    std::fs::write(
        project.join("borderscape.toml"),
        "[region]\nname = \"t\"\n[layers.jurisdictions]\npath = \"j.geojson\"\ndatum = \"wgs84\"\n[analysis.borders]\nzone_width_m = 500\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let summary = analyze_only(&project, "borders", &out);
    assert_eq!(
        summary["analyses"]["borders"]["params"]["zone_width_m"],
        500.0
    );
    assert_eq!(
        summary["analyses"]["borders"]["results"]["levels"]["city"]["edge_borders"],
        1
    );

    let bad = borderscape(&["analyze", project.to_str().unwrap(), "--only", "nonsense"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("unknown analysis `nonsense`"),
        "{}",
        bad.stderr
    );

    let list = borderscape(&["analyze", "--list"]);
    assert_eq!(list.code, 0);
    assert!(
        list.stdout.contains("param zone_width_m = 1000.0 m"),
        "{}",
        list.stdout
    );
}
