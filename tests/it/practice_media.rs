//! Practice server: media upload endpoints, processing and alt text.

use reqwest::blocking::multipart;
use serde_json::json;
use x_uploader::core::limits::MIB;

use crate::support::*;

#[test]
fn chunked_video_upload_processes_with_rising_progress() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let video = files.video("clip.mp4", 3.0, 9 * MIB + 123);
    let id = api.upload_file(&t.access, &video, "video/mp4", "tweet_video");

    // FINALIZE's answer already carries processing_info; then STATUS walks
    // pending → in_progress → succeeded.
    let mut states = Vec::new();
    let mut percents = Vec::new();
    loop {
        let body = json_of(api.status(&t.access, &id));
        let info = body["data"]["processing_info"].clone();
        let state = info["state"].as_str().unwrap().to_string();
        if let Some(p) = info["progress_percent"].as_u64() {
            percents.push(p);
        }
        states.push(state.clone());
        if state == "succeeded" || state == "failed" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
    assert_eq!(states.last().unwrap(), "succeeded", "{states:?}");
    assert!(states.iter().any(|s| s == "in_progress"), "{states:?}");
    assert!(percents.windows(2).all(|w| w[0] <= w[1]), "{percents:?}");

    let inspected = api.inspect(&format!("media/{id}"));
    assert_eq!(inspected["sha256"], sha256_of(&video));
    assert_eq!(inspected["size"], std::fs::metadata(&video).unwrap().len());
    assert_eq!(inspected["segments"].as_array().unwrap().len(), 3);
    assert!((inspected["duration_secs"].as_f64().unwrap() - 3.0).abs() < 0.01);
    // We polled faster than check_after_secs on purpose: it is counted.
    assert!(inspected["early_status_polls"].as_u64().unwrap() > 0);
}

#[test]
fn initialize_answers_ids_and_expiry_and_append_answers_expires_at() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let r = api.init(&t.access, "video/mp4", 1000, "tweet_video");
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("x-rate-limit-remaining").is_some());
    let body = json_of(r);
    let id = body["data"]["id"].as_str().unwrap();
    assert!(id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(body["data"]["media_key"], format!("7_{id}"));
    assert!(body["data"]["expires_after_secs"].as_i64().unwrap() > 86_000);
    let r = api.append(&t.access, id, "0", vec![1; 1000]);
    assert_eq!(r.status(), 200);
    assert!(json_of(r)["data"]["expires_at"].as_i64().unwrap() > 1_700_000_000);
}

#[test]
fn command_form_init_append_finalize_and_one_shot_image() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let photo = files.jpeg("p.jpg", Some(300_000));
    let data = std::fs::read(&photo).unwrap();
    let post = |form: multipart::Form| {
        api.http
            .post(api.url("/2/media/upload"))
            .bearer_auth(&t.access)
            .multipart(form)
            .send()
            .unwrap()
    };
    let init = post(
        multipart::Form::new()
            .text("command", "INIT")
            .text("media_type", "image/jpeg")
            .text("total_bytes", data.len().to_string())
            .text("media_category", "tweet_image"),
    );
    assert_eq!(init.status(), 200);
    let id = json_of(init)["data"]["id"].as_str().unwrap().to_string();
    let append = post(
        multipart::Form::new()
            .text("command", "APPEND")
            .text("media_id", id.clone())
            .text("segment_index", "0")
            .part(
                "media",
                multipart::Part::bytes(data.clone()).file_name("p.jpg"),
            ),
    );
    // The command form answers APPEND with an empty 2xx.
    assert_eq!(append.status(), 204);
    assert!(append.text().unwrap().is_empty());
    let fin = post(
        multipart::Form::new()
            .text("command", "FINALIZE")
            .text("media_id", id.clone()),
    );
    assert_eq!(fin.status(), 200);
    assert_eq!(json_of(fin)["data"]["size"], data.len());
    assert_eq!(
        api.inspect(&format!("media/{id}"))["sha256"],
        sha256_of(&photo)
    );

    let one = post(
        multipart::Form::new()
            .text("media_category", "tweet_image")
            .part("media", multipart::Part::bytes(data).file_name("p.jpg")),
    );
    assert_eq!(one.status(), 200);
    let one_id = json_of(one)["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(api.tweet(&t.access, "one shot", &[&one_id]).status(), 201);
}

