//! The window, driven through egui_kittest by the words a user sees, with
//! the real service and its in-process practice server (practice mode).
//! Every frame also passes kittest's check that each control has an
//! accessible name.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use serde_json::{Value, json};
use x_uploader::core::config::{Config, FileConfig, Paths};
use x_uploader::core::limits::MIB;
use x_uploader::core::service::{PostState, ServiceOptions};
use x_uploader::ui::model::{Cell, MediaState, SignIn};
use x_uploader::ui::{App, AppOptions};

use crate::support::*;

/// Starting at login while posts wait: the entry and Settings' box.
mod autostart;
/// Captions on the video, who can reply, content warnings.
mod captions;
/// Closing the window, and a queued post losing a file.
mod closing;
/// "Convert for X" when X's processing refuses a video.
mod convert;
/// A second start of X Uploader hands its photo to this window.
mod instance;
/// Photos being made to fit, and Settings' photo choices.
mod photos;
/// Posts scheduled for a set time: the queue, across a restart.
mod schedule;
/// Edit from the queue: the post as it was queued.
mod schedule_edit;
/// Warnings and captions on scheduled posts.
mod schedule_extras;
/// A scheduled post's files moved after the upload, or missing at its time.
mod schedule_files;
/// How long a scheduled post's uploads and posting keep trying.
mod schedule_patience;
/// Scheduled posts that fail: tried again, or saying what to do.
mod schedule_retry;
/// A scheduled thread `resume` went on with meanwhile.
mod schedule_stale;
/// Threads in the queue: scheduled, edited, stopped part way.
mod schedule_thread;
/// Threads: several posts, each replying to the one before.
mod thread;
/// The tray icon while scheduled posts wait, with and without a tray host.
mod tray;

/// A file dropped on the window (egui has no test helper for this).
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

struct Gui {
    harness: Harness<'static, App>,
    redirect: String,
    http: reqwest::blocking::Client,
}

#[derive(Clone)]
struct Setup {
    home: std::path::PathBuf,
    service: String,
    redirect: String,
    bandwidth_mbps: Option<f64>,
    processing_secs: f64,
    files: Vec<PathBuf>,
    /// The service's and window's "now" (tests move it on).
    clock: x_uploader::core::clock::Clock,
}

impl Setup {
    fn new(dir: &tempfile::TempDir) -> Setup {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Setup {
            home: dir.path().to_path_buf(),
            service: format!("x-uploader-test-{}", rand::random::<u32>()),
            redirect: format!("http://127.0.0.1:{port}/callback"),
            bandwidth_mbps: None,
            processing_secs: 1.0,
            files: Vec::new(),
            clock: x_uploader::core::clock::Clock::adjustable(),
        }
    }
}

impl Gui {
    fn start(setup: &Setup) -> Gui {
        let paths = Paths {
            config_dir: setup.home.join("config"),
            data_dir: setup.home.join("data"),
            autostart_dir: Some(setup.home.join("autostart")),
        };
        let service = setup.service.clone();
        let config = Config::from_parts(paths, FileConfig::default(), &move |k| {
            (k == "X_UPLOADER_KEYRING_SERVICE").then(|| service.clone())
        });
        let options = AppOptions {
            service: ServiceOptions {
                config,
                practice: true,
                files: setup.files.clone(),
                open_browser: false,
                practice_auto_approve: false,
                practice_processing_secs: setup.processing_secs,
                practice_redirect_uris: Some(vec![setup.redirect.clone()]),
                practice_bandwidth_mbps: setup.bandwidth_mbps,
                clock: setup.clock.clone(),
            },
            perf_log: None,
        };
        x_uploader::core::xclient::install_tls();
        let harness = Harness::builder()
            .with_size([720.0, 900.0])
            .build_eframe(move |cc| App::new(cc, options.clone()));
        let mut gui = Gui {
            harness,
            redirect: setup.redirect.clone(),
            http: reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        };
        gui.until("the practice server is up", |app| {
            app.model
                .mode
                .as_ref()
                .is_some_and(|m| m.practice_base.is_some())
        });
        gui
    }

    fn app(&self) -> &App {
        self.harness.state()
    }

