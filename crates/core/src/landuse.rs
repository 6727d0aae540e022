//! Land-use classes of China's 2023 classification for territorial spatial planning (MNR 2023,
//! *Guidelines for land and sea use classification*, Appendix I; methods.md §1.1), and the
//! groupings that the conflict analyses rest on.
//!
//! Codes are strings: two digits for the first level (`07` residential), four for the second
//! (`1309` sanitation), six for the third (`100103` class-3 industry). A code is known when it or
//! one of its prefixes is listed here, so `070101` is residential even though it is not listed.

/// (code, English name, Chinese name): the 24 first-level classes and the second- and third-level
/// classes that border conflicts turn on.
pub const CLASSES: &[(&str, &str, &str)] = &[
    ("01", "cropland", "耕地"),
    ("0101", "paddy field", "水田"),
    ("0102", "irrigated land", "水浇地"),
    ("0103", "dry land", "旱地"),
    ("02", "orchard", "园地"),
    ("03", "forest", "林地"),
    ("0301", "arbor forest", "乔木林地"),
    ("04", "grassland", "草地"),
    ("05", "wetland", "湿地"),
    ("0506", "inland tidal flat", "内陆滩涂"),
    ("06", "agricultural facilities", "农业设施建设用地"),
    ("07", "residential", "居住用地"),
    ("0701", "urban residential", "城镇住宅用地"),
    ("0703", "rural residential", "农村宅基地"),
    (
        "08",
        "public administration and services",
        "公共管理与公共服务用地",
    ),
    ("0804", "education", "教育用地"),
    ("0806", "medical and health", "医疗卫生用地"),
    ("09", "commercial", "商业服务业用地"),
    ("10", "industrial and mining", "工矿用地"),
    ("1001", "industrial", "工业用地"),
    ("100101", "class-1 industrial", "一类工业用地"),
    ("100102", "class-2 industrial", "二类工业用地"),
    (
        "100103",
        "class-3 industrial (heavily polluting)",
        "三类工业用地",
    ),
    ("1002", "mining", "采矿用地"),
    ("11", "warehousing", "仓储用地"),
    ("1103", "hazardous goods storage", "危险品仓储用地"),
    ("12", "transport", "交通运输用地"),
    ("13", "public utilities", "公用设施用地"),
    ("1302", "drainage (sewage plants)", "排水用地"),
    ("1309", "sanitation (landfills, incinerators)", "环卫用地"),
    ("14", "green and open space", "绿地与开敞空间用地"),
    ("1401", "park green space", "公园绿地"),
    ("1402", "protective green space", "防护绿地"),
    ("15", "special", "特殊用地"),
    ("16", "reserved", "留白用地"),
    ("17", "inland water", "陆地水域"),
    ("1701", "river water surface", "河流水面"),
    ("1702", "lake water surface", "湖泊水面"),
    ("1703", "reservoir water surface", "水库水面"),
    ("18", "fishery sea use", "渔业用海"),
    ("19", "industrial and communication sea use", "工矿通信用海"),
    ("20", "transport sea use", "交通运输用海"),
    ("21", "recreational sea use", "游憩用海"),
    ("22", "special sea use", "特殊用海"),
    ("23", "other land", "其他土地"),
    ("24", "other sea", "其他海域"),
];

/// The listed class that `code` falls in: itself or its longest listed prefix.
pub fn lookup(code: &str) -> Option<(&'static str, &'static str, &'static str)> {
    let code = code.trim();
    CLASSES
        .iter()
        .filter(|(c, _, _)| code.starts_with(c))
        .max_by_key(|(c, _, _)| c.len())
        .copied()
}

/// Whether the code is a class of the 2023 classification (or a sub-class of a listed one).
pub fn is_known(code: &str) -> bool {
    let code = code.trim();
    code.len().is_multiple_of(2)
        && code.chars().all(|c| c.is_ascii_digit())
        && lookup(code).is_some()
}

/// The first-level class (two digits).
pub fn first_level(code: &str) -> &str {
    code.trim().get(..2).unwrap_or("")
}

/// Construction land in the sense of the conflict analyses: residential, public services,
/// commercial, industrial, warehousing, transport, utilities, special and reserved land (first
/// levels 07–13, 15, 16). Green and open space (14) and agricultural facilities (06) are not.
pub fn is_construction(code: &str) -> bool {
    matches!(
        first_level(code),
        "07" | "08" | "09" | "10" | "11" | "12" | "13" | "15" | "16"
    )
}

/// Ecological land: forest, grassland, wetland, inland water (03, 04, 05, 17).
pub fn is_ecological(code: &str) -> bool {
    matches!(first_level(code), "03" | "04" | "05" | "17")
}

/// Sensitive receptors of nuisance: residential and public-service land (07, 08).
pub fn is_sensitive(code: &str) -> bool {
    matches!(first_level(code), "07" | "08")
}

/// Control lines of the territorial spatial plan (三区三线), as written in a zone's `control` field.
pub const ECOLOGICAL_RED_LINE: &str = "ecological_red_line";
pub const PERMANENT_BASIC_FARMLAND: &str = "permanent_basic_farmland";
pub const URBAN_DEVELOPMENT_BOUNDARY: &str = "urban_development_boundary";
pub const CONTROLS: [&str; 3] = [
    ECOLOGICAL_RED_LINE,
    PERMANENT_BASIC_FARMLAND,
    URBAN_DEVELOPMENT_BOUNDARY,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_resolve_to_their_longest_listed_prefix() {
        assert_eq!(
            lookup("100103").unwrap().1,
            "class-3 industrial (heavily polluting)"
        );
        assert_eq!(lookup("070101").unwrap().0, "0701");
        assert_eq!(lookup("1399").unwrap().0, "13");
        assert!(lookup("99").is_none());
        assert!(is_known("0101") && !is_known("101") && !is_known("99") && !is_known("ab"));
        assert!(is_construction("100103") && !is_construction("14") && !is_construction("0101"));
        assert!(is_ecological("1702") && is_sensitive("0804"));
    }
}
