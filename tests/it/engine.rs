//! The upload engine and X client against the in-process practice server.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;
use x_uploader::core::auth::oauth::TokenSet;
use x_uploader::core::engine::post::{self, PostItem};
use x_uploader::core::engine::{Engine, EngineConfig, Event, UploadId};
use x_uploader::core::limits::{AccountTier, MIB};
use x_uploader::core::media::check::{CheckedMedia, check_file};
use x_uploader::core::practice::{PracticeOptions, PracticeServer};
use x_uploader::core::secret::Secret;
use x_uploader::core::xclient::{
    ErrorKind, RetryConfig, RetryReason, StaticToken, TokenSource, XClient,
};

use crate::support::*;

fn quiet(_: x_uploader::core::xclient::RetryNotice) {}

fn fast_retry() -> RetryConfig {
    RetryConfig {
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(500),
        ..RetryConfig::default()
    }
}

fn client(server: &PracticeServer, tokens: Arc<dyn TokenSource>) -> Arc<XClient> {
    Arc::new(XClient::new(server.base_url(), tokens, fast_retry()).unwrap())
}

fn static_client(server: &PracticeServer, token: &str) -> Arc<XClient> {
    client(server, Arc::new(StaticToken(Secret::new(token))))
}

/// An engine whose events are collected.
struct Rig {
    engine: Arc<Engine>,
    events: mpsc::UnboundedReceiver<Event>,
}