    /// Step frames until `done` (the service works on its own thread).
    fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            self.harness.step();
            if done(self.harness.state()) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            std::thread::sleep(Duration::from_millis(15));
        }
    }

    /// Set one of X's content-warning flags ("Graphic violence") on the
    /// only tile that has the button.
    /// Alt text on the only photo, through its dialog, kept.
    fn alt_text(&mut self, text: &str) {
        self.click("Add alt text");
        self.harness.get_by_label("Alt text").type_text(text);
        self.harness.step();
        self.click("Save");
        self.until("the alt text is kept", |app| app.model.tiles[0].alt == text);
    }

    fn content_warning(&mut self, flag: &str) {
        self.click("Content warning…");
        self.until("the dialog is open", |app| app.view.dialog.is_some());
        self.click(flag);
        self.click("Save");
    }

    fn click(&mut self, label: &str) {
        self.harness.get_by_label(label).click();
        self.harness.step();
        self.harness.step();
    }

    fn base(&self) -> String {
        self.app()
            .model
            .mode
            .as_ref()
            .and_then(|m| m.practice_base.clone())
            .expect("practice base")
    }

    /// How many requests the practice server has had at one endpoint.
    fn requests_to(&self, endpoint: &str) -> u64 {
        let counts = self.inspect("requests")["counts"].clone();
        assert!(counts.is_object(), "the server's request counts: {counts}");
        counts[endpoint].as_u64().unwrap_or(0)
    }

    fn inspect(&self, path: &str) -> Value {
        self.http
            .get(format!("{}/_practice/{path}", self.base()))
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    fn control(&self, path: &str, body: Value) {
        let r = self
            .http
            .post(format!("{}/_practice/{path}", self.base()))
            .json(&body)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    /// Press "Sign in with X", then be the browser: choose `account` on the
    /// consent page and follow the redirect back to the app.
    fn sign_in(&mut self, account: &str) {
        self.click("Sign in with X");
        self.until("the app waits for the browser", |app| {
            matches!(app.model.sign_in, SignIn::Waiting { .. })
        });
        assert!(self.harness.query_by_label("Copy link").is_some());
        let SignIn::Waiting { url, .. } = self.app().model.sign_in.clone() else {
            unreachable!()
        };
        let page = self.http.get(&url).send().unwrap().text().unwrap();
        assert!(page.contains("Authorize X Uploader (practice)?"));
        let marker = "name=\"request_id\" value=\"";
        let start = page.find(marker).unwrap() + marker.len();
        let request_id = &page[start..start + page[start..].find('"').unwrap()];
        let answer = self
            .http
            .post(format!("{}/i/oauth2/authorize", self.base()))
            .form(&[
                ("request_id", request_id),
                ("account", account),
                ("decision", "authorize"),
            ])
            .send()
            .unwrap();
        let callback = answer.headers()["location"].to_str().unwrap().to_string();
        assert!(callback.starts_with(&self.redirect));
        let done = self.http.get(&callback).send().unwrap();
        assert_eq!(done.status(), 200);
        self.until("signed in", |app| app.model.active.is_some());
    }

    fn drop_files(&mut self, files: &[PathBuf]) {
        for f in files {
            self.harness
                .input_mut()
                .dropped_files
                .push(Arc::new(Dropped(f.clone())));
        }
        self.harness.step();
        let n = files.len();
        self.until("the files show as tiles", |app| app.model.tiles.len() >= n);
    }

    fn type_post(&mut self, text: &str) {
        // A dialog that is closing still holds the keyboard for a frame.
        self.until("no dialog is open", |app| app.view.dialog.is_none());
        self.harness.step();
        for _ in 0..10 {
            self.harness.get_by_label("Post text").focus();
            self.harness.step();
            if self.harness.get_by_label("Post text").is_focused() {
                break;
            }
        }
        let before = self.app().model.text.clone();
        self.harness.get_by_label("Post text").type_text(text);
        self.harness.step();
        self.harness.step();
        assert_eq!(
            self.app().model.text,
            format!("{before}{text}"),
            "typed into the post text"
        );
    }

    fn open_settings(&mut self) {
        self.harness
            .get_all_by_role_and_label(egui::accesskit::Role::Button, "Settings")
            .next()
            .unwrap()
            .click();
        self.harness.step();
        self.harness.step();
    }

    fn posted_id(&self) -> Option<String> {
        match &self.app().model.post {
            PostState::Posted { post_id, .. } => Some(post_id.clone()),
            _ => None,
        }
    }
}

fn all_ready(app: &App) -> bool {
    !app.model.tiles.is_empty() && app.model.tiles.iter().all(|t| t.state == MediaState::Ready)
}

#[test]
fn sign_in_post_three_photos_with_alt_text_then_delete() {
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    assert!(
        gui.harness
            .query_by_label_contains("Practice — nothing is posted to X")
            .is_some()
    );
    gui.sign_in(BRAND);
    assert_eq!(
        gui.app().model.active.as_ref().unwrap().username,
        "practice_brand"
    );
    assert!(
        gui.harness.query_by_label("@practice_brand").is_some(),
        "the account menu shows the handle"
    );

    let files = Files::new();
    let photos: Vec<PathBuf> = (0..3)
        .map(|i| files.jpeg(&format!("team{i}.jpg"), Some(400_000)))
        .collect();
    // A phone photo carries where it was taken: the tile says it goes without.
    crate::photos::tool(
        "exiftool",
        &[
            "-q",
            "-overwrite_original",
            "-GPSLatitude=40.4",
            "-GPSLatitudeRef=N",
            photos[0].to_str().unwrap(),
        ],
    );
    gui.drop_files(&photos);
    gui.until("the photos are uploaded", all_ready);
    assert!(
        gui.harness.query_by_label("Location removed").is_some(),
        "the tile says the location was removed"
    );

    // Alt text on the first photo, through its dialog.
    gui.harness
        .get_all_by_label("Add alt text")
        .next()
        .unwrap()
        .click();
    gui.harness.step();
    gui.harness.step();
    gui.harness
        .get_by_label("Alt text")
        .type_text("Ana at the stand");
    gui.harness.step();
    gui.click("Save");
    gui.until("the alt text is kept", |app| {
        app.model.tiles[0].alt == "Ana at the stand"
    });

    gui.type_post("Launch day, in pictures");
    assert!(
        !gui.harness
            .get_by_label("Post")
            .accesskit_node()
            .is_disabled()
    );
    gui.click("Post");
    gui.until("posted", |app| {
        matches!(app.model.post, PostState::Posted { .. })
    });
    assert!(
        gui.harness
            .query_by_label_contains("Posted to @practice_brand")
            .is_some()
    );
    assert!(
        gui.app().model.tiles.is_empty(),
        "the composer clears for the next post"
    );
    assert!(gui.app().model.text.is_empty());

    let post_id = gui.posted_id().unwrap();
    let posts = gui.inspect("posts")["posts"].clone();
    let post = posts
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == post_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(post["text"], "Launch day, in pictures");
    assert_eq!(post["author_id"], BRAND);
    let media: Vec<String> = post["media_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(media.len(), 3);
    let alts: Vec<Value> = media
        .iter()
        .map(|m| gui.inspect(&format!("media/{m}"))["alt_text"].clone())
        .collect();
    assert!(alts.contains(&json!("Ana at the stand")), "{alts:?}");

    gui.click("Delete post");
    assert!(
        gui.harness
            .query_by_label_contains("Delete this post from X?")
            .is_some()
    );
    gui.click("Delete it");
    gui.harness.step();
    gui.until("deleted", |app| {
        matches!(app.model.post, PostState::Deleted(_))
    });
    let posts = gui.inspect("posts")["posts"].clone();
    assert_eq!(posts[0]["deleted"], true);
}

#[test]
fn a_video_fills_its_chunk_cells_then_processing_reaches_100_and_it_posts() {
    let dir = temp_dir();
    let mut setup = Setup::new(&dir);
    setup.bandwidth_mbps = Some(60.0);
    setup.processing_secs = 3.0;
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    let files = Files::new();
    let video = files.video("launch.mp4", 12.0, 14 * MIB);
    gui.drop_files(std::slice::from_ref(&video));

    // Watch the cells and the processing bar as a user would.
    let mut saw_sending = false;
    let mut max_done = 0;
    let mut percents = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    while gui.app().model.tiles[0].state != MediaState::Ready {
        gui.harness.step();
        let tile = &gui.app().model.tiles[0];
        if let Some(p) = &tile.progress {
            saw_sending |= p.cells.iter().any(|c| matches!(c, Cell::Sending(_)));
            max_done = max_done.max(p.done_cells());
            assert_eq!(p.cells.len(), 4, "14 MiB in 4 MiB chunks");
        }
        if let MediaState::Processing(Some(p)) = tile.state {
            percents.push(p);
            assert!(
                gui.harness
                    .query_by_label_contains("X is processing the video")
                    .is_some()
            );
        }
        if matches!(tile.state, MediaState::Uploading) && tile.progress.is_some() {
            assert!(
                gui.harness
                    .query_by_label_contains("Chunks of launch.mp4")
                    .is_some()
            );
        }
        assert!(Instant::now() < deadline, "upload never finished");
        std::thread::sleep(Duration::from_millis(15));
    }
    assert!(saw_sending, "cells filled while sending");
    assert_eq!(max_done, 4, "every cell went to done");
    assert!(
        percents.iter().any(|p| *p > 0 && *p < 100),
        "processing rose: {percents:?}"
    );
    assert!(percents.windows(2).all(|w| w[0] <= w[1]), "{percents:?}");
    gui.harness.step();
    let done = gui.harness.get_by_label("Processed by X — ready to post");
    assert_eq!(
        done.accesskit_node().numeric_value(),
        Some(100.0),
        "the processing bar reached 100 %"
    );
    assert!(
        gui.harness.query_by_label("Add alt text").is_none(),
        "no alt text on videos"
    );

    gui.type_post("The launch video");
    gui.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    gui.harness.step();
    gui.until("posted with Ctrl+Enter", |app| {
        matches!(app.model.post, PostState::Posted { .. })
    });
    let post_id = gui.posted_id().unwrap();
    let posts = gui.inspect("posts")["posts"].clone();
    let media = posts[0]["media_ids"][0].as_str().unwrap().to_string();
    assert_eq!(posts[0]["id"], post_id.as_str());
    assert_eq!(
        gui.inspect(&format!("media/{media}"))["sha256"],
        sha256_of(&video)
    );
}

#[test]
fn a_refused_file_shows_its_reason_and_disturbs_nothing_else() {
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    gui.sign_in(NEWS);
    let files = Files::new();
    let photo = files.jpeg("ok.jpg", None);
    let fake = files.text("notes.mp4", "not a video\n");
    gui.drop_files(&[photo.clone(), fake]);
    gui.until("checked", |app| {
        app.model
            .tiles
            .iter()
            .any(|t| matches!(t.state, MediaState::Refused { .. }))
            && app.model.tiles.iter().any(|t| t.state == MediaState::Ready)
    });
    assert!(
        gui.harness
            .query_by_label_contains("notes.mp4 isn't a photo or video X accepts")
            .is_some()
    );
    assert!(
        gui.harness
            .get_by_label("Post")
            .accesskit_node()
            .is_disabled(),
        "Post waits until the refused file is removed"
    );
    gui.click("Remove notes.mp4");
    gui.until("removed", |app| app.model.tiles.len() == 1);
    // The same photo again is not a second tile.
    gui.harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(photo.clone())));
    gui.until("the notice", |app| {
        app.model
            .notice
            .as_ref()
            .is_some_and(|(n, _)| n == "ok.jpg is already in this post.")
    });
    assert_eq!(gui.app().model.tiles.len(), 1);
    assert!(
        gui.harness
            .query_by_label("ok.jpg is already in this post.")
            .is_some()
    );
    assert!(
        !gui.harness
            .get_by_label("Post")
            .accesskit_node()
            .is_disabled()
    );

    // A video after a photo would break the mix rule: the video is refused
    // in its own tile, and taken once the photo is removed.
    let video = files.video("clip.mp4", 2.0, MIB);
    gui.drop_files(&[video]);
    gui.until("the video is refused", |app| {
        app.model.tiles.len() == 2
            && matches!(&app.model.tiles[1].state, MediaState::Refused { reason: r, .. } if r.contains("a post holds one video on its own"))
    });
    assert!(
        gui.harness
            .query_by_label_contains("clip.mp4 is a video: a post holds one video on its own")
            .is_some()
    );
    gui.click("Remove ok.jpg");
    gui.until("the video is taken after all", |app| {
        app.model.tiles.len() == 1 && app.model.tiles[0].state == MediaState::Ready
    });
}

