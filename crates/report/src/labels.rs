//! The report's words in English and Chinese, read from `data/labels.tsv` (one row per key, both
//! languages side by side) so that a translator edits one file and nothing is scattered.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::OnceLock;

use borderscape_core::analysis::REGISTRY;
use borderscape_core::spec::ParamSpec;
use borderscape_core::table::{ColumnType, Value};

use crate::format::{format_number, group_digits};

const LABELS: &str = include_str!("../data/labels.tsv");

/// The language of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "en" => Ok(Lang::En),
            "zh" => Ok(Lang::Zh),
            other => Err(format!("unknown language `{other}`: use en or zh")),
        }
    }
}

/// Every key with its English and Chinese text.
fn table() -> &'static HashMap<&'static str, [&'static str; 2]> {
    static TABLE: OnceLock<HashMap<&'static str, [&'static str; 2]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        LABELS
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut parts = l.split('\t');
                Some((parts.next()?, [parts.next()?, parts.next()?]))
            })
            .collect()
    })
}

impl Lang {
    /// The `lang` attribute of the HTML page.
    pub fn html(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// The other language (`analyze` writes the report in both).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }

    /// The report's file name in this language beside a `report.html` in the other one.
    pub fn file_name(self) -> &'static str {
        match self {
            Lang::En => "report.en.html",
            Lang::Zh => "report.zh.html",
        }
    }

