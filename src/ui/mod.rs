//! The window (eframe/egui). It draws the model and sends commands to the
//! service; it never blocks and never awaits.

pub mod app;
mod chunks;
mod composer;
mod dialogs;
pub mod model;
mod perf;
mod settings;
mod theme;
mod tile;
mod welcome;

use std::path::PathBuf;

pub use app::App;

use crate::core::service::ServiceOptions;

/// How the window starts.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub service: ServiceOptions,
    /// `--perf-log FILE`
    pub perf_log: Option<PathBuf>,
}

/// Open the window and run until it closes.
pub fn run(options: AppOptions) -> Result<(), String> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("X Uploader")
            .with_app_id("x-uploader")
            .with_inner_size([720.0, 780.0])
            .with_min_inner_size([440.0, 520.0]),
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "X Uploader",
        native,
        Box::new(move |cc| Ok(Box::new(App::new(cc, options)))),
    )
    .map_err(|e| e.to_string())
}
