//! Practice server: every media endpoint and body shape in X's spec
//! (`openapi.json`): INITIALIZE's fields and enums, the one-shot upload as
//! JSON and multipart, every metadata field, and subtitles. The enum lists
//! below are copied from the spec's schemas.

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

const SRT: &str =
    "1\n00:00:00,000 --> 00:00:01,000\nHello\n\n2\n00:00:01,000 --> 00:00:02,000\nWorld\n";
const VTT: &str = "WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n";

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

fn upload_post(api: &Api, token: &str, body: RequestBody) -> Response {
    let req = api.http.post(api.url("/2/media/upload")).bearer_auth(token);
    match body {
        RequestBody::Json(v) => req.json(&v),
        RequestBody::Form(f) => req.multipart(f),
    }
    .send()
    .unwrap()
}

enum RequestBody {
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

/// Every field of `MetadataCreateRequest.metadata`, with the values of X's
/// own example on its metadata page.
fn every_metadata_field() -> Value {
    json!({
        "allow_download_status": { "allow_download": true },
        "alt_text": { "text": "A dancing cat" },
        "audience_policy": { "creator_subscriptions": ["Any"], "x_subscriptions": ["Any"] },
        "content_expiration": { "timestamp_sec": 1740787200 },
        "domain_restrictions": { "whitelist": ["example.com"] },
        "found_media_origin": { "id": "u5BzatR15TZ04", "provider": "giphy" },
        "geo_restrictions": { "blacklisted_country_codes": ["us"], "whitelisted_country_codes": ["us"] },
        "management_info": { "managed": false },
        "preview_image": { "media_key": { "media": "1146654567674912769", "media_category": "TweetImage" } },
        "sensitive_media_warning": { "adult_content": true, "graphic_violence": true, "other": false },
        "shared_info": { "shared": false },
        "sticker_info": { "stickers": [{
            "aspect_ratio": 1.78, "group_annotation_id": 987654321098765u64, "id": "12345",
            "sticker_set_annotation_id": 123456789012345u64, "transform_a": 1, "transform_b": 0,
            "transform_c": 0, "transform_d": 1, "transform_tx": 10.5, "transform_ty": -5.2
        }] },
        "upload_source": { "upload_source": "gallery" }
    })
}

#[test]
fn metadata_takes_every_field_in_the_spec_and_the_post_page_shows_warning_and_alt_text() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let a = &t.access;
    let files = Files::new();
    let photo = api.ready_media(a, &files.jpeg("p.jpg", None), "image/jpeg", "tweet_image");
    let meta = |id: &str, metadata: Value| {
        api.post_json(
            a,
            "/2/media/metadata",
            json!({ "id": id, "metadata": metadata }),
        )
    };
    let all = every_metadata_field();
    let r = meta(&photo, all.clone());
    assert_eq!(r.status(), 200, "{:?}", r.text());
    let body = json_of(r);
    assert_eq!(body["data"]["id"], photo);
    assert_eq!(body["data"]["associated_metadata"], all);
    // A later call adds to what is stored, and the answer echoes it all.
    let r = meta(&photo, json!({ "alt_text": { "text": "A cat, dancing" } }));
    let echoed = &json_of(r)["data"]["associated_metadata"];
    assert_eq!(echoed["alt_text"]["text"], "A cat, dancing");
    assert_eq!(echoed["upload_source"], all["upload_source"]);

