//! X Uploader: the library behind the desktop app and the command line.
//! `core` knows nothing of the window; `cli` and (later) `ui` are its
//! listeners.

pub mod cli;
pub mod core;
pub mod ui;
