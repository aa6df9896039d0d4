//! `x-uploader thread FILE` end to end against the practice server: the
//! posts reply to each other, a failure keeps what went out, and `resume`
//! posts only the rest.

use serde_json::{Value, json};
use x_uploader::core::limits::MIB;

use crate::cli::{Cli, assert_refused, p};
use crate::support::*;

fn posts(api: &Api) -> Vec<Value> {
    api.inspect("posts")["posts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn create_tweet_requests(api: &Api) -> u64 {
    api.inspect("requests")["counts"]["create_tweet"]
        .as_u64()
        .unwrap_or(0)
}

#[test]
fn posts_a_three_post_thread_each_replying_to_the_one_before() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let photo = files.jpeg("team.jpg", Some(600_000));
    let video = files.video("talk.mp4", 4.0, 3 * MIB);
    let thread = files.text(
        "event.txt",
        "Our team at the fair!\nmedia: team.jpg | Five people at our stand\n---\nThe talk:\nmedia: talk.mp4\n---\nThanks for coming.\n\\---\n",
    );
    let r = cli.run(&["thread", "--json", p(&thread)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out: Value = serde_json::from_str(&r.stdout).expect("one JSON object");
    let printed = out["posts"].as_array().expect("posts");
    assert_eq!(printed.len(), 3);

    let stored = posts(&api);
    assert_eq!(stored.len(), 3);
    for (i, (printed, stored)) in printed.iter().zip(&stored).enumerate() {
        assert_eq!(printed["post_id"], stored["id"], "post {}", i + 1);
        assert_eq!(
            printed["post_url"],
            format!(
                "https://x.com/practice_news/status/{}",
                stored["id"].as_str().unwrap()
            )
        );
    }
    assert_eq!(
        stored[0].get("in_reply_to"),
        None,
        "the first post starts the thread"
    );
    assert_eq!(stored[1]["in_reply_to"], stored[0]["id"]);
    assert_eq!(stored[2]["in_reply_to"], stored[1]["id"]);
    for s in &stored {
        assert_eq!(s["conversation_id"], stored[0]["id"]);
    }
    assert_eq!(stored[0]["text"], "Our team at the fair!");
    assert_eq!(stored[2]["text"], "Thanks for coming.\n---");
    assert_eq!(stored[2]["media_ids"], json!([]));

    let photo_id = printed[0]["media"][0]["media_id"].as_str().unwrap();
    let media = api.inspect(&format!("media/{photo_id}"));
    assert_eq!(media["sha256"], sha256_of(&photo));
    assert_eq!(media["alt_text"], "Five people at our stand");
    let video_id = printed[1]["media"][0]["media_id"].as_str().unwrap();
    assert_eq!(
        api.inspect(&format!("media/{video_id}"))["sha256"],
        sha256_of(&video)
    );
    assert_eq!(stored[1]["media_ids"], json!([video_id]));

    // The practice post page says what it replies to.
    let page = reqwest::blocking::get(api.url(&format!(
        "/_practice/posts/{}",
        stored[1]["id"].as_str().unwrap()
    )))
    .unwrap()
    .text()
    .unwrap();
    assert!(page.contains("Replying to"), "{page}");
}

#[test]
fn a_failed_third_post_keeps_the_first_two_and_resume_posts_only_the_third() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    files.jpeg("a.jpg", Some(300_000));
    let thread = files.text(
        "t.txt",
        "One\nmedia: a.jpg | A photo\n---\nTwo\n---\nThree, the last\n",
    );
    // Posts 1 and 2 go through; X answers the third with a 503.
    api.control(
        "fail-next",
        json!({ "endpoint": "create_tweet", "status": 503, "skip": 2 }),
    );
    let r = cli.run(&["thread", p(&thread)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {:?}", r.stderr);
    assert!(
        lines[0].starts_with("error: Post 3 of 3 wasn't posted"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("Posts 1–2 are on X"), "{}", lines[0]);
    assert!(lines[0].contains("x-uploader resume"), "{}", lines[0]);
    let stored = posts(&api);
    assert_eq!(stored.len(), 2);
    let urls: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(urls.len(), 2, "the two posts that went out: {}", r.stdout);
    assert!(urls[1].ends_with(stored[1]["id"].as_str().unwrap()));
    let before = create_tweet_requests(&api);

    let r = cli.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let stored = posts(&api);
    assert_eq!(stored.len(), 3, "only the third is posted");
    assert_eq!(stored[2]["text"], "Three, the last");
    assert_eq!(stored[2]["in_reply_to"], stored[1]["id"]);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(r.stdout.trim().ends_with(stored[2]["id"].as_str().unwrap()));
    assert_eq!(
        create_tweet_requests(&api),
        before + 1,
        "one POST /2/tweets"
    );

    let r = cli.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("Nothing to resume"), "{}", r.stderr);
    assert_eq!(posts(&api).len(), 3);
}

#[test]
fn bad_thread_files_are_refused_before_anything_is_sent() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    files.jpeg("a.jpg", None);
    files.video("v.mp4", 2.0, MIB);

    let empty = files.text("empty.txt", "First\n---\n\n---\nThird\n");
    assert_refused(&cli.run(&["thread", p(&empty)]), "post 2 (line 3) is empty");

    let mixed = files.text("mixed.txt", "Fine\n---\nBoth\nmedia: a.jpg\nmedia: v.mp4\n");
    assert_refused(
        &cli.run(&["thread", p(&mixed)]),
        "Post 2 (line 3): a.jpg and v.mp4 can't go in one post",
    );

    let long = files.text("long.txt", &format!("ok\n---\n{}", "a".repeat(281)));
    assert_refused(
        &cli.run(&["thread", p(&long)]),
        "Post 2 (line 3): The post is 281 characters",
    );

    let missing = files.text("missing.txt", "Hi\nmedia: nowhere.jpg\n");
    assert_refused(&cli.run(&["thread", p(&missing)]), "nowhere.jpg");

    let nothing = files.path("no-such-thread.txt");
    assert_refused(&cli.run(&["thread", p(&nothing)]), "there is no such file");

    assert!(posts(&api).is_empty());
    assert_eq!(create_tweet_requests(&api), 0);
}
