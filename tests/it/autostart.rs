//! "Start X Uploader at login when posts wait" from the command line: a
//! post queued by `post --at` writes the XDG autostart entry (in the test's
//! own XDG_CONFIG_HOME) that starts this executable with `--minimized`, and
//! it passes desktop-file-validate; `queue cancel` of the last item removes
//! it; with the setting off it goes and a new scheduled post doesn't bring
//! it back; `--minimized` with nothing waiting quits quietly.

use std::path::PathBuf;
use std::process::Command;

use crate::cli::{BIN, Cli, p};
use crate::schedule::{spawn, wait_for_line};
use crate::support::*;

fn entry(cli: &Cli) -> PathBuf {
    cli.home
        .dir
        .path()
        .join("config/autostart/io.github.xuploader.XUploader.desktop")
}

/// `post --at +1h`, killed once its photo is uploaded: it waits in the queue.
pub(crate) fn queue_a_post(cli: &Cli, text: &str) -> String {
    let files = Files::new();
    let photo = files.jpeg("later.jpg", Some(200_000));
    let (mut child, rx) = spawn(cli, &["post", "--at", "+1h", "--text", text, p(&photo)]);
    wait_for_line(&rx, "Uploaded. Posting at");
    child.kill().expect("kill -9");
    let _ = child.wait();
    let q = cli.run(&["queue"]);
    assert_eq!(q.code, 0, "{}", q.stderr);
    let line = q.stdout.lines().find(|l| l.contains(text)).expect("queued");
    line.split_whitespace().next().unwrap().to_string()
}

fn setting_off(cli: &Cli) {
    let dir = cli.home.dir.path().join("config/x-uploader");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "[startup]\nat_login_when_posts_wait = false\n",
    )
    .unwrap();
}

#[test]
fn a_queued_post_adds_the_login_entry_and_cancelling_the_last_removes_it() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let first = queue_a_post(&cli, "First");
    let text = std::fs::read_to_string(entry(&cli)).expect("the autostart entry is written");
    let exe = std::fs::canonicalize(BIN).unwrap();
    assert!(
        text.lines()
            .any(|l| l == format!("Exec=\"{}\" --minimized", exe.display())),
        "Exec names this executable and the flag:\n{text}"
    );
    validate(&entry(&cli));

    // Started that way while a post waits, it opens the window (here there
    // is no display, so it says it couldn't) instead of quitting.
    let r = cli.run(&["--minimized"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("The window could not open"),
        "{}",
        r.stderr
    );

    let second = queue_a_post(&cli, "Second");
    let c = cli.run(&["queue", "cancel", &first]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    assert!(entry(&cli).exists(), "one post still waits");
    let c = cli.run(&["queue", "cancel", &second]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    assert!(!entry(&cli).exists(), "the last one cancelled: no entry");
}

#[test]
fn with_the_setting_off_the_entry_goes_and_stays_away() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    queue_a_post(&cli, "Waits");
    assert!(entry(&cli).exists());
    setting_off(&cli);
    // Any command puts the entry in step when it ends.
    assert_eq!(cli.run(&["queue"]).code, 0);
    assert!(!entry(&cli).exists(), "setting off: removed");
    queue_a_post(&cli, "Another");
    assert!(!entry(&cli).exists(), "setting off: not written again");
    assert_eq!(cli.run(&["queue"]).stdout.lines().count(), 2);
}

#[test]
fn started_minimized_with_nothing_waiting_it_quits_quietly() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    // An entry left over from a queue that emptied while X Uploader wasn't
    // running (say, `resume` from a script).
    std::fs::create_dir_all(entry(&cli).parent().unwrap()).unwrap();
    std::fs::write(entry(&cli), "[Desktop Entry]\n").unwrap();
    let r = cli.run(&["--minimized"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""));
    assert!(!entry(&cli).exists(), "and takes the stale entry away");
}

/// desktop-file-validate on `entry`: no error, no warning, no hint.
fn validate(entry: &std::path::Path) {
    let check = Command::new("desktop-file-validate")
        .arg(entry)
        .output()
        .expect("desktop-file-validate (desktop-file-utils) is installed");
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success() && said.trim().is_empty(), "{said}");
}

#[test]
fn an_awkward_folder_is_quoted_so_the_entry_stays_valid() {
    let dir = temp_dir();
    let exe = std::path::Path::new(r#"/opt/My $Apps/100% "X" `new`\x-uploader"#);
    let text = x_uploader::core::autostart::desktop_entry(exe, &["--minimized"]).unwrap();
    let path = dir.path().join("io.github.xuploader.XUploader.desktop");
    std::fs::write(&path, &text).unwrap();
    validate(&path);
    // Unquoted, the same folder is refused: the check can fail.
    std::fs::write(&path, text.replace('"', "")).unwrap();
    let check = Command::new("desktop-file-validate")
        .arg(&path)
        .output()
        .unwrap();
    assert!(!check.status.success());
}

#[test]
fn the_entry_is_there_while_post_at_waits_and_gone_once_it_posted() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let photo = files.jpeg("soon.jpg", Some(200_000));
    let (child, rx) = spawn(&cli, &["post", "--at", "+4s", "--text", "Soon", p(&photo)]);
    wait_for_line(&rx, "Uploaded. Posting at");
    assert!(entry(&cli).exists(), "written while it waits");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(api.inspect("posts")["posts"].as_array().unwrap().len(), 1);
    assert!(!entry(&cli).exists(), "posted: nothing waits, no entry");
}
