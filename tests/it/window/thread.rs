//! Threads in the window: "Add another post", each post with its own text
//! and files, posted in order (each replying to the one before); a thread
//! that stops at post 2 keeps post 1 on X and "Post the rest" posts only
//! 2 and 3 — also after the window was closed and opened again.

use egui_kittest::kittest::{NodeT as _, Queryable as _};
use serde_json::{Value, json};
use x_uploader::core::limits::MIB;
use x_uploader::core::service::PostState;

use super::captions::{assert_graphic_violence_only, assert_one_english_track};
use super::{Gui, Setup, all_ready};
use crate::support::*;

/// Type into the text box named `label` ("Text of post 2").
pub(super) fn type_into(gui: &mut Gui, label: &str, text: &str) {
    gui.until("no dialog is open", |app| app.view.dialog.is_none());
    gui.harness.step();
    for _ in 0..10 {
        gui.harness.get_by_label(label).focus();
        gui.harness.step();
        if gui.harness.get_by_label(label).is_focused() {
            break;
        }
    }
    gui.harness.get_by_label(label).type_text(text);
    gui.harness.step();
    gui.harness.step();
}

/// Click a control that may be scrolled out of sight (as a screen
/// reader does: by its name, not its place).
pub(super) fn press(gui: &mut Gui, label: &str) {
    gui.harness.get_by_label(label).click_accesskit();
    gui.harness.step();
    gui.harness.step();
}

pub(super) fn add_post(gui: &mut Gui) {
    let before = gui.app().model.post_count();
    press(gui, "Add another post");
    gui.until("the thread has one more post", |app| {
        app.model.post_count() == before + 1
    });
}

/// Posts at the practice server, oldest first.
pub(super) fn stored(gui: &Gui) -> Vec<Value> {
    gui.inspect("posts")["posts"].as_array().unwrap().clone()
}

pub(super) fn assert_each_replies_to_the_one_before(posts: &[Value]) {
    assert_eq!(posts[0]["in_reply_to"], Value::Null);
    for pair in posts.windows(2) {
        assert_eq!(
            pair[1]["in_reply_to"], pair[0]["id"],
            "“{}” replies to “{}”",
            pair[1]["text"], pair[0]["text"]
        );
    }
}

/// A three-post thread of text only, typed in (tiles: none).
fn write_three_posts(gui: &mut Gui) {
    gui.type_post("One: we are at the fair");
    add_post(gui);
    type_into(gui, "Text of post 2", "Two: the stand opens");
    add_post(gui);
    type_into(gui, "Text of post 3", "Three: see you there");
    gui.until("the texts reached the service", |app| {
        app.model.text_of(2) == "Three: see you there"
    });
}

