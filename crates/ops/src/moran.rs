//! Moran's I of a variable of a layer (global, bivariate, local), with weights built from its
//! polygons or centroids or read from a GAL/GWT file: the command line's `moran` and the Python
//! package's `moran`.

use std::collections::BTreeMap;
use std::path::Path;

use borderscape_core::analysis::synergy::{self, Synergy, SynergyParams};
use borderscape_core::analysis::AnalysisModule;
use borderscape_core::datum::Datum;
use borderscape_core::spatial_weights::{SpatialWeights, Transform, WeightsError};
use borderscape_core::spec::ParamValue;
use borderscape_core::stats::morans_i::{
    self, cluster_cutoff, BivariateMoran, LocalMoran, MoransI,
};
use borderscape_core::table::{row_label, Column, ColumnType, Table, Value};
use borderscape_io::transform::to_local_albers;
use borderscape_io::{IoError, Problem, Severity};
use geo::{Centroid, Geometry, MultiPolygon};
use serde::Serialize;

use crate::{number, spec_params, OpsError};

/// What to compute (the command line's flags; `None`: the defaults of `analyze`'s synergy).
#[derive(Debug, Clone)]
pub struct MoranOptions {
    /// The variable.
    pub var: String,
    /// Id field matching a GAL/GWT file's ids (default: record numbers 1..n, as PySAL's POLYID).
    pub id: Option<String>,
    /// queen | rook, knn:K, distance:METRES, or a .gal/.gwt file.
    pub weights: String,
    /// r (row-standardised), b (binary) or o (as given).
    pub transform: String,
    pub permutations: Option<usize>,
    pub seed: Option<u64>,
    /// two-sided (the default), greater, less, folded or directed (esda's Moran p_sim).
    pub alternative: String,
    /// Also compute local Moran (LISA) per unit.
    pub local: bool,
    /// p_sim threshold of a LISA cluster (with `fdr`, the false discovery rate).
    pub significance: Option<f64>,
    /// LISA clusters at the Benjamini–Hochberg cut-off (the default).
    pub fdr: bool,
    /// Bivariate Moran's I of `var` against the lag of this field.
    pub bivariate: Option<String>,
    /// Datum of the coordinates (for geometry-based weights).
    pub datum: String,
    /// Boundaries within this distance count as shared (0 = exact vertices, as PySAL).
    pub snap_tolerance_m: f64,
}

impl MoranOptions {
    /// The options of a plain global Moran's I of `var` with queen weights, as the command line's
    /// defaults.
    pub fn new(var: &str) -> Self {
        Self {
            var: var.to_string(),
            id: None,
            weights: "queen".into(),
            transform: "r".into(),
            permutations: None,
            seed: None,
            alternative: "two-sided".into(),
            local: false,
            significance: None,
            fdr: true,
            bivariate: None,
            datum: "wgs84".into(),
            snap_tolerance_m: 0.0,
        }
    }
}

/// What came out.
pub struct MoranRun {
    /// Every result as one object (the command line's `--json`, the Python package's dict).
    pub report: MoranReport,
    pub transform: Transform,
    /// Local Moran per unit (id, the variable, i, quadrant, p_sim, cluster), with the layer's
    /// geometries, when asked for.
    pub lisa: Option<Table>,
}

/// Global Moran's I (esda's field names), the units without neighbours, the weights, and the
/// bivariate and local results when asked for.
#[derive(Debug, Clone, Serialize)]
pub struct MoranReport {
    #[serde(flatten)]
    pub global: MoransI,
    /// Ids of the units without neighbours.
    pub islands: Vec<String>,
    pub weights: WeightsReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bivariate: Option<BivariateReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lisa: Option<LisaReport>,
}

/// The spatial weights used.
#[derive(Debug, Clone, Serialize)]
pub struct WeightsReport {
    /// As given: queen, rook, knn:K, distance:METRES or a .gal/.gwt file.
    pub kind: String,
    /// r (row-standardised), b (binary) or o (original).
    pub transform: &'static str,
    /// Directed neighbour links.
    pub links: usize,
}

/// The bivariate Moran's I against the lag of `field`.
#[derive(Debug, Clone, Serialize)]
pub struct BivariateReport {
    #[serde(flatten)]
    pub moran: BivariateMoran,
    pub field: String,
}

/// The local Moran clusters at the cutoff the significance (and FDR) give.
#[derive(Debug, Clone, Serialize)]
pub struct LisaReport {
    pub significance: f64,
    pub fdr: bool,
    pub p_cutoff: f64,
    /// Units per cluster (HH, LL, HL, LH, ns).
    pub clusters: BTreeMap<&'static str, usize>,
}

/// The values of `field`: every row must hold a finite number.
pub fn numbers(table: &Table, field: &str, path: &Path) -> Result<Vec<f64>, IoError> {
    let column = table.column_index(field).ok_or_else(|| {
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        IoError::invalid(Problem {
            severity: Severity::Error,
            file: path.display().to_string(),
            feature: None,
            code: None,
            field: Some(field.to_string()),
            message: format!("no such field (fields: {})", names.join(", ")),
        })
    })?;
    let mut problems = Vec::new();
    let values = table
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| number(&row[column], path, i, field, &mut problems))
        .collect();
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(IoError::Invalid(problems))
    }
}

