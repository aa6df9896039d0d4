//! The command line end to end: the real binary against the in-process
//! practice server, with a private config/data dir and keychain service.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use x_uploader::core::limits::MIB;
use x_uploader::core::practice::{PracticeOptions, PracticeServer};

use crate::support::*;

pub const BIN: &str = env!("CARGO_BIN_EXE_x-uploader");

/// A private home for one test: config, data and keychain service of its own.
pub struct Home {
    pub dir: tempfile::TempDir,
    pub service: String,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: temp_dir(),
            service: format!("x-uploader-test-{}", rand::random::<u32>()),
        }
    }

    pub fn command(&self, base: &str) -> Command {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("X_UPLOADER_KEYRING_SERVICE", &self.service)
            .env("X_UPLOADER_API_BASE", base)
            .stdin(Stdio::null());
        // The session bus of the test run (keychain tests).
        for var in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] {
            if let Ok(v) = std::env::var(var) {
                c.env(var, v);
            }
        }
        c
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(mut c: Command) -> Run {
    let out: Output = c.output().expect("run x-uploader");
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!r.stderr.contains("panicked"), "panic: {}", r.stderr);
    r
}

/// The CLI with a practice token in `X_UPLOADER_ACCESS_TOKEN`.
pub(crate) struct Cli {
    pub(crate) home: Home,
    base: String,
    token: String,
}

impl Cli {
    pub(crate) fn new(server: &PracticeServer, token: &str) -> Cli {
        Cli {
            home: Home::new(),
            base: server.base_url().to_string(),
            token: token.to_string(),
        }
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.home.command(&self.base);
        c.env("X_UPLOADER_ACCESS_TOKEN", &self.token).args(args);
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        run(self.cmd(args))
    }
}

pub(crate) fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Exit 1 with exactly one `error: …` line containing `needle`; stdout empty.
pub(crate) fn assert_refused(r: &Run, needle: &str) {
    assert_eq!(r.code, 1, "exit code; stderr: {}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr: {:?}", r.stderr);
    assert!(lines[0].starts_with("error: "), "{:?}", lines[0]);
    assert!(
        lines[0].contains(needle),
        "expected {needle:?} in {:?}",
        lines[0]
    );
    assert!(r.stdout.is_empty(), "stdout stays empty: {:?}", r.stdout);
}

