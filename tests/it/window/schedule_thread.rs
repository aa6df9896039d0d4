//! Threads in the queue: "Post at…" with several posts in the composer
//! queues all of them, each with its own files and who may reply; when due they go out in
//! order, each replying to the one before — also after a restart of the
//! window. A thread that stops at post 2 says so, and "Post the rest"
//! (before the automatic try) posts only 2 and 3.

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable as _;
use serde_json::json;
use x_uploader::core::limits::MIB;
use x_uploader::core::service::QueueState;

use super::schedule::{HOUR, journal_posts};
use super::thread::{add_post, assert_each_replies_to_the_one_before, stored, type_into};
use super::{Gui, Setup, all_ready};
use crate::support::*;

/// Wait (stepping frames) until the practice server holds `n` posts.
pub(super) fn until_posts(gui: &mut Gui, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while stored(gui).len() < n {
        assert!(Instant::now() < deadline, "{n} posts went out when due");
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Three posts typed in: "Day one at the fair" with `first` files, "The
/// opening" with `second`, "See you tomorrow" text only.
fn write_thread(gui: &mut Gui, first: &[std::path::PathBuf], second: &[std::path::PathBuf]) {
    if !first.is_empty() {
        gui.drop_files(first);
    }
    gui.type_post("Day one at the fair");
    add_post(gui);
    if !second.is_empty() {
        gui.drop_files(second);
        gui.until("the files are in post 2", |app| {
            app.model.tiles.iter().filter(|t| t.post == 1).count() == second.len()
        });
    }
    type_into(gui, "Text of post 2", "The opening");
    add_post(gui);
    type_into(gui, "Text of post 3", "See you tomorrow");
    gui.until("the texts reached the service", |app| {
        app.model.text_of(2) == "See you tomorrow"
    });
    if !first.is_empty() || !second.is_empty() {
        gui.until("the files are checked and uploaded", all_ready);
    }
}

#[test]
fn a_scheduled_thread_waits_survives_a_restart_and_goes_out_in_order() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let files = Files::new();
    let photo = files.jpeg("stand.jpg", Some(300_000));
    let video = files.video("opening.mp4", 2.0, 2 * MIB);
    {
        let mut gui = Gui::start(&setup);
        gui.sign_in(NEWS);
        write_thread(
            &mut gui,
            std::slice::from_ref(&photo),
            std::slice::from_ref(&video),
        );
        gui.click("Who can reply");
        gui.click("People you follow");
        gui.until("chosen", |app| {
            app.model.reply_settings.as_deref() == Some("following")
        });
        gui.post_at(2 * HOUR);
        let label = gui.queue_label(0);
        assert!(
            label.ends_with("Thread of 3 posts · 1 photo, 1 video · “Day one at the fair”"),
            "{label}"
        );
        let app = gui.app();
        assert!(app.model.tiles.is_empty(), "the composer clears");
        assert!(app.model.text.is_empty());
        assert_eq!(app.model.post_count(), 1, "a single post again");
        assert_eq!(journal_posts(&setup), 3, "each post is in the journal");
        gui.until("its uploads are kept for the time", |app| {
            app.model.queue[0].state == QueueState::Waiting
        });
        setup.clock.advance(HOUR);
        gui.nothing_posted_for(2.5);
    }
    let mut gui = Gui::start(&setup);
    gui.until("signed in again", |app| app.model.active.is_some());
    gui.until("the queue is loaded", |app| app.model.queue.len() == 1);
    assert!(gui.queue_label(0).contains("Thread of 3 posts"));
    assert_eq!(gui.app().model.post_count(), 1, "the composer stays clear");
    gui.nothing_posted_for(2.5);
    // Its time comes.
    setup.clock.advance(HOUR + Duration::from_secs(60));
    until_posts(&mut gui, 3);
    gui.until("the queue empties", |app| app.model.queue.is_empty());
    std::thread::sleep(Duration::from_millis(500));
    let posts = stored(&gui);
    assert_eq!(posts.len(), 3, "exactly three posts");
    let texts: Vec<&str> = posts.iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        ["Day one at the fair", "The opening", "See you tomorrow"]
    );
    assert_each_replies_to_the_one_before(&posts);
    for post in &posts {
        assert_eq!(post["reply_settings"], "following", "on every post: {post}");
    }
    let media = |i: usize| posts[i]["media_ids"].as_array().unwrap().clone();
    let photo_media = gui.inspect(&format!("media/{}", media(0)[0].as_str().unwrap()));
    assert_eq!(photo_media["sha256"], sha256_of(&photo));
    let video_media = gui.inspect(&format!("media/{}", media(1)[0].as_str().unwrap()));
    assert_eq!(video_media["sha256"], sha256_of(&video));
    assert!(media(2).is_empty());
    assert_eq!(journal_posts(&setup), 0, "the journal forgets it");
}

