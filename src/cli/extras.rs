//! `post --captions`, `--sensitive` and `--reply-settings`: the arguments
//! read and checked, and the captions fitted to the post's video.

use std::path::PathBuf;

use super::run::Failure;
use crate::core::limits::MediaKind;
use crate::core::media::captions::{self, CaptionFile};
use crate::core::media::check::CheckedMedia;
use crate::core::media::warning::ContentWarning;

/// What a post's files carry besides alt text, read from the arguments.
#[derive(Debug, Clone, Default)]
pub(super) struct Extras {
    /// `--captions FILE[:LANG]`: the file and the language given, if any.
    pub captions: Vec<(PathBuf, Option<String>)>,
    /// `--sensitive FLAGS`, for the files in order.
    pub warnings: Vec<ContentWarning>,
    /// `--reply-settings` as X spells it; `None` for everyone.
    pub reply_settings: Option<String>,
}

impl Extras {
    /// Read the arguments (a malformed one is a usage error, exit 2).
    pub fn parse(
        captions: &[String],
        sensitive: &[String],
        reply_settings: Option<&str>,
        files: usize,
    ) -> Result<Extras, Failure> {
        let captions = captions
            .iter()
            .map(|a| captions::split_captions_arg(a).map_err(|e| Failure::Usage(e.0)))
            .collect::<Result<Vec<_>, _>>()?;
        if sensitive.len() > files {
            return Err(Failure::Usage(format!(
                "There are {} --sensitive warnings for {files} files: give one per file, in order (--sensitive none for none).",
                sensitive.len()
            )));
        }
        let warnings = sensitive
            .iter()
            .map(|s| {
                ContentWarning::parse(s)
                    .map_err(|e| Failure::Usage(format!("--sensitive {s}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Extras {
            captions,
            warnings,
            reply_settings: reply_setting(reply_settings),
        })
    }

    /// Anything that `resume` would not carry on with.
    pub fn any(&self) -> bool {
        !self.captions.is_empty() || self.warnings.iter().any(ContentWarning::is_set)
    }

    /// The caption files read, checked and fitted to the post's video, for
    /// each file of the post (exit 1 with a plain reason when they can't go).
    pub fn captions_for(&self, checked: &[CheckedMedia]) -> Result<Vec<Vec<CaptionFile>>, Failure> {
        let mut per_file: Vec<Vec<CaptionFile>> = vec![Vec::new(); checked.len()];
        if self.captions.is_empty() {
            return Ok(per_file);
        }
        let Some((at, video)) = checked
            .iter()
            .enumerate()
            .find(|(_, c)| c.kind == MediaKind::Video)
        else {
            let first = &self.captions[0].0;
            return Err(Failure::Error(format!(
                "{} can't go with this post: captions go with a video, and the post has none. Add the video, or leave out --captions.",
                first.display()
            )));
        };
        let duration = video.video.as_ref().map(|v| v.duration_secs);
        for (path, language) in &self.captions {
            let mut file = captions::load(path, language.as_deref())?;
            if let Some(same) = per_file[at].iter().find(|c| c.language == file.language) {
                return Err(Failure::Error(format!(
                    "{} and {} are both {} captions: give each language once (FILE:LANG sets it, like {}:ES).",
                    same.name,
                    file.name,
                    file.language_name(),
                    file.name
                )));
            }
            if let Some(secs) = duration {
                file.fit_to(&video.name, secs)?;
            }
            per_file[at].push(file);
        }
        Ok(per_file)
    }
}

/// `everyone` is X's default: the field is left out.
pub(super) fn reply_setting(value: Option<&str>) -> Option<String> {
    value.filter(|v| *v != "everyone").map(str::to_string)
}