#[test]
fn a_three_post_thread_with_a_photo_and_a_video_posts_each_replying_to_the_one_before() {
    // The photo carries a content warning and the video English captions:
    // a thread's posts take them like a single post.
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    gui.sign_in(NEWS);
    let files = Files::new();
    let photo = files.jpeg("stand.jpg", Some(300_000));
    let video = files.video("opening.mp4", 2.0, 2 * MIB);
    let srt = files.text(
        "opening.en.srt",
        "1\n00:00:00,200 --> 00:00:01,500\nWelcome to the fair.\n",
    );

    gui.drop_files(std::slice::from_ref(&photo));
    gui.until("the photo is uploaded", all_ready);
    gui.alt_text("Our stand, hall 4");
    gui.content_warning("Graphic violence");
    gui.until("the photo has the warning", |app| {
        app.model.tiles[0].extras.warning.graphic_violence
    });
    gui.type_post("Day one at the fair");

    add_post(&mut gui);
    assert!(gui.harness.query_by_label("Text of post 1").is_some());
    // Dropped files go to the last post.
    gui.drop_files(std::slice::from_ref(&video));
    gui.until("the video is in post 2", |app| {
        app.model.tiles.len() == 2 && app.model.tiles[1].post == 1
    });
    gui.until("the caption file next to the video is offered", |app| {
        app.model.tiles[1].extras.offer.is_some()
    });
    gui.until("the video is ready", all_ready);
    gui.harness.get_by_label("Add").click_accesskit();
    gui.until("the captions are on the video", |app| {
        app.model.tiles[1].extras.captions.len() == 1
    });
    type_into(&mut gui, "Text of post 2", "The opening, in 2 seconds");
    add_post(&mut gui);
    type_into(&mut gui, "Text of post 3", "See you tomorrow");
    for name in ["Move post 2 up", "Move post 3 down", "Remove post 3"] {
        assert!(gui.harness.query_by_label(name).is_some(), "{name}");
    }

    gui.until("both files are uploaded", all_ready);
    gui.click("Post");
    gui.until("posted", |app| {
        matches!(app.model.post, PostState::Posted { .. })
    });
    let posts = stored(&gui);
    let texts: Vec<&str> = posts.iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        [
            "Day one at the fair",
            "The opening, in 2 seconds",
            "See you tomorrow"
        ]
    );
    assert_each_replies_to_the_one_before(&posts);
    let media = |i: usize| posts[i]["media_ids"].as_array().unwrap().clone();
    assert_eq!(media(0).len(), 1);
    assert_eq!(media(1).len(), 1);
    assert!(media(2).is_empty());
    let photo_media = gui.inspect(&format!("media/{}", media(0)[0].as_str().unwrap()));
    assert_eq!(photo_media["alt_text"], "Our stand, hall 4");
    assert_graphic_violence_only(&photo_media);
    let video_media = gui.inspect(&format!("media/{}", media(1)[0].as_str().unwrap()));
    assert_eq!(video_media["sha256"], sha256_of(&video));
    assert_one_english_track(&gui, &video_media, &srt);
    // The composer clears for the next post, a single one again.
    assert_eq!(gui.app().model.post_count(), 1);
    assert!(gui.app().model.tiles.is_empty());
    assert!(gui.harness.query_by_label("Post text").is_some());
}

#[test]
fn posts_are_moved_and_removed_and_the_thread_survives_a_restart() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    {
        let mut gui = Gui::start(&setup);
        gui.sign_in(NEWS);
        write_three_posts(&mut gui);
        press(&mut gui, "Move post 3 up");
        gui.until("post 3 moved up", |app| {
            app.model.text_of(1) == "Three: see you there"
        });
        press(&mut gui, "Remove post 1");
        gui.until("post 1 removed", |app| app.model.post_count() == 2);
        assert_eq!(gui.app().model.text, "Three: see you there");
        assert_eq!(gui.app().model.text_of(1), "Two: the stand opens");
    }
    let mut gui = Gui::start(&setup);
    // The draft loads after the window is up (the service sends it).
    gui.until("the thread came back", |app| app.model.post_count() == 2);
    let app = gui.app();
    assert_eq!(app.model.text, "Three: see you there");
    assert_eq!(app.model.text_of(1), "Two: the stand opens");
}

#[test]
fn a_thread_holds_up_to_25_posts_and_the_button_says_so() {
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    gui.sign_in(NEWS);
    gui.type_post("Live from the fair");
    for _ in 1..25 {
        add_post(&mut gui);
    }
    assert_eq!(gui.app().model.post_count(), 25);
    assert!(gui.harness.query_by_label("Text of post 25").is_some());
    let button = gui.harness.get_by_label("Add another post");
    assert!(button.accesskit_node().is_disabled());
    assert!(
        gui.harness
            .query_by_label("A thread holds up to 25 posts.")
            .is_some()
    );
    press(&mut gui, "Remove post 25");
    gui.until("post 25 removed", |app| app.model.post_count() == 24);
    assert!(
        !gui.harness
            .get_by_label("Add another post")
            .accesskit_node()
            .is_disabled()
    );
}

