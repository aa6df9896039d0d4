//! The window (eframe/egui). It draws the model and sends commands to the
//! service; it never blocks and never awaits.

pub mod app;
mod autostart;
mod chunks;
mod closing;
mod composer;
mod converting;
pub mod crash;
mod dialogs;
mod extras;
pub mod instance;
pub mod model;
mod perf;
mod schedule;
mod settings;
mod setup_check;
mod sign_in_hint;
mod theme;
mod thread;
mod tile;
mod tray;
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

/// The app's id: Wayland app id, X11 window class, desktop entry and
/// AppStream id (packaging/linux).
pub const APP_ID: &str = "io.github.xuploader.XUploader";

/// The app's icon, for its windows.
pub fn icon() -> egui::IconData {
    eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icons/x-uploader-256.png"))
        .unwrap_or_default()
}

/// Open the window and run until it closes. `minimized`: started by the
/// login entry while posts wait — open minimised and say so in a
/// notification. `instance`: the window's lock, held while it runs (later
/// starts ask it to come forward).
pub fn run(
    options: AppOptions,
    minimized: Option<String>,
    instance: Option<crate::core::instance::Instance>,
) -> Result<(), String> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("X Uploader")
            .with_app_id(APP_ID)
            .with_icon(icon())
            .with_inner_size([720.0, 780.0])
            .with_min_inner_size([440.0, 520.0]),
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "X Uploader",
        native,
        Box::new(move |cc| {
            let mut app = App::new(cc, options);
            if let Some(held) = instance {
                self::instance::attach(&mut app, &cc.egui_ctx, held);
            }
            if let Some(note) = minimized {
                // No ViewportBuilder option for it (egui 0.37): the first
                // frame carries the command.
                cc.egui_ctx
                    .send_viewport_cmd(egui::ViewportCommand::Minimized(true));
                app.send(crate::core::service::Command::Notify {
                    title: "X Uploader".into(),
                    body: note,
                });
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| e.to_string())
}
