//! A scheduled post's files after the upload: X's media id, while good,
//! posts without the file (it may be moved meanwhile); a file missing at
//! the time fails the post, and putting it back lets it go on by itself.

use std::time::Duration;

use x_uploader::core::limits::MIB;
use x_uploader::core::service::QueueState;

use super::schedule::HOUR;
use super::schedule_extras::video_with_its_captions;
use super::schedule_thread::until_posts;
use super::thread::stored;
use super::{Gui, Setup};
use crate::support::*;

#[test]
fn a_photo_moved_away_after_its_upload_still_posts_at_its_time() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let files = Files::new();
    let photo = files.jpeg("team.jpg", Some(300_000));
    let sha = sha256_of(&photo);
    let mut gui = Gui::start(&setup);
    gui.sign_in(BRAND);
    gui.schedule_photo(&photo, "Our team at the stand", 2 * HOUR);
    gui.until_waiting();
    let away = files.path("elsewhere.jpg");
    std::fs::rename(&photo, &away).unwrap();
    setup.clock.advance(2 * HOUR + Duration::from_secs(30));
    until_posts(&mut gui, 1);
    gui.until("the queue empties", |app| app.model.queue.is_empty());
    let posts = stored(&gui);
    assert_eq!(posts.len(), 1, "posted once");
    assert_eq!(posts[0]["text"], "Our team at the stand");
    let media = gui.inspect(&format!(
        "media/{}",
        posts[0]["media_ids"][0].as_str().unwrap()
    ));
    assert_eq!(media["sha256"], sha, "the photo's own bytes: {media}");
    assert_eq!(gui.requests_to("initialize"), 1, "uploaded once");
}

#[test]
fn a_caption_file_missing_at_the_time_fails_and_goes_on_once_it_is_back() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let files = Files::new();
    let video = files.video("opening.mp4", 2.0, MIB);
    let srt = files.text(
        "opening.en.srt",
        "1\n00:00:00,200 --> 00:00:01,500\nWelcome to the fair.\n",
    );
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    video_with_its_captions(&mut gui, &video);
    gui.type_post("The opening");
    gui.post_at(2 * HOUR);
    gui.until_waiting();
    // Moved away and back before the time: said, then not any more.
    let away = files.path("away.srt");
    std::fs::rename(&srt, &away).unwrap();
    gui.until("the queue says it is gone", |app| {
        app.model.queue[0].problem.is_some()
    });
    std::fs::rename(&away, &srt).unwrap();
    gui.until("and that it is back", |app| {
        app.model.queue[0].problem.is_none()
    });
    // Away at the time.
    std::fs::rename(&srt, &away).unwrap();
    setup.clock.advance(2 * HOUR);
    gui.until("it failed for the caption file", |app| {
        matches!(&app.model.queue[0].state, QueueState::Failed(w)
            if w.contains("opening.en.srt, the captions of opening.mp4, is gone from ")
                && w.ends_with("Put the file back and it goes on by itself, or Edit the post."))
    });
    assert!(stored(&gui).is_empty(), "not without its captions");
    std::fs::rename(&away, &srt).unwrap();
    until_posts(&mut gui, 1);
    gui.until("the queue empties", |app| app.model.queue.is_empty());
    let posts = stored(&gui);
    assert_eq!(posts.len(), 1, "posted once");
    let video_media = gui.inspect(&format!(
        "media/{}",
        posts[0]["media_ids"][0].as_str().unwrap()
    ));
    let tracks = video_media["subtitles"].as_array().unwrap().clone();
    assert_eq!(tracks.len(), 1, "with its captions: {video_media}");
}
