//! The window's side of "one window at a time" (core/instance.rs): a later
//! start of X Uploader reaches this window through the inbox; the window
//! comes forward (as the tray's "Open X Uploader" brings it back) and adds
//! the files given to that start, as a drop would. The listening thread
//! wakes the window with a repaint; nothing here waits. Switching to
//! practice mode or back takes that mode's lock first: with another window
//! open in it, the window says so and stays as it is.

use egui::ViewportCommand;

use super::app::App;
use crate::core::instance::{Inbox, Instance};
use crate::core::service::Command;

/// The window lock this window holds, and its messages.
pub struct Held {
    instance: Instance,
    inbox: Option<Inbox>,
    ctx: egui::Context,
    /// A switch of mode refused, until OK is pressed.
    refused: Option<&'static str>,
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Held")
    }
}

fn hold(mut instance: Instance, ctx: &egui::Context) -> Held {
    let inbox = instance.inbox();
    if let Some(inbox) = &inbox {
        let ctx = ctx.clone();
        inbox.wake_with(std::sync::Arc::new(move || ctx.request_repaint()));
    }
    Held {
        instance,
        inbox,
        ctx: ctx.clone(),
        refused: None,
    }
}

/// Let later starts reach `app`, which now holds `instance` (the window's
/// lock) for as long as it runs.
pub fn attach(app: &mut App, ctx: &egui::Context, instance: Instance) {
    app.instance = Some(hold(instance, ctx));
}

/// Each frame (also while minimised): do what later starts asked.
pub fn logic(app: &mut App, ctx: &egui::Context) {
    let Some(inbox) = app.instance.as_ref().and_then(|h| h.inbox.as_ref()) else {
        return;
    };
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

/// "Try practice mode" and "Leave practice mode": only while no other
/// window is open in that mode (its draft and queue are that window's).
pub fn switch(app: &mut App, practice: bool) {
    if let Some(held) = &mut app.instance {
        match Instance::take(held.instance.data_dir(), practice) {
            Ok(Some(next)) => *held = hold(next, &held.ctx.clone()),
            Ok(None) => {
                held.refused = Some(match practice {
                    true => {
                        "Practice mode is open in another X Uploader window. Use that one, or close it first."
                    }
                    false => {
                        "X Uploader is open in another window outside practice mode. Use that one, or close it first."
                    }
                });
                return;
            }
            // No lock to take (say, a read-only folder): switch anyway.
            Err(e) => tracing::warn!("no window lock for the switch: {e}"),
        }
    }
    app.send(match practice {
        true => Command::StartPractice,
        false => Command::LeavePractice,
    });
}

/// Why the mode didn't change, over the window.
pub fn show(app: &mut App, ui: &mut egui::Ui) {
    let Some(held) = &mut app.instance else {
        return;
    };
    let Some(words) = held.refused else { return };
    let response = egui::Modal::new(egui::Id::unique("mode-refused")).show(ui.ctx(), |ui| {
        ui.set_width(380.0);
        ui.heading("Already open in another window");
        ui.add(egui::Label::new(words).wrap());
        ui.add_space(8.0);
        ui.button("OK").clicked()
    });
    if response.inner || response.should_close() {
        held.refused = None;
    }
}
