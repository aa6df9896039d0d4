//! Logs: `tracing` to a daily-rotated file in the app's data dir (a week
//! kept) and, with `-v`, to stderr. Only our own crate logs at info or
//! below; no token or secret is ever formatted (they are [`Secret`]s).
//!
//! [`Secret`]: crate::core::secret::Secret

use std::path::Path;

use tracing_subscriber::prelude::*;
use tracing_subscriber::{EnvFilter, fmt};

/// Keeps the background log writer alive; drop it last.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Start logging to `log_dir` (and stderr when `verbose` > 0). If the log
/// folder can't be made, logging goes to stderr only when verbose.
pub fn init(log_dir: &Path, verbose: u8) -> LogGuard {
    let level = match verbose {
        0 | 1 => "info",
        _ => "debug",
    };
    let filter = || EnvFilter::new(format!("warn,x_uploader={level}"));
    let file = std::fs::create_dir_all(log_dir).ok().and_then(|_| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("x-uploader")
            .filename_suffix("log")
            .max_log_files(7)
            .build(log_dir)
            .ok()
    });
    let (file_layer, guard) = match file {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (
                Some(
                    fmt::layer()
                        .with_ansi(false)
                        .with_writer(writer)
                        .with_filter(filter()),
                ),
                Some(guard),
            )
        }
        None => (None, None),
    };
    let stderr_layer = (verbose > 0).then(|| {
        fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter())
    });
    let _ = tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    LogGuard(guard)
}
