//! "Start X Uploader at login when posts wait": scheduled posts go out only
//! while X Uploader runs, so while at least one waits (and the setting is
//! on) the system starts it at login, minimised (`x-uploader --minimized`);
//! once the queue is empty the entry goes. [`sync`] reads the queue (the
//! journal's posts with a `not_before` time) and puts the entry in step:
//! an XDG autostart file on Linux, a LaunchAgent on macOS, a Run value in
//! the registry on Windows (see `entry`).

mod entry;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Local, TimeZone};

use crate::core::config::{Config, FileConfig};
use crate::core::engine::journal::Journal;

pub use entry::{ENTRY_ID, desktop_entry, entry_path, exec_line};

/// The flag the login entry starts X Uploader with.
pub const FLAG: &str = "--minimized";

/// The setting (`[startup] at_login_when_posts_wait`; on unless turned off).
pub fn enabled(settings: &FileConfig) -> bool {
    settings.startup.at_login_when_posts_wait != Some(false)
}

/// What waits in the queue: how many items (a thread counts once) and the
/// earliest time (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Waiting {
    pub items: usize,
    pub next: Option<u64>,
    /// Every one was scheduled in practice mode (for a practice server on
    /// this computer, not the API in use): the entry starts practice mode,
    /// where they go out.
    pub practice: bool,
}

/// The arguments the login entry starts X Uploader with.
pub fn args(practice: bool) -> &'static [&'static str] {
    if practice {
        &["--practice", FLAG]
    } else {
        &[FLAG]
    }
}

/// A practice server's address (the window's `ours` says the same).
fn on_this_computer(api_base: &str) -> bool {
    ["http://127.0.0.1", "http://[::1]", "http://localhost"]
        .iter()
        .any(|p| api_base.starts_with(p))
}

/// The queue as the journal in `data_dir` has it; `api_base`: the API in
/// use outside practice mode.
pub fn waiting(data_dir: &Path, api_base: &str) -> Waiting {
    let (posts, aside) = Journal::new(data_dir).posts();
    for a in aside {
        tracing::warn!("{}", a.message);
    }
    let mut ids: Vec<String> = Vec::new();
    let mut next: Option<u64> = None;
    let mut practice = true;
    for p in &posts {
        let Some(at) = p.not_before else { continue };
        practice &= p.api_base != api_base && on_this_computer(&p.api_base);
        let id = p.thread.as_ref().map_or(&p.id, |t| &t.thread);
        if !ids.contains(id) {
            ids.push(id.clone());
        }
        next = Some(next.map_or(at, |n| n.min(at)));
    }
    Waiting {
        items: ids.len(),
        next,
        practice: practice && !ids.is_empty(),
    }
}

/// One sync at a time in this process: each reads the queue as it is then,
/// so the last one leaves the entry right whatever order they ran in.
static SYNCING: Mutex<()> = Mutex::new(());

/// Put the login entry in step with the queue and the setting: there while
/// posts wait and the setting is on, gone otherwise. `Ok(true)`: it is
/// there now. Blocking (files; on Windows `reg.exe`).
pub fn sync(config: &Config) -> Result<bool, String> {
    let Some(dir) = &config.paths.autostart_dir else {
        return Ok(false);
    };
    let _one = SYNCING.lock().unwrap_or_else(|e| e.into_inner());
    let queue = waiting(&config.paths.data_dir, &config.api_base);
    let wanted = enabled(&config.file) && queue.items > 0;
    if wanted {
        let exe = std::env::current_exe().map_err(|e| {
            format!("X Uploader can't set itself to start at login: its own program file can't be found ({e}).")
        })?;
        entry::install(dir, &live_path(exe), args(queue.practice))?;
    } else {
        entry::remove(dir)?;
    }
    Ok(wanted)
}

/// Linux names a program that was replaced while it ran (an upgrade of
/// the package) "…/x-uploader (deleted)": the new one is at the old place.
fn live_path(exe: PathBuf) -> PathBuf {
    let replaced = exe
        .to_str()
        .and_then(|s| s.strip_suffix(" (deleted)"))
        .map(PathBuf::from)
        .filter(|p| !exe.exists() && p.exists());
    replaced.unwrap_or(exe)
}

/// [`sync`], with a failure logged (the window and the command line go on:
/// the entry only matters at the next login).
pub fn sync_or_log(config: &Config) {
    if let Err(e) = sync(config) {
        tracing::warn!("{e}");
    }
}

