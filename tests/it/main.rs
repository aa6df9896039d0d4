//! The one integration-test crate (each file in tests/ would link its own
//! binary against the whole GUI stack).

mod auth;
mod autostart;
mod captions;
mod cli;
mod doctor;
mod engine;
mod instance;
mod layers;
mod packaging;
mod photos;
mod practice_captions;
mod practice_controls;
mod practice_media;
mod practice_oauth;
mod practice_posts;
mod practice_sdk;
mod practice_shapes;
mod resume;
mod schedule;
mod sign_in_hints;
mod stops;
mod support;
mod thread;
mod videos;
mod window;
