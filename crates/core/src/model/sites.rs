//! Point sites: monitoring stations and facilities, typed once with their checks, so that the
//! analyses and the schemes read the same records.

use geo::{Coord, Geometry};

use super::rules::NuisanceRadii;
use crate::region::Region;
use crate::table::Table;

/// A monitoring station; `upstream`/`downstream` are the codes of the units on each side of
/// the section it watches, when the layer gives them.
#[derive(Debug, Clone)]
pub struct Station {
    pub id: String,
    pub at: Coord,
    pub upstream: Option<String>,
    pub downstream: Option<String>,
}

/// A facility: its id (the row number when the layer has no `id`), type and position.
#[derive(Debug, Clone)]
pub struct Facility {
    pub id: String,
    pub kind: String,
    pub at: Coord,
}

/// The text of a field, trimmed; `None` when the field is missing or empty.
fn field(table: &Table, row: usize, column: Option<usize>) -> Option<String> {
    let text = table.rows[row][column?].to_text().trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// The point of a feature, or a problem naming it.
fn point(table: &Table, row: usize, file: &str, id: &str) -> Result<Coord, String> {
    match table.geometry(row) {
        Some(Geometry::Point(p)) => Ok(p.0),
        _ => Err(format!(
            "{file}: feature {row} (id {id}): field `geometry`: a station or facility is a point"
        )),
    }
}

/// The stations layer: every station has a unique `id`, a point, and sides that are
/// jurisdictions. `None` without a stations layer.
pub fn stations(region: &Region) -> Result<Option<Vec<Station>>, Vec<String>> {
    let Some(table) = region.layers.get("stations") else {
        return Ok(None);
    };
    let file = region.layer_name("stations");
    let Some(id_c) = table.column_index("id") else {
        return Err(vec![format!("{file}: no `id` field")]);
    };
    let (up_c, down_c) = (
        table.column_index("upstream"),
        table.column_index("downstream"),
    );
    let mut problems = Vec::new();
    let mut out: Vec<Station> = Vec::new();
    for row in 0..table.len() {
        let Some(id) = field(table, row, Some(id_c)) else {
            problems.push(format!("{file}: feature {row}: field `id`: empty"));
            continue;
        };
        if out.iter().any(|s| s.id == id) {
            problems.push(format!(
                "{file}: feature {row}: field `id`: `{id}` is not unique"
            ));
        }
        let sides = [("upstream", up_c), ("downstream", down_c)].map(|(name, c)| {
            let code = field(table, row, c)?;
            if region.by_code(&code).is_none() {
                problems.push(format!(
                    "{file}: feature {row} (id {id}): field `{name}`: `{code}` is not a jurisdiction"
                ));
            }
            Some(code)
        });
        match point(table, row, &file, &id) {
            Ok(at) => {
                let [upstream, downstream] = sides;
                out.push(Station {
                    id,
                    at,
                    upstream,
                    downstream,
                })
            }
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(Some(out))
    } else {
        Err(problems)
    }
}

/// The facilities layer: every facility is a point of a type the nuisance radii table knows.
pub fn facilities(region: &Region, radii: &NuisanceRadii) -> Result<Vec<Facility>, Vec<String>> {
    let Some(table) = region.layers.get("facilities") else {
        return Ok(Vec::new());
    };
    let file = region.layer_name("facilities");
    let (type_c, id_c) = (table.column_index("type"), table.column_index("id"));
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for row in 0..table.len() {
        let id = field(table, row, id_c).unwrap_or_else(|| row.to_string());
        let kind = field(table, row, type_c).unwrap_or_default();
        if !radii.radius_m.contains_key(&kind) {
            let mut known: Vec<&str> = radii.radius_m.keys().map(String::as_str).collect();
            known.sort_unstable();
            problems.push(format!(
                "{file}: feature {row} (id {id}): field `type`: `{kind}` has no nuisance radius (known: {}); add it to the nuisance_radii table",
                known.join(", ")
            ));
            continue;
        }
        match point(table, row, &file, &id) {
            Ok(at) => out.push(Facility { id, kind, at }),
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}
