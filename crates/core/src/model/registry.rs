//! The registry of coordination arrangements: typed rows parsed from a table (the columns of
//! `data/demo/governance.csv`), validated with messages naming row and column.

use serde::Serialize;

use crate::region::Region;
use crate::table::{row_label, Table};

/// A governance mode (Meuleman 2008): hierarchy, market, network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Mode {
    H,
    M,
    N,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::H, Mode::M, Mode::N];

    pub fn name(self) -> &'static str {
        match self {
            Mode::H => "hierarchy",
            Mode::M => "market",
            Mode::N => "network",
        }
    }
}

/// Meta-governance tools (Sørensen 2006; Sørensen & Torfing 2009).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Framing,
    Storytelling,
    Design,
    Facilitation,
    Participation,
}

impl Tool {
    pub const ALL: [Tool; 5] = [
        Tool::Framing,
        Tool::Storytelling,
        Tool::Design,
        Tool::Facilitation,
        Tool::Participation,
    ];

    fn parse(text: &str) -> Option<Tool> {
        Self::ALL.into_iter().find(|t| t.name() == text)
    }

    pub fn name(self) -> &'static str {
        match self {
            Tool::Framing => "framing",
            Tool::Storytelling => "storytelling",
            Tool::Design => "design",
            Tool::Facilitation => "facilitation",
            Tool::Participation => "participation",
        }
    }

    /// Hands-off tools shape the context (framing, storytelling, design); hands-on tools act in
    /// the network (facilitation, participation).
    pub fn hands_on(self) -> bool {
        matches!(self, Tool::Facilitation | Tool::Participation)
    }
}

/// A year with an optional month, as the registry writes dates (`YYYY` or `YYYY-MM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct YearMonth {
    pub year: i32,
    pub month: Option<u8>,
}

impl YearMonth {
    fn parse(text: &str) -> Option<YearMonth> {
        let (year, month) = match text.split_once('-') {
            Some((y, m)) => (
                y,
                Some(m.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?),
            ),
            None => (text, None),
        };
        let year = year
            .parse::<i32>()
            .ok()
            .filter(|y| (1800..=2200).contains(y))?;
        Some(YearMonth { year, month })
    }
}

/// How an arrangement ends, as the `end` column says. Most registries date few ends, so an
/// unknown end (an assumption) must not be conflated with `ongoing` (a fact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// It ended then (`YYYY` or `YYYY-MM`).
    Dated(YearMonth),
    /// Known to be in force to date (`ongoing`).
    Ongoing,
    /// A one-off event, a meeting or a signing with no duration (`event`).
    Event,
    /// The sources do not say (`unknown`, or the cell left empty).
    Unknown,
}

impl Ending {
    fn parse(text: &str) -> Option<Ending> {
        match text {
            "ongoing" => Some(Ending::Ongoing),
            "event" => Some(Ending::Event),
            "" | "unknown" => Some(Ending::Unknown),
            t => YearMonth::parse(t).map(Ending::Dated),
        }
    }

    /// The end date, when one is given.
    pub fn date(self) -> Option<YearMonth> {
        match self {
            Ending::Dated(d) => Some(d),
            _ => None,
        }
    }
}

/// What became of an arrangement (the `outcome` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Abolished,
    Superseded,
    Sustained,
    Expanded,
    Renewed,
    Lapsed,
    Unknown,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 7] = [
        OutcomeKind::Abolished,
        OutcomeKind::Superseded,
        OutcomeKind::Sustained,
        OutcomeKind::Expanded,
        OutcomeKind::Renewed,
        OutcomeKind::Lapsed,
        OutcomeKind::Unknown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OutcomeKind::Abolished => "abolished",
            OutcomeKind::Superseded => "superseded",
            OutcomeKind::Sustained => "sustained",
            OutcomeKind::Expanded => "expanded",
            OutcomeKind::Renewed => "renewed",
            OutcomeKind::Lapsed => "lapsed",
            OutcomeKind::Unknown => "unknown",
        }
    }

    fn parse(text: &str) -> Option<OutcomeKind> {
        OutcomeKind::ALL.into_iter().find(|k| k.name() == text)
    }
}

/// An arrangement's outcome with the year it came and where that is stated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub year: Option<i32>,
    pub source: String,
}

