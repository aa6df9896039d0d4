//! Stopping: Cancel reaches a request X holds open without answering, and
//! a rate limit that lifts only after X's 15-minute window is not waited on.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;
use x_uploader::core::engine::{Engine, EngineConfig};
use x_uploader::core::limits::AccountTier;
use x_uploader::core::media::check::check_file;
use x_uploader::core::secret::Secret;
use x_uploader::core::xclient::{ErrorKind, RetryConfig, StaticToken, XClient};

use crate::support::*;

fn engine(base: &str, token: &str) -> Arc<Engine> {
    let tokens = Arc::new(StaticToken(Secret::new(token)));
    let client = XClient::new(base, tokens, RetryConfig::default()).unwrap();
    let (tx, _rx) = mpsc::unbounded_channel();
    Engine::new(Arc::new(client), EngineConfig::default(), tx)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn cancel_during_a_stalled_initialize_ends_the_upload_within_2_s() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    // X holds the INITIALIZE open for a minute without a word.
    api.control(
        "fail-next",
        json!({ "endpoint": "initialize", "stall_secs": 60 }),
    );
    let files = Files::new();
    let photo = files.jpeg("held.jpg", Some(100_000));
    let media = check_file(&photo, AccountTier::Standard).unwrap();
    let engine = engine(server.base_url(), &t.access);
    let (result, took) = runtime().block_on(async {
        let id = engine.start(media, None);
        // Let the request reach the server and stall there.
        tokio::time::sleep(Duration::from_millis(700)).await;
        let cancelled_at = Instant::now();
        engine.cancel(id);
        let result = tokio::time::timeout(Duration::from_secs(10), engine.wait(id))
            .await
            .expect("the upload ends after Cancel");
        (result, cancelled_at.elapsed())
    });
    let e = result.expect_err("a cancelled upload is no upload");
    assert_eq!(e.kind, ErrorKind::Cancelled, "{}", e.message);
    assert!(took < Duration::from_secs(2), "Cancel took {took:?}");
    eprintln!("Cancel during a stalled INITIALIZE ended the upload in {took:?}");
    let inits = api.inspect("requests?endpoint=initialize")["requests"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert_eq!(inits, 0, "the stalled INITIALIZE never got an answer");
}

#[test]
fn a_429_that_lifts_after_15_minutes_is_not_waited_on() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    api.control(
        "fail-next",
        json!({ "endpoint": "initialize", "status": 429,
                "body": "{\"title\":\"Too Many Requests\"}", "reset_in_secs": 3600 }),
    );
    let files = Files::new();
    let photo = files.jpeg("capped.jpg", Some(100_000));
    let media = check_file(&photo, AccountTier::Standard).unwrap();
    let engine = engine(server.base_url(), &t.access);
    let started = Instant::now();
    let result = runtime().block_on(async {
        let id = engine.start(media, None);
        engine.wait(id).await
    });
    let e = result.expect_err("an hour's limit is not waited out");
    assert_eq!(e.kind, ErrorKind::RateLimited, "{}", e.message);
    assert!(e.message.contains("try again at"), "{}", e.message);
    assert!(started.elapsed() < Duration::from_secs(5));
}
