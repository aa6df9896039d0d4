//! Videos shaped like what phones, cameras and screen recorders write, made
//! with ffmpeg at test time (scripts/test.sh installs it): each posts with
//! `x-uploader post` against the practice server, and `--json` says what it
//! is. Location entries arrive blanked; a too-short video is refused.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::cli::{Cli, assert_refused, p};
use crate::support::*;

/// Run ffmpeg with `args`, writing `out` in `dir`.
fn ffmpeg(dir: &Path, out: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(out);
    let result = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .arg(&path)
        .output()
        .expect("ffmpeg runs (scripts/test.sh installs it)");
    assert!(
        result.status.success(),
        "ffmpeg {args:?} {out}: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    path
}

const PICTURE: [&str; 2] = ["-f", "lavfi"];

fn picture(size: &str, secs: f64, rate: u32) -> Vec<String> {
    let mut a: Vec<String> = PICTURE.iter().map(|s| s.to_string()).collect();
    a.extend([
        "-i".into(),
        format!("testsrc2=size={size}:rate={rate}:duration={secs}"),
    ]);
    a
}

fn tone(hz: u32, rate: u32, secs: f64) -> Vec<String> {
    let mut a: Vec<String> = PICTURE.iter().map(|s| s.to_string()).collect();
    a.extend([
        "-i".into(),
        format!("sine=frequency={hz}:sample_rate={rate}:duration={secs}"),
    ]);
    a
}

/// `picture` + `tone` inputs, then `rest`.
fn args(inputs: &[Vec<String>], rest: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = inputs.iter().flatten().cloned().collect();
    a.extend(rest.iter().map(|s| s.to_string()));
    a
}

fn make(dir: &Path, out: &str, a: Vec<String>) -> PathBuf {
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    ffmpeg(dir, out, &refs)
}

/// Where box `kind` first starts at the top level of `path`.
fn top_level_offset(path: &Path, kind: &[u8; 4]) -> Option<u64> {
    let data = std::fs::read(path).unwrap();
    let mut pos = 0usize;
    while pos + 8 <= data.len() {
        let size = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
        if &data[pos + 4..pos + 8] == kind {
            return Some(pos as u64);
        }
        if size < 8 {
            return None;
        }
        pos += size;
    }
    None
}

/// The version of the QuickTime sound sample description `fourcc` in `path`.
fn sound_version(path: &Path, fourcc: &[u8; 4]) -> Option<u16> {
    let data = std::fs::read(path).unwrap();
    let stsd = data.windows(4).position(|w| w == b"stsd")?;
    (stsd..data.len() - 16).find_map(|i| {
        let size = u32::from_be_bytes(data[i - 4..i].try_into().unwrap());
        // size, kind, 6 reserved bytes, data reference index, version.
        (&data[i..i + 4] == fourcc && (36..1000).contains(&size))
            .then(|| u16::from_be_bytes([data[i + 12], data[i + 13]]))
    })
}

struct Case {
    file: PathBuf,
    container: &'static str,
    codec: &'static str,
    size: (u64, u64),
    audio: &'static [&'static str],
    secs: f64,
    fps: f64,
}

