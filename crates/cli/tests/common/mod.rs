//! Helpers for the end-to-end tests: run the real binary in temporary folders.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// The outcome of one run of `borderscape`.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn borderscape(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_borderscape"))
        .args(args)
        .output()
        .expect("run borderscape");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `analyze PROJECT --only NAME` into `out`, asserted to succeed; its summary.json.
pub fn analyze_only(project: &Path, name: &str, out: &Path) -> serde_json::Value {
    let run = borderscape(&[
        "analyze",
        project.to_str().unwrap(),
        "--only",
        name,
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

/// `data/<rel>` of the repository (the vendored data sets, each with its provenance).
pub fn repo_data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(rel)
}

/// The full-resolution YRD jurisdictions (`data/yrd/jurisdictions.geojson.gz`, GCJ-02),
/// decompressed once into the target folder (each caller writes its own temporary file and
/// renames it into place, so parallel tests never see half a file).
pub fn yrd_jurisdictions() -> PathBuf {
    use std::io::{Read, Write};
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let target = dir.join("yrd_jurisdictions.geojson");
    if !target.exists() {
        let gz = std::fs::read(repo_data("yrd/jurisdictions.geojson.gz")).unwrap();
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut text)
            .unwrap();
        let mut partial = tempfile::NamedTempFile::new_in(dir).unwrap();
        partial.write_all(&text).unwrap();
        partial.persist(&target).unwrap();
    }
    target
}

pub fn test_data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// A project folder with one jurisdictions layer written from `geojson` text (datum wgs84).
pub fn project_with_jurisdictions(dir: &Path, geojson: &str) -> PathBuf {
    std::fs::write(dir.join("j.geojson"), geojson).unwrap();
    std::fs::write(
        dir.join("borderscape.toml"),
        "[region]\nname = \"test\"\n[layers.jurisdictions]\npath = \"j.geojson\"\ndatum = \"wgs84\"\n",
    )
    .unwrap();
    dir.to_path_buf()
}

/// A GeoJSON feature of a square jurisdiction (side `size` degrees, lower-left corner x, y).
pub fn square_feature(
    code: &str,
    level: &str,
    parent: Option<&str>,
    x: f64,
    y: f64,
    size: f64,
) -> String {
    let parent = parent.map_or("null".to_string(), |p| format!("\"{p}\""));
    format!(
        r#"{{"type":"Feature","properties":{{"code":"{code}","name":"n{code}","level":"{level}","parent":{parent}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x2},{y}],[{x2},{y2}],[{x},{y2}],[{x},{y}]]]}}}}"#,
        x2 = x + size,
        y2 = y + size
    )
}

pub fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

/// Runs a GDAL command-line tool (gdal-bin, installed by scripts/test), asserts success and
/// returns its standard output.
pub fn gdal(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (gdal-bin) is installed by scripts/test: {e}"));
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `ogrinfo ARGS`: what GDAL (and so QGIS) sees in a file.
pub fn ogrinfo(args: &[&str]) -> String {
    gdal("ogrinfo", args)
}

/// Asserts that a run exited with `code` and that its standard error contains `message`.
#[allow(dead_code)]
pub fn assert_fails_with(run: &Run, code: i32, message: &str) {
    assert_eq!(run.code, code, "{}", run.stderr);
    assert!(
        run.stderr.contains(message),
        "expected «{message}» in:\n{}",
        run.stderr
    );
}

/// Two counties side by side (0.1° squares), `extra_manifest` appended to the manifest.
#[allow(dead_code)]
pub fn two_counties(dir: &Path, extra_manifest: &str) -> PathBuf {
    let features = [
        square_feature("A", "county", None, 121.0, 31.0, 0.1),
        square_feature("B", "county", None, 121.1, 31.0, 0.1),
    ];
    let project = project_with_jurisdictions(dir, &collection(&features));
    let manifest = project.join("borderscape.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{text}{extra_manifest}")).unwrap();
    project
}

/// Issue 23: two counties whose conflicts mix geometry types (facing incompatible plan zones,
/// polygons, twice; a road ending 50 m before the border), analysed with `--only conflicts`.
#[allow(dead_code)]
pub fn analysed_mixed_conflicts(dir: &Path) -> PathBuf {
    let layers = "[layers.plans]\npath = \"plans.geojson\"\ndatum = \"wgs84\"\n[layers.roads]\npath = \"roads.geojson\"\ndatum = \"wgs84\"\n";
    let project = two_counties(dir, layers);
    let zone = |id: &str, class: &str, x: f64, y: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"id":"{id}","class":"{class}","plan":"2035"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x2},{y}],[{x2},{y2}],[{x},{y2}],[{x},{y}]]]}}}}"#,
            x2 = x + 0.005,
            y2 = y + 0.01
        )
    };
    let plans = collection(&[
        zone("a1", "100103", 121.094, 31.05),
        zone("b1", "0701", 121.102, 31.05),
        zone("a2", "100103", 121.094, 31.07),
        zone("b2", "0701", 121.102, 31.07),
    ]);
    std::fs::write(dir.join("plans.geojson"), plans).unwrap();
    let road = r#"{"type":"Feature","properties":{"id":"r1","class":"county"},"geometry":{"type":"LineString","coordinates":[[121.05,31.03],[121.0995,31.03]]}}"#;
    std::fs::write(dir.join("roads.geojson"), collection(&[road.to_string()])).unwrap();
    let run = borderscape(&[
        "analyze",
        project.to_str().unwrap(),
        "--only",
        "conflicts",
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    project.join("results")
}

/// The demo project, written and analysed once per test binary (tests of several binaries
/// share it; cargo runs test binaries one after another).
pub fn demo() -> &'static Path {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cases-demo");
        if !dir.join("results/results.gpkg").is_file() {
            let run = borderscape(&["demo", "--out", dir.to_str().unwrap(), "--quiet"]);
            assert_eq!(run.code, 0, "{}", run.stderr);
        }
        dir
    })
}

