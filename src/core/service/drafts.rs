//! The draft: text, files, alt texts and finished media ids, kept across
//! restarts (practice drafts apart from real ones). Written atomically.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::core::config::write_atomic;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DraftItem {
    pub path: PathBuf,
    pub alt: String,
    /// A finished upload X still holds: reused instead of uploading again.
    pub media_id: Option<String>,
    /// Unix seconds when X forgets `media_id`.
    pub expires_at: Option<u64>,
    /// The account the media was uploaded for.
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub text: String,
    pub items: Vec<DraftItem>,
}

impl Draft {
    pub fn path(data_dir: &Path, practice: bool) -> PathBuf {
        data_dir.join("drafts").join(if practice {
            "practice.json"
        } else {
            "draft.json"
        })
    }

    /// The saved draft; a damaged file is set aside (renamed) and an empty
    /// draft returned with a note saying so.
    pub fn load(path: &Path) -> (Draft, Option<String>) {
        match std::fs::read(path) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(d) => (d, None),
                Err(_) => {
                    let aside = path.with_extension("damaged.json");
                    let _ = std::fs::rename(path, &aside);
                    (
                        Draft::default(),
                        Some(format!(
                            "The saved draft could not be read; it was set aside as {}.",
                            aside.display()
                        )),
                    )
                }
            },
            Err(_) => (Draft::default(), None),
        }
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if self.text.is_empty() && self.items.is_empty() {
            return match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        write_atomic(path, &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_empty_removes_and_damaged_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = Draft::path(dir.path(), true);
        assert!(path.ends_with("drafts/practice.json"));
        let d = Draft {
            text: "hello".into(),
            items: vec![DraftItem {
                path: "/x.jpg".into(),
                alt: "a".into(),
                ..DraftItem::default()
            }],
        };
        d.save(&path).unwrap();
        assert_eq!(Draft::load(&path), (d, None));
        Draft::default().save(&path).unwrap();
        assert!(!path.exists());
        std::fs::write(&path, "{not json").unwrap();
        let (d, note) = Draft::load(&path);
        assert_eq!(d, Draft::default());
        assert!(note.unwrap().contains("set aside"));
        assert!(path.with_extension("damaged.json").exists());
    }
}
