//! The window's side of "start X Uploader at login when posts wait": each
//! time the queue changes (a post scheduled, posted, cancelled, loaded at
//! start) or the setting is saved, the login entry is put in step, off the
//! service's loop (see `core::autostart`).

use super::worker::Worker;

impl Worker {
    pub(super) fn keep_login_entry(&self) {
        // The settings saved (not practice mode's): the entry starts
        // practice mode only for posts scheduled there.
        // On the file thread: after the journal changes queued before it
        // (a cancel's removal), so it reads the queue as it now is.
        let config = self.options.config.clone();
        self.files
            .write(move || crate::core::autostart::sync_or_log(&config));
    }
}
