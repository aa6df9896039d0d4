//! Practice server: the request bodies X's spec documents and X's own SDKs
//! send (JSON APPEND with base64 `media`, the one-shot upload as JSON and
//! multipart, every metadata field, subtitles). Bodies are built from the
//! spec's schemas; a few are pinned to what xdk (X's Python SDK) sends.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::blocking::Response;
use serde_json::{Value, json};
use x_uploader::core::limits::MIB;
use x_uploader::core::practice::PracticeOptions;

use crate::support::*;

/// xdk Python 0.10.6 `media.append_upload(id, AppendUploadRequest(media=b64,
/// segment_index=i))` posts `model_dump(exclude_none=True)` as JSON, and
/// `@xdevplatform/xdk` 0.6.6 `media.appendUpload` posts
/// `JSON.stringify(transformKeysToSnake(body))`: both exactly
/// `{"media": "<base64>", "segment_index": i}` (`Content-Type:
/// application/json`).
fn xdk_append_body(chunk: &[u8], index: u32) -> Value {
    json!({ "media": STANDARD.encode(chunk), "segment_index": index })
}

fn append_json(api: &Api, token: &str, id: &str, body: &Value) -> Response {
    api.post_json(token, &format!("/2/media/upload/{id}/append"), body.clone())
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    Multipart,
    Json,
}

/// Upload `data` with APPEND bodies of `shape` in `segment`-byte pieces;
/// FINALIZE and wait for processing.
fn upload(api: &Api, token: &str, data: &[u8], shape: Shape, segment: usize) -> String {
    let id = api.init_id(token, "video/mp4", data.len() as u64, "tweet_video");
    for (i, chunk) in data.chunks(segment).enumerate() {
        let r = match shape {
            Shape::Multipart => api.append(token, &id, &i.to_string(), chunk.to_vec()),
            Shape::Json => append_json(api, token, &id, &xdk_append_body(chunk, i as u32)),
        };
        assert_eq!(r.status(), 200, "{shape:?} segment {i}: {:?}", r.text());
        assert!(json_of(r)["data"]["expires_at"].as_i64().unwrap() > 1_700_000_000);
    }
    let r = api.finalize(token, &id);
    assert_eq!(r.status(), 200, "{:?}", r.text());
    let body = api.wait_processed(token, &id);
    assert_eq!(
        body["data"]["processing_info"]["state"], "succeeded",
        "{body}"
    );
    id
}

#[test]
fn multipart_and_json_append_at_1_and_5_mib_upload_and_post() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let video = files.video("clip.mp4", 2.0, 10 * MIB + 4321);
    let data = std::fs::read(&video).unwrap();
    let want = sha256_of(&video);
    for (n, (shape, segment)) in [
        (Shape::Multipart, MIB),
        (Shape::Json, MIB),
        (Shape::Multipart, 5 * MIB),
        (Shape::Json, 5 * MIB),
    ]
    .into_iter()
    .enumerate()
    {
        let id = upload(&api, &t.access, &data, shape, segment as usize);
        let inspected = api.inspect(&format!("media/{id}"));
        assert_eq!(inspected["sha256"], want, "{shape:?} {segment}");
        let expected_segments = data.len().div_ceil(segment as usize);
        assert_eq!(
            inspected["segments"].as_array().unwrap().len(),
            expected_segments
        );
        let r = api.tweet(&t.access, &format!("video {n}"), &[&id]);
        assert_eq!(r.status(), 201, "{shape:?} {segment}: {:?}", r.text());
    }
}

#[test]
fn json_append_takes_segment_index_as_a_string_and_ignores_key_order() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let data: Vec<u8> = (0..3000u32).map(|i| (i * 7) as u8).collect();
    let id = api.init_id(&t.access, "video/mp4", data.len() as u64, "tweet_video");
    // The spec's MediaSegments is an integer or a string of 1-3 digits.
    let first = format!(
        r#"{{"segment_index": "0", "media": "{}"}}"#,
        STANDARD.encode(&data[..1000])
    );
    let r = api
        .http
        .post(api.url(&format!("/2/media/upload/{id}/append")))
        .bearer_auth(&t.access)
        .header("Content-Type", "application/json")
        .body(first)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text());
    // JSON may escape "/" in strings as "\/".
    let escaped = STANDARD.encode(&data[1000..]).replace('/', "\\/");
    let r = api
        .http
        .post(api.url(&format!("/2/media/upload/{id}/append")))
        .bearer_auth(&t.access)
        .header("Content-Type", "application/json; charset=utf-8")
        .body(format!(r#"{{"media":"{escaped}","segment_index":1}}"#))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text());
    assert_eq!(api.finalize(&t.access, &id).status(), 200);
    let inspected = api.inspect(&format!("media/{id}"));
    let want = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&data));
    assert_eq!(inspected["sha256"], want);
}

#[test]
fn json_append_refuses_bad_base64_and_oversized_segments_in_x_shape() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let a = &t.access;
    let id = api.init_id(a, "video/mp4", 20 * MIB, "tweet_video");

    let body = expect_error(
        append_json(
            &api,
            a,
            &id,
            &json!({ "media": "not base64!", "segment_index": 0 }),
        ),
        400,
        "not valid base64",
    );
    assert!(
        body["errors"][0]["parameters"]["media"].is_array(),
        "{body}"
    );
    // 5 MiB + 1 decoded bytes (a ~7 MB body): refused after decoding.
    let big = vec![7u8; (5 * MIB + 1) as usize];
    expect_error(
        append_json(&api, a, &id, &xdk_append_body(&big, 0)),
        400,
        "Segment size exceeds 5242880 bytes",
    );
    expect_error(
        append_json(&api, a, &id, &xdk_append_body(b"abc", 1000)),
        400,
        "SegmentIndex must be between 0 and 999.",
    );
    expect_error(
        append_json(&api, a, &id, &json!({ "segment_index": 0 })),
        400,
        "media field is required",
    );
    expect_error(
        append_json(&api, a, &id, &json!([1, 2])),
        400,
        "must be a JSON object",
    );
    let broken = api
        .http
        .post(api.url(&format!("/2/media/upload/{id}/append")))
        .bearer_auth(a)
        .header("Content-Type", "application/json")
        .body(r#"{"media": "QUJD"#)
        .send()
        .unwrap();
    expect_error(broken, 400, "not valid JSON");
    // Nothing was stored by the refused attempts.
    assert_eq!(api.inspect(&format!("media/{id}"))["segments"], json!([]));
    // Exactly 5 MiB is fine.
    let r = append_json(&api, a, &id, &xdk_append_body(&big[1..], 0));
    assert_eq!(r.status(), 200, "{:?}", r.text());
}

#[test]
fn max_body_bytes_still_emulates_the_edge_for_json_append() {
    let server = server(PracticeOptions {
        max_body_bytes: Some(MIB),
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let id = api.init_id(&t.access, "video/mp4", 3 * MIB, "tweet_video");
    let big = vec![1u8; MIB as usize];
    let r = append_json(&api, &t.access, &id, &xdk_append_body(&big, 0));
    assert_eq!(r.status(), 413);
    assert!(r.text().unwrap().is_empty());
    let small = vec![1u8; (MIB / 2) as usize];
    let r = append_json(&api, &t.access, &id, &xdk_append_body(&small, 0));
    assert_eq!(r.status(), 200);
}
