//! Captions, who can reply and content warnings in the window: a caption
//! file found next to the video is offered and added, another is dropped on
//! the window and its language changed from the list, a bad one is refused
//! in words on the tile; the post carries them to the practice server, with
//! bytes equal to the files. The reply setting and a photo's content
//! warning reach the server, and the reply setting is remembered.

use std::path::Path;

use egui_kittest::kittest::Queryable as _;
use serde_json::json;
use x_uploader::core::service::PostState;

use super::{Gui, Setup, all_ready};
use crate::support::*;

const TALK: &str = "1\r\n00:00:00,500 --> 00:00:02,000\r\nWelcome, everyone.\r\n\r\n2\r\n00:00:02,500 --> 00:00:03,500\r\nLet's begin.\r\n";

fn file_bytes(gui: &Gui, media_id: &str) -> Vec<u8> {
    let url = format!("{}/_practice/media/{media_id}/file", gui.base());
    gui.http.get(url).send().unwrap().bytes().unwrap().to_vec()
}

/// The server's record of a photo or video: X's content warning is
/// graphic violence only.
pub(super) fn assert_graphic_violence_only(media: &serde_json::Value) {
    assert_eq!(
        media["metadata"]["sensitive_media_warning"],
        json!({ "adult_content": false, "graphic_violence": true, "other": false }),
        "{media}"
    );
}

/// The server's record of a video: one English track, with `srt`'s bytes.
pub(super) fn assert_one_english_track(gui: &Gui, video: &serde_json::Value, srt: &Path) {
    let tracks = video["subtitles"].as_array().unwrap();
    assert_eq!(tracks.len(), 1, "{video}");
    assert_eq!(tracks[0]["language_code"], "EN");
    let bytes = file_bytes(gui, tracks[0]["id"].as_str().unwrap());
    assert_eq!(bytes, std::fs::read(srt).unwrap(), "the file's own bytes");
}

/// Post, and answer the post's id and the server's record of it.
fn post_and_wait(gui: &mut Gui, text: &str) -> (String, serde_json::Value) {
    gui.type_post(text);
    gui.until("every file is ready", all_ready);
    gui.click("Post");
    gui.until("posted", |app| {
        matches!(app.model.post, PostState::Posted { .. })
    });
    let id = gui.posted_id().unwrap();
    let posts = gui.inspect("posts")["posts"].as_array().unwrap().clone();
    let post = posts.into_iter().find(|p| p["id"] == id.as_str());
    (id, post.expect("the post is on the server"))
}

#[test]
fn a_video_with_captions_found_dropped_and_chosen_posts_them_byte_for_byte() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    let files = Files::new();
    let video = files.video("talk.mp4", 4.0, 300_000);
    let en = files.text("talk.en.srt", TALK);
    gui.drop_files(std::slice::from_ref(&video));
    gui.until("the caption file next to it is offered", |app| {
        app.model.tiles[0].extras.offer.is_some()
    });
    assert!(
        gui.harness
            .query_by_label("Found talk.en.srt — add it as English captions?")
            .is_some()
    );
    // Clicks land where the buttons are once the tile has settled.
    gui.until("the video is ready", all_ready);
    gui.click("Add");
    gui.until("the captions are uploaded", |app| {
        app.model.tiles[0]
            .extras
            .captions
            .iter()
            .any(|c| c.uploaded)
    });
    assert!(
        gui.harness
            .query_by_label("Found talk.en.srt — add it as English captions?")
            .is_none()
    );

    // A cue after the video's end is refused on the tile, in words.
    let late = files.text(
        "late.srt",
        "1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:09,000 --> 00:00:10,000\nB\n",
    );
    gui.drop_files(&[late]);
    gui.until("the late file is refused", |app| {
        app.model.tiles[0].extras.problem.is_some()
    });
    assert!(
        gui.harness
            .query_by_label_contains(
                "Caption 2 of late.srt starts at 00:00:09,000, but talk.mp4 ends at 00:00:04,000"
            )
            .is_some()
    );

    // Another dropped on the window joins the video; its name says Spanish,
    // and it is really French: chosen from the list by name.
    let fr_text = "WEBVTT\n\n00:00.500 --> 00:02.000\nBienvenue à tous.\n";
    let fr = files.text("extra.es.vtt", fr_text);
    gui.drop_files(&[fr]);
    gui.until("two tracks", |app| {
        app.model.tiles[0].extras.captions.len() == 2
    });
    assert!(
        gui.harness
            .query_by_label("Captions: English, Español")
            .is_some()
    );
    gui.click("Language of extra.es.vtt");
    // Far down the list (scrolled to by a person): chosen through AccessKit.
    gui.harness
        .get_by_label("French (Français)")
        .click_accesskit();
    gui.harness.step();
    gui.until("it is French", |app| {
        app.model.tiles[0].extras.captions[1].language == "FR"
    });
    assert!(
        gui.harness
            .query_by_label("Captions: English, Français")
            .is_some()
    );

    let (post_id, post) = post_and_wait(&mut gui, "Our talk, captioned");
    let video_id = post["media_ids"][0].as_str().unwrap().to_string();
    let media = gui.inspect(&format!("media/{video_id}"));
    let tracks = media["subtitles"].as_array().unwrap().clone();
    assert_eq!(tracks.len(), 2, "{media}");
    assert_eq!(tracks[0]["language_code"], "EN");
    assert_eq!(tracks[1]["language_code"], "FR");
    let en_id = tracks[0]["id"].as_str().unwrap();
    assert_eq!(file_bytes(&gui, en_id), std::fs::read(&en).unwrap());
    let fr_id = tracks[1]["id"].as_str().unwrap();
    assert_eq!(file_bytes(&gui, fr_id), fr_text.as_bytes());
    // The practice post page lists the captions.
    let page = gui
        .http
        .get(format!("{}/_practice/posts/{post_id}", gui.base()))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("Captions: EN, FR"), "{page}");
}