/// One arrangement of the registry.
#[derive(Debug, Clone, Serialize)]
pub struct Arrangement {
    pub id: String,
    pub name: String,
    /// Its Chinese name, when the registry gives one (`name_zh`).
    pub name_zh: Option<String>,
    pub start: YearMonth,
    pub end: Ending,
    /// What became of it, when the registry has an `outcome` column.
    pub outcome: Option<Outcome>,
    /// Where it is documented (`source`), when given.
    pub source: Option<String>,
    pub level: String,
    pub kind: String,
    pub goal: String,
    pub modes: Vec<Mode>,
    pub participants: Vec<String>,
    /// 0 declaration … 5 law (methods.md §6).
    pub binding: u8,
    pub tools: Vec<Tool>,
    /// 0-based row in the registry table.
    pub row: usize,
}

impl Arrangement {
    /// The last year it is in force. An `ongoing` arrangement lasts to `horizon`, an event is
    /// one of its start year; one with an unknown end is assumed to last to `horizon`, except
    /// a bare declaration or abolition (binding 0), which is then taken as an event.
    pub fn last_year(&self, horizon: i32) -> i32 {
        match self.end {
            Ending::Dated(end) => end.year,
            Ending::Ongoing => horizon,
            Ending::Event => self.start.year,
            Ending::Unknown if self.binding == 0 => self.start.year,
            Ending::Unknown => horizon,
        }
    }

    pub fn active_in(&self, year: i32, horizon: i32) -> bool {
        self.start.year <= year && year <= self.last_year(horizon)
    }

    /// Its mode vector: equal shares of the modes it uses (H, M, N).
    pub fn mode_shares(&self) -> [f64; 3] {
        let mut v = [0.0; 3];
        for m in &self.modes {
            v[*m as usize] += 1.0 / self.modes.len() as f64;
        }
        v
    }
}

/// A registry problem: row (0-based), column, message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistryProblem {
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl RegistryProblem {
    /// The problem as a message naming `file` and the row as [`row_label`] does.
    pub fn in_file(&self, file: &str) -> String {
        format!(
            "{file}: {}: column `{}`: {}",
            row_label(file, self.row),
            self.column,
            self.message
        )
    }
}

impl std::fmt::Display for RegistryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "row {}: column `{}`: {}",
            self.row, self.column, self.message
        )
    }
}

pub const GOALS: [&str; 3] = ["economic", "ecological", "integrated"];

/// The registry's columns, in the order of the shared chronology.
pub const COLUMNS: [&str; 11] = [
    "id",
    "start",
    "end",
    "name",
    "level",
    "type",
    "goal",
    "modes",
    "participants",
    "binding",
    "tools",
];

/// Columns a registry may add (the shared chronology has them): the Chinese name, the outcome with
/// its year and source, and the row's source.
pub const OPTIONAL_COLUMNS: [&str; 5] = [
    "name_zh",
    "outcome",
    "outcome_year",
    "outcome_source",
    "source",
];

/// How an arrangement's participants must stand to a border's units to cover it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// A participant is the unit, one of its ancestors or inside it (a provincial agreement
    /// covers every county border between its provinces).
    Any,
    /// A participant is the unit or inside it: arrangements made by the border's own units.
    Direct,
}

/// The codes of a unit and its ancestors.
fn lineage(region: &Region, code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = region.by_code(code);
    while let Some(j) = current {
        out.push(j.code.clone());
        current = j.parent.as_deref().and_then(|c| region.by_code(c));
    }
    out
}

/// Whether participant `p` represents unit `u` within `reach`.
fn represents(region: &Region, p: &str, u: &str, reach: Reach) -> bool {
    let inside = lineage(region, p).iter().any(|c| c == u);
    inside || (reach == Reach::Any && lineage(region, u).iter().any(|c| c == p))
}

/// Whether `arrangement` covers the border between units `a` and `b`: two different
/// participants represent its two sides.
pub fn covers(region: &Region, arrangement: &Arrangement, a: &str, b: &str, reach: Reach) -> bool {
    let on = |side: &str| -> Vec<&String> {
        arrangement
            .participants
            .iter()
            .filter(|p| represents(region, p, side, reach))
            .collect()
    };
    let (pa, pb) = (on(a), on(b));
    pa.iter().any(|p| pb.iter().any(|q| p != q))
}

