//! The journal's posts: a post (or a thread's posts) waiting for its
//! uploads or its time, `post-<id>.json` beside the upload records, and
//! the lock that lets one process at a time post it.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

use super::journal::{Journal, Owner, SetAside, random_id};
use crate::core::clock::now_secs;

/// A post waiting for its uploads (`x-uploader post`), so that `resume`
/// can publish it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostIntent {
    pub version: u32,
    pub id: String,
    pub created_at: u64,
    pub api_base: String,
    pub account_id: Option<String>,
    pub text: String,
    /// Upload entry ids, in the order of the files.
    pub uploads: Vec<String>,
    /// Its place in a thread (`x-uploader thread`); journals written before
    /// threads have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<ThreadPlace>,
    /// Scheduled: not posted before this time (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<u64>,
    /// Who may reply (X's `reply_settings`; everyone: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_settings: Option<String>,
    /// A thread of the window's draft (its media are in the draft): the
    /// window posts the rest, not `resume`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
}

/// The right to post one journaled post: a lock on `post-<id>.lock` that
/// the system lets go when the process ends, however it ends. Two
/// processes (the window, `post --at`, two `resume`s) never post it twice.
#[derive(Debug)]
pub struct Claim {
    file: std::fs::File,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Where a post sits in a thread, and its id at X once it went out (the
/// next post replies to it; `resume` skips it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadPlace {
    pub thread: String,
    /// 0-based.
    pub position: usize,
    pub count: usize,
    #[serde(default)]
    pub posted: Option<String>,
}

impl Journal {
    fn post_path(&self, id: &str) -> PathBuf {
        self.dir().join(format!("post-{id}.json"))
    }

    /// Record a post before its uploads start; `uploads` is filled as
    /// their records are made.
    pub fn create_post(
        &self,
        text: &str,
        api_base: &str,
        account_id: Option<String>,
    ) -> PostIntent {
        PostIntent {
            version: 1,
            id: random_id(),
            created_at: now_secs(),
            api_base: api_base.to_string(),
            account_id,
            text: text.to_string(),
            uploads: Vec::new(),
            thread: None,
            not_before: None,
            reply_settings: None,
            owner: None,
        }
    }

    fn lock_path(&self, id: &str) -> PathBuf {
        self.dir().join(format!("post-{id}.lock"))
    }

    /// Take the right to post `id`: `None` while another process holds it,
    /// or when the post is gone from the journal (it went out meanwhile).
    pub fn claim_post(&self, id: &str) -> std::io::Result<Option<Claim>> {
        std::fs::create_dir_all(self.dir())?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.lock_path(id))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        let claim = Claim { file };
        Ok(self.post_path(id).exists().then_some(claim))
    }

    /// A fresh id for a thread's posts to share.
    pub fn new_thread_id(&self) -> String {
        random_id()
    }

    pub fn save_post(&self, post: &PostIntent) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(post).map_err(std::io::Error::other)?;
        crate::core::fsx::write_atomic(&self.post_path(&post.id), &json)
    }

    /// Every readable post intent; damaged ones are set aside.
    pub fn posts(&self) -> (Vec<PostIntent>, Vec<SetAside>) {
        self.read_all("post-", "an unfinished post")
    }

    pub fn remove_post(&self, id: &str) {
        let _ = std::fs::remove_file(self.post_path(id));
        let _ = std::fs::remove_file(self.lock_path(id));
    }
}
