//! Progress reporting: a spinner per step on a terminal, silent with `--quiet` or when piped.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// One named step; finishes with its duration.
pub struct Step {
    bar: Option<ProgressBar>,
    start: std::time::Instant,
    quiet: bool,
    name: String,
}

impl Step {
    pub fn start(quiet: bool, name: &str) -> Step {
        let bar = (!quiet && console_is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .expect("valid template"),
            );
            bar.set_message(name.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Step {
            bar,
            start: std::time::Instant::now(),
            quiet,
            name: name.to_string(),
        }
    }

    /// Ends the step, printing its name and duration unless quiet.
    pub fn done(self) -> Duration {
        let elapsed = self.start.elapsed();
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
        if !self.quiet {
            eprintln!("  {} ({:.1} s)", self.name, elapsed.as_secs_f64());
        }
        elapsed
    }
}

fn console_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}
