//! The TOML manifest: parsing, then checking every `[analysis.*]` section's parameters against
//! the analyses' specs (bounds, choices, structured tables), as `check` does.
#![no_main]

use borderscape_io::manifest::Project;
use borderscape_io::pipeline::check_analysis_sections;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(project) = Project::parse(text, "borderscape.toml".into()) {
        let _ = check_analysis_sections(&project);
    }
});
