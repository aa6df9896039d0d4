//! Making a photo fit X: decode (HEIC through libheif's `heif-convert`
//! program), apply the EXIF orientation, convert to 8-bit sRGB (ICC
//! profiles through `moxcms`), scale the longest side to at most 4096 px
//! (`fast_image_resize`, SIMD) and encode at the best quality that fits
//! (`jpeg-encoder`, SIMD; a PNG with transparency stays PNG and is scaled
//! down until it fits). The quality is chosen from a sample of the picture
//! before the first full encode, so it usually takes one encode.

use std::path::Path;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, RgbImage, RgbaImage};

/// Longest side X shows photos at.
pub const MAX_SIDE: u32 = 4096;

/// The converted picture.
#[derive(Debug)]
pub struct Converted {
    pub data: Vec<u8>,
    /// "image/jpeg" or "image/png".
    pub mime: &'static str,
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
    /// JPEG quality used (None for PNG).
    pub quality: Option<u8>,
}

/// Convert the photo at `path` (content type `mime`) to a JPEG or PNG of at
/// most `max_bytes`. The error is a short reason for a sentence.
pub fn make_fit(path: &Path, mime: &str, max_bytes: u64) -> Result<Converted, String> {
    let image = if mime == "image/heif" {
        decode_heif(path)?
    } else {
        let data = std::fs::read(path).map_err(|e| e.to_string())?;
        guard(|| decode(&data))?
    };
    guard(|| fit(image, max_bytes))
}

fn guard<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    crate::core::panic_guard::catching(f)
        .unwrap_or_else(|_| Err("its picture data could not be read".into()))
}

/// Decode with the orientation applied and the colours in 8-bit sRGB.
pub fn decode(data: &[u8]) -> Result<DynamicImage, String> {
    let reader = image::ImageReader::new(std::io::Cursor::new(data))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    image.apply_orientation(orientation);
    Ok(to_srgb8(image, icc.as_deref()))
}

/// 8 bits per sample, sRGB: through the ICC profile when there is one
/// (Display P3 from phones, Adobe RGB from cameras, 16-bit scans).
fn to_srgb8(image: DynamicImage, icc: Option<&[u8]>) -> DynamicImage {
    let alpha = image.color().has_alpha();
    let mut image = if alpha {
        DynamicImage::ImageRgba8(image.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(image.into_rgb8())
    };
    let Some(profile) = icc.and_then(|b| moxcms::ColorProfile::new_from_slice(b).ok()) else {
        return image;
    };
    if profile.color_space != moxcms::DataColorSpace::Rgb {
        // CMYK and grey profiles: the decoder's own conversion stands.
        return image;
    }
    let layout = if alpha {
        moxcms::Layout::Rgba
    } else {
        moxcms::Layout::Rgb
    };
    let srgb = moxcms::ColorProfile::new_srgb();
    let Ok(transform) =
        profile.create_transform_8bit(layout, &srgb, layout, moxcms::TransformOptions::default())
    else {
        return image;
    };
    let (w, h) = (image.width(), image.height());
    let channels = if alpha { 4 } else { 3 };
    let row = w as usize * channels;
    let src: &[u8] = match &image {
        DynamicImage::ImageRgba8(i) => i.as_raw(),
        DynamicImage::ImageRgb8(i) => i.as_raw(),
        _ => return image,
    };
    let mut out = vec![0u8; src.len()];
    for (s, d) in src.chunks_exact(row).zip(out.chunks_exact_mut(row)) {
        if transform.transform(s, d).is_err() {
            return image;
        }
    }
    image = if alpha {
        RgbaImage::from_raw(w, h, out)
            .map(DynamicImage::ImageRgba8)
            .unwrap_or(image)
    } else {
        RgbImage::from_raw(w, h, out)
            .map(DynamicImage::ImageRgb8)
            .unwrap_or(image)
    };
    image
}

/// HEIC/HEIF through `heif-convert` (libheif-examples): libheif applies
/// the rotation and mirroring itself, and a decoder crash stays in that
/// process.
fn decode_heif(path: &Path) -> Result<DynamicImage, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = dir.path().join("photo.png");
    let run = std::process::Command::new("heif-convert")
        .arg("--quiet")
        .arg(path)
        .arg(&out)
        .stdin(std::process::Stdio::null())
        .output();
    match run {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(HEIF_MISSING.into());
        }
        Err(e) => return Err(format!("libheif could not be started: {e}")),
        Ok(o) if !o.status.success() || !out.exists() => {
            let why = String::from_utf8_lossy(&o.stderr);
            let why = why
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no reason given");
            return Err(format!("libheif could not read it: {}", why.trim()));
        }
        Ok(_) => {}
    }
    let data = std::fs::read(&out).map_err(|e| e.to_string())?;
    guard(|| decode(&data))
}

/// The reason when HEIC can't be read at all here.
pub const HEIF_MISSING: &str = "HEIC support is missing on this computer: install the libheif-examples package (it has the heif-convert program X Uploader uses)";

fn has_transparency(image: &DynamicImage) -> bool {
    match image {
        DynamicImage::ImageRgba8(i) => i.as_raw().chunks_exact(4).any(|p| p[3] != 255),
        _ => false,
    }
}

