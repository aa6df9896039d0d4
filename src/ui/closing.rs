//! Closing the window while scheduled posts wait: they go out only while
//! X Uploader runs, so ask — keep running in the background (minimised),
//! or quit and let them wait until the next start.

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
    let (mut background, mut quit, mut stay) = (false, false, false);
    let response = Modal::new(egui::Id::unique("close-while-waiting")).show(ctx, |ui| {
        ui.set_width(420.0);
        ui.heading(if waiting == 1 {
            "A scheduled post is waiting".to_string()
        } else {
            format!("{waiting} scheduled posts are waiting")
        });
        ui.label(
            "Scheduled posts go out only while X Uploader runs. Keep it running in the \
             background, or quit: they wait until you open X Uploader again (if that is \
             more than an hour after their time, it asks before posting).",
        );
        ui.add_space(8.0);
        ui.horizontal_wrapped(|ui| {
            background = ui
                .button(RichText::new("Keep running in the background").strong())
                .clicked();
            quit = ui.button("Quit; post them at the next start").clicked();
            stay = ui.button("Cancel").clicked();
        });
    });
    if background {
        app.view.dialog = None;
        ctx.send_viewport_cmd(ViewportCommand::Minimized(true));
    } else if quit {
        app.view.dialog = None;
        app.view.quit_anyway = true;
        ctx.send_viewport_cmd(ViewportCommand::Close);
    } else if stay || response.should_close() {
        app.view.dialog = None;
    }
}