#[test]
fn alt_text_is_stored_for_photos() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let id = api.ready_media(
        &t.access,
        &files.jpeg("a.jpg", None),
        "image/jpeg",
        "tweet_image",
    );
    let r = api.post_json(
        &t.access,
        "/2/media/metadata",
        json!({ "id": id, "metadata": { "alt_text": { "text": "A red bus" } } }),
    );
    assert_eq!(r.status(), 200);
    assert_eq!(
        json_of(r)["data"]["associated_metadata"]["alt_text"]["text"],
        "A red bus"
    );
    assert_eq!(api.inspect(&format!("media/{id}"))["alt_text"], "A red bus");
}

// ---- refusals -------------------------------------------------------------

#[test]
fn initialize_refusals() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let a = &t.access;
    expect_error(
        api.post_json(
            a,
            "/2/media/upload/initialize",
            json!({ "total_bytes": 10 }),
        ),
        400,
        "media_type field is required",
    );
    expect_error(
        api.init(a, "image/heic", 10, "tweet_image"),
        400,
        "media_type must be one of",
    );
    expect_error(
        api.init(a, "image/jpeg", 10, "tweet_video"),
        400,
        "does not accept media_type image/jpeg",
    );
    expect_error(
        api.init(a, "text/vtt", 10, "tweet_image"),
        400,
        "does not accept media_type text/vtt",
    );
    expect_error(
        api.init(a, "image/png", 10, "subtitles"),
        400,
        "does not accept media_type image/png",
    );
    expect_error(
        api.init(a, "image/jpeg", 0, "tweet_image"),
        400,
        "total_bytes must be",
    );
    expect_error(
        api.init(a, "image/jpeg", 5 * MIB + 1, "tweet_image"),
        400,
        "File size exceeds 5242880 bytes",
    );
    expect_error(
        api.init(a, "image/gif", 15 * MIB + 1, "tweet_gif"),
        400,
        "File size exceeds 15728640 bytes",
    );
    // 9 GiB: over the standard account's 8 GB; fine for Premium.
    expect_error(
        api.init(a, "video/mp4", 9 << 30, "tweet_video"),
        400,
        "File size exceeds 8589934592 bytes",
    );
    let premium = api.login_as("practice-public", None, BRAND, SCOPES);
    assert_eq!(
        api.init(&premium.access, "video/mp4", 9 << 30, "tweet_video")
            .status(),
        200
    );
    expect_error(
        api.post_json(
            a,
            "/2/media/upload/initialize",
            json!({ "media_type": "video/mp4", "total_bytes": 10, "colour": "red" }),
        ),
        400,
        "colour is not allowed",
    );
}

#[test]
fn append_refusals() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let a = &t.access;
    let id = api.init_id(a, "video/mp4", 20 * MIB, "tweet_video");
    expect_error(
        api.append(a, &id, "0", vec![0; (5 * MIB + 1) as usize]),
        400,
        "Segment size exceeds 5242880 bytes",
    );
    expect_error(
        api.append(a, &id, "1000", vec![0; 10]),
        400,
        "SegmentIndex must be between 0 and 999.",
    );
    expect_error(
        api.append(a, &id, "-1", vec![0; 10]),
        400,
        "SegmentIndex must be between 0 and 999.",
    );
    let no_media = api
        .http
        .post(api.url(&format!("/2/media/upload/{id}/append")))
        .bearer_auth(a)
        .multipart(multipart::Form::new().text("segment_index", "0"))
        .send()
        .unwrap();
    expect_error(no_media, 400, "media field is required");
    expect_error(
        api.append(a, "1234", "0", vec![0; 10]),
        404,
        "Could not find media",
    );

    let other = api.login_as("practice-public", None, EVENTS, SCOPES);
    let body = expect_error(
        api.append(&other.access, &id, "0", vec![0; 10]),
        403,
        "uploaded by another account",
    );
    assert_eq!(body["title"], "Forbidden");
    // Nothing was stored by the refused attempts.
    assert_eq!(api.inspect(&format!("media/{id}"))["segments"], json!([]));
}

