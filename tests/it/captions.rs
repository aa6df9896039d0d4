//! Captions on videos, who can reply, content warnings: the caption file
//! reader and checks, and `post --captions / --sensitive / --reply-settings`
//! end to end against the practice server.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use x_uploader::core::media::captions::{
    self, CaptionFormat, decode, language_from_name, split_captions_arg,
};
use x_uploader::core::media::warning::ContentWarning;

use crate::cli::{Cli, assert_refused, p};
use crate::support::*;

const TALK: &str = "1\r\n00:00:00,500 --> 00:00:02,000\r\nWelcome, everyone.\r\n\r\n2\r\n00:00:02,500 --> 00:00:04,000\r\nLet's begin.\r\n";

#[test]
fn srt_and_webvtt_are_read_and_bad_ones_refused_in_plain_words() {
    let (format, cues) = captions::parse(TALK).unwrap();
    assert_eq!(format, CaptionFormat::Srt);
    assert_eq!(
        cues.iter()
            .map(|c| (c.start_ms, c.end_ms))
            .collect::<Vec<_>>(),
        [(500, 2000), (2500, 4000)]
    );
    let vtt = "WEBVTT - talk\n\nNOTE made by hand\n\nintro\n00:01.000 --> 00:02.500 align:start\nHi\n\n01:00:00.000 --> 01:00:01.000\nLater\n";
    let (format, cues) = captions::parse(vtt).unwrap();
    assert_eq!(format, CaptionFormat::WebVtt);
    assert_eq!(
        cues.iter()
            .map(|c| (c.start_ms, c.end_ms))
            .collect::<Vec<_>>(),
        [(1000, 2500), (3_600_000, 3_601_000)]
    );
    for (text, needle) in [
        (
            "1\n00:00:01,000 -> 00:00:02,000\nHi\n",
            "line 2 should be a cue timing",
        ),
        (
            "1\n00:00:01,000 --> 00:00:2,000\nHi\n",
            "line 2 has a timing that can't be read",
        ),
        (
            "1\n00:00:05,000 --> 00:00:06,000\nB\n\n2\n00:00:01,000 --> 00:00:02,000\nA\n",
            "caption 2 (line 6) starts at 00:00:01,000, before the caption above it",
        ),
        (
            "1\n00:00:05,000 --> 00:00:04,000\nB\n",
            "caption 1 (line 2) ends before it starts",
        ),
        ("WEBVTT\n\nNOTE nothing here\n", "no captions"),
        ("", "no captions"),
    ] {
        let why = captions::parse(text).unwrap_err();
        assert!(why.contains(needle), "{text:?}: {why}");
    }
}

#[test]
fn utf16_and_windows_1252_become_utf8() {
    let text = "1\n00:00:00,000 --> 00:00:01,000\nCafé ¿qué tal?\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(decode(&le), (text.to_string(), Some("UTF-16LE")));
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    assert_eq!(decode(&be), (text.to_string(), Some("UTF-16BE")));
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    assert_eq!(decode(&cp1252), (text.to_string(), Some("windows-1252")));
    assert_eq!(decode(text.as_bytes()), (text.to_string(), None));

    // A converted file uploads as UTF-8; an unchanged one as its own bytes.
    let files = Files::new();
    let path = files.path("talk.es.srt");
    std::fs::write(&path, &le).unwrap();
    let file = captions::load(&path, None).unwrap();
    assert_eq!(file.bytes, text.as_bytes());
    assert_eq!(file.language, "ES");
    assert_eq!(file.language_name(), "Spanish");
    let same = files.text("talk.srt", TALK);
    assert_eq!(captions::load(&same, None).unwrap().bytes, TALK.as_bytes());
}

#[test]
fn languages_come_from_names_and_arguments() {
    let lang = |n: &str| language_from_name(Path::new(n));
    assert_eq!(lang("talk.en.srt").as_deref(), Some("EN"));
    assert_eq!(lang("talk.pt-BR.srt").as_deref(), Some("PT"));
    assert_eq!(lang("talk.ES.vtt").as_deref(), Some("ES"));
    assert_eq!(lang("talk.final.srt"), None);
    assert_eq!(lang("talk.xx.srt"), None);
    assert_eq!(lang("talk.srt"), None);

    let split = |a: &str| split_captions_arg(a).map_err(|e| e.0);
    assert_eq!(
        split("talk.srt:EN"),
        Ok((PathBuf::from("talk.srt"), Some("EN".into())))
    );
    assert_eq!(
        split("talk.srt:es"),
        Ok((PathBuf::from("talk.srt"), Some("ES".into())))
    );
    assert_eq!(
        split("talk.srt:pt-BR"),
        Ok((PathBuf::from("talk.srt"), Some("PT".into())))
    );
    assert_eq!(
        split(r"C:\talks\a.srt"),
        Ok((PathBuf::from(r"C:\talks\a.srt"), None))
    );
    assert_eq!(
        split(r"C:\talks\a.srt:FR"),
        Ok((PathBuf::from(r"C:\talks\a.srt"), Some("FR".into())))
    );
    assert_eq!(split("talk.srt"), Ok((PathBuf::from("talk.srt"), None)));
    for bad in ["talk.srt:english", "talk.srt:XX", "talk.srt:eng"] {
        let why = split(bad).unwrap_err();
        assert!(why.contains("is not a language code"), "{bad}: {why}");
    }
}

