//! Scheduled posts in the window: the "Post at…" dialog (a date and a time
//! in the computer's time zone, read by `core::schedule`) and the queue of
//! posts waiting for their time, each with Edit, Post now and Cancel.

use chrono::{DateTime, Local, Timelike};
use egui::{Frame, Modal, RichText, TextEdit, Ui};

use super::app::{App, Dialog};
use super::theme;
use crate::core::clock::Clock;
use crate::core::schedule::at::parse_at;
use crate::core::service::{Command, QueueState};

/// The "Post at…" dialog as it is being filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct PostAt {
    pub date: String,
    pub time: String,
    pub error: Option<String>,
}

impl PostAt {
    /// Today, at the next full hour (by the app's clock).
    pub fn new(clock: &Clock) -> PostAt {
        let now = DateTime::<Local>::from(clock.now());
        let next = now + chrono::TimeDelta::hours(1);
        PostAt {
            date: next.format("%Y-%m-%d").to_string(),
            time: format!("{:02}:00", next.hour()),
            error: None,
        }
    }

    /// The moment written, in Unix seconds, or why it can't be used.
    pub fn read(&self, clock: &Clock) -> Result<u64, String> {
        let now = DateTime::<Local>::from(clock.now());
        let words = format!("{} {}", self.date.trim(), self.time.trim());
        parse_at(words.trim(), &now)
            .map(|t| t.timestamp().max(0) as u64)
            .map_err(|e| e.to_string())
    }
}

/// "Europe/Berlin, UTC+01:00" (the offset alone where the name is unknown).
pub fn zone_words(clock: &Clock) -> String {
    let offset = DateTime::<Local>::from(clock.now()).format("UTC%:z");
    // TZ (which chrono follows) wins over the system's setting.
    let tz = std::env::var("TZ")
        .ok()
        .map(|t| t.trim_start_matches(':').to_string());
    let name = tz
        .filter(|t| t.contains('/'))
        .or_else(|| iana_time_zone::get_timezone().ok());
    match name {
        Some(name) => format!("{name}, {offset}"),
        None => offset.to_string(),
    }
}

pub fn dialog(app: &mut App, ui: &mut Ui, mut form: PostAt) {
    let ctx = ui.ctx().clone();
    let (mut schedule, mut close) = (false, false);
    let zone = zone_words(&app.clock);
    let response = Modal::new(egui::Id::unique("post-at")).show(&ctx, |ui| {
        ui.set_width(400.0);
        ui.heading("Post at a set time");
        ui.label("Its uploads start now; the post waits in the queue and goes out at this time while X Uploader runs.");
        ui.add_space(6.0);
        egui::Grid::new("post-at-grid").num_columns(2).show(ui, |ui| {
            let label = ui.label("Date");
            ui.add(TextEdit::singleline(&mut form.date).hint_text("2026-12-24"))
                .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Time");
            ui.add(TextEdit::singleline(&mut form.time).hint_text("14:00"))
                .labelled_by(label.id);
            ui.end_row();
        });
        ui.label(RichText::new(format!("Time zone: {zone}")).weak());
        if let Some(error) = &form.error {
            ui.add(egui::Label::new(RichText::new(error).color(theme::RED)).wrap());
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            schedule = ui.button("Schedule post").clicked();
            close = ui.button("Cancel").clicked();
        });
    });
    if schedule {
        match form.read(&app.clock) {
            Ok(at) => {
                app.send(Command::Schedule {
                    text: app.model.text.clone(),
                    at,
                });
                app.view.dialog = None;
                return;
            }
            Err(e) => form.error = Some(e),
        }
    }
    app.view.dialog = if close || response.should_close() {
        None
    } else {
        Some(Dialog::PostAt(form))
    };
}

/// The posts waiting for their time, soonest first.
pub fn queue(app: &mut App, ui: &mut Ui) {
    if app.model.queue.is_empty() {
        return;
    }
    ui.add_space(10.0);
    ui.label(RichText::new("Scheduled").strong());
    let width = ui.available_width() - 22.0;
    for item in app.model.queue.clone() {
        Frame::new()
            .stroke(egui::Stroke::new(1.0, ui.visuals().weak_text_color()))
            .corner_radius(8)
            .inner_margin(10)
            .show(ui, |ui| {
                ui.set_width(width);
                ui.label(RichText::new(&item.label).strong());
                let (state, color) = match &item.state {
                    QueueState::Uploading => ("Uploading its files…".to_string(), None),
                    QueueState::Waiting => ("Ready; goes out at its time.".to_string(), None),
                    QueueState::Posting => ("Posting…".to_string(), None),
                    QueueState::Late(due) => (format!("{due}. Post it now?"), Some(theme::AMBER)),
                    QueueState::Failed(why) => (why.clone(), Some(theme::RED)),
                    QueueState::Retrying(why) => (why.clone(), Some(theme::AMBER)),
                };
                let text = RichText::new(state);
                ui.add(
                    egui::Label::new(text.color(color.unwrap_or(ui.visuals().weak_text_color())))
                        .wrap(),
                );
                if let Some(problem) = &item.problem {
                    ui.add(egui::Label::new(RichText::new(problem).color(theme::AMBER)).wrap());
                }
                let busy = item.state == QueueState::Posting;
                ui.horizontal(|ui| {
                    let named = |ui: &mut Ui, word: &str| {
                        ui.add_enabled(!busy, egui::Button::new(word))
                            .accessible_name(format!("{word}: {}", item.label))
                            .clicked()
                    };
                    if named(ui, "Edit") {
                        app.send(Command::QueueEdit(item.id.clone()));
                    }
                    let now = if item.posted > 0 {
                        "Post the rest"
                    } else {
                        "Post now"
                    };
                    if item.try_again && named(ui, "Try again") {
                        app.send(Command::QueueTryAgain(item.id.clone()));
                    }
                    if named(ui, now) {
                        app.send(Command::QueuePostNow(item.id.clone()));
                    }
                    if named(ui, "Cancel") {
                        app.send(Command::QueueCancel(item.id.clone()));
                    }
                });
            });
        ui.add_space(6.0);
    }
}