/// The arrangements covering the border between units `a` and `b` (any reach).
pub fn covering<'r>(
    region: &Region,
    arrangements: &'r [Arrangement],
    a: &str,
    b: &str,
) -> Vec<&'r Arrangement> {
    arrangements
        .iter()
        .filter(|arr| covers(region, arr, a, b, Reach::Any))
        .collect()
}

/// A registry table from rows of text in [`COLUMNS`] order (test fixtures).
#[cfg(test)]
pub(crate) fn table_of(rows: &[[&str; 11]]) -> Table {
    Table::of_text("registry", &COLUMNS, rows)
}

/// Parses and validates the registry. `known_codes`, when given, are the jurisdiction codes that
/// participants must be among.
pub fn parse(
    table: &Table,
    known_codes: Option<&[String]>,
) -> Result<Vec<Arrangement>, Vec<RegistryProblem>> {
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    let mut column = |name: &str| {
        let c = table.column_index(name);
        if c.is_none() {
            missing.push(RegistryProblem {
                row: 0,
                column: name.into(),
                message: "the column is missing".into(),
            });
        }
        c
    };
    let columns = COLUMNS.map(&mut column);
    if !missing.is_empty() {
        return Err(missing);
    }
    let [id, start, end, name, level, kind, goal, modes, participants, binding, tools] =
        columns.map(|c| c.expect("checked"));
    let extra = OPTIONAL_COLUMNS.map(|c| table.column_index(c));
    let mut out = Vec::new();
    for (r, row) in table.rows.iter().enumerate() {
        let text = |c: usize| row[c].to_text().trim().to_string();
        let mut bad = |column: &str, message: String| {
            problems.push(RegistryProblem {
                row: r,
                column: column.into(),
                message,
            })
        };
        let start_date = YearMonth::parse(&text(start));
        if start_date.is_none() {
            bad("start", format!("`{}` is not YYYY or YYYY-MM", text(start)));
        }
        let end_text = text(end);
        let ending = Ending::parse(&end_text).unwrap_or_else(|| {
            bad(
                "end",
                format!("`{end_text}` is not YYYY, YYYY-MM, `ongoing`, `event` or `unknown`"),
            );
            Ending::Unknown
        });
        if let (Some(s), Some(e)) = (start_date, ending.date()) {
            if e < s {
                bad(
                    "end",
                    format!("ends ({}) before it starts ({})", text(end), text(start)),
                );
            }
        }
        let optional = |c: Option<usize>| c.map(text).filter(|t| !t.is_empty());
        let name_zh = optional(extra[0]);
        if extra[0].is_some() && name_zh.is_none() {
            bad("name_zh", "no Chinese name given".into());
        }
        let outcome = extra[1].and_then(|c| {
            let given = text(c);
            let Some(kind) = OutcomeKind::parse(&given) else {
                bad(
                    "outcome",
                    format!("`{given}` is not abolished, superseded, sustained, expanded, renewed, lapsed or unknown"),
                );
                return None;
            };
            let year_text = optional(extra[2]).unwrap_or_default();
            let year = YearMonth::parse(&year_text).map(|y| y.year);
            if !year_text.is_empty() && year.is_none() {
                bad("outcome_year", format!("`{year_text}` is not YYYY"));
            }
            if let (Some(y), Some(s)) = (year, start_date) {
                if y < s.year {
                    bad("outcome_year", format!("{y} is before the start ({})", s.year));
                }
            }
            Some(Outcome {
                kind,
                year,
                source: optional(extra[3]).unwrap_or_default(),
            })
        });
        let goal_text = text(goal);
        if !GOALS.contains(&goal_text.as_str()) {
            bad(
                "goal",
                format!("`{goal_text}` is not economic, ecological or integrated"),
            );
        }
        let mut mode_list = Vec::new();
        for m in text(modes)
            .split(';')
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            match m {
                "H" => mode_list.push(Mode::H),
                "M" => mode_list.push(Mode::M),
                "N" => mode_list.push(Mode::N),
                other => bad("modes", format!("unknown mode `{other}` (H, M, N)")),
            }
        }
        if mode_list.is_empty() {
            bad("modes", "no mode given".into());
        }
        mode_list.sort();
        mode_list.dedup();
        let mut tool_list = Vec::new();
        for t in text(tools)
            .split(';')
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            match Tool::parse(t) {
                Some(tool) => tool_list.push(tool),
                None => bad("tools", format!("unknown tool `{t}` (framing, storytelling, design, facilitation, participation)")),
            }
        }
        let binding_value = text(binding).parse::<u8>().ok().filter(|b| *b <= 5);
        if binding_value.is_none() {
            bad("binding", format!("`{}` is not 0–5", text(binding)));
        }
        let people: Vec<String> = text(participants)
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        if people.is_empty() {
            bad("participants", "no participant given".into());
        }
        if let Some(known) = known_codes {
            for p in people.iter().filter(|p| !known.contains(p)) {
                bad("participants", format!("{p} is not a jurisdiction code"));
            }
        }
        if let (Some(start), Some(binding)) = (start_date, binding_value) {
            out.push(Arrangement {
                id: text(id),
                name: text(name),
                name_zh,
                start,
                end: ending,
                outcome,
                source: optional(extra[4]),
                level: text(level),
                kind: text(kind),
                goal: goal_text,
                modes: mode_list,
                participants: people,
                binding,
                tools: tool_list,
                row: r,
            });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(id: &'a str, end: &'a str) -> [&'a str; 11] {
        [
            id,
            "2000",
            end,
            "declaration",
            "provincial",
            "declaration",
            "ecological",
            "N",
            "31",
            "0",
            "",
        ]
    }

    #[test]
    fn ongoing_and_unknown_ends_parse_and_differ() {
        let table = table_of(&[row("a", "ongoing"), row("b", ""), row("c", "2004")]);
        let parsed = parse(&table, None).unwrap();
        let (ongoing, unknown, dated) = (&parsed[0], &parsed[1], &parsed[2]);
        assert_eq!(ongoing.end, Ending::Ongoing);
        assert_eq!(unknown.end, Ending::Unknown);
        assert_eq!(dated.end.date().map(|e| e.year), Some(2004));
        // A declaration known to be ongoing stays in force; one of unknown end is an event.
        assert_eq!(ongoing.last_year(2010), 2010);
        assert_eq!(unknown.last_year(2010), 2000);
        assert_eq!(dated.last_year(2010), 2004);
    }

    #[test]
    fn a_malformed_end_is_a_problem_of_its_column() {
        let problems = parse(&table_of(&[row("a", "still")]), None).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].column, "end");
        assert!(problems[0].message.contains("ongoing"));
    }

    /// The optional columns, when present, are validated: a Chinese name on every row, an outcome
    /// from the list, its year not before the start; `event` ends in the start year.
    #[test]
    fn names_outcomes_and_events_are_read_and_checked() {
        let mut columns = COLUMNS.to_vec();
        columns.extend(["name_zh", "outcome", "outcome_year", "outcome_source"]);
        fn with<'a>(end: &'a str, zh: &'a str, outcome: &'a str, year: &'a str) -> Vec<&'a str> {
            let mut r = row("a", end).to_vec();
            r.extend([zh, outcome, year, "a source"]);
            r
        }
        let good = [
            with("event", "会议", "sustained", ""),
            with("2004", "上海经济区", "abolished", "2004"),
        ];
        let rows: Vec<&[&str]> = good.iter().map(|r| r.as_slice()).collect();
        let parsed = parse(&Table::of_text("registry", &columns, &rows), None).unwrap();
        assert_eq!(parsed[0].end, Ending::Event);
        assert_eq!(parsed[0].last_year(2020), 2000);
        assert_eq!(parsed[1].name_zh.as_deref(), Some("上海经济区"));
        let outcome = parsed[1].outcome.as_ref().unwrap();
        assert_eq!(
            (outcome.kind, outcome.year),
            (OutcomeKind::Abolished, Some(2004))
        );

        let bad = [
            with("ongoing", "", "sustained", ""),
            with("ongoing", "名", "thriving", ""),
            with("ongoing", "名", "expanded", "1990"),
        ];
        let rows: Vec<&[&str]> = bad.iter().map(|r| r.as_slice()).collect();
        let problems = parse(&Table::of_text("registry", &columns, &rows), None).unwrap_err();
        let found: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_str()))
            .collect();
        assert_eq!(found, [(0, "name_zh"), (1, "outcome"), (2, "outcome_year")]);
    }
}
