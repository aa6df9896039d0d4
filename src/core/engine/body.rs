//! A segment's bytes as a stream read from the file: never more than one
//! slice of it in memory, with progress reported as the network takes it.

use std::io::SeekFrom;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::core::media::location::{Patch, apply_patches};
use crate::core::xclient::error::LocalFileError;

/// Bytes read from disk per slice.
const SLICE: u64 = 128 * 1024;

/// Told the running total of bytes handed over for the segment.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// The bytes `offset..offset+len` of `path`, opened lazily (so a retry
/// simply builds a new body), with `patches` applied as they go by (a
/// video's location blanked: the file itself is never touched).
pub fn segment_body(
    path: PathBuf,
    offset: u64,
    len: u64,
    patches: Arc<[Patch]>,
    progress: Progress,
) -> reqwest::Body {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let local = move |e: std::io::Error| {
        std::io::Error::other(LocalFileError(format!(
            "{name} changed or disappeared while it was uploading ({e}). Add it again."
        )))
    };
    let stream =
        futures_util::stream::try_unfold((None::<tokio::fs::File>, 0u64), move |(file, sent)| {
            let path = path.clone();
            let progress = progress.clone();
            let local = local.clone();
            let patches = patches.clone();
            async move {
                if sent >= len {
                    return Ok::<_, std::io::Error>(None);
                }
                let mut file = match file {
                    Some(f) => f,
                    None => {
                        progress(0);
                        let mut f = tokio::fs::File::open(&path).await.map_err(&local)?;
                        f.seek(SeekFrom::Start(offset)).await.map_err(&local)?;
                        f
                    }
                };
                let want = SLICE.min(len - sent) as usize;
                let mut buf = vec![0u8; want];
                // A file that shrank while uploading ends here with an error.
                file.read_exact(&mut buf).await.map_err(&local)?;
                apply_patches(&patches, offset + sent, &mut buf);
                let sent = sent + want as u64;
                progress(sent);
                Ok(Some((Bytes::from(buf), (Some(file), sent))))
            }
        });
    reqwest::Body::wrap_stream(stream)
}