#[test]
fn pause_and_resume_an_upload() {
    let dir = temp_dir();
    let mut setup = Setup::new(&dir);
    setup.bandwidth_mbps = Some(30.0);
    setup.processing_secs = 0.5;
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    let files = Files::new();
    let video = files.video("long.mp4", 5.0, 16 * MIB);
    gui.drop_files(std::slice::from_ref(&video));
    gui.until("the first chunk is done", |app| {
        app.model.tiles[0]
            .progress
            .as_ref()
            .is_some_and(|p| p.done_cells() >= 1)
    });
    gui.click("Pause");
    gui.until("paused", |app| {
        app.model.tiles[0].state == MediaState::Paused
    });
    assert!(gui.harness.query_by_label_contains("Paused at").is_some());
    let done_at_pause = gui.app().model.tiles[0]
        .progress
        .as_ref()
        .unwrap()
        .done_cells();
    // 4 s: at 30 Mbit/s an upload that kept going would finish chunks.
    for _ in 0..160 {
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(25));
    }
    let done_later = gui.app().model.tiles[0]
        .progress
        .as_ref()
        .unwrap()
        .done_cells();
    assert_eq!(done_at_pause, done_later, "nothing moves while paused");
    gui.click("Resume");
    gui.until("uploaded after resuming", all_ready);
}

