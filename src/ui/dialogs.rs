//! Modal dialogs (alt text, delete a post) and the title bar with the
//! account menu. Escape closes; Enter saves alt text, but never deletes a
//! post (a destructive step takes a click on "Delete it").

use egui::{Key, Modal, RichText, TextEdit, Ui};

use super::app::{App, Dialog};
use super::theme;
use crate::core::compose;
use crate::core::limits::ALT_TEXT_MAX_CHARS;
use crate::core::service::Command;

pub fn show(app: &mut App, ui: &mut Ui) {
    let Some(dialog) = app.view.dialog.clone() else {
        return;
    };
    let ctx = ui.ctx().clone();
    match dialog {
        Dialog::Alt {
            key,
            name,
            mut text,
        } => {
            let mut close = false;
            let mut save = false;
            // The Enter that opened this dialog (on "Add alt text") must not
            // also save it: Enter counts from the dialog's second frame on.
            let opened = egui::Id::unique("alt-text-opened");
            let fresh = ctx.data_mut(|d| {
                let fresh = d.get_temp::<bool>(opened).is_none();
                d.insert_temp(opened, true);
                fresh
            });
            let response = Modal::new(egui::Id::unique("alt-text")).show(&ctx, |ui| {
                ui.set_width(420.0);
                ui.heading(format!("Alt text for {name}"));
                ui.label("Describe the picture for people who use screen readers.");
                let label = ui.label("Alt text");
                let edit = ui
                    .add(
                        TextEdit::multiline(&mut text)
                            .desired_rows(4)
                            .desired_width(f32::INFINITY)
                            .return_key(None),
                    )
                    .labelled_by(label.id);
                // Focus starts in the box; Tab can still reach the buttons.
                if fresh || ui.memory(|m| m.focused().is_none()) {
                    edit.request_focus();
                }
                let n = compose::alt_text_chars(&text);
                let color = if n > ALT_TEXT_MAX_CHARS {
                    theme::RED
                } else {
                    ui.visuals().weak_text_color()
                };
                ui.label(RichText::new(format!("{n} / {ALT_TEXT_MAX_CHARS}")).color(color));
                let ok = n <= ALT_TEXT_MAX_CHARS;
                ui.horizontal(|ui| {
                    if ui.add_enabled(ok, egui::Button::new("Save")).clicked() {
                        save = true;
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
                if ok && !fresh && ui.input(|i| i.key_pressed(Key::Enter)) {
                    save = true;
                }
            });
            if save || close || response.should_close() {
                ctx.data_mut(|d| d.remove::<bool>(opened));
            }
            if save {
                if let Some(tile) = app.model.tile_mut(key) {
                    tile.alt = text.trim().to_string();
                }
                app.send(Command::SetAlt(key, text.trim().to_string()));
                app.view.dialog = None;
            } else if close || response.should_close() {
                app.view.dialog = None;
            } else {
                app.view.dialog = Some(Dialog::Alt { key, name, text });
            }
        }
        Dialog::Warning { key, name } => super::extras::warning_dialog(app, &ctx, key, name),
        Dialog::PostAt(form) => super::schedule::dialog(app, ui, form),
        Dialog::CloseWhileWaiting => super::closing::dialog(app, &ctx),
        Dialog::ConfirmDelete(post_id) => {
            let mut delete = false;
            let mut keep = false;
            let response = Modal::new(egui::Id::unique("delete-post")).show(&ctx, |ui| {
                ui.set_width(380.0);
                ui.heading("Delete this post from X?");
                ui.label("It disappears from the profile for everyone. This can't be undone.");
                ui.add_space(8.0);
                ui.horizontal(|ui| {
                    let button =
                        egui::Button::new(RichText::new("Delete it").color(egui::Color32::WHITE))
                            .fill(theme::RED);
                    if ui.add(button).clicked() {
                        delete = true;
                    }
                    if ui.button("Keep it").clicked() {
                        keep = true;
                    }
                });
            });
            if delete {
                app.send(Command::DeletePost(post_id));
                app.view.dialog = None;
            } else if keep || response.should_close() {
                app.view.dialog = None;
            }
        }
    }
}

/// The title bar: the app's name, Settings, and the account menu.
pub fn title_bar(app: &mut App, ui: &mut Ui) {
    ui.horizontal(|ui| {
        ui.label(RichText::new("X Uploader").strong().size(17.0));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let settings_open = app.view.settings.is_some();
            if ui.selectable_label(settings_open, "Settings").clicked() {
                if settings_open {
                    app.view.settings = None;
                } else {
                    app.open_settings();
                }
            }
            if let Some(active) = app.model.active.clone() {
                let accounts = app.model.accounts.clone();
                ui.menu_button(active.handle(), |ui| {
                    ui.label(RichText::new(format!("Posting as {}", active.handle())).weak());
                    for a in accounts.iter().filter(|a| a.id != active.id) {
                        if ui.button(format!("Switch to {}", a.handle())).clicked() {
                            app.send(Command::SwitchAccount(a.id.clone()));
                            ui.close();
                        }
                    }
                    ui.separator();
                    if ui.button("Add account…").clicked() {
                        app.send(Command::SignIn);
                        ui.close();
                    }
                    if ui.button(format!("Sign out {}", active.handle())).clicked() {
                        app.send(Command::SignOut(active.id.clone()));
                        ui.close();
                    }
                });
                avatar(ui, &active.username);
            }
        });
    });
}

/// A circle with the account's initial.
fn avatar(ui: &mut Ui, username: &str) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(26.0, 26.0), egui::Sense::hover());
    let painter = ui.painter();
    painter.circle_filled(rect.center(), 13.0, theme::BLUE);
    let initial = username
        .chars()
        .next()
        .unwrap_or('?')
        .to_uppercase()
        .to_string();
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        initial,
        egui::FontId::proportional(14.0),
        egui::Color32::WHITE,
    );
}
