//! What a tile offers besides alt text — captions on a video (add, found
//! next to it, language, remove) and a content warning — plus the warning
//! dialog and "Who can reply" next to Post.

use egui::{Button, ComboBox, Modal, RichText, Ui};

use super::app::{App, Dialog};
use super::theme;
use super::tile::Action;
use crate::core::draft::{MediaState, Tile, TileKey};
use crate::core::limits::MediaKind;
use crate::core::media::languages::{LANGUAGES, own_name};
use crate::core::service::{Command, ExtrasCommand};

const ROW: f32 = 26.0;
const LINE: f32 = 19.0;

/// Who can reply: X's `reply_settings` value (everyone: none) and words.
pub const REPLY_CHOICES: &[(Option<&str>, &str)] = &[
    (None, "Everyone can reply"),
    (Some("following"), "People you follow"),
    (Some("mentionedUsers"), "Only people you mention"),
    (Some("subscribers"), "Subscribers"),
    (Some("verified"), "Verified accounts"),
];

fn shows_extras(tile: &Tile) -> bool {
    tile.kind().is_some() && !matches!(tile.state, MediaState::Refused { .. })
}

/// How much taller than usual the tile is for what it carries.
pub fn extra_height(tile: &Tile) -> f32 {
    if !shows_extras(tile) {
        return 0.0;
    }
    let e = &tile.extras;
    let mut h = ROW;
    if e.warning.is_set() {
        h += LINE;
    }
    if !e.captions.is_empty() {
        h += LINE + ROW * e.captions.len() as f32;
    }
    if e.offer.is_some() {
        h += 2.0 * LINE + ROW;
    }
    if e.problem.is_some() {
        h += 4.0 * LINE;
    }
    h
}

/// The tile's captions, offer, warning and their buttons.
pub fn tile_rows(ui: &mut Ui, tile: &Tile, action: &mut Option<Action>) {
    if !shows_extras(tile) {
        return;
    }
    let key = tile.key;
    let e = &tile.extras;
    let extras = |c: ExtrasCommand| Some(Action::Extras(c));
    if let Some(problem) = &e.problem {
        ui.add(egui::Label::new(RichText::new(problem).color(theme::RED)).wrap());
    }
    if let Some(offer) = &e.offer {
        ui.add(
            egui::Label::new(format!(
                "Found {} — add it as {} captions?",
                offer.name,
                own_name(&offer.language)
            ))
            .wrap(),
        );
        ui.horizontal(|ui| {
            if ui.button("Add").clicked() {
                *action = extras(ExtrasCommand::AcceptOffer(key));
            }
            if ui.button("No thanks").clicked() {
                *action = extras(ExtrasCommand::DeclineOffer(key));
            }
        });
    }
    if let Some(line) = e.captions_line() {
        ui.add(egui::Label::new(RichText::new(line).weak()).truncate());
    }
    for (n, c) in e.captions.iter().enumerate() {
        ui.horizontal(|ui| {
            let remove = ui
                .add(Button::new("×").frame(false))
                .on_hover_text(format!("Remove the captions {}", c.name));
            if remove
                .accessible_name(format!("Remove the captions {}", c.name))
                .clicked()
            {
                *action = extras(ExtrasCommand::RemoveCaptions(key, n));
            }
            if let Some(language) = language_combo(ui, (key, n), &c.language, &c.name) {
                *action = extras(ExtrasCommand::SetCaptionLanguage(key, n, language));
            }
            let name = if c.uploaded {
                c.name.clone()
            } else {
                format!("{} (sending…)", c.name)
            };
            ui.add(egui::Label::new(RichText::new(name).weak()).truncate());
        });
    }
    if e.warning.is_set() {
        let words = format!("Content warning: {}", e.warning.words());
        ui.label(RichText::new(words).color(theme::AMBER));
    }
    ui.horizontal(|ui| {
        if tile.kind() == Some(MediaKind::Video) && ui.button("Add captions…").clicked() {
            *action = extras(ExtrasCommand::PickCaptions(key));
        }
        if ui
            .button("Content warning…")
            .on_hover_text("Mark it as sensitive: X covers it until someone chooses to see it.")
            .clicked()
        {
            *action = Some(Action::EditWarning);
        }
    });
}

/// A list of languages by name; answers the code chosen, if changed.
fn language_combo(ui: &mut Ui, id: (TileKey, usize), code: &str, file: &str) -> Option<String> {
    let mut chosen = code.to_string();
    let r = ComboBox::from_id_salt(("captions-language", id))
        .selected_text(own_name(code))
        .width(120.0)
        .show_ui(ui, |ui| {
            for (c, english) in LANGUAGES {
                let own = own_name(c);
                let text = if own == *english {
                    english.to_string()
                } else {
                    format!("{english} ({own})")
                };
                ui.selectable_value(&mut chosen, c.to_string(), text);
            }
        });
    r.response
        .accessible_name(format!("Language of {file}"))
        .on_hover_text(format!("The language of {file}"));
    (chosen != code).then_some(chosen)
}

/// "Who can reply", next to Post.
pub fn reply_combo(app: &mut App, ui: &mut Ui) {
    let current = app.model.reply_settings.clone();
    let words = |v: Option<&str>| {
        REPLY_CHOICES
            .iter()
            .find(|(c, _)| *c == v)
            .map(|(_, w)| *w)
            .unwrap_or("Everyone can reply")
    };
    let mut chosen = current.clone();
    let r = ComboBox::from_id_salt("who-can-reply")
        .selected_text(words(current.as_deref()))
        .show_ui(ui, |ui| {
            for (value, text) in REPLY_CHOICES {
                ui.selectable_value(&mut chosen, value.map(str::to_string), *text);
            }
        });
    r.response
        .accessible_name("Who can reply")
        .on_hover_text("Who can reply to this post (remembered for this account)");
    if chosen != current {
        app.model.reply_settings = chosen.clone();
        app.send(Command::Extras(ExtrasCommand::SetReplySettings(chosen)));
    }
}

/// The content warning dialog: X's three flags.
pub fn warning_dialog(app: &mut App, ctx: &egui::Context, key: TileKey, name: String) {
    let mut w = app.view.warning;
    let (mut save, mut close) = (false, false);
    let response = Modal::new(egui::Id::unique("content-warning")).show(ctx, |ui| {
        ui.set_width(400.0);
        ui.heading(format!("Content warning for {name}"));
        ui.add(
            egui::Label::new(
                "X covers the photo or video with this warning until someone chooses to see it.",
            )
            .wrap(),
        );
        ui.checkbox(&mut w.adult_content, "Adult content (nudity)");
        ui.checkbox(&mut w.graphic_violence, "Graphic violence");
        ui.checkbox(&mut w.other, "Other sensitive content");
        ui.horizontal(|ui| {
            save = ui.button("Save").clicked();
            close = ui.button("Cancel").clicked();
        });
    });
    app.view.warning = w;
    if save {
        if let Some(tile) = app.model.tile_mut(key) {
            tile.extras.warning = w;
        }
        app.send(Command::Extras(ExtrasCommand::SetWarning(key, w)));
    }
    if save || close || response.should_close() {
        app.view.dialog = None;
    }
}

/// Open the warning dialog on the tile's warning as it stands.
pub fn open_warning(app: &mut App, key: TileKey) {
    if let Some(t) = app.model.tiles.iter().find(|t| t.key == key) {
        app.view.warning = t.extras.warning;
        app.view.dialog = Some(Dialog::Warning {
            key,
            name: t.name.clone(),
        });
    }
}