/// Scale so the longest side is at most `max_side`.
fn scaled(image: DynamicImage, max_side: u32) -> Result<DynamicImage, String> {
    let (w, h) = (image.width(), image.height());
    if w.max(h) <= max_side {
        return Ok(image);
    }
    let f = max_side as f64 / w.max(h) as f64;
    let (nw, nh) = (
        ((w as f64 * f).round() as u32).max(1),
        ((h as f64 * f).round() as u32).max(1),
    );
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    let mut resizer = Resizer::new();
    let out = match &image {
        DynamicImage::ImageRgba8(src) => {
            let mut dst = RgbaImage::new(nw, nh);
            resizer
                .resize(src, &mut dst, &options)
                .map_err(|e| e.to_string())?;
            DynamicImage::ImageRgba8(dst)
        }
        _ => {
            let src = image.into_rgb8();
            let mut dst = RgbImage::new(nw, nh);
            resizer
                .resize(&src, &mut dst, &options)
                .map_err(|e| e.to_string())?;
            DynamicImage::ImageRgb8(dst)
        }
    };
    Ok(out)
}

/// Orientation, colour and size are done: encode to fit.
pub fn fit(image: DynamicImage, max_bytes: u64) -> Result<Converted, String> {
    let keep_alpha = has_transparency(&image);
    let mut image = scaled(image, MAX_SIDE)?;
    if keep_alpha {
        // PNG: scaled down until it fits (its size follows the pixel count).
        for _ in 0..8 {
            let data = encode_png(&image)?;
            if data.len() as u64 <= max_bytes {
                return Ok(Converted {
                    width: image.width(),
                    height: image.height(),
                    data,
                    mime: "image/png",
                    extension: "png",
                    quality: None,
                });
            }
            let f = (max_bytes as f64 / data.len() as f64).sqrt() * 0.95;
            let side = (image.width().max(image.height()) as f64 * f) as u32;
            image = scaled(image, side.max(16))?;
        }
        return Err("it stays too large even scaled down".into());
    }
    let rgb = match image {
        DynamicImage::ImageRgb8(i) => i,
        other => other.into_rgb8(),
    };
    let mut rgb = rgb;
    for _ in 0..4 {
        let quality = estimate_quality(&rgb, max_bytes)?;
        // One full encode, and one more a step down if the estimate missed.
        for q in [quality, quality.saturating_sub(8).max(30)] {
            let data = encode_jpeg(&rgb, q)?;
            if data.len() as u64 <= max_bytes {
                return Ok(Converted {
                    width: rgb.width(),
                    height: rgb.height(),
                    data,
                    mime: "image/jpeg",
                    extension: "jpg",
                    quality: Some(q),
                });
            }
        }
        // Even a low quality is too large: fewer pixels.
        let side = (rgb.width().max(rgb.height()) as f64 * 0.75) as u32;
        rgb = scaled(DynamicImage::ImageRgb8(rgb), side.max(16))?.into_rgb8();
    }
    Err("it stays too large even scaled down".into())
}

/// Qualities tried, best first.
const QUALITIES: [u8; 9] = [92, 88, 85, 80, 75, 70, 60, 50, 40];

/// The best quality whose estimated size fits, from encoding 8 bands of
/// the picture (about a sixth of it) at each candidate.
fn estimate_quality(rgb: &RgbImage, max_bytes: u64) -> Result<u8, String> {
    let (w, h) = (rgb.width(), rgb.height());
    let band = 64u32;
    if h < band * 16 {
        // Small pictures: encoding them whole is cheap enough.
        return Ok(QUALITIES[0]);
    }
    let bands = 8u32;
    let mut sample = RgbImage::new(w, band * bands);
    let row = w as usize * 3;
    for b in 0..bands {
        let y0 = (h - band) * b / (bands - 1);
        let src = &rgb.as_raw()[y0 as usize * row..(y0 + band) as usize * row];
        let at = (b * band) as usize * row;
        sample.as_mut()[at..at + src.len()].copy_from_slice(src);
    }
    let scale = h as f64 / (band * bands) as f64;
    // 3 % margin for the estimate's error (the headers are counted once too).
    let budget = max_bytes as f64 * 0.97;
    let mut chosen = *QUALITIES.last().unwrap_or(&40);
    // Binary search over the (descending) list: size falls with quality.
    let (mut lo, mut hi) = (0usize, QUALITIES.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let size = encode_jpeg(&sample, QUALITIES[mid])?.len() as f64 * scale;
        if size <= budget {
            chosen = QUALITIES[mid];
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(chosen)
}

pub fn encode_jpeg(rgb: &RgbImage, quality: u8) -> Result<Vec<u8>, String> {
    let (w, h) = (
        u16::try_from(rgb.width()).map_err(|_| "it is too wide")?,
        u16::try_from(rgb.height()).map_err(|_| "it is too tall")?,
    );
    let mut out = Vec::with_capacity(rgb.as_raw().len() / 6);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder
        .encode(rgb.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

fn encode_png(image: &DynamicImage) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Default,
        image::codecs::png::FilterType::Adaptive,
    );
    image
        .write_with_encoder(encoder)
        .map_err(|e| e.to_string())?;
    Ok(out)
}
