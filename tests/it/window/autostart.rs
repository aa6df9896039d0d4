//! "Start X Uploader at login when posts wait" in the window: scheduling a
//! post writes the login entry (in the test's own folder), Settings' box
//! (found by its words) turns it off — the config says so and the entry
//! goes — and on again brings it back; cancelling the last post removes it.

use std::time::{Duration, Instant};

use egui_kittest::kittest::{NodeT as _, Queryable as _};

use super::schedule::ask_to_close;
use super::{Gui, Setup};
use crate::support::*;

const LABEL: &str = "Start X Uploader at login when posts wait";

/// Wait (at most 20 s, stepping frames) until the entry is there or not.
fn entry_becomes(gui: &mut Gui, setup: &Setup, present: bool) {
    let entry = setup
        .home
        .join("autostart/io.github.xuploader.XUploader.desktop");
    let deadline = Instant::now() + Duration::from_secs(20);
    while entry.exists() != present {
        assert!(
            Instant::now() < deadline,
            "the login entry should be {}",
            if present { "there" } else { "gone" }
        );
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    if present {
        let text = std::fs::read_to_string(&entry).unwrap();
        // Scheduled in practice mode: it starts practice mode, where they go out.
        assert!(text.contains("\" --practice --minimized\n"), "{text}");
    }
}

/// Closing the window while posts wait: does the question say that X
/// Uploader starts by itself at the next login? (Cancel, the window stays.)
fn close_question_names_login(gui: &mut Gui) -> bool {
    assert!(ask_to_close(gui).contains(&egui::ViewportCommand::CancelClose));
    gui.harness.step();
    let said = gui
        .harness
        .query_by_label_contains("when it starts by itself as you next log in")
        .is_some();
    assert!(
        gui.harness
            .query_by_label_contains("Scheduled posts go out only while X Uploader runs")
            .is_some()
    );
    gui.click("Cancel");
    said
}

/// Settings, click the box, Save; `on` is what it shows afterwards.
fn toggle_in_settings(gui: &mut Gui, on: bool) {
    gui.open_settings();
    gui.harness.get_by_label(LABEL).scroll_to_me();
    for _ in 0..20 {
        gui.harness.step();
    }
    gui.click(LABEL);
    let toggled = gui.harness.get_by_label(LABEL).accesskit_node().toggled();
    assert_eq!(toggled == Some(egui::accesskit::Toggled::True), on);
    gui.harness.get_by_label("Save").scroll_to_me();
    for _ in 0..20 {
        gui.harness.step();
    }
    gui.click("Save");
    let want = (!on).then_some(false);
    gui.until("saved", |app| {
        app.model
            .mode
            .as_ref()
            .is_some_and(|m| m.settings.start_at_login == want)
    });
}

#[test]
fn the_login_entry_follows_the_queue_and_the_settings_box() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    gui.type_post("Tonight at eight");
    gui.post_at(Duration::from_secs(2 * 3600));
    entry_becomes(&mut gui, &setup, true);
    assert!(close_question_names_login(&mut gui));

    toggle_in_settings(&mut gui, false);
    let written = std::fs::read_to_string(setup.home.join("config/config.toml")).unwrap();
    let file: toml::Value = toml::from_str(&written).unwrap();
    assert_eq!(
        file["startup"]["at_login_when_posts_wait"].as_bool(),
        Some(false),
        "{written}"
    );
    entry_becomes(&mut gui, &setup, false);
    assert!(!close_question_names_login(&mut gui));
    // Off: a second scheduled post doesn't bring it back.
    gui.type_post("Tomorrow morning");
    gui.post_at(Duration::from_secs(3 * 3600));
    for _ in 0..50 {
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    entry_becomes(&mut gui, &setup, false);

    toggle_in_settings(&mut gui, true);
    entry_becomes(&mut gui, &setup, true);
    for i in 0..2 {
        let label = gui.app().model.queue[0].label.clone();
        gui.click(&format!("Cancel: {label}"));
        gui.until("cancelled", |app| app.model.queue.len() == 1 - i);
    }
    entry_becomes(&mut gui, &setup, false);
}