    let r = api.tweet(a, "cat", &[&photo]);
    let post = json_of(r)["data"]["id"].as_str().unwrap().to_string();
    let page = api
        .http
        .get(api.url(&format!("/_practice/posts/{post}")))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("Content warning: Nudity, Violence"), "{page}");
    assert!(page.contains("alt=\"A cat, dancing\""), "{page}");

    // Each field is type-checked against the spec.
    for (metadata, needle) in [
        (
            json!({ "sensitive_media_warning": { "adult_content": "yes" } }),
            "metadata.sensitive_media_warning.adult_content must be true or false",
        ),
        (
            json!({ "geo_restrictions": { "blacklisted_country_codes": [], "whitelisted_country_codes": ["usa"] } }),
            "two-letter country code",
        ),
        (
            json!({ "sticker_info": { "stickers": [] } }),
            "at least 1 and at most 25 items",
        ),
        (
            json!({ "found_media_origin": { "id": "1", "provider": "giphygiphy" } }),
            "at most 8 characters",
        ),
        (
            json!({ "content_expiration": {} }),
            "metadata.content_expiration.timestamp_sec is required",
        ),
        (
            json!({ "audience_policy": { "x_subscriptions": ["Premium"] } }),
            "must be one of Any",
        ),
        (
            json!({ "preview_image": { "media_key": { "media": "abc" } } }),
            "a media id",
        ),
        (
            json!({ "allow_download_status": { "allow_download": 1 } }),
            "must be true or false",
        ),
        (
            json!({ "alt_text": { "text": "x".repeat(1001) } }),
            "at most 1000 characters",
        ),
    ] {
        expect_error(meta(&photo, metadata), 400, needle);
    }
    expect_error(
        api.post_json(a, "/2/media/metadata", json!({ "id": 12 })),
        400,
        "id must be a media id",
    );

    // The warning (unlike alt text) may go on a video.
    let video = api.ready_media(
        a,
        &files.video("v.mp4", 1.0, 40_000),
        "video/mp4",
        "tweet_video",
    );
    let r = meta(
        &video,
        json!({ "sensitive_media_warning": { "other": true } }),
    );
    assert_eq!(r.status(), 200, "{:?}", r.text());
    expect_error(
        meta(&video, json!({ "alt_text": { "text": "a clip" } })),
        400,
        "images and GIFs only",
    );
}

/// Upload a captions file in one APPEND (INITIALIZE with
/// `media_category=subtitles`); returns its media id.
fn captions(api: &Api, token: &str, text: &str) -> String {
    let id = api.init_id(token, "text/srt", text.len() as u64, "subtitles");
    assert_eq!(
        api.append(token, &id, "0", text.as_bytes().to_vec())
            .status(),
        200
    );
    let r = api.finalize(token, &id);
    assert_eq!(r.status(), 200);
    id
}

fn subtitles(
    api: &Api,
    token: &str,
    video: &str,
    category: &str,
    file: &str,
    lang: &str,
) -> Response {
    api.post_json(
        token,
        "/2/media/subtitles",
        json!({ "id": video, "media_category": category,
                "subtitles": { "id": file, "language_code": lang, "display_name": format!("{lang} captions") } }),
    )
}

fn delete_subtitles(api: &Api, token: &str, video: &str, lang: &str) -> Response {
    api.http
        .delete(api.url("/2/media/subtitles"))
        .bearer_auth(token)
        .json(&json!({ "id": video, "language_code": lang, "media_category": "TweetVideo" }))
        .send()
        .unwrap()
}

