//! Reading MP4 and QuickTime MOV files as phones, cameras and screen
//! recorders write them. The boxes themselves are decoded by `mp4-atom`
//! (QuickTime sound descriptions v0–v2, `wave`, HEVC, AV1, VP9…); this layer
//! only walks the top level (seeking past `mdat`, never reading it), decodes
//! each track on its own (a timecode or metadata track it can't read doesn't
//! sink the video), adds up fragments when the header has no duration, and
//! finds QuickTime location entries to blank.

use std::io::{Read, Seek, SeekFrom};

use mp4_atom::{Atom, Codec, FourCC, Moof, Mvex, Mvhd, Trak};

use super::location::{Patch, children, location_patches};
use serde::Serialize;

/// What a video is, as the CLI's `--json` and the tile's hover show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoInfo {
    /// "MP4" or "QuickTime MOV".
    pub container: String,
    /// "H.264", "HEVC", "AV1", "VP9"… and the sample entry's code ("avc1").
    pub codec: String,
    pub fourcc: String,
    /// Bits per colour sample when the codec says (HEVC: 8 or 10).
    pub bit_depth: Option<u8>,
    /// Coded size in pixels (before rotation).
    pub width: u32,
    pub height: u32,
    /// Clockwise rotation a player applies (0, 90, 180, 270).
    pub rotation: u16,
    pub frame_rate: Option<f64>,
    pub duration_secs: f64,
    /// One name per audio track ("AAC", "PCM"…); empty without sound.
    pub audio: Vec<String>,
    /// Made of fragments (`moof`), as screen recorders write.
    pub fragmented: bool,
    /// Where QuickTime location entries sit in the file.
    #[serde(skip)]
    pub location: Vec<Patch>,
}

impl VideoInfo {
    /// "H.264, 1280×720, 30 fps, 0:12, AAC sound".
    pub fn summary(&self) -> String {
        let mut parts = vec![self.codec.clone()];
        if let Some(bits) = self.bit_depth.filter(|b| *b > 8) {
            parts[0] = format!("{} {bits}-bit", self.codec);
        }
        let (w, h) = self.display_size();
        parts.push(format!("{w}×{h}"));
        if let Some(fps) = self.frame_rate {
            let fps = (fps * 100.0).round() / 100.0;
            parts.push(format!("{fps} fps"));
        }
        parts.push(crate::core::limits::human_duration(self.duration_secs));
        if self.audio.is_empty() {
            parts.push("no sound".into());
        } else {
            parts.push(format!("{} sound", self.audio.join(" + ")));
        }
        format!("{} ({})", parts.join(", "), self.container)
    }

