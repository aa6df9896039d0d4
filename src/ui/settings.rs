//! Settings: the X app (for administrators: client id, secret kept in the
//! keychain, callback URLs), uploads (piece size and pieces at a time, with
//! the measured defaults explained), photos and videos (location, making
//! photos fit), starting at login while posts wait, appearance, help and
//! About.

use egui::{RichText, TextEdit, Ui};

use super::app::App;
use crate::core::limits::{
    CHUNK_MIB_RANGE, DEFAULT_PARALLEL, DEFAULT_SEGMENT_BYTES, MIB, PARALLEL_RANGE,
};
use crate::core::secret::Secret;
use crate::core::service::{Command, SettingsForm};

/// The form while it is being edited (the secret as typed: it becomes a
/// `Secret` on its way to the service; Debug never shows it).
#[derive(Clone, PartialEq)]
pub struct Edit {
    pub client_id: String,
    pub secret: String,
    pub redirect_uris: String,
    pub chunk_mib: f64,
    pub parallel: usize,
    pub theme: String,
    pub text_scale: f32,
    pub remove_location: bool,
    pub convert_photos: bool,
    pub start_at_login: bool,
}

impl std::fmt::Debug for Edit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Edit")
            .field("client_id", &self.client_id)
            .field("secret", &Secret::new(self.secret.as_str()))
            .field("redirect_uris", &self.redirect_uris)
            .field("chunk_mib", &self.chunk_mib)
            .field("parallel", &self.parallel)
            .finish_non_exhaustive()
    }
}

impl Edit {
    pub fn from_form(form: &SettingsForm) -> Edit {
        Edit {
            client_id: form.client_id.clone(),
            secret: String::new(),
            redirect_uris: form.redirect_uris.join("\n"),
            chunk_mib: form
                .chunk_mib
                .unwrap_or((DEFAULT_SEGMENT_BYTES / MIB) as f64),
            parallel: form.parallel.unwrap_or(DEFAULT_PARALLEL),
            theme: form.theme.clone().unwrap_or_else(|| "system".into()),
            text_scale: form.text_scale.unwrap_or(1.0),
            remove_location: form.keep_location != Some(true),
            convert_photos: form.convert_photos != Some(false),
            start_at_login: form.start_at_login != Some(false),
        }
    }

