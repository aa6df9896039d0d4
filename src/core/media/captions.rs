//! Caption files (SRT and WebVTT) for a video: read in any of the encodings
//! people's tools write (UTF-8, UTF-16, Windows-1252: converted to UTF-8),
//! checked the way X would (parsable, cues in order, none starting after the
//! video ends), and named by language the way X wants it (two capital
//! letters, ISO 639-1).

use std::path::{Path, PathBuf};

use super::check::{Refusal, display_name};
use super::languages::language_name;

/// Caption files larger than this are surely not captions.
pub const CAPTIONS_MAX_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptionFormat {
    Srt,
    WebVtt,
}

impl CaptionFormat {
    /// The MIME type X's upload takes.
    pub fn mime(self) -> &'static str {
        match self {
            CaptionFormat::Srt => "text/srt",
            CaptionFormat::WebVtt => "text/vtt",
        }
    }

    fn separator(self) -> char {
        match self {
            CaptionFormat::Srt => ',',
            CaptionFormat::WebVtt => '.',
        }
    }
}

/// One cue's timing, in milliseconds, and the line (0-based) it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    pub start_ms: u64,
    pub end_ms: u64,
    line: usize,
}

/// A caption file read and checked, ready to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptionFile {
    pub path: PathBuf,
    pub name: String,
    /// ISO 639-1, two capital letters ("EN").
    pub language: String,
    pub format: CaptionFormat,
    pub cues: Vec<Cue>,
    /// What is uploaded: the file's own bytes when it was UTF-8 and nothing
    /// was changed, else the converted (or trimmed) text as UTF-8.
    pub bytes: Vec<u8>,
    /// It was converted from this encoding ("UTF-16LE", "windows-1252").
    pub converted_from: Option<&'static str>,
}

/// A caption track attached to an uploaded video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedCaptions {
    pub language: String,
    /// The captions file's own media id.
    pub media_id: String,
}

fn refusal(name: &str, message: String) -> Refusal {
    Refusal {
        name: name.to_string(),
        message,
    }
}

/// Text from a file's bytes: UTF-8 (with or without BOM), UTF-16 (BOM, or
/// plainly UTF-16 by its zero bytes), else Windows-1252. Answers the
/// encoding converted from, if any.
pub fn decode(bytes: &[u8]) -> (String, Option<&'static str>) {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        let from = (encoding != encoding_rs::UTF_8).then(|| encoding.name());
        return (text.into_owned(), from);
    }
    if let Ok(text) = std::str::from_utf8(bytes)
        && !text.contains('\0')
    {
        return (text.to_string(), None);
    }
    // UTF-16 without a BOM: ASCII text has a zero in every other byte.
    let zeros = |start: usize| {
        bytes
            .iter()
            .skip(start)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let half = bytes.len() / 2;
    if half > 0 && zeros(1) * 2 > half {
        let (text, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(bytes);
        return (text.into_owned(), Some("UTF-16LE"));
    }
    if half > 0 && zeros(0) * 2 > half {
        let (text, _) = encoding_rs::UTF_16BE.decode_without_bom_handling(bytes);
        return (text.into_owned(), Some("UTF-16BE"));
    }
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    (text.into_owned(), Some("windows-1252"))
}

/// `01:02:03,456` (SRT) or `01:02:03.456` / `02:03.456` (WebVTT) in ms.
fn timestamp(s: &str) -> Option<u64> {
    let (clock, millis) = s.rsplit_once([',', '.'])?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let number = |p: &str| {
        (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u64>().ok())
            .flatten()
    };
    // Minutes and seconds are two digits; hours one or more.
    let two = |p: &str| (p.len() == 2).then(|| number(p)).flatten();
    let (h, m, sec) = match parts.as_slice() {
        [h, m, s] => (number(h)?, two(m)?, two(s)?),
        [m, s] => (0, two(m)?, two(s)?),
        _ => return None,
    };
    if m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + millis.parse::<u64>().ok()?)
}

