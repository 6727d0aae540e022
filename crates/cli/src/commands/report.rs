//! `borderscape report RESULTS [--lang zh|en] [--out report.html] [--pdf report.pdf]
//! [--cases REGISTER]`: the report re-rendered from a results folder (in another language, say,
//! or with the case register's work in its border profiles), and printed to PDF by headless
//! Chromium when asked.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use borderscape_cases::report::{border_figures, border_figures_table};
use borderscape_cases::{CaseFilter, Store};
use borderscape_core::crs::AnalysisCrs;
use borderscape_core::datum::Datum;
use borderscape_core::table::Table;
use borderscape_io::atomic::write_file_atomically;
use borderscape_io::error::IoError;
use borderscape_io::outputs::OutputFile;
use borderscape_io::owned::OutputKind;
use borderscape_io::transform::{to_analysis_crs, DatumConversion};
use borderscape_report::Lang;
use borderscape_server::{results_dir, Results};

use crate::context::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A results folder (with summary.json), or a project whose results/ to use.
    path: PathBuf,
    /// Language of the report: en or zh.
    #[arg(long, default_value = "en", value_parser = clap::builder::ValueParser::new(str::parse::<Lang>))]
    lang: Lang,
    /// Where to write the HTML (default: the file `analyze` wrote for this language in the
    /// results folder, report.html or report.en.html / report.zh.html). An existing file is
    /// replaced only if borderscape wrote it.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also print the report to this PDF (A4) with headless Chromium.
    #[arg(long)]
    pdf: Option<PathBuf>,
    /// A case register (SQLite file or postgres:// URL): each border profile then shows its
    /// cases, agreements, resolution and escalations. The register is only read.
    #[arg(long)]
    cases: Option<String>,
}

/// How long Chromium may take to print before it is stopped.
const PRINT_TIMEOUT: Duration = Duration::from_secs(180);

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let dir = results_dir(&args.path);
    // `analyze` writes report.html in the run's language and the other language beside it
    // (report.en.html or report.zh.html): report.html is this language's report when the other
    // one's file is there, else this language has its own file name.
    let out = args.out.unwrap_or_else(|| {
        let own = if dir.join(args.lang.other().file_name()).is_file() {
            "report.html"
        } else {
            args.lang.file_name()
        };
        dir.join(own)
    });
    let html_target = OutputFile::claim(&out, OutputKind::Report, &[])?;
    let pdf_target = args
        .pdf
        .as_deref()
        .map(|pdf| OutputFile::claim(pdf, OutputKind::Pdf, &[]))
        .transpose()?;
    let results = Results::open(&args.path)?;
    let crs = analysis_crs(&results, &dir)?;
    // The maps are drawn in the analysis CRS; results.gpkg holds WGS84.
    let wgs84 = DatumConversion::new(Datum::Wgs84, Datum::Wgs84)?;
    let mut projected: Vec<Table> = Vec::new();
    for name in ["jurisdictions", "borders"] {
        if let Some(t) = results.tables.get(name) {
            projected.push(to_analysis_crs(t.clone(), &wgs84, &crs)?);
        }
    }
    if let Some(db) = &args.cases {
        let mut store = Store::open_existing(db)?;
        let cases = store.cases(&CaseFilter::default())?;
        projected.push(border_figures_table(&border_figures(
            &cases,
            &store.audit_log()?,
        )));
    }
    let tables: Vec<&Table> = projected
        .iter()
        .chain(
            results
                .tables
                .iter()
                .filter(|(name, _)| !matches!(name.as_str(), "jurisdictions" | "borders"))
                .map(|(_, t)| t),
        )
        .collect();
    let html = borderscape_report::render(&results.summary, &tables, args.lang);
    html_target.write(|path| {
        write_file_atomically(path, |temp| {
            std::fs::write(temp, &html).map_err(|e| IoError::file(path, e))
        })
    })?;
    if !ctx.quiet {
        eprintln!("report: {}", out.display());
    }
    if let Some(pdf) = pdf_target {
        pdf.write(|path| print_pdf(&out, path))?;
        if !ctx.quiet {
            eprintln!("PDF: {}", pdf.path().display());
        }
    }
    Ok(())
}

/// The analysis CRS the run recorded in summary.json.
fn analysis_crs(results: &Results, dir: &Path) -> Result<AnalysisCrs, Failure> {
    let crs = &results.summary["crs"];
    let summary = dir.join("summary.json");
    let proj = crs["proj"].as_str().ok_or_else(|| {
        IoError::file(
            &summary,
            "crs.proj is missing: was it written by `borderscape analyze`?",
        )
    })?;
    let epsg = crs["epsg"].as_u64().and_then(|e| u16::try_from(e).ok());
    AnalysisCrs::from_proj_string(crs["name"].as_str().unwrap_or(proj), proj, epsg)
        .map_err(|e| IoError::file(&summary, e).into())
}

/// Chromium's command: `BORDERSCAPE_CHROMIUM`, else the first of its usual names on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BORDERSCAPE_CHROMIUM") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Prints `html` to `pdf` (A4, from the report's print stylesheet) with headless Chromium, in a
/// throw-away profile so that nothing is written outside the output.
fn print_pdf(html: &Path, pdf: &Path) -> Result<(), IoError> {
    let browser = chromium().ok_or_else(|| {
        IoError::file(
            pdf,
            "cannot print: Chromium is not installed. Install the `chromium` package (Debian/Ubuntu: sudo apt-get install chromium; Fedora: sudo dnf install chromium) or Google Chrome, or set BORDERSCAPE_CHROMIUM to its executable; the HTML report is written",
        )
    })?;
    let url = std::path::absolute(html).map_err(|e| IoError::file(html, e))?;
    let profile = tempfile::tempdir()
        .map_err(|e| IoError::Internal(format!("cannot create Chromium's profile: {e}")))?;
    let log_path = profile.path().join("chromium.log");
    write_file_atomically(pdf, |temp| {
        let mut child = Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--print-to-pdf={}", temp.display()))
            .arg(format!("file://{}", url.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(&log_path)
                    .map(Stdio::from)
                    .map_err(|e| IoError::file(&log_path, e))?,
            )
            .spawn()
            .map_err(|e| IoError::file(&browser, format!("cannot start Chromium: {e}")))?;
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| IoError::file(&browser, e))? {
                break status;
            }
            if started.elapsed() > PRINT_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(IoError::file(
                    &browser,
                    format!(
                        "Chromium took over {} s to print; stopped",
                        PRINT_TIMEOUT.as_secs()
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let printed = std::fs::metadata(temp).map(|m| m.len()).unwrap_or(0);
        if !status.success() || printed == 0 {
            let stderr = std::fs::read_to_string(&log_path).unwrap_or_default();
            let last: Vec<&str> = stderr.lines().rev().take(3).collect();
            return Err(IoError::file(
                pdf,
                format!("Chromium did not print ({status}): {}", last.join(" / ")),
            ));
        }
        Ok(())
    })?;
    Ok(())
}