#[test]
fn videos_as_devices_write_them_post() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let dir = files.dir.path();
    let small = |secs| picture("320x240", secs, 30);
    let aac = ["-c:a", "aac"];

    // iPhone-like: H.264 + AAC in a MOV with a timecode track, rotated.
    let plain = make(
        dir,
        "plain.mov",
        args(
            &[small(2.0), tone(440, 48000, 2.0)],
            &["-c:v", "libx264", "-c:a", "aac", "-timecode", "01:00:00:00"],
        ),
    );
    let rotated = ffmpeg(
        dir,
        "IMG_0001.mov",
        &[
            "-i",
            p(&plain),
            "-map",
            "0",
            "-c",
            "copy",
            "-metadata:s:v:0",
            "rotate=90",
        ],
    );
    let hevc = make(
        dir,
        "IMG_0002.mov",
        args(
            &[small(2.0), tone(440, 48000, 2.0)],
            &[
                "-c:v",
                "libx265",
                "-x265-params",
                "log-level=error",
                "-tag:v",
                "hvc1",
                aac[0],
                aac[1],
            ],
        ),
    );
    let hevc10 = make(
        dir,
        "IMG_0003.mov",
        args(
            &[small(2.0), tone(440, 48000, 2.0)],
            &[
                "-c:v",
                "libx265",
                "-x265-params",
                "log-level=error",
                "-pix_fmt",
                "yuv420p10le",
                "-tag:v",
                "hvc1",
                aac[0],
                aac[1],
            ],
        ),
    );
    // ffmpeg writes the movie header after the media data unless told not to.
    let moov_end = make(
        dir,
        "moov-at-end.mp4",
        args(
            &[small(2.0), tone(440, 48000, 2.0)],
            &["-c:v", "libx264", aac[0], aac[1]],
        ),
    );
    let frag = make(
        dir,
        "screen-recording.mp4",
        args(
            &[small(2.0), tone(440, 48000, 2.0)],
            &[
                "-c:v",
                "libx264",
                aac[0],
                aac[1],
                "-movflags",
                "frag_keyframe+empty_moov",
            ],
        ),
    );
    let pcm = make(
        dir,
        "camera-pcm.mov",
        args(
            &[small(2.0), tone(440, 48000, 2.0)],
            &["-c:v", "libx264", "-c:a", "pcm_s16le"],
        ),
    );
    let two_audio = make(
        dir,
        "two-languages.mp4",
        args(
            &[small(2.0), tone(440, 48000, 2.0), tone(880, 44100, 2.0)],
            &[
                "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", aac[0], aac[1],
            ],
        ),
    );
    let long = make(
        dir,
        "interview-720p.mp4",
        args(
            &[picture("1280x720", 40.0, 15), tone(300, 16000, 40.0)],
            &[
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-crf",
                "40",
                "-ac",
                "1",
                aac[0],
                aac[1],
            ],
        ),
    );
    let webm = make(
        dir,
        "browser.webm",
        args(
            &[small(2.0)],
            &[
                "-c:v",
                "libvpx-vp9",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
            ],
        ),
    );
    // 96 kHz 24-bit sound: a version 2 QuickTime sound description (AAC
    // in a MOV is version 1, 16-bit PCM version 0).
    let hi_res = make(
        dir,
        "recorder-96k.mov",
        args(
            &[picture("320x240", 2.0, 25), tone(440, 96000, 2.0)],
            &["-c:v", "libx264", "-c:a", "pcm_s24le"],
        ),
    );
    // Starting half a second late: an edit list with an empty edit.
    let late = ffmpeg(
        dir,
        "late-start.mov",
        &["-itsoffset", "0.5", "-i", p(&moov_end), "-c", "copy"],
    );
    assert!(
        top_level_offset(&moov_end, b"moov") > top_level_offset(&moov_end, b"mdat"),
        "the movie header comes last"
    );
    assert!(top_level_offset(&frag, b"moof").is_some(), "fragmented");
    assert_eq!(sound_version(&pcm, b"sowt"), Some(0));
    assert_eq!(sound_version(&rotated, b"mp4a"), Some(1));
    assert_eq!(sound_version(&hi_res, b"lpcm"), Some(2));

    let cases = [
        Case {
            file: hi_res,
            container: "QuickTime MOV",
            codec: "H.264",
            size: (320, 240),
            audio: &["PCM"],
            secs: 2.0,
            fps: 25.0,
        },
        Case {
            file: late,
            container: "QuickTime MOV",
            codec: "H.264",
            size: (320, 240),
            audio: &["AAC"],
            secs: 2.5,
            fps: 30.0,
        },
        Case {
            file: rotated,
            container: "QuickTime MOV",
            codec: "H.264",
            size: (320, 240),
            audio: &["AAC"],
            secs: 2.0,
            fps: 30.0,
        },
        Case {
            file: hevc,
            container: "QuickTime MOV",
            codec: "HEVC",
            size: (320, 240),
            audio: &["AAC"],
            secs: 2.0,
            fps: 30.0,
        },
        Case {
            file: hevc10,
            container: "QuickTime MOV",
            codec: "HEVC",
            size: (320, 240),
            audio: &["AAC"],
            secs: 2.0,
            fps: 30.0,
        },
        Case {
            file: moov_end,
            container: "MP4",
            codec: "H.264",
            size: (320, 240),
            audio: &["AAC"],
            secs: 2.0,
            fps: 30.0,
        },
        Case {
            file: frag,
            container: "MP4",
            codec: "H.264",
            size: (320, 240),
            audio: &["AAC"],
            secs: 2.0,
            fps: 30.0,
        },
        Case {
            file: pcm,
            container: "QuickTime MOV",
            codec: "H.264",
            size: (320, 240),
            audio: &["PCM"],
            secs: 2.0,
            fps: 30.0,
        },
        Case {
            file: two_audio,
            container: "MP4",
            codec: "H.264",
            size: (320, 240),
            audio: &["AAC", "AAC"],
            secs: 2.0,
            fps: 30.0,
        },
        Case {
            file: long,
            container: "MP4",
            codec: "H.264",
            size: (1280, 720),
            audio: &["AAC"],
            secs: 40.0,
            fps: 15.0,
        },
        Case {
            file: webm,
            container: "WebM",
            codec: "VP9",
            size: (320, 240),
            audio: &[],
            secs: 2.0,
            fps: 30.0,
        },
    ];
    for case in &cases {
        let name = case.file.file_name().unwrap().to_string_lossy();
        let r = cli.run(&["post", "--json", "--text", &name, p(&case.file)]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let out: Value = serde_json::from_str(&r.stdout).unwrap();
        let video = &out["media"][0]["video"];
        assert_eq!(video["container"], case.container, "{name}: {video}");
        assert_eq!(video["codec"], case.codec, "{name}: {video}");
        assert_eq!(
            (video["width"].as_u64(), video["height"].as_u64()),
            (Some(case.size.0), Some(case.size.1)),
            "{name}: {video}"
        );
        assert_eq!(video["audio"], serde_json::json!(case.audio), "{name}");
        let secs = video["duration_secs"].as_f64().unwrap();
        assert!((secs - case.secs).abs() < 0.15, "{name}: {secs} s");
        let fps = video["frame_rate"].as_f64().unwrap();
        assert!((fps - case.fps).abs() < 0.5, "{name}: {fps} fps");
        // The practice server read the same length from the bytes it got.
        let id = out["media"][0]["media_id"].as_str().unwrap();
        let media = api.inspect(&format!("media/{id}"));
        assert_eq!(media["sha256"], sha256_of(&case.file), "{name}");
        let judged = media["duration_secs"].as_f64().unwrap();
        assert!((judged - secs).abs() < 0.01, "{name}: {judged}");
    }
    let by_name = |n: &str| {
        let f = dir.join(n);
        let r = cli.run(&["upload", "--json", p(&f)]);
        assert_eq!(r.code, 0, "{n}: {}", r.stderr);
        serde_json::from_str::<Value>(&r.stdout).unwrap()["media"][0]["video"].clone()
    };
    assert_eq!(by_name("IMG_0001.mov")["rotation"], 270);
    assert_eq!(by_name("IMG_0003.mov")["bit_depth"], 10);
    assert_eq!(by_name("IMG_0002.mov")["fourcc"], "hvc1");
    assert_eq!(by_name("screen-recording.mp4")["fragmented"], true);

    // Too short for X: one plain line, nothing sent.
    let short = make(dir, "blink.mp4", args(&[small(0.3)], &["-c:v", "libx264"]));
    let before = api.inspect("posts")["posts"].as_array().unwrap().len();
    let r = cli.run(&["post", "--text", "Too short", p(&short)]);
    assert_refused(
        &r,
        "blink.mp4 is 0.3 seconds long; X needs videos of at least 0.5 seconds",
    );
    assert_eq!(
        api.inspect("posts")["posts"].as_array().unwrap().len(),
        before
    );
}

