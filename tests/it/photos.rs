//! Photos as phones, cameras and screens write them, posted with the real
//! binary against the practice server: the location leaves, the picture
//! stays byte for byte; what X wouldn't take is converted in a copy. The
//! corpus is made at test time with ImageMagick, heif-enc and exiftool
//! (`scripts/test.sh` installs them).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use x_uploader::core::limits::{AccountTier, LIMITS};
use x_uploader::core::media::cache::Cache;
use x_uploader::core::media::prepare::{PhotoOptions, prepare};

use crate::cli::{Cli, assert_refused, p};
use crate::support::*;

pub fn tool(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (scripts/test.sh installs it): {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn convert(args: &[&str]) {
    tool("convert", args);
}

/// EXIF/XMP tags of a file, as exiftool names them.
fn exif_tags(path: &Path) -> serde_json::Map<String, Value> {
    let out = Command::new("exiftool")
        .args(["-j", "-G1", "-n", "-a"])
        .arg(path)
        .output()
        .expect("exiftool runs");
    let all: Value = serde_json::from_slice(&out.stdout).expect("exiftool json");
    all[0].as_object().cloned().unwrap_or_default()
}

/// The bytes between the first start of scan and the end of image.
fn scan_data(jpeg: &[u8]) -> &[u8] {
    let sos = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .expect("a start of scan");
    let eoi = jpeg
        .windows(2)
        .rposition(|w| w == [0xFF, 0xD9])
        .expect("an end of image");
    &jpeg[sos..eoi + 2]
}

/// What the practice server received for the post's `i`th media.
fn received(api: &Api, out: &Value, i: usize) -> (String, Vec<u8>) {
    let id = out["media"][i]["media_id"].as_str().expect("media id");
    let media = api.inspect(&format!("media/{id}"));
    let bytes = api
        .http
        .get(api.url(&format!("/_practice/media/{id}/file")))
        .send()
        .expect("media file")
        .bytes()
        .expect("media bytes")
        .to_vec();
    (
        media["media_type"].as_str().unwrap_or("").to_string(),
        bytes,
    )
}

fn posted(cli: &Cli, args: &[&str]) -> (Value, String) {
    let mut all = vec!["post", "--json", "--text", "Photos"];
    all.extend(args);
    let r = cli.run(&all);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    (serde_json::from_str(&r.stdout).expect("json"), r.stderr)
}

#[test]
fn location_leaves_and_the_compressed_picture_stays_byte_for_byte() {
    let server = quick_server();
    let api = Api::new(&server);
    let cli = Cli::new(&server, &api.login().access);
    let files = Files::new();
    let photo = files.path("IMG_0042.jpg");
    convert(&[
        "-size",
        "640x480",
        "gradient:skyblue-green",
        "-quality",
        "90",
        p(&photo),
    ]);
    tool(
        "exiftool",
        &[
            "-q",
            "-overwrite_original",
            "-GPSLatitude=51.5007",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=0.1246",
            "-GPSLongitudeRef=W",
            "-XMP-exif:GPSLatitude=51.5007",
            "-XMP-exif:GPSLongitude=0.1246",
            "-SerialNumber=CAM123456",
            "-OwnerName=Ana Lopez",
            "-Orientation#=6",
            "-Make=Canon",
            p(&photo),
        ],
    );
    let before = std::fs::read(&photo).unwrap();
    let tags = exif_tags(&photo);
    assert!(tags.keys().any(|k| k.contains("GPSLatitude")), "{tags:?}");

    let (out, stderr) = posted(&cli, &[p(&photo)]);
    assert!(
        stderr.contains("IMG_0042.jpg: Location removed"),
        "{stderr}"
    );
    let (mime, sent) = received(&api, &out, 0);
    assert_eq!(mime, "image/jpeg");
    assert_eq!(sent.len(), before.len(), "cleaned in place, same length");
    assert_eq!(
        scan_data(&sent),
        scan_data(&before),
        "compressed picture unchanged"
    );
    let sent_path = files.path("sent.jpg");
    std::fs::write(&sent_path, &sent).unwrap();
    let tags = exif_tags(&sent_path);
    let personal: Vec<&String> = tags
        .keys()
        .filter(|k| k.contains("GPS") || k.contains("Serial") || k.contains("Owner"))
        .collect();
    assert!(personal.is_empty(), "still there: {personal:?}");
    assert_eq!(
        tags.get("IFD0:Orientation"),
        Some(&Value::from(6)),
        "{tags:?}"
    );
    assert_eq!(tags.get("IFD0:Make"), Some(&Value::from("Canon")));
    // The user's file is untouched, and the copy is gone after posting.
    assert_eq!(std::fs::read(&photo).unwrap(), before);
    let prepared = cli.home.dir.path().join("data/x-uploader/prepared");
    let left = std::fs::read_dir(&prepared).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "copies left in {}", prepared.display());

    // --keep-location sends it as it is but for the serial number and owner.
    let (out, stderr) = posted(&cli, &["--keep-location", p(&photo)]);
    assert!(!stderr.contains("Location removed"), "{stderr}");
    let (_, sent) = received(&api, &out, 0);
    std::fs::write(&sent_path, &sent).unwrap();
    let tags = exif_tags(&sent_path);
    assert!(tags.keys().any(|k| k.contains("GPSLatitude")), "{tags:?}");
    assert!(!tags.keys().any(|k| k.contains("Serial")), "{tags:?}");
    assert_eq!(scan_data(&sent), scan_data(&before));
}

/// A photo-like picture (smooth colours and grain) of `w`×`h`.
pub fn photo_like(path: &Path, w: u32, h: u32, extra: &[&str]) {
    let size = format!("{w}x{h}");
    let mut args = vec![
        "-size",
        &size,
        "gradient:orange-navy",
        "-attenuate",
        "0.4",
        "+noise",
        "Gaussian",
    ];
    args.extend(extra);
    args.push(p(path));
    convert(&args);
}

fn decoded(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).expect("X got a picture it can read")
}

