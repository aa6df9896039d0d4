//! "Post at…": the composed post waits in the queue, survives closing the
//! window, and goes out when due — never before — by the service's clock,
//! which the tests move on instead of waiting hours. Post now, Cancel and
//! Edit from the queue; a post more than an hour late asks first.

use std::time::{Duration, Instant};

use chrono::{DateTime, Local};
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable as _;
use x_uploader::core::service::QueueState;
use x_uploader::ui::app::Dialog;

use super::{Gui, Setup, all_ready};
use crate::support::*;

pub(super) const HOUR: Duration = Duration::from_secs(3600);

impl Gui {
    /// Replace what a text field holds (select all, type).
    fn fill(&mut self, label: &str, text: &str) {
        self.harness.get_by_label(label).focus();
        self.harness.step();
        self.harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
        self.harness.step();
        self.harness.get_by_label(label).type_text(text);
        self.harness.step();
    }

    /// Post at…, a date and time `ahead` of the app's clock, Schedule post.
    pub(super) fn post_at(&mut self, ahead: Duration) {
        let n = self.app().model.queue.len();
        self.click("Post at…");
        assert!(
            self.harness
                .query_by_label_contains("Time zone: ")
                .is_some(),
            "the dialog names the time zone"
        );
        let at = DateTime::<Local>::from(self.app().clock.now() + ahead);
        self.fill("Date", &at.format("%Y-%m-%d").to_string());
        self.fill("Time", &at.format("%H:%M").to_string());
        match &self.app().view.dialog {
            Some(Dialog::PostAt(form)) => assert_eq!(form.time, at.format("%H:%M").to_string()),
            other => panic!("the Post at dialog: {other:?}"),
        }
        self.click("Schedule post");
        self.until("the post is in the queue", |app| {
            app.model.queue.len() == n + 1
        });
    }

    pub(super) fn posts(&self) -> Vec<serde_json::Value> {
        self.inspect("posts")["posts"].as_array().unwrap().clone()
    }

    /// Frames for a while, and nothing was posted meanwhile.
    pub(super) fn nothing_posted_for(&mut self, secs: f64) {
        let until = Instant::now() + Duration::from_secs_f64(secs);
        while Instant::now() < until {
            self.harness.step();
            std::thread::sleep(Duration::from_millis(30));
        }
        assert_eq!(self.posts().len(), 0, "nothing goes out before its time");
    }

    /// A photo post `ahead` of the clock, its upload done before Post at….
    pub(super) fn schedule_photo(&mut self, photo: &std::path::Path, text: &str, ahead: Duration) {
        self.drop_files(&[photo.to_path_buf()]);
        self.until("the photo is uploaded", all_ready);
        self.type_post(text);
        self.post_at(ahead);
    }

    /// The first queued item waits for its time (its uploads done).
    pub(super) fn until_waiting(&mut self) {
        self.until("waiting", |app| {
            app.model.queue[0].state == QueueState::Waiting
        });
    }

    pub(super) fn queue_label(&self, i: usize) -> String {
        self.app().model.queue[i].label.clone()
    }
}

pub(super) fn journal_posts(setup: &Setup) -> usize {
    std::fs::read_dir(setup.home.join("data/journal"))
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.starts_with("post-") && name.ends_with(".json")
                })
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_scheduled_post_survives_a_restart_and_goes_out_when_due_not_before() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let files = Files::new();
    let photo = files.jpeg("team.jpg", Some(300_000));
    {
        let mut gui = Gui::start(&setup);
        gui.sign_in(BRAND);
        gui.schedule_photo(&photo, "Our team at the stand", 2 * HOUR);
        let label = gui.queue_label(0);
        assert!(
            label.ends_with("1 photo · “Our team at the stand”"),
            "{label}"
        );
        assert!(
            gui.harness.query_by_label(&label).is_some(),
            "the queue shows it"
        );
        assert!(gui.app().model.tiles.is_empty(), "the composer clears");
        assert!(gui.app().model.text.is_empty());
        gui.until("its upload is kept for the time", |app| {
            app.model.queue[0].state == QueueState::Waiting
        });
        // An hour on: still waiting.
        setup.clock.advance(HOUR);
        gui.nothing_posted_for(2.5);
        assert_eq!(journal_posts(&setup), 1, "the queue is in the journal");
    }
    // The window closed and opens again on the same data.
    let mut gui = Gui::start(&setup);
    gui.until("signed in again", |app| app.model.active.is_some());
    gui.until("the queue is loaded", |app| app.model.queue.len() == 1);
    assert!(
        gui.queue_label(0)
            .ends_with("1 photo · “Our team at the stand”")
    );
    gui.nothing_posted_for(2.5);
    // Its time comes.
    setup.clock.advance(HOUR + Duration::from_secs(60));
    let deadline = Instant::now() + Duration::from_secs(60);
    while gui.posts().is_empty() {
        assert!(Instant::now() < deadline, "the post went out when due");
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    gui.until("the queue empties", |app| app.model.queue.is_empty());
    let posts = gui.posts();
    assert_eq!(posts.len(), 1, "posted once");
    assert_eq!(posts[0]["text"], "Our team at the stand");
    assert_eq!(journal_posts(&setup), 0, "the journal forgets it");
    let notice = gui
        .app()
        .model
        .notice
        .clone()
        .map(|(n, _)| n)
        .unwrap_or_default();
    assert!(notice.contains("is on X"), "{notice}");
    assert!(
        notice.contains(". Posted 1 minute late.") || notice.contains(". Posted 2 minutes late."),
        "said how late: {notice}"
    );
}

