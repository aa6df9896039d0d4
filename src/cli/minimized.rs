//! `x-uploader --minimized`: how the login entry starts X Uploader while
//! scheduled posts wait. With posts waiting the window opens minimised and
//! a notification says what waits; with none (the queue emptied since) it
//! quits without a word and takes the entry away. And the command line's
//! side of keeping that entry in step with the queue.

use chrono::Local;

use crate::core::autostart;
use crate::core::config::Config;

/// Started by the login entry: what the notification says, or `None` when
/// nothing waits and X Uploader should quit.
pub(super) fn start(config: &Config) -> Option<String> {
    let waiting = autostart::waiting(&config.paths.data_dir, &config.api_base);
    if waiting.items == 0 {
        tracing::info!("started at login but no post waits: quitting");
        autostart::sync_or_log(config);
        return None;
    }
    Some(autostart::background_note(&waiting, &Local::now()))
}

/// A post was queued (`post --at`, `thread --at`): the login entry now, so
/// a restart of the computer before its time doesn't strand it.
pub(super) fn queued(config: &Config) {
    if let Err(e) = autostart::sync(config) {
        eprintln!("Note: {e} The post goes out only while X Uploader runs.");
    }
}
