//! Personal metadata out of photos without re-encoding them: the EXIF GPS
//! directory, camera and lens serial numbers, the owner's name and the
//! maker notes (which hold serial numbers too), and the same properties in
//! XMP. Everything is done in place: removed directory entries are taken
//! out of their directory and their values overwritten with zeros, XMP
//! properties are overwritten with spaces (XMP's own padding). No segment
//! changes length, so a JPEG's compressed image data, its orientation and
//! everything else stay byte for byte as they were. PNG chunks that hold
//! EXIF in ImageMagick's hex form are dropped whole.

/// What was taken out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    /// GPS position (and the rest of the GPS directory).
    pub location: bool,
    /// Serial numbers, owner name, maker notes.
    pub personal: bool,
}

impl Removed {
    pub fn any(self) -> bool {
        self.location || self.personal
    }

    fn add(&mut self, other: Removed) {
        self.location |= other.location;
        self.personal |= other.personal;
    }

    /// The tile's line: "Location removed".
    pub fn describe(self) -> Option<&'static str> {
        match (self.location, self.personal) {
            (true, _) => Some("Location removed"),
            (false, true) => Some("Camera serial number and owner removed"),
            (false, false) => None,
        }
    }
}

/// Remove personal metadata from `data` (a JPEG, PNG or WebP by `mime`).
/// `keep_location` leaves GPS alone. `Ok(None)`: nothing to remove.
pub fn strip(
    data: &[u8],
    mime: &str,
    keep_location: bool,
) -> Result<Option<(Vec<u8>, Removed)>, String> {
    let mut out = data.to_vec();
    let removed = match mime {
        "image/jpeg" => strip_jpeg(&mut out, keep_location)?,
        "image/webp" => strip_webp(&mut out, keep_location)?,
        "image/png" => {
            let (png, removed) = strip_png(data, keep_location)?;
            out = png;
            removed
        }
        _ => Removed::default(),
    };
    Ok(removed.any().then_some((out, removed)))
}

fn be16(d: &[u8], at: usize) -> Result<usize, String> {
    d.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
        .ok_or_else(|| "it ends in the middle of a header".to_string())
}

fn be32(d: &[u8], at: usize) -> Result<usize, String> {
    d.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| "it ends in the middle of a header".to_string())
}

const XMP_ID: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXT_ID: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";

/// Walk a JPEG's segments up to the start of scan, cleaning APP1 (EXIF, XMP).
fn strip_jpeg(d: &mut [u8], keep_location: bool) -> Result<Removed, String> {
    let mut removed = Removed::default();
    for (marker, start, end) in jpeg_segments(d)? {
        if marker != 0xE1 {
            continue;
        }
        let seg = &mut d[start..end];
        if seg.starts_with(b"Exif\0\0") {
            removed.add(clean_tiff(&mut seg[6..], keep_location)?);
        } else if seg.starts_with(XMP_ID) {
            removed.add(clean_xmp(&mut seg[XMP_ID.len()..], keep_location));
        } else if seg.starts_with(XMP_EXT_ID) {
            removed.add(clean_xmp(&mut seg[XMP_EXT_ID.len()..], keep_location));
        }
    }
    Ok(removed)
}

/// (marker, payload start, payload end) of each segment before the first
/// start of scan.
pub fn jpeg_segments(d: &[u8]) -> Result<Vec<(u8, usize, usize)>, String> {
    if !d.starts_with(&[0xFF, 0xD8]) {
        return Err("it doesn't start like a JPEG".into());
    }
    let mut segments = Vec::new();
    let mut at = 2;
    loop {
        if d.get(at) != Some(&0xFF) {
            return Err("a JPEG segment is damaged".into());
        }
        while d.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *d.get(at).ok_or("it ends before its image data")?;
        at += 1;
        match marker {
            0xD0..=0xD7 | 0x01 => continue,
            0xD9 => return Err("it ends before its image data".into()),
            _ => {}
        }
        let len = be16(d, at)?;
        if len < 2 || at + len > d.len() {
            return Err("a JPEG segment is longer than the file".into());
        }
        segments.push((marker, at + 2, at + len));
        if marker == 0xDA {
            return Ok(segments);
        }
        at += len;
    }
}

/// Is this JPEG CMYK (4 components) or more than 8 bits per sample?
pub fn jpeg_needs_conversion(d: &[u8]) -> bool {
    let Ok(segments) = jpeg_segments(d) else {
        return false;
    };
    segments.iter().any(|&(m, s, _)| {
        matches!(m, 0xC0..=0xCF if m != 0xC4 && m != 0xC8 && m != 0xCC)
            && (d.get(s) != Some(&8) || d.get(s + 5) == Some(&4))
    })
}

