//! Scheduled posts on the command line: `post --at` uploads now and posts
//! on time; killed while waiting, `resume` posts it once it is due —
//! exactly once, even with two `resume`s at the same moment; `queue` lists
//! and cancels; more than an hour late waits for `--post-late`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::cli::{Cli, assert_refused, p};
use crate::support::*;

fn now_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn posts(api: &Api) -> Vec<Value> {
    api.inspect("posts")["posts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn journal_dir(cli: &Cli) -> PathBuf {
    cli.home.dir.path().join("data/x-uploader/journal")
}

/// Start `args` and hand back its stderr lines as they come.
pub(crate) fn spawn(cli: &Cli, args: &[&str]) -> (Child, mpsc::Receiver<String>) {
    let mut child = cli
        .cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start x-uploader");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Wait (at most 60 s) for a stderr line containing `needle`.
pub(crate) fn wait_for_line(rx: &mpsc::Receiver<String>, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return line,
            Ok(line) => seen.push(line),
            Err(_) => break,
        }
    }
    panic!("no line with {needle:?} on stderr; saw {seen:?}");
}

#[test]
fn post_at_is_never_early_and_at_most_three_seconds_late() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let photo = files.jpeg("sunrise.jpg", Some(400_000));
    let started = now_f64();
    let r = cli.run(&["post", "--at", "+20s", "--text", "Good morning", p(&photo)]);
    let finished = now_f64();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let stored = posts(&api);
    assert_eq!(stored.len(), 1);
    let created = stored[0]["created_at"].as_f64().expect("created_at");
    // The command read "+20s" after `started`, so the post may not come
    // before started + 20; it must come within 3 s of it (plus the time
    // the process took to start and connect, which is in the 3 s).
    assert!(
        created >= started + 20.0,
        "early by {:.2} s",
        started + 20.0 - created
    );
    assert!(
        created <= started + 23.0,
        "late by {:.2} s",
        created - started - 20.0
    );
    assert!(finished - started < 30.0);
    // The photo was uploaded while waiting, not at the time.
    let media_id = stored[0]["media_ids"][0].as_str().unwrap();
    assert_eq!(
        api.inspect(&format!("media/{media_id}"))["sha256"],
        sha256_of(&photo)
    );
    assert!(r.stderr.contains("Posting at Today"), "{}", r.stderr);
    assert!(r.stdout.trim().ends_with(stored[0]["id"].as_str().unwrap()));
}

