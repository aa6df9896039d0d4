//! How long a scheduled post keeps trying by itself: its uploads, until
//! its time (a refused one waits for "Try again", which posts nothing
//! early); its posting, until an hour past its time.

use std::time::Duration;

use serde_json::json;
use x_uploader::core::service::QueueState;

use super::schedule::HOUR;
use super::schedule_thread::until_posts;
use super::thread::stored;
use super::{Gui, Setup};
use crate::support::*;

const MINUTE: Duration = Duration::from_secs(60);

/// The queue's upload records as if the upload had been stopped before
/// X held anything (the window closed early on).
fn forget_uploads(setup: &Setup) {
    for e in std::fs::read_dir(setup.home.join("data/journal")).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("upload-") && name.ends_with(".json") {
            let mut record: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            record["media_id"] = json!(null);
            record["expires_at"] = json!(null);
            record["ready"] = json!(false);
            record["acked"] = json!([]);
            std::fs::write(&path, serde_json::to_vec(&record).unwrap()).unwrap();
        }
    }
}

/// Move the clock on, and wait until the queue's item tried once more
/// and the queue says what came of it.
fn next_try(gui: &mut Gui, setup: &Setup, endpoint: &str, after: Duration) {
    let before = gui.requests_to(endpoint);
    let state = gui.app().model.queue[0].state.clone();
    setup.clock.advance(after);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while gui.requests_to(endpoint) == before
        || gui.app().model.queue[0].state == state
        || gui.app().model.queue[0].state == QueueState::Posting
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{endpoint} tried again: {:?}",
            gui.app().model.queue
        );
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn retrying(app: &x_uploader::ui::app::App) -> bool {
    matches!(
        app.model.queue.first().map(|q| &q.state),
        Some(QueueState::Retrying(_))
    )
}

#[test]
fn uploads_keep_trying_until_the_time_and_try_again_posts_nothing_early() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let files = Files::new();
    let photo = files.jpeg("team.jpg", Some(300_000));
    {
        let mut gui = Gui::start(&setup);
        gui.sign_in(BRAND);
        gui.schedule_photo(&photo, "Our team at the stand", 3 * HOUR);
        gui.until_waiting();
    }
    forget_uploads(&setup);
    // Opened again, signed out (another keychain entry), so nothing starts
    // before X is told to refuse the upload.
    let later = Setup {
        service: format!("x-uploader-test-{}", rand::random::<u32>()),
        ..setup.clone()
    };
    let mut gui = Gui::start(&later);
    gui.control(
        "fail-next",
        json!({ "endpoint": "initialize", "status": 400, "count": 1 }),
    );
    gui.sign_in(BRAND);
    gui.until("the refused upload says what to do", |app| {
        matches!(app.model.queue.first().map(|q| &q.state), Some(QueueState::Failed(w))
            if w.starts_with("Couldn't upload its files at ")
                && w.ends_with("Press Try again to upload them again for its time, or Edit the post."))
    });
    assert!(gui.app().model.queue[0].try_again);
    // X's limit then holds it up for longer than three tries.
    gui.control(
        "fail-next",
        json!({ "endpoint": "initialize", "status": 429, "reset_in_secs": 1200, "count": 4 }),
    );
    let label = gui.queue_label(0);
    gui.click(&format!("Try again: {label}"));
    gui.until("it tries again by itself", retrying);
    assert!(stored(&gui).is_empty(), "Try again posts nothing early");
    next_try(&mut gui, &setup, "initialize", 21 * MINUTE);
    next_try(&mut gui, &setup, "initialize", 6 * MINUTE);
    next_try(&mut gui, &setup, "initialize", 16 * MINUTE);
    gui.until("still trying, the time is hours away", retrying);
    setup.clock.advance(16 * MINUTE);
    gui.until("uploaded at last", |app| {
        app.model.queue[0].state == QueueState::Waiting
    });
    assert!(stored(&gui).is_empty(), "nothing early");
    // 59 minutes on so far: to a few minutes past the time.
    setup.clock.advance(2 * HOUR + 5 * MINUTE);
    until_posts(&mut gui, 1);
    gui.until("the queue empties", |app| app.model.queue.is_empty());
    assert_eq!(stored(&gui).len(), 1, "posted once");
}

#[test]
fn posting_keeps_trying_for_an_hour_past_the_time() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    gui.type_post("Doors open at nine");
    gui.post_at(HOUR);
    gui.until_waiting();
    // Offline (X unreachable, as far as posting goes) for half an hour.
    gui.control(
        "fail-next",
        json!({ "endpoint": "create_tweet", "status": 503, "count": 5 }),
    );
    next_try(&mut gui, &setup, "create_tweet", HOUR);
    gui.until("it will try again", retrying);
    for wait in [1, 5, 15, 15] {
        next_try(&mut gui, &setup, "create_tweet", wait * MINUTE);
    }
    assert!(
        retrying(gui.app()),
        "still trying: {:?}",
        gui.app().model.queue[0]
    );
    setup.clock.advance(15 * MINUTE);
    until_posts(&mut gui, 1);
    gui.until("the queue empties", |app| app.model.queue.is_empty());
    assert_eq!(stored(&gui).len(), 1, "posted once");
}