#[test]
fn post_now_cancel_and_edit_from_the_queue() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    gui.type_post("First of two");
    gui.post_at(2 * HOUR);
    gui.type_post("Second of two");
    gui.post_at(3 * HOUR);
    let (first, second) = (gui.queue_label(0), gui.queue_label(1));
    assert!(first.contains("First of two") && second.contains("Second of two"));

    gui.click(&format!("Post now: {first}"));
    gui.until("the first went out", |app| app.model.queue.len() == 1);
    let posts = gui.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["text"], "First of two");

    gui.click(&format!("Cancel: {second}"));
    gui.until("the second is cancelled", |app| app.model.queue.is_empty());
    assert_eq!(journal_posts(&setup), 0);

    // Edit puts it back into the composer, with its photo.
    let files = Files::new();
    let photo = files.jpeg("stand.jpg", Some(200_000));
    gui.drop_files(std::slice::from_ref(&photo));
    gui.type_post("Third, to edit");
    gui.post_at(2 * HOUR);
    let third = gui.queue_label(0);
    gui.click(&format!("Edit: {third}"));
    gui.until("it is back in the composer", |app| {
        app.model.queue.is_empty()
            && app.model.text == "Third, to edit"
            && app.model.tiles.len() == 1
    });
    assert_eq!(gui.app().model.tiles[0].name, "stand.jpg");
    gui.until("its photo is ready again", all_ready);
    setup.clock.advance(3 * HOUR);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(gui.posts().len(), 1, "only the first went out");
}

#[test]
fn a_post_more_than_an_hour_late_asks_first() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    {
        let mut gui = Gui::start(&setup);
        gui.sign_in(NEWS);
        gui.type_post("Late news");
        gui.post_at(HOUR);
        gui.until_waiting();
    }
    // The app wasn't running at the time; it starts 2 hours after it.
    setup.clock.advance(3 * HOUR);
    let mut gui = Gui::start(&setup);
    gui.until("it asks", |app| {
        matches!(
            app.model.queue.first().map(|q| &q.state),
            Some(QueueState::Late(_))
        )
    });
    let QueueState::Late(due) = gui.app().model.queue[0].state.clone() else {
        unreachable!()
    };
    assert!(due.starts_with("Due 2 hours"), "{due}");
    gui.nothing_posted_for(2.0);
    let label = gui.queue_label(0);
    gui.click(&format!("Post now: {label}"));
    gui.until("posted", |app| app.model.queue.is_empty());
    assert_eq!(gui.posts()[0]["text"], "Late news");
}

/// The window's close button, as the desktop sends it.
pub(super) fn ask_to_close(gui: &mut Gui) -> Vec<egui::ViewportCommand> {
    gui.harness
        .input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    gui.harness.step();
    commands(gui)
}

/// What the window asked of the desktop in the last frame.
pub(super) fn commands(gui: &Gui) -> Vec<egui::ViewportCommand> {
    gui.harness
        .output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .map(|v| v.commands.clone())
        .unwrap_or_default()
}

#[test]
fn closing_while_a_post_waits_asks_to_keep_running_or_quit() {
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    gui.sign_in(NEWS);
    // Nothing waits: the window just closes.
    assert!(!ask_to_close(&mut gui).contains(&egui::ViewportCommand::CancelClose));
    assert!(gui.app().view.dialog.is_none());

    gui.type_post("Goes out tonight");
    gui.post_at(2 * HOUR);
    gui.until("it waits in the queue", |app| app.model.queue.len() == 1);
    assert!(ask_to_close(&mut gui).contains(&egui::ViewportCommand::CancelClose));
    gui.harness.step();
    assert!(
        gui.harness
            .query_by_label("A scheduled post is waiting")
            .is_some()
    );
    gui.harness
        .get_by_label("Keep running in the background")
        .click();
    gui.harness.step();
    assert!(commands(&gui).contains(&egui::ViewportCommand::Minimized(true)));
    gui.harness.step();
    assert!(gui.app().view.dialog.is_none());

    assert!(ask_to_close(&mut gui).contains(&egui::ViewportCommand::CancelClose));
    gui.harness.step();
    gui.harness
        .get_by_label("Quit; post them at the next start")
        .click();
    gui.harness.step();
    assert!(commands(&gui).contains(&egui::ViewportCommand::Close));
    // The close that follows is let through, and the post stays queued.
    assert!(!ask_to_close(&mut gui).contains(&egui::ViewportCommand::CancelClose));
    assert_eq!(gui.app().model.queue.len(), 1);
}
