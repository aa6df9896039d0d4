//! When something goes wrong that we didn't expect. The panic hook writes a
//! crash report next to the logs (directly, not through the log writer that
//! may never flush), then — for the window — opens a small window of its
//! own in a fresh process (this one is broken) that says so in plain words,
//! says nothing is lost, and where the details are. The command line prints
//! one line instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use egui::{RichText, vec2};

/// Report panics (the window: `window = true`).
pub fn install(log_dir: PathBuf, window: bool) {
    std::panic::set_hook(Box::new(move |info| {
        if crate::core::panic_guard::active() {
            // Caught on purpose (a malformed file, say): not a crash.
            tracing::debug!("caught panic: {info}");
            return;
        }
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_string();
        let now = chrono::Local::now();
        let report = log_dir.join(format!("crash-{}.txt", now.format("%Y%m%d-%H%M%S")));
        let text = format!(
            "X Uploader {} stopped unexpectedly at {}\nthread: {thread}\nmessage: {message}\nat: {location}\n\n{}\n",
            env!("CARGO_PKG_VERSION"),
            now.to_rfc3339(),
            std::backtrace::Backtrace::force_capture()
        );
        let _ = std::fs::create_dir_all(&log_dir);
        let written = std::fs::write(&report, text).is_ok();
        tracing::error!(
            "stopped unexpectedly: {message} at {location} (report: {})",
            report.display()
        );
        if window {
            let shown = std::env::current_exe().and_then(|exe| {
                Command::new(exe)
                    .arg("--crash-report")
                    .arg(&report)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
            });
            if shown.is_err() || !written {
                eprintln!(
                    "X Uploader stopped unexpectedly ({message}). Details: {}",
                    report.display()
                );
            }
            // This process can't be trusted now; drafts and journals are on disk.
            std::process::exit(101);
        } else {
            eprintln!(
                "error: X Uploader stopped unexpectedly ({message}). The details are in {}.",
                report.display()
            );
            std::process::exit(101);
        }
    }));
}

/// The crash window's state.
pub struct CrashApp {
    report: PathBuf,
}

impl CrashApp {
    pub fn new(report: &Path) -> CrashApp {
        CrashApp {
            report: report.to_path_buf(),
        }
    }
}

impl eframe::App for CrashApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.add_space(8.0);
            ui.heading(RichText::new("X Uploader stopped").strong());
            ui.add_space(6.0);
            ui.add(egui::Label::new("X Uploader stopped unexpectedly. Sorry — this is a bug, not something you did.").wrap());
            ui.add(
                egui::Label::new(
                    "Your text, files and unfinished uploads are kept: start X Uploader again to continue where you left off.",
                )
                .wrap(),
            );
            ui.add_space(6.0);
            ui.label("The details are saved in:");
            ui.add(egui::Label::new(RichText::new(self.report.display().to_string()).monospace()).wrap());
            ui.add_space(10.0);
            ui.horizontal(|ui| {
                if ui.button("Start X Uploader again").clicked() {
                    if let Ok(exe) = std::env::current_exe() {
                        let _ = Command::new(exe).stdin(Stdio::null()).spawn();
                    }
                    ui.send_viewport_cmd(egui::ViewportCommand::Close);
                }
                if ui.button("Open the log folder").clicked()
                    && let Some(dir) = self.report.parent()
                {
                    let _ = open::that_detached(dir);
                }
                if ui.button("Close").clicked() {
                    ui.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
        });
    }
}

/// `x-uploader --crash-report FILE`
pub fn show(report: &Path) -> Result<(), String> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("X Uploader stopped")
            .with_app_id(super::APP_ID)
            .with_icon(super::icon())
            .with_inner_size(vec2(520.0, 200.0))
            .with_resizable(false),
        ..Default::default()
    };
    let report = report.to_path_buf();
    eframe::run_native(
        "X Uploader stopped",
        native,
        Box::new(move |_| Ok(Box::new(CrashApp::new(&report)))),
    )
    .map_err(|e| e.to_string())
}
