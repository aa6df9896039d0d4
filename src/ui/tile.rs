//! One media tile: preview or badge, name and size, then its state —
//! checking, refused (the reason), uploading (the chunk bar, %, MB/s, time
//! left, retries), paused, processing, ready, failed — with its buttons.
//! Tiles keep their size whatever happens inside them.

use std::time::Instant;

use egui::{Align, Button, Frame, Layout, ProgressBar, RichText, Stroke, TextureHandle, Ui, vec2};

use super::theme;
use super::{chunks, extras};
use crate::core::draft::{MediaState as Status, Tile};
use crate::core::limits::{MediaKind, human_bytes, human_duration};
use crate::core::service::ExtrasCommand;

pub const HEIGHT: f32 = 250.0;
const PREVIEW_H: f32 = 104.0;

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Remove,
    Pause,
    Resume,
    Cancel,
    Retry,
    EditAlt,
    Continue,
    StartOver,
    ConvertForX,
    EditWarning,
    /// Captions and the content warning.
    Extras(ExtrasCommand),
}

/// The tile's height: [`HEIGHT`], and more for its captions and warning.
pub fn height(tile: &Tile) -> f32 {
    HEIGHT + extras::extra_height(tile)
}

/// Draw the tile in a box of `width` × `height`; returns what was pressed.
pub fn show(
    ui: &mut Ui,
    tile: &Tile,
    texture: Option<&TextureHandle>,
    (width, height): (f32, f32),
    now: Instant,
) -> Option<Action> {
    let mut action = None;
    let refused = matches!(tile.state, Status::Refused { .. });
    let stroke = if refused {
        Stroke::new(2.0, theme::RED)
    } else {
        Stroke::new(1.0, ui.visuals().widgets.noninteractive.bg_stroke.color)
    };
    let layout = Layout::top_down(Align::Min);
    ui.allocate_ui_with_layout(vec2(width, height), layout, |ui| {
        Frame::new()
            .fill(ui.visuals().faint_bg_color)
            .stroke(stroke)
            .corner_radius(10)
            .inner_margin(10)
            .show(ui, |ui| {
                // Margins (2 × 10) and the stroke stay inside `width`.
                let inner = width - 24.0;
                ui.set_width(inner);
                ui.set_height(height - 24.0);
                let top = ui.cursor().min.y;
                header(ui, tile, &mut action);
                preview(ui, tile, texture, inner);
                ui.add_space(4.0);
                status(ui, tile, now, &mut action);
                // What comes below stays put while the state above changes.
                let spare = top + HEIGHT - 24.0 - ui.cursor().min.y;
                if spare > 0.0 {
                    ui.add_space(spare);
                }
                // Its own id scope: its buttons keep their ids as the state
                // above them changes.
                ui.push_id(("tile-extras", tile.key), |ui| {
                    extras::tile_rows(ui, tile, &mut action)
                });
            });
    });
    action
}

fn header(ui: &mut Ui, tile: &Tile, action: &mut Option<Action>) {
    ui.horizontal(|ui| {
        let size = tile
            .info
            .as_ref()
            .map(|i| human_bytes(i.bytes))
            .unwrap_or_default();
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            let remove = ui
                .add(Button::new(RichText::new("×").size(20.0)).frame(false))
                .on_hover_text(format!("Remove {}", tile.name));
            let remove = remove.accessible_name(format!("Remove {}", tile.name));
            if remove.clicked() {
                *action = Some(Action::Remove);
            }
            ui.label(RichText::new(size).weak());
            ui.with_layout(Layout::left_to_right(Align::Center), |ui| {
                ui.add(egui::Label::new(RichText::new(&tile.name).strong()).truncate());
            });
        });
    });
}