#[test]
fn subtitles_attach_replace_per_language_and_delete() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let a = &t.access;
    let files = Files::new();
    let clip = files.video("v.mp4", 1.0, 40_000);
    let video = api.ready_media(a, &clip, "video/mp4", "tweet_video");
    let en = captions(&api, a, SRT);
    let r = subtitles(&api, a, &video, "TweetVideo", &en, "EN");
    assert_eq!(r.status(), 200, "{:?}", r.text());
    assert_eq!(
        json_of(r)["data"],
        json!({ "id": video, "media_category": "TweetVideo",
                "associated_subtitles": [{ "id": en, "language_code": "EN", "display_name": "EN captions" }] })
    );
    // A second English track replaces the first; French is added.
    let en2 = captions(&api, a, SRT);
    let fr = captions(&api, a, VTT);
    assert_eq!(
        subtitles(&api, a, &video, "TweetVideo", &en2, "EN").status(),
        200
    );
    let r = subtitles(&api, a, &video, "TweetVideo", &fr, "FR");
    let tracks = json_of(r)["data"]["associated_subtitles"].clone();
    let ids: Vec<&str> = tracks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [en2.as_str(), fr.as_str()]);

    // The post page offers the tracks; a captions file is no post media.
    let r = api.tweet(a, "with captions", &[&video]);
    let post = json_of(r)["data"]["id"].as_str().unwrap().to_string();
    let page = api
        .http
        .get(api.url(&format!("/_practice/posts/{post}")))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains(&format!(
            "srclang=\"fr\" label=\"FR captions\" src=\"/_practice/media/{fr}/file\""
        )),
        "{page}"
    );
    expect_error(
        api.tweet(a, "captions alone", &[&fr]),
        400,
        "is a captions file",
    );

    let r = delete_subtitles(&api, a, &video, "EN");
    assert_eq!(json_of(r), json!({ "data": { "deleted": true } }));
    let r = delete_subtitles(&api, a, &video, "EN");
    assert_eq!(json_of(r), json!({ "data": { "deleted": false } }));
    assert_eq!(
        api.inspect(&format!("media/{video}"))["subtitles"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // AmplifyVideo for a video uploaded as amplify_video.
    let amplify = api.ready_media(a, &clip, "video/mp4", "amplify_video");
    assert_eq!(
        subtitles(&api, a, &amplify, "AmplifyVideo", &en, "EN").status(),
        200
    );
}

#[test]
fn subtitles_refusals() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let a = &t.access;
    let files = Files::new();
    let clip = files.video("v.mp4", 1.0, 40_000);
    let video = api.ready_media(a, &clip, "video/mp4", "tweet_video");
    let photo = api.ready_media(a, &files.jpeg("p.jpg", None), "image/jpeg", "tweet_image");
    let en = captions(&api, a, SRT);
    expect_error(
        subtitles(&api, a, &video, "TweetVideo", &en, "en"),
        400,
        "two capital letters",
    );
    expect_error(
        subtitles(&api, a, &video, "TweetVideo", &en, "ENG"),
        400,
        "two capital letters",
    );
    expect_error(
        subtitles(&api, a, &video, "AmplifyVideo", &en, "EN"),
        400,
        "was uploaded with media_category tweet_video",
    );
    expect_error(
        subtitles(&api, a, &video, "tweet_video", &en, "EN"),
        400,
        "media_category must be one of AmplifyVideo, TweetVideo",
    );
    expect_error(
        subtitles(&api, a, &photo, "TweetVideo", &en, "EN"),
        400,
        "subtitles can be added to videos only",
    );
    expect_error(
        subtitles(&api, a, &video, "TweetVideo", &photo, "EN"),
        400,
        "not a captions file",
    );
    let junk = captions(&api, a, "just some words\n");
    expect_error(
        subtitles(&api, a, &video, "TweetVideo", &junk, "EN"),
        400,
        "subtitle file is invalid",
    );
    // Someone else's video.
    let brand = api.login_as("practice-public", None, BRAND, SCOPES);
    let theirs = captions(&api, &brand.access, SRT);
    expect_error(
        subtitles(&api, &brand.access, &video, "TweetVideo", &theirs, "EN"),
        403,
        "another account",
    );
    // A video still processing.
    api.control("settings", json!({ "processing_secs": 60.0 }));
    let fresh = api.upload_file(a, &clip, "video/mp4", "tweet_video");
    expect_error(
        subtitles(&api, a, &fresh, "TweetVideo", &en, "EN"),
        400,
        "cannot take subtitles yet",
    );
}

#[test]
fn new_endpoints_have_fail_next_names_and_rate_limits() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let a = &t.access;
    for endpoint in ["subtitles_create", "subtitles_delete", "metadata", "upload"] {
        api.control(
            "fail-next",
            json!({ "endpoint": endpoint, "status": 503, "body": "{}" }),
        );
    }
    assert_eq!(
        subtitles(&api, a, "1", "TweetVideo", "2", "EN").status(),
        503
    );
    assert_eq!(delete_subtitles(&api, a, "1", "EN").status(), 503);
    assert_eq!(
        api.post_json(a, "/2/media/metadata", json!({ "id": "1" }))
            .status(),
        503
    );
    assert_eq!(
        upload_post(&api, a, RequestBody::Json(json!({}))).status(),
        503
    );

    let r = subtitles(&api, a, "1", "TweetVideo", "2", "EN");
    assert_eq!(r.headers()["x-rate-limit-limit"], "500");
    let r = delete_subtitles(&api, a, "1", "EN");
    assert_eq!(r.headers()["x-rate-limit-limit"], "500");
    api.control(
        "rate-limit",
        json!({ "endpoint": "subtitles_create", "limit": 1 }),
    );
    expect_error(
        subtitles(&api, a, "1", "TweetVideo", "2", "EN"),
        429,
        "Too Many Requests",
    );
}
