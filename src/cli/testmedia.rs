//! `x-uploader make-test-media` (hidden): generated media for tests,
//! benchmarks and the README's walk-through.

use std::process::ExitCode;

use super::MakeTestMediaArgs;
use crate::core::media::testdata::{self, Container};

pub fn run(a: &MakeTestMediaArgs) -> ExitCode {
    let result = match a.kind.as_str() {
        "video" => {
            testdata::write_video(&a.path, a.secs, a.bytes.unwrap_or(1 << 20), Container::Mp4)
        }
        "mov" => testdata::write_video(&a.path, a.secs, a.bytes.unwrap_or(1 << 20), Container::Mov),
        "jpeg" => testdata::write_jpeg(&a.path, 1200, 800, a.bytes),
        "png" => testdata::write_png(&a.path, 1200, 800, a.bytes),
        "gif" => testdata::write_gif(&a.path, 320, 240, a.frames),
        "heic" => testdata::write_heic(&a.path),
        other => {
            eprintln!("error: unknown kind {other:?}: use video, mov, jpeg, png, gif or heic");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: could not write {}: {e}", a.path.display());
            ExitCode::from(1)
        }
    }
}
