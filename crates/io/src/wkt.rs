//! WKT, the text form of a CRS (OGC 01-009 "WKT1" and ISO 19162 "WKT2"), parsed into its nodes:
//! one parser for the CRS a file declares (`file_crs`) and the definitions GeoParquet turns into
//! PROJJSON (`geoparquet::projjson`).

/// A WKT node, `KEYWORD["text", 1.5, CHILD[...], ...]` (or with parentheses).
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) keyword: String,
    pub(crate) args: Vec<Arg>,
}

/// One argument of a node.
#[derive(Debug)]
pub(crate) enum Arg {
    Text(String),
    Number(f64),
    Node(Node),
}

/// Deeper than any CRS nests (a WKT2 projected CRS nests five deep): a file nested further is
/// not a CRS, and is refused before the parser's recursion could exhaust the stack.
const MAX_DEPTH: usize = 16;

impl Node {
    pub(crate) fn parse(text: &str) -> Option<Node> {
        let mut rest = text;
        let node = Self::parse_node(&mut rest, 0)?;
        rest.trim().is_empty().then_some(node)
    }

    fn parse_node(rest: &mut &str, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        let open = rest.find(['[', '('])?;
        let keyword = rest[..open].trim().to_string();
        if keyword.is_empty()
            || !keyword
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return None;
        }
        *rest = &rest[open + 1..];
        let mut args = Vec::new();
        loop {
            *rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix('"') {
                // A quote inside text is written twice (WKT2).
                let mut text = String::new();
                let mut tail = after;
                loop {
                    let end = tail.find('"')?;
                    text.push_str(&tail[..end]);
                    tail = &tail[end + 1..];
                    match tail.strip_prefix('"') {
                        Some(more) => {
                            text.push('"');
                            tail = more;
                        }
                        None => break,
                    }
                }
                args.push(Arg::Text(text));
                *rest = tail;
            } else if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
                let word = rest
                    .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .unwrap_or(rest.len());
                if rest[word..].trim_start().starts_with(['[', '(']) {
                    args.push(Arg::Node(Self::parse_node(rest, depth + 1)?));
                } else {
                    // A bare enumeration value, e.g. the EAST of AXIS["Easting",EAST].
                    args.push(Arg::Text(rest[..word].to_string()));
                    *rest = &rest[word..];
                }
            } else {
                let end = rest.find([',', ']', ')'])?;
                args.push(Arg::Number(rest[..end].trim().parse().ok()?));
                *rest = &rest[end..];
            }
            *rest = rest.trim_start();
            match rest.chars().next()? {
                ',' => *rest = &rest[1..],
                ']' | ')' => {
                    *rest = &rest[1..];
                    return Some(Node { keyword, args });
                }
                _ => return None,
            }
        }
    }

    /// Its first argument as text (its name), empty when it has none.
    pub(crate) fn name(&self) -> String {
        self.text(0).unwrap_or_default().to_string()
    }

    /// The first child node with this keyword.
    pub(crate) fn child<'a>(&'a self, keyword: &'a str) -> Option<&'a Node> {
        self.children(keyword).next()
    }

    pub(crate) fn text(&self, i: usize) -> Option<&str> {
        match self.args.get(i)? {
            Arg::Text(t) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn number(&self, i: usize) -> Option<f64> {
        match self.args.get(i)? {
            Arg::Number(x) => Some(*x),
            Arg::Text(t) => t.parse().ok(),
            Arg::Node(_) => None,
        }
    }

    pub(crate) fn children<'a>(&'a self, keyword: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.args.iter().filter_map(move |a| match a {
            Arg::Node(n) if n.keyword.eq_ignore_ascii_case(keyword) => Some(n),
            _ => None,
        })
    }

    /// The first node with one of `keywords`, depth first.
    pub(crate) fn find(&self, keywords: &[&str]) -> Option<&Node> {
        self.args.iter().find_map(|a| match a {
            Arg::Node(n) if keywords.iter().any(|k| n.keyword.eq_ignore_ascii_case(k)) => Some(n),
            Arg::Node(n) => n.find(keywords),
            _ => None,
        })
    }

    /// The EPSG code of the node itself: `AUTHORITY["EPSG","4326"]` (WKT1) or `ID["EPSG",4326]`
    /// (WKT2) among its own children.
    pub(crate) fn epsg(&self) -> Option<u32> {
        let id = self
            .children("AUTHORITY")
            .chain(self.children("ID"))
            .find(|id| id.text(0).is_some_and(|a| a.eq_ignore_ascii_case("EPSG")))?;
        let code = id.number(1)?;
        (code.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&code)).then_some(code as u32)
    }
}
