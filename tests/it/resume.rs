//! Nothing lost: `x-uploader upload`/`post` killed mid-upload and carried on
//! by `x-uploader resume`; a server that goes dark; and what resume says
//! when the file changed, the media id expired, the file is gone or a
//! journal entry is damaged.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use x_uploader::core::limits::MIB;
use x_uploader::core::practice::{PracticeOptions, PracticeServer};

use crate::cli::{Home, Run, run};
use crate::support::*;

struct Rig {
    server: PracticeServer,
    api: Api,
    token: String,
    home: Home,
    files: Files,
}

impl Rig {
    fn new(bandwidth_mbps: f64) -> Rig {
        let server = server(PracticeOptions {
            bandwidth_mbps: Some(bandwidth_mbps),
            processing_secs: 0.3,
            ..PracticeOptions::default()
        });
        let api = Api::new(&server);
        let token = api.login().access;
        Rig {
            server,
            api,
            token,
            home: Home::new(),
            files: Files::new(),
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.home.command(self.server.base_url());
        c.env("X_UPLOADER_ACCESS_TOKEN", &self.token).args(args);
        c
    }

    fn run(&self, args: &[&str]) -> Run {
        run(self.cmd(args))
    }

    fn journal_dir(&self) -> PathBuf {
        self.home.dir.path().join("data/x-uploader/journal")
    }

    /// Start `args`, wait until X has `segments` segments of its first
    /// media, then kill it with SIGKILL. Returns that media id.
    fn kill_midway(&self, args: &[&str], segments: usize) -> String {
        let before = self.api.inspect("requests?endpoint=append")["requests"]
            .as_array()
            .unwrap()
            .len();
        let mut child: Child = self
            .cmd(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let media_id = loop {
            assert!(Instant::now() < deadline, "the upload never got going");
            let log = self.api.inspect("requests?endpoint=append");
            if let Some(id) = log["requests"][before]["media_id"].as_str() {
                let media = self.api.inspect(&format!("media/{id}"));
                if media["segments"].as_array().unwrap().len() >= segments {
                    break id.to_string();
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Command::new("kill")
            .args(["-9", &child.id().to_string()])
            .status()
            .unwrap();
        let _ = child.wait();
        assert!(
            std::fs::read_dir(self.journal_dir()).unwrap().count() >= 1,
            "a journal was written"
        );
        media_id
    }

    fn media(&self, id: &str) -> Value {
        self.api.inspect(&format!("media/{id}"))
    }
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn killed_at_half_then_resume_sends_only_the_missing_segments() {
    let rig = Rig::new(100.0);
    let video = rig.files.video("event.mp4", 60.0, 200 * MIB);
    let media_id = rig.kill_midway(&["upload", p(&video)], 25);

    let r = rig.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!("{media_id}\t{}\n", video.display()),
        "the same media id, completed"
    );
    assert!(
        r.stderr.contains("note: Continuing event.mp4 from"),
        "{}",
        r.stderr
    );

    let media = rig.media(&media_id);
    assert_eq!(media["sha256"], sha256_of(&video));
    let segments = media["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 50, "200 MiB in 4 MiB segments");
    let again: Vec<&Value> = segments
        .iter()
        .filter(|s| s["receipts"].as_u64().unwrap() > 1)
        .collect();
    assert!(
        again.len() <= 3,
        "only segments in flight at the kill (at most 3) were sent twice: {again:?}"
    );
    assert_eq!(
        rig.api.inspect("requests")["counts"]["initialize"],
        1,
        "no start over"
    );

    let r = rig.run(&["resume"]);
    assert_eq!((r.code, r.stderr.trim()), (0, "Nothing to resume."));
}

#[test]
fn an_interrupted_post_is_published_by_resume() {
    let rig = Rig::new(60.0);
    let video = rig.files.video("clip.mp4", 10.0, 24 * MIB);
    rig.kill_midway(&["post", "--text", "Published after a crash", p(&video)], 2);
    assert_eq!(
        rig.api.inspect("posts")["posts"].as_array().unwrap().len(),
        0
    );
    let r = rig.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("https://x.com/practice_news/status/"),
        "{}",
        r.stdout
    );
    let posts = rig.api.inspect("posts")["posts"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["text"], "Published after a crash");
    let media = rig.media(posts[0]["media_ids"][0].as_str().unwrap());
    assert_eq!(media["sha256"], sha256_of(&video));
}

#[test]
fn resume_does_not_post_twice_when_the_post_already_went_out() {
    let rig = Rig::new(100.0);
    // A run that was killed just after X published its post, before it
    // could forget the journal.
    let dir = rig.journal_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let intent = json!({
        "version": 1, "id": "abc", "created_at": 1_700_000_000u64,
        "api_base": rig.server.base_url(), "account_id": NEWS,
        "text": "Only once, please", "uploads": []
    });
    std::fs::write(dir.join("post-abc.json"), intent.to_string()).unwrap();
    let posted = json_of(rig.api.tweet(&rig.token, "Only once, please", &[]));
    let id = posted["data"]["id"].as_str().unwrap();
    let r = rig.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout.trim(),
        format!("https://x.com/practice_news/status/{id}")
    );
    assert_eq!(
        rig.api.inspect("posts")["posts"].as_array().unwrap().len(),
        1,
        "not posted twice"
    );
    assert_eq!(rig.api.inspect("requests")["counts"]["create_tweet"], 1);
}

#[test]
fn a_changed_file_starts_over_and_says_so() {
    let rig = Rig::new(40.0);
    let video = rig.files.video("talk.mp4", 10.0, 16 * MIB);
    let first = rig.kill_midway(&["upload", p(&video)], 1);
    // Edit the middle of the file (same size).
    let mut bytes = std::fs::read(&video).unwrap();
    let third = bytes.len() / 3;
    for b in &mut bytes[third..third + 4096] {
        *b ^= 0xff;
    }
    std::fs::write(&video, bytes).unwrap();
    let r = rig.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("note: talk.mp4 changed since its upload started; uploading it again from the beginning."),
        "{}",
        r.stderr
    );
    let (id, _) = r.stdout.trim().split_once('\t').unwrap();
    assert_ne!(id, first);
    assert_eq!(rig.media(id)["sha256"], sha256_of(&video));
}

#[test]
fn an_expired_media_id_starts_over_and_says_so() {
    let rig = Rig::new(40.0);
    let video = rig.files.video("long.mp4", 10.0, 16 * MIB);
    // X forgot it (server side).
    let first = rig.kill_midway(&["upload", p(&video)], 1);
    rig.api
        .control("expire-media", json!({ "media_id": first }));
    let r = rig.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("note: X no longer holds the earlier upload of long.mp4; uploading it again from the beginning."),
        "{}",
        r.stderr
    );
    let (id, _) = r.stdout.trim().split_once('\t').unwrap();
    assert_ne!(id, first);
    assert_eq!(rig.media(id)["sha256"], sha256_of(&video));

    // The journal itself says it expired (a week-old interruption).
    let first = rig.kill_midway(&["upload", p(&video)], 1);
    let entry = std::fs::read_dir(rig.journal_dir())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut json: Value = serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    json["expires_at"] = json!(1_000);
    std::fs::write(&entry, json.to_string()).unwrap();
    let r = rig.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("note: X no longer holds the earlier upload of long.mp4 (it expired); uploading it again from the beginning."),
        "{}",
        r.stderr
    );
    assert_ne!(r.stdout.trim().split_once('\t').unwrap().0, first);
}

#[test]
fn a_deleted_file_is_reported_and_forgotten() {
    let rig = Rig::new(40.0);
    let video = rig.files.video("gone.mp4", 10.0, 16 * MIB);
    rig.kill_midway(&["upload", p(&video)], 1);
    std::fs::remove_file(&video).unwrap();
    let r = rig.run(&["resume"]);
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(
        lines[0].starts_with("error: gone.mp4 is no longer at "),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("it was moved or deleted, so its upload can't continue. Add it again.")
    );
    let r = rig.run(&["resume"]);
    assert_eq!((r.code, r.stderr.trim()), (0, "Nothing to resume."));
}

#[test]
fn a_damaged_journal_entry_is_set_aside_with_a_message() {
    let rig = Rig::new(100.0);
    let dir = rig.journal_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("upload-0123.json"), "{ this is not json").unwrap();
    let r = rig.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "note: A record of an unfinished upload could not be read; it was set aside as "
        ),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Nothing to resume."));
    assert!(dir.join("upload-0123.damaged").exists());
    assert!(!dir.join("upload-0123.json").exists());
}