/// The unit ids: the `id` field's values (a whole number stored as a float written without
/// its `.0`), else the record numbers 1..n.
fn unit_ids(options: &MoranOptions, table: &Table, path: &Path) -> Result<Vec<String>, OpsError> {
    let Some(field) = &options.id else {
        return Ok((1..=table.len()).map(|i| i.to_string()).collect());
    };
    let layer = path.display().to_string();
    let c = table
        .column_index(field)
        .ok_or_else(|| OpsError::Input(format!("{layer}: no field `{field}`")))?;
    table
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| match &row[c] {
            Value::Null => Err(OpsError::Input(format!(
                "{layer}: {}: field `{field}`: the id is empty",
                row_label(&layer, i)
            ))),
            Value::Real(x) if x.fract() == 0.0 && x.abs() < 2f64.powi(53) => {
                Ok(format!("{}", *x as i64))
            }
            value => Ok(value.to_text()),
        })
        .collect()
}

fn weights(
    options: &MoranOptions,
    table: &Table,
    path: &Path,
    ids: &[String],
) -> Result<SpatialWeights, OpsError> {
    let spec = options.weights.as_str();
    let lower = spec.to_ascii_lowercase();
    if lower.ends_with(".gal") || lower.ends_with(".gwt") {
        let text = std::fs::read_to_string(spec).map_err(|e| IoError::file(Path::new(spec), e))?;
        let read = if lower.ends_with(".gal") {
            SpatialWeights::from_gal(&text, ids)
        } else {
            SpatialWeights::from_gwt(&text, ids)
        };
        return read.map_err(|e| match e {
            WeightsError::DuplicateId { id, first, second } => {
                let layer = path.display().to_string();
                OpsError::Input(format!(
                    "{layer}: {} and {}: field `{}`: the id {id} is not unique",
                    row_label(&layer, first),
                    row_label(&layer, second),
                    options.id.as_deref().unwrap_or("id")
                ))
            }
            e => OpsError::Input(format!("{spec}: {e}")),
        });
    }
    let datum = Datum::parse(&options.datum)
        .ok_or_else(|| OpsError::Input(format!("unknown datum `{}`", options.datum)))?;
    let (projected, _) = to_local_albers(table, datum)?;
    let geometries: Vec<Option<&Geometry>> = (0..projected.len())
        .map(|i| projected.geometry(i))
        .collect();
    let centroids = || -> Result<Vec<[f64; 2]>, OpsError> {
        geometries
            .iter()
            .enumerate()
            .map(|(i, g)| {
                g.and_then(|g| g.centroid())
                    .map(|c| [c.x(), c.y()])
                    .ok_or_else(|| {
                        OpsError::Input(format!("{}: feature {i} has no geometry", path.display()))
                    })
            })
            .collect()
    };
    match spec.split_once(':') {
        Some(("knn", k)) => Ok(SpatialWeights::k_nearest(
            &centroids()?,
            neighbour_count(spec, k, table.len())?,
        )),
        Some(("distance", d)) => Ok(SpatialWeights::distance_band(
            &centroids()?,
            band_metres(spec, d)?,
        )),
        _ if spec == "queen" || spec == "rook" => {
            let polygons: Vec<MultiPolygon> = geometries
                .iter()
                .map(|g| match g {
                    Some(Geometry::MultiPolygon(mp)) => mp.clone(),
                    Some(Geometry::Polygon(p)) => MultiPolygon::new(vec![p.clone()]),
                    _ => MultiPolygon::new(vec![]),
                })
                .collect();
            let refs: Vec<&MultiPolygon> = polygons.iter().collect();
            Ok(SpatialWeights::contiguity(
                &refs,
                spec == "queen",
                options.snap_tolerance_m,
            ))
        }
        _ => Err(OpsError::Input(format!(
            "--weights must be queen, rook, knn:K, distance:METRES, a .gal or a .gwt file, not `{spec}`"
        ))),
    }
}

/// K of `knn:K` among `units` units: a whole number from 1 to `units - 1` (each unit's other
/// units are all it can have; 0 would leave every unit an island).
fn neighbour_count(spec: &str, k: &str, units: usize) -> Result<usize, OpsError> {
    let most = units.saturating_sub(1);
    let bounds = if most == 0 {
        format!("knn needs at least 2 units and the layer has {units}")
    } else {
        format!("k must be a whole number from 1 to {most} (the layer has {units} units)")
    };
    match k.parse::<usize>() {
        Ok(k) if (1..=most).contains(&k) => Ok(k),
        _ => Err(OpsError::Usage(format!("--weights `{spec}`: {bounds}"))),
    }
}

