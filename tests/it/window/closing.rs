//! Closing the window mid-upload never waits for the network, and the next
//! start offers to continue; a queued post whose file is removed is dropped
//! with a message, its text kept.

use std::time::{Duration, Instant};

use x_uploader::core::limits::MIB;
use x_uploader::core::service::PostState;
use x_uploader::ui::model::MediaState;

use egui_kittest::kittest::Queryable as _;

use super::{Gui, Setup};
use crate::support::*;

#[test]
fn removing_the_last_pending_upload_after_post_drops_the_queued_post_and_keeps_its_text() {
    let dir = temp_dir();
    let mut setup = Setup::new(&dir);
    setup.bandwidth_mbps = Some(20.0);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    let files = Files::new();
    let video = files.video("clip.mp4", 4.0, 10 * MIB);
    gui.drop_files(&[video]);
    gui.type_post("Keep this text");
    gui.until("uploading", |app| {
        app.model.tiles[0].state == MediaState::Uploading
    });
    gui.click("Post");
    gui.until("the post waits for its upload", |app| {
        app.model.post == PostState::WaitingForUploads
    });
    gui.click("Remove clip.mp4");
    gui.until(
        "the queued post is dropped",
        |app| matches!(&app.model.post, PostState::Failed(m) if m.contains("clip.mp4 was removed")),
    );
    let PostState::Failed(message) = gui.app().model.post.clone() else {
        unreachable!()
    };
    assert!(message.contains("Your text is kept"), "{message}");
    assert!(gui.app().model.tiles.is_empty());
    assert_eq!(gui.app().model.text, "Keep this text");
    assert!(
        gui.harness
            .query_by_label("Will post when uploads finish")
            .is_none()
    );
    // Nothing went out, and the text can be posted on its own now.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(gui.inspect("posts")["posts"].as_array().unwrap().len(), 0);
    gui.click("Post");
    gui.until("posted", |app| {
        matches!(app.model.post, PostState::Posted { .. })
    });
    assert_eq!(gui.inspect("posts")["posts"][0]["text"], "Keep this text");
}

#[test]
fn closing_during_a_200_mb_upload_exits_at_once_and_the_next_start_offers_to_continue() {
    let dir = temp_dir();
    let mut setup = Setup::new(&dir);
    setup.bandwidth_mbps = Some(100.0);
    let files = Files::new();
    let video = files.video("big.mp4", 120.0, 200 * MIB);
    {
        let mut gui = Gui::start(&setup);
        gui.sign_in(NEWS);
        gui.drop_files(std::slice::from_ref(&video));
        gui.until("two chunks are in", |app| {
            app.model.tiles[0]
                .progress
                .as_ref()
                .is_some_and(|p| p.done_cells() >= 2)
        });
        let closing = Instant::now();
        drop(gui);
        let took = closing.elapsed();
        eprintln!("closing the window mid-upload of 200 MB took {took:?}");
        assert!(took < Duration::from_secs(1), "closing took {took:?}");
    }
    let mut gui = Gui::start(&setup);
    gui.until("it offers to continue", |app| {
        matches!(
            app.model.tiles.first().map(|t| &t.state),
            Some(MediaState::Interrupted(_))
        )
    });
    assert!(
        gui.harness
            .query_by_label_contains("Continue uploading big.mp4 (")
            .is_some()
    );
}
