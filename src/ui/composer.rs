//! The main screen: banners (posted, sign-in ended, notices), the text box
//! with X's weighted counter, the media tiles, the drop zone, and the post
//! bar with the Post button.

use std::time::Instant;

use egui::{Align, Button, Frame, Layout, RichText, TextEdit, Ui, vec2};

use super::app::{App, Dialog};
use super::{extras, theme, tile};
use crate::core::compose;
use crate::core::draft::MediaState;
use crate::core::limits::MAX_MEDIA_PER_POST;
use crate::core::service::{Command, PostState};

/// Why Post can't be pressed now (`None`: it can). The rules are
/// `compose::post_blocker`'s, as for the service and the command line.
pub fn post_blocker(app: &App) -> Option<String> {
    let m = &app.model;
    if matches!(m.post, PostState::Posting) {
        return Some("Posting…".into());
    }
    // In a thread, each post not yet on X by itself.
    (m.thread.posted..m.post_count()).find_map(|post| {
        let media: Vec<_> = m.tiles_of(post).map(|t| (t.kind(), &t.state)).collect();
        let why = compose::post_blocker(m.active.is_some(), m.text_of(post), &media).err()?;
        Some(match m.is_thread() {
            true => format!("Post {}: {why}", post + 1),
            false => why.to_string(),
        })
    })
}

pub fn show(app: &mut App, ui: &mut Ui, now: Instant) {
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let width = ui.available_width().min(680.0);
            ui.vertical_centered(|ui| {
                ui.set_max_width(width);
                ui.with_layout(Layout::top_down(Align::Min), |ui| {
                    banners(app, ui, now);
                    super::thread::posts(app, ui, width, now);
                    super::schedule::queue(app, ui);
                });
            });
        });
}

fn banner(ui: &mut Ui, color: egui::Color32, add: impl FnOnce(&mut Ui)) {
    let width = ui.available_width() - 22.0;
    Frame::new()
        .fill(color.gamma_multiply(0.18))
        .stroke(egui::Stroke::new(1.0, color))
        .corner_radius(8)
        .inner_margin(10)
        .show(ui, |ui| {
            ui.set_width(width);
            add(ui);
        });
    ui.add_space(6.0);
}

fn banners(app: &mut App, ui: &mut Ui, now: Instant) {
    if let Some(message) = app.model.expired.clone() {
        banner(ui, theme::AMBER, |ui| {
            ui.add(egui::Label::new(message).wrap());
            ui.label("Your files and text are kept.");
            if ui.button("Sign in again").clicked() {
                app.send(Command::SignIn);
            }
        });
    }
    match app.model.post.clone() {
        PostState::Posted {
            post_id,
            handle,
            view_url,
        } => banner(ui, theme::GREEN, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(format!("Posted to {handle}")).strong());
                if ui.button("View on X").clicked() {
                    app.send(Command::OpenUrl(view_url.clone()));
                }
                if ui.button("Delete post").clicked() {
                    app.view.dialog = Some(Dialog::ConfirmDelete(post_id.clone()));
                }
            });
        }),
        PostState::Deleted(_) => banner(ui, theme::GREEN, |ui| {
            ui.label("The post was deleted from X.");
        }),
        PostState::Failed(message) => banner(ui, theme::RED, |ui| {
            ui.add(egui::Label::new(message).wrap());
        }),
        PostState::ThreadStopped(message) => banner(ui, theme::AMBER, |ui| {
            super::thread::stopped(app, ui, &message);
        }),
        _ => {}
    }
    if let Some((notice, at)) = &app.model.notice
        && now.duration_since(*at).as_secs() < 8
    {
        let notice = notice.clone();
        banner(ui, theme::BLUE, |ui| {
            ui.add(egui::Label::new(notice).wrap());
        });
    }
}

/// Post `post`'s text box ("Post text"; in a thread "Text of post 2").
pub(super) fn text_box(app: &mut App, ui: &mut Ui, post: usize) {
    let name = match app.model.is_thread() {
        true => format!("Text of post {}", post + 1),
        false => "Post text".to_string(),
    };
    let label = ui.label(RichText::new(name).weak());
    // The text is what gets posted once Post is pressed: it waits unchanged
    // (Cancel makes it editable again).
    let queued = matches!(
        app.model.post,
        PostState::WaitingForUploads | PostState::Posting
    );
    let mut text = app.model.text_of(post).to_string();
    let response = ui
        .add_enabled(
            !queued,
            TextEdit::multiline(&mut text)
                .id_salt(("post-text", post))
                .hint_text(if post == 0 {
                    "What's happening?"
                } else {
                    "Add another post"
                })
                .desired_rows(4)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id)
        .on_disabled_hover_text("This text is waiting to be posted. Cancel the post to change it.");
    if response.changed() {
        match post {
            0 => app.model.text = text.clone(),
            n => {
                if let Some(t) = app.model.thread.later.get_mut(n - 1) {
                    *t = text.clone();
                }
            }
        }
        app.send(match post {
            0 => Command::DraftText(text.clone()),
            n => Command::PostText(n, text.clone()),
        });
        if matches!(
            app.model.post,
            PostState::Posted { .. } | PostState::Deleted(_) | PostState::Failed(_)
        ) {
            app.model.post = PostState::Idle;
        }
    }
    let left = compose::remaining(&text);
    let color = if left < 0 {
        theme::RED
    } else if left <= 20 {
        theme::AMBER
    } else {
        ui.visuals().weak_text_color()
    };
    ui.with_layout(Layout::right_to_left(Align::Min), |ui| {
        let r = ui.label(RichText::new(left.to_string()).color(color).strong());
        r.on_hover_text("Characters left, as X counts them (links count 23, emoji and CJK 2)");
    });
}