fn preview(ui: &mut Ui, tile: &Tile, texture: Option<&TextureHandle>, width: f32) {
    let (rect, response) = ui.allocate_exact_size(vec2(width, PREVIEW_H), egui::Sense::hover());
    if let Some(details) = tile.info.as_ref().and_then(|i| i.details.as_ref()) {
        response.on_hover_text(details);
    }
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 8, ui.visuals().extreme_bg_color);
    if let Some(tex) = texture {
        let size = tex.size_vec2();
        let scale = (rect.width() / size.x).min(rect.height() / size.y).min(1.0);
        let shown = egui::Rect::from_center_size(rect.center(), size * scale);
        let mut image = egui::Image::new(tex).corner_radius(6);
        if !tile.alt.is_empty() {
            image = image.alt_text(tile.alt.clone());
        }
        image.paint_at(ui, shown);
    }
    let badge = match (
        tile.kind(),
        tile.info.as_ref().and_then(|i| i.duration_secs),
    ) {
        (Some(MediaKind::Video), Some(d)) => Some(format!("VIDEO  {}", human_duration(d))),
        (Some(MediaKind::Video), None) => Some("VIDEO".to_string()),
        (Some(MediaKind::Gif), _) => Some("GIF".to_string()),
        _ => None,
    };
    // What was done to a photo, in one line on top of its preview.
    if let Some(note) = tile.info.as_ref().and_then(|i| i.note.as_deref()) {
        // The window's font has no arrow ("24.5 MB → 4.6 MB").
        let note = note.replace(" → ", " to ");
        let text = RichText::new(&note).size(12.0).color(egui::Color32::WHITE);
        let galley = painter.layout(
            note.clone(),
            egui::FontId::proportional(12.0),
            egui::Color32::WHITE,
            rect.width() - 28.0,
        );
        let at = rect.left_top() + vec2(8.0, 8.0);
        let bg = egui::Rect::from_min_size(at - vec2(6.0, 3.0), galley.size() + vec2(12.0, 6.0));
        painter.rect_filled(bg, 6, egui::Color32::from_black_alpha(170));
        // A child of its own: the tile's status still goes below the preview.
        let place = egui::Rect::from_min_size(at, galley.size() + vec2(2.0, 0.0));
        ui.new_child(egui::UiBuilder::new().max_rect(place))
            .add(egui::Label::new(text).wrap());
    }
    if let Some(badge) = badge {
        let font = egui::FontId::proportional(13.0);
        let galley = painter.layout_no_wrap(badge, font, egui::Color32::WHITE);
        let at = rect.left_bottom() + vec2(8.0, -8.0 - galley.size().y);
        let bg = egui::Rect::from_min_size(at - vec2(6.0, 3.0), galley.size() + vec2(12.0, 6.0));
        painter.rect_filled(bg, 6, egui::Color32::from_black_alpha(170));
        painter.galley(at, galley, egui::Color32::WHITE);
    }
}

