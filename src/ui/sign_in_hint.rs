//! While the browser doesn't come back: after a while, name what usually
//! causes it (the callback URL isn't registered for the X app), with a
//! button to copy the URL for the administrator.

use std::time::{Duration, Instant};

use egui::{RichText, Ui};

use super::app::App;
use super::theme;
use crate::core::auth::loopback::{SIGN_IN_HINT_AFTER, callback_hint, redirect_uri_of};

pub fn show(app: &mut App, ui: &mut Ui, authorize_url: &str) {
    let Some(redirect) = redirect_uri_of(authorize_url) else {
        return;
    };
    // When this sign-in started waiting, kept per sign-in link.
    let id = egui::Id::unique(("sign-in-waiting-since", authorize_url));
    let since = ui
        .ctx()
        .data_mut(|d| *d.get_temp_mut_or_insert_with(id, Instant::now));
    let after = app.view.sign_in_hint_after.unwrap_or(SIGN_IN_HINT_AFTER);
    let waited = since.elapsed();
    if waited < after {
        ui.ctx()
            .request_repaint_after(after - waited + Duration::from_millis(10));
        return;
    }
    ui.add_space(12.0);
    ui.add(egui::Label::new(RichText::new(callback_hint(&redirect)).color(theme::AMBER)).wrap());
    if ui.button("Copy callback URL").clicked() {
        ui.ctx().copy_text(redirect.clone());
        app.model.notice = Some((
            "The callback URL is on the clipboard — send it to your administrator.".into(),
            Instant::now(),
        ));
    }
}
