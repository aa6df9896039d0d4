//! Practice server: upload body shapes in X's spec (`openapi.json`):
//! INITIALIZE's fields and enums, the one-shot upload as JSON and multipart,
//! the `command=` form's fields in the query string. The enum lists below
//! are copied from the spec's schemas. Metadata and subtitles:
//! `practice_captions.rs`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::blocking::{Response, multipart};
use serde_json::{Value, json};

use crate::support::*;

/// `MediaUploadConfigRequest.media_category` (the spec's `MediaCategory`).
const CATEGORIES: [&str; 8] = [
    "amplify_video",
    "tweet_gif",
    "tweet_image",
    "tweet_video",
    "dm_gif",
    "dm_image",
    "dm_video",
    "subtitles",
];
/// `MediaUploadConfigRequest.media_type`.
const MEDIA_TYPES: [&str; 15] = [
    "video/mp4",
    "video/webm",
    "video/mp2t",
    "video/quicktime",
    "text/srt",
    "text/vtt",
    "image/jpeg",
    "image/gif",
    "image/bmp",
    "image/png",
    "image/webp",
    "image/pjpeg",
    "image/tiff",
    "model/gltf-binary",
    "model/vnd.usdz+zip",
];

pub(crate) const SRT: &str =
    "1\n00:00:00,000 --> 00:00:01,000\nHello\n\n2\n00:00:01,000 --> 00:00:02,000\nWorld\n";
pub(crate) const VTT: &str = "WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n";

fn category_for(media_type: &str) -> &'static str {
    match media_type {
        "image/gif" => "tweet_gif",
        t if t.starts_with("video/") => "tweet_video",
        t if t.starts_with("text/") => "subtitles",
        _ => "tweet_image",
    }
}

fn type_for(category: &str) -> &'static str {
    match category {
        "tweet_gif" | "dm_gif" => "image/gif",
        "subtitles" => "text/srt",
        c if c.ends_with("video") => "video/mp4",
        _ => "image/png",
    }
}

#[test]
fn initialize_takes_every_category_media_type_and_field_in_the_spec() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let a = &t.access;
    for category in CATEGORIES {
        let r = api.init(a, type_for(category), 1000, category);
        assert_eq!(r.status(), 200, "{category}: {:?}", r.text());
    }
    for media_type in MEDIA_TYPES {
        let r = api.init(a, media_type, 1000, category_for(media_type));
        assert_eq!(r.status(), 200, "{media_type}: {:?}", r.text());
    }
    // Without media_category, the type picks one.
    let r = api.post_json(
        a,
        "/2/media/upload/initialize",
        json!({ "media_type": "text/vtt", "total_bytes": 10 }),
    );
    let id = json_of(r)["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        api.inspect(&format!("media/{id}"))["media_category"],
        "subtitles"
    );
    // amplify_video has its own media_key prefix, as on X.
    let r = api.init(a, "video/mp4", 1000, "amplify_video");
    let body = json_of(r);
    assert!(
        body["data"]["media_key"]
            .as_str()
            .unwrap()
            .starts_with("13_"),
        "{body}"
    );

    let r = api.post_json(
        a,
        "/2/media/upload/initialize",
        json!({ "media_type": "video/mp4", "total_bytes": 10, "media_category": "tweet_video",
                "shared": true, "additional_owners": [BRAND, EVENTS] }),
    );
    assert_eq!(r.status(), 200);
    let id = json_of(r)["data"]["id"].as_str().unwrap().to_string();
    let inspected = api.inspect(&format!("media/{id}"));
    assert_eq!(inspected["shared"], true);
    assert_eq!(inspected["additional_owners"], json!([BRAND, EVENTS]));

    let init = |body: Value| api.post_json(a, "/2/media/upload/initialize", body);
    expect_error(
        init(json!({ "media_type": "video/mp4", "total_bytes": 10, "shared": "yes" })),
        400,
        "shared must be true or false",
    );
    expect_error(
        init(
            json!({ "media_type": "video/mp4", "total_bytes": 10, "additional_owners": ["@brand"] }),
        ),
        400,
        "additional_owners must be a list of user ids",
    );
    expect_error(
        init(
            json!({ "media_type": "video/mp4", "total_bytes": 10, "media_category": "tweet_clip" }),
        ),
        400,
        "media_category must be one of amplify_video, tweet_gif",
    );
}

