//! The composer's posts: one, or a thread of up to 25 ("Add another
//! post"), each with its number, its text box and counter, its files and
//! drop zone, and buttons to move or remove it. Posts already on X (a
//! thread that stopped part way) show their text only, and the banner
//! offers "Post the rest".

use std::time::Instant;

use egui::{Align, Button, Frame, Layout, RichText, Ui};

use super::app::App;
use super::composer;
use crate::core::service::{Command, PostState};
use crate::core::thread_file::THREAD_MAX_POSTS;

pub fn posts(app: &mut App, ui: &mut Ui, width: f32, now: Instant) {
    let count = app.model.post_count();
    if !app.model.is_thread() {
        composer::text_box(app, ui, 0);
        ui.add_space(8.0);
        composer::tiles(app, ui, width, now, 0);
        composer::drop_zone(app, ui, 0);
    } else {
        for post in 0..count {
            let frame_w = ui.available_width() - 22.0;
            Frame::new()
                .stroke(egui::Stroke::new(
                    1.0,
                    ui.visuals().widgets.noninteractive.bg_stroke.color,
                ))
                .corner_radius(10)
                .inner_margin(10)
                .show(ui, |ui| {
                    ui.set_width(frame_w);
                    if post < app.model.thread.posted {
                        on_x(app, ui, post);
                        return;
                    }
                    header(app, ui, post, count);
                    composer::text_box(app, ui, post);
                    ui.add_space(8.0);
                    composer::tiles(app, ui, frame_w, now, post);
                    composer::drop_zone(app, ui, post);
                });
            ui.add_space(8.0);
        }
    }
    add_post(app, ui, count);
}

/// "Post 2" with Move up, Move down and Remove.
fn header(app: &mut App, ui: &mut Ui, post: usize, count: usize) {
    let n = post + 1;
    // Nothing moves while the thread waits to go out or goes.
    let still = matches!(
        app.model.post,
        PostState::Idle
            | PostState::Failed(_)
            | PostState::ThreadStopped(_)
            | PostState::Posted { .. }
            | PostState::Deleted(_)
    );
    let first_free = app.model.thread.posted;
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("Post {n}")).strong());
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            let buttons = [
                (
                    "Remove",
                    format!("Remove post {n}"),
                    true,
                    Command::RemovePost(post),
                ),
                (
                    "Move down",
                    format!("Move post {n} down"),
                    post + 1 < count,
                    Command::MovePost { post, up: false },
                ),
                (
                    "Move up",
                    format!("Move post {n} up"),
                    post > first_free,
                    Command::MovePost { post, up: true },
                ),
            ];
            for (text, name, enabled, command) in buttons {
                let r = ui
                    .add_enabled(still && enabled, Button::new(text).small())
                    .accessible_name(name.clone())
                    .on_hover_text(name);
                if r.clicked() {
                    app.send(command);
                }
            }
        });
    });
}

/// A post already on X: its number and text, nothing to change.
fn on_x(app: &App, ui: &mut Ui, post: usize) {
    ui.label(RichText::new(format!("Post {} — on X", post + 1)).strong());
    ui.add(egui::Label::new(app.model.text_of(post).to_string()).wrap());
}

/// "Add another post" (up to 25; the button says why once the thread is full).
fn add_post(app: &mut App, ui: &mut Ui, count: usize) {
    let full = count >= THREAD_MAX_POSTS;
    let busy = matches!(
        app.model.post,
        PostState::WaitingForUploads | PostState::Posting
    );
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        let r = ui.add_enabled(!full && !busy, Button::new("Add another post"));
        let r = match (full, busy) {
            (true, _) => {
                r.on_disabled_hover_text(format!("A thread holds up to {THREAD_MAX_POSTS} posts."))
            }
            (_, true) => r.on_disabled_hover_text("The thread is waiting to be posted."),
            _ => r.on_hover_text("Make this a thread: each post replies to the one before."),
        };
        if r.clicked() {
            app.send(Command::AddPost);
        }
        if full {
            ui.label(
                RichText::new(format!("A thread holds up to {THREAD_MAX_POSTS} posts.")).weak(),
            );
        }
    });
}

/// The banner of a thread that stopped part way, with "Post the rest".
pub fn stopped(app: &mut App, ui: &mut Ui, message: &str) {
    ui.add(egui::Label::new(message).wrap());
    ui.label("The posts before it stay on X. Fix what the message says if needed, then:");
    if ui.button("Post the rest").clicked() {
        app.send(Command::PostTheRest);
    }
}