fn format_timestamp(ms: u64, separator: char) -> String {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, millis) = (rest / 1000, rest % 1000);
    format!("{h:02}:{m:02}:{s:02}{separator}{millis:03}")
}

/// A timing line's start and end; `None` if the line is not one.
fn timing(line: &str) -> Option<Result<(u64, u64), ()>> {
    let (start, rest) = line.split_once("-->")?;
    let end = rest.split_whitespace().next().unwrap_or("");
    Some(match (timestamp(start.trim()), timestamp(end)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(()),
    })
}

/// The cues of an SRT or WebVTT text, or why it can't be read (a plain
/// sentence naming the line).
pub fn parse(text: &str) -> Result<(CaptionFormat, Vec<Cue>), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let format = if lines.first().is_some_and(|l| {
        l.starts_with("WEBVTT") && (l.len() == 6 || l[6..].starts_with([' ', '\t']))
    }) {
        CaptionFormat::WebVtt
    } else {
        CaptionFormat::Srt
    };
    let example = format!("00:00:01{0}000 --> 00:00:04{0}000", format.separator());
    let mut cues: Vec<Cue> = Vec::new();
    let mut i = if format == CaptionFormat::WebVtt {
        1
    } else {
        0
    };
    // Skip the WebVTT header's own lines.
    if format == CaptionFormat::WebVtt {
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
    }
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let block_start = i;
        let mut end = i;
        while end < lines.len() && !lines[end].trim().is_empty() {
            end += 1;
        }
        let block = &lines[block_start..end];
        i = end;
        let first = block[0].trim();
        if format == CaptionFormat::WebVtt
            && ["NOTE", "STYLE", "REGION"].iter().any(|k| {
                first == *k
                    || first.starts_with(&format!("{k} "))
                    || first.starts_with(&format!("{k}\t"))
            })
        {
            continue;
        }
        // An optional cue number (SRT) or identifier (WebVTT), then the timing.
        let at = if block[0].contains("-->") { 0 } else { 1 };
        let line_no = block_start + at;
        let Some(found) = block.get(at).and_then(|l| timing(l)) else {
            return Err(format!(
                "line {} should be a cue timing like {example}, but it is {:?}",
                line_no + 1,
                block
                    .get(at)
                    .unwrap_or(&block[0])
                    .chars()
                    .take(60)
                    .collect::<String>()
            ));
        };
        let Ok((start_ms, end_ms)) = found else {
            return Err(format!(
                "line {} has a timing that can't be read; write it like {example}",
                line_no + 1
            ));
        };
        let n = cues.len() + 1;
        if end_ms < start_ms {
            return Err(format!(
                "caption {n} (line {}) ends before it starts",
                line_no + 1
            ));
        }
        if let Some(last) = cues.last()
            && start_ms < last.start_ms
        {
            return Err(format!(
                "caption {n} (line {}) starts at {}, before the caption above it ({}): put the captions in time order",
                line_no + 1,
                format_timestamp(start_ms, format.separator()),
                format_timestamp(last.start_ms, format.separator()),
            ));
        }
        cues.push(Cue {
            start_ms,
            end_ms,
            line: line_no,
        });
    }
    if cues.is_empty() {
        return Err("it has no captions in it".to_string());
    }
    Ok((format, cues))
}

/// ISO 639-1 from a `talk.en.srt` or `talk.pt-BR.vtt` name, if it has one.
pub fn language_from_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let (_, tag) = stem.rsplit_once('.')?;
    language_of_tag(tag)
}

/// `en`, `EN`, `pt-BR`, `pt_BR` → the two capital letters, if a language.
pub fn language_of_tag(tag: &str) -> Option<String> {
    let primary = tag.split(['-', '_']).next()?;
    let code = primary.to_ascii_uppercase();
    (code.len() == 2 && language_name(&code).is_some()).then_some(code)
}

