//! X's content warning on a photo or video (`sensitive_media_warning` in
//! media metadata): three flags, any of them set.

/// The flags' names as X spells them, with the words a person reads.
pub const WARNING_FLAGS: &[(&str, &str)] = &[
    ("adult_content", "Nudity"),
    ("graphic_violence", "Violence"),
    ("other", "Sensitive"),
];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ContentWarning {
    pub adult_content: bool,
    pub graphic_violence: bool,
    pub other: bool,
}

impl ContentWarning {
    /// `adult_content,graphic_violence`, `other`, or `none` (no warning).
    pub fn parse(flags: &str) -> Result<ContentWarning, String> {
        let mut w = ContentWarning::default();
        if flags.trim().eq_ignore_ascii_case("none") || flags.trim().is_empty() {
            return Ok(w);
        }
        for flag in flags.split(',').map(str::trim) {
            match flag.to_ascii_lowercase().replace('-', "_").as_str() {
                "adult_content" => w.adult_content = true,
                "graphic_violence" => w.graphic_violence = true,
                "other" => w.other = true,
                _ => {
                    return Err(format!(
                        "\"{flag}\" is not a content warning: use adult_content, graphic_violence or other (several with commas), or none."
                    ));
                }
            }
        }
        Ok(w)
    }

    /// The flags that are set, in the words a person reads ("Violence, Sensitive").
    pub fn words(&self) -> String {
        let set = [self.adult_content, self.graphic_violence, self.other];
        WARNING_FLAGS
            .iter()
            .zip(set)
            .filter(|(_, on)| *on)
            .map(|((_, words), _)| *words)
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn is_set(&self) -> bool {
        self.adult_content || self.graphic_violence || self.other
    }

    /// The `sensitive_media_warning` object of `POST /2/media/metadata`.
    pub fn to_json(self) -> serde_json::Value {
        serde_json::json!({
            "adult_content": self.adult_content,
            "graphic_violence": self.graphic_violence,
            "other": self.other,
        })
    }
}