/// A PNG with 16 bits per sample.
pub fn png_is_16_bit(d: &[u8]) -> bool {
    d.len() > 24 && &d[12..16] == b"IHDR" && d[24] == 16
}

fn strip_png(d: &[u8], keep_location: bool) -> Result<(Vec<u8>, Removed), String> {
    const SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !d.starts_with(SIG) {
        return Err("it doesn't start like a PNG".into());
    }
    let mut out = SIG.to_vec();
    let mut removed = Removed::default();
    let mut at = SIG.len();
    while at < d.len() {
        let len = be32(d, at)?;
        let end = at
            .checked_add(12)
            .and_then(|n| n.checked_add(len))
            .filter(|&e| e <= d.len())
            .ok_or("a PNG chunk is longer than the file")?;
        let kind: [u8; 4] = d[at + 4..at + 8].try_into().map_err(|_| "bad chunk")?;
        let mut chunk = d[at..end].to_vec();
        let body = 8..8 + len;
        let text_key = matches!(&kind, b"tEXt" | b"zTXt" | b"iTXt").then(|| {
            let b = &chunk[body.clone()];
            let n = b.iter().position(|&c| c == 0).unwrap_or(b.len());
            String::from_utf8_lossy(&b[..n]).into_owned()
        });
        let mut changed = Removed::default();
        let mut drop = false;
        if &kind == b"eXIf" {
            let tiff = &mut chunk[body.clone()];
            let tiff = if tiff.starts_with(b"Exif\0\0") {
                &mut tiff[6..]
            } else {
                tiff
            };
            changed = clean_tiff(tiff, keep_location)?;
        } else if let Some(key) = &text_key {
            let lower = key.to_ascii_lowercase();
            if lower.starts_with("raw profile type exif")
                || lower.starts_with("raw profile type app1")
                || lower.starts_with("raw profile type xmp")
            {
                // ImageMagick's hex copy of EXIF/XMP: dropped whole (it can't be
                // cleaned in place without re-compressing).
                drop = !keep_location;
                changed.location = drop;
            } else if key == "XML:com.adobe.xmp" && &kind == b"iTXt" {
                // keyword \0 compression-flag method language \0 translated \0 text
                let b = &mut chunk[body.clone()];
                let flag = b.get(key.len() + 1).copied().unwrap_or(1);
                if flag == 0 {
                    let mut zeros = 0;
                    let text_at = b
                        .iter()
                        .enumerate()
                        .skip(key.len() + 3)
                        .find_map(|(i, &c)| {
                            zeros += (c == 0) as u32;
                            (zeros == 2).then_some(i + 1)
                        });
                    if let Some(t) = text_at {
                        changed = clean_xmp(&mut b[t..], keep_location);
                    }
                } else {
                    drop = true;
                    changed.location = true;
                }
            }
        }
        if drop {
            removed.add(changed);
        } else {
            if changed.any() {
                removed.add(changed);
                let crc = crc32fast::hash(&chunk[4..8 + len]);
                chunk[8 + len..].copy_from_slice(&crc.to_be_bytes());
            }
            out.extend_from_slice(&chunk);
        }
        at = end;
        if &kind == b"IEND" {
            break;
        }
    }
    Ok((out, removed))
}

fn strip_webp(d: &mut [u8], keep_location: bool) -> Result<Removed, String> {
    if d.len() < 12 || &d[..4] != b"RIFF" || &d[8..12] != b"WEBP" {
        return Err("it doesn't start like a WebP".into());
    }
    let mut removed = Removed::default();
    let mut at = 12;
    while at + 8 <= d.len() {
        let len = u32::from_le_bytes([d[at + 4], d[at + 5], d[at + 6], d[at + 7]]) as usize;
        let end = (at + 8)
            .checked_add(len)
            .filter(|&e| e <= d.len())
            .ok_or("a WebP chunk is longer than the file")?;
        let kind: [u8; 4] = [d[at], d[at + 1], d[at + 2], d[at + 3]];
        let body = &mut d[at + 8..end];
        match &kind {
            b"EXIF" => {
                let tiff = if body.starts_with(b"Exif\0\0") {
                    &mut body[6..]
                } else {
                    body
                };
                removed.add(clean_tiff(tiff, keep_location)?);
            }
            b"XMP " => removed.add(clean_xmp(body, keep_location)),
            _ => {}
        }
        at = end + (len & 1);
    }
    Ok(removed)
}

// --- EXIF (a TIFF structure) ---

const GPS_IFD: u16 = 0x8825;
const EXIF_IFD: u16 = 0x8769;
/// Tags whose values identify the owner or the camera: MakerNote,
/// CameraOwnerName, BodySerialNumber, LensSerialNumber.
const PERSONAL: [u16; 4] = [0x927C, 0xA430, 0xA431, 0xA435];

