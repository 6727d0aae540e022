//! Cases from the results: one per border and conflict type (one per unit and type for a
//! conflict inside one unit), linked to its conflicts by their identity. Re-importing after a
//! new analysis links new conflicts to the existing cases, marks the links of conflicts that are
//! gone, moves a case whose conflicts are all gone to `conflicts_cleared` for the office to
//! confirm (and back to `raised` if they return), and changes nothing when nothing changed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use borderscape_core::table::{Table, Value};
use borderscape_io::{gpkg, IoError};
use geo::Centroid;
use serde::Serialize;

use crate::error::CaseError;
use crate::model::{Actor, Case, LinkedConflict, State};
use crate::store::{insert_case, load_cases, save_case, Store, Write};

/// A conflict of the results as the register sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundConflict {
    /// What identifies it across runs and plan versions (the `identity` column of `conflicts`).
    pub key: String,
    pub kind: String,
    pub severity: i64,
    /// The border's codes, a < b (none for a conflict inside one unit).
    pub border: Option<(String, String)>,
    pub causing: String,
    pub plan: Option<String>,
    /// Its geometry's centroid, WGS84 lon/lat.
    pub point: Option<(f64, f64)>,
}

/// A jurisdiction of the results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitRow {
    pub code: String,
    pub parent: Option<String>,
    pub name: String,
}

/// What an import reads from a results folder.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// The conflicts of the latest plan version and those that do not depend on the plans.
    pub conflicts: Vec<FoundConflict>,
    pub units: Vec<UnitRow>,
    /// The plan version taken as the latest (none: the results have no plan versions).
    pub latest_plan: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportSummary {
    /// Conflicts at or above the minimum severity.
    pub conflicts: usize,
    pub created: usize,
    /// Existing cases that changed (links, severity, state).
    pub updated: usize,
    /// Conflicts newly linked to existing cases.
    pub linked: usize,
    /// Cases moved to `conflicts_cleared`.
    pub cleared: usize,
    pub unchanged: usize,
    pub latest_plan: Option<String>,
}

fn text(table: &Table, row: usize, column: Option<usize>) -> String {
    column
        .and_then(|c| table.rows[row].get(c))
        .map(Value::to_text)
        .unwrap_or_default()
}