#[test]
fn a_fault_shows_a_retry_then_the_upload_completes() {
    let dir = temp_dir();
    let mut setup = Setup::new(&dir);
    setup.processing_secs = 0.3;
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    gui.control("fail-next", json!({ "endpoint": "append", "status": 0 }));
    let files = Files::new();
    let photo = files.jpeg("p.jpg", Some(3 * MIB));
    gui.drop_files(&[photo]);
    let mut saw_retry_line = false;
    let mut saw_amber_cell = false;
    let deadline = Instant::now() + Duration::from_secs(60);
    while gui.app().model.tiles[0].state != MediaState::Ready {
        gui.harness.step();
        saw_retry_line |= gui
            .harness
            .query_by_label_contains("Connection dropped — retrying chunk 1")
            .is_some();
        saw_amber_cell |= gui.app().model.tiles[0]
            .progress
            .as_ref()
            .is_some_and(|p| p.cells.contains(&Cell::Retrying));
        assert!(Instant::now() < deadline, "never finished");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(saw_retry_line, "the retry was shown in words");
    assert!(saw_amber_cell, "the chunk's cell turned amber");
}

#[test]
fn post_pressed_during_upload_posts_when_ready() {
    let dir = temp_dir();
    let mut setup = Setup::new(&dir);
    setup.bandwidth_mbps = Some(40.0);
    setup.processing_secs = 1.0;
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    let files = Files::new();
    let video = files.video("clip.mp4", 4.0, 10 * MIB);
    gui.drop_files(&[video]);
    gui.type_post("Posted as soon as it's ready");
    gui.until("uploading", |app| {
        app.model.tiles[0].state == MediaState::Uploading
    });
    gui.click("Post");
    gui.until("waiting for uploads", |app| {
        app.model.post == PostState::WaitingForUploads
    });
    assert!(
        gui.harness
            .query_by_label("Will post when uploads finish")
            .is_some()
    );
    assert!(gui.harness.query_by_label("Cancel post").is_some());
    gui.until("posted when ready", |app| {
        matches!(app.model.post, PostState::Posted { .. })
    });
    let posts = gui.inspect("posts")["posts"].clone();
    assert_eq!(posts[0]["text"], "Posted as soon as it's ready");
}

#[test]
fn a_draft_survives_closing_and_reopening() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let files = Files::new();
    let photo = files.jpeg("kept.jpg", Some(500_000));
    let media_id;
    {
        let mut gui = Gui::start(&setup);
        gui.sign_in(NEWS);
        gui.drop_files(std::slice::from_ref(&photo));
        gui.until("uploaded", all_ready);
        gui.harness.get_by_label("Add alt text").click();
        gui.harness.step();
        gui.harness.step();
        gui.harness
            .get_by_label("Alt text")
            .type_text("A kept photo");
        gui.harness.step();
        gui.click("Save");
        gui.type_post("Half-written post");
        // Let the debounced draft save run.
        let until = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < until {
            gui.harness.step();
            std::thread::sleep(Duration::from_millis(20));
        }
        media_id = gui.inspect("requests?endpoint=finalize")["requests"][0]["media_id"]
            .as_str()
            .unwrap()
            .to_string();
    }
    // A new window on the same home: text, file, alt text and media id are back.
    let mut gui = Gui::start(&setup);
    gui.until("the draft is back", |app| {
        app.model.text == "Half-written post" && app.model.tiles.len() == 1
    });
    assert_eq!(gui.app().model.tiles[0].alt, "A kept photo");
    gui.until("signed in from the keychain", |app| {
        app.model.active.is_some()
    });
    gui.until("ready without uploading again", all_ready);
    assert_eq!(
        gui.requests_to("initialize"),
        0,
        "the media id was reused, not uploaded again"
    );
    gui.click("Post");
    gui.until("posted", |app| {
        matches!(app.model.post, PostState::Posted { .. })
    });
    let posts = gui.inspect("posts")["posts"].clone();
    assert_eq!(posts[0]["media_ids"][0], media_id.as_str());
}