struct Tiff<'a> {
    d: &'a mut [u8],
    little: bool,
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Result<u16, String> {
        let b = self.d.get(at..at + 2).ok_or("its EXIF data is cut short")?;
        Ok(if self.little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    }

    fn u32(&self, at: usize) -> Result<u32, String> {
        let b = self.d.get(at..at + 4).ok_or("its EXIF data is cut short")?;
        let b = [b[0], b[1], b[2], b[3]];
        Ok(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn put_u16(&mut self, at: usize, v: u16) {
        let b = if self.little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        if let Some(s) = self.d.get_mut(at..at + 2) {
            s.copy_from_slice(&b);
        }
    }

    fn zero(&mut self, from: usize, len: usize) {
        let end = from.saturating_add(len).min(self.d.len());
        if from < end {
            self.d[from..end].fill(0);
        }
    }

    /// Size in bytes of an entry's value; where it is when not inline.
    fn value(&self, entry: usize) -> Result<(usize, Option<usize>), String> {
        let kind = self.u16(entry + 2)?;
        let count = self.u32(entry + 4)? as usize;
        let unit: usize = match kind {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 | 11 | 13 => 4,
            5 | 10 | 12 => 8,
            _ => 1,
        };
        let size = unit.saturating_mul(count);
        let at = (size > 4).then(|| self.u32(entry + 8)).transpose()?;
        Ok((size, at.map(|a| a as usize)))
    }

    /// Entries of the directory at `ifd`: (count, first entry).
    fn entries(&self, ifd: usize) -> Result<usize, String> {
        let n = self.u16(ifd)? as usize;
        if ifd + 2 + 12 * n + 4 > self.d.len() {
            return Err("an EXIF directory is longer than its data".into());
        }
        Ok(n)
    }

    /// Take entry `i` out of the directory at `ifd`, zeroing its value.
    fn remove(&mut self, ifd: usize, i: usize) -> Result<(), String> {
        let n = self.entries(ifd)?;
        let entry = ifd + 2 + 12 * i;
        if let (size, Some(at)) = self.value(entry)? {
            self.zero(at, size);
        }
        // Later entries and the next-directory offset move up by one entry.
        let tail = entry + 12..ifd + 2 + 12 * n + 4;
        self.d.copy_within(tail, entry);
        self.zero(ifd + 2 + 12 * (n - 1) + 4, 12);
        self.put_u16(ifd, (n - 1) as u16);
        Ok(())
    }

    /// Zero a whole directory (the GPS one) and its values.
    fn erase_ifd(&mut self, ifd: usize) -> Result<(), String> {
        let n = self.entries(ifd)?;
        for i in 0..n {
            if let (size, Some(at)) = self.value(ifd + 2 + 12 * i)? {
                self.zero(at, size);
            }
        }
        self.zero(ifd, 2 + 12 * n + 4);
        Ok(())
    }

    /// Clean the directory at `ifd` (and the EXIF directory it points to).
    fn clean(&mut self, ifd: usize, keep_location: bool, depth: u8) -> Result<Removed, String> {
        let mut removed = Removed::default();
        let mut i = 0;
        while i < self.entries(ifd)? {
            let entry = ifd + 2 + 12 * i;
            let tag = self.u16(entry)?;
            if tag == GPS_IFD && !keep_location {
                let gps = self.u32(entry + 8)? as usize;
                // A GPS pointer that points nowhere is still removed.
                let _ = self.erase_ifd(gps);
                self.remove(ifd, i)?;
                removed.location = true;
                continue;
            }
            if PERSONAL.contains(&tag) {
                self.remove(ifd, i)?;
                removed.personal = true;
                continue;
            }
            if tag == EXIF_IFD && depth == 0 {
                let sub = self.u32(entry + 8)? as usize;
                removed.add(self.clean(sub, keep_location, 1)?);
            }
            i += 1;
        }
        Ok(removed)
    }
}

/// Clean an EXIF block (from its "II*\0" / "MM\0*" header) in place.
pub fn clean_tiff(d: &mut [u8], keep_location: bool) -> Result<Removed, String> {
    let little = match d.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return Err("its EXIF data has no valid header".into()),
    };
    let mut t = Tiff { d, little };
    let mut removed = Removed::default();
    let mut ifd = t.u32(4)? as usize;
    // IFD0 and IFD1 (the thumbnail's); a loop of directories stops at two.
    for _ in 0..2 {
        if ifd == 0 || ifd >= t.d.len() {
            break;
        }
        removed.add(t.clean(ifd, keep_location, 0)?);
        let n = t.entries(ifd)?;
        ifd = t.u32(ifd + 2 + 12 * n)? as usize;
    }
    Ok(removed)
}

// --- XMP ---

/// XMP properties that locate or identify: any `exif:GPS…`, and these.
const XMP_PERSONAL: [&str; 6] = [
    "exifEX:BodySerialNumber",
    "exifEX:LensSerialNumber",
    "exifEX:CameraOwnerName",
    "aux:SerialNumber",
    "aux:LensSerialNumber",
    "aux:OwnerName",
];

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b':' | b'_' | b'-' | b'.')
}

