//! Practice server: `POST /2/media/metadata` with every field in X's spec,
//! and `POST`/`DELETE /2/media/subtitles` (captions files uploaded with
//! `media_category=subtitles`).

use reqwest::blocking::Response;
use serde_json::{Value, json};

use crate::practice_shapes::{RequestBody, SRT, VTT, upload_post};
use crate::support::*;

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
