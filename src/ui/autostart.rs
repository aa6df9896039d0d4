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
            "Scheduled posts go out only while X Uploader runs. With this on, X Uploader \
             starts by itself (minimised) when you log in while a post waits — so you can \
             quit it, or restart the computer, and they still go out. It does nothing while \
             no post waits. Off: quit only after your posts went out, or keep X Uploader \
             running in the background.",
        )
        .weak(),
    );
}
