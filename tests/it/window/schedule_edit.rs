//! Edit from the queue brings a scheduled post back as it was queued:
//! who can reply with it.

use std::time::{Duration, Instant};

use x_uploader::core::service::{PostState, QueueState};

use super::schedule::HOUR;
use super::thread::stored;
use super::{Gui, Setup};
use crate::support::*;

fn reply_with(gui: &mut Gui, words: &str, value: Option<&str>) {
    gui.click("Who can reply");
    gui.click(words);
    gui.until("chosen", |app| app.model.reply_settings.as_deref() == value);
}

#[test]
fn edit_brings_back_who_can_reply() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    gui.type_post("Hall 4 opens at ten");
    reply_with(&mut gui, "People you follow", Some("following"));
    gui.post_at(HOUR);
    // The next post is for everyone…
    reply_with(&mut gui, "Everyone can reply", None);
    // …the scheduled one, back in the composer, still for people followed.
    let label = gui.queue_label(0);
    gui.click(&format!("Edit: {label}"));
    gui.until("back, with who can reply", |app| {
        app.model.queue.is_empty()
            && app.model.text == "Hall 4 opens at ten"
            && app.model.reply_settings.as_deref() == Some("following")
    });
    gui.click("Post");
    gui.until("posted", |app| {
        matches!(app.model.post, PostState::Posted { .. })
    });
    let posts = stored(&gui);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["reply_settings"], "following", "{}", posts[0]);
}

fn upload_records(setup: &Setup) -> usize {
    std::fs::read_dir(setup.home.join("data/journal"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("upload-"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn cancel_while_the_queue_uploads_stops_the_upload_and_leaves_no_record() {
    let dir = temp_dir();
    let setup = Setup {
        bandwidth_mbps: Some(0.5),
        ..Setup::new(&dir)
    };
    let files = Files::new();
    let photo = files.jpeg("crowd.jpg", Some(300_000));
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    gui.drop_files(std::slice::from_ref(&photo));
    gui.type_post("The crowd at noon");
    gui.until("the photo is checked", |app| {
        app.model.tiles.first().is_some_and(|t| t.info.is_some())
    });
    gui.post_at(HOUR);
    assert_eq!(
        gui.app().model.queue[0].state,
        QueueState::Uploading,
        "still uploading"
    );
    let label = gui.queue_label(0);
    gui.click(&format!("Cancel: {label}"));
    gui.until("gone from the queue", |app| app.model.queue.is_empty());
    // Longer than the upload would take.
    let until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < until {
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(gui.requests_to("finalize"), 0, "the upload stopped");
    assert_eq!(upload_records(&setup), 0, "no record written again");
}