#[test]
fn a_scheduled_thread_stopping_at_post_2_says_so_and_posts_the_rest_once() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    write_thread(&mut gui, &[], &[]);
    gui.post_at(2 * HOUR);
    gui.until_waiting();
    gui.control(
        "fail-next",
        json!({ "endpoint": "create_tweet", "status": 503, "skip": 1 }),
    );
    setup.clock.advance(2 * HOUR);
    gui.until("it stopped at post 2", |app| {
        matches!(app.model.queue[0].state, QueueState::Retrying(_))
    });
    let QueueState::Retrying(why) = gui.app().model.queue[0].state.clone() else {
        unreachable!()
    };
    // X's servers failing may pass: it says so, and when it tries again.
    assert!(
        why.contains(": Post 1 is on X. Post 2 wasn't posted: ")
            && why.contains(". Trying again at "),
        "{why}"
    );
    assert!(
        gui.harness.query_by_label(&why).is_some(),
        "the queue says so"
    );
    assert_eq!(stored(&gui).len(), 1, "post 1 stays on X");
    let label = gui.queue_label(0);
    let before = gui.requests_to("create_tweet");
    gui.click(&format!("Post the rest: {label}"));
    until_posts(&mut gui, 3);
    gui.until("the queue empties", |app| app.model.queue.is_empty());
    assert_eq!(gui.requests_to("create_tweet") - before, 2, "posts 2 and 3");
    let posts = stored(&gui);
    assert_eq!(posts.len(), 3, "no post twice");
    assert_each_replies_to_the_one_before(&posts);
    assert_eq!(journal_posts(&setup), 0);
}

#[test]
fn edit_brings_a_queued_thread_back_into_the_composer_post_by_post() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let files = Files::new();
    let photo = files.jpeg("stand.jpg", Some(300_000));
    let video = files.video("opening.mp4", 2.0, 2 * MIB);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    gui.drop_files(std::slice::from_ref(&photo));
    gui.until("the photo is uploaded", all_ready);
    gui.alt_text("Our stand, hall 4");
    write_thread(&mut gui, &[], std::slice::from_ref(&video));
    gui.post_at(2 * HOUR);
    gui.until_waiting();
    assert_eq!(gui.app().model.post_count(), 1);

    let label = gui.queue_label(0);
    gui.click(&format!("Edit: {label}"));
    gui.until("the thread is back in the composer", |app| {
        app.model.queue.is_empty() && app.model.post_count() == 3 && app.model.tiles.len() == 2
    });
    let app = gui.app();
    assert_eq!(app.model.text, "Day one at the fair");
    assert_eq!(app.model.text_of(1), "The opening");
    assert_eq!(app.model.text_of(2), "See you tomorrow");
    let tile = |name: &str| {
        let t = app.model.tiles.iter().find(|t| t.name == name).unwrap();
        (t.post, t.alt.clone())
    };
    assert_eq!(tile("stand.jpg"), (0, "Our stand, hall 4".to_string()));
    assert_eq!(tile("opening.mp4").0, 1);
    gui.until("the queue forgot it", |_| journal_posts(&setup) == 0);
    let draft = std::fs::read_to_string(dir.path().join("data/drafts/practice.json")).unwrap();
    assert!(draft.contains("See you tomorrow"), "the draft holds it");
    // The files come back ready (X still holds them) and post as written.
    gui.until("its files are ready", all_ready);
    gui.click("Post");
    until_posts(&mut gui, 3);
    let posts = stored(&gui);
    assert_each_replies_to_the_one_before(&posts);
    assert_eq!(posts[1]["text"], "The opening");
    let photo_id = posts[0]["media_ids"][0].as_str().unwrap().to_string();
    assert_eq!(
        gui.inspect(&format!("media/{photo_id}"))["alt_text"],
        "Our stand, hall 4"
    );
    let video_id = posts[1]["media_ids"][0].as_str().unwrap().to_string();
    assert_eq!(
        gui.inspect(&format!("media/{video_id}"))["sha256"],
        sha256_of(&video)
    );
}
