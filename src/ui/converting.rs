//! A tile while its file is converted ("Making it smaller…" for a photo,
//! "Converting for X…" with a progress bar and Cancel for a video), and
//! what a video's tile offers once X's processing refused it.

use egui::{ProgressBar, RichText, Ui};

use super::theme;
use super::tile::Action;
use crate::core::draft::{ConvertOffer, Tile};

/// The converting state: a spinner and what is being done, its progress
/// when known, and Cancel where it can be stopped.
pub fn status(ui: &mut Ui, tile: &Tile, action: &mut Option<Action>) {
    let doing = tile
        .converting
        .as_ref()
        .map_or("Converting it for X…", |c| c.doing.as_str());
    ui.horizontal(|ui| {
        ui.add(egui::Spinner::new());
        ui.label(doing);
    });
    let Some(c) = &tile.converting else {
        return;
    };
    if let Some(f) = c.fraction {
        let pct = (f * 100.0).floor() as u32;
        ui.add(
            ProgressBar::new(f)
                .fill(theme::BLUE)
                .text(format!("Converting {}: {pct}%", tile.name)),
        );
    }
    if c.cancellable && ui.button("Cancel").clicked() {
        *action = Some(Action::Cancel);
    }
}

/// Beside Retry, under X's reason for refusing a video: "Convert for X".
pub fn offer(ui: &mut Ui, tile: &Tile, action: &mut Option<Action>) {
    if tile.convert != Some(ConvertOffer::Convert) {
        return;
    }
    let r = ui
        .button(RichText::new("Convert for X").strong())
        .on_hover_text("Make an MP4 X takes (H.264 and AAC sound) and upload that instead. Your file stays as it is.");
    if r.clicked() {
        *action = Some(Action::ConvertForX);
    }
}

/// Without ffmpeg: what to install, or how to export the video instead.
pub fn missing(ui: &mut Ui, tile: &Tile) {
    if let Some(ConvertOffer::Missing(how)) = &tile.convert {
        ui.add(egui::Label::new(RichText::new(how).weak().small()).wrap());
    }
}
