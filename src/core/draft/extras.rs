//! What a tile carries besides its file and alt text: caption tracks on a
//! video (checked, uploaded at once, attached after processing), a caption
//! file found next to the video and offered, and X's content warning.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::core::media::languages::own_name;
use crate::core::media::warning::ContentWarning;

/// One caption track on a video tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileCaption {
    pub path: PathBuf,
    pub name: String,
    /// ISO 639-1, two capitals ("ES").
    pub language: String,
    /// At X already (uploaded for the signed-in account).
    pub uploaded: bool,
}

/// A caption file next to the video, with the same name, not yet added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptionOffer {
    pub path: PathBuf,
    pub name: String,
    pub language: String,
}

/// The captions, offer, problem and warning of one tile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TileExtras {
    pub captions: Vec<TileCaption>,
    pub offer: Option<CaptionOffer>,
    /// Why the last caption file was not added, in plain words.
    pub problem: Option<String>,
    pub warning: ContentWarning,
}

impl TileExtras {
    /// "Captions: English, Español" (none: `None`).
    pub fn captions_line(&self) -> Option<String> {
        if self.captions.is_empty() {
            return None;
        }
        let names: Vec<&str> = self
            .captions
            .iter()
            .map(|c| own_name(&c.language))
            .collect();
        Some(format!("Captions: {}", names.join(", ")))
    }
}

/// A caption track as the draft on disk keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DraftCaption {
    pub path: PathBuf,
    pub language: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_captions_line_names_languages_as_their_speakers_do() {
        let mut e = TileExtras::default();
        assert_eq!(e.captions_line(), None);
        for (n, l) in [("talk.en.srt", "EN"), ("talk.es.srt", "ES")] {
            e.captions.push(TileCaption {
                path: n.into(),
                name: n.into(),
                language: l.into(),
                uploaded: false,
            });
        }
        assert_eq!(
            e.captions_line().as_deref(),
            Some("Captions: English, Español")
        );
    }
}