    /// The text of a key, if the table has it.
    pub fn get(self, key: &str) -> Option<&'static str> {
        table().get(key).map(|both| both[self as usize])
    }

    /// The text of a key the report always has (a test checks the table); the key itself if not.
    pub fn t(self, key: &str) -> String {
        self.get(key)
            .map_or_else(|| key.to_string(), str::to_string)
    }

    /// A template filled in: `{name}` replaced by its value.
    pub fn fill(self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.t(key);
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// A category in a cell, legend or axis (a conflict type, a mode, a level); other values, such
    /// as place names, as they are.
    pub fn cat(self, value: &str) -> String {
        self.get(&format!("cat.{value}"))
            .map_or_else(|| value.to_string(), str::to_string)
    }

    /// The label of an analysis.
    pub fn analysis(self, name: &str) -> String {
        self.t(&format!("analysis.{name}"))
    }

    /// What a parameter of an analysis means: `param.<analysis>.<name>`, or `param.<name>` for
    /// the parameters analyses share (permutations, seed, alternative); the spec's description
    /// where neither is labelled.
    pub fn param(self, analysis: &str, p: &ParamSpec) -> String {
        self.get(&format!("param.{analysis}.{}", p.name))
            .or_else(|| self.get(&format!("param.{}", p.name)))
            .unwrap_or(p.description)
            .to_string()
    }

    /// The label of an output table; per-level tables (`load_matrix_county`) name their level.
    pub fn table(self, name: &str) -> String {
        if let Some(text) = self.get(&format!("table.{name}")) {
            return text.to_string();
        }
        for output in REGISTRY.iter().flat_map(|a| a.spec.outputs) {
            if let Some((prefix, suffix)) = output.name.split_once("<level>") {
                if output.is_named(name) {
                    let level = &name[prefix.len()..name.len() - suffix.len()];
                    let key = format!("table.{}", output.name);
                    return self.fill(&key, &[("level", &self.cat(level))]);
                }
            }
        }
        name.to_string()
    }

    /// The label of a column (`U_ecology` names its subsystem).
    pub fn column(self, name: &str) -> String {
        if let Some(text) = self.get(&format!("column.{name}")) {
            return text.to_string();
        }
        match name.strip_prefix("U_") {
            Some(system) => self.fill("column.U_<system>", &[("system", &self.cat(system))]),
            None => name.to_string(),
        }
    }

    /// A unit as readers of this language write it.
    pub fn unit(self, unit: &str) -> String {
        self.get(&format!("unit.{unit}"))
            .map_or_else(|| unit.to_string(), str::to_string)
    }

    /// A column header: its label and unit.
    pub fn header(self, name: &str, unit: Option<&str>) -> String {
        match unit {
            Some(u) => format!("{} ({})", self.column(name), self.unit(u)),
            None => self.column(name),
        }
    }

    /// A cell for people: numbers of numeric columns formatted (integers as integers), booleans
    /// as yes/no, categories labelled, codes and names as they are.
    pub fn cell(self, value: &Value, kind: Option<ColumnType>) -> String {
        let numeric = matches!(kind, Some(ColumnType::Int | ColumnType::Real))
            || (kind.is_none() && matches!(value, Value::Int(_) | Value::Real(_)));
        match value {
            Value::Null => String::new(),
            Value::Bool(b) => self.cat(&b.to_string()),
            v if numeric => match v.as_f64() {
                Some(x) if matches!(kind, Some(ColumnType::Int)) || x.fract() == 0.0 => {
                    group_digits(x)
                }
                Some(x) => format_number(x),
                None => v.to_text(),
            },
            v => {
                let text = v.to_text();
                // Lists (`H;N`, `ecological;economic`) are labelled item by item.
                if text.contains(';')
                    && text
                        .split(';')
                        .all(|p| self.get(&format!("cat.{p}")).is_some())
                {
                    text.split(';')
                        .map(|p| self.cat(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                } else {
                    self.cat(&text)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Every label as JSON, `{"en": {key: text}, "zh": {…}}` with keys sorted: the dashboard's copy
    /// (`web/labels.json`), kept equal to the table by a test.
    pub fn labels_json() -> String {
        let mut both = serde_json::Map::new();
        for lang in [Lang::En, Lang::Zh] {
            let mut keys: Vec<&&str> = table().keys().collect();
            keys.sort();
            let texts: serde_json::Map<String, serde_json::Value> = keys
                .into_iter()
                .map(|k| (k.to_string(), lang.t(k).into()))
                .collect();
            both.insert(lang.html()[..2].to_string(), texts.into());
        }
        serde_json::to_string_pretty(&both).expect("strings serialise") + "\n"
    }

    /// The dashboard reads the same labels: web/labels.json must be this table's copy
    /// (`BORDERSCAPE_UPDATE_LABELS=1 cargo test -p borderscape-report web_labels` rewrites it).
    #[test]
    fn web_labels_are_the_tables_copy() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/labels.json");
        if std::env::var_os("BORDERSCAPE_UPDATE_LABELS").is_some() {
            std::fs::write(path, labels_json()).unwrap();
        }
        let copy = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            copy == labels_json(),
            "web/labels.json is stale: BORDERSCAPE_UPDATE_LABELS=1 cargo test -p borderscape-report web_labels"
        );
    }

    #[test]
    fn every_row_has_a_key_and_both_languages_once() {
        let mut seen = HashSet::new();
        for (n, line) in LABELS.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let parts: Vec<&str> = line.split('\t').collect();
            assert_eq!(parts.len(), 3, "line {}: key, en, zh", n + 1);
            assert!(parts.iter().all(|p| !p.trim().is_empty()), "line {}", n + 1);
            assert!(seen.insert(parts[0]), "line {}: {} twice", n + 1, parts[0]);
        }
    }

    #[test]
    fn every_analysis_output_and_column_has_labels() {
        for analysis in REGISTRY {
            let spec = analysis.spec;
            for key in [
                format!("analysis.{}", spec.name),
                format!("about.{}", spec.name),
            ] {
                assert!(Lang::Zh.get(&key).is_some(), "{key}");
            }
            for output in spec.outputs {
                assert!(
                    Lang::Zh.get(&format!("table.{}", output.name)).is_some(),
                    "table.{}",
                    output.name
                );
                for c in (output.columns)() {
                    assert!(
                        Lang::Zh.get(&format!("column.{}", c.name)).is_some(),
                        "column.{} of {}",
                        c.name,
                        output.name
                    );
                }
            }
        }
    }

    /// Every parameter reads in Chinese, and its English label is the spec's description (which
    /// stays the source: docs and `analyze --list` print it).
    #[test]
    fn every_parameter_has_a_chinese_label_and_the_specs_english() {
        for analysis in REGISTRY {
            for p in analysis.spec.params {
                let zh = Lang::Zh.param(analysis.spec.name, p);
                assert!(
                    zh != p.description,
                    "param.{}.{} (or param.{}) needs a row in labels.tsv",
                    analysis.spec.name,
                    p.name,
                    p.name
                );
                assert_eq!(
                    Lang::En.param(analysis.spec.name, p),
                    p.description,
                    "the English of param.{}.{} is the spec's description",
                    analysis.spec.name,
                    p.name
                );
            }
        }
    }

    #[test]
    fn labels_and_cells_read_as_people_write() {
        assert_eq!(Lang::Zh.table("load_matrix_county"), "跨界负荷矩阵（县级）");
        assert_eq!(Lang::En.column("U_ecology"), "Subsystem score: ecology");
        assert_eq!(Lang::Zh.header("amount_yuan", Some("yuan")), "金额 (元)");
        assert_eq!(Lang::En.cell(&Value::Real(367.0), None), "367");
        assert_eq!(
            Lang::En.cell(&Value::Text("13769".into()), Some(ColumnType::Int)),
            "13,769"
        );
        assert_eq!(
            Lang::En.cell(&Value::Text("310101".into()), Some(ColumnType::Text)),
            "310101"
        );
        assert_eq!(
            Lang::Zh.cell(&Value::Text("H;N".into()), Some(ColumnType::Text)),
            "科层, 网络"
        );
        assert_eq!(Lang::Zh.cell(&Value::Bool(true), None), "是");
        assert_eq!(Lang::En.cell(&Value::Real(0.77781), None), "0.7778");
        assert_eq!(
            "fr".parse::<Lang>().unwrap_err(),
            "unknown language `fr`: use en or zh"
        );
    }
}
