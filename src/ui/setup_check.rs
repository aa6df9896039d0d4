//! "Check setup" in Settings: the same checks as `x-uploader doctor`, run
//! by the service (the window never waits), one line each.

use egui::{RichText, Ui};

use super::app::App;
use super::theme;
use crate::core::doctor::State;
use crate::core::service::Command;

pub fn show(app: &mut App, ui: &mut Ui) {
    let running = matches!(app.model.setup_check, Some(None));
    ui.horizontal(|ui| {
        let button = ui.add_enabled(!running, egui::Button::new("Check setup"));
        if button.clicked() {
            app.model.setup_check = Some(None);
            app.send(Command::CheckSetup);
        }
        ui.label(
            RichText::new(
                "Checks the X app, this computer and the network; says who can fix what.",
            )
            .weak()
            .small(),
        );
    });
    match &app.model.setup_check {
        None => {}
        Some(None) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Checking…");
            });
        }
        Some(Some(report)) => {
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
