//! Generated media for tests and benchmarks: valid MP4/MOV containers of any
//! size and duration, JPEG/PNG/WEBP photos (optionally padded to a size),
//! animated GIFs and a HEIC header. Nothing here is committed as a file.

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::Path;

/// Fast, seeded filler bytes (xorshift): incompressible enough, cheap to make.
pub struct Filler(u64);

impl Filler {
    pub fn new(seed: u64) -> Self {
        Filler(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            let bytes = x.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Mp4,
    Mov,
}

/// Write a valid MP4 (or QuickTime MOV) with one H.264 video track lasting
/// `duration_secs`, padded with sample data so the file is about
/// `total_bytes` long (at least a few KB). Streams: memory stays small.
pub fn write_video(
    path: &Path,
    duration_secs: f64,
    total_bytes: u64,
    container: Container,
) -> std::io::Result<()> {
    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    write_video_to(file, duration_secs, total_bytes, container, 1)?;
    Ok(())
}

fn write_video_to<W: Write + Seek>(
    writer: W,
    duration_secs: f64,
    total_bytes: u64,
    container: Container,
    seed: u64,
) -> std::io::Result<W> {
    let err = |e: mp4::Error| std::io::Error::other(e.to_string());
    let brand = |s: &str| s.parse::<mp4::FourCC>().map_err(err);
    let (major, compatible) = match container {
        Container::Mp4 => (
            brand("isom")?,
            vec![brand("isom")?, brand("avc1")?, brand("mp41")?],
        ),
        Container::Mov => (brand("qt  ")?, vec![brand("qt  ")?]),
    };
    let timescale = 1000u32;
    let config = mp4::Mp4Config {
        major_brand: major,
        minor_version: 512,
        compatible_brands: compatible,
        timescale,
    };
    let mut writer = mp4::Mp4Writer::write_start(writer, &config).map_err(err)?;
    writer
        .add_track(&mp4::TrackConfig {
            track_type: mp4::TrackType::Video,
            timescale,
            language: "und".into(),
            media_conf: mp4::MediaConfig::AvcConfig(mp4::AvcConfig {
                width: 1280,
                height: 720,
                seq_param_set: vec![0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50],
                pic_param_set: vec![0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0],
            }),
        })
        .map_err(err)?;
    // 10 samples a second (at least one), each carrying an equal share.
    let duration_ms = (duration_secs * 1000.0).round().max(1.0) as u64;
    let samples = (duration_ms / 100).max(1);
    let payload = total_bytes.saturating_sub(2048 + samples * 24);
    let per_sample = (payload / samples).max(16);
    let mut filler = Filler::new(seed);
    let mut buf = vec![0u8; per_sample as usize];
    let mut start = 0u64;
    for i in 0..samples {
        let duration = if i + 1 == samples {
            duration_ms - start
        } else {
            duration_ms / samples
        };
        filler.fill(&mut buf);
        writer
            .write_sample(
                1,
                &mp4::Mp4Sample {
                    start_time: start,
                    duration: duration as u32,
                    rendering_offset: 0,
                    is_sync: i % 30 == 0,
                    bytes: bytes::Bytes::copy_from_slice(&buf),
                },
            )
            .map_err(err)?;
        start += duration;
    }
    writer.write_end().map_err(err)?;
    let mut inner = writer.into_writer();
    inner.flush()?;
    Ok(inner)
}

/// A JPEG of `width`×`height` with a colour gradient, then padded with bytes
/// after its end marker (decoders ignore them) to reach `pad_to` bytes.
pub fn write_jpeg(
    path: &Path,
    width: u32,
    height: u32,
    pad_to: Option<u64>,
) -> std::io::Result<()> {
    write_image(path, width, height, image::ImageFormat::Jpeg, pad_to)
}

pub fn write_png(path: &Path, width: u32, height: u32, pad_to: Option<u64>) -> std::io::Result<()> {
    write_image(path, width, height, image::ImageFormat::Png, pad_to)
}

pub fn write_webp(path: &Path, width: u32, height: u32) -> std::io::Result<()> {
    write_image(path, width, height, image::ImageFormat::WebP, None)
}

fn write_image(
    path: &Path,
    width: u32,
    height: u32,
    format: image::ImageFormat,
    pad_to: Option<u64>,
) -> std::io::Result<()> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            ((x + y) % 256) as u8,
        ])
    });
    img.save_with_format(path, format)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    pad(path, pad_to)
}

fn pad(path: &Path, pad_to: Option<u64>) -> std::io::Result<()> {
    let Some(target) = pad_to else { return Ok(()) };
    let len = std::fs::metadata(path)?.len();
    if target > len {
        let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
        let mut filler = Filler::new(len);
        let mut left = target - len;
        let mut buf = vec![0u8; 1 << 20];
        while left > 0 {
            let n = left.min(buf.len() as u64) as usize;
            filler.fill(&mut buf[..n]);
            file.write_all(&buf[..n])?;
            left -= n as u64;
        }
    }
    Ok(())
}

/// An animated GIF of `frames` frames.
pub fn write_gif(path: &Path, width: u16, height: u16, frames: u32) -> std::io::Result<()> {
    let err = |e: gif::EncodingError| std::io::Error::other(e.to_string());
    let file = BufWriter::new(File::create(path)?);
    let palette = [0u8, 0, 0, 255, 255, 255, 29, 155, 240, 255, 212, 0];
    let mut encoder = gif::Encoder::new(file, width, height, &palette).map_err(err)?;
    encoder.set_repeat(gif::Repeat::Infinite).map_err(err)?;
    for f in 0..frames {
        let pixels: Vec<u8> = (0..width as u32 * height as u32)
            .map(|i| ((i / 7 + f) % 4) as u8)
            .collect();
        let mut frame = gif::Frame::from_indexed_pixels(width, height, pixels, None);
        frame.delay = 4;
        encoder.write_frame(&frame).map_err(err)?;
    }
    Ok(())
}

/// The start of an iPhone HEIC photo (enough for type sniffing), padded.
pub fn write_heic(path: &Path) -> std::io::Result<()> {
    let mut data = vec![
        0, 0, 0, 0x18, b'f', b't', b'y', b'p', b'h', b'e', b'i', b'c', 0, 0, 0, 0, b'm', b'i',
        b'f', b'1', b'h', b'e', b'i', b'c',
    ];
    data.resize(4096, 0);
    std::fs::write(path, data)
}