/// Read and check a caption file. `language` overrides the one in its name
/// (default English).
pub fn load(path: &Path, language: Option<&str>) -> Result<CaptionFile, Refusal> {
    let name = display_name(path);
    let size = std::fs::metadata(path)
        .map_err(|e| refusal(&name, format!("{name} can't be read: {e}.")))?
        .len();
    if size > CAPTIONS_MAX_BYTES {
        return Err(refusal(
            &name,
            format!(
                "{name} is too large for a captions file ({size} bytes); captions are text, usually a few kilobytes."
            ),
        ));
    }
    let raw =
        std::fs::read(path).map_err(|e| refusal(&name, format!("{name} can't be read: {e}.")))?;
    let (text, converted_from) = decode(&raw);
    let (format, cues) = parse(&text).map_err(|why| {
        refusal(
            &name,
            format!("{name} is not a captions file X can read (SRT or WebVTT): {why}."),
        )
    })?;
    let language = match language {
        Some(l) => l.to_string(),
        None => language_from_name(path).unwrap_or_else(|| "EN".to_string()),
    };
    let bytes = if converted_from.is_some() {
        text.into_bytes()
    } else {
        raw
    };
    Ok(CaptionFile {
        path: path.to_path_buf(),
        name,
        language,
        format,
        cues,
        bytes,
        converted_from,
    })
}

impl CaptionFile {
    /// Fit the captions to a video of this length: a caption starting at or
    /// after its end is refused; one ending after it is trimmed to the end.
    pub fn fit_to(&mut self, video_name: &str, duration_secs: f64) -> Result<(), Refusal> {
        let video_ms = (duration_secs * 1000.0).round().max(0.0) as u64;
        let sep = self.format.separator();
        if let Some((n, late)) = self
            .cues
            .iter()
            .enumerate()
            .find(|(_, c)| c.start_ms >= video_ms)
        {
            return Err(refusal(
                &self.name,
                format!(
                    "Caption {} of {} starts at {}, but {video_name} ends at {}: remove the captions after the end, or pick the captions made for this video.",
                    n + 1,
                    self.name,
                    format_timestamp(late.start_ms, sep),
                    format_timestamp(video_ms, sep),
                ),
            ));
        }
        if self.cues.iter().all(|c| c.end_ms <= video_ms) {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.bytes).into_owned();
        let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        for cue in self.cues.iter_mut().filter(|c| c.end_ms > video_ms) {
            cue.end_ms = video_ms;
            if let Some(line) = lines.get_mut(cue.line)
                && let Some((start, rest)) = line.split_once("-->")
            {
                let rest = rest.trim_start();
                let old_end = rest.split_whitespace().next().unwrap_or("");
                let settings = &rest[old_end.len()..];
                *line = format!("{start}--> {}{settings}", format_timestamp(video_ms, sep));
            }
        }
        self.bytes = lines.join("\n").into_bytes();
        Ok(())
    }

    /// "English", or the code if not known.
    pub fn language_name(&self) -> &str {
        language_name(&self.language).unwrap_or(&self.language)
    }
}

/// Why a `--captions FILE[:LANG]` argument is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCaptionsArg(pub String);

/// Split `FILE[:LANG]`: on the last `:` only when a language follows
/// (`talk.srt:EN`, `talk.srt:pt-BR`), so `C:\talks\a.srt` stays a path.
/// A word that is not a language (`talk.srt:english`) is refused.
pub fn split_captions_arg(arg: &str) -> Result<(PathBuf, Option<String>), BadCaptionsArg> {
    let Some((file, tail)) = arg.rsplit_once(':') else {
        return Ok((PathBuf::from(arg), None));
    };
    let looks_like_path = tail.is_empty() || tail.contains(['/', '\\', '.']);
    if looks_like_path || file.is_empty() {
        return Ok((PathBuf::from(arg), None));
    }
    match language_of_tag(tail) {
        Some(code) if tail.split(['-', '_']).next().is_some_and(|p| p.len() == 2) => {
            Ok((PathBuf::from(file), Some(code)))
        }
        _ => Err(BadCaptionsArg(format!(
            "--captions {arg}: \"{tail}\" is not a language code. Give the language as two letters after the file, like {file}:EN (English) or {file}:ES (Spanish)."
        ))),
    }
}