#[test]
fn every_kind_of_photo_posts_converted_where_x_needs_it() {
    let server = quick_server();
    let api = Api::new(&server);
    let cli = Cli::new(&server, &api.login().access);
    let files = Files::new();
    let f = |n: &str| files.path(n);

    // A 24 MP camera JPEG over 5 MB.
    let camera = f("DSC_0001.jpg");
    photo_like(&camera, 6000, 4000, &["-quality", "92"]);
    let camera_bytes = std::fs::metadata(&camera).unwrap().len();
    assert!(camera_bytes > LIMITS.photo_max_bytes);
    let before = sha256_of(&camera);

    // HEIC from a phone (heif-enc from a PNG).
    let heic_src = f("heic-src.png");
    photo_like(&heic_src, 1200, 900, &[]);
    let heic = f("IMG_1234.heic");
    tool("heif-enc", &["-q", "80", "-o", p(&heic), p(&heic_src)]);

    // A PNG over 5 MB with transparency (stays PNG, scaled down).
    let big_png = f("screen.png");
    photo_like(
        &big_png,
        2400,
        1600,
        &[
            "-alpha",
            "set",
            "-channel",
            "A",
            "-evaluate",
            "set",
            "60%",
            "+channel",
        ],
    );
    assert!(std::fs::metadata(&big_png).unwrap().len() > LIMITS.photo_max_bytes);

    let cmyk = f("print.jpg");
    photo_like(&cmyk, 800, 600, &["-colorspace", "CMYK", "-quality", "90"]);
    let tiff = f("scan.tif");
    photo_like(&tiff, 900, 700, &[]);
    let bmp = f("paint.bmp");
    photo_like(&bmp, 640, 480, &[]);
    let png16 = f("deep.png");
    convert(&[
        "-size",
        "500x400",
        "gradient:red-blue",
        "-depth",
        "16",
        &format!("PNG48:{}", p(&png16)),
    ]);
    let webp = f("web.webp");
    photo_like(&webp, 800, 600, &["-quality", "80"]);
    let progressive = f("progressive.jpg");
    photo_like(
        &progressive,
        800,
        600,
        &["-interlace", "JPEG", "-quality", "85"],
    );
    let gif = f("anim.gif");
    convert(&[
        "-delay",
        "20",
        "-size",
        "120x90",
        "xc:red",
        "xc:blue",
        "xc:green",
        "-loop",
        "0",
        p(&gif),
    ]);

    // (file, expected note on stderr, expected type at X)
    let cases: Vec<(&PathBuf, Option<&str>, &str)> = vec![
        (&camera, Some("Made smaller to fit X: "), "image/jpeg"),
        (&heic, Some("Converted from HEIC"), "image/jpeg"),
        (&big_png, Some("Made smaller to fit X: "), "image/png"),
        (&cmyk, Some("Converted from CMYK to sRGB"), "image/jpeg"),
        (&tiff, Some("Converted from TIFF"), "image/jpeg"),
        (&bmp, Some("Converted from BMP"), "image/jpeg"),
        (
            &png16,
            Some("Converted from 16-bit to 8-bit colour"),
            "image/jpeg",
        ),
        (&webp, None, "image/webp"),
        (&progressive, None, "image/jpeg"),
        (&gif, None, "image/gif"),
    ];
    for (file, note, mime) in cases {
        let name = file.file_name().unwrap().to_string_lossy();
        let (out, stderr) = posted(&cli, &[p(file)]);
        match note {
            Some(note) => assert!(
                stderr.contains(&format!("{name}: {note}")),
                "{name}: {stderr}"
            ),
            None => assert!(!stderr.contains(&format!("{name}: ")), "{name}: {stderr}"),
        }
        let (got, sent) = received(&api, &out, 0);
        assert_eq!(got, mime, "{name}");
        assert!(
            sent.len() as u64 <= LIMITS.photo_max_bytes,
            "{name}: {}",
            sent.len()
        );
        if note.is_none() {
            assert_eq!(sent, std::fs::read(file).unwrap(), "{name} goes as it is");
            continue;
        }
        let img = decoded(&sent);
        assert!(img.width().max(img.height()) <= 4096, "{name}");
        // 8 bits per sample, RGB (and alpha for the PNG).
        let channels = if mime == "image/png" { 4 } else { 3 };
        assert_eq!(img.color().bytes_per_pixel(), channels, "{name}");
        if *file == camera {
            assert_eq!((img.width(), img.height()), (4096, 2731));
        }
        if mime == "image/jpeg" {
            assert_eq!(sent[..2], [0xFF, 0xD8]);
        }
    }
    // The originals are untouched.
    assert_eq!(sha256_of(&camera), before);

    // --no-convert gives the refusal of before.
    let r = cli.run(&["post", "--no-convert", "--text", "x", p(&camera)]);
    assert_refused(&r, "Export it smaller");
    let r = cli.run(&["post", "--no-convert", "--text", "x", p(&heic)]);
    assert_refused(&r, "HEIC photo");
}