    /// Size as played (rotation applied).
    pub fn display_size(&self) -> (u32, u32) {
        if self.rotation % 180 == 90 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

/// The largest `moov` or `moof` we read into memory. A real one is a few MB
/// even for an hour of video.
const MAX_HEADER_BOX: u64 = 64 * 1024 * 1024;
/// Fragments walked to add up a duration, at most (one a second: 5 hours).
const MAX_FRAGMENTS: usize = 20_000;

/// Read an MP4/MOV of `len` bytes. The error is a short reason in plain words.
pub fn read<R: Read + Seek>(r: &mut R, len: u64) -> Result<VideoInfo, String> {
    let mut pos = 0u64;
    let mut brand: Option<[u8; 4]> = None;
    let mut moov: Option<(u64, Vec<u8>)> = None;
    let mut frags = Fragments::default();
    while pos < len {
        let Some(h) = box_header(r, pos, len)? else {
            break;
        };
        let kind = h.kind;
        match &kind {
            b"ftyp" if brand.is_none() => {
                let body = read_body(r, &h, 4)?;
                brand = body.get(..4).and_then(|b| b.try_into().ok());
            }
            b"moov" => {
                if moov.is_some() {
                    return Err("it has two movie headers".into());
                }
                let body = read_body(r, &h, MAX_HEADER_BOX)?;
                moov = Some((h.body_at, body));
            }
            b"moof" => {
                frags.seen += 1;
                if frags.walked < MAX_FRAGMENTS {
                    let body = read_body(r, &h, MAX_HEADER_BOX)?;
                    let moof = Moof::decode_body(&mut body.as_slice())
                        .map_err(|e| format!("a fragment can't be read ({e})"))?;
                    frags.add(&moof);
                }
            }
            _ => {}
        }
        pos = h.end;
    }
    let Some((moov_at, moov)) = moov else {
        return Err(if frags.seen > 0 {
            "its fragments have no movie header".into()
        } else {
            "it has no movie header (moov)".into()
        });
    };
    let mut info = describe(&moov, brand, &frags)?;
    info.location = location_patches(&moov, moov_at);
    Ok(info)
}

/// A top-level box: its kind and where its body starts and it ends.
struct BoxAt {
    kind: [u8; 4],
    body_at: u64,
    end: u64,
}

fn box_header<R: Read + Seek>(r: &mut R, pos: u64, len: u64) -> Result<Option<BoxAt>, String> {
    if len - pos < 8 {
        // A few stray bytes at the end (some cameras pad) are harmless.
        return Ok(None);
    }
    let io = |e: std::io::Error| format!("reading it failed ({e})");
    r.seek(SeekFrom::Start(pos)).map_err(io)?;
    let mut head = [0u8; 16];
    r.read_exact(&mut head[..8]).map_err(io)?;
    let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    let kind = [head[4], head[5], head[6], head[7]];
    let (size, header) = match size32 {
        0 => (len - pos, 8),
        1 => {
            if len - pos < 16 {
                return Err("it is cut short".into());
            }
            r.read_exact(&mut head[8..16]).map_err(io)?;
            let big = u64::from_be_bytes(head[8..16].try_into().unwrap_or_default());
            (big, 16)
        }
        n => (n as u64, 8),
    };
    if size < header {
        return Err(format!(
            "it is damaged at byte {pos} (a {} box of impossible size)",
            fourcc_text(&kind)
        ));
    }
    if size > len - pos {
        return Err(format!(
            "it is cut short ({} bytes are missing)",
            size - (len - pos)
        ));
    }
    Ok(Some(BoxAt {
        kind,
        body_at: pos + header,
        end: pos + size,
    }))
}

fn read_body<R: Read + Seek>(r: &mut R, h: &BoxAt, max: u64) -> Result<Vec<u8>, String> {
    let len = (h.end - h.body_at).min(max);
    if h.end - h.body_at > max && max > 4 {
        return Err(format!(
            "its {} box is too large to be a header ({} bytes)",
            fourcc_text(&h.kind),
            h.end - h.body_at
        ));
    }
    let io = |e: std::io::Error| format!("reading it failed ({e})");
    r.seek(SeekFrom::Start(h.body_at)).map_err(io)?;
    let mut body = vec![0u8; len as usize];
    r.read_exact(&mut body).map_err(io)?;
    Ok(body)
}

/// What the fragments say, per track id.
#[derive(Default)]
struct Fragments {
    seen: usize,
    walked: usize,
    tracks: Vec<FragTrack>,
}

#[derive(Default, Clone, Copy)]
struct FragTrack {
    id: u32,
    samples: u64,
    /// Sum of sample durations, in the track's time scale.
    ticks: u64,
    /// The latest end (decode time at the fragment's start + its samples).
    end: u64,
    /// Samples whose duration came from `trex` (filled in later).
    default_samples: u64,
}

impl Fragments {
    fn add(&mut self, moof: &Moof) {
        self.walked += 1;
        for traf in &moof.traf {
            let id = traf.tfhd.track_id;
            let i = match self.tracks.iter().position(|t| t.id == id) {
                Some(i) => i,
                None => {
                    self.tracks.push(FragTrack {
                        id,
                        ..FragTrack::default()
                    });
                    self.tracks.len() - 1
                }
            };
            let t = &mut self.tracks[i];
            let mut ticks = 0u64;
            for trun in &traf.trun {
                for s in &trun.samples {
                    t.samples += 1;
                    match s.duration.or(traf.tfhd.default_sample_duration) {
                        Some(d) => ticks = ticks.saturating_add(d as u64),
                        None => t.default_samples += 1,
                    }
                }
            }
            t.ticks = t.ticks.saturating_add(ticks);
            if let Some(tfdt) = &traf.tfdt {
                t.end = t.end.max(tfdt.base_media_decode_time.saturating_add(ticks));
            }
        }
    }

    fn track(&self, id: u32, default_duration: u32) -> Option<(u64, u64)> {
        let t = self.tracks.iter().find(|t| t.id == id)?;
        let ticks = t
            .ticks
            .saturating_add(t.default_samples.saturating_mul(default_duration as u64));
        Some((t.samples, ticks.max(t.end)))
    }
}

/// One track as far as we need it.
struct Track {
    handler: [u8; 4],
    codec: Option<Codec>,
    timescale: u32,
    samples: u64,
    ticks: u64,
    rotation: u16,
}

fn describe(moov: &[u8], brand: Option<[u8; 4]>, frags: &Fragments) -> Result<VideoInfo, String> {
    let mut mvhd: Option<Mvhd> = None;
    let mut mvex: Option<Mvex> = None;
    let mut traks = Vec::new();
    let mut trak_error = None;
    for (kind, mut body, _) in children(moov, 0) {
        match &kind {
            b"mvhd" => {
                mvhd = Some(
                    Mvhd::decode_body(&mut body)
                        .map_err(|e| format!("its movie header can't be read ({e})"))?,
                )
            }
            b"mvex" => mvex = Mvex::decode_body(&mut body).ok(),
            b"trak" => {
                match Trak::decode_body(&mut { body }).or_else(|e| essentials(body).ok_or(e)) {
                    Ok(t) => traks.push(t),
                    Err(e) => trak_error = Some(e.to_string()),
                }
            }
            _ => {}
        }
    }
    let mvhd = mvhd.ok_or("it has no movie header (mvhd)")?;
    let tracks: Vec<Track> = traks
        .iter()
        .map(|t| track(t, mvex.as_ref(), frags))
        .collect();
    let Some(video) = tracks
        .iter()
        .find(|t| &t.handler == b"vide" && t.codec.is_some())
    else {
        return Err(match trak_error {
            Some(e) => format!("its video track can't be read ({e})"),
            None => "it has no video track".into(),
        });
    };
    let Some(codec) = &video.codec else {
        return Err("it has no video track".into());
    };
    let visual = codec.visual().ok_or("its video track holds no pictures")?;
    let fourcc = codec_fourcc(codec);
    let seconds = |ticks: u64, scale: u32| {
        if scale == 0 {
            0.0
        } else {
            ticks as f64 / scale as f64
        }
    };
    let fragmented = mvex.is_some() || frags.seen > 0;
    let movie = seconds(mvhd.duration, mvhd.timescale);
    let tracks_secs = tracks
        .iter()
        .filter(|t| matches!(&t.handler, b"vide" | b"soun"))
        .map(|t| seconds(t.ticks, t.timescale))
        .fold(0.0, f64::max);
    let mehd = mvex
        .as_ref()
        .and_then(|m| m.mehd.as_ref())
        .map(|m| seconds(m.fragment_duration, mvhd.timescale))
        .filter(|s| *s > 0.0);
    let duration_secs = if fragmented {
        mehd.unwrap_or(movie.max(tracks_secs))
    } else if movie > 0.0 {
        movie
    } else {
        tracks_secs
    };
    let frame_rate = (video.samples > 1 && video.ticks > 0 && video.timescale > 0)
        .then(|| video.samples as f64 * video.timescale as f64 / video.ticks as f64);
    let audio = tracks
        .iter()
        .filter(|t| &t.handler == b"soun")
        .map(|t| match &t.codec {
            Some(c) => audio_name(c),
            None => "unknown".into(),
        })
        .collect();
    let container = match brand.as_ref() {
        Some(b"qt  ") | None => "QuickTime MOV",
        _ => "MP4",
    };
    Ok(VideoInfo {
        container: container.into(),
        codec: video_name(&fourcc).into(),
        fourcc: fourcc_text(&fourcc),
        bit_depth: bit_depth(codec),
        width: visual.width as u32,
        height: visual.height as u32,
        rotation: video.rotation,
        frame_rate,
        duration_secs,
        audio,
        fragmented,
        location: Vec::new(),
    })
}

/// A track decoded from only what we need of it (header, edits, media),
/// when something else in it (metadata, user data) can't be read.
fn essentials(trak: &[u8]) -> Option<Trak> {
    let mut kept = Vec::with_capacity(trak.len());
    for (kind, body, _) in children(trak, 0) {
        if matches!(&kind, b"tkhd" | b"edts" | b"mdia") {
            kept.extend(u32::try_from(body.len() + 8).ok()?.to_be_bytes());
            kept.extend(kind);
            kept.extend(body);
        }
    }
    Trak::decode_body(&mut kept.as_slice()).ok()
}

fn track(t: &Trak, mvex: Option<&Mvex>, frags: &Fragments) -> Track {
    let mdia = &t.mdia;
    let stbl = &mdia.minf.stbl;
    let mut samples = 0u64;
    let mut ticks = 0u64;
    for e in &stbl.stts.entries {
        samples = samples.saturating_add(e.sample_count as u64);
        ticks = ticks.saturating_add(e.sample_count as u64 * e.sample_delta as u64);
    }
    let id = t.tkhd.track_id;
    let default_duration = mvex
        .and_then(|m| m.trex.iter().find(|x| x.track_id == id))
        .map(|x| x.default_sample_duration)
        .unwrap_or(0);
    if let Some((n, d)) = frags.track(id, default_duration) {
        samples = samples.saturating_add(n);
        ticks = ticks.saturating_add(d);
    }
    let m = &t.tkhd.matrix;
    let rotation = match (m.a.signum(), m.b.signum(), m.c.signum(), m.d.signum()) {
        (0, 1, -1, 0) => 90,
        (-1, 0, 0, -1) => 180,
        (0, -1, 1, 0) => 270,
        _ => 0,
    };
    Track {
        handler: mdia.hdlr.handler.into(),
        codec: stbl.stsd.codecs.first().cloned(),
        timescale: mdia.mdhd.timescale,
        samples,
        ticks,
        rotation,
    }
}

fn codec_fourcc(c: &Codec) -> [u8; 4] {
    let kind: FourCC = match c {
        Codec::Avc1(_) => FourCC::new(b"avc1"),
        Codec::Avc3(_) => FourCC::new(b"avc3"),
        Codec::Hvc1(_) => FourCC::new(b"hvc1"),
        Codec::Hev1(_) => FourCC::new(b"hev1"),
        Codec::Av01(_) => FourCC::new(b"av01"),
        Codec::Vp09(_) => FourCC::new(b"vp09"),
        Codec::Vp08(_) => FourCC::new(b"vp08"),
        Codec::Jpeg(_) => FourCC::new(b"jpeg"),
        Codec::Uncv(_) => FourCC::new(b"uncv"),
        Codec::Unknown(kind, _) => *kind,
        _ => FourCC::new(b"????"),
    };
    kind.into()
}

fn video_name(fourcc: &[u8; 4]) -> &'static str {
    match fourcc {
        b"avc1" | b"avc3" => "H.264",
        b"hvc1" | b"hev1" => "HEVC",
        b"av01" => "AV1",
        b"vp09" => "VP9",
        b"vp08" => "VP8",
        b"jpeg" | b"mjpa" | b"mjpb" => "Motion JPEG",
        b"apch" | b"apcn" | b"apcs" | b"apco" | b"ap4h" | b"ap4x" => "ProRes",
        b"dvh1" | b"dvhe" => "Dolby Vision",
        b"mp4v" => "MPEG-4 Part 2",
        _ => "an unknown codec",
    }
}

fn audio_name(c: &Codec) -> String {
    match c {
        Codec::Mp4a(a) => match a.esds.es_desc.dec_config.object_type_indication {
            0x69 | 0x6B => "MP3".into(),
            _ => "AAC".into(),
        },
        Codec::Mp3(_) => "MP3".into(),
        Codec::Opus(_) => "Opus".into(),
        Codec::Flac(_) => "FLAC".into(),
        Codec::Ac3(_) => "AC-3".into(),
        Codec::Eac3(_) => "E-AC-3".into(),
        Codec::Ipcm(_)
        | Codec::Fpcm(_)
        | Codec::Sowt(_)
        | Codec::Twos(_)
        | Codec::Lpcm(_)
        | Codec::In24(_)
        | Codec::In32(_)
        | Codec::Fl32(_)
        | Codec::Fl64(_)
        | Codec::S16l(_) => "PCM".into(),
        Codec::Samr(_) => "AMR".into(),
        Codec::Unknown(kind, _) => match &<[u8; 4]>::from(*kind) {
            b"alac" => "ALAC".into(),
            b"ac-4" => "AC-4".into(),
            other => fourcc_text(other),
        },
        _ => "unknown".into(),
    }
}

fn bit_depth(c: &Codec) -> Option<u8> {
    match c {
        Codec::Hvc1(h) => Some(h.hvcc.bit_depth_luma_minus8 + 8),
        Codec::Hev1(h) => Some(h.hvcc.bit_depth_luma_minus8 + 8),
        _ => None,
    }
}

fn fourcc_text(kind: &[u8; 4]) -> String {
    kind.iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else if b == 0xA9 {
                '©'
            } else {
                '?'
            }
        })
        .collect::<String>()
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::media::testdata::{self, Container};

    /// `body` as a box of `kind`.
    fn boxed(kind: &[u8], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend(kind);
        b.extend(body);
        b
    }

    #[test]
    fn a_track_with_unreadable_metadata_is_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.mov");
        testdata::write_video(&path, 2.0, 20_000, Container::Mov).unwrap();
        let data = std::fs::read(&path).unwrap();
        let (_, moov, _) = children(&data, 0).find(|(k, _, _)| k == b"moov").unwrap();
        // The same movie header, its track carrying a damaged `meta`.
        let mut damaged = Vec::new();
        for (kind, body, _) in children(moov, 0) {
            let mut body = body.to_vec();
            if &kind == b"trak" {
                body.extend(boxed(b"meta", b"\0\0\0\0\0\0\0\x09junk"));
            }
            damaged.extend(boxed(&kind, &body));
        }
        let mut trak = children(&damaged, 0).filter(|(k, _, _)| k == b"trak");
        let (_, trak, _) = trak.next().unwrap();
        assert!(
            Trak::decode_body(&mut &trak[..]).is_err(),
            "the damage matters"
        );
        let info = describe(&damaged, Some(*b"qt  "), &Fragments::default()).unwrap();
        assert_eq!((info.codec.as_str(), info.width), ("H.264", 1280));
        assert!((info.duration_secs - 2.0).abs() < 0.01);
    }

    #[test]
    fn reads_generated_mp4_and_mov() {
        let dir = tempfile::tempdir().unwrap();
        for (name, container, label) in [
            ("a.mp4", Container::Mp4, "MP4"),
            ("a.mov", Container::Mov, "QuickTime MOV"),
        ] {
            let path = dir.path().join(name);
            testdata::write_video(&path, 3.0, 50_000, container).unwrap();
            let mut f = std::fs::File::open(&path).unwrap();
            let len = f.metadata().unwrap().len();
            let info = read(&mut f, len).unwrap();
            assert_eq!(info.container, label);
            assert_eq!(
                (info.codec.as_str(), info.width, info.height),
                ("H.264", 1280, 720)
            );
            assert!((info.duration_secs - 3.0).abs() < 0.01);
            assert!((info.frame_rate.unwrap() - 10.0).abs() < 0.01);
            assert!(info.audio.is_empty() && info.location.is_empty());
            assert_eq!(
                info.summary(),
                format!("H.264, 1280×720, 10 fps, 0:03, no sound ({label})")
            );
        }
    }
}