/// "X Uploader is running in the background: 2 scheduled posts wait, the
/// next at 14:00." (`now` and the times in the computer's time zone).
pub fn background_note(w: &Waiting, now: &DateTime<Local>) -> String {
    let next = w
        .next
        .and_then(|t| Local.timestamp_opt(t as i64, 0).single());
    let what = match (w.items, next.map(|t| at_words(&t, now))) {
        (1, Some(Some(when))) => format!("1 scheduled post waits, {when}"),
        (1, _) => "1 scheduled post is due now".to_string(),
        (n, Some(Some(when))) => format!("{n} scheduled posts wait, the next {when}"),
        (n, _) => format!("{n} scheduled posts wait, one is due now"),
    };
    format!("X Uploader is running in the background: {what}.")
}

/// "at 14:00", "tomorrow at 09:30", "on Thu 24 Dec at 09:30"; `None` for a
/// time already passed.
fn at_words(t: &DateTime<Local>, now: &DateTime<Local>) -> Option<String> {
    let time = t.format("%H:%M");
    let (day, today) = (t.date_naive(), now.date_naive());
    Some(if t <= now {
        return None;
    } else if day == today {
        format!("at {time}")
    } else if today.succ_opt() == Some(day) {
        format!("tomorrow at {time}")
    } else {
        format!("on {} at {time}", t.format("%a %-d %b"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_names_the_count_and_the_next_time() {
        let now = Local.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let at = |h| {
            Some(
                Local
                    .with_ymd_and_hms(2026, 12, 3, h, 0, 0)
                    .unwrap()
                    .timestamp() as u64,
            )
        };
        let two = Waiting {
            items: 2,
            next: at(14),
            practice: false,
        };
        assert_eq!(
            background_note(&two, &now),
            "X Uploader is running in the background: 2 scheduled posts wait, the next at 14:00."
        );
        let one = Waiting {
            items: 1,
            next: at(14),
            practice: false,
        };
        assert_eq!(
            background_note(&one, &now),
            "X Uploader is running in the background: 1 scheduled post waits, at 14:00."
        );
        let tomorrow = Local.with_ymd_and_hms(2026, 12, 4, 9, 30, 0).unwrap();
        assert_eq!(at_words(&tomorrow, &now).unwrap(), "tomorrow at 09:30");
        let later = Local.with_ymd_and_hms(2026, 12, 24, 9, 30, 0).unwrap();
        assert_eq!(at_words(&later, &now).unwrap(), "on Thu 24 Dec at 09:30");
        let due = Waiting {
            items: 3,
            next: at(8),
            practice: false,
        };
        assert_eq!(
            background_note(&due, &now),
            "X Uploader is running in the background: 3 scheduled posts wait, one is due now."
        );
    }

    #[test]
    fn practice_posts_alone_start_practice_mode() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::new(dir.path());
        let queue = |base: &str, at: u64| {
            let mut post = journal.create_post("Later", base, None);
            post.not_before = Some(at);
            journal.save_post(&post).unwrap();
        };
        let x = "https://api.x.com";
        assert_eq!(waiting(dir.path(), x), Waiting::default());
        queue("http://127.0.0.1:41234", 2_000);
        let w = waiting(dir.path(), x);
        assert_eq!((w.items, w.next, w.practice), (1, Some(2_000), true));
        assert_eq!(args(w.practice), ["--practice", "--minimized"]);
        // `X_UPLOADER_API_BASE` at a server on this computer: not practice.
        assert!(!waiting(dir.path(), "http://127.0.0.1:41234").practice);
        queue(x, 1_000);
        let w = waiting(dir.path(), x);
        assert_eq!((w.items, w.next, w.practice), (2, Some(1_000), false));
        assert_eq!(args(w.practice), ["--minimized"]);
    }

    #[test]
    fn a_program_replaced_while_it_ran_is_started_from_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("x-uploader");
        let gone = dir.path().join("x-uploader (deleted)");
        assert_eq!(live_path(gone.clone()), gone, "nothing at the old place");
        std::fs::write(&exe, b"").unwrap();
        assert_eq!(live_path(gone), exe);
        assert_eq!(live_path(exe.clone()), exe);
    }

    #[test]
    fn the_setting_is_on_unless_turned_off() {
        let mut file = FileConfig::default();
        assert!(enabled(&file));
        file.startup.at_login_when_posts_wait = Some(false);
        assert!(!enabled(&file));
    }
}