#[test]
fn captions_are_fitted_to_the_video() {
    let files = Files::new();
    let over = files.text(
        "over.srt",
        "1\r\n00:00:01,000 --> 00:00:02,000\r\nA\r\n\r\n2\r\n00:00:04,000 --> 00:00:06,250\r\nB\r\n",
    );
    let mut file = captions::load(&over, None).unwrap();
    assert_eq!(file.language, "EN");
    file.fit_to("talk.mp4", 5.0).unwrap();
    assert_eq!(file.cues[1].end_ms, 5000);
    assert_eq!(
        String::from_utf8(file.bytes.clone()).unwrap(),
        "1\r\n00:00:01,000 --> 00:00:02,000\r\nA\r\n\r\n2\r\n00:00:04,000 --> 00:00:05,000\r\nB\r\n"
    );
    let vtt = files.text("v.vtt", "WEBVTT\n\n00:04.000 --> 00:09.000 line:0\nB\n");
    let mut file = captions::load(&vtt, None).unwrap();
    file.fit_to("talk.mp4", 5.0).unwrap();
    assert_eq!(
        String::from_utf8(file.bytes).unwrap(),
        "WEBVTT\n\n00:04.000 --> 00:00:05.000 line:0\nB\n"
    );
    let mut file = captions::load(&over, None).unwrap();
    let why = file.fit_to("talk.mp4", 3.0).unwrap_err().message;
    assert!(
        why.contains(
            "Caption 2 of over.srt starts at 00:00:04,000, but talk.mp4 ends at 00:00:03,000"
        ),
        "{why}"
    );
}

#[test]
fn content_warning_flags() {
    let w = ContentWarning::parse("adult_content,graphic_violence").unwrap();
    assert!(w.adult_content && w.graphic_violence && !w.other);
    assert!(!ContentWarning::parse("none").unwrap().is_set());
    let why = ContentWarning::parse("gore").unwrap_err();
    assert!(why.contains("\"gore\" is not a content warning"), "{why}");
}

fn file_bytes(api: &Api, media_id: &str) -> Vec<u8> {
    api.http
        .get(api.url(&format!("/_practice/media/{media_id}/file")))
        .send()
        .unwrap()
        .bytes()
        .unwrap()
        .to_vec()
}

#[test]
fn post_with_captions_attaches_them_to_the_video() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let video = files.video("talk.mp4", 5.0, 200_000);
    let en = files.text("talk.srt", TALK);
    let fr = files.text(
        "talk.fr.vtt",
        "WEBVTT\n\n00:00.500 --> 00:02.000\nBienvenue.\n",
    );
    // Windows-1252, as old subtitle tools write it; Spanish from the name.
    let spanish = "1\n00:00:00,500 --> 00:00:02,000\n¡Bienvenidos! ¿Qué tal?\n";
    let es = files.path("talk.es.srt");
    std::fs::write(&es, encoding_rs::WINDOWS_1252.encode(spanish).0).unwrap();
    let r = cli.run(&[
        "post",
        "--json",
        "--text",
        "Our talk, captioned",
        "--captions",
        &format!("{}:EN", p(&en)),
        "--captions",
        p(&fr),
        "--captions",
        p(&es),
        p(&video),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    let entry = &out["media"][0];
    let video_id = entry["media_id"].as_str().unwrap();
    let tracks = entry["captions"].as_array().unwrap();
    assert_eq!(tracks.len(), 3, "{out}");
    assert_eq!(tracks[0]["language_code"], "EN");
    assert_eq!(tracks[1]["language_code"], "FR");
    let media = api.inspect(&format!("media/{video_id}"));
    let attached = media["subtitles"].as_array().unwrap();
    assert_eq!(attached.len(), 3, "{media}");
    assert_eq!(attached[2]["language_code"], "ES");
    assert_eq!(
        file_bytes(&api, tracks[2]["media_id"].as_str().unwrap()),
        spanish.as_bytes(),
        "converted to UTF-8"
    );
    assert_eq!(attached[0]["language_code"], "EN");
    assert_eq!(attached[0]["id"], tracks[0]["media_id"]);
    assert_eq!(attached[0]["display_name"], "English");
    let en_id = tracks[0]["media_id"].as_str().unwrap();
    assert_eq!(file_bytes(&api, en_id), std::fs::read(&en).unwrap());
    assert_eq!(
        api.inspect(&format!("media/{en_id}"))["media_category"],
        "subtitles"
    );
    let fr_id = tracks[1]["media_id"].as_str().unwrap();
    assert_eq!(file_bytes(&api, fr_id), std::fs::read(&fr).unwrap());
    let posts = api.inspect("posts")["posts"].as_array().unwrap().clone();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["media_ids"], json!([video_id]));
}