#[test]
fn who_can_reply_and_a_content_warning_reach_the_server_and_the_choice_is_remembered() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let files = Files::new();
    let photo = files.jpeg("crash.jpg", None);
    {
        let mut gui = Gui::start(&setup);
        gui.sign_in(NEWS);
        gui.drop_files(std::slice::from_ref(&photo));
        gui.until("ready", all_ready);
        // Captions without a video: said plainly, nothing added.
        let srt = files.text("talk.srt", TALK);
        let dropped = std::sync::Arc::new(super::Dropped(srt));
        gui.harness.input_mut().dropped_files.push(dropped);
        gui.until("the window says why", |app| {
            app.model.notice.as_ref().is_some_and(|(n, _)| {
                n == "talk.srt can't be added on its own: captions go with a video. Add the video first, then its captions."
            })
        });
        assert_eq!(gui.app().model.tiles.len(), 1);
        gui.content_warning("Graphic violence");
        gui.until("the tile has the warning", |app| {
            app.model.tiles[0].extras.warning.graphic_violence
        });
        assert!(
            gui.harness
                .query_by_label("Content warning: Violence")
                .is_some()
        );
        gui.click("Who can reply");
        gui.click("People you follow");
        gui.until("chosen", |app| {
            app.model.reply_settings.as_deref() == Some("following")
        });
        let (_, post) = post_and_wait(&mut gui, "Scene of the crash");
        assert_eq!(post["reply_settings"], "following", "{post}");
        let media_id = post["media_ids"][0].as_str().unwrap();
        assert_graphic_violence_only(&gui.inspect(&format!("media/{media_id}")));
    }
    // The account's default next time.
    let mut gui = Gui::start(&setup);
    gui.until("the account's reply default is back", |app| {
        app.model.active.is_some() && app.model.reply_settings.as_deref() == Some("following")
    });
}

#[test]
fn captions_and_a_content_warning_survive_closing_and_reopening() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let files = Files::new();
    let video = files.video("clip.mp4", 4.0, 200_000);
    let es = files.text("subs.es.srt", TALK);
    {
        let mut gui = Gui::start(&setup);
        gui.sign_in(NEWS);
        // Dropped together: the captions go with the video's tile, and are
        // fitted to it once its length is known.
        let late = files.text(
            "late.fr.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:09,000 --> 00:00:10,000\nB\n",
        );
        for f in [video, es, late] {
            let dropped = std::sync::Arc::new(super::Dropped(f));
            gui.harness.input_mut().dropped_files.push(dropped);
        }
        gui.harness.step();
        gui.until("the captions are on the video", |app| {
            app.model
                .tiles
                .first()
                .is_some_and(|t| t.extras.captions.len() == 1)
        });
        gui.until("the late file is taken off, with the reason", |app| {
            let e = &app.model.tiles[0].extras;
            e.captions.len() == 1
                && e.problem.as_deref().is_some_and(|p| {
                    p.starts_with(
                        "Caption 2 of late.fr.srt starts at 00:00:09,000, but clip.mp4 ends",
                    )
                })
        });
        gui.until("the video is ready", all_ready);
        gui.content_warning("Adult content (nudity)");
        gui.until("the tile has the warning", |app| {
            app.model.tiles[0].extras.warning.adult_content
        });
    }
    let mut gui = Gui::start(&setup);
    gui.until("the captions and warning are back", |app| {
        app.model.tiles.first().is_some_and(|t| {
            t.kind().is_some()
                && t.extras.warning.adult_content
                && t.extras
                    .captions
                    .iter()
                    .map(|c| c.language.as_str())
                    .eq(["ES"])
        })
    });
    assert!(gui.harness.query_by_label("Captions: Español").is_some());
    assert!(
        gui.harness
            .query_by_label("Content warning: Nudity")
            .is_some()
    );
}
