//! What goes on a scheduled post's files besides alt text: a photo's
//! content warning and a video's caption tracks are kept in the queue and
//! set at X when it goes out, as for a post made now; a caption file gone
//! meanwhile is said at once.

use egui_kittest::kittest::Queryable as _;
use x_uploader::core::limits::MIB;

use super::captions::{assert_graphic_violence_only, assert_one_english_track};
use super::schedule::HOUR;
use super::schedule_thread::until_posts;
use super::thread::{add_post, press, stored, type_into};
use super::{Gui, all_ready};
use crate::support::*;

/// Drop `video` into the last post and add the caption file found next to it.
pub(super) fn video_with_its_captions(gui: &mut Gui, video: &std::path::Path) {
    let n = gui.app().model.tiles.len();
    gui.drop_files(&[video.to_path_buf()]);
    gui.until("the caption file next to the video is offered", |app| {
        app.model.tiles.len() == n + 1 && app.model.tiles[n].extras.offer.is_some()
    });
    gui.until("the video is ready", all_ready);
    press(gui, "Add");
    gui.until("the captions are on the video", |app| {
        app.model.tiles[n].extras.captions.len() == 1
    });
}

#[test]
fn a_scheduled_warning_and_captions_reach_x_and_a_missing_caption_file_is_said_at_once() {
    let dir = temp_dir();
    let setup = super::Setup::new(&dir);
    let files = Files::new();
    let photo = files.jpeg("crowd.jpg", Some(300_000));
    let video = files.video("opening.mp4", 2.0, 2 * MIB);
    let srt = files.text(
        "opening.en.srt",
        "1\n00:00:00,200 --> 00:00:01,500\nWelcome to the fair.\n",
    );
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    gui.drop_files(std::slice::from_ref(&photo));
    gui.until("the photo is uploaded", all_ready);
    gui.content_warning("Graphic violence");
    gui.until("the photo has the warning", |app| {
        app.model.tiles[0].extras.warning.graphic_violence
    });
    gui.type_post("The crowd at noon");
    add_post(&mut gui);
    video_with_its_captions(&mut gui, &video);
    type_into(&mut gui, "Text of post 2", "The opening");
    gui.post_at(2 * HOUR);
    gui.until_waiting();
    assert_eq!(gui.app().model.queue[0].problem, None);
    setup.clock.advance(2 * HOUR);
    until_posts(&mut gui, 2);
    gui.until("the queue empties", |app| app.model.queue.is_empty());

    let posts = stored(&gui);
    let media = |i: usize| posts[i]["media_ids"][0].as_str().unwrap().to_string();
    let photo_media = gui.inspect(&format!("media/{}", media(0)));
    assert_graphic_violence_only(&photo_media);
    let video_media = gui.inspect(&format!("media/{}", media(1)));
    assert_one_english_track(&gui, &video_media, &srt);

    // Another video, its caption file moved away after scheduling.
    let closing = files.video("closing.mp4", 2.0, MIB);
    let closing_srt = files.text(
        "closing.en.srt",
        "1\n00:00:00,200 --> 00:00:01,500\nSee you tomorrow.\n",
    );
    video_with_its_captions(&mut gui, &closing);
    gui.content_warning("Graphic violence");
    gui.type_post("The closing");
    gui.post_at(2 * HOUR);
    // Edit brings the captions and the warning back with the video.
    let label = gui.app().model.queue[0].label.clone();
    gui.click(&format!("Edit: {label}"));
    gui.until("the video is back with its captions and warning", |app| {
        app.model.queue.is_empty()
            && app.model.tiles.len() == 1
            && app.model.tiles[0].extras.captions.len() == 1
            && app.model.tiles[0].extras.warning.graphic_violence
    });
    gui.until("checked again", all_ready);
    gui.post_at(2 * HOUR);
    std::fs::remove_file(&closing_srt).unwrap();
    gui.until("the queue says the caption file is gone", |app| {
        app.model.queue[0].problem.as_deref().is_some_and(|p| {
            p.starts_with("closing.en.srt, the captions of closing.mp4, is gone from ")
        })
    });
    let problem = gui.app().model.queue[0].problem.clone().unwrap();
    assert!(gui.harness.query_by_label(&problem).is_some(), "on show");
}