fn status(ui: &mut Ui, tile: &Tile, now: Instant, action: &mut Option<Action>) {
    let noun = tile.kind().map(|k| k.noun()).unwrap_or("file");
    match &tile.state {
        Status::Checking => {
            ui.label("Checking…");
        }
        Status::Converting => super::converting::status(ui, tile, action),
        Status::Expired => {
            ui.label("X no longer holds this upload: sending it again…");
        }
        Status::Refused { reason, .. } => {
            ui.add(egui::Label::new(RichText::new(reason).color(theme::RED)).wrap());
        }
        Status::WaitingForSignIn => {
            ui.label("Uploads once you're signed in.");
        }
        Status::Uploading | Status::Paused => {
            let paused = tile.state == Status::Paused;
            if let Some(p) = &tile.progress {
                let label = format!(
                    "Chunks of {}: {} of {} sent",
                    tile.name,
                    p.done_cells(),
                    p.cells.len()
                );
                chunks::bar(ui, &p.cells, label, p.percent());
                let pct = p.percent();
                let line = if paused {
                    format!("Paused at {pct}%")
                } else if p.queued() {
                    "Waiting its turn — other files are being sent".to_string()
                } else {
                    let mut parts = vec![format!("{pct}%")];
                    if let Some(rate) = p.rate.bytes_per_sec() {
                        parts.push(format!("{:.1} MB/s", rate / 1_000_000.0));
                    }
                    if let Some(left) = p.seconds_left() {
                        parts.push(time_left(left));
                    }
                    parts.join(" · ")
                };
                ui.label(line);
                if let Some(note) = p.note_text(now) {
                    ui.add(egui::Label::new(RichText::new(note).color(theme::AMBER)).wrap());
                } else if let group = chunks::group_size(p.cells.len(), ui.available_width())
                    && group > 1
                {
                    ui.label(
                        RichText::new(
                            format!("{} chunks; each cell shows {group}", p.cells.len(),),
                        )
                        .weak()
                        .small(),
                    );
                }
            } else {
                ui.label("Starting the upload…");
            }
            ui.horizontal_wrapped(|ui| {
                let (text, act) = if paused {
                    ("Resume", Action::Resume)
                } else {
                    ("Pause", Action::Pause)
                };
                if ui.button(text).clicked() {
                    *action = Some(act);
                }
                if ui.button("Cancel").clicked() {
                    *action = Some(Action::Cancel);
                }
                alt_button(ui, tile, action);
            });
        }
        Status::Finalizing => {
            ui.add(ProgressBar::new(1.0).text("Upload complete — handing it to X…"));
            alt_row(ui, tile, action);
        }
        Status::Processing(percent) => {
            let p = percent.unwrap_or(0);
            ui.add(
                ProgressBar::new(p as f32 / 100.0)
                    .fill(theme::BLUE)
                    .text(format!("X is processing the {noun}… {p}%")),
            );
            alt_row(ui, tile, action);
        }
        Status::Ready => {
            // A video or GIF says it once, on its full green bar.
            let processed = tile.kind().is_some_and(|k| k.needs_processing());
            if processed {
                ui.add(
                    ProgressBar::new(1.0)
                        .fill(theme::GREEN)
                        .text("Processed by X — ready to post"),
                );
            }
            ui.horizontal(|ui| {
                if !processed {
                    ui.label(RichText::new("Ready").color(theme::GREEN).strong());
                }
                alt_button(ui, tile, action);
            });
            if !tile.alt.trim().is_empty() {
                ui.add(
                    egui::Label::new(RichText::new(format!("Alt text: {}", tile.alt)).weak())
                        .wrap(),
                );
            } else if tile.takes_alt() {
                ui.label(RichText::new("No alt text yet.").weak());
            }
        }
        Status::Failed { message, retryable } => {
            ui.add(egui::Label::new(RichText::new(message).color(theme::RED)).wrap());
            ui.horizontal(|ui| {
                super::converting::offer(ui, tile, action);
                if ui.button("Retry").clicked() {
                    *action = Some(Action::Retry);
                }
                if !retryable {
                    ui.label(RichText::new("or remove it").weak());
                }
            });
            super::converting::missing(ui, tile);
        }
        Status::Interrupted(percent) => {
            ui.add(
                egui::Label::new(format!("Continue uploading {} ({percent} %)?", tile.name)).wrap(),
            );
            ui.horizontal(|ui| {
                if ui.button("Continue").clicked() {
                    *action = Some(Action::Continue);
                }
                if ui.button("Start over").clicked() {
                    *action = Some(Action::StartOver);
                }
            });
        }
        Status::Cancelled => {
            ui.label("Upload cancelled.");
            if ui.button("Retry").clicked() {
                *action = Some(Action::Retry);
            }
        }
    }
}

fn alt_row(ui: &mut Ui, tile: &Tile, action: &mut Option<Action>) {
    ui.horizontal(|ui| alt_button(ui, tile, action));
}

fn alt_button(ui: &mut Ui, tile: &Tile, action: &mut Option<Action>) {
    if !tile.takes_alt() {
        return;
    }
    let text = if tile.alt.trim().is_empty() {
        "Add alt text"
    } else {
        "Edit alt text"
    };
    let r = ui.button(text);
    let r = if tile.alt.trim().is_empty() {
        r.on_hover_text("Describe the picture for people who can't see it.")
    } else {
        r.on_hover_text(format!("Alt text: {}", tile.alt))
    };
    if r.clicked() {
        *action = Some(Action::EditAlt);
    }
}

/// "7 s left", "3 min left", "1 h 5 min left".
pub fn time_left(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s < 60 {
        format!("{s} s left")
    } else if s < 3600 {
        format!("{} min left", s.div_ceil(60))
    } else {
        format!("{} h {} min left", s / 3600, (s % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::time_left;

    #[test]
    fn time_left_in_plain_units() {
        assert_eq!(time_left(6.6), "7 s left");
        assert_eq!(time_left(125.0), "3 min left");
        assert_eq!(time_left(3900.0), "1 h 5 min left");
    }
}