#[test]
fn not_configured_screen_offers_practice_mode_and_settings() {
    let dir = temp_dir();
    let paths = Paths {
        config_dir: dir.path().join("config"),
        data_dir: dir.path().join("data"),
        autostart_dir: None,
    };
    let config = Config::from_parts(paths, FileConfig::default(), &|_| None);
    let options = AppOptions {
        service: ServiceOptions {
            config,
            practice: false,
            files: Vec::new(),
            open_browser: false,
            practice_auto_approve: false,
            practice_processing_secs: 1.0,
            practice_redirect_uris: Some(vec![format!("http://127.0.0.1:{}/callback", 1)]),
            practice_bandwidth_mbps: None,
            clock: Default::default(),
        },
        perf_log: None,
    };
    let mut h = Harness::builder()
        .with_size([720.0, 800.0])
        .build_eframe(move |cc| App::new(cc, options.clone()));
    let deadline = Instant::now() + Duration::from_secs(20);
    while h.state().model.mode.is_none() {
        h.step();
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
    h.step();
    assert!(
        h.query_by_label_contains("isn't connected to an X app yet")
            .is_some()
    );
    assert!(h.query_by_label("Try practice mode").is_some());
    // The title bar and the welcome screen both offer Settings.
    h.get_all_by_role_and_label(egui::accesskit::Role::Button, "Settings")
        .next()
        .unwrap()
        .click();
    h.step();
    h.step();
    h.get_by_label_contains("Client id").focus();
    h.step();
    h.get_by_label_contains("Client id").type_text("my-x-app");
    h.step();
    // The settings page is longer than the window: down to Save first.
    h.get_by_label("Save").scroll_to_me();
    for _ in 0..20 {
        h.step();
    }
    h.get_by_label("Save").click();
    h.step();
    let config_file = dir.path().join("config/config.toml");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !h.state().model.mode.as_ref().is_some_and(|m| m.configured) {
        h.step();
        assert!(Instant::now() < deadline, "settings never applied");
        std::thread::sleep(Duration::from_millis(10));
    }
    let written = std::fs::read_to_string(config_file).unwrap();
    assert!(written.contains("client_id = \"my-x-app\""), "{written}");
    h.step();
    assert!(
        h.query_by_label("Sign in with X").is_some(),
        "configured: sign in is offered"
    );
}

/// The desktop entry's `Exec=x-uploader %F` on a copy not yet connected to
/// an X app: the files wait, and "Try practice mode" takes them along.
#[test]
fn files_opened_before_signing_in_wait_and_come_along_into_practice_mode() {
    let dir = temp_dir();
    let files = Files::new();
    let photo = files.jpeg("Team photo.jpg", None);
    let video = files.video("launch.mp4", 3.0, 400_000);
    let paths = Paths {
        config_dir: dir.path().join("config"),
        data_dir: dir.path().join("data"),
        autostart_dir: None,
    };
    let service = format!("x-uploader-test-{}", rand::random::<u32>());
    let config = Config::from_parts(paths, FileConfig::default(), &move |k| {
        (k == "X_UPLOADER_KEYRING_SERVICE").then(|| service.clone())
    });
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = AppOptions {
        service: ServiceOptions {
            config,
            practice: false,
            files: vec![photo.clone(), video.clone()],
            open_browser: false,
            practice_auto_approve: false,
            practice_processing_secs: 1.0,
            practice_redirect_uris: Some(vec![format!("http://127.0.0.1:{port}/callback")]),
            practice_bandwidth_mbps: None,
            clock: Default::default(),
        },
        perf_log: None,
    };
    let mut h = Harness::builder()
        .with_size([720.0, 800.0])
        .build_eframe(move |cc| App::new(cc, options.clone()));
    let wait = |h: &mut Harness<'static, App>, what: &str, done: &dyn Fn(&App) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done(h.state()) {
            h.step();
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
        h.step();
    };
    wait(&mut h, "both files wait", &|app| app.model.tiles.len() == 2);
    assert!(
        h.query_by_label_contains("Waiting to upload: Team photo.jpg, launch.mp4")
            .is_some()
    );
    h.get_by_label("Try practice mode").click();
    wait(&mut h, "practice mode is on", &|app| {
        app.model
            .mode
            .as_ref()
            .is_some_and(|m| m.practice_base.is_some())
    });
    wait(&mut h, "the files came along", &|app| {
        app.model.tiles.len() == 2
    });
    let names: Vec<String> = h
        .state()
        .model
        .tiles
        .iter()
        .map(|t| t.name.clone())
        .collect();
    assert_eq!(names, ["Team photo.jpg", "launch.mp4"]);
    assert!(h.query_by_label("Sign in with X").is_some());
    assert!(
        h.query_by_label_contains("Waiting to upload: Team photo.jpg, launch.mp4")
            .is_some()
    );
    // They moved: the real draft no longer holds them, the practice one does.
    let drafts = std::fs::read_dir(dir.path().join("data/drafts"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                // (a temp file may be renamed away meanwhile)
                std::fs::read_to_string(e.path()).unwrap_or_default(),
            )
        })
        .collect::<Vec<_>>();
    // A draft being replaced shows as `*.tmp` for a moment: not a draft.
    let holding: Vec<&str> = drafts
        .iter()
        .filter(|(name, text)| !name.ends_with(".tmp") && text.contains("launch.mp4"))
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(holding.len(), 1, "{drafts:?}");
    assert!(holding[0].contains("practice"), "{drafts:?}");
}

