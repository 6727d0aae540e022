//! Monitoring series (`station,date,indicator,value[,unit]`), validated and reduced to monthly
//! and annual means.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::AnalysisError;
use crate::model::sites::Station;
use crate::region::Region;
use crate::table::row_label;

/// Monthly means: (station, indicator) → (year, month) → mean of the values of that month.
#[derive(Debug, Clone)]
pub struct Series {
    monthly: BTreeMap<(String, String), BTreeMap<(i32, u32), f64>>,
    /// Unit of each indicator, as given.
    pub units: BTreeMap<String, String>,
}

/// An annual mean and how many months it rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Annual {
    pub mean: f64,
    pub months: usize,
}

/// `YYYY-MM` or `YYYY-MM-DD` (or with `/`) → (year, month).
fn parse_date(text: &str) -> Option<(i32, u32)> {
    let mut parts = text.trim().split(['-', '/']);
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    if let Some(day) = parts.next() {
        let day: u32 = day.parse().ok()?;
        if !(1..=31).contains(&day) {
            return None;
        }
    }
    ((1000..=9999).contains(&year) && (1..=12).contains(&month)).then_some((year, month))
}

impl Series {
    /// Reads and validates the monitoring layer: every station must be in the stations layer
    /// (when there is one), every date parse, every value be a non-negative number, and each
    /// indicator keep one unit. Problems name the file, the row and the field.
    pub fn read(
        region: &Region,
        stations: Option<&[Station]>,
    ) -> Result<Option<Self>, AnalysisError> {
        let Some(table) = region.layers.get("monitoring") else {
            return Ok(None);
        };
        let file = region.layer_name("monitoring");
        let column = |n: &str| {
            table
                .column_index(n)
                .ok_or_else(|| AnalysisError::Input(format!("{file}: no `{n}` field")))
        };
        let (s, d, i, v) = (
            column("station")?,
            column("date")?,
            column("indicator")?,
            column("value")?,
        );
        let unit_c = table.column_index("unit");
        let known: Option<BTreeSet<&str>> =
            stations.map(|all| all.iter().map(|s| s.id.as_str()).collect());
        let mut problems = Vec::new();
        let mut sums: HashMap<(String, String, i32, u32), (f64, usize)> = HashMap::new();
        let mut units: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for (row, values) in table.rows.iter().enumerate() {
            let mut problem = |field: &str, message: String| {
                if problems.len() < 20 {
                    problems.push(format!(
                        "{file}: {}: field `{field}`: {message}",
                        row_label(&file, row)
                    ));
                }
            };
            let station = values[s].to_text();
            if known
                .as_ref()
                .is_some_and(|k| !k.contains(station.as_str()))
            {
                problem(
                    "station",
                    format!("`{station}` is not in the stations layer"),
                );
                continue;
            }
            let Some((year, month)) = parse_date(&values[d].to_text()) else {
                problem(
                    "date",
                    format!(
                        "`{}` is not a date (YYYY-MM or YYYY-MM-DD)",
                        values[d].to_text()
                    ),
                );
                continue;
            };
            let indicator = values[i].to_text().trim().to_string();
            let value = match values[v].as_f64() {
                Some(x) if x.is_finite() && x >= 0.0 => x,
                Some(x) if x < 0.0 => {
                    problem("value", format!("{x} is a negative concentration"));
                    continue;
                }
                _ => {
                    problem(
                        "value",
                        format!("`{}` is not a number", values[v].to_text()),
                    );
                    continue;
                }
            };
            if let Some(u) = unit_c.map(|c| values[c].to_text().trim().to_string()) {
                match units.get(&indicator) {
                    Some((first, first_row)) if *first != u => {
                        let message = format!(
                            "unit `{u}` of {indicator} differs from `{first}` in {}",
                            row_label(&file, *first_row)
                        );
                        problem("unit", message);
                        continue;
                    }
                    Some(_) => {}
                    None => {
                        units.insert(indicator.clone(), (u, row));
                    }
                }
            }
            let e = sums.entry((station, indicator, year, month)).or_default();
            e.0 += value;
            e.1 += 1;
        }
        if !problems.is_empty() {
            return Err(AnalysisError::Input(problems.join("\n")));
        }
        let mut monthly: BTreeMap<(String, String), BTreeMap<(i32, u32), f64>> = BTreeMap::new();
        for ((station, indicator, year, month), (sum, n)) in sums {
            monthly
                .entry((station, indicator))
                .or_default()
                .insert((year, month), sum / n as f64);
        }
        Ok(Some(Self {
            monthly,
            units: units.into_iter().map(|(k, (u, _))| (k, u)).collect(),
        }))
    }

