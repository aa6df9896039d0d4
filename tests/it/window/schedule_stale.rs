//! A scheduled thread the command line's `resume` went on with while the
//! window waited: at its time the window posts only what is not on X yet
//! (the journal says), and nothing at all when every post is out.

use std::time::Duration;

use serde_json::json;
use x_uploader::core::service::PostState;

use super::schedule::HOUR;
use super::schedule_thread::until_posts;
use super::thread::{add_post, stored, type_into};
use super::{Gui, Setup};
use crate::support::*;

/// The journal's post with `text` notes it is on X as `post_id` (as
/// `resume` does when it posts it).
fn mark_posted(setup: &Setup, text: &str, post_id: &str) {
    let dir = setup.home.join("data/journal");
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("post-") && name.ends_with(".json")) {
            continue;
        }
        let mut post: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if post["text"] == text {
            post["thread"]["posted"] = json!(post_id);
            std::fs::write(&path, serde_json::to_vec(&post).unwrap()).unwrap();
            return;
        }
    }
    panic!("no post “{text}” in the journal");
}

fn schedule_two(gui: &mut Gui, first: &str, second: &str) {
    gui.type_post(first);
    add_post(gui);
    type_into(gui, "Text of post 2", second);
    gui.until("the texts reached the service", |app| {
        app.model.text_of(1) == second
    });
    gui.post_at(HOUR);
    gui.until_waiting();
}

#[test]
fn a_thread_resume_went_on_with_posts_only_the_rest_and_one_all_out_posts_nothing() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    // A post already on X, standing in for post 1 as `resume` posted it.
    gui.type_post("Day one at the fair");
    gui.click("Post");
    gui.until("posted", |app| {
        matches!(app.model.post, PostState::Posted { .. })
    });
    let out = gui.posted_id().unwrap();

    schedule_two(&mut gui, "Day one at the fair!", "The opening");
    mark_posted(&setup, "Day one at the fair!", &out);
    setup.clock.advance(HOUR + Duration::from_secs(30));
    until_posts(&mut gui, 2);
    gui.until("the queue empties", |app| app.model.queue.is_empty());
    std::thread::sleep(Duration::from_millis(500));
    let posts = stored(&gui);
    assert_eq!(posts.len(), 2, "post 1 not again: {posts:?}");
    assert_eq!(posts[1]["text"], "The opening");
    assert_eq!(posts[1]["in_reply_to"], out.as_str());

    // All of one out (stopped before the journal forgot them): nothing posts.
    schedule_two(&mut gui, "Day two", "The closing");
    mark_posted(&setup, "Day two", &out);
    mark_posted(&setup, "The closing", posts[1]["id"].as_str().unwrap());
    setup.clock.advance(HOUR + Duration::from_secs(30));
    gui.until("it leaves the queue, saying it is out", |app| {
        app.model.queue.is_empty()
            && app
                .model
                .notice
                .as_ref()
                .is_some_and(|(n, _)| n == "The scheduled post “Day two” is on X already.")
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(stored(&gui).len(), 2, "nothing posted again");
}
