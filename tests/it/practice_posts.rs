//! Practice server: posts (create, read, delete, recent) with X's checks.

use serde_json::json;
use x_uploader::core::limits::MIB;

use crate::support::*;

#[test]
fn post_with_four_photos_then_read_list_and_delete_it() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let ids: Vec<String> = (0..4)
        .map(|i| {
            let p = files.jpeg(&format!("p{i}.jpg"), None);
            api.ready_media(&t.access, &p, "image/jpeg", "tweet_image")
        })
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let r = api.tweet(&t.access, "Four photos 📷", &refs);
    assert_eq!(r.status(), 201);
    let post = json_of(r);
    let id = post["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(post["data"]["text"], "Four photos 📷");

    let got = json_of(api.get(
        &t.access,
        &format!("/2/tweets/{id}?tweet.fields=author_id,attachments"),
    ));
    assert_eq!(got["data"]["author_id"], NEWS);
    assert_eq!(got["data"]["attachments"]["media_ids"], json!(ids));

    let recent = json_of(api.get(&t.access, &format!("/2/users/{NEWS}/tweets?max_results=5")));
    assert_eq!(recent["meta"]["result_count"], 1);
    assert_eq!(recent["data"][0]["id"], id);

    let page = api
        .http
        .get(api.url(&format!("/_practice/posts/{id}")))
        .send()
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().unwrap();
    assert!(html.contains("Four photos") && html.contains("@practice_news"));
    assert_eq!(html.matches("<img").count(), 4);

    let r = api
        .http
        .delete(api.url(&format!("/2/tweets/{id}")))
        .bearer_auth(&t.access)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json_of(r)["data"]["deleted"], true);
    expect_error(
        api.get(&t.access, &format!("/2/tweets/{id}")),
        404,
        "Could not find tweet",
    );
    let recent = json_of(api.get(&t.access, &format!("/2/users/{NEWS}/tweets")));
    assert_eq!(recent["meta"]["result_count"], 0);
}

#[test]
fn post_with_video_and_with_gif() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let files = Files::new();
    let video = api.ready_media(
        &t.access,
        &files.video("v.mp4", 2.0, 2 * MIB),
        "video/mp4",
        "tweet_video",
    );
    assert_eq!(api.tweet(&t.access, "video", &[&video]).status(), 201);
    let gif = api.ready_media(
        &t.access,
        &files.gif("g.gif", 32, 32, 5),
        "image/gif",
        "tweet_gif",
    );
    assert_eq!(api.tweet(&t.access, "gif", &[&gif]).status(), 201);
    assert_eq!(api.tweet(&t.access, "just words", &[]).status(), 201);
}

#[test]
fn post_refusals() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let a = &t.access;
    let files = Files::new();
    let photos: Vec<String> = (0..5)
        .map(|i| {
            api.ready_media(
                a,
                &files.jpeg(&format!("{i}.jpg"), None),
                "image/jpeg",
                "tweet_image",
            )
        })
        .collect();
    let p: Vec<&str> = photos.iter().map(String::as_str).collect();
    let video = api.ready_media(
        a,
        &files.video("v.mp4", 1.0, 40_000),
        "video/mp4",
        "tweet_video",
    );
    let gif = api.ready_media(a, &files.gif("g.gif", 8, 8, 3), "image/gif", "tweet_gif");

    let body = expect_error(api.tweet(a, "five", &p), 400, "at most 4 items");
    assert!(body["errors"][0]["parameters"]["media.media_ids"].is_array());
    expect_error(
        api.tweet(a, "mix", &[&video, p[0]]),
        400,
        "exactly 1 gif or video or up to 4 photos",
    );
    expect_error(
        api.tweet(a, "mix", &[&gif, p[0]]),
        400,
        "exactly 1 gif or video or up to 4 photos",
    );
    expect_error(api.tweet(a, &"a".repeat(281), &[]), 400, "too long");
    // 140 CJK characters weigh 280: allowed; one more is not.
    assert_eq!(api.tweet(a, &"日".repeat(140), &[]).status(), 201);
    expect_error(api.tweet(a, &"日".repeat(141), &[]), 400, "282 characters");
    expect_error(api.tweet(a, "", &[]), 400, "needs text or media");
    expect_error(
        api.tweet(a, "x", &["123"]),
        400,
        "Your media IDs are invalid",
    );

    assert_eq!(api.tweet(a, "same words", &[]).status(), 201);
    let body = expect_error(api.tweet(a, "same words", &[]), 403, "duplicate content");
    assert_eq!(body["title"], "Forbidden");

    let other = api.login_as("practice-public", None, BRAND, SCOPES);
    expect_error(
        api.tweet(&other.access, "stolen", &[p[0]]),
        400,
        "belongs to another account",
    );

    // Media still processing cannot be posted yet.
    let slow = api.upload_file(
        a,
        &files.video("s.mp4", 1.0, 30_000),
        "video/mp4",
        "tweet_video",
    );
    expect_error(
        api.tweet(a, "too soon", &[&slow]),
        400,
        "still being processed",
    );

    let mine = json_of(api.tweet(a, "mine", &[]))["data"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = api
        .http
        .delete(api.url(&format!("/2/tweets/{mine}")))
        .bearer_auth(&other.access)
        .send()
        .unwrap();
    expect_error(r, 403, "did not create");
    let r = api
        .http
        .delete(api.url("/2/tweets/42"))
        .bearer_auth(a)
        .send()
        .unwrap();
    expect_error(r, 404, "Could not find tweet");
    expect_error(
        api.get(a, &format!("/2/users/{NEWS}/tweets?max_results=200")),
        400,
        "between 5 and 100",
    );
}

#[test]
fn video_longer_than_the_account_may_post_is_refused_with_403() {
    let server = quick_server();
    let api = Api::new(&server);
    let files = Files::new();
    // 21 minutes: over a standard account's 20, fine for Premium.
    let long = files.video("long.mp4", 21.0 * 60.0, 3 * MIB);
    let news = api.login();
    let id = api.ready_media(&news.access, &long, "video/mp4", "tweet_video");
    let body = expect_error(
        api.tweet(&news.access, "long", &[&id]),
        403,
        "not allowed to post a video longer than 20 minutes",
    );
    assert_eq!(body["status"], 403);
    let brand = api.login_as("practice-public", None, BRAND, SCOPES);
    let id = api.ready_media(&brand.access, &long, "video/mp4", "tweet_video");
    assert_eq!(api.tweet(&brand.access, "long", &[&id]).status(), 201);
}

#[test]
fn unknown_routes_get_404() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    expect_error(api.get(&t.access, "/2/nothing/here"), 404, "does not exist");
}
