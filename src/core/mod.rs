//! Everything that knows nothing of the window: limits, compose rules, media
//! checks, the X client, the upload engine, sign-in, and the practice server.

pub mod compose;
pub mod limits;
pub mod media;
pub mod practice;
