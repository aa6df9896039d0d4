//! Closing the window while scheduled posts wait: they go out only while
//! X Uploader runs, so ask — keep running in the background (minimised),
//! or quit and let them wait until the next start.
//!
//! "Keep running" MINIMISES the window rather than hiding it: a hidden
//! winit window may never process the command to show it again (on some
//! platforms an invisible window gets no redraws), and where there is no
//! tray the taskbar button is the only way back. With a tray icon
//! (ui/tray.rs) the icon's "Open X Uploader" un-minimises it.

use egui::{Modal, RichText, ViewportCommand};

use super::app::{App, Dialog};

/// Called each frame before drawing: a close asked for while posts wait is
/// held back and turned into the question.
pub fn intercept(app: &mut App, ctx: &egui::Context) {
    if app.view.quit_anyway || app.model.queue.is_empty() {
        return;
    }
    if ctx.input(|i| i.viewport().close_requested()) {
        ctx.send_viewport_cmd(ViewportCommand::CancelClose);
        app.view.dialog = Some(Dialog::CloseWhileWaiting);
    }
}

pub fn dialog(app: &mut App, ctx: &egui::Context) {
    let waiting = app.model.queue.len();
    let (mut background, mut quitting, mut stay) = (false, false, false);
    let response = Modal::new(egui::Id::unique("close-while-waiting")).show(ctx, |ui| {
        ui.set_width(420.0);
        ui.heading(if waiting == 1 {
            "A scheduled post is waiting".to_string()
        } else {
            format!("{waiting} scheduled posts are waiting")
        });
        ui.label(super::autostart::when_quitting(app));
        ui.add_space(4.0);
        ui.label(where_it_stays(super::tray::in_tray(app)));
        ui.add_space(8.0);
        ui.horizontal_wrapped(|ui| {
            background = ui
                .button(RichText::new("Keep running in the background").strong())
                .clicked();
            quitting = ui.button("Quit; post them at the next start").clicked();
            stay = ui.button("Cancel").clicked();
        });
    });
    if background {
        app.view.dialog = None;
        ctx.send_viewport_cmd(ViewportCommand::Minimized(true));
    } else if quitting {
        app.view.dialog = None;
        quit(app, ctx);
    } else if stay || response.should_close() {
        app.view.dialog = None;
    }
}

/// Where the app is while it runs in the background.
fn where_it_stays(in_tray: bool) -> &'static str {
    if in_tray {
        "In the background X Uploader's icon stays in the tray, by the clock: click it \
         to open the window again."
    } else if cfg!(target_os = "macos") {
        "In the background the window stays minimised in the Dock: click it there to \
         open it again."
    } else {
        "In the background the window stays minimised in the taskbar: click it there \
         to open it again."
    }
}

/// Quit although posts wait (the question's Quit, the tray's Quit): they
/// wait for the next start.
pub fn quit(app: &mut App, ctx: &egui::Context) {
    app.view.quit_anyway = true;
    ctx.send_viewport_cmd(ViewportCommand::Close);
}
