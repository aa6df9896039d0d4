//! A scheduled post that fails for a reason that may pass (X's servers
//! failing) tries again by itself a minute later, by the service's clock,
//! and the queue says when; one X refuses is not tried again, and the
//! queue says what to do.

use std::time::Duration;

use egui_kittest::kittest::Queryable as _;
use serde_json::json;
use x_uploader::core::service::QueueState;

use super::schedule::HOUR;
use super::schedule_thread::until_posts;
use super::thread::stored;
use super::{Gui, Setup};
use crate::support::*;

const MINUTE: Duration = Duration::from_secs(60);

/// The first queue item's state once `pick` finds it.
fn state_of<T>(gui: &mut Gui, what: &str, pick: impl Fn(&QueueState) -> Option<T>) -> T {
    gui.until(what, |app| {
        app.model
            .queue
            .first()
            .and_then(|q| pick(&q.state))
            .is_some()
    });
    pick(&gui.app().model.queue[0].state).unwrap()
}

#[test]
fn a_failure_that_may_pass_is_tried_again_and_a_refusal_says_what_to_do() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    gui.type_post("Doors open at ten");
    gui.post_at(HOUR);
    gui.until_waiting();
    // X's servers fail twice: at the time, and at the first try again.
    gui.control(
        "fail-next",
        json!({ "endpoint": "create_tweet", "status": 503, "count": 2 }),
    );
    setup.clock.advance(HOUR);
    let retrying = |s: &QueueState| match s {
        QueueState::Retrying(w) => Some(w.clone()),
        _ => None,
    };
    let first = state_of(&mut gui, "it will try again", retrying);
    assert!(first.starts_with("Couldn't post at "), "{first}");
    assert!(first.contains(". Trying again at "), "{first}");
    assert!(gui.harness.query_by_label(&first).is_some(), "on show");
    gui.nothing_posted_for(2.0);
    assert_eq!(gui.requests_to("create_tweet"), 1);

    // A minute on it tries again, fails again, and waits 5 minutes.
    setup.clock.advance(MINUTE);
    gui.until(
        "it tried again",
        |app| matches!(&app.model.queue[0].state, QueueState::Retrying(w) if *w != first),
    );
    assert_eq!(gui.requests_to("create_tweet"), 2);
    setup.clock.advance(2 * MINUTE);
    gui.nothing_posted_for(2.0);
    assert_eq!(gui.requests_to("create_tweet"), 2, "not before its time");
    setup.clock.advance(3 * MINUTE);
    until_posts(&mut gui, 1);
    gui.until("the queue empties", |app| app.model.queue.is_empty());
    std::thread::sleep(Duration::from_millis(500));
    let posts = stored(&gui);
    assert_eq!(posts.len(), 1, "posted once");
    assert_eq!(posts[0]["text"], "Doors open at ten");

    // X refuses the next one: it stays, says what to do, no try again.
    gui.type_post("The stand is in hall 4");
    gui.post_at(HOUR);
    gui.until_waiting();
    gui.control(
        "fail-next",
        json!({
            "endpoint": "create_tweet",
            "status": 403,
            "body": r#"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#,
        }),
    );
    let before = gui.requests_to("create_tweet");
    setup.clock.advance(HOUR);
    let failed = |s: &QueueState| match s {
        QueueState::Failed(w) => Some(w.clone()),
        _ => None,
    };
    let why = state_of(&mut gui, "it failed", failed);
    assert!(why.starts_with("Couldn't post at "), "{why}");
    assert!(why.ends_with("Edit the post, or Cancel it."), "{why}");
    setup.clock.advance(30 * MINUTE);
    for _ in 0..40 {
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        gui.requests_to("create_tweet") - before,
        1,
        "a refusal isn't tried again"
    );
    assert_eq!(stored(&gui).len(), 1);
}
