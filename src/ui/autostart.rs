//! Settings: "Start X Uploader at login when posts wait" (on by default;
//! the service keeps the login entry in step with the queue), and what the
//! close question says about quitting by it.

use egui::{RichText, Ui};

use super::app::App;

/// The setting's words (window tests find the checkbox by them).
pub const LABEL: &str = "Start X Uploader at login when posts wait";

/// The close question's words on quitting, by the setting as saved.
pub fn when_quitting(app: &App) -> String {
    let at_login = app
        .model
        .mode
        .as_ref()
        .is_none_or(|m| m.settings.start_at_login != Some(false));
    let until = if at_login {
        "X Uploader runs again — when you open it, or when it starts by itself as you \
         next log in"
    } else {
        "you open X Uploader again"
    };
    format!(
        "Scheduled posts go out only while X Uploader runs. Keep it running in the \
         background, or quit: they wait until {until} (if that is more than an hour after \
         their time, it asks before posting)."
    )
}

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
