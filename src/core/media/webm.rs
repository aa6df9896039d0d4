//! WebM (Matroska) videos: what they are, from their header
//! (`matroska-demuxer`), and whether the file is whole. X takes WebM as it is.

use std::io::{Read, Seek};

use super::video::VideoInfo;

/// A WebM recorded live (a browser's) may not say how long it is: X reads
/// those itself, so this error is not a refusal.
pub const WEBM_NO_DURATION: &str = "its length isn't written in it";

/// Read a WebM (Matroska) file's header: size, codec, duration.
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
            "it is cut short ({} bytes are missing)",
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
