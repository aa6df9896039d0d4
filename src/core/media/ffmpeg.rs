//! What the `ffmpeg` program does for us when it is installed (the .deb
//! recommends it): a picture from a video for its tile, and "Convert for X"
//! (H.264 + AAC at X's recommended settings). Without it, both say so and
//! the app goes on as before.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Why ffmpeg couldn't do it, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FfmpegError {
    #[error(
        "Converting needs ffmpeg, which isn't installed. Install it (Debian/Ubuntu: sudo apt install ffmpeg), or export the video as MP4 (H.264 and AAC, at most 1280×1024, 60 fps)."
    )]
    Missing,
    #[error("The conversion was cancelled.")]
    Cancelled,
    #[error("{0}")]
    Failed(String),
}

/// Is the `ffmpeg` program on `PATH` (checked without running it)?
pub fn installed() -> bool {
    std::env::var_os("PATH").is_some_and(|path| found_in(&path))
}

fn found_in(path: &std::ffi::OsStr) -> bool {
    let names: &[&str] = if cfg!(windows) {
        &["ffmpeg.exe"]
    } else {
        &["ffmpeg"]
    };
    std::env::split_paths(path).any(|dir| names.iter().any(|n| dir.join(n).is_file()))
}

fn ffmpeg() -> Command {
    let mut c = Command::new("ffmpeg");
    c.args(["-hide_banner", "-nostdin", "-loglevel", "error"])
        .stdin(Stdio::null());
    c
}

fn spawn(mut c: Command) -> Result<Child, FfmpegError> {
    c.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => FfmpegError::Missing,
        _ => FfmpegError::Failed(format!("ffmpeg could not start ({e}).")),
    })
}

/// The last line ffmpeg wrote on stderr: its reason.
fn reason(stderr: &str) -> String {
    stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no reason given")
        .trim()
        .to_string()
}

/// A picture from the video at `path`, about `at_secs` in (as a player
/// shows it: rotation applied), at most `max` pixels on its longest side.
pub fn frame(path: &Path, at_secs: f64, max: u32) -> Result<image::RgbaImage, FfmpegError> {
    let mut c = ffmpeg();
    c.arg("-ss")
        .arg(format!("{:.3}", at_secs.max(0.0)))
        .arg("-i")
        .arg(path)
        .args(["-frames:v", "1", "-an", "-vf"])
        .arg(format!(
            "scale={max}:{max}:force_original_aspect_ratio=decrease"
        ))
        .args(["-f", "image2pipe", "-vcodec", "png", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn(c)?;
    let mut png = Vec::new();
    let mut err = String::new();
    if let Some(mut out) = child.stdout.take() {
        // A picture of at most max×max: a few hundred KB.
        let _ = out.by_ref().take(64 << 20).read_to_end(&mut png);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let status = child
        .wait()
        .map_err(|e| FfmpegError::Failed(e.to_string()))?;
    if !status.success() || png.is_empty() {
        return Err(FfmpegError::Failed(format!(
            "No picture from the video: {}",
            reason(&err)
        )));
    }
    image::load_from_memory_with_format(&png, image::ImageFormat::Png)
        .map(|i| i.to_rgba8())
        .map_err(|e| FfmpegError::Failed(format!("No picture from the video: {e}")))
}

/// Convert `input` into an MP4 at `output` that X takes as it is: H.264
/// (High, 8-bit 4:2:0), at most 1280×1024 and 60 fps, AAC-LC sound, the
/// header first. `progress` hears 0.0–1.0 as it goes; setting `cancel`
/// stops ffmpeg and removes the half-written file.
pub fn convert_for_x(
    input: &Path,
    output: &Path,
    duration_secs: f64,
    cancel: &AtomicBool,
    mut progress: impl FnMut(f64),
) -> Result<(), FfmpegError> {
    let mut c = ffmpeg();
    c.arg("-y")
        .arg("-i")
        .arg(input)
        .args([
            "-map",
            "0:v:0",
            "-map",
            "0:a:0?",
            "-vf",
            // Fit in 1280×1024, even sides, square pixels.
            "scale=w='min(1280,iw)':h='min(1024,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2,setsar=1",
            "-fpsmax",
            "60",
            "-c:v",
            "libx264",
            "-profile:v",
            "high",
            "-pix_fmt",
            "yuv420p",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-ac",
            "2",
            "-ar",
            "48000",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            "-progress",
            "pipe:1",
            "-nostats",
        ])
        .arg(output)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn(c)?;
    let stderr = child.stderr.take();
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut e) = stderr {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let total_us = (duration_secs.max(0.001) * 1e6) as u64;
    let mut last = Instant::now();
    progress(0.0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if cancel.load(Ordering::Relaxed) {
                break;
            }
            if let Some(us) = line.strip_prefix("out_time_us=")
                && let Ok(us) = us.trim().parse::<u64>()
                && last.elapsed() > Duration::from_millis(100)
            {
                last = Instant::now();
                progress((us as f64 / total_us as f64).clamp(0.0, 0.999));
            }
        }
    }
    if cancel.load(Ordering::Relaxed) {
        let _ = child.kill();
        let _ = child.wait();
        let _ = errors.join();
        let _ = std::fs::remove_file(output);
        return Err(FfmpegError::Cancelled);
    }
    let status = child
        .wait()
        .map_err(|e| FfmpegError::Failed(e.to_string()))?;
    let err = errors.join().unwrap_or_default();
    if !status.success() {
        let _ = std::fs::remove_file(output);
        return Err(FfmpegError::Failed(format!(
            "The video could not be converted: {}",
            reason(&err)
        )));
    }
    progress(1.0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::found_in;

    #[test]
    fn ffmpeg_is_found_only_where_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let empty = tempfile::tempdir().unwrap();
        let name = if cfg!(windows) {
            "ffmpeg.exe"
        } else {
            "ffmpeg"
        };
        std::fs::write(dir.path().join(name), b"").unwrap();
        let both = std::env::join_paths([empty.path(), dir.path()]).unwrap();
        assert!(found_in(&both));
        let without = std::env::join_paths([empty.path()]).unwrap();
        assert!(!found_in(&without));
    }
}
