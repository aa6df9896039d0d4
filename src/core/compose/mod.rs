//! What makes a post valid: X's weighted text length, the media mix rule,
//! and (one set of rules for the window, the command line and the service)
//! when a post can go out. Shared by the client's checks and the practice
//! server. Each media item's state machine is in [`state`].

pub mod state;

use crate::core::limits::{ALT_TEXT_MAX_CHARS, MAX_MEDIA_PER_POST, MediaKind, POST_MAX_WEIGHTED};
pub use state::{BadTransition, MediaState};

/// X's weighted length of `text`: URLs count 23, emoji and CJK 2, Latin 1
/// (twitter-text configuration v3, the one X uses today).
pub fn weighted_length(text: &str) -> usize {
    if text.is_empty() {
        return 0;
    }
    let parsed = twitter_text::parse(text, twitter_text_config::config_v3(), true);
    parsed.weighted_length.max(0) as usize
}

/// Weighted characters left before the 280 limit (negative when over).
pub fn remaining(text: &str) -> i64 {
    POST_MAX_WEIGHTED as i64 - weighted_length(text) as i64
}

/// Why a set of media cannot go in one post.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MixError {
    #[error("A post can have at most 4 photos; this one has {0} files.")]
    TooMany(usize),
    #[error(
        "A video can't be posted together with other photos, GIFs or videos: a post has up to 4 photos, or 1 video, or 1 GIF."
    )]
    VideoWithOthers,
    #[error(
        "A GIF can't be posted together with other photos, GIFs or videos: a post has up to 4 photos, or 1 video, or 1 GIF."
    )]
    GifWithOthers,
}

/// X's rule: up to 4 photos, or 1 video, or 1 GIF.
pub fn check_mix(kinds: &[MediaKind]) -> Result<(), MixError> {
    let videos = kinds.iter().filter(|k| **k == MediaKind::Video).count();
    let gifs = kinds.iter().filter(|k| **k == MediaKind::Gif).count();
    if videos > 0 && kinds.len() > 1 {
        return Err(MixError::VideoWithOthers);
    }
    if gifs > 0 && kinds.len() > 1 {
        return Err(MixError::GifWithOthers);
    }
    if kinds.len() > MAX_MEDIA_PER_POST {
        return Err(MixError::TooMany(kinds.len()));
    }
    Ok(())
}

/// Why a post's text cannot go out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("The post is {0} characters long as X counts them; X allows 280. Shorten it by {1}.")]
    TooLong(usize, usize),
    #[error("Write some text or add a photo or video: an empty post can't be published.")]
    Empty,
}

/// Text alone (media may make an empty text fine).
pub fn check_text(text: &str, has_media: bool) -> Result<(), TextError> {
    let len = weighted_length(text);
    if len > POST_MAX_WEIGHTED {
        return Err(TextError::TooLong(len, len - POST_MAX_WEIGHTED));
    }
    if text.trim().is_empty() && !has_media {
        return Err(TextError::Empty);
    }
    Ok(())
}

/// Alt text length in characters (what X counts for alt text).
pub fn alt_text_chars(alt: &str) -> usize {
    alt.chars().count()
}

/// Alt text over the limit? Returns its length when it is.
pub fn alt_text_too_long(alt: &str) -> Option<usize> {
    let n = alt_text_chars(alt);
    (n > ALT_TEXT_MAX_CHARS).then_some(n)
}

