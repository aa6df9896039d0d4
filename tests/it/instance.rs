//! One window at a time, from the command line's side: the real binary
//! (without a display, so a start that gets as far as opening a window says
//! it couldn't) against a window lock held by this test.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use x_uploader::core::instance::{self, ALREADY_OPEN, Instance, Message};

use crate::autostart::queue_a_post;
use crate::cli::{Cli, Home, p, run};
use crate::support::*;

/// The data folder the binary uses in `home`.
pub(crate) fn data_dir(home: &Home) -> PathBuf {
    home.dir.path().join("data/x-uploader")
}

const NO_WINDOW: &str = "The window could not open";

#[test]
fn started_at_login_while_a_window_is_open_it_quits_at_once() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    // A post waits, so `--minimized` on its own would open the window.
    queue_a_post(&cli, "Waits");
    let held = Instance::take(&data_dir(&cli.home), false)
        .unwrap()
        .unwrap();
    let started = Instant::now();
    let r = cli.run(&["--minimized"]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(held);
    let r = cli.run(&["--minimized"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains(NO_WINDOW), "{}", r.stderr);
}

#[test]
fn a_window_that_cannot_be_reached_is_named_instead_of_opening_another() {
    let home = Home::new();
    let photo = Files::new().jpeg("a.jpg", None);
    // The lock is held but nothing listens (as on Windows, or a window
    // whose socket couldn't be made).
    let lock = instance::lock_path(&data_dir(&home), false);
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    let file = std::fs::File::create(&lock).unwrap();
    file.try_lock().unwrap();
    let mut c = home.command("http://127.0.0.1:9");
    c.arg(p(&photo));
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.trim(), format!("error: {ALREADY_OPEN}"));
}

#[test]
fn a_crashed_windows_socket_is_replaced_by_the_next_start() {
    let home = Home::new();
    let data = data_dir(&home);
    let socket = instance::socket_path(&data, false);
    std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
    // A crashed window leaves its socket file; its lock went with it.
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    assert!(socket.exists());
    let r = run(home.command("http://127.0.0.1:9"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(NO_WINDOW),
        "it went on to open: {}",
        r.stderr
    );
    assert!(!socket.exists(), "bound again, and removed on the way out");

    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let mut held = Instance::take(&data, false)
        .unwrap()
        .expect("the lock is free");
    let message = Message {
        show: true,
        files: vec![PathBuf::from("/tmp/x.jpg")],
    };
    instance::hand_over(&data, false, &message).unwrap();
    assert_eq!(held.inbox().unwrap().next(), Some(message));
}

#[test]
fn practice_and_real_windows_do_not_block_each_other() {
    let home = Home::new();
    let data = data_dir(&home);
    for (held, args) in [(false, vec!["--practice"]), (true, vec![])] {
        let _held = Instance::take(&data, held).unwrap().unwrap();
        let mut c = home.command("http://127.0.0.1:9");
        c.args(&args);
        let r = run(c);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(NO_WINDOW), "{args:?}: {}", r.stderr);
    }
}
