//! `x-uploader [--practice] [--perf-log FILE] [FILE...]`: the window.

use std::process::ExitCode;

use super::Cli;
use super::run::{self, Failure};
use crate::core::config::process_env;
use crate::core::service::ServiceOptions;
use crate::ui::{self, AppOptions};

pub fn window(cli: &Cli) -> ExitCode {
    if let Some(report) = &cli.crash_report {
        return run::finish(ui::crash::show(report).map_err(Failure::Error));
    }
    run::finish((|| {
        let setup = run::setup(cli.verbose)?;
        ui::crash::install(setup.config.paths.log_dir(), true);
        // Files given relative to where the app was started.
        let cwd = std::env::current_dir().unwrap_or_default();
        let files = cli.files.iter().map(|f| cwd.join(f)).collect();
        let demo = |name: &str| process_env(name);
        let options = AppOptions {
            service: ServiceOptions {
                config: setup.config.clone(),
                practice: cli.practice,
                files,
                open_browser: true,
                // Demos and benchmarks of practice mode (not for users).
                practice_auto_approve: demo("X_UPLOADER_PRACTICE_AUTO_APPROVE").is_some(),
                practice_processing_secs: demo("X_UPLOADER_PRACTICE_PROCESSING_SECS")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(4.0),
                practice_redirect_uris: None,
                practice_bandwidth_mbps: demo("X_UPLOADER_PRACTICE_BANDWIDTH_MBPS")
                    .and_then(|v| v.parse().ok()),
            },
            perf_log: cli.perf_log.clone(),
        };
        ui::run(options).map_err(|e| {
            Failure::Error(format!(
                "The window could not open ({e}). On Linux, run it in a desktop session (DISPLAY or WAYLAND_DISPLAY must be set)."
            ))
        })
    })())
}