/// The demo's input files (not its results) copied into `dir`.
#[allow(dead_code)]
pub fn demo_inputs(dir: &Path) {
    for entry in std::fs::read_dir(demo()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// `borderscape users add DB --name NAME --role ROLE [--unit UNIT] --password-stdin`.
pub fn users_add(db: &str, name: &str, role: &str, unit: Option<&str>, password: &str) -> Run {
    let mut args = vec![
        "users",
        "add",
        db,
        "--name",
        name,
        "--role",
        role,
        "--password-stdin",
    ];
    if let Some(unit) = unit {
        args.extend(["--unit", unit]);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_borderscape"))
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses before reading (a bad role, a non-register) has closed its input:
    // its refusal is the outcome, not the broken pipe.
    let _ = writeln!(child.stdin.take().unwrap(), "{password}");
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A running `borderscape serve`, stopped when dropped.
pub struct Server {
    pub child: Child,
    pub address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `borderscape ARGS… --port 0` and reads the address it prints.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_borderscape"))
            .args(args)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start borderscape serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Server { child, address }
    }

    /// One raw HTTP/1.1 request, the path sent exactly as given, with a `Host`, extra header
    /// lines (each ending in CRLF) and a body: status, lower-cased head, body.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        host: &str,
        extra: &str,
        body: &[u8],
    ) -> (u16, String, String) {
        self.try_raw(method, path, host, extra, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// [`Server::raw`], failing instead of panicking when the server is gone.
    pub fn try_raw(
        &self,
        method: &str,
        path: &str,
        host: &str,
        extra: &str,
        body: &[u8],
    ) -> std::io::Result<(u16, String, String)> {
        let mut stream = TcpStream::connect(&self.address)?;
        let length = if body.is_empty() {
            String::new()
        } else {
            format!("Content-Length: {}\r\n", body.len())
        };
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}{length}Connection: close\r\n\r\n"
        )?;
        stream.write_all(body)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("no HTTP status in {head:?}")))?;
        Ok((status, head.to_ascii_lowercase(), body.to_string()))
    }
}

/// Every file below `dir` with its bytes, sorted by relative path (to see that a command left
/// files byte-identical).
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                files.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}