/// Why a post can't go out now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Blocker {
    #[error("Sign in first.")]
    NotSignedIn,
    #[error("{0}")]
    Text(#[from] TextError),
    #[error("Remove the files X can't take (marked in red) before posting.")]
    Refused,
    #[error("{0}")]
    Mix(#[from] MixError),
    #[error("An upload stopped: retry it, continue it or remove it.")]
    Stopped,
}

/// Can this post go out (now, or once its uploads finish)? `media` holds
/// each item's kind (once checked) and state. Window, command line and
/// service all ask here.
pub fn post_blocker(
    signed_in: bool,
    text: &str,
    media: &[(Option<MediaKind>, &MediaState)],
) -> Result<(), Blocker> {
    if !signed_in {
        return Err(Blocker::NotSignedIn);
    }
    check_text(text, !media.is_empty())?;
    if media
        .iter()
        .any(|(_, s)| matches!(s, MediaState::Refused { .. }))
    {
        return Err(Blocker::Refused);
    }
    let kinds: Vec<MediaKind> = media.iter().filter_map(|(k, _)| *k).collect();
    check_mix(&kinds)?;
    if media.iter().any(|(_, s)| s.stopped()) {
        return Err(Blocker::Stopped);
    }
    Ok(())
}

/// Every item ready: the post can go now (else it waits for them).
pub fn all_ready(media: &[(Option<MediaKind>, &MediaState)]) -> bool {
    media.iter().all(|(_, s)| **s == MediaState::Ready)
}

#[cfg(test)]
mod tests {
    use super::*;
    use MediaKind::*;

    #[test]
    fn weights_follow_x() {
        assert_eq!(weighted_length("hello"), 5);
        // A URL counts 23 whatever its length.
        assert_eq!(
            weighted_length("https://example.com/a/very/long/path/indeed/yes"),
            23
        );
        // CJK counts 2 per character; an emoji 2.
        assert_eq!(weighted_length("日本"), 4);
        assert_eq!(weighted_length("👍"), 2);
        assert_eq!(weighted_length(&"a".repeat(281)), 281);
        assert_eq!(remaining(&"a".repeat(281)), -1);
    }

    #[test]
    fn mix_rule() {
        assert!(check_mix(&[Photo, Photo, Photo, Photo]).is_ok());
        assert!(check_mix(&[Video]).is_ok());
        assert!(check_mix(&[Gif]).is_ok());
        assert_eq!(check_mix(&[Photo; 5]).unwrap_err(), MixError::TooMany(5));
        assert_eq!(
            check_mix(&[Video, Photo]).unwrap_err(),
            MixError::VideoWithOthers
        );
        assert_eq!(
            check_mix(&[Video, Video]).unwrap_err(),
            MixError::VideoWithOthers
        );
        assert_eq!(
            check_mix(&[Photo, Gif]).unwrap_err(),
            MixError::GifWithOthers
        );
    }

    #[test]
    fn text_rules() {
        assert!(check_text("", true).is_ok());
        assert_eq!(check_text("  ", false).unwrap_err(), TextError::Empty);
        assert_eq!(
            check_text(&"a".repeat(281), false).unwrap_err(),
            TextError::TooLong(281, 1)
        );
        assert_eq!(alt_text_too_long(&"é".repeat(1001)), Some(1001));
        assert_eq!(alt_text_too_long(&"é".repeat(1000)), None);
    }

    #[test]
    fn post_blockers_in_order() {
        let ready = MediaState::Ready;
        let up = MediaState::Uploading;
        let refused = MediaState::Refused {
            reason: "no".into(),
            mix: false,
        };
        let cancelled = MediaState::Cancelled;
        assert_eq!(post_blocker(false, "hi", &[]), Err(Blocker::NotSignedIn));
        assert_eq!(
            post_blocker(true, " ", &[]),
            Err(Blocker::Text(TextError::Empty))
        );
        assert!(matches!(
            post_blocker(true, &"a".repeat(290), &[(Some(Photo), &ready)]),
            Err(Blocker::Text(TextError::TooLong(290, 10)))
        ));
        assert_eq!(
            post_blocker(true, "", &[(Some(Photo), &ready), (None, &refused)]),
            Err(Blocker::Refused)
        );
        assert_eq!(
            post_blocker(true, "", &[(Some(Video), &ready), (Some(Photo), &up)]),
            Err(Blocker::Mix(MixError::VideoWithOthers))
        );
        assert_eq!(
            post_blocker(true, "", &[(Some(Photo), &cancelled)]),
            Err(Blocker::Stopped)
        );
        let waiting = [(Some(Photo), &ready), (Some(Photo), &up)];
        assert_eq!(post_blocker(true, "", &waiting), Ok(()));
        assert!(!all_ready(&waiting));
        assert!(all_ready(&[(Some(Photo), &ready)]));
    }
}