#[test]
fn an_upload_rides_out_20_seconds_of_darkness() {
    let rig = Rig::new(40.0);
    let video = rig.files.video("dark.mp4", 10.0, 24 * MIB);
    let child = rig
        .cmd(&["upload", p(&video)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "the upload never got going");
        let log = rig.api.inspect("requests?endpoint=append");
        if log["requests"].as_array().unwrap().len() >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dark_from = Instant::now();
    rig.api.control("go-dark", json!({ "secs": 20 }));
    let out = child.wait_with_output().unwrap();
    assert!(
        dark_from.elapsed() >= Duration::from_secs(20),
        "it waited out the darkness"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (id, _) = stdout.trim().split_once('\t').unwrap();
    assert_eq!(rig.media(id)["sha256"], sha256_of(&video));
    assert_eq!(
        rig.api.inspect("requests")["counts"]["initialize"],
        1,
        "carried on, no start over"
    );
}

#[test]
fn a_converted_photo_waits_in_the_cache_for_resume_then_goes() {
    let rig = Rig::new(2.0);
    let scan = rig.files.path("scan.tif");
    crate::photos::photo_like(&scan, 1600, 1200, &[]);
    let args = [
        "post",
        "--chunk-mib",
        "0.25",
        "--parallel",
        "1",
        "--text",
        "Scanned",
        p(&scan),
    ];
    rig.kill_midway(&args, 2);
    let prepared = rig.home.dir.path().join("data/x-uploader/prepared");
    let copies = || std::fs::read_dir(&prepared).map(|d| d.count()).unwrap_or(0);
    assert_eq!(copies(), 1, "the converted copy survives the crash");

    let r = rig.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Continuing scan.jpg from"),
        "{}",
        r.stderr
    );
    let posts = rig.api.inspect("posts")["posts"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(posts.len(), 1);
    let media = rig.media(posts[0]["media_ids"][0].as_str().unwrap());
    assert_eq!(media["media_type"], "image/jpeg");
    assert_eq!(
        rig.api.inspect("requests")["counts"]["initialize"],
        1,
        "continued, not started over"
    );
    assert_eq!(copies(), 0, "the copy is removed once posted");
}

#[test]
fn a_thread_of_the_window_is_left_to_the_window() {
    let rig = Rig::new(100.0);
    let dir = rig.journal_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let intent = json!({
        "version": 1, "id": "0a0b", "created_at": 1_900_000_000u64,
        "api_base": rig.server.base_url(), "account_id": null,
        "text": "Two: the stand opens", "uploads": [],
        "thread": { "thread": "77", "position": 1, "count": 2, "posted": null },
        "owner": { "by": "draft", "practice": false }
    });
    std::fs::write(dir.join("post-0a0b.json"), intent.to_string()).unwrap();
    let r = rig.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("open X Uploader and press “Post the rest”"),
        "{}",
        r.stderr
    );
    assert_eq!(
        rig.api.inspect("requests")["counts"]["create_tweet"]
            .as_u64()
            .unwrap_or(0),
        0
    );
    assert!(
        dir.join("post-0a0b.json").exists(),
        "the window's record stays"
    );
}
