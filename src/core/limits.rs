//! X's media and post limits: the one table that the client's checks and the
//! practice server share. X changes these now and then; change them here only.
//!
//! Sources: `docs/x-facts.md` in this repository (X's pages, newest first,
//! with where each fact comes from). X writes
//! "MB"; we read it as MiB.

use serde::{Deserialize, Serialize};

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * KIB;
pub const GIB: u64 = 1024 * MIB;

/// Largest APPEND segment X accepts (v1.1 docs: "must be <= 5 MB").
pub const SEGMENT_MAX_BYTES: u64 = 5 * MIB;
/// `segment_index` runs 0..=999.
pub const SEGMENT_INDEX_MAX: u32 = 999;
/// So a file may have at most this many segments.
pub const MAX_SEGMENTS: u64 = SEGMENT_INDEX_MAX as u64 + 1;
/// Largest file the chunked upload can carry at all (1000 × 5 MiB).
pub const MAX_UPLOAD_BYTES: u64 = MAX_SEGMENTS * SEGMENT_MAX_BYTES;

/// Weighted characters in one post (X's counting: URLs 23, emoji and CJK 2).
pub const POST_MAX_WEIGHTED: usize = 280;
/// Alt text, in characters (`POST /2/media/metadata`).
pub const ALT_TEXT_MAX_CHARS: usize = 1000;
/// Media attached to one post.
pub const MAX_MEDIA_PER_POST: usize = 4;
/// How long X holds an uploaded media id when it doesn't say
/// (`expires_after_secs`; 24 h in X's media upload docs).
pub const MEDIA_EXPIRY_SECS: u64 = 24 * 3600;

/// Upload tuning the settings accept (Settings, config file, env, flags).
pub const CHUNK_MIB_RANGE: std::ops::RangeInclusive<f64> = 0.25..=5.0;
pub const PARALLEL_RANGE: std::ops::RangeInclusive<usize> = 1..=16;
/// Segment size when none is configured. Measured: see docs/benchmarks.
pub const DEFAULT_SEGMENT_BYTES: u64 = 4 * MIB;
/// Segments in flight at once, across all files. Measured: see docs/benchmarks.
pub const DEFAULT_PARALLEL: usize = 3;

/// What a file becomes on X.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Photo,
    Gif,
    Video,
}

impl MediaKind {
    /// The `media_category` used when posting.
    pub fn category(self) -> &'static str {
        match self {
            MediaKind::Photo => "tweet_image",
            MediaKind::Gif => "tweet_gif",
            MediaKind::Video => "tweet_video",
        }
    }

    /// A word for messages: "photo", "GIF", "video".
    pub fn noun(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Gif => "GIF",
            MediaKind::Video => "video",
        }
    }

    /// X processes videos and GIFs after FINALIZE; photos are ready at once.
    pub fn needs_processing(self) -> bool {
        !matches!(self, MediaKind::Photo)
    }

    /// Alt text is for photos and GIFs only.
    pub fn takes_alt_text(self) -> bool {
        !matches!(self, MediaKind::Video)
    }
}

/// Account tiers that change the video limits (the posting user's subscription,
/// from `GET /2/users/me?user.fields=subscription_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum AccountTier {
    #[default]
    Standard,
    Premium,
}

impl AccountTier {
    /// `subscription_type` is one of Basic, Premium, PremiumPlus or None.
    pub fn from_subscription(subscription_type: Option<&str>) -> Self {
        match subscription_type {
            Some("Basic" | "Premium" | "PremiumPlus") => AccountTier::Premium,
            _ => AccountTier::Standard,
        }
    }
}

/// Video limits for one tier.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VideoLimits {
    pub min_secs: f64,
    pub max_secs: f64,
    pub max_bytes: u64,
}

/// The table itself.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MediaLimits {
    pub photo_max_bytes: u64,
    pub gif_max_bytes: u64,
    pub gif_max_width: u32,
    pub gif_max_height: u32,
    pub gif_max_frames: u32,
    pub gif_max_pixels: u64,
    pub video_standard: VideoLimits,
    pub video_premium: VideoLimits,
}

