//! Where a video was filmed, kept out of what X receives: QuickTime
//! location entries found in the `moov` header become patches, applied to
//! the bytes as the engine streams the file (the file itself never changes).

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

/// QuickTime location entries in a `moov` body found at `moov_at`: the
/// `©xyz` and 3GPP `loci` user-data boxes become `free` boxes of zeros, and
/// the values of `com.apple.quicktime.location.*` metadata become spaces.
/// The file's layout stays as it is: only those bytes change.
pub(super) fn location_patches(moov: &[u8], moov_at: u64) -> Vec<Patch> {
    let mut out = Vec::new();
    walk_user_data(moov, moov_at, 0, &mut out);
    out
}

/// The children of `body` (found at `at` in the file): kind, body, where it is.
pub(super) fn children(body: &[u8], at: u64) -> impl Iterator<Item = ([u8; 4], &[u8], u64)> {
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
}
