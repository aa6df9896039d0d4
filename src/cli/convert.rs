//! `x-uploader convert`: a video X can't take as it is (HEVC, 4K, 120 fps…)
//! made into an MP4 it takes (H.264 + AAC), with ffmpeg. Ctrl-C cancels.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

use super::ConvertArgs;
use super::run::{Failure, finish};
use crate::core::media::ffmpeg::{FfmpegError, convert_for_x};
use crate::core::media::{check, probe};

pub fn run(args: &ConvertArgs) -> ExitCode {
    finish(convert(args))
}

/// "IMG_0001.MOV" → "IMG_0001 (for X).mp4" beside it.
fn default_output(input: &std::path::Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "video".into());
    input.with_file_name(format!("{stem} (for X).mp4"))
}

fn convert(args: &ConvertArgs) -> Result<(), Failure> {
    let input = &args.file;
    let name = check::display_name(input);
    let sniffed = probe::sniff(input)
        .map_err(|e| Failure::Error(format!("Can't read {name}: {e}.")))?
        .filter(|s| s.mime.starts_with("video/"))
        .ok_or_else(|| Failure::Error(format!("{name} isn't a video.")))?;
    let info = probe::probe_video(input, &sniffed.mime)
        .map_err(|why| Failure::Error(format!("{name} can't be read: {why}.")))?;
    let output = args.out.clone().unwrap_or_else(|| default_output(input));
    if output.exists() && !args.force {
        return Err(Failure::Usage(format!(
            "{} already exists: choose another name with --out, or add --force.",
            output.display()
        )));
    }
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        let _ = ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed));
    }
    let bar = ProgressBar::new(1000).with_message(format!("Converting {name} for X"));
    if let Ok(style) = ProgressStyle::with_template("{msg} {wide_bar} {percent}% ({eta} left)") {
        bar.set_style(style);
    }
    let result = convert_for_x(input, &output, info.duration_secs, &cancel, |f| {
        bar.set_position((f * 1000.0) as u64)
    });
    bar.finish_and_clear();
    match result {
        Ok(()) => {
            println!("{}", output.display());
            Ok(())
        }
        Err(FfmpegError::Cancelled) => Err(Failure::Interrupted),
        Err(e) => Err(Failure::Error(e.to_string())),
    }
}