    fn to_form(&self) -> SettingsForm {
        let default_chunk = (DEFAULT_SEGMENT_BYTES / MIB) as f64;
        SettingsForm {
            client_id: self.client_id.trim().to_string(),
            client_secret: (!self.secret.is_empty()).then(|| Secret::new(self.secret.trim())),
            redirect_uris: self
                .redirect_uris
                .split(['\n', ',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            chunk_mib: ((self.chunk_mib - default_chunk).abs() > 1e-9).then_some(self.chunk_mib),
            parallel: (self.parallel != DEFAULT_PARALLEL).then_some(self.parallel),
            theme: (self.theme != "system").then(|| self.theme.clone()),
            text_scale: ((self.text_scale - 1.0).abs() > 1e-3).then_some(self.text_scale),
            keep_location: (!self.remove_location).then_some(true),
            convert_photos: (!self.convert_photos).then_some(false),
            start_at_login: (!self.start_at_login).then_some(false),
        }
    }
}

pub(super) fn section(ui: &mut Ui, title: &str) {
    ui.add_space(14.0);
    ui.label(RichText::new(title).strong().size(16.0));
    ui.separator();
}

pub fn show(app: &mut App, ui: &mut Ui) {
    let Some(mode) = app.model.mode.clone() else {
        return;
    };
    let Some(mut edit) = app.view.settings.clone() else {
        return;
    };
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        ui.vertical_centered(|ui| {
            ui.set_max_width(600.0);
            ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                ui.heading("Settings");

                section(ui, "X app (for administrators)");
                if mode.practice {
                    ui.label("Practice mode uses its own practice app; these settings apply when you leave it.");
                }
                let l = ui.label("Client id");
                ui.add(TextEdit::singleline(&mut edit.client_id).desired_width(f32::INFINITY))
                    .labelled_by(l.id);
                ui.label(RichText::new(&mode.client_id_source).weak());
                let l = ui.label("Client secret (only for a confidential app; kept in the keychain)");
                let hint = if mode.has_client_secret { "A secret is stored — type to replace it" } else { "None" };
                ui.add(TextEdit::singleline(&mut edit.secret).password(true).hint_text(hint).desired_width(f32::INFINITY))
                    .labelled_by(l.id);
                let l = ui.label("Callback URLs registered for the app at X (one per line; the first free one is used)");
                ui.add(TextEdit::multiline(&mut edit.redirect_uris).desired_rows(2).desired_width(f32::INFINITY))
                    .labelled_by(l.id);

                section(ui, "Uploads");
                ui.add(egui::Slider::new(&mut edit.chunk_mib, CHUNK_MIB_RANGE).step_by(0.25).suffix(" MiB").text("Piece size"));
                ui.add(egui::Slider::new(&mut edit.parallel, PARALLEL_RANGE).text("Pieces sent at once"));
                ui.label(RichText::new(&mode.defaults_note).weak());
                if ui.button("Use the measured defaults").clicked() {
                    edit.chunk_mib = (DEFAULT_SEGMENT_BYTES / MIB) as f64;
                    edit.parallel = DEFAULT_PARALLEL;
                }

                section(ui, "Photos and videos");
                ui.checkbox(&mut edit.remove_location, "Remove location from photos and videos")
                    .on_hover_text("Where a photo or video was taken (GPS) is taken out of the copy that goes to X. Your files stay as they are.");
                ui.checkbox(&mut edit.convert_photos, "Make photos fit X automatically")
                    .on_hover_text("Photos over 5 MB, HEIC, TIFF and BMP are converted to a copy X takes. Off: they are refused with what to do.");

                super::autostart::show(ui, &mut edit.start_at_login);

                section(ui, "Appearance");
                ui.horizontal(|ui| {
                    ui.label("Theme:");
                    for (value, text) in [("system", "Follow system"), ("light", "Light"), ("dark", "Dark")] {
                        ui.selectable_value(&mut edit.theme, value.to_string(), text);
                    }
                });
                ui.add(egui::Slider::new(&mut edit.text_scale, 0.8..=2.0).step_by(0.1).text("Text size"));

                section(ui, "Help");
                ui.horizontal(|ui| {
                    if ui.button("Open the log folder").clicked() {
                        app.send(Command::OpenLogFolder);
                    }
                    ui.label(RichText::new(mode.log_dir.display().to_string()).weak().small());
                });
                super::setup_check::show(app, ui);
                ui.label(format!("About: X Uploader {}", env!("CARGO_PKG_VERSION")));

                ui.add_space(16.0);
                ui.horizontal(|ui| {
                    if ui.button(RichText::new("Save").strong()).clicked() {
                        app.send(Command::SaveSettings(edit.to_form()));
                        app.view.settings = None;
                        return;
                    }
                    if ui.button("Back").clicked() {
                        app.view.settings = None;
                    }
                });
            });
        });
    });
    if app.view.settings.is_some() {
        app.view.settings = Some(edit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_not_written_back() {
        let form = SettingsForm {
            client_id: " abc ".into(),
            redirect_uris: vec!["http://127.0.0.1:8765/callback".into()],
            ..SettingsForm::default()
        };
        let edit = Edit::from_form(&form);
        let back = edit.to_form();
        assert_eq!(back.client_id, "abc");
        assert_eq!(back.chunk_mib, None);
        assert_eq!(back.parallel, None);
        assert_eq!(back.theme, None);
        assert_eq!(back.client_secret, None);
        assert_eq!((back.keep_location, back.convert_photos), (None, None));
        assert!(edit.remove_location && edit.convert_photos);
        let mut changed = edit.clone();
        changed.parallel = 5;
        changed.remove_location = false;
        changed.convert_photos = false;
        changed.secret = "s3".into();
        changed.redirect_uris =
            "http://127.0.0.1:8765/callback\nhttp://127.0.0.1:8766/callback".into();
        let back = changed.to_form();
        assert_eq!(back.parallel, Some(5));
        assert_eq!(back.client_secret, Some(Secret::new("s3")));
        assert_eq!(back.redirect_uris.len(), 2);
        assert_eq!(
            (back.keep_location, back.convert_photos),
            (Some(true), Some(false))
        );
    }
}
