//! Where cleaned and converted copies of photos live: `prepared/` in the
//! app's data folder (not the system cache, which may be emptied while an
//! interrupted upload waits for `resume`). One folder per source file and
//! options, named by a hash of the source's path, size and modification
//! time, so checking the same file again reuses the copy. A copy is removed
//! when its upload is done or its tile goes; copies left behind by a crash
//! are pruned after a few days.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Copies older than this are pruned (X forgets uploads after a day).
const KEEP: Duration = Duration::from_secs(3 * 86_400);

/// What a prepared copy is, kept next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prepared {
    pub file: PathBuf,
    /// The line the tile and the command line show.
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub fn new(data_dir: &Path) -> Cache {
        Cache {
            dir: data_dir.join("prepared"),
        }
    }

    /// The folder for `source` prepared with `options` (a short string).
    pub fn slot(&self, source: &Path, options: &str) -> std::io::Result<PathBuf> {
        let meta = std::fs::metadata(source)?;
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let full = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
        let mut h = Sha256::new();
        h.update(full.to_string_lossy().as_bytes());
        h.update(meta.len().to_le_bytes());
        h.update(mtime.to_le_bytes());
        h.update(options.as_bytes());
        Ok(self.dir.join(&hex::encode(h.finalize())[..24]))
    }

    /// A copy made earlier for this slot.
    pub fn find(&self, slot: &Path) -> Option<Prepared> {
        let json = std::fs::read(slot.join("prepared.json")).ok()?;
        let p: Prepared = serde_json::from_slice(&json).ok()?;
        p.file.starts_with(slot).then_some(())?;
        p.file.is_file().then_some(p)
    }

    /// Store `data` as `name` in `slot`, with its note.
    pub fn store(
        &self,
        slot: &Path,
        name: &str,
        data: &[u8],
        note: &str,
    ) -> std::io::Result<Prepared> {
        self.prune();
        let file = slot.join(name);
        crate::core::fsx::write_atomic(&file, data)?;
        let prepared = Prepared {
            file,
            note: note.to_string(),
        };
        let json = serde_json::to_vec(&prepared).map_err(std::io::Error::other)?;
        crate::core::fsx::write_atomic(&slot.join("prepared.json"), &json)?;
        Ok(prepared)
    }

    /// Is `path` a copy made here?
    pub fn holds(&self, path: &Path) -> bool {
        path.starts_with(&self.dir) && path != self.dir
    }

    /// Remove the copy at `path` (and its folder); other paths are left alone.
    pub fn discard(&self, path: &Path) {
        if !self.holds(path) {
            return;
        }
        if let Some(slot) = path
            .parent()
            .filter(|s| s.parent() == Some(self.dir.as_path()))
        {
            let _ = std::fs::remove_dir_all(slot);
        }
    }

    /// Remove copies older than a few days (left by a crash).
    fn prune(&self) {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in dir.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > KEEP);
            if old {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}
