//! A throw-away PostgreSQL cluster for tests: initdb in a temporary folder, started on a free
//! loopback port, stopped and removed when dropped. Without PostgreSQL the tests that need it
//! skip, saying so, unless BORDERSCAPE_REQUIRE_POSTGRES=1 (set by scripts/test), when they fail.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// Run the server as this user (initdb refuses to run as root).
    user: Option<String>,
    databases: AtomicUsize,
}

/// The newest /usr/lib/postgresql/*/bin with initdb and pg_ctl.
fn find_bin() -> Option<PathBuf> {
    let mut bins: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|b| b.join("initdb").is_file() && b.join("pg_ctl").is_file())
        .collect();
    bins.sort_by_key(|b| {
        b.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    bins.pop()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Cluster {
    /// Starts a cluster, or `None` (after printing why) when PostgreSQL is not installed and not
    /// required.
    pub fn start() -> Option<Cluster> {
        let Some(bin) = find_bin() else {
            let why = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): \
                       install Debian's `postgresql` package (apt-get install postgresql)";
            if std::env::var("BORDERSCAPE_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("{why}");
            }
            eprintln!("skipping the PostgreSQL tests: {why}");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("borderscape-pg")
            .tempdir()
            .expect("a temporary folder");
        let user = is_root().then(|| "postgres".to_string());
        if let Some(user) = &user {
            let status = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .status()
                .expect("chown runs");
            assert!(status.success(), "chown {user} {}", dir.path().display());
        }
        let cluster = Cluster {
            dir,
            bin,
            port: free_port(),
            user,
            databases: AtomicUsize::new(0),
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=120",
            cluster.port,
            cluster.dir.path().display()
        );
        let log = cluster.dir.path().join("server.log");
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A PostgreSQL tool, run as the cluster's user.
    fn command(&self, tool: &str) -> Command {
        let program = self.bin.join(tool);
        match &self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        }
    }

    fn run(&self, tool: &str, args: &[&str]) -> Output {
        let out = self
            .command(tool)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The URL of a new, empty database.
    pub fn new_database(&self) -> String {
        let n = self.databases.fetch_add(1, Ordering::SeqCst);
        let name = format!("cases_test_{n}");
        let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", self.port);
        let mut client = postgres::Client::connect(&admin, postgres::NoTls)
            .expect("connect to the test cluster");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Runs SQL on a database of this cluster (to tamper with it, as an attacker with access would).
    pub fn execute(url: &str, sql: &str) {
        let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
        client.batch_execute(sql).expect("the SQL runs");
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .args([
                "-D",
                data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .output();
    }
}
