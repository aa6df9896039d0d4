//! The window's side of the tray icon (core/tray.rs): shown while scheduled
//! posts wait, saying how many and when the next goes out; "Open X
//! Uploader" (or a click on the icon) brings the window back, "Quit" quits
//! as the close question's Quit does. The tray's thread reaches the window
//! by a channel and a repaint; nothing here waits for it.

use egui::ViewportCommand;

use super::app::App;
use crate::core::tray::{Request, Status, Tray, Waiting};

pub fn new(ctx: &egui::Context) -> Tray {
    let ctx = ctx.clone();
    Tray::new(std::sync::Arc::new(move || ctx.request_repaint()))
}

/// Each frame (also while minimised, when eframe runs only `logic`): keep
/// the icon in step with the queue, and do what was asked from it.
pub fn logic(app: &mut App, ctx: &egui::Context) {
    let queue = &app.model.queue;
    // The queue comes soonest first; its label starts with the time.
    let wanted = queue.first().map(|next| Waiting {
        count: queue.len(),
        next_when: next
            .label
            .split(" · ")
            .next()
            .unwrap_or_default()
            .to_string(),
        next_label: next.label.clone(),
    });
    app.tray.show(wanted);
    while let Some(request) = app.tray.next_request() {
        match request {
            Request::Open => {
                ctx.send_viewport_cmd(ViewportCommand::Minimized(false));
                ctx.send_viewport_cmd(ViewportCommand::Focus);
            }
            Request::Quit => super::closing::quit(app, ctx),
        }
    }
}

/// Whether the app's icon is in the tray now.
pub fn in_tray(app: &App) -> bool {
    app.tray.status() == Status::Shown
}