/// Post `post`'s files.
pub(super) fn tiles(app: &mut App, ui: &mut Ui, width: f32, now: Instant, post: usize) {
    let gap = 10.0;
    // Two tiles a row when they fit (large text or a narrow window: one).
    let per_row = if width >= 600.0 { 2 } else { 1 };
    let tile_w = ((width - gap * (per_row - 1) as f32) / per_row as f32).floor();
    let keys: Vec<u64> = app.model.tiles_of(post).map(|t| t.key).collect();
    for pair in keys.chunks(per_row) {
        // A row is as tall as its tallest tile.
        let height = (app.model.tiles.iter())
            .filter(|t| pair.contains(&t.key))
            .map(tile::height)
            .fold(tile::HEIGHT, f32::max);
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = gap;
            for key in pair {
                let Some(tile) = app.model.tiles.iter().find(|t| t.key == *key).cloned() else {
                    continue;
                };
                let texture = app.textures.get(key);
                if let Some(action) = tile::show(ui, &tile, texture, (tile_w, height), now) {
                    app.tile_action(*key, action);
                }
            }
        });
        ui.add_space(gap);
    }
}

/// Where post `post`'s files come from (drops go to the last post).
pub(super) fn drop_zone(app: &mut App, ui: &mut Ui, post: usize) {
    let full = app.model.tiles_of(post).count() >= MAX_MEDIA_PER_POST;
    let (button, command) = match app.model.is_thread() {
        true => (
            format!("Add photos or video to post {}…", post + 1),
            Command::OpenFileDialogFor(post),
        ),
        false => ("Add photos or video…".to_string(), Command::OpenFileDialog),
    };
    const FULL: &str = "A post holds up to 4 photos, or 1 video, or 1 GIF.";
    // Drops go to the last post: the others have a button only.
    if post + 1 < app.model.post_count() {
        ui.horizontal(|ui| {
            if ui.add_enabled(!full, Button::new(button)).clicked() {
                app.send(command);
            }
            if full {
                ui.label(RichText::new(FULL).weak());
            }
        });
        return;
    }
    let width = ui.available_width() - 30.0;
    Frame::new()
        .stroke(egui::Stroke::new(1.0, ui.visuals().weak_text_color()))
        .corner_radius(10)
        .inner_margin(14)
        .show(ui, |ui| {
            ui.set_width(width);
            ui.vertical_centered(|ui| {
                let text = if full {
                    FULL
                } else {
                    "Drop photos or a video here, or paste a screenshot (Ctrl+V)"
                };
                ui.label(RichText::new(text).weak());
                if ui.add_enabled(!full, Button::new(button)).clicked() {
                    app.send(command);
                }
            });
        });
}

/// The bar at the bottom: what happens next, and Post (Ctrl+Enter).
pub fn post_bar(app: &mut App, ui: &mut Ui) {
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        let blocker = post_blocker(app);
        let waiting = matches!(app.model.post, PostState::WaitingForUploads);
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            let button = Button::new(RichText::new("Post").strong().color(egui::Color32::WHITE))
                .fill(theme::BLUE)
                .min_size(vec2(88.0, 32.0));
            let r = ui.add_enabled(blocker.is_none() && !waiting, button);
            let r = match &blocker {
                Some(why) => r.on_disabled_hover_text(why.clone()),
                None => r.on_hover_text("Ctrl+Enter"),
            };
            if r.clicked() {
                app.post();
            }
            extras::reply_combo(app, ui);
            let at = ui.add_enabled(
                blocker.is_none() && !waiting,
                Button::new("Post at…").min_size(vec2(0.0, 32.0)),
            );
            if at.on_hover_text("Post at a set time").clicked() {
                app.view.dialog = Some(Dialog::PostAt(super::schedule::PostAt::new(&app.clock)));
            }
            ui.with_layout(Layout::left_to_right(Align::Center), |ui| {
                match &app.model.post {
                    PostState::WaitingForUploads => {
                        ui.label("Will post when uploads finish");
                        if ui.button("Cancel post").clicked() {
                            app.send(Command::CancelPost);
                        }
                    }
                    PostState::Posting => {
                        ui.label("Posting…");
                    }
                    _ => {
                        let hint = match &blocker {
                            Some(why)
                                if !app.model.text.is_empty() || !app.model.tiles.is_empty() =>
                            {
                                Some(why.clone())
                            }
                            Some(_) => None,
                            None if app
                                .model
                                .tiles
                                .iter()
                                .any(|t| t.state != MediaState::Ready) =>
                            {
                                Some(
                                    "Post now, and it goes out as soon as the uploads finish."
                                        .to_string(),
                                )
                            }
                            None => None,
                        };
                        if let Some(hint) = hint {
                            ui.add(egui::Label::new(RichText::new(hint).weak()).wrap());
                        }
                    }
                }
            });
        });
    });
    ui.add_space(6.0);
}
