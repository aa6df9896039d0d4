//! The first screen, signed out: "Sign in with X", the wait for the
//! browser (Cancel, Copy link), the not-configured explanation with
//! "Try practice mode", and a keychain problem with its way out.

use egui::{Button, RichText, Ui, vec2};

use super::app::App;
use super::model::SignIn;
use super::theme;
use crate::core::service::Command;

/// A row of about `width` points, centred in the column.
fn centered_row(ui: &mut Ui, width: f32, add: impl FnOnce(&mut Ui)) {
    ui.horizontal(|ui| {
        ui.add_space(((ui.available_width() - width) / 2.0).max(0.0));
        add(ui);
    });
}

pub fn show(app: &mut App, ui: &mut Ui) {
    ui.vertical_centered(|ui| {
        ui.set_max_width(460.0);
        ui.add_space(48.0);
        ui.heading(RichText::new("X Uploader").size(30.0).strong());
        ui.add_space(6.0);
        ui.label("Post photos and videos to X: sign in with your X account in your browser, drop your files here, write the post and publish.");
        ui.add_space(24.0);

        let Some(mode) = app.model.mode.clone() else {
            ui.label("Starting…");
            return;
        };
        if let Some(problem) = app.model.keychain_problem.clone() {
            ui.add(egui::Label::new(RichText::new(problem).color(theme::AMBER)).wrap());
            ui.add_space(8.0);
            if ui.button("Keep me signed in until I close X Uploader").clicked() {
                app.send(Command::UseMemoryStore);
            }
            return;
        }
        match app.model.sign_in.clone() {
            SignIn::Waiting { url, browser_opened } => {
                ui.label(RichText::new("Waiting for your browser…").size(18.0));
                ui.add_space(6.0);
                let how = if browser_opened {
                    "Sign in to X in the browser window that opened, then come back here."
                } else {
                    "Your browser didn't open. Copy the link, open it in your browser and sign in to X there."
                };
                ui.add(egui::Label::new(how).wrap());
                ui.add_space(10.0);
                centered_row(ui, 150.0, |ui| {
                    if ui.button("Copy link").clicked() {
                        ui.ctx().copy_text(url.clone());
                        app.model.notice = Some(("The sign-in link is on the clipboard.".into(), std::time::Instant::now()));
                    }
                    if ui.button("Cancel").clicked() {
                        app.send(Command::CancelSignIn);
                    }
                });
                super::sign_in_hint::show(app, ui, &url);
                if let Some((notice, _)) = &app.model.notice {
                    ui.label(RichText::new(notice).weak());
                }
                return;
            }
            SignIn::Failed(message) => {
                ui.add(egui::Label::new(RichText::new(message).color(theme::RED)).wrap());
                ui.add_space(10.0);
            }
            SignIn::Idle => {}
        }
        if mode.configured {
            let sign_in = Button::new(RichText::new("Sign in with X").size(18.0).strong().color(egui::Color32::WHITE))
                .fill(theme::BLUE)
                .min_size(vec2(220.0, 44.0));
            if ui.add(sign_in).clicked() {
                app.send(Command::SignIn);
            }
            if !mode.practice {
                ui.add_space(16.0);
                if ui.button("Try practice mode").on_hover_text("Use the app with practice accounts; nothing is posted to X.").clicked() {
                    super::instance::switch(app, true);
                }
            }
        } else {
            ui.add(egui::Label::new(
                "This copy of X Uploader isn't connected to an X app yet. Ask your administrator, or try it without posting:",
            ).wrap());
            ui.add_space(12.0);
            centered_row(ui, 268.0, |ui| {
                let practice = Button::new(RichText::new("Try practice mode").strong().color(egui::Color32::WHITE))
                    .fill(theme::BLUE)
                    .min_size(vec2(160.0, 36.0));
                if ui.add(practice).clicked() {
                    super::instance::switch(app, true);
                }
                if ui.add(Button::new("Settings").min_size(vec2(100.0, 36.0))).clicked() {
                    app.open_settings();
                }
            });
        }
        if !app.model.tiles.is_empty() {
            ui.add_space(20.0);
            let names: Vec<&str> = app.model.tiles.iter().map(|t| t.name.as_str()).collect();
            ui.add(egui::Label::new(RichText::new(format!(
                "Waiting to upload: {}. They upload as soon as you're signed in.",
                names.join(", ")
            )).weak()).wrap());
        }
    });
}
