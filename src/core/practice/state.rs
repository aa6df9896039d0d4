//! What the practice server remembers: grants, tokens (by hash only), media
//! and posts. With a state dir it is written to `state.json` after each
//! change (atomic rename), so a restart keeps drafts and resumes working.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::core::limits::{AccountTier, MediaKind};

/// One of the three practice accounts.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: &'static str,
    pub username: &'static str,
    pub name: &'static str,
    /// X's `subscription_type`: None, Premium, PremiumPlus.
    pub subscription_type: &'static str,
}

impl Account {
    pub fn tier(&self) -> AccountTier {
        AccountTier::from_subscription(Some(self.subscription_type))
    }
}

pub const ACCOUNTS: [Account; 3] = [
    Account {
        id: "1700000000000000001",
        username: "practice_news",
        name: "Practice Newsroom",
        subscription_type: "None",
    },
    Account {
        id: "1700000000000000002",
        username: "practice_brand",
        name: "Practice Brand",
        subscription_type: "Premium",
    },
    Account {
        id: "1700000000000000003",
        username: "practice_events",
        name: "Practice Events",
        subscription_type: "PremiumPlus",
    },
];

pub fn account(id: &str) -> Option<&'static Account> {
    ACCOUNTS.iter().find(|a| a.id == id)
}

pub fn account_by_username(name: &str) -> Option<&'static Account> {
    let name = name.trim_start_matches('@');
    ACCOUNTS
        .iter()
        .find(|a| a.username.eq_ignore_ascii_case(name))
}

/// Tokens and codes are kept as SHA-256 hashes: the state file never holds a
/// usable secret.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Grant {
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub created_at: f64,
    pub revoked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessToken {
    pub grant_id: String,
    pub expires_at: f64,
    pub revoked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshToken {
    pub grant_id: String,
    pub used: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub method: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub expires_at: f64,
    pub used: bool,
    /// The grant the code was exchanged for; revoked if the code is reused.
    pub grant_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Segment {
    pub bytes: u64,
    /// How many times this segment arrived (retries and resumes show here).
    pub receipts: u32,
}

/// How processing ends, decided at FINALIZE from the file's content.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum Outcome {
    Succeeded,
    Failed(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Media {
    pub id: String,
    pub owner: String,
    pub media_type: String,
    pub category: String,
    pub kind: MediaKind,
    pub total_bytes: u64,
    pub created_at: f64,
    pub expires_at: f64,
    pub segments: BTreeMap<u32, Segment>,
    /// Set while FINALIZE assembles the file, so a second FINALIZE waits.
    #[serde(default)]
    pub finalizing: bool,
    pub finalized_at: Option<f64>,
    pub size: Option<u64>,
    pub sha256: Option<String>,
    pub processing_secs: f64,
    pub outcome: Option<Outcome>,
    pub duration_secs: Option<f64>,
    pub alt_text: Option<String>,
    /// Set by the test control "fail processing": processing ends failed.
    #[serde(default)]
    pub forced_failure: Option<String>,
    /// Earliest time the client was told to check STATUS again.
    #[serde(default)]
    pub next_check_at: f64,
    #[serde(default)]
    pub early_status_polls: u32,
    #[serde(default)]
    pub status_polls: u32,
    /// INITIALIZE's `shared` (stored; the practice server has no DMs).
    #[serde(default)]
    pub shared: bool,
    /// Accounts that may post this media besides its owner.
    #[serde(default)]
    pub additional_owners: Vec<String>,
    /// Every field `POST /2/media/metadata` set, as X echoes it.
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Caption tracks (`POST /2/media/subtitles`), one per language.
    #[serde(default)]
    pub subtitles: Vec<SubtitleTrack>,
}

/// A captions file attached to a video.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SubtitleTrack {
    pub language_code: String,
    pub display_name: Option<String>,
    /// The captions file's media id (uploaded with `media_category=subtitles`).
    pub id: String,
}

impl Media {
    /// A captions file (`media_category=subtitles`). Stored with the photo
    /// kind: it needs no processing and X documents no size of its own.
    pub fn is_subtitles(&self) -> bool {
        self.category == "subtitles"
    }

    /// May `user_id` put this media in a post?
    pub fn usable_by(&self, user_id: &str) -> bool {
        self.owner == user_id || self.additional_owners.iter().any(|o| o == user_id)
    }

    pub fn media_key(&self) -> String {
        let prefix = match self.category.as_str() {
            "tweet_gif" => 16,
            "tweet_video" => 7,
            "amplify_video" => 13,
            _ => 3,
        };
        format!("{prefix}_{}", self.id)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tweet {
    pub id: String,
    pub author_id: String,
    pub text: String,
    pub media_ids: Vec<String>,
    pub created_at: f64,
    pub deleted: bool,
    /// `reply.in_reply_to_tweet_id`: the post this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    /// The first post of the conversation (itself when it answers none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Who may reply (`following`, `mentionedUsers`, …); everyone when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_settings: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub next_id: u64,
    pub grants: HashMap<String, Grant>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub codes: HashMap<String, AuthCode>,
    pub media: HashMap<String, Media>,
    pub tweets: Vec<Tweet>,
}

impl State {
    /// A fresh id in X's format (19 digits).
    pub fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("{}", 1_880_000_000_000_000_000u64 + self.next_id)
    }
}

/// The state and the folder its files live in.
pub struct Store {
    pub dir: PathBuf,
    pub persistent: bool,
    pub state: State,
}

impl Store {
    pub fn open(dir: PathBuf, persistent: bool) -> std::io::Result<Store> {
        fs::create_dir_all(dir.join("media"))?;
        let path = dir.join("state.json");
        let state = if persistent && path.exists() {
            let text = fs::read_to_string(&path)?;
            serde_json::from_str(&text).map_err(|e| {
                std::io::Error::other(format!(
                    "the practice server's state file {} is damaged ({e}); move it away to start afresh",
                    path.display()
                ))
            })?
        } else {
            State {
                // Ids differ between throw-away servers, like X's never repeat.
                next_id: rand::random::<u32>() as u64 * 1000,
                ..State::default()
            }
        };
        Ok(Store {
            dir,
            persistent,
            state,
        })
    }

    pub fn media_dir(&self, id: &str) -> PathBuf {
        media_dir(&self.dir, id)
    }

    /// Write `state.json` (only with a state dir).
    pub fn save(&self) {
        if !self.persistent {
            return;
        }
        let result = (|| -> std::io::Result<()> {
            let tmp = self.dir.join("state.json.tmp");
            let mut file = fs::File::create(&tmp)?;
            file.write_all(&serde_json::to_vec(&self.state).map_err(std::io::Error::other)?)?;
            file.sync_all()?;
            fs::rename(&tmp, self.dir.join("state.json"))
        })();
        if let Err(e) = result {
            tracing::error!("practice server could not save its state: {e}");
        }
    }
}

pub fn media_dir(root: &Path, id: &str) -> PathBuf {
    root.join("media").join(id)
}

pub fn segment_path(root: &Path, id: &str, index: u32) -> PathBuf {
    media_dir(root, id).join(format!("seg-{index:03}"))
}

pub fn assembled_path(root: &Path, id: &str) -> PathBuf {
    media_dir(root, id).join("file")
}
