//! The draft on disk: its posts (several make a thread), each with text,
//! files, alt texts and finished media ids, kept across restarts (practice
//! drafts apart from real ones). Written atomically. Drafts
//! written before posts existed (`text` and `items` at the top) still load.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::DraftCaption;
use crate::core::fsx::write_atomic;
use crate::core::media::warning::ContentWarning;

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
    /// A video's caption tracks (checked and uploaded again on load).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub captions: Vec<DraftCaption>,
    /// X's content warning.
    #[serde(skip_serializing_if = "is_unset")]
    pub warning: ContentWarning,
}

fn is_unset(w: &ContentWarning) -> bool {
    !w.is_set()
}

/// One post of the draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DraftPost {
    pub text: String,
    pub items: Vec<DraftItem>,
}

impl DraftPost {
    fn is_empty(&self) -> bool {
        self.text.is_empty() && self.items.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "OnDisk")]
pub struct Draft {
    pub posts: Vec<DraftPost>,
    /// The journal's id of this thread once it began to go out (the
    /// journal knows which of its posts are on X).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
}

/// Either shape on disk: `posts`, or (older drafts) one post's `text` and
/// `items` at the top.
#[derive(Deserialize, Default)]
#[serde(default)]
struct OnDisk {
    posts: Vec<DraftPost>,
    thread: Option<String>,
    text: String,
    items: Vec<DraftItem>,
}

impl From<OnDisk> for Draft {
    fn from(d: OnDisk) -> Draft {
        let mut posts = d.posts;
        let old = DraftPost {
            text: d.text,
            items: d.items,
        };
        if posts.is_empty() && !old.is_empty() {
            posts.push(old);
        }
        Draft {
            posts,
            thread: d.thread,
        }
    }
}

impl Draft {
    /// A draft of one post.
    pub fn single(text: String, items: Vec<DraftItem>) -> Draft {
        let post = DraftPost { text, items };
        Draft {
            posts: if post.is_empty() { vec![] } else { vec![post] },
            thread: None,
        }
    }

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
        if self.posts.iter().all(DraftPost::is_empty) {
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
        let d = Draft::single(
            "hello".into(),
            vec![DraftItem {
                path: "/x.jpg".into(),
                alt: "a".into(),
                ..DraftItem::default()
            }],
        );
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

    #[test]
    fn captions_and_a_content_warning_are_kept_and_left_out_when_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("draft.json");
        let item = DraftItem {
            path: "/v/talk.mp4".into(),
            captions: vec![DraftCaption {
                path: "/v/talk.es.srt".into(),
                language: "ES".into(),
            }],
            warning: ContentWarning {
                graphic_violence: true,
                ..ContentWarning::default()
            },
            ..DraftItem::default()
        };
        let d = Draft::single("talk".into(), vec![item, DraftItem::default()]);
        d.save(&path).unwrap();
        assert_eq!(Draft::load(&path), (d, None));
        let json = std::fs::read_to_string(&path).unwrap();
        assert_eq!(json.matches("\"captions\"").count(), 1, "{json}");
        assert_eq!(json.matches("\"warning\"").count(), 1, "{json}");
    }

    #[test]
    fn a_thread_and_its_journal_id_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = Draft::path(dir.path(), false);
        let post = |text: &str, files: &[&str]| DraftPost {
            text: text.into(),
            items: files
                .iter()
                .map(|f| DraftItem {
                    path: f.into(),
                    ..DraftItem::default()
                })
                .collect(),
        };
        let d = Draft {
            posts: vec![
                post("one", &["/a.jpg", "/b.jpg"]),
                post("two", &["/c.mp4"]),
                post("three", &[]),
            ],
            thread: Some("0123abcd".into()),
        };
        d.save(&path).unwrap();
        assert_eq!(Draft::load(&path), (d, None));
    }

    #[test]
    fn a_draft_written_before_posts_existed_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("draft.json");
        std::fs::write(
            &path,
            r#"{"text": "launch day", "items": [{"path": "/p/a.jpg", "alt": "a dog",
                "media_id": "123", "expires_at": 1900000000, "account_id": "42"}]}"#,
        )
        .unwrap();
        let (d, note) = Draft::load(&path);
        assert_eq!(note, None);
        let post = d.posts.into_iter().next().unwrap_or_default();
        assert_eq!(post.text, "launch day");
        assert_eq!(post.items.len(), 1);
        assert_eq!(post.items[0].media_id.as_deref(), Some("123"));
        assert_eq!(post.items[0].alt, "a dog");
    }
}