pub const LIMITS: MediaLimits = MediaLimits {
    photo_max_bytes: 5 * MIB,
    gif_max_bytes: 15 * MIB,
    gif_max_width: 1280,
    gif_max_height: 1080,
    gif_max_frames: 350,
    gif_max_pixels: 300_000_000,
    video_standard: VideoLimits {
        min_secs: 0.5,
        max_secs: 20.0 * 60.0,
        max_bytes: 8 * GIB,
    },
    video_premium: VideoLimits {
        min_secs: 0.5,
        max_secs: 125.0 * 60.0,
        max_bytes: 16 * GIB,
    },
};

impl MediaLimits {
    pub fn video(&self, tier: AccountTier) -> VideoLimits {
        match tier {
            AccountTier::Standard => self.video_standard,
            AccountTier::Premium => self.video_premium,
        }
    }

    /// Largest file of this kind the account may upload.
    pub fn max_bytes(&self, kind: MediaKind, tier: AccountTier) -> u64 {
        match kind {
            MediaKind::Photo => self.photo_max_bytes,
            MediaKind::Gif => self.gif_max_bytes,
            MediaKind::Video => self.video(tier).max_bytes,
        }
    }
}

/// MIME types we send, per kind.
pub fn kind_of_mime(mime: &str) -> Option<MediaKind> {
    match mime {
        "image/jpeg" | "image/png" | "image/webp" => Some(MediaKind::Photo),
        "image/gif" => Some(MediaKind::Gif),
        "video/mp4" | "video/quicktime" | "video/webm" => Some(MediaKind::Video),
        _ => None,
    }
}

/// "5 MB", "15 MB", "8 GB": sizes as X's pages write them (binary units).
pub fn human_limit(bytes: u64) -> String {
    if bytes >= GIB && bytes.is_multiple_of(GIB) {
        format!("{} GB", bytes / GIB)
    } else if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MB", bytes / MIB)
    } else {
        human_bytes(bytes)
    }
}

/// "6.2 MB", "312 MB", "1.4 GB", "800 bytes".
pub fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes >= GIB {
        format!("{:.1} GB", b / GIB as f64)
    } else if bytes >= 100 * MIB {
        format!("{:.0} MB", b / MIB as f64)
    } else if bytes >= MIB {
        format!("{:.1} MB", b / MIB as f64)
    } else if bytes >= KIB {
        format!("{:.0} KB", b / KIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

/// "0:48", "12:05", "1:02:03".
pub fn human_duration(secs: f64) -> String {
    let total = secs.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// "20 minutes", "2 minutes 20 seconds", "0.5 seconds".
pub fn human_span(secs: f64) -> String {
    if secs < 60.0 {
        let s = format!("{secs}");
        return if secs == 1.0 {
            "1 second".into()
        } else {
            format!("{s} seconds")
        };
    }
    let total = secs.round() as u64;
    let (m, s) = (total / 60, total % 60);
    let minutes = if m == 1 {
        "1 minute".to_string()
    } else {
        format!("{m} minutes")
    };
    if s == 0 {
        minutes
    } else {
        format!("{minutes} {s} seconds")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_subscription() {
        assert_eq!(
            AccountTier::from_subscription(Some("PremiumPlus")),
            AccountTier::Premium
        );
        assert_eq!(
            AccountTier::from_subscription(Some("None")),
            AccountTier::Standard
        );
        assert_eq!(AccountTier::from_subscription(None), AccountTier::Standard);
        assert_eq!(
            LIMITS.max_bytes(MediaKind::Video, AccountTier::Premium),
            16 * GIB
        );
    }

    #[test]
    fn human_units() {
        assert_eq!(human_limit(5 * MIB), "5 MB");
        assert_eq!(human_limit(8 * GIB), "8 GB");
        assert_eq!(human_bytes(6_500_000), "6.2 MB");
        assert_eq!(human_bytes(312 * MIB + 5), "312 MB");
        assert_eq!(human_duration(48.4), "0:48");
        assert_eq!(human_duration(3723.0), "1:02:03");
        assert_eq!(human_span(1200.0), "20 minutes");
        assert_eq!(human_span(140.0), "2 minutes 20 seconds");
        assert_eq!(human_span(0.5), "0.5 seconds");
    }

    #[test]
    fn upload_ceiling_is_1000_segments_of_5_mib() {
        assert_eq!(MAX_UPLOAD_BYTES, 5_242_880_000);
    }
}