#[test]
fn bad_captions_exit_1_and_a_bad_language_exit_2() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let video = files.video("talk.mp4", 3.0, 100_000);
    let photo = files.jpeg("team.jpg", None);
    let broken = files.text("broken.srt", "1\n00:00:01,000 to 00:00:02,000\nHi\n");
    let late = files.text(
        "late.srt",
        "1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:10,000 --> 00:00:12,000\nB\n",
    );
    let good = files.text("talk.srt", TALK);
    let post = |captions: &str, media: &Path| {
        cli.run(&["post", "--text", "Hi", "--captions", captions, p(media)])
    };
    assert_refused(
        &post(p(&broken), &video),
        "broken.srt is not a captions file X can read (SRT or WebVTT): line 2 should be a cue timing",
    );
    assert_refused(
        &post(p(&late), &video),
        "Caption 2 of late.srt starts at 00:00:10,000, but talk.mp4 ends at 00:00:03,000",
    );
    assert_refused(
        &post(p(&good), &photo),
        "captions go with a video, and the post has none",
    );
    let r = post(&format!("{}:english", p(&good)), &video);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("\"english\" is not a language code"),
        "{}",
        r.stderr
    );
    // Nothing reached X.
    assert_eq!(api.inspect("posts")["posts"], json!([]));
}

#[test]
fn reply_settings_and_content_warnings_reach_the_server() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let a = files.jpeg("a.jpg", None);
    let b = files.jpeg("b.jpg", None);
    let r = cli.run(&[
        "post",
        "--json",
        "--text",
        "Followers only",
        "--reply-settings",
        "following",
        "--sensitive",
        "graphic_violence,other",
        "--sensitive",
        "none",
        p(&a),
        p(&b),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    let posts = api.inspect("posts")["posts"].as_array().unwrap().clone();
    assert_eq!(posts[0]["reply_settings"], "following");
    let first = api.inspect(&format!(
        "media/{}",
        out["media"][0]["media_id"].as_str().unwrap()
    ));
    assert_eq!(
        first["metadata"]["sensitive_media_warning"],
        json!({ "adult_content": false, "graphic_violence": true, "other": true })
    );
    let second = api.inspect(&format!(
        "media/{}",
        out["media"][1]["media_id"].as_str().unwrap()
    ));
    assert_eq!(
        second["metadata"].get("sensitive_media_warning"),
        None,
        "{second}"
    );
    let page = api
        .http
        .get(api.url(&format!(
            "/_practice/posts/{}",
            out["post_id"].as_str().unwrap()
        )))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains("Content warning: Violence, Sensitive"),
        "{page}"
    );
    assert!(
        page.contains("Who can reply: accounts @practice_news follows"),
        "{page}"
    );

    // Everyone is X's default: the field is left out.
    let r = cli.run(&["post", "--text", "Anyone", "--reply-settings", "everyone"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let posts = api.inspect("posts")["posts"].as_array().unwrap().clone();
    assert_eq!(posts[1]["reply_settings"], Value::Null);

    // Usage errors: an unknown value, more warnings than files.
    let r = cli.run(&["post", "--text", "x", "--reply-settings", "friends"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = cli.run(&["post", "--text", "x", "--sensitive", "gore", p(&a)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("\"gore\" is not a content warning"),
        "{}",
        r.stderr
    );
    let r = cli.run(&[
        "post",
        "--text",
        "x",
        "--sensitive",
        "other",
        "--sensitive",
        "other",
        p(&a),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn a_thread_s_reply_setting_goes_on_every_post_also_after_resume() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let thread = files.text("t.txt", "One\n---\nTwo\n---\nThree\n");
    // Posts 1 and 2 go out; X answers the third with a 503.
    api.control(
        "fail-next",
        json!({ "endpoint": "create_tweet", "status": 503, "skip": 2 }),
    );
    let r = cli.run(&["thread", "--reply-settings", "mentionedUsers", p(&thread)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = cli.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let posts = api.inspect("posts")["posts"].as_array().unwrap().clone();
    let settings: Vec<&Value> = posts.iter().map(|p| &p["reply_settings"]).collect();
    assert_eq!(settings, [&json!("mentionedUsers"); 3]);
    assert_eq!(posts[2]["text"], "Three");
}