#[test]
fn broken_photos_are_refused_in_plain_words_never_a_panic() {
    let files = Files::new();
    let cache = Cache::new(&files.path("data"));
    let jpeg = files.path("ok.jpg");
    photo_like(&jpeg, 300, 200, &["-quality", "80"]);
    tool(
        "exiftool",
        &[
            "-q",
            "-overwrite_original",
            "-GPSLatitude=1",
            "-GPSLatitudeRef=N",
            p(&jpeg),
        ],
    );
    let png = files.path("ok.png");
    photo_like(&png, 300, 200, &[]);
    let heic = files.path("ok.heic");
    tool("heif-enc", &["-q", "50", "-o", p(&heic), p(&png)]);
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut refused = 0;
    for (source, cases) in [(&jpeg, 40), (&png, 40), (&heic, 12)] {
        let good = std::fs::read(source).unwrap();
        let ext = source.extension().unwrap().to_string_lossy().into_owned();
        for i in 0..cases {
            let mut bad = good.clone();
            if i % 2 == 0 {
                bad.truncate((next() as usize % good.len()).max(16));
            } else {
                for _ in 0..8 {
                    let at = 2 + next() as usize % (bad.len() - 2);
                    bad[at] = next() as u8;
                }
            }
            let path = files.path(&format!("bad{i}.{ext}"));
            std::fs::write(&path, &bad).unwrap();
            let options = PhotoOptions::default();
            if let Err(r) = prepare(&path, AccountTier::Standard, options, &cache) {
                assert!(
                    r.message.contains(&format!("bad{i}.{ext}")),
                    "{}",
                    r.message
                );
                assert!(!r.message.contains("panic"), "{}", r.message);
                refused += 1;
            }
        }
    }
    assert!(refused > 0, "some broken files are refused");
}
