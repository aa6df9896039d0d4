//! `x-uploader [--practice] [--perf-log FILE] [FILE...]`: the window.

use std::process::ExitCode;

use super::Cli;
use super::instance::{self, Claim};
use super::run::{self, Failure};
use crate::core::config::process_env;
use crate::core::service::ServiceOptions;
use crate::ui::{self, AppOptions};

pub fn window(cli: &Cli) -> ExitCode {
    if let Some(report) = &cli.crash_report {
        return run::finish(ui::crash::show(report).map_err(Failure::Error));
    }
    if cli.command.is_none()
        && let Some(word) = cli
            .files
            .first()
            .and_then(|f| mistyped_command(f, &std::env::current_dir().unwrap_or_default()))
    {
        return run::finish(Err(Failure::Usage(no_such_command(&word))));
    }
    run::finish((|| {
        let setup = run::setup(cli.verbose)?;
        // Files given relative to where the app was started.
        let cwd = std::env::current_dir().unwrap_or_default();
        let files: Vec<_> = cli.files.iter().map(|f| cwd.join(f)).collect();
        let data_dir = &setup.config.paths.data_dir;
        let instance = match instance::claim(data_dir, cli.practice, cli.minimized, &files)? {
            Claim::Window(instance) => instance,
            Claim::Elsewhere => return Ok(()),
        };
        let note = match cli.minimized {
            true => match super::minimized::start(&setup.config) {
                Some(note) => Some(note),
                None => return Ok(()),
            },
            false => None,
        };
        ui::crash::install(setup.config.paths.log_dir(), true);
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
                clock: Default::default(),
            },
            perf_log: cli.perf_log.clone(),
        };
        ui::run(options, note, instance).map_err(|e| {
            Failure::Error(format!(
                "The window could not open ({e}). On Linux, run it in a desktop session (DISPLAY or WAYLAND_DISPLAY must be set)."
            ))
        })
    })())
}

/// A first argument that is a bare word (no folder, no extension) and no
/// existing file is a mistyped command, not a photo to open.
fn mistyped_command(arg: &std::path::Path, cwd: &std::path::Path) -> Option<String> {
    let word = arg.to_str()?;
    let bare = !word.is_empty() && !word.contains(['/', '\\', '.']);
    (bare && !cwd.join(arg).exists()).then(|| word.to_string())
}

/// "no such command “doctr”; did you mean `x-uploader doctor`?"
fn no_such_command(word: &str) -> String {
    use clap::CommandFactory;
    let command = Cli::command();
    let closest = command
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| (strsim::jaro_winkler(word, c.get_name()), c.get_name()))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match closest {
        Some((_, name)) => format!(
            "no such command “{word}”; did you mean `x-uploader {name}`? (`x-uploader --help` lists them all; a file of that name isn't here either.)"
        ),
        None => format!(
            "no such command “{word}”, and no file of that name here. `x-uploader --help` lists the commands."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_mistyped_command_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            mistyped_command(Path::new("doctr"), dir.path()).as_deref(),
            Some("doctr")
        );
        assert!(no_such_command("doctr").contains("did you mean `x-uploader doctor`?"));
        assert!(no_such_command("pst").contains("`x-uploader post`"));
        assert!(!no_such_command("qqqqzzzz").contains("did you mean"));
        // An existing file of that name, or anything with a dot or a folder,
        // is a file to open.
        std::fs::write(dir.path().join("doctr"), b"").unwrap();
        assert_eq!(mistyped_command(Path::new("doctr"), dir.path()), None);
        assert_eq!(mistyped_command(Path::new("photo.jpg"), dir.path()), None);
        assert_eq!(mistyped_command(Path::new("pics/a"), dir.path()), None);
    }
}