#[test]
fn additional_owners_may_post_the_media() {
    let server = quick_server();
    let api = Api::new(&server);
    let news = api.login();
    let brand = api.login_as("practice-public", None, BRAND, SCOPES);
    let events = api.login_as("practice-public", None, EVENTS, SCOPES);
    let files = Files::new();
    let data = std::fs::read(files.jpeg("p.jpg", None)).unwrap();
    let r = api.post_json(
        &news.access,
        "/2/media/upload/initialize",
        json!({ "media_type": "image/jpeg", "total_bytes": data.len(),
                "media_category": "tweet_image", "additional_owners": [BRAND] }),
    );
    let id = json_of(r)["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(api.append(&news.access, &id, "0", data).status(), 200);
    assert_eq!(api.finalize(&news.access, &id).status(), 200);
    assert_eq!(
        api.tweet(&brand.access, "shared photo", &[&id]).status(),
        201
    );
    expect_error(
        api.tweet(&events.access, "not mine", &[&id]),
        400,
        "belongs to another account",
    );
}

pub(crate) fn upload_post(api: &Api, token: &str, body: RequestBody) -> Response {
    let req = api.http.post(api.url("/2/media/upload")).bearer_auth(token);
    match body {
        RequestBody::Json(v) => req.json(&v),
        RequestBody::Form(f) => req.multipart(f),
    }
    .send()
    .unwrap()
}

pub(crate) enum RequestBody {
    Json(Value),
    Form(multipart::Form),
}

#[test]
fn one_shot_upload_as_json_and_multipart_for_images_and_captions() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let a = &t.access;
    let files = Files::new();
    let photo = files.jpeg("p.jpg", Some(200_000));
    let data = std::fs::read(&photo).unwrap();

    // xdk Python `media.upload(UploadRequest(media=b64, media_category=...))`
    // posts exactly this JSON.
    let r = upload_post(
        &api,
        a,
        RequestBody::Json(
            json!({ "media": STANDARD.encode(&data), "media_category": "tweet_image" }),
        ),
    );
    assert_eq!(r.status(), 200, "{:?}", r.text());
    let body = json_of(r);
    let id = body["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(body["data"]["size"], data.len());
    assert_eq!(
        api.inspect(&format!("media/{id}"))["sha256"],
        sha256_of(&photo)
    );
    assert_eq!(api.tweet(a, "one shot JSON", &[&id]).status(), 201);

    // Multipart, with the optional fields (xdk sends additional_owners as
    // one comma-separated string).
    let r = upload_post(
        &api,
        a,
        RequestBody::Form(
            multipart::Form::new()
                .text("media_category", "dm_image")
                .text("media_type", "image/jpeg")
                .text("shared", "true")
                .text("additional_owners", format!("{BRAND},{EVENTS}"))
                .part(
                    "media",
                    multipart::Part::bytes(data.clone()).file_name("p.jpg"),
                ),
        ),
    );
    assert_eq!(r.status(), 200, "{:?}", r.text());
    let id = json_of(r)["data"]["id"].as_str().unwrap().to_string();
    let inspected = api.inspect(&format!("media/{id}"));
    assert_eq!(inspected["media_category"], "dm_image");
    assert_eq!(inspected["shared"], true);
    assert_eq!(inspected["additional_owners"], json!([BRAND, EVENTS]));

    // Captions, one shot, as JSON and as multipart.
    for body in [
        RequestBody::Json(
            json!({ "media": STANDARD.encode(VTT), "media_category": "subtitles", "media_type": "text/vtt" }),
        ),
        RequestBody::Form(
            multipart::Form::new()
                .text("media_category", "subtitles")
                .part(
                    "media",
                    multipart::Part::bytes(SRT.as_bytes()).file_name("en.srt"),
                ),
        ),
    ] {
        let r = upload_post(&api, a, body);
        assert_eq!(r.status(), 200, "{:?}", r.text());
        let body = json_of(r);
        assert!(body["data"].get("processing_info").is_none(), "{body}");
        let id = body["data"]["id"].as_str().unwrap();
        assert_eq!(
            api.inspect(&format!("media/{id}"))["media_category"],
            "subtitles"
        );
    }

    let json_one_shot = |v: Value| upload_post(&api, a, RequestBody::Json(v));
    expect_error(
        json_one_shot(json!({ "media": STANDARD.encode(&data), "media_category": "tweet_video" })),
        400,
        "media_category must be one of tweet_image, dm_image, subtitles",
    );
    expect_error(
        json_one_shot(json!({ "media": STANDARD.encode(&data) })),
        400,
        "media_category field is required",
    );
    expect_error(
        json_one_shot(json!({ "media": "@@@@", "media_category": "tweet_image" })),
        400,
        "not valid base64",
    );
    expect_error(
        json_one_shot(
            json!({ "media": STANDARD.encode(&data), "media_category": "tweet_image", "media_type": "image/gif" }),
        ),
        400,
        "media_type must be one of text/srt",
    );
    expect_error(
        json_one_shot(
            json!({ "media": STANDARD.encode(&data), "media_category": "tweet_image", "alt": "x" }),
        ),
        400,
        "The field alt is not allowed here",
    );
    expect_error(
        json_one_shot(
            json!({ "media": STANDARD.encode(b"not an image"), "media_category": "tweet_image" }),
        ),
        400,
        "UnsupportedMedia",
    );
}

#[test]
fn command_form_fields_may_come_in_the_query_string() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let data = std::fs::read(files.jpeg("p.jpg", None)).unwrap();
    let r = api
        .http
        .post(api.url(&format!(
            "/2/media/upload?command=INIT&media_type=image/jpeg&total_bytes={}&media_category=tweet_image",
            data.len()
        )))
        .bearer_auth(&t.access)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text());
    let id = json_of(r)["data"]["id"].as_str().unwrap().to_string();
    let r = api
        .http
        .post(api.url(&format!(
            "/2/media/upload?command=APPEND&media_id={id}&segment_index=0"
        )))
        .bearer_auth(&t.access)
        .multipart(multipart::Form::new().part("media", multipart::Part::bytes(data)))
        .send()
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = api
        .http
        .post(api.url(&format!("/2/media/upload?command=FINALIZE&media_id={id}")))
        .bearer_auth(&t.access)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}
