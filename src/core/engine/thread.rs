//! Threads: every file of every post starts uploading at once, then the
//! posts go out in order, each replying to the one before. A post that
//! fails stops the thread there: the ones before stay published, and the
//! caller can post the rest later from that point.

use std::sync::Arc;

use super::Engine;
use super::post::{self, PostItem, Published};
use crate::core::xclient::api::{PostOptions, User};
use crate::core::xclient::{RetryNotice, XError};

/// One post of a thread: its text and files.
#[derive(Debug, Clone)]
pub struct ThreadItem {
    pub text: String,
    pub media: Vec<PostItem>,
}

/// Where a thread stopped: the posts that went out, and why the next didn't.
#[derive(Debug)]
pub struct ThreadStopped {
    pub published: Vec<Published>,
    /// Index (in the `posts` given) of the post that failed.
    pub at: usize,
    pub error: XError,
}

/// Post `posts` in order. The first replies to `reply_to` (the last post
/// already out, when continuing a thread); `posted_since` (continuing)
/// checks the account's recent posts before the first one, in case it went
/// out just before the interruption. `on_posted` runs after each post.
pub async fn publish_thread(
    engine: &Arc<Engine>,
    me: &User,
    posts: Vec<ThreadItem>,
    reply_to: Option<String>,
    posted_since: Option<u64>,
    on_posted: &mut (dyn FnMut(usize, &Published) + Send),
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<Vec<Published>, ThreadStopped> {
    let started: Vec<(String, post::Started)> = posts
        .into_iter()
        .map(|p| (p.text, post::start(engine, p.media)))
        .collect();
    let mut published: Vec<Published> = Vec::new();
    let mut parent = reply_to;
    for (i, (text, started)) in started.into_iter().enumerate() {
        let options = PostOptions {
            reply_to: parent.clone(),
        };
        let since = if i == 0 { posted_since } else { None };
        match post::publish_started(engine, me, &text, started, &options, since, notify).await {
            Ok(done) => {
                on_posted(i, &done);
                parent = Some(done.post_id.clone());
                published.push(done);
            }
            Err(error) => {
                engine.cancel_all();
                return Err(ThreadStopped {
                    published,
                    at: i,
                    error,
                });
            }
        }
    }
    Ok(published)
}
