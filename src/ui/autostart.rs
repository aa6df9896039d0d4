//! Settings: "Start X Uploader at login when posts wait" (on by default;
//! the service keeps the login entry in step with the queue).

use egui::{RichText, Ui};

/// The setting's words (window tests find the checkbox by them).
pub const LABEL: &str = "Start X Uploader at login when posts wait";

pub fn show(ui: &mut Ui, on: &mut bool) {
    super::settings::section(ui, "Scheduled posts");
    ui.checkbox(on, LABEL);
    ui.label(
        RichText::new(
            "Scheduled posts go out only while X Uploader runs. With this on, while a post \
             waits X Uploader starts by itself (minimised) when you log in — so choosing Quit \
             when you close the window, or restarting the computer, doesn't hold your posts \
             back. It does nothing while no post waits. Off: keep X Uploader running until \
             your posts are out.",
        )
        .weak(),
    );
}