    /// The annual mean of a station's indicator (mean of its monthly means), if it has data.
    pub fn annual(&self, station: &str, indicator: &str, year: i32) -> Option<Annual> {
        let months: Vec<f64> = self
            .monthly
            .get(&(station.to_string(), indicator.to_string()))?
            .range((year, 1)..=(year, 12))
            .map(|(_, v)| *v)
            .collect();
        (!months.is_empty()).then(|| Annual {
            mean: months.iter().sum::<f64>() / months.len() as f64,
            months: months.len(),
        })
    }

    /// Builds a series from monthly means directly (fixtures).
    #[cfg(test)]
    pub fn from_monthly(values: &[(&str, &str, i32, u32, f64)]) -> Self {
        let mut monthly: BTreeMap<(String, String), BTreeMap<(i32, u32), f64>> = BTreeMap::new();
        for (s, i, y, m, v) in values {
            monthly
                .entry((s.to_string(), i.to_string()))
                .or_default()
                .insert((*y, *m), *v);
        }
        Self {
            monthly,
            units: BTreeMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::AnalysisCrs;
    use crate::table::Table;

    #[test]
    fn bad_rows_are_named_by_row_and_field() {
        let monitoring = Table::of_text(
            "monitoring",
            &["station", "date", "indicator", "value", "unit"],
            &[
                ["S1", "2012-01", "TP", "0.1", "mg/L"],
                ["S9", "2012-01", "TP", "0.1", "mg/L"],
                ["S1", "Jan 2012", "TP", "0.1", "mg/L"],
                ["S1", "2012-02", "TP", "-0.1", "mg/L"],
                ["S1", "2012-03", "TP", "0.1", "ug/L"],
            ],
        );
        let stations = [Station {
            id: "S1".into(),
            at: geo::Coord { x: 0.0, y: 0.0 },
            upstream: None,
            downstream: None,
        }];
        let mut region = Region::new(
            "t",
            AnalysisCrs::albers_for_bounds(120.0, 30.0, 121.0, 31.0),
            vec![],
            BTreeMap::from([("monitoring".to_string(), monitoring)]),
        );
        region
            .layer_files
            .insert("monitoring".into(), "m.csv".into());
        let Err(AnalysisError::Input(message)) = Series::read(&region, Some(&stations)) else {
            panic!("bad rows accepted")
        };
        assert_eq!(
            message.lines().collect::<Vec<_>>(),
            vec![
                "m.csv: row 3: field `station`: `S9` is not in the stations layer",
                "m.csv: row 4: field `date`: `Jan 2012` is not a date (YYYY-MM or YYYY-MM-DD)",
                "m.csv: row 5: field `value`: -0.1 is a negative concentration",
                "m.csv: row 6: field `unit`: unit `ug/L` of TP differs from `mg/L` in row 2",
            ]
        );
    }

    #[test]
    fn dates_are_months_or_days() {
        assert_eq!(parse_date("2012-03"), Some((2012, 3)));
        assert_eq!(parse_date("2012/03/31"), Some((2012, 3)));
        assert_eq!(parse_date("2012-13"), None);
        assert_eq!(parse_date("March 2012"), None);
        assert_eq!(parse_date("2012-03-32"), None);
    }
}
