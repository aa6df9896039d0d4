//! Practice server: link shaping, faults, test controls, inspection and
//! state that survives a restart.

use std::time::{Duration, Instant};

use reqwest::blocking::multipart;
use serde_json::{Value, json};
use x_uploader::core::limits::MIB;
use x_uploader::core::practice::PracticeOptions;

use crate::support::*;

#[test]
fn bandwidth_cap_slows_request_bodies() {
    let server = server(PracticeOptions {
        bandwidth_mbps: Some(80.0),
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let body = vec![7u8; (8 * MIB) as usize];
    let started = Instant::now();
    // An 8 MiB one-shot upload: over the photo limit, but every byte crosses
    // the link before the answer.
    let r = api
        .http
        .post(api.url("/2/media/upload"))
        .bearer_auth(&t.access)
        .multipart(
            multipart::Form::new()
                .text("media_category", "tweet_image")
                .part("media", multipart::Part::bytes(body).file_name("big.jpg")),
        )
        .send()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(r.status(), 400);
    // 8 MiB at 80 Mbit/s is 0.84 s.
    assert!(took >= Duration::from_millis(800), "took {took:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn latency_is_added_to_each_request() {
    let server = server(PracticeOptions {
        latency_ms: 100,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(api.get(&t.access, "/2/users/me").status(), 200);
        assert!(started.elapsed() >= Duration::from_millis(100));
    }
}

/// Upload `data` in 1 MiB segments one at a time, retrying faults the way a
/// careful client would; returns the media id.
fn stubborn_upload(api: &Api, token: &str, data: &[u8]) -> String {
    let id = api.init_id(token, "video/mp4", data.len() as u64, "tweet_video");
    for (i, chunk) in data.chunks(MIB as usize).enumerate() {
        loop {
            match api
                .http
                .post(api.url(&format!("/2/media/upload/{id}/append")))
                .bearer_auth(token)
                .multipart(
                    multipart::Form::new()
                        .text("segment_index", i.to_string())
                        .part(
                            "media",
                            multipart::Part::bytes(chunk.to_vec()).file_name("b"),
                        ),
                )
                .send()
            {
                Ok(r) if r.status() == 200 => break,
                Ok(r) if r.status() == 429 => {
                    let reset: u64 = r.headers()["x-rate-limit-reset"]
                        .to_str()
                        .unwrap()
                        .parse()
                        .unwrap();
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_secs();
                    std::thread::sleep(Duration::from_secs(reset.saturating_sub(now)));
                }
                Ok(r) => assert_eq!(r.status(), 503, "unexpected {}", r.status()),
                Err(_) => {} // dropped connection: send again
            }
        }
    }
    id
}

#[test]
fn seeded_faults_repeat_in_two_runs_and_the_upload_survives_them() {
    let data = vec![3u8; (24 * MIB) as usize];
    let run = || {
        let server = server(PracticeOptions {
            fault_rate: 0.2,
            seed: 1,
            ..PracticeOptions::default()
        });
        let api = Api::new(&server);
        let t = api.login();
        let id = stubborn_upload(&api, &t.access, &data);
        assert_eq!(api.finalize(&t.access, &id).status(), 200);
        let faults = api.inspect("faults")["faults"].clone();
        let media = api.inspect(&format!("media/{id}"));
        (faults, media["size"].clone())
    };
    let (first, size1) = run();
    let (second, size2) = run();
    let kinds: Vec<&str> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(
        !kinds.is_empty(),
        "a 20% fault rate over 24 requests injects faults"
    );
    assert_eq!(first, second, "the same seed gives the same faults");
    assert_eq!(size1, json!(24 * MIB));
    assert_eq!(size2, json!(24 * MIB));
}

#[test]
fn fail_next_request_with_any_status_and_a_non_json_body() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let photo = files.jpeg("p.jpg", None);
    let data = std::fs::read(&photo).unwrap();
    let id = api.init_id(&t.access, "image/jpeg", data.len() as u64, "tweet_image");
    api.append(&t.access, &id, "0", data);
    api.control(
        "fail-next",
        json!({ "endpoint": "finalize", "status": 502, "body": "<html>Bad gateway</html>", "content_type": "text/html" }),
    );
    let r = api.finalize(&t.access, &id);
    assert_eq!(r.status(), 502);
    assert_eq!(r.text().unwrap(), "<html>Bad gateway</html>");
    assert_eq!(api.finalize(&t.access, &id).status(), 200);

    // Status 0: the connection is dropped without an answer.
    api.control("fail-next", json!({ "endpoint": "users_me", "status": 0 }));
    assert!(
        api.http
            .get(api.url("/2/users/me"))
            .bearer_auth(&t.access)
            .send()
            .is_err()
    );
    // A 429 with a reset time.
    api.control(
        "fail-next",
        json!({ "endpoint": "users_me", "status": 429, "body": "{}", "reset_in_secs": 30 }),
    );
    let r = api.get(&t.access, "/2/users/me");
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("x-rate-limit-reset"));
}

#[test]
fn fail_processing_and_expire_media_controls() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let video = files.video("v.mp4", 1.0, 50_000);
    let data = std::fs::read(&video).unwrap();
    let id = api.init_id(&t.access, "video/mp4", data.len() as u64, "tweet_video");
    api.control(
        "fail-processing",
        json!({ "media_id": id, "message": "InvalidMedia: practice failure" }),
    );
    api.append(&t.access, &id, "0", data.clone());
    api.finalize(&t.access, &id);
    let body = api.wait_processed(&t.access, &id);
    assert_eq!(body["data"]["processing_info"]["state"], "failed");
    assert_eq!(
        body["data"]["processing_info"]["error"]["message"],
        "InvalidMedia: practice failure"
    );

    let id = api.init_id(&t.access, "video/mp4", data.len() as u64, "tweet_video");
    api.control("expire-media", json!({ "media_id": id }));
    expect_error(api.append(&t.access, &id, "0", data), 400, "has expired");
}

#[test]
fn out_of_order_segments_can_be_refused() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let id = api.init_id(&t.access, "video/mp4", 30, "tweet_video");
    // Default: any order.
    assert_eq!(api.append(&t.access, &id, "1", vec![0; 10]).status(), 200);
    api.control("out-of-order", json!({ "refuse": true }));
    let id = api.init_id(&t.access, "video/mp4", 30, "tweet_video");
    expect_error(
        api.append(&t.access, &id, "1", vec![0; 10]),
        400,
        "expected segment_index 0",
    );
    assert_eq!(api.append(&t.access, &id, "0", vec![0; 10]).status(), 200);
    // Sending a received segment again is fine.
    assert_eq!(api.append(&t.access, &id, "0", vec![0; 10]).status(), 200);
    assert_eq!(api.append(&t.access, &id, "1", vec![0; 10]).status(), 200);
}