/// The band of `distance:METRES`: a finite distance above 0 (the band is compared squared, so a
/// negative one would silently act as its absolute value).
fn band_metres(spec: &str, d: &str) -> Result<f64, OpsError> {
    match d.parse::<f64>() {
        Ok(d) if d.is_finite() && d > 0.0 => Ok(d),
        _ => Err(OpsError::Usage(format!(
            "--weights `{spec}`: the distance must be a finite number of metres above 0"
        ))),
    }
}

/// The permutation and LISA settings: the options, else the defaults and bounds of `analyze`'s
/// synergy spec.
fn synergy_params(options: &MoranOptions) -> Result<SynergyParams, OpsError> {
    let number = |n: Option<f64>| n.map(ParamValue::Number);
    let values = spec_params(
        &synergy::SPEC,
        [
            (
                "permutations",
                number(options.permutations.map(|n| n as f64)),
            ),
            ("seed", number(options.seed.map(|s| s as f64))),
            (
                "alternative",
                Some(ParamValue::Text(options.alternative.clone())),
            ),
            ("significance", number(options.significance)),
            ("fdr", Some(ParamValue::Bool(options.fdr))),
        ],
    )?;
    Synergy::params(&values).map_err(|e| OpsError::Usage(e.to_string()))
}

/// Moran's I of `options.var` in `table`, read from `path` (which names it in messages).
pub fn moran(table: &Table, path: &Path, options: &MoranOptions) -> Result<MoranRun, OpsError> {
    let y = numbers(table, &options.var, path)?;
    let ids = unit_ids(options, table, path)?;
    let transform = Transform::parse(&options.transform)
        .ok_or_else(|| OpsError::Input("--transform must be r, b or o".into()))?;
    let w = weights(options, table, path, &ids)?.with_transform(transform);
    let params = synergy_params(options)?;
    let permutations = Some(params.permutations);
    let global = morans_i::global(&y, &w, permutations)?;
    let islands: Vec<String> = global.islands.iter().map(|&i| ids[i].clone()).collect();
    let weights_report = WeightsReport {
        kind: options.weights.clone(),
        transform: transform.name(),
        links: w.links(),
    };
    let bivariate = match &options.bivariate {
        Some(field) => {
            let other = numbers(table, field, path)?;
            Some(BivariateReport {
                moran: morans_i::bivariate(&y, &other, &w, permutations)?,
                field: field.clone(),
            })
        }
        None => None,
    };
    let mut lisa_report = None;
    let lisa = if options.local {
        let lisa = morans_i::local(&y, &w, permutations)?;
        let cutoff = cluster_cutoff(&lisa, params.significance, params.fdr);
        let mut clusters: BTreeMap<&str, usize> = BTreeMap::new();
        for l in &lisa {
            *clusters.entry(l.cluster(cutoff)).or_default() += 1;
        }
        lisa_report = Some(LisaReport {
            significance: params.significance,
            fdr: params.fdr,
            p_cutoff: cutoff,
            clusters,
        });
        let mut local = Table::new(
            "lisa",
            vec![
                Column::text("id", "unit id"),
                Column::new(&options.var, ColumnType::Real, None, "the variable"),
            ]
            .into_iter()
            .chain(LocalMoran::columns())
            .collect(),
            table.geometries.is_some(),
        );
        for (i, l) in lisa.iter().enumerate() {
            let row = [ids[i].as_str().into(), y[i].into()];
            local.push(
                row.into_iter().chain(l.values(cutoff)).collect(),
                table.geometry(i).cloned(),
            );
        }
        Some(local)
    } else {
        None
    };
    Ok(MoranRun {
        report: MoranReport {
            global,
            islands,
            weights: weights_report,
            bivariate,
            lisa: lisa_report,
        },
        transform,
        lisa,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knn_takes_whole_numbers_from_one_to_one_less_than_the_units() {
        assert_eq!(neighbour_count("knn:1", "1", 4).unwrap(), 1);
        assert_eq!(neighbour_count("knn:3", "3", 4).unwrap(), 3);
        for k in ["0", "4", "1e12", "2.5", "-1", "", "99999999999999999999999"] {
            let spec = format!("knn:{k}");
            let Err(OpsError::Usage(message)) = neighbour_count(&spec, k, 4) else {
                panic!("{spec} accepted");
            };
            assert_eq!(
                message,
                format!("--weights `{spec}`: k must be a whole number from 1 to 3 (the layer has 4 units)")
            );
        }
        let Err(OpsError::Usage(message)) = neighbour_count("knn:1", "1", 1) else {
            panic!("knn on one unit accepted");
        };
        assert!(message.contains("at least 2 units"), "{message}");
    }

    #[test]
    fn distance_bands_are_finite_and_above_zero() {
        assert_eq!(band_metres("distance:2500", "2500").unwrap(), 2500.0);
        for d in ["-5", "0", "nan", "inf", "-inf", "1e400", "far"] {
            let spec = format!("distance:{d}");
            let Err(OpsError::Usage(message)) = band_metres(&spec, d) else {
                panic!("{spec} accepted");
            };
            assert!(
                message.contains("finite number of metres above 0"),
                "{message}"
            );
        }
    }
}
