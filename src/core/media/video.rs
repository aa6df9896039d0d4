//! Reading MP4 and QuickTime MOV files as phones, cameras and screen
//! recorders write them. The boxes themselves are decoded by `mp4-atom`
//! (QuickTime sound descriptions v0–v2, `wave`, HEVC, AV1, VP9…); this layer
//! only walks the top level (seeking past `mdat`, never reading it), decodes
//! each track on its own (a timecode or metadata track it can't read doesn't
//! sink the video), adds up fragments when the header has no duration, and
//! finds QuickTime location entries to blank.

use std::io::{Read, Seek, SeekFrom};

use mp4_atom::{Atom, Codec, FourCC, Moof, Mvex, Mvhd, Trak};
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

/// Bytes of the file to send differently: `bytes` instead of those at `offset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub offset: u64,
    pub bytes: Vec<u8>,
}

/// Apply `patches` to `buf`, which holds the file's bytes from `start`.
pub fn apply_patches(patches: &[Patch], start: u64, buf: &mut [u8]) {
    let end = start + buf.len() as u64;
    for p in patches {
        let from = p.offset.max(start);
        let to = (p.offset + p.bytes.len() as u64).min(end);
        if from < to {
            let src = &p.bytes[(from - p.offset) as usize..(to - p.offset) as usize];
            buf[(from - start) as usize..(to - start) as usize].copy_from_slice(src);
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

/// Read a WebM (Matroska) file's header: size, codec, duration.
/// A WebM recorded live (a browser's) may not say how long it is: X reads
/// those itself, so this error is not a refusal.
pub const WEBM_NO_DURATION: &str = "its length isn't written in it";

pub fn read_webm<R: Read + Seek>(mut r: R, len: u64) -> Result<VideoInfo, String> {
    use matroska_demuxer::{MatroskaFile, TrackType};
    webm_segment_fits(&mut r, len)?;
    r.rewind().map_err(|e| format!("reading it failed ({e})"))?;
    let file = MatroskaFile::open(r).map_err(|e| format!("its header can't be read ({e})"))?;
    let tracks = file.tracks();
    let video = tracks
        .iter()
        .find(|t| t.track_type() == TrackType::Video)
        .ok_or("it has no video track")?;
    let pixels = video.video().ok_or("its video track has no picture size")?;
    let scale = file.info().timestamp_scale().get() as f64;
    let duration_secs = file
        .info()
        .duration()
        .map(|d| d * scale / 1e9)
        .ok_or(WEBM_NO_DURATION)?;
    let codec = match video.codec_id() {
        "V_VP9" => "VP9",
        "V_VP8" => "VP8",
        "V_AV1" => "AV1",
        "V_MPEG4/ISO/AVC" => "H.264",
        "V_MPEGH/ISO/HEVC" => "HEVC",
        _ => "an unknown codec",
    };
    let audio = tracks
        .iter()
        .filter(|t| t.track_type() == TrackType::Audio)
        .map(|t| match t.codec_id() {
            "A_OPUS" => "Opus".to_string(),
            "A_VORBIS" => "Vorbis".to_string(),
            "A_AAC" => "AAC".to_string(),
            other => other.trim_start_matches("A_").to_string(),
        })
        .collect();
    Ok(VideoInfo {
        container: "WebM".into(),
        codec: codec.into(),
        fourcc: video.codec_id().into(),
        bit_depth: None,
        width: u32::try_from(pixels.pixel_width().get()).unwrap_or(u32::MAX),
        height: u32::try_from(pixels.pixel_height().get()).unwrap_or(u32::MAX),
        rotation: 0,
        frame_rate: video.default_duration().map(|ns| 1e9 / ns.get() as f64),
        duration_secs,
        audio,
        fragmented: false,
        location: Vec::new(),
    })
}

/// The Matroska segment must end where the file does (or say "unknown
/// size", as live recordings do): a file cut short is refused.
fn webm_segment_fits<R: Read>(r: &mut R, len: u64) -> Result<(), String> {
    let mut head = Vec::with_capacity(256);
    r.take(256)
        .read_to_end(&mut head)
        .map_err(|e| format!("reading it failed ({e})"))?;
    let mut pos = 0;
    // EBML header element, then the Segment's id and size.
    let (_, id_len) = vint(&head, pos, false).ok_or("it is cut short")?;
    pos += id_len;
    let (size, size_len) = vint(&head, pos, true).ok_or("it is cut short")?;
    pos += size_len;
    let body = size.ok_or("its header has no size")?;
    let mut pos = usize::try_from(body)
        .ok()
        .and_then(|b| pos.checked_add(b))
        .ok_or("its header can't be read (too long)")?;
    let cut = || {
        if head.len() < 256 {
            "it is cut short"
        } else {
            "its header can't be read (too long)"
        }
    };
    let (id, id_len) = vint(&head, pos, false).ok_or_else(cut)?;
    if id != Some(0x18538067) {
        return Err("it has no Matroska segment".into());
    }
    let (size, size_len) = vint(&head, pos + id_len, true).ok_or_else(cut)?;
    pos += id_len + size_len;
    let pos = pos as u64;
    match size {
        Some(size) if pos.saturating_add(size) > len => Err(format!(
            "it is cut short: {} bytes are missing",
            pos.saturating_add(size) - len
        )),
        _ => Ok(()),
    }
}

/// An EBML variable-length number at `pos`: its value (`None`: "unknown",
/// all ones, for sizes) and its length. Ids keep their marker bit.
fn vint(buf: &[u8], pos: usize, size: bool) -> Option<(Option<u64>, usize)> {
    let first = *buf.get(pos)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return None;
    }
    let bytes = buf.get(pos..pos + len)?;
    let mut value = if size {
        (first as u64) & (0xFF >> len)
    } else {
        first as u64
    };
    for b in &bytes[1..] {
        value = (value << 8) | *b as u64;
    }
    let all_ones = (1u64 << (7 * len)) - 1;
    Some((
        if size && value == all_ones {
            None
        } else {
            Some(value)
        },
        len,
    ))
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
            "a box ({}) has an impossible size at byte {pos}",
            fourcc_text(&kind)
        ));
    }
    if size > len - pos {
        return Err(format!(
            "it is cut short: its {} box ends {} bytes after the file does",
            fourcc_text(&kind),
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
            b"trak" => match Trak::decode_body(&mut body) {
                Ok(t) => traks.push(t),
                Err(e) => trak_error = Some(e.to_string()),
            },
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

/// QuickTime location entries in a `moov` body found at `moov_at`: the
/// `©xyz` and 3GPP `loci` user-data boxes become `free` boxes of zeros, and
/// the values of `com.apple.quicktime.location.*` metadata become spaces.
/// The file's layout stays as it is: only those bytes change.
fn location_patches(moov: &[u8], moov_at: u64) -> Vec<Patch> {
    let mut out = Vec::new();
    walk_user_data(moov, moov_at, 0, &mut out);
    out
}

/// The children of `body` (found at `at` in the file): kind, body, where it is.
fn children(body: &[u8], at: u64) -> impl Iterator<Item = ([u8; 4], &[u8], u64)> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        if body.len().saturating_sub(pos) < 8 {
            return None;
        }
        let size = u32::from_be_bytes(body[pos..pos + 4].try_into().ok()?) as usize;
        let kind: [u8; 4] = body[pos + 4..pos + 8].try_into().ok()?;
        let size = match size {
            0 => body.len() - pos,
            n if n < 8 || n > body.len() - pos => return None,
            n => n,
        };
        let item = (kind, &body[pos + 8..pos + size], at + pos as u64 + 8);
        pos += size;
        Some(item)
    })
}