#[test]
fn going_dark_refuses_connections_then_comes_back_with_state() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let id = api.init_id(&t.access, "video/mp4", 30, "tweet_video");
    assert_eq!(api.append(&t.access, &id, "0", vec![0; 10]).status(), 200);
    api.control("go-dark", json!({ "secs": 1.5 }));
    std::thread::sleep(Duration::from_millis(200));
    x_uploader::core::xclient::install_tls();
    let fresh = reqwest::blocking::Client::new();
    assert!(
        fresh
            .get(api.url("/2/users/me"))
            .bearer_auth(&t.access)
            .send()
            .is_err()
    );
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(api.append(&t.access, &id, "1", vec![0; 20]).status(), 200);
    assert_eq!(api.finalize(&t.access, &id).status(), 200);
}

#[test]
fn max_body_bytes_answers_413_with_an_empty_body() {
    let server = server(PracticeOptions {
        max_body_bytes: Some(MIB),
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let id = api.init_id(&t.access, "video/mp4", 3 * MIB, "tweet_video");
    let r = api.append(&t.access, &id, "0", vec![0; (2 * MIB) as usize]);
    assert_eq!(r.status(), 413);
    assert!(r.text().unwrap().is_empty());
    assert_eq!(
        api.append(&t.access, &id, "0", vec![0; (MIB / 2) as usize])
            .status(),
        200
    );
}

#[test]
fn rate_limits_send_headers_and_429_past_the_limit() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let r = api.get(&t.access, "/2/users/me");
    assert_eq!(r.headers()["x-rate-limit-limit"], "75");
    assert_eq!(r.headers()["x-rate-limit-remaining"], "74");
    api.control("rate-limit", json!({ "endpoint": "users_me", "limit": 2 }));
    assert_eq!(api.get(&t.access, "/2/users/me").status(), 200);
    let r = api.get(&t.access, "/2/users/me");
    assert_eq!(r.headers()["x-rate-limit-remaining"].to_str().unwrap(), "0");
    let limited = api.get(&t.access, "/2/users/me");
    let reset: u64 = limited.headers()["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(reset > 1_700_000_000);
    expect_error(limited, 429, "Too Many Requests");
}

#[test]
fn no_rate_limits_flag_turns_them_off() {
    let server = server(PracticeOptions {
        rate_limits: false,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let r = api.get(&t.access, "/2/users/me");
    assert!(r.headers().get("x-rate-limit-limit").is_none());
}

#[test]
fn request_log_counts_and_times_requests() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let id = api.init_id(&t.access, "video/mp4", 20, "tweet_video");
    api.append(&t.access, &id, "0", vec![0; 10]);
    api.append(&t.access, &id, "1", vec![0; 10]);
    // A request is logged just after its answer is sent: give the server's
    // thread a moment to note the last one.
    let mut log = api.inspect("requests?endpoint=append");
    for _ in 0..100 {
        if log["counts"]["append"] == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        log = api.inspect("requests?endpoint=append");
    }
    assert_eq!(log["counts"]["append"], 2);
    assert_eq!(log["counts"]["initialize"], 1);
    let reqs = log["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1]["segment_index"], 1);
    assert_eq!(reqs[1]["media_id"], Value::String(id));
    assert!(reqs[0]["finished_at"].as_f64() >= reqs[0]["started_at"].as_f64());
}

#[test]
fn state_dir_keeps_accounts_media_and_posts_across_a_restart() {
    let dir = temp_dir();
    let opts = PracticeOptions {
        state_dir: Some(dir.path().to_path_buf()),
        processing_secs: 0.0,
        ..PracticeOptions::default()
    };
    let first = server(opts.clone());
    let port = first.port();
    let api = Api::new(&first);
    let t = api.login();
    let id = api.init_id(&t.access, "video/mp4", 20, "tweet_video");
    api.append(&t.access, &id, "0", vec![0; 10]);
    let post = json_of(api.tweet(&t.access, "kept", &[]))["data"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    first.stop();

    let second = server(PracticeOptions { port, ..opts });
    let api = Api::new(&second);
    // The token, the half-done upload and the post are all still there.
    assert_eq!(api.append(&t.access, &id, "1", vec![0; 10]).status(), 200);
    let media = api.inspect(&format!("media/{id}"));
    assert_eq!(media["segments"].as_array().unwrap().len(), 2);
    assert_eq!(
        api.get(&t.access, &format!("/2/tweets/{post}")).status(),
        200
    );
    // No token is stored in the clear.
    let state = std::fs::read_to_string(dir.path().join("state.json")).unwrap();
    assert!(!state.contains(&t.access));
    assert!(!state.contains(t.refresh.as_deref().unwrap()));
}