impl Rig {
    /// The next event that `pick` takes; a test fails, not hangs, when it
    /// never comes.
    async fn next<T>(&mut self, what: &str, pick: impl Fn(Event) -> Option<T>) -> T {
        let found = async {
            loop {
                if let Some(t) = self.events.recv().await.and_then(&pick) {
                    return t;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(60), found)
            .await
            .unwrap_or_else(|_| panic!("no {what} within 60 s"))
    }

    fn new(client: Arc<XClient>, segment_bytes: u64, parallel: usize) -> Rig {
        let (tx, events) = mpsc::unbounded_channel();
        Rig {
            engine: Engine::new(
                client,
                EngineConfig {
                    segment_bytes,
                    parallel,
                },
                tx,
            ),
            events,
        }
    }

    fn drain(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        while let Ok(e) = self.events.try_recv() {
            out.push(e);
        }
        out
    }
}

fn checked(path: &std::path::Path) -> CheckedMedia {
    check_file(path, AccountTier::Standard).expect("test file passes the checks")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn ten_uploads_survive_ten_percent_faults_without_starting_over() {
    let server = server(PracticeOptions {
        fault_rate: 0.1,
        seed: 7,
        processing_secs: 0.0,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let paths: Vec<_> = (0..10)
        .map(|i| files.video(&format!("v{i}.mp4"), 5.0, 20 * MIB + i * 1000))
        .collect();
    let mut rig = Rig::new(static_client(&server, &t.access), 4 * MIB, 3);
    let done = runtime().block_on(async {
        let ids: Vec<_> = paths
            .iter()
            .map(|p| rig.engine.start(checked(p), None))
            .collect();
        let mut done = Vec::new();
        for id in ids {
            done.push(
                rig.engine
                    .wait(id)
                    .await
                    .expect("upload completes despite faults"),
            );
        }
        done
    });
    for (path, u) in paths.iter().zip(&done) {
        let media = api.inspect(&format!("media/{}", u.media_id));
        assert_eq!(media["sha256"], sha256_of(path), "{}", u.name);
    }
    let counts = api.inspect("requests")["counts"].clone();
    assert_eq!(counts["initialize"], 10, "no upload started over: {counts}");
    let faults = api.inspect("faults")["faults"].as_array().unwrap().len();
    assert!(faults > 0, "faults were injected");
    let events = rig.drain();
    let retries = events
        .iter()
        .filter(|e| matches!(e, Event::Retrying { index: Some(_), .. }))
        .count();
    assert_eq!(
        retries, faults,
        "every injected fault shows as a retry event"
    );
    let reasons: HashSet<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Retrying { reason, .. } => Some(
                format!("{reason:?}")
                    .split([' ', '{'])
                    .next()
                    .unwrap()
                    .to_string(),
            ),
            _ => None,
        })
        .collect();
    assert!(
        reasons.len() >= 2,
        "different faults, different reasons: {reasons:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::StartingOver { .. }))
    );
}

#[test]
fn token_expiring_mid_upload_is_refreshed_once_and_the_upload_continues() {
    let server = server(PracticeOptions {
        bandwidth_mbps: Some(40.0),
        processing_secs: 0.0,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let stored = Arc::new(std::sync::Mutex::new(Vec::<TokenSet>::new()));
    let tokens = refreshing(&api, &t, {
        let stored = stored.clone();
        Box::new(move |t: &TokenSet| {
            stored.lock().unwrap().push(t.clone());
            Ok(())
        })
    });
    let files = Files::new();
    let video = files.video("v.mp4", 5.0, 12 * MIB);
    let mut rig = Rig::new(client(&server, tokens.clone()), MIB, 3);
    let uploaded = runtime().block_on(async {
        let id = rig.engine.start(checked(&video), None);
        // After a few segments, X expires the token (as 2 hours would).
        rig.next("third segment", |e| {
            matches!(e, Event::SegmentDone { index: 2, .. }).then_some(())
        })
        .await;
        api_control_async(&api.base, "expire-tokens", json!({})).await;
        rig.engine.wait(id).await
    });
    let uploaded = uploaded.expect("upload continues after the refresh");
    assert_eq!(
        tokens.refresh_count(),
        1,
        "concurrent 401s share one refresh"
    );
    assert_eq!(
        stored.lock().unwrap().len(),
        1,
        "the rotated tokens were stored"
    );
    let log = api.inspect("requests?endpoint=append");
    let unauthorized = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == 401)
        .count();
    assert!(unauthorized >= 1, "X said 401 at least once");
    let media = api.inspect(&format!("media/{}", uploaded.media_id));
    assert_eq!(media["sha256"], sha256_of(&video));
}

/// A control call from inside the runtime (the blocking client can't run there).
async fn api_control_async(base: &str, path: &str, body: serde_json::Value) {
    x_uploader::core::xclient::install_tls();
    let r = reqwest::Client::new()
        .post(format!("{base}/_practice/{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn refused_refresh_says_the_sign_in_ended() {
    let server = server(PracticeOptions {
        single_grant: true,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let first = api.login();
    let _second = api.login(); // revokes the first grant (one live grant per app and user)
    let tokens = refreshing(&api, &first, Box::new(|_| Ok(())));
    let c = client(&server, tokens);
    let err = runtime().block_on(c.me(&quiet)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::SignInEnded);
    assert!(
        err.message
            .contains("Your X sign-in for @practice_news has ended"),
        "{}",
        err.message
    );
}

#[test]
fn pause_resume_and_cancel_one_upload_while_another_goes_on() {
    let server = server(PracticeOptions {
        bandwidth_mbps: Some(60.0),
        processing_secs: 0.0,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let a = files.video("a.mp4", 3.0, 10 * MIB);
    let b = files.video("b.mp4", 3.0, 6 * MIB);
    let c = files.video("c.mp4", 3.0, 6 * MIB);
    let mut rig = Rig::new(static_client(&server, &t.access), MIB, 2);
    runtime().block_on(async {
        let ia = rig.engine.start(checked(&a), None);
        let ib = rig.engine.start(checked(&b), None);
        let ic = rig.engine.start(checked(&c), None);
        let (mut paused, mut resumed, mut cancelled, mut b_ready) = (false, false, false, false);
        let mut c_cancel_sent = false;
        while let Some(e) = rig.events.recv().await {
            match e {
                // Pause a once it is under way; cancel c once it is.
                Event::SegmentDone { id, .. } if id == ia && !paused && !resumed => {
                    rig.engine.pause(ia);
                }
                Event::SegmentDone { id, .. } if id == ic && !c_cancel_sent => {
                    rig.engine.cancel(ic);
                    c_cancel_sent = true;
                }
                Event::Paused { id } if id == ia => {
                    paused = true;
                    if b_ready {
                        rig.engine.resume(ia);
                    }
                }
                Event::SegmentDone { id, .. } if id == ia && paused && !resumed => {
                    panic!("a paused upload sends nothing")
                }
                // b goes on while a is paused; when b is done, resume a.
                Event::Ready { id, .. } if id == ib => {
                    b_ready = true;
                    if paused {
                        rig.engine.resume(ia);
                    }
                }
                Event::Resumed { id } if id == ia => resumed = true,
                Event::Cancelled { id } if id == ic => cancelled = true,
                Event::Ready { id, .. } if id == ia => break,
                _ => {}
            }
        }
        assert!(paused, "a was paused");
        assert!(resumed, "a was resumed");
        assert!(cancelled, "c was cancelled");
        let ua = rig.engine.wait(ia).await.unwrap();
        let ub = rig.engine.wait(ib).await.unwrap();
        let err = rig.engine.wait(ic).await.unwrap_err();
        assert!(err.message.contains("cancelled"), "{}", err.message);
        assert_eq!(api_media_sha(&api.base, &ua.media_id).await, sha256_of(&a));
        assert_eq!(api_media_sha(&api.base, &ub.media_id).await, sha256_of(&b));
    });
}

async fn api_media_sha(base: &str, media_id: &str) -> String {
    let v: serde_json::Value = reqwest::get(format!("{base}/_practice/media/{media_id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["sha256"].as_str().unwrap_or_default().to_string()
}

#[test]
fn out_of_order_refusal_falls_back_to_sending_in_order() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    api.control("out-of-order", json!({ "refuse": true }));
    api.control("settings", json!({ "latency_ms": 30 }));
    let files = Files::new();
    let video = files.video("v.mp4", 3.0, 8 * MIB);
    let mut rig = Rig::new(static_client(&server, &t.access), MIB / 2, 4);
    let done = runtime()
        .block_on(async {
            let id = rig.engine.start(checked(&video), None);
            rig.engine.wait(id).await
        })
        .expect("completes in order");
    assert_eq!(
        api.inspect(&format!("media/{}", done.media_id))["sha256"],
        sha256_of(&video)
    );
    let events = rig.drain();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Retrying {
            reason: RetryReason::OutOfOrderRefused,
            ..
        }
    )));
}

#[test]
fn a_413_starts_over_with_half_the_segment_size() {
    let server = server(PracticeOptions {
        max_body_bytes: Some(3 * MIB),
        processing_secs: 0.0,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let video = files.video("v.mp4", 3.0, 9 * MIB);
    let mut rig = Rig::new(static_client(&server, &t.access), 4 * MIB, 2);
    let done = runtime()
        .block_on(async {
            let id = rig.engine.start(checked(&video), None);
            rig.engine.wait(id).await
        })
        .expect("completes with smaller segments");
    let media = api.inspect(&format!("media/{}", done.media_id));
    assert_eq!(media["sha256"], sha256_of(&video));
    assert_eq!(
        media["segments"].as_array().unwrap().len(),
        5,
        "2 MiB segments"
    );
    let events = rig.drain();
    assert!(events.iter().any(
        |e| matches!(e, Event::StartingOver { segment_bytes, .. } if *segment_bytes == 2 * MIB)
    ));
}

#[test]
fn rate_limit_waits_until_reset_and_says_until_when() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    api.control("fail-next", json!({ "endpoint": "append", "status": 429, "body": "{\"title\":\"Too Many Requests\"}", "reset_in_secs": 1 }));
    let files = Files::new();
    let photo = files.jpeg("p.jpg", Some(200_000));
    let mut rig = Rig::new(static_client(&server, &t.access), MIB, 1);
    let started = std::time::Instant::now();
    runtime()
        .block_on(async {
            let id = rig.engine.start(checked(&photo), None);
            rig.engine.wait(id).await
        })
        .expect("continues after the reset");
    assert!(started.elapsed() >= Duration::from_millis(900));
    let events = rig.drain();
    let described: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Retrying { reason, .. } => Some(reason.describe()),
            _ => None,
        })
        .collect();
    assert_eq!(described.len(), 1);
    assert!(
        described[0].starts_with("X limits uploads right now — continuing at "),
        "{described:?}"
    );
}

#[test]
fn a_400_is_never_retried_and_processing_failure_says_why() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    api.control(
        "fail-next",
        json!({ "endpoint": "finalize", "status": 400, "body": "{\"errors\":[{\"message\":\"Segments do not add up to provided total file size.\"}]}" }),
    );
    let files = Files::new();
    let video = files.video("v.mp4", 2.0, MIB);
    let mut rig = Rig::new(static_client(&server, &t.access), MIB, 2);
    let rt = runtime();
    let err = rt
        .block_on(async {
            let id = rig.engine.start(checked(&video), None);
            rig.engine.wait(id).await
        })
        .unwrap_err();
    assert!(
        err.message.contains("Segments do not add up"),
        "{}",
        err.message
    );
    assert!(
        !rig.drain()
            .iter()
            .any(|e| matches!(e, Event::Retrying { .. }))
    );
    assert_eq!(
        api.inspect("requests?endpoint=finalize")["requests"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Processing that fails at X ends the upload with X's reason.
    let err = rt
        .block_on(async {
            let id = rig.engine.start(checked(&video), None);
            let media_id = rig
                .next("MediaCreated", |e| match e {
                    Event::MediaCreated { media_id, .. } => Some(media_id),
                    _ => None,
                })
                .await;
            api_control_async(
                &api.base,
                "fail-processing",
                json!({ "media_id": media_id, "message": "InvalidMedia: practice reason" }),
            )
            .await;
            rig.engine.wait(id).await
        })
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::ProcessingFailed);
    assert!(
        err.message
            .contains("X could not process v.mp4: InvalidMedia: practice reason"),
        "{}",
        err.message
    );
}

#[test]
fn processing_is_polled_no_sooner_than_check_after_secs() {
    let server = server(PracticeOptions {
        processing_secs: 3.0,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let video = files.video("v.mp4", 2.0, MIB);
    let mut rig = Rig::new(static_client(&server, &t.access), MIB, 2);
    let done = runtime()
        .block_on(async {
            let id = rig.engine.start(checked(&video), None);
            rig.engine.wait(id).await
        })
        .unwrap();
    let media = api.inspect(&format!("media/{}", done.media_id));
    assert_eq!(media["early_status_polls"], 0);
    assert!(media["status_polls"].as_u64().unwrap() >= 2);
    let percents: Vec<Option<u32>> = rig
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            Event::Processing { percent, .. } => Some(percent),
            _ => None,
        })
        .collect();
    assert_eq!(percents.last(), Some(&Some(100)));
    assert!(
        percents.iter().flatten().any(|p| *p > 0 && *p < 100),
        "{percents:?}"
    );
}

#[test]
fn lost_post_answer_is_checked_against_recent_posts_never_resent() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let c = static_client(&server, &t.access);
    let rt = runtime();
    let me = rt.block_on(c.me(&quiet)).unwrap();
    // X creates the post but the answer is lost.
    api.control(
        "fail-next",
        json!({ "endpoint": "create_tweet", "status": 0, "after_handling": true }),
    );
    let found = rt
        .block_on(post::create_post_once(
            &c,
            &me,
            "did it go out?",
            &[],
            &Default::default(),
            &quiet,
        ))
        .expect("found among recent posts");
    let posts = api.inspect("posts")["posts"].as_array().unwrap().clone();
    assert_eq!(posts.len(), 1, "posted exactly once");
    assert_eq!(posts[0]["id"].as_str().unwrap(), found.id);

    // The request is lost before X sees it: the user is told, nothing twice.
    api.control(
        "fail-next",
        json!({ "endpoint": "create_tweet", "status": 0 }),
    );
    let err = rt
        .block_on(post::create_post_once(
            &c,
            &me,
            "second",
            &[],
            &Default::default(),
            &quiet,
        ))
        .unwrap_err();
    assert!(
        err.message
            .contains("it is not on @practice_news's profile, so nothing was posted"),
        "{}",
        err.message
    );
    assert_eq!(api.inspect("posts")["posts"].as_array().unwrap().len(), 1);
    assert_eq!(
        api.inspect("requests?endpoint=create_tweet")["requests"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn publish_uploads_sets_alt_texts_and_posts_once() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let c = static_client(&server, &t.access);
    let mut rig = Rig::new(c.clone(), MIB, 3);
    let rt = runtime();
    let me = rt.block_on(c.me(&quiet)).unwrap();
    let items: Vec<PostItem> = (0..3)
        .map(|i| {
            PostItem::new(
                checked(&files.jpeg(&format!("p{i}.jpg"), Some(300_000))),
                Some(format!("photo number {i}")),
            )
        })
        .collect();
    let published = rt
        .block_on(post::publish(
            &rig.engine,
            &me,
            "three photos",
            items,
            None,
            &quiet,
        ))
        .unwrap();
    assert_eq!(
        published.url,
        format!("https://x.com/practice_news/status/{}", published.post_id)
    );
    for (i, m) in published.media.iter().enumerate() {
        assert_eq!(
            api.inspect(&format!("media/{}", m.media_id))["alt_text"],
            format!("photo number {i}")
        );
    }
    let ids: Vec<UploadId> = rig
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            Event::Ready { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 3);
}

#[test]
fn pause_and_cancel_work_while_someone_waits_for_the_upload() {
    let server = server(PracticeOptions {
        bandwidth_mbps: Some(40.0),
        processing_secs: 0.0,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let video = files.video("v.mp4", 3.0, 8 * MIB);
    let mut rig = Rig::new(static_client(&server, &t.access), MIB, 2);
    runtime().block_on(async {
        let id = rig.engine.start(checked(&video), None);
        let engine = rig.engine.clone();
        let waiting = tokio::spawn(async move { engine.wait(id).await });
        rig.next("a segment", |e| {
            matches!(e, Event::SegmentDone { .. }).then_some(())
        })
        .await;
        rig.engine.pause(id);
        rig.next("Paused", |e| {
            matches!(e, Event::Paused { .. }).then_some(())
        })
        .await;
        rig.engine.cancel(id);
        let err = tokio::time::timeout(Duration::from_secs(20), waiting)
            .await
            .expect("wait() returns after a cancel")
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Cancelled);
    });
}
