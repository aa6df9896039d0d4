//! X's processing refuses a video: its tile shows X's reason and "Convert
//! for X"; the conversion (real ffmpeg) can be cancelled and run again, the
//! converted copy uploads and posts, and the copy goes with its tile.

use std::path::{Path, PathBuf};

use serde_json::json;
use x_uploader::core::media::probe;
use x_uploader::core::service::PostState;
use x_uploader::ui::model::MediaState;

use egui_kittest::kittest::Queryable as _;

use super::{Gui, Setup, all_ready};
use crate::support::*;

/// An iPhone-like HEVC + AAC `.mov`, 20 s at 640×360: long enough to
/// cancel its conversion, short enough to convert in a few seconds.
fn hevc_clip(path: &Path) {
    let made = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=30:duration=20",
        ])
        .args(["-f", "lavfi", "-i", "sine=sample_rate=48000:duration=20"])
        .args(["-c:v", "libx265", "-preset", "ultrafast"])
        .args(["-x265-params", "log-level=error", "-tag:v", "hvc1"])
        .args(["-c:a", "aac"])
        .arg(path)
        .status()
        .expect("ffmpeg runs (scripts/test.sh installs it)");
    assert!(made.success());
}

/// Files in the app's cache of prepared copies.
fn prepared(home: &Path) -> Vec<PathBuf> {
    let Ok(slots) = std::fs::read_dir(home.join("data/prepared")) else {
        return Vec::new();
    };
    slots
        .flatten()
        .filter_map(|s| std::fs::read_dir(s.path()).ok())
        .flatten()
        .flatten()
        .map(|f| f.path())
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .collect()
}

fn state(gui: &Gui) -> MediaState {
    gui.app().model.tiles[0].state.clone()
}

#[test]
fn a_video_x_cannot_process_is_converted_for_x_and_posts() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    let files = Files::new();
    let video = files.path("IMG_0420.mov");
    hevc_clip(&video);
    gui.control("fail-processing", json!({}));
    gui.drop_files(std::slice::from_ref(&video));
    gui.until("X's processing refuses it", |app| {
        matches!(app.model.tiles[0].state, MediaState::Failed { .. })
    });
    gui.harness.step();
    assert!(
        gui.harness
            .query_by_label_contains(
                "X could not process IMG_0420.mov: Invalid or Unsupported media"
            )
            .is_some(),
        "X's reason on the tile: {:?}",
        state(&gui)
    );

    // Started, then cancelled: back to X's reason, the offer still there.
    gui.click("Convert for X");
    gui.until("converting", |app| {
        app.model.tiles[0].state == MediaState::Converting
    });
    assert!(
        gui.harness
            .query_by_label_contains("Converting for X…")
            .is_some()
    );
    gui.click("Cancel");
    gui.until("the conversion stops", |app| {
        matches!(app.model.tiles[0].state, MediaState::Failed { .. })
    });
    gui.harness.step();
    assert!(gui.harness.query_by_label("Convert for X").is_some());
    assert_eq!(prepared(&setup.home), Vec::<PathBuf>::new());

    // Run to the end: the progress bar moves, then the copy uploads.
    gui.click("Convert for X");
    gui.until("the conversion shows how far it is", |app| {
        app.model.tiles[0]
            .converting
            .as_ref()
            .and_then(|c| c.fraction)
            .is_some_and(|f| f > 0.0)
    });
    assert!(
        gui.harness
            .query_by_label_contains("Converting IMG_0420.mov: ")
            .is_some(),
        "the progress bar"
    );
    gui.until("the converted video is processed", all_ready);
    let copies = prepared(&setup.home);
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert!(copies[0].ends_with("IMG_0420 (for X).mp4"), "{copies:?}");
    let info = probe::probe_video(&copies[0], "video/mp4").unwrap();
    assert_eq!(
        (info.codec.as_str(), info.audio.as_slice()),
        ("H.264", &["AAC".to_string()][..])
    );
    let converted_sha = sha256_of(&copies[0]);
    let tile = gui.app().model.tiles[0].clone();
    let info_line = tile.info.as_ref().and_then(|i| i.note.clone());
    assert_eq!(info_line.as_deref(), Some("Converted for X (H.264 + AAC)"));
    assert!(
        gui.harness
            .query_by_label("Converted for X (H.264 + AAC)")
            .is_some()
    );

    gui.type_post("Shot on a phone");
    gui.click("Post");
    gui.until("posted", |app| {
        matches!(app.model.post, PostState::Posted { .. })
    });
    let posts = gui.inspect("posts")["posts"].clone();
    let media = posts[0]["media_ids"][0].as_str().unwrap().to_string();
    let at_server = gui.inspect(&format!("media/{media}"));
    assert_eq!(at_server["sha256"], converted_sha.as_str(), "{at_server}");
    assert_ne!(converted_sha, sha256_of(&video));
    // The posted bytes are the H.264 copy, not the phone's HEVC file.
    let bytes = gui
        .http
        .get(format!("{}/_practice/media/{media}/file", gui.base()))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let got = files.path("from-server.mp4");
    std::fs::write(&got, &bytes).unwrap();
    assert_eq!(
        probe::probe_video(&got, "video/mp4").unwrap().codec,
        "H.264"
    );
    // The composer cleared for the next post: the copy went with its tile.
    gui.until("the tile is gone", |app| app.model.tiles.is_empty());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !prepared(&setup.home).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the copy is left behind"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(video.exists(), "the user's file is untouched");
}

#[test]
fn quitting_while_the_converted_video_uploads_starts_it_over_from_the_users_file() {
    let dir = temp_dir();
    let mut setup = Setup::new(&dir);
    // Slow enough to quit mid-upload.
    setup.bandwidth_mbps = Some(2.0);
    let files = Files::new();
    let video = files.path("IMG_0421.mov");
    hevc_clip(&video);
    {
        let mut gui = Gui::start(&setup);
        gui.sign_in(NEWS);
        gui.control("fail-processing", json!({}));
        gui.drop_files(std::slice::from_ref(&video));
        gui.until("X's processing refuses it", |app| {
            matches!(app.model.tiles[0].state, MediaState::Failed { .. })
        });
        gui.harness.step();
        gui.click("Convert for X");
        gui.until("the converted copy uploads", |app| {
            app.model.tiles[0].state == MediaState::Uploading
                && app.model.tiles[0]
                    .info
                    .as_ref()
                    .and_then(|i| i.note.as_deref())
                    == Some("Converted for X (H.264 + AAC)")
        });
        assert_eq!(prepared(&setup.home).len(), 1);
    }
    // The journal holds the copy's upload, but the tile checks the user's
    // file again: continuing would send the wrong bytes, so it starts over.
    let mut gui = Gui::start(&setup);
    gui.until("the file is back", |app| !app.model.tiles.is_empty());
    gui.until("signed in again", |app| app.model.active.is_some());
    gui.until("its upload starts over", |app| {
        app.model.tiles[0].state == MediaState::Uploading
    });
    let tile = gui.app().model.tiles[0].clone();
    assert_eq!(tile.info.as_ref().unwrap().note, None, "the user's file");
    assert_eq!(prepared(&setup.home), Vec::<PathBuf>::new());
}
