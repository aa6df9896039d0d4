//! The window's side of "start X Uploader at login when posts wait": each
//! time the queue changes (a post scheduled, posted, cancelled, loaded at
//! start) or the setting is saved, the login entry is put in step, off the
//! service's loop (see `core::autostart`).

use super::worker::Worker;

impl Worker {
    pub(super) fn keep_login_entry(&self) {
        let config = &self.options.config;
        let (paths, file) = (config.paths.clone(), config.file.clone());
        tokio::task::spawn_blocking(move || crate::core::autostart::sync_or_log(&paths, &file));
    }
}
