//! One window at a time (core/instance.rs), as the window starts: take the
//! lock of this data folder and mode, or hand the start to the window that
//! holds it — `--minimized` (the login entry) just quits, as the running
//! window already posts; a plain start asks it to come forward with the
//! files given. If it can't be reached, say so instead of opening a second
//! window on the same draft and queue.

use std::path::{Path, PathBuf};

use super::run::Failure;
use crate::core::instance::{self, ALREADY_OPEN, Instance, Message};

/// Whether this start opens the window.
pub(super) enum Claim {
    /// It does, holding the lock (`None`: the lock couldn't be made, say on
    /// a read-only folder; the window opens without it).
    Window(Option<Instance>),
    /// The running window took it over.
    Elsewhere,
}

pub(super) fn claim(
    data_dir: &Path,
    practice: bool,
    minimized: bool,
    files: &[PathBuf],
) -> Result<Claim, Failure> {
    match Instance::take(data_dir, practice) {
        Ok(Some(instance)) => return Ok(Claim::Window(Some(instance))),
        Ok(None) => {}
        Err(e) => {
            tracing::warn!("no window lock in {}: {e}", data_dir.display());
            return Ok(Claim::Window(None));
        }
    }
    if minimized {
        tracing::info!("started at login but a window is already open: quitting");
        return Ok(Claim::Elsewhere);
    }
    let message = Message {
        show: true,
        files: files.to_vec(),
    };
    match instance::hand_over(data_dir, practice, &message) {
        Ok(()) => {
            tracing::info!("handed {} file(s) to the open window", files.len());
            Ok(Claim::Elsewhere)
        }
        Err(e) => {
            tracing::warn!("the open window can't be reached: {e}");
            tell(ALREADY_OPEN);
            Err(Failure::Error(ALREADY_OPEN.into()))
        }
    }
}

/// Where there is a desktop to show it on: a notification on Linux (its
/// message boxes need zenity, which may be missing), else a small message
/// box.
fn tell(text: &str) {
    let desktop = cfg!(any(windows, target_os = "macos"))
        || ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()));
    if !desktop {
        return;
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        let shown = notify_rust::Notification::new()
            .appname("X Uploader")
            .summary("X Uploader")
            .body(text)
            .show();
        if shown.is_ok() {
            return;
        }
    }
    rfd::MessageDialog::new()
        .set_title("X Uploader")
        .set_description(text)
        .set_level(rfd::MessageLevel::Info)
        .set_buttons(rfd::MessageButtons::Ok)
        .show();
}
