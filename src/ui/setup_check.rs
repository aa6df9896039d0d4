//! "Check setup" in Settings: the same checks as `x-uploader doctor`, run
//! on a thread of their own (the window never waits), one line each.

use std::sync::{Arc, Mutex};

use egui::{RichText, Ui};

use super::app::App;
use super::theme;
use crate::core::doctor::{self, Report, State};
use crate::core::practice::PUBLIC_CLIENT_ID;
use crate::core::service::Mode;

/// A check under way or done.
#[derive(Debug, Clone, Default)]
pub struct SetupCheck {
    report: Arc<Mutex<Option<Report>>>,
}

impl SetupCheck {
    pub fn report(&self) -> Option<Report> {
        self.report
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

fn start(app: &App, mode: &Mode, ctx: egui::Context) -> SetupCheck {
    let check = SetupCheck::default();
    let report = check.report.clone();
    let paths = app.config.paths.clone();
    let mut overrides = vec![(
        "X_UPLOADER_KEYRING_SERVICE",
        app.config.keyring_service.clone(),
    )];
    if let Some(base) = &mode.practice_base {
        overrides.push(("X_UPLOADER_API_BASE", base.clone()));
        overrides.push(("X_UPLOADER_CLIENT_ID", PUBLIC_CLIENT_ID.to_string()));
    }
    let spawned = std::thread::Builder::new()
        .name("check-setup".into())
        .spawn(move || {
            let result = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(doctor::run_with(paths, overrides)),
                Err(e) => {
                    tracing::error!("check setup: no runtime: {e}");
                    return;
                }
            };
            *report.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
            ctx.request_repaint();
        });
    if let Err(e) = spawned {
        tracing::error!("check setup did not start: {e}");
    }
    check
}

pub fn show(app: &mut App, ui: &mut Ui, mode: &Mode) {
    let running = app
        .view
        .setup_check
        .as_ref()
        .is_some_and(|c| c.report().is_none());
    ui.horizontal(|ui| {
        let button = ui.add_enabled(!running, egui::Button::new("Check setup"));
        if button.clicked() {
            app.view.setup_check = Some(start(app, mode, ui.ctx().clone()));
        }
        ui.label(
            RichText::new(
                "Checks the X app, this computer and the network; says who can fix what.",
            )
            .weak()
            .small(),
        );
    });
    let Some(check) = &app.view.setup_check else {
        return;
    };
    match check.report() {
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Checking…");
            });
        }
        Some(report) => {
            for c in &report.checks {
                // Words, not ✓/✗: the window's font has no such glyphs.
                let (mark, color) = match c.state {
                    State::Pass => ("OK", theme::GREEN),
                    State::Fail => ("Problem", theme::RED),
                    State::Skipped => ("Not checked", ui.visuals().weak_text_color()),
                };
                let text = format!("{mark} — {}", c.text());
                ui.add(egui::Label::new(RichText::new(text).color(color)).wrap());
            }
        }
    }
}