#[test]
fn posts_a_video_four_photos_with_alt_texts_and_a_gif() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();

    let video = files.video("launch.mp4", 30.0, 50 * MIB);
    let r = cli.run(&["post", "--json", "--text", "Launch day", p(&video)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    let post_id = out["post_id"].as_str().unwrap();
    assert_eq!(
        out["post_url"],
        format!("https://x.com/practice_news/status/{post_id}")
    );
    assert_eq!(out["media"][0]["file"], p(&video));
    assert_eq!(
        out["media"][0]["bytes"],
        std::fs::metadata(&video).unwrap().len()
    );
    let media_id = out["media"][0]["media_id"].as_str().unwrap();
    assert_eq!(
        api.inspect(&format!("media/{media_id}"))["sha256"],
        sha256_of(&video)
    );

    let photos: Vec<PathBuf> = (0..4)
        .map(|i| files.jpeg(&format!("team{i}.jpg"), Some(900_000 + i * 1000)))
        .collect();
    let mut args = vec!["post", "--json", "--text", "The team"];
    let alts = ["Ana at the stand", "", "The crowd", "Our booth"];
    for a in &alts {
        args.extend(["--alt", a]);
    }
    args.extend(photos.iter().map(|f| p(f)));
    let r = cli.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    for (i, (photo, alt)) in photos.iter().zip(alts).enumerate() {
        let id = out["media"][i]["media_id"].as_str().unwrap();
        let media = api.inspect(&format!("media/{id}"));
        assert_eq!(media["sha256"], sha256_of(photo));
        let expected = if alt.is_empty() {
            Value::Null
        } else {
            json!(alt)
        };
        assert_eq!(media["alt_text"], expected);
    }

    let gif = files.gif("dance.gif", 200, 150, 20);
    let r = cli.run(&["post", "--alt", "A dancing cat", p(&gif)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let url = r.stdout.trim();
    assert!(
        url.starts_with("https://x.com/practice_news/status/"),
        "{url}"
    );
    let posts = api.inspect("posts")["posts"].as_array().unwrap().clone();
    assert_eq!(posts.len(), 3);
    let gif_media = posts[2]["media_ids"][0].as_str().unwrap();
    assert_eq!(
        api.inspect(&format!("media/{gif_media}"))["sha256"],
        sha256_of(&gif)
    );
}

#[test]
fn upload_prints_media_ids_and_json() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let a = files.jpeg("a.jpg", None);
    let b = files.video("b.mp4", 2.0, 3 * MIB);
    let r = cli.run(&[
        "upload",
        "--chunk-mib",
        "1",
        "--parallel",
        "2",
        p(&a),
        p(&b),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    for (line, file) in lines.iter().zip([&a, &b]) {
        let (id, name) = line.split_once('\t').unwrap();
        assert_eq!(name, p(file));
        assert_eq!(
            api.inspect(&format!("media/{id}"))["sha256"],
            sha256_of(file)
        );
    }
    // --chunk-mib 1: the 3 MiB video went in 1 MiB segments.
    let id = lines[1].split('\t').next().unwrap();
    assert_eq!(
        api.inspect(&format!("media/{id}"))["segments"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(
        r.stderr.is_empty(),
        "no progress when stderr is not a terminal: {}",
        r.stderr
    );

    let r = cli.run(&["upload", "--json", p(&a)]);
    assert_eq!(r.code, 0);
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(out.get("post_id").is_none());
    assert_eq!(out["media"][0]["file"], p(&a));
}

#[test]
fn version_and_usage_errors() {
    let home = Home::new();
    let r = run({
        let mut c = home.command("http://127.0.0.1:1");
        c.arg("--version");
        c
    });
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("x-uploader "));
    let r = run({
        let mut c = home.command("http://127.0.0.1:1");
        c.args(["upload", "--no-such-flag", "x.jpg"]);
        c
    });
    assert_eq!(r.code, 2);
}

#[test]
fn twenty_bad_inputs_each_exit_1_with_a_plain_message() {
    let server = server(PracticeOptions {
        processing_secs: 0.5,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let photo = files.jpeg("photo.jpg", None);
    let video = files.video("clip.mp4", 2.0, MIB);

    let empty = files.text("empty.mp4", "");
    assert_refused(&cli.run(&["upload", p(&empty)]), "empty.mp4 is empty");

    let text = files.text("notes.mp4", "meeting notes\n");
    assert_refused(
        &cli.run(&["upload", p(&text)]),
        "notes.mp4 isn't a photo or video X accepts",
    );

    let big = files.jpeg("big.jpg", Some(6_500_000));
    assert_refused(
        &cli.run(&["upload", "--no-convert", p(&big)]),
        "big.jpg is 6.2 MB; X takes photos up to 5 MB",
    );

    let short = files.video("short.mp4", 0.3, 20_000);
    assert_refused(
        &cli.run(&["upload", p(&short)]),
        "short.mp4 is 0.3 seconds long",
    );

    let long = files.video("long.mp4", 21.0 * 60.0, 200_000);
    assert_refused(
        &cli.run(&["post", "--text", "long", p(&long)]),
        "long.mp4 is 21:00 long; this account can post videos up to 20 minutes",
    );

    let five: Vec<PathBuf> = (0..5)
        .map(|i| files.jpeg(&format!("f{i}.jpg"), None))
        .collect();
    let mut args = vec!["post", "--text", "five"];
    args.extend(five.iter().map(|f| p(f)));
    assert_refused(&cli.run(&args), "at most 4 photos");

    assert_refused(
        &cli.run(&["post", "--text", "mix", p(&video), p(&photo)]),
        "clip.mp4 and photo.jpg can't go in one post",
    );
    let video2 = files.video("clip2.mp4", 2.0, MIB);
    assert_refused(
        &cli.run(&["post", "--text", "two", p(&video), p(&video2)]),
        "clip.mp4 and clip2.mp4 can't go in one post",
    );

    let long_text = "a".repeat(281);
    assert_refused(
        &cli.run(&["post", "--text", &long_text]),
        "281 characters long",
    );

    let alt = "x".repeat(1001);
    assert_refused(
        &cli.run(&["post", "--text", "alt", "--alt", &alt, p(&photo)]),
        "The alt text for photo.jpg is 1001 characters; X allows 1000",
    );
    assert_refused(
        &cli.run(&["post", "--text", "alt", "--alt", "a clip", p(&video)]),
        "clip.mp4 is a video: X takes alt text on photos and GIFs only",
    );

    let missing = files.path("nowhere.jpg");
    assert_refused(&cli.run(&["upload", p(&missing)]), "Can't find");
    assert_refused(
        &cli.run(&["upload", files.dir.path().to_str().unwrap()]),
        "is a folder",
    );

    let heic = files.path("IMG_0001.heic");
    x_uploader::core::media::testdata::write_heic(&heic).unwrap();
    assert_refused(&cli.run(&["upload", p(&heic)]), "Export it as JPEG");

    // The server is down.
    let down = Cli {
        home: Home::new(),
        base: "http://127.0.0.1:9".into(),
        token: t.access.clone(),
    };
    assert_refused(&down.run(&["upload", p(&photo)]), "Can't reach 127.0.0.1:9");

    // Something that is not X's JSON.
    api.control(
        "fail-next",
        json!({ "endpoint": "initialize", "status": 400, "body": "<html><body>Bad gateway</body></html>", "content_type": "text/html" }),
    );
    assert_refused(
        &cli.run(&["upload", p(&photo)]),
        "X answered with something unexpected",
    );

    api.control(
        "fail-next",
        json!({ "endpoint": "finalize", "status": 400, "body": "{\"errors\":[{\"message\":\"Segments do not add up to provided total file size.\"}],\"title\":\"Invalid Request\"}" }),
    );
    assert_refused(
        &cli.run(&["upload", p(&video)]),
        "Segments do not add up to provided total file size",
    );

    api.control(
        "fail-processing",
        json!({ "message": "InvalidMedia: the video stream is damaged" }),
    );
    assert_refused(
        &cli.run(&["post", "--text", "damaged", p(&video)]),
        "X could not process clip.mp4: InvalidMedia: the video stream is damaged",
    );

    assert_eq!(cli.run(&["post", "--text", "Only once"]).code, 0);
    assert_refused(
        &cli.run(&["post", "--text", "Only once"]),
        "duplicate content",
    );

    // Not signed in: no token, an empty keychain service.
    let signed_out = run({
        let mut c = Home::new().command(server.base_url());
        c.args(["upload", p(&photo)]);
        c
    });
    assert_refused(&signed_out, "Not signed in");

    let stale = Cli {
        home: Home::new(),
        base: server.base_url().into(),
        token: "not-a-real-token".into(),
    };
    assert_refused(
        &stale.run(&["upload", p(&photo)]),
        "X_UPLOADER_ACCESS_TOKEN",
    );

    // Usage errors exit 2.
    let r = cli.run(&["post", "--alt", "a", "--alt", "b", p(&photo)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("2 --alt texts for 1 files"),
        "{}",
        r.stderr
    );
    assert_eq!(cli.run(&["upload", "--chunk-mib", "9", p(&photo)]).code, 2);
    assert_eq!(cli.run(&["post"]).code, 2);
}

#[test]
fn unreadable_file_is_refused_for_a_user_who_cannot_read_it() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let secret = files.jpeg("private.jpg", None);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let mut c = cli.cmd(&["upload", p(&secret)]);
    // root reads anything: run as `nobody` then, with a home it may use.
    let is_root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if is_root {
        for dir in [cli.home.dir.path(), files.dir.path()] {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        let mut wrapped = Command::new("setpriv");
        wrapped
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
            .args(c.get_args())
            .env_clear()
            .envs(
                c.get_envs()
                    .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
            )
            .stdin(Stdio::null());
        c = wrapped;
    }
    assert_refused(&run(c), "Can't open private.jpg: permission denied");
}

#[test]
fn ctrl_c_cancels_cleanly_with_exit_130() {
    let server = server(PracticeOptions {
        bandwidth_mbps: Some(20.0),
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let video = files.video("slow.mp4", 5.0, 20 * MIB);
    let child = cli
        .cmd(&["upload", p(&video)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until segments are flowing, then press Ctrl-C.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while api.inspect("requests?endpoint=append")["requests"]
        .as_array()
        .unwrap()
        .is_empty()
    {
        assert!(std::time::Instant::now() < deadline, "upload never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(out.stdout.is_empty());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
