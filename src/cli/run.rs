//! How a command ends: exit 0; 1 with exactly one `error: …` line; 2 for a
//! usage error; 130 after Ctrl-C.

use std::process::ExitCode;

use crate::core::config::{Config, FileConfig, Paths};
use crate::core::logging::{self, LogGuard};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Bad arguments (exit 2).
    Usage(String),
    /// Anything else that went wrong (exit 1).
    Error(String),
    /// Ctrl-C (exit 130).
    Interrupted,
}

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure::Error(s)
    }
}

impl From<crate::core::xclient::XError> for Failure {
    fn from(e: crate::core::xclient::XError) -> Self {
        Failure::Error(e.message)
    }
}

impl From<crate::core::media::check::Refusal> for Failure {
    fn from(r: crate::core::media::check::Refusal) -> Self {
        Failure::Error(r.message)
    }
}

/// Print the outcome and turn it into the exit code.
pub fn finish(result: Result<(), Failure>) -> ExitCode {
    crate::core::xclient::seen::flush();
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Error(msg)) => {
            tracing::error!("{msg}");
            eprintln!("error: {}", one_line(&msg));
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {}", one_line(&msg));
            ExitCode::from(2)
        }
        Err(Failure::Interrupted) => {
            tracing::info!("interrupted");
            ExitCode::from(130)
        }
    }
}

/// Everything a command needs before it starts: settings and logs.
pub struct Setup {
    pub config: Config,
    pub _logs: LogGuard,
}

/// Every command ends by putting the start-at-login entry in step with
/// the queue (a post went out, `queue cancel`, `resume`, a setting changed).
/// The settings are read again: the window may have changed them meanwhile.
impl Drop for Setup {
    fn drop(&mut self) {
        let mut config = self.config.clone();
        if let Ok(file) = FileConfig::read(&config.paths.config_file()) {
            config.file = file;
        }
        crate::core::autostart::sync_or_log(&config);
    }
}

pub fn setup(verbose: u8) -> Result<Setup, Failure> {
    let paths = Paths::discover()?;
    let logs = logging::init(&paths.log_dir(), verbose);
    // The window replaces this with its crash window.
    crate::ui::crash::install(paths.log_dir(), false);
    crate::core::xclient::seen::keep_in(&paths.data_dir);
    let config = Config::load(paths)?;
    Ok(Setup {
        config,
        _logs: logs,
    })
}

/// A tokio runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Error(format!("Can't start: {e}.")))
}
