//! The colours of categories that every output draws — the report's maps and the QGIS project
//! beside results.gpkg — kept here once so that a class looks the same wherever it is read.
//! Both palettes stay distinguishable with the common forms of colour blindness.

/// Conflict types (the `type` column of `conflicts`) and their colours: the qualitative set of
/// Okabe, M. & Ito, K. (2008) "Color Universal Design (CUD): how to make figures and
/// presentations that are friendly to colorblind people", <https://jfly.uni-koeln.de/color/>.
pub const CONFLICT_TYPES: [(&str, &str); 8] = [
    ("incompatible_land_use", "#D55E00"),
    ("ecological_discontinuity", "#009E73"),
    ("nimby_spillover", "#CC79A7"),
    ("plan_constraint", "#000000"),
    ("dead_end_road", "#E69F00"),
    ("border_terminating_road", "#F0E442"),
    ("dead_end_channel", "#0072B2"),
    ("border_terminating_channel", "#56B4E9"),
];

/// LISA clusters (the `cluster` column of `lisa_clusters`) and their colours: ColorBrewer RdYlBu
/// (Brewer, C. A. (2002) ColorBrewer, <https://colorbrewer2.org>), high in red and low in blue as
/// GeoDa and PySAL's splot draw them; not significant in light grey.
pub const LISA_CLUSTERS: [(&str, &str); 5] = [
    ("HH", "#d7191c"),
    ("LL", "#2c7bb6"),
    ("HL", "#fdae61"),
    ("LH", "#abd9e9"),
    ("ns", "#f0f0f0"),
];

/// The colour of `value` in `palette`, if it has one.
pub fn colour_of(palette: &[(&str, &'static str)], value: &str) -> Option<&'static str> {
    palette.iter().find(|(v, _)| *v == value).map(|(_, c)| *c)
}