#[test]
fn quitting_mid_upload_then_reopening_offers_to_continue() {
    let dir = temp_dir();
    let mut setup = Setup::new(&dir);
    setup.bandwidth_mbps = Some(30.0);
    setup.processing_secs = 0.5;
    let files = Files::new();
    let video = files.video("launch.mp4", 10.0, 16 * MIB);
    let media_id;
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
        media_id = gui.inspect("requests?endpoint=append")["requests"][0]["media_id"]
            .as_str()
            .unwrap()
            .to_string();
        // The window closes here, mid-upload.
    }
    let mut gui = Gui::start(&setup);
    gui.until("it offers to continue", |app| {
        matches!(app.model.tiles.first().map(|t| &t.state), Some(MediaState::Interrupted(p)) if *p >= 50)
    });
    assert!(
        gui.harness
            .query_by_label_contains("Continue uploading launch.mp4 (")
            .is_some()
    );
    gui.until("signed in again from the keychain", |app| {
        app.model.active.is_some()
    });
    gui.click("Continue");
    gui.until("the upload completes", all_ready);
    let media = gui.inspect(&format!("media/{media_id}"));
    assert_eq!(
        media["sha256"],
        sha256_of(&video),
        "the same media id, completed"
    );
    let again = media["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["receipts"].as_u64().unwrap() > 1)
        .count();
    assert!(
        again <= 3,
        "only segments in flight at the quit were sent again ({again})"
    );
    assert_eq!(
        gui.requests_to("initialize"),
        0,
        "no new upload was started"
    );
    // Once in the draft, the journal entry is gone.
    let journal = dir.path().join("data/journal");
    assert_eq!(
        std::fs::read_dir(journal).map(|d| d.count()).unwrap_or(0),
        0
    );
}