#[test]
fn finalize_refuses_gaps_and_byte_count_mismatch() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let a = &t.access;
    let gap = api.init_id(a, "video/mp4", 30, "tweet_video");
    api.append(a, &gap, "0", vec![0; 10]);
    api.append(a, &gap, "2", vec![0; 20]);
    expect_error(
        api.finalize(a, &gap),
        400,
        "Segments do not add up to provided total file size",
    );

    let short = api.init_id(a, "video/mp4", 30, "tweet_video");
    api.append(a, &short, "0", vec![0; 10]);
    api.append(a, &short, "1", vec![0; 10]);
    expect_error(
        api.finalize(a, &short),
        400,
        "Segments do not add up to provided total file size",
    );
    expect_error(api.status(a, &short), 400, "has not been finalized");
    expect_error(api.status(a, "999"), 404, "Could not find media");
    expect_error(api.status(a, "abc"), 400, "1 to 19 digits");
}

#[test]
fn append_after_finalize_is_refused() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let id = api.upload_file(
        &t.access,
        &files.jpeg("x.jpg", None),
        "image/jpeg",
        "tweet_image",
    );
    expect_error(
        api.append(&t.access, &id, "1", vec![0; 10]),
        400,
        "already been finalized",
    );
}

#[test]
fn processing_fails_for_content_that_is_not_a_video() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let fake = files.text("fake.mp4", &"not a video at all\n".repeat(100));
    let id = api.upload_file(&t.access, &fake, "video/mp4", "tweet_video");
    let body = api.wait_processed(&t.access, &id);
    let info = &body["data"]["processing_info"];
    assert_eq!(info["state"], "failed", "{body}");
    assert_eq!(info["error"]["name"], "InvalidMedia");
    assert!(
        info["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Unsupported")
    );
    expect_error(
        api.tweet(&t.access, "x", &[&id]),
        400,
        "Media processing failed",
    );
}

#[test]
fn processing_fails_for_too_short_video_and_oversized_gif() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let short = files.video("short.mp4", 0.3, 20_000);
    let id = api.upload_file(&t.access, &short, "video/mp4", "tweet_video");
    let body = api.wait_processed(&t.access, &id);
    assert_eq!(body["data"]["processing_info"]["state"], "failed");
    assert!(
        body["data"]["processing_info"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too short"),
        "{body}"
    );

    let big = files.gif("big.gif", 1300, 20, 2);
    let id = api.upload_file(&t.access, &big, "image/gif", "tweet_gif");
    let body = api.wait_processed(&t.access, &id);
    assert_eq!(body["data"]["processing_info"]["state"], "failed");
    assert!(
        body["data"]["processing_info"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1300x20")
    );
}

#[test]
fn photo_with_non_image_content_is_refused_at_finalize() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let fake = files.text("fake.jpg", "hello");
    let id = api.init_id(&t.access, "image/jpeg", 5, "tweet_image");
    api.append(&t.access, &id, "0", std::fs::read(fake).unwrap());
    expect_error(
        api.finalize(&t.access, &id),
        400,
        "Invalid or Unsupported media",
    );
}

#[test]
fn alt_text_refusals() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let video = api.ready_media(
        &t.access,
        &files.video("v.mp4", 1.0, 50_000),
        "video/mp4",
        "tweet_video",
    );
    let photo = api.ready_media(
        &t.access,
        &files.jpeg("p.jpg", None),
        "image/jpeg",
        "tweet_image",
    );
    let meta = |id: &str, text: &str| {
        api.post_json(
            &t.access,
            "/2/media/metadata",
            json!({ "id": id, "metadata": { "alt_text": { "text": text } } }),
        )
    };
    expect_error(meta(&video, "a clip"), 400, "images and GIFs only");
    expect_error(
        meta(&photo, &"x".repeat(1001)),
        400,
        "at most 1000 characters",
    );
    assert_eq!(meta(&photo, &"é".repeat(1000)).status(), 200);
    let other = api.login_as("practice-public", None, BRAND, SCOPES);
    expect_error(
        api.post_json(
            &other.access,
            "/2/media/metadata",
            json!({ "id": photo, "metadata": { "alt_text": { "text": "mine" } } }),
        ),
        403,
        "another account",
    );
}