/// Overwrite sensitive XMP properties (attributes and elements) with spaces.
pub fn clean_xmp(x: &mut [u8], keep_location: bool) -> Removed {
    let mut removed = Removed::default();
    let mut i = 0;
    while i < x.len() {
        let starts_name = (i == 0 || !is_name_byte(x[i - 1])) && is_name_byte(x[i]);
        if !starts_name {
            i += 1;
            continue;
        }
        let end = (i..x.len())
            .find(|&j| !is_name_byte(x[j]))
            .unwrap_or(x.len());
        let name = String::from_utf8_lossy(&x[i..end]).into_owned();
        let location = name.starts_with("exif:GPS");
        let personal = XMP_PERSONAL.contains(&name.as_str());
        if !(location && !keep_location || personal) || i == 0 {
            i = end;
            continue;
        }
        let blank = if x[i - 1] == b'<' {
            element_end(x, end, &name).map(|e| (i - 1, e))
        } else if x[i - 1].is_ascii_whitespace() {
            attribute_end(x, end).map(|e| (i, e))
        } else {
            None
        };
        match blank {
            Some((from, to)) => {
                x[from..to].fill(b' ');
                removed.location |= location;
                removed.personal |= personal;
                i = to;
            }
            None => i = end,
        }
    }
    removed
}

/// End of `<name …/>` or `<name …>…</name>` whose name ends at `at`.
fn element_end(x: &[u8], at: usize, name: &str) -> Option<usize> {
    let gt = at + x[at..].iter().position(|&c| c == b'>')?;
    if x[gt - 1] == b'/' {
        return Some(gt + 1);
    }
    let close = format!("</{name}");
    let rest = &x[gt..];
    let c = rest
        .windows(close.len())
        .position(|w| w == close.as_bytes())?;
    let after = gt + c + close.len();
    Some(after + x[after..].iter().position(|&c| c == b'>')? + 1)
}

/// End of `name="…"` whose name ends at `at`.
fn attribute_end(x: &[u8], at: usize) -> Option<usize> {
    let mut j = at;
    while x.get(j)?.is_ascii_whitespace() {
        j += 1;
    }
    if *x.get(j)? != b'=' {
        return None;
    }
    j += 1;
    while x.get(j)?.is_ascii_whitespace() {
        j += 1;
    }
    let quote = *x.get(j)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let close = j + 1 + x[j + 1..].iter().position(|&c| c == quote)?;
    Some(close + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmp_attributes_and_elements_become_spaces() {
        let xmp = r#"<rdf:Description exif:GPSLatitude="51,30.1N" exif:GPSLongitude='0,7.5W' tiff:Make="Canon" aux:SerialNumber="123"><exif:GPSAltitude>12/1</exif:GPSAltitude><dc:title>Hi</dc:title><exif:GPSTimeStamp/></rdf:Description>"#;
        let mut b = xmp.as_bytes().to_vec();
        let r = clean_xmp(&mut b, false);
        let s = String::from_utf8(b).unwrap();
        assert_eq!(s.len(), xmp.len());
        assert!(r.location && r.personal);
        assert!(!s.contains("GPS") && !s.contains("Serial"), "{s}");
        assert!(s.contains(r#"tiff:Make="Canon""#) && s.contains("<dc:title>Hi</dc:title>"));

        let mut b = xmp.as_bytes().to_vec();
        let r = clean_xmp(&mut b, true);
        assert!(!r.location && r.personal);
        assert!(String::from_utf8(b).unwrap().contains("exif:GPSLatitude"));
    }

    #[test]
    fn garbage_is_refused_or_left_alone_never_a_panic() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u8
        };
        let mut tiff = b"II*\0\x08\0\0\0\x02\0\x25\x88\x04\0\x01\0\0\0\xff\xff\0\0".to_vec();
        for _ in 0..2000 {
            let mut d = tiff.clone();
            let n = d.len();
            for _ in 0..3 {
                let at = next() as usize % n;
                d[at] = next();
            }
            let _ = clean_tiff(&mut d, false);
            let _ = strip(&d, "image/jpeg", false);
            let _ = strip(&d, "image/png", false);
            let _ = strip(&d, "image/webp", false);
            let _ = clean_xmp(&mut d, false);
            tiff.push(next());
        }
    }
}