#[test]
fn a_video_tile_shows_a_picture_from_it_and_what_it_is() {
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    gui.sign_in(NEWS);
    let files = Files::new();
    let video = files.path("IMG_0042.mov");
    let made = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-y",
            "-f",
            "lavfi",
        ])
        .args([
            "-i",
            "testsrc2=size=320x240:rate=30:duration=2",
            "-f",
            "lavfi",
        ])
        .args([
            "-i",
            "sine=sample_rate=48000:duration=2",
            "-c:v",
            "libx264",
            "-c:a",
            "aac",
        ])
        .arg(&video)
        .status()
        .expect("ffmpeg runs (scripts/test.sh installs it)");
    assert!(made.success());
    gui.drop_files(std::slice::from_ref(&video));
    gui.until("a picture from the video", |app| {
        app.model
            .tiles
            .first()
            .is_some_and(|t| app.textures.contains_key(&t.key))
    });
    let tile = &gui.app().model.tiles[0];
    let picture = &gui.app().textures[&tile.key];
    assert_eq!(picture.size(), [320, 240]);
    let details = tile.info.as_ref().and_then(|i| i.details.clone());
    assert_eq!(
        details.as_deref(),
        Some("H.264, 320×240, 30 fps, 0:02, AAC sound (QuickTime MOV)")
    );
    gui.until("uploaded", all_ready);
}