/// The file's bytes with every `©xyz` box turned into a `free` box of zeros
/// and each of `values` replaced by spaces: what X should receive.
fn blanked(path: &Path, values: &[&str]) -> Vec<u8> {
    let mut data = std::fs::read(path).unwrap();
    let mut i = 4;
    while i + 4 <= data.len() {
        if &data[i..i + 4] == b"\xa9xyz" {
            let size = u32::from_be_bytes(data[i - 4..i].try_into().unwrap()) as usize;
            data[i..i + 4].copy_from_slice(b"free");
            data[i + 4..i - 4 + size].fill(0);
        }
        i += 1;
    }
    for v in values {
        let v = v.as_bytes();
        let mut i = 0;
        while i + v.len() <= data.len() {
            if &data[i..i + v.len()] == v {
                data[i..i + v.len()].fill(b' ');
            }
            i += 1;
        }
    }
    data
}

fn sha256_bytes(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(data))
}

#[test]
fn location_in_a_mov_arrives_blanked_unless_kept() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let dir = files.dir.path();
    let base = args(
        &[picture("320x240", 1.0, 30), tone(440, 48000, 1.0)],
        &["-c:v", "libx264", "-c:a", "aac"],
    );
    // ffmpeg writes `location` as a QuickTime `©xyz` user-data entry…
    let mut a = base.clone();
    a.extend(["-metadata".into(), "location=+48.8577+002.2950/".into()]);
    let xyz = make(dir, "eiffel.mov", a);
    // …and, with metadata tags, as Apple's keyed entry (as iPhones do).
    let mut a = base.clone();
    a.extend([
        "-movflags".into(),
        "use_metadata_tags".into(),
        "-metadata".into(),
        "com.apple.quicktime.location.ISO6709=+51.5007-000.1246+010.000/".into(),
    ]);
    let keyed = make(dir, "big-ben.mov", a);

    for (file, coords) in [
        (&xyz, "+48.8577+002.2950/"),
        (&keyed, "+51.5007-000.1246+010.000/"),
    ] {
        let original = std::fs::read(file).unwrap();
        let found = original
            .windows(coords.len())
            .any(|w| w == coords.as_bytes());
        assert!(found, "the test file carries its location");
        let r = cli.run(&["upload", "--json", p(file)]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let out: Value = serde_json::from_str(&r.stdout).unwrap();
        let id = out["media"][0]["media_id"].as_str().unwrap();
        let media = api.inspect(&format!("media/{id}"));
        let expected = blanked(file, &[coords]);
        assert_ne!(expected, original);
        assert_eq!(media["sha256"], sha256_bytes(&expected), "{}", p(file));
        assert_eq!(media["size"], original.len() as u64);
        // The original is never touched; the server could still read it.
        assert_eq!(std::fs::read(file).unwrap(), original);
        assert!(media["duration_secs"].as_f64().unwrap() > 0.9);

        let r = cli.run(&["upload", "--json", "--keep-location", p(file)]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let out: Value = serde_json::from_str(&r.stdout).unwrap();
        let id = out["media"][0]["media_id"].as_str().unwrap();
        let media = api.inspect(&format!("media/{id}"));
        assert_eq!(media["sha256"], sha256_of(file));
    }
}

/// Truncated and garbled MP4/MOV/WebM files: the reader never panics, and
/// the check refuses them in one plain sentence (or, where the damage
/// missed everything that matters, takes them).
#[test]
fn truncated_and_garbled_videos_are_refused_plainly() {
    use x_uploader::core::limits::AccountTier;
    use x_uploader::core::media::{check, video, webm};

    let files = Files::new();
    let dir = files.dir.path();
    let mov = make(
        dir,
        "seed.mov",
        args(
            &[picture("160x120", 1.0, 30), tone(440, 48000, 1.0)],
            &[
                "-c:v",
                "libx265",
                "-x265-params",
                "log-level=error",
                "-tag:v",
                "hvc1",
                "-c:a",
                "aac",
                "-timecode",
                "00:00:01:00",
            ],
        ),
    );
    let frag = make(
        dir,
        "seed.mp4",
        args(
            &[picture("160x120", 1.0, 30), tone(440, 48000, 1.0)],
            &[
                "-c:v",
                "libx264",
                "-c:a",
                "aac",
                "-movflags",
                "frag_keyframe+empty_moov",
            ],
        ),
    );
    let webm = make(
        dir,
        "seed.webm",
        args(
            &[picture("160x120", 1.0, 30)],
            &[
                "-c:v",
                "libvpx-vp9",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
            ],
        ),
    );
    let mut rng = x_uploader::core::media::testdata::Filler::new(16);
    let mut random = move |below: usize| {
        let mut b = [0u8; 8];
        rng.fill(&mut b);
        (u64::from_le_bytes(b) % below.max(1) as u64) as usize
    };
    let mut tried = 0;
    for seed in [&mov, &frag, &webm] {
        let data = std::fs::read(seed).unwrap();
        let ext = seed.extension().unwrap().to_string_lossy().into_owned();
        let mut variants: Vec<Vec<u8>> = Vec::new();
        // Cut anywhere, most often in the headers at either end.
        for _ in 0..60 {
            let at = match random(3) {
                0 => random(4096),
                1 => data.len() - 1 - random(4096.min(data.len() - 1)),
                _ => random(data.len()),
            };
            variants.push(data[..at.min(data.len())].to_vec());
        }
        // Bytes overwritten: single bytes, box sizes, runs of 0xFF.
        for _ in 0..150 {
            let mut d = data.clone();
            for _ in 0..1 + random(8) {
                let at = if random(2) == 0 {
                    random(4096.min(d.len()))
                } else {
                    d.len() - 1 - random(4096.min(d.len()))
                };
                match random(3) {
                    0 => d[at] = random(256) as u8,
                    1 => {
                        let end = (at + 4).min(d.len());
                        d[at..end].fill(0xFF)
                    }
                    _ => {
                        let end = (at + 4).min(d.len());
                        d[at..end].fill(0)
                    }
                }
            }
            variants.push(d);
        }
        for (i, bytes) in variants.iter().enumerate() {
            let path = dir.join(format!("bad-{i}.{ext}"));
            std::fs::write(&path, bytes).unwrap();
            let direct = std::panic::catch_unwind(|| {
                let mut f = std::fs::File::open(&path).unwrap();
                let len = bytes.len() as u64;
                if ext == "webm" {
                    webm::read_webm(f, len).map(|_| ())
                } else {
                    video::read(&mut f, len).map(|_| ())
                }
            });
            assert!(
                direct.is_ok(),
                "the reader panicked on variant {i} of {ext}"
            );
            tried += 1;
            let verdict = check::check_file(&path, AccountTier::Standard);
            match verdict {
                Err(refusal) => {
                    let m = refusal.message;
                    assert!(!m.contains('\n') && m.len() < 400, "{m}");
                    assert!(m.contains(&format!("bad-{i}.{ext}")), "{m}");
                }
                // Every file cut short is noticed, in whichever box.
                Ok(_) => assert!(
                    bytes.len() == data.len(),
                    "variant {i} of {ext} cut short but taken"
                ),
            }
        }
    }
    assert_eq!(tried, 630);
}

/// A picture from a video for its tile: as a player shows it (rotated).
#[test]
fn a_frame_from_a_video_is_upright_and_small() {
    use x_uploader::core::media::ffmpeg;
    let files = Files::new();
    let dir = files.dir.path();
    let plain = make(
        dir,
        "plain.mp4",
        args(&[picture("640x480", 2.0, 30)], &["-c:v", "libx264"]),
    );
    let rotated = ffmpeg(
        dir,
        "portrait.mov",
        &[
            "-i",
            p(&plain),
            "-c",
            "copy",
            "-metadata:s:v:0",
            "rotate=90",
        ],
    );
    let wide = ffmpeg::frame(&plain, 1.0, 320).unwrap();
    assert_eq!(wide.dimensions(), (320, 240));
    let tall = ffmpeg::frame(&rotated, 1.0, 320).unwrap();
    assert_eq!(tall.dimensions(), (240, 320));
    // testsrc2 is colourful: a real picture, not a blank one.
    let distinct: std::collections::HashSet<_> = tall.pixels().map(|p| p.0).collect();
    assert!(distinct.len() > 50, "{} colours", distinct.len());
    let e = ffmpeg::frame(&files.text("notes.mov", "not a video"), 1.0, 320).unwrap_err();
    assert!(
        e.to_string().starts_with("No picture from the video"),
        "{e}"
    );
}

/// "Convert for X": a 120 fps 1080p HEVC MOV becomes an H.264 + AAC MP4 at
/// most 1280×1024 and 60 fps, which then posts; Cancel removes the half-made
/// file; without ffmpeg the message says what to install.
#[test]
fn convert_for_x_makes_a_video_x_takes() {
    use std::sync::atomic::AtomicBool;
    use x_uploader::core::media::{ffmpeg, probe};

    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let cli = Cli::new(&server, &t.access);
    let files = Files::new();
    let dir = files.dir.path();
    let source = make(
        dir,
        "IMG_0100.MOV",
        args(
            &[picture("1920x1080", 1.5, 120), tone(440, 48000, 1.5)],
            &[
                "-c:v",
                "libx265",
                "-preset",
                "ultrafast",
                "-x265-params",
                "log-level=error",
                "-tag:v",
                "hvc1",
                "-c:a",
                "aac",
            ],
        ),
    );
    let r = cli.run(&["convert", p(&source)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = PathBuf::from(r.stdout.trim());
    assert_eq!(out, dir.join("IMG_0100 (for X).mp4"));
    let info = probe::probe_video(&out, "video/mp4").unwrap();
    assert_eq!(
        (info.codec.as_str(), info.container.as_str()),
        ("H.264", "MP4")
    );
    assert_eq!((info.width, info.height), (1280, 720));
    assert!(info.frame_rate.unwrap() <= 60.5, "{:?}", info.frame_rate);
    assert_eq!(info.audio, ["AAC"]);
    assert!(
        (info.duration_secs - 1.5).abs() < 0.1,
        "{}",
        info.duration_secs
    );
    let r = cli.run(&["post", "--text", "Converted", p(&out)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Not over an existing file unless asked.
    let r = cli.run(&["convert", p(&source)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);

    // Cancelled: no half-written file is left behind.
    let cancelled = dir.join("cancelled.mp4");
    let cancel = AtomicBool::new(true);
    let mut heard = Vec::new();
    let e =
        ffmpeg::convert_for_x(&source, &cancelled, 1.5, &cancel, |f| heard.push(f)).unwrap_err();
    assert_eq!(e, ffmpeg::FfmpegError::Cancelled);
    assert!(!cancelled.exists());
    let go = AtomicBool::new(false);
    let mut heard = Vec::new();
    ffmpeg::convert_for_x(&source, &cancelled, 1.5, &go, |f| heard.push(f)).unwrap();
    assert_eq!(heard.first(), Some(&0.0));
    assert_eq!(heard.last(), Some(&1.0));
    assert!(heard.windows(2).all(|w| w[0] <= w[1]), "{heard:?}");

    // Without ffmpeg on the PATH.
    let mut c = cli.cmd(&["convert", "--out", p(&dir.join("x.mp4")), p(&source)]);
    c.env("PATH", dir.join("empty"));
    let r = crate::cli::run(c);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("needs ffmpeg, which isn't installed"),
        "{}",
        r.stderr
    );
}
