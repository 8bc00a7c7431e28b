//! Progress of long steps: bars on a terminal, plain lines otherwise, nothing in `--json` mode.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bars and spinners (stderr is a terminal).
    Bars,
    /// One line per step on stderr.
    Lines,
    /// Nothing (machine output on stdout).
    Quiet,
}

impl Mode {
    /// Bars on a terminal, lines elsewhere; quiet when asked.
    pub fn detect(quiet: bool) -> Self {
        if quiet {
            Self::Quiet
        } else if std::io::stderr().is_terminal() {
            Self::Bars
        } else {
            Self::Lines
        }
    }
}

/// Reports the steps of one long operation.
pub struct Progress {
    mode: Mode,
    started: Instant,
    bar: Option<ProgressBar>,
    last_status: std::cell::RefCell<String>,
}

impl Progress {
    pub fn new(mode: Mode) -> Self {
        Self { mode, started: Instant::now(), bar: None, last_status: Default::default() }
    }

    /// Seconds since the operation began.
    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Begin a step of `total` units (0: a spinner).
    pub fn step(&mut self, message: &str, total: u64) {
        self.finish_bar();
        match self.mode {
            Mode::Quiet => {}
            Mode::Lines => eprintln!("[{:>6.1}s] {message}", self.elapsed()),
            Mode::Bars => {
                let bar = if total == 0 { ProgressBar::new_spinner() } else { ProgressBar::new(total) };
                let template = if total == 0 {
                    "{spinner} [{elapsed:>4}] {msg}"
                } else {
                    "{spinner} [{elapsed:>4}] {msg} {bar:30} {pos}/{len}"
                };
                if let Ok(style) = ProgressStyle::with_template(template) {
                    bar.set_style(style);
                }
                bar.set_message(message.to_owned());
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                self.bar = Some(bar);
            }
        }
    }

    /// Units done in the current step, with a short status.
    pub fn set(&self, done: u64, status: &str) {
        match (&self.bar, self.mode) {
            (Some(bar), Mode::Bars) => {
                bar.set_position(done);
                if !status.is_empty() {
                    bar.set_message(status.to_owned());
                }
            }
            // Plain lines only when something changed: logs stay short.
            (_, Mode::Lines) if !status.is_empty() && *self.last_status.borrow() != status => {
                eprintln!("[{:>6.1}s]   {status}", self.elapsed());
                *self.last_status.borrow_mut() = status.to_owned();
            }
            _ => {}
        }
    }

    fn finish_bar(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// End the operation.
    pub fn done(&mut self, message: &str) {
        self.finish_bar();
        if self.mode != Mode::Quiet {
            eprintln!("[{:>6.1}s] {message}", self.elapsed());
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish_bar();
    }
}
