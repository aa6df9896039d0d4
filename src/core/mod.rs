//! Everything that knows nothing of the window: limits, compose rules, media
//! checks, the X client, the upload engine, sign-in, and the practice server.

pub mod auth;
pub mod autostart;
pub mod clock;
pub mod compose;
pub mod config;
pub mod doctor;
pub mod draft;
pub mod engine;
pub mod fsx;
pub mod instance;
pub mod limits;
pub mod logging;
pub mod media;
pub mod memory;
pub mod panic_guard;
pub mod practice;
pub mod schedule;
pub mod secret;
pub mod service;
pub mod thread_file;
pub mod tray;
pub mod xclient;
