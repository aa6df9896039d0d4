//! A file on its way to X: checked, and for photos first made ready in a
//! copy in the app's cache (the original is never touched): personal
//! metadata removed without re-encoding, or converted when X wouldn't take
//! it as it is (too large, HEIC, TIFF, BMP, CMYK, 16-bit).

use std::path::Path;

use super::cache::{Cache, Prepared};
use super::check::{self, CheckedMedia, Refusal, display_name};
use super::{convert, metadata, probe};
use crate::core::limits::{AccountTier, LIMITS, human_bytes};

/// What may be done to photos (settings, `--keep-location`, `--no-convert`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhotoOptions {
    /// Leave the GPS position in photos.
    pub keep_location: bool,
    /// Refuse photos X wouldn't take as they are instead of converting them.
    pub no_convert: bool,
}

/// Check `path` for an account of `tier`, preparing a photo copy when needed.
pub fn prepare(
    path: &Path,
    tier: AccountTier,
    options: PhotoOptions,
    cache: &Cache,
) -> Result<CheckedMedia, Refusal> {
    prepare_with(path, tier, options, cache, &|_| {})
}

/// [`prepare`], saying what is being done ("Making it smaller…") when a
/// photo starts converting (the slow part), for the window to show.
pub fn prepare_with(
    path: &Path,
    tier: AccountTier,
    options: PhotoOptions,
    cache: &Cache,
    converting: &dyn Fn(&str),
) -> Result<CheckedMedia, Refusal> {
    let name = display_name(path);
    let sniffed = match probe::sniff(path) {
        Ok(Some(s)) => s,
        _ => return check::check_file(path, tier),
    };
    let mime = sniffed.mime.as_str();
    let photo = matches!(
        mime,
        "image/jpeg" | "image/png" | "image/webp" | "image/heif" | "image/tiff" | "image/bmp"
    );
    let Ok(meta) = std::fs::metadata(path) else {
        return check::check_file(path, tier);
    };
    if !photo || meta.is_dir() || meta.len() == 0 {
        return check::check_file(path, tier);
    }
    let bytes = meta.len();
    let fits = bytes <= LIMITS.photo_max_bytes;
    // Photos that fit are read whole (at most 5 MB) to look inside.
    let data = match fits && matches!(mime, "image/jpeg" | "image/png" | "image/webp") {
        true => std::fs::read(path).ok(),
        false => None,
    };
    let d = data.as_deref().unwrap_or_default();
    let why_convert = match mime {
        "image/heif" => Some("Converted from HEIC".to_string()),
        "image/tiff" => Some("Converted from TIFF".to_string()),
        "image/bmp" => Some("Converted from BMP".to_string()),
        _ if !fits => Some(String::new()),
        "image/jpeg" if metadata::jpeg_needs_conversion(d) => {
            Some("Converted from CMYK to sRGB".to_string())
        }
        "image/png" if metadata::png_is_16_bit(d) => {
            Some("Converted from 16-bit to 8-bit colour".to_string())
        }
        _ => None,
    };
    let prepared = match why_convert {
        Some(_) if options.no_convert => return check::check_file(path, tier),
        Some(why) => convert_into(path, &name, mime, bytes, why, cache, converting)?,
        None => {
            let Some(data) = data else {
                return check::check_file(path, tier);
            };
            match strip_into(path, &name, mime, &data, options, cache)? {
                Some(p) => p,
                None => return check::check_file(path, tier),
            }
        }
    };
    let mut checked = check::check_file(&prepared.file, tier)?;
    checked.name = name;
    checked.source = Some(path.to_path_buf());
    checked.note = Some(prepared.note);
    Ok(checked)
}

/// "Converted from HEIC" → "Converting from HEIC…"; too large → "Making it smaller…".
fn doing(why: &str) -> String {
    match why.strip_prefix("Converted") {
        _ if why.is_empty() => "Making it smaller…".to_string(),
        Some(rest) => format!("Converting{rest}…"),
        None => format!("{why}…"),
    }
}

fn refuse(name: &str, message: String) -> Refusal {
    Refusal {
        name: name.to_string(),
        message,
    }
}

fn store_failed(name: &str, e: std::io::Error) -> Refusal {
    refuse(
        name,
        format!(
            "Can't prepare {name} for X: saving the copy to upload failed ({e}). Free some disk space and add it again."
        ),
    )
}

fn convert_into(
    path: &Path,
    name: &str,
    mime: &str,
    bytes: u64,
    why: String,
    cache: &Cache,
    converting: &dyn Fn(&str),
) -> Result<Prepared, Refusal> {
    let slot = cache
        .slot(path, "convert-1")
        .map_err(|e| refuse(name, format!("Can't read {name}: {e}.")))?;
    if let Some(p) = cache.find(&slot) {
        return Ok(p);
    }
    converting(&doing(&why));
    let converted = convert::make_fit(path, mime, LIMITS.photo_max_bytes).map_err(|why| {
        let what = match mime {
            "image/heif" => "a HEIC photo",
            "image/tiff" => "a TIFF image",
            "image/bmp" => "a BMP image",
            _ => "a photo X doesn't take as it is",
        };
        refuse(
            name,
            format!("{name} is {what} and could not be converted for X: {why}. Export it as JPEG and add that."),
        )
    })?;
    let out_bytes = converted.data.len() as u64;
    let note = if why.is_empty() {
        format!(
            "Made smaller to fit X: {} → {}",
            human_bytes(bytes),
            human_bytes(out_bytes)
        )
    } else {
        why
    };
    let stem = Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "photo".into());
    let file = format!("{stem}.{}", converted.extension);
    cache
        .store(&slot, &file, &converted.data, &note)
        .map_err(|e| store_failed(name, e))
}

fn strip_into(
    path: &Path,
    name: &str,
    mime: &str,
    data: &[u8],
    options: PhotoOptions,
    cache: &Cache,
) -> Result<Option<Prepared>, Refusal> {
    let stripped =
        crate::core::panic_guard::catching(|| metadata::strip(data, mime, options.keep_location))
            .unwrap_or_else(|_| Err("its structure could not be read".into()));
    let (clean, removed) = match stripped {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(None),
        Err(why) => {
            return Err(refuse(
                name,
                format!("{name} looks like a photo but can't be read ({why}). Export it again."),
            ));
        }
    };
    let slot = cache
        .slot(
            path,
            if options.keep_location {
                "strip-1-keep"
            } else {
                "strip-1"
            },
        )
        .map_err(|e| refuse(name, format!("Can't read {name}: {e}.")))?;
    if let Some(p) = cache.find(&slot) {
        return Ok(Some(p));
    }
    let note = removed.describe().unwrap_or("Personal details removed");
    cache
        .store(&slot, name, &clean, note)
        .map(Some)
        .map_err(|e| store_failed(name, e))
}

#[cfg(test)]
mod tests {
    use super::doing;

    #[test]
    fn what_a_converting_photo_says() {
        assert_eq!(doing(""), "Making it smaller…");
        assert_eq!(doing("Converted from HEIC"), "Converting from HEIC…");
        assert_eq!(
            doing("Converted from 16-bit to 8-bit colour"),
            "Converting from 16-bit to 8-bit colour…"
        );
    }
}