#[test]
fn killed_while_waiting_then_two_resumes_at_once_post_it_exactly_once() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let photo = files.jpeg("stage.jpg", Some(300_000));
    let (mut child, rx) = spawn(
        &cli,
        &["post", "--at", "+8s", "--text", "On stage now", p(&photo)],
    );
    let due = now_f64() + 8.0;
    wait_for_line(&rx, "Uploaded. Posting at");
    child.kill().expect("kill -9");
    let _ = child.wait();
    assert!(posts(&api).is_empty(), "nothing posted before its time");

    // `queue` lists it; `resume` before the time leaves it waiting.
    let q = cli.run(&["queue"]);
    assert_eq!(q.code, 0, "{}", q.stderr);
    assert_eq!(q.stdout.lines().count(), 1, "{}", q.stdout);
    assert!(
        q.stdout.contains("1 photo · “On stage now”"),
        "{}",
        q.stdout
    );
    let early = cli.run(&["resume"]);
    assert_eq!(early.code, 0, "{}", early.stderr);
    assert!(early.stderr.contains("waits until"), "{}", early.stderr);
    assert!(posts(&api).is_empty());

    let wait = due - now_f64() + 0.5;
    if wait > 0.0 {
        std::thread::sleep(Duration::from_secs_f64(wait));
    }
    let a = cli
        .cmd(&["resume"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let b = cli
        .cmd(&["resume"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    assert_eq!(
        b.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&b.stderr)
    );
    let stored = posts(&api);
    assert_eq!(stored.len(), 1, "posted exactly once");
    assert_eq!(stored[0]["text"], "On stage now");
    assert_eq!(
        api.inspect("requests")["counts"]["create_tweet"].as_u64(),
        Some(1),
        "one POST /2/tweets between the two"
    );
    let urls = String::from_utf8_lossy(&a.stdout).to_string() + &String::from_utf8_lossy(&b.stdout);
    assert_eq!(
        urls.lines().count(),
        1,
        "one of them printed the URL: {urls}"
    );
    let q = cli.run(&["queue"]);
    assert!(
        q.stdout.is_empty() && q.stderr.contains("Nothing is waiting"),
        "{}",
        q.stderr
    );
}

#[test]
fn ctrl_c_leaves_it_queued_and_queue_cancel_removes_it() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let photo = files.jpeg("a.jpg", Some(200_000));
    let (child, rx) = spawn(&cli, &["post", "--at", "+1h", "--text", "Later", p(&photo)]);
    wait_for_line(&rx, "Uploaded. Posting at");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let queued = wait_for_line(&rx, "queue cancel");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let id = queued
        .split("queue cancel ")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .expect("the id in the message")
        .to_string();

    let q = cli.run(&["queue"]);
    assert!(q.stdout.starts_with(&id), "{}", q.stdout);
    assert!(
        q.stdout.contains("(in 59 minutes)") || q.stdout.contains("(in 1 hour)"),
        "{}",
        q.stdout
    );
    assert_refused(
        &cli.run(&["queue", "cancel", "nope"]),
        "Nothing in the queue has the id nope",
    );
    let c = cli.run(&["queue", "cancel", &id]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    assert!(c.stdout.starts_with("Cancelled: "), "{}", c.stdout);
    let q = cli.run(&["queue"]);
    assert!(q.stdout.is_empty(), "{}", q.stdout);
    let left: Vec<_> = std::fs::read_dir(journal_dir(&cli))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().ends_with(".json"))
        .collect();
    assert!(left.is_empty(), "journal emptied: {left:?}");
    assert!(cli.run(&["resume"]).stderr.contains("Nothing to resume"));
    assert!(posts(&api).is_empty());
}

#[test]
fn more_than_an_hour_late_waits_for_post_late() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let (child, rx) = spawn(
        &cli,
        &["post", "--at", "+2h", "--text", "Missed the moment"],
    );
    wait_for_line(&rx, "Uploaded. Posting at");
    let status = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = child.wait_with_output();
    // As if the computer had been off: the time passed two hours ago.
    let intent = std::fs::read_dir(journal_dir(&cli))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("post-")
                && p.extension().is_some_and(|e| e == "json")
        })
        .expect("the queued post");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&intent).unwrap()).unwrap();
    v["not_before"] = (now_f64() as u64 - 2 * 3600).into();
    std::fs::write(&intent, serde_json::to_vec(&v).unwrap()).unwrap();

    let r = cli.run(&["resume"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("2 hours ago") && r.stderr.contains("--post-late"),
        "{}",
        r.stderr
    );
    assert!(posts(&api).is_empty());
    let r = cli.run(&["resume", "--post-late"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("Posted 2 hours late"), "{}", r.stderr);
    assert_eq!(posts(&api).len(), 1);
}

#[test]
fn times_that_cannot_be_used_are_usage_errors() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    for (at, needle) in [
        ("+0s", "more than zero"),
        ("soon", "isn't a time X Uploader understands"),
        ("2020-01-01 10:00", "is in the past"),
    ] {
        let r = cli.run(&["post", "--at", at, "--text", "x"]);
        assert_eq!(r.code, 2, "{at}: {}", r.stderr);
        assert!(
            r.stderr.starts_with("error: --at: ") && r.stderr.contains(needle),
            "{}",
            r.stderr
        );
    }
    assert!(posts(&api).is_empty());
}