/// Reads the conflicts and jurisdictions of a results folder's `results.gpkg`.
pub fn read_results(dir: &Path) -> Result<Found, IoError> {
    let path = dir.join("results.gpkg");
    let tables: BTreeMap<String, Table> = gpkg::read_all(&path)?
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect();
    let Some(conflicts) = tables.get("conflicts") else {
        return Err(IoError::file(
            &path,
            "no `conflicts` table: run `borderscape analyze` with the conflicts analysis first",
        ));
    };
    let col = |name: &str| -> Result<usize, IoError> {
        conflicts.column_index(name).ok_or_else(|| {
            IoError::file(&path, format!("table `conflicts` has no column `{name}`"))
        })
    };
    let (kind, severity, causing, affected, plan) = (
        col("type")?,
        col("severity")?,
        col("causing")?,
        col("affected")?,
        col("plan")?,
    );
    let identity = conflicts.column_index("identity").ok_or_else(|| {
        IoError::file(
            &path,
            "table `conflicts` has no column `identity` (results of an older borderscape): run `borderscape analyze` again",
        )
    })?;
    let latest_plan = latest_plan(&tables, conflicts, plan);
    let mut found = Vec::new();
    for i in 0..conflicts.len() {
        let t = |c: usize| text(conflicts, i, Some(c));
        let row_plan = Some(t(plan)).filter(|p| !p.is_empty());
        if row_plan.is_some() && row_plan != latest_plan {
            continue;
        }
        let kind_name = t(kind);
        let sev = conflicts.rows[i][severity].as_f64().ok_or_else(|| {
            IoError::file(
                &path,
                format!(
                    "table `conflicts`, row {}: field `severity` is not a number",
                    i + 1
                ),
            )
        })? as i64;
        let (c, a) = (t(causing), t(affected));
        let border = (!a.is_empty() && a != c).then(|| {
            if c < a {
                (c.clone(), a.clone())
            } else {
                (a.clone(), c.clone())
            }
        });
        let point = conflicts
            .geometry(i)
            .and_then(|g| g.centroid())
            .map(|p| (p.x(), p.y()));
        found.push(FoundConflict {
            key: t(identity),
            kind: kind_name,
            severity: sev,
            border,
            causing: c,
            plan: row_plan,
            point,
        });
    }
    let units = tables
        .get("jurisdictions")
        .map(|t| {
            let (code, parent, name) = (
                t.column_index("code"),
                t.column_index("parent"),
                t.column_index("name"),
            );
            (0..t.len())
                .map(|i| UnitRow {
                    code: text(t, i, code),
                    parent: Some(text(t, i, parent)).filter(|p| !p.is_empty()),
                    name: text(t, i, name),
                })
                .filter(|u| !u.code.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Ok(Found {
        conflicts: found,
        units,
        latest_plan,
    })
}

/// The latest plan version: the later version of `conflict_changes` when the results compare
/// versions, else the only version the conflicts name.
fn latest_plan(tables: &BTreeMap<String, Table>, conflicts: &Table, plan: usize) -> Option<String> {
    if let Some(changes) = tables.get("conflict_changes") {
        if let Some(to) = changes.column_index("to_plan") {
            if let Some(row) = changes.rows.first() {
                return Some(row[to].to_text()).filter(|p| !p.is_empty());
            }
        }
    }
    let plans: BTreeSet<String> = conflicts
        .rows
        .iter()
        .map(|r| r[plan].to_text())
        .filter(|p| !p.is_empty())
        .collect();
    plans.into_iter().next_back()
}

/// The case a group of conflicts belongs to: `a|b|type`, or `unit||type` inside one unit.
fn case_key(c: &FoundConflict) -> String {
    match &c.border {
        Some((a, b)) => format!("{a}|{b}|{}", c.kind),
        None => format!("{}||{}", c.causing, c.kind),
    }
}

impl Store {
    /// Imports the conflicts of `found` with severity at least `min_severity` (1–3).
    pub fn import(
        &mut self,
        actor: &Actor,
        found: &Found,
        min_severity: i64,
    ) -> Result<ImportSummary, CaseError> {
        if !(1..=3).contains(&min_severity) {
            return Err(CaseError::invalid(
                self.db(),
                None,
                "min_severity",
                format!("{min_severity} is not 1, 2 or 3"),
            ));
        }
        let mut groups: BTreeMap<String, Vec<&FoundConflict>> = BTreeMap::new();
        for c in found
            .conflicts
            .iter()
            .filter(|c| c.severity >= min_severity)
        {
            groups.entry(case_key(c)).or_default().push(c);
        }
        let names: BTreeMap<&str, &str> = found
            .units
            .iter()
            .map(|u| (u.code.as_str(), u.name.as_str()))
            .collect();
        self.write(|w| {
            let mut summary = ImportSummary {
                conflicts: groups.values().map(Vec::len).sum(),
                latest_plan: found.latest_plan.clone(),
                ..Default::default()
            };
            import_units(w, actor, &found.units)?;
            let existing: BTreeMap<String, Case> = load_cases(&mut w.tx, None)
                .map_err(crate::store::db_error(w.db))?
                .into_iter()
                .filter_map(|c| Some((c.import_key.clone()?, c)))
                .collect();
            for (key, conflicts) in &groups {
                match existing.get(key) {
                    None => {
                        let case = new_case(w, key, conflicts, &names)?;
                        insert_case(w, &case)?;
                        write_links(w, &case)?;
                        w.audit(actor, "case.import", Some(case.id), None, Some(&case))?;
                        summary.created += 1;
                    }
                    Some(before) => {
                        let (case, linked) = relink(w, before, conflicts);
                        summary.linked += linked;
                        apply(w, actor, before, case, &mut summary)?;
                    }
                }
            }
            for (key, before) in &existing {
                if !groups.contains_key(key) {
                    let (case, _) = relink(w, before, &[]);
                    apply(w, actor, before, case, &mut summary)?;
                }
            }
            Ok(summary)
        })
    }
}

/// Records the jurisdictions (their codes check case units; their parents scope unit users).
fn import_units(w: &mut Write<'_>, actor: &Actor, units: &[UnitRow]) -> Result<(), CaseError> {
    let known: BTreeMap<String, (Option<String>, String)> = w
        .query("SELECT code, parent, name FROM units", &[])?
        .into_iter()
        .map(|r| {
            (
                r[0].string(),
                (r[1].text().map(str::to_string), r[2].string()),
            )
        })
        .collect();
    let changed: Vec<&UnitRow> = units
        .iter()
        .filter(|u| known.get(&u.code) != Some(&(u.parent.clone(), u.name.clone())))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    for u in &changed {
        w.execute(
            "DELETE FROM units WHERE code = $1",
            &[u.code.clone().into()],
        )?;
        w.execute(
            "INSERT INTO units (code, parent, name) VALUES ($1, $2, $3)",
            &[
                u.code.clone().into(),
                u.parent.clone().into(),
                u.name.clone().into(),
            ],
        )?;
        w.touch("units", u.code.clone());
    }
    w.audit(actor, "units.import", None, None, Some(&changed))
}

fn new_case(
    w: &mut Write<'_>,
    key: &str,
    conflicts: &[&FoundConflict],
    names: &BTreeMap<&str, &str>,
) -> Result<Case, CaseError> {
    let first = conflicts[0];
    let name = |code: &str| names.get(code).copied().unwrap_or(code).to_string();
    let (a, b, units, title) = match &first.border {
        Some((a, b)) => (
            Some(a.clone()),
            Some(b.clone()),
            Vec::new(),
            format!(
                "{}: {} / {}",
                first.kind.replace('_', " "),
                name(a),
                name(b)
            ),
        ),
        None => (
            None,
            None,
            vec![first.causing.clone()],
            format!("{}: {}", first.kind.replace('_', " "), name(&first.causing)),
        ),
    };
    let points: Vec<(f64, f64)> = conflicts.iter().filter_map(|c| c.point).collect();
    let mean = |f: fn(&(f64, f64)) -> f64| {
        (!points.is_empty()).then(|| points.iter().map(f).sum::<f64>() / points.len() as f64)
    };
    let mut case = Case {
        id: w.next_id("cases")?,
        title,
        owner_units: a
            .iter()
            .chain(b.iter())
            .chain(units.iter())
            .cloned()
            .collect(),
        a,
        b,
        units,
        kind: first.kind.clone(),
        severity: conflicts.iter().map(|c| c.severity).max().unwrap_or(1),
        lon: mean(|p| p.0),
        lat: mean(|p| p.1),
        import_key: Some(key.to_string()),
        ..Case::raised(&w.now)
    };
    case.conflicts = link_list(&case.conflicts, conflicts, &w.now).0;
    Ok(case)
}

/// The links after an import finding `conflicts`, and how many are new.
fn link_list(
    old: &[LinkedConflict],
    conflicts: &[&FoundConflict],
    now: &str,
) -> (Vec<LinkedConflict>, usize) {
    let found: BTreeMap<&str, &FoundConflict> =
        conflicts.iter().map(|c| (c.key.as_str(), *c)).collect();
    let mut links: BTreeMap<String, LinkedConflict> = BTreeMap::new();
    for l in old {
        let mut l = l.clone();
        match found.get(l.key.as_str()) {
            Some(c) => {
                l.present = true;
                l.gone_since = None;
                l.plan = c.plan.clone();
                l.severity = c.severity;
            }
            None if l.present => {
                l.present = false;
                l.gone_since = Some(now.to_string());
            }
            None => {}
        }
        links.insert(l.key.clone(), l);
    }
    let mut added = 0;
    for (key, c) in found {
        if !links.contains_key(key) {
            added += 1;
            links.insert(
                key.to_string(),
                LinkedConflict {
                    key: key.to_string(),
                    plan: c.plan.clone(),
                    severity: c.severity,
                    present: true,
                    first_seen: now.to_string(),
                    gone_since: None,
                },
            );
        }
    }
    (links.into_values().collect(), added)
}

/// An existing case after an import: its links, severity (the highest present) and state.
fn relink(w: &Write<'_>, before: &Case, conflicts: &[&FoundConflict]) -> (Case, usize) {
    let mut case = before.clone();
    let (links, added) = link_list(&before.conflicts, conflicts, &w.now);
    case.conflicts = links;
    if let Some(max) = conflicts.iter().map(|c| c.severity).max() {
        case.severity = max;
    }
    let any_present = case.conflicts.iter().any(|l| l.present);
    if !case.state.is_closed() {
        if !any_present && case.state != State::ConflictsCleared {
            case.state = State::ConflictsCleared;
        } else if any_present && case.state == State::ConflictsCleared {
            case.state = State::Raised;
        }
    }
    (case, added)
}

/// Saves an imported change to an existing case, if there is one.
fn apply(
    w: &mut Write<'_>,
    actor: &Actor,
    before: &Case,
    mut case: Case,
    summary: &mut ImportSummary,
) -> Result<(), CaseError> {
    if case == *before {
        summary.unchanged += 1;
        return Ok(());
    }
    if case.state == State::ConflictsCleared && before.state != State::ConflictsCleared {
        summary.cleared += 1;
    }
    summary.updated += 1;
    save_case(w, before, &mut case)?;
    w.execute(
        "DELETE FROM case_conflicts WHERE case_id = $1",
        &[case.id.into()],
    )?;
    write_links(w, &case)?;
    w.audit(
        actor,
        "case.import",
        Some(case.id),
        Some(before),
        Some(&case),
    )
}

fn write_links(w: &mut Write<'_>, case: &Case) -> Result<(), CaseError> {
    for l in &case.conflicts {
        w.execute(
            "INSERT INTO case_conflicts (case_id, conflict_key, plan, severity, present, first_seen, gone_since) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                case.id.into(),
                l.key.clone().into(),
                l.plan.clone().into(),
                l.severity.into(),
                i64::from(l.present).into(),
                l.first_seen.clone().into(),
                l.gone_since.clone().into(),
            ],
        )?;
    }
    Ok(())
}