/// Post a three-post thread with X refusing the second post.
fn post_with_a_failure_at_post_2(gui: &mut Gui) {
    gui.sign_in(NEWS);
    write_three_posts(gui);
    gui.control(
        "fail-next",
        json!({ "endpoint": "create_tweet", "status": 503, "skip": 1 }),
    );
    gui.click("Post");
    gui.until("the thread stopped at post 2", |app| {
        matches!(app.model.post, PostState::ThreadStopped(_))
    });
    let PostState::ThreadStopped(message) = gui.app().model.post.clone() else {
        unreachable!()
    };
    assert!(
        message.starts_with("Post 1 is on X. Post 2 wasn't posted: "),
        "{message}"
    );
    assert!(
        gui.harness
            .query_by_label_contains("Post 1 is on X")
            .is_some()
    );
    assert!(gui.harness.query_by_label("Post 1 — on X").is_some());
    assert_eq!(stored(gui).len(), 1, "post 1 stays on X");
}

/// "Post the rest": only posts 2 and 3 go, replying to 1 and 2.
fn post_the_rest(gui: &mut Gui, dir: &tempfile::TempDir) {
    let before = gui.requests_to("create_tweet");
    press(gui, "Post the rest");
    gui.until("posted", |app| {
        matches!(app.model.post, PostState::Posted { .. })
    });
    assert_eq!(gui.requests_to("create_tweet") - before, 2, "posts 2 and 3");
    let posts = stored(gui);
    assert_eq!(posts.len(), 3, "no post twice");
    assert_each_replies_to_the_one_before(&posts);
    assert_eq!(posts[2]["text"], "Three: see you there");
    assert_eq!(gui.app().model.post_count(), 1);
    let journal = dir.path().join("data/journal");
    let left = std::fs::read_dir(journal).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "the journal forgets the finished thread");
}

#[test]
fn a_thread_failing_at_post_2_keeps_post_1_and_post_the_rest_posts_2_and_3() {
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    post_with_a_failure_at_post_2(&mut gui);
    post_the_rest(&mut gui, &dir);
}

#[test]
fn post_the_rest_after_closing_and_reopening_the_window() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    {
        let mut gui = Gui::start(&setup);
        post_with_a_failure_at_post_2(&mut gui);
    }
    let mut gui = Gui::start(&setup);
    gui.until("signed in again from the keychain", |app| {
        app.model.active.is_some()
    });
    gui.until("it offers to post the rest", |app| {
        matches!(&app.model.post, PostState::ThreadStopped(m) if m.starts_with("Post 1 is on X."))
    });
    assert!(gui.harness.query_by_label("Post 1 — on X").is_some());
    assert_eq!(gui.app().model.post_count(), 3);
    post_the_rest(&mut gui, &dir);
}

#[test]
fn a_window_closed_while_a_thread_goes_out_posts_the_rest_once_on_the_next_start() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let journal = dir.path().join("data/journal");
    {
        let mut gui = Gui::start(&setup);
        gui.sign_in(NEWS);
        write_three_posts(&mut gui);
        // X holds the second post unanswered: the window closes meanwhile.
        gui.control(
            "fail-next",
            json!({ "endpoint": "create_tweet", "skip": 1, "stall_secs": 30 }),
        );
        gui.click("Post");
        gui.until("the journal notes post 1 on X", |_| {
            std::fs::read_dir(&journal).is_ok_and(|d| {
                d.flatten().any(|f| {
                    std::fs::read_to_string(f.path()).is_ok_and(|t| t.contains("\"posted\": \""))
                })
            })
        });
        assert_eq!(stored(&gui).len(), 1);
    }
    let mut gui = Gui::start(&setup);
    gui.until("signed in again from the keychain", |app| {
        app.model.active.is_some()
    });
    gui.until("it offers to post the rest", |app| {
        matches!(&app.model.post, PostState::ThreadStopped(m) if m.starts_with("Post 1 is on X."))
    });
    post_the_rest(&mut gui, &dir);
}