#[test]
fn a_refusal_of_the_x_app_shows_the_administrators_message() {
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    gui.sign_in(NEWS);
    gui.control(
        "fail-next",
        json!({
            "endpoint": "create_tweet",
            "status": 403,
            "body": json!({
                "title": "Client Forbidden",
                "type": "https://api.twitter.com/2/problems/client-forbidden",
                "reason": "client-not-enrolled",
                "registration_url": "https://developer.x.com/en/portal/projects-and-apps",
                "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.",
            }).to_string(),
        }),
    );
    gui.type_post("Hello from the office");
    gui.click("Post");
    gui.until("the post is refused", |app| {
        matches!(app.model.post, PostState::Failed(_))
    });
    gui.harness.step();
    assert!(
        gui.harness
            .query_by_label_contains("For your administrator: attach the X app to a Project")
            .is_some(),
        "{:?}",
        gui.app().model.post
    );
    assert!(
        gui.harness
            .query_by_label_contains("https://developer.x.com/en/portal/projects-and-apps")
            .is_some()
    );
}

#[test]
fn a_sign_in_that_never_comes_back_names_the_callback_url_to_register() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let mut gui = Gui::start(&setup);
    gui.harness.state_mut().view.sign_in_hint_after = Some(Duration::from_millis(300));
    gui.click("Sign in with X");
    gui.until("the app waits for the browser", |app| {
        matches!(app.model.sign_in, SignIn::Waiting { .. })
    });
    assert!(gui.harness.query_by_label("Copy callback URL").is_none());
    let hint = format!(
        "your administrator must register {} as a Callback URI",
        setup.redirect
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while gui.harness.query_by_label_contains(&hint).is_none() {
        assert!(Instant::now() < deadline, "no hint about the callback URL");
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(30));
    }
    gui.click("Copy callback URL");
    assert!(
        gui.harness
            .query_by_label_contains("The callback URL is on the clipboard")
            .is_some()
    );
    gui.click("Cancel");
}

#[test]
fn check_setup_in_settings_lists_each_check() {
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    gui.open_settings();
    // Down to it (the page scrolls there over a few frames).
    gui.harness.get_by_label("Check setup").scroll_to_me();
    for _ in 0..20 {
        gui.harness.step();
    }
    gui.click("Check setup");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !matches!(gui.app().model.setup_check, Some(Some(_))) {
        assert!(Instant::now() < deadline, "the check never ended");
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(30));
    }
    gui.harness.step();
    let base = gui.base();
    let host = base.trim_start_matches("http://");
    // Practice mode: the practice server and its app are checked.
    for line in [
        "OK — Client id: practice-public".to_string(),
        format!("OK — X reachable: {host} answers"),
        "OK — Keychain: reachable and unlocked".to_string(),
        "Problem — Sign-in:".to_string(),
    ] {
        assert!(
            gui.harness.query_by_label_contains(&line).is_some(),
            "no line {line:?}: {:?}",
            gui.app().model.setup_check
        );
    }
}
