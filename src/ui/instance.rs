//! The window's side of "one window at a time" (core/instance.rs): a later
//! start of X Uploader reaches this window through the inbox; the window
//! comes forward (as the tray's "Open X Uploader" brings it back) and adds
//! the files given to that start, as a drop would. The listening thread
//! wakes the window with a repaint; nothing here waits.

use egui::ViewportCommand;

use super::app::App;
use crate::core::instance::Inbox;
use crate::core::service::Command;

/// Let later starts reach `app` (the window's lock holder's inbox).
pub fn attach(app: &mut App, ctx: &egui::Context, inbox: Inbox) {
    let ctx = ctx.clone();
    inbox.wake_with(std::sync::Arc::new(move || ctx.request_repaint()));
    app.instance = Some(inbox);
}

/// Each frame (also while minimised): do what later starts asked.
pub fn logic(app: &mut App, ctx: &egui::Context) {
    let Some(inbox) = &app.instance else { return };
    let mut files = Vec::new();
    let mut show = false;
    while let Some(message) = inbox.next() {
        show |= message.show;
        files.extend(message.files);
    }
    if show {
        ctx.send_viewport_cmd(ViewportCommand::Minimized(false));
        ctx.send_viewport_cmd(ViewportCommand::Focus);
    }
    if !files.is_empty() {
        app.send(Command::AddFiles(files));
    }
}