fn walk_user_data(body: &[u8], at: u64, depth: u32, out: &mut Vec<Patch>) {
    if depth > 8 {
        return;
    }
    for (kind, child, child_at) in children(body, at) {
        match &kind {
            b"\xa9xyz" | b"loci" => {
                out.push(Patch {
                    offset: child_at - 4,
                    bytes: b"free".to_vec(),
                });
                out.push(Patch {
                    offset: child_at,
                    bytes: vec![0; child.len()],
                });
            }
            b"trak" | b"udta" => walk_user_data(child, child_at, depth + 1, out),
            b"meta" => meta_patches(child, child_at, out),
            _ => {}
        }
    }
}

/// A `meta` box: QuickTime's (`keys` + `ilst`) or iTunes-style `ilst` items.
fn meta_patches(body: &[u8], at: u64, out: &mut Vec<Patch>) {
    // ISO's `meta` is a full box (4 bytes of version and flags); Apple's isn't.
    let skip = if body.get(4..8) == Some(b"hdlr") {
        0
    } else {
        4
    };
    let Some(body) = body.get(skip..) else { return };
    let at = at + skip as u64;
    let mut location_keys = Vec::new();
    for (kind, child, _) in children(body, at) {
        if &kind == b"keys" && child.len() >= 8 {
            // version/flags, count, then (size, namespace, name) entries.
            for (index, (_, name, _)) in children(&child[8..], 0).enumerate() {
                if name.starts_with(b"com.apple.quicktime.location.") {
                    location_keys.push(index as u32 + 1);
                }
            }
        }
    }
    for (kind, child, child_at) in children(body, at) {
        if &kind != b"ilst" {
            continue;
        }
        for (item, value, value_at) in children(child, child_at) {
            let is_location =
                &item == b"\xa9xyz" || location_keys.contains(&u32::from_be_bytes(item));
            if !is_location {
                continue;
            }
            for (kind, data, data_at) in children(value, value_at) {
                // `data`: type (4), locale (4), then the value.
                if &kind == b"data" && data.len() > 8 {
                    out.push(Patch {
                        offset: data_at + 8,
                        bytes: vec![b' '; data.len() - 8],
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::media::testdata::{self, Container};

    #[test]
    fn patches_apply_across_slices_and_nowhere_else() {
        let patches = [
            Patch {
                offset: 6,
                bytes: b"free".to_vec(),
            },
            Patch {
                offset: 10,
                bytes: vec![0; 5],
            },
        ];
        let file: Vec<u8> = (0u8..20).collect();
        let mut whole = file.clone();
        apply_patches(&patches, 0, &mut whole);
        assert_eq!(&whole[6..10], b"free");
        assert_eq!(&whole[10..15], &[0; 5]);
        assert_eq!(&whole[..6], &file[..6]);
        assert_eq!(&whole[15..], &file[15..]);
        // The same bytes sent in slices of 3, as the engine streams them.
        let mut sliced = Vec::new();
        for (i, chunk) in file.chunks(3).enumerate() {
            let mut c = chunk.to_vec();
            apply_patches(&patches, i as u64 * 3, &mut c);
            sliced.extend(c);
        }
        assert_eq!(sliced, whole);
    }

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend(kind);
        b.extend(body);
        b
    }

    #[test]
    fn location_entries_are_found_in_user_data_and_keyed_metadata() {
        let xyz = boxed(b"\xa9xyz", b"\x00\x12\x15\xc7+48.8577+002.2950/");
        let mut keys = vec![0, 0, 0, 0, 0, 0, 0, 2];
        keys.extend(boxed(b"mdta", b"com.apple.quicktime.make"));
        keys.extend(boxed(b"mdta", b"com.apple.quicktime.location.ISO6709"));
        let mut data_make = vec![0, 0, 0, 1, 0, 0, 0, 0];
        data_make.extend(b"Apple");
        let mut data_loc = vec![0, 0, 0, 1, 0, 0, 0, 0];
        data_loc.extend(b"+51.5007-000.1246+010.000/");
        let mut ilst = boxed(&1u32.to_be_bytes(), &boxed(b"data", &data_make));
        ilst.extend(boxed(&2u32.to_be_bytes(), &boxed(b"data", &data_loc)));
        let mut meta = boxed(b"hdlr", &[0; 25]);
        meta.extend(boxed(b"keys", &keys));
        meta.extend(boxed(b"ilst", &ilst));
        let mut moov = boxed(b"mvhd", &[0; 100]);
        moov.extend(boxed(b"udta", &xyz));
        moov.extend(boxed(b"meta", &meta));
        let mut file = boxed(b"moov", &moov);
        let patches = location_patches(&file[8..], 8);
        apply_patches(&patches, 0, &mut file);
        let text = String::from_utf8_lossy(&file);
        assert!(
            !text.contains("48.8577") && !text.contains("51.5007"),
            "{text}"
        );
        assert!(text.contains("Apple") && text.contains("free"), "{text}");
        assert_eq!(file.len(), 8 + moov.len());
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
