//! Threads (and scheduled posts): every file of every post starts
//! uploading at once, then the posts go out in order, each replying to the
//! one before. A post that fails stops the thread there: the ones before
//! stay published, and the caller can post the rest later from that point.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::post::{self, PostItem, Published};
use super::{Engine, Uploaded};
use crate::core::xclient::api::{PostOptions, User};
use crate::core::xclient::{RetryNotice, XError};

/// One post of a thread: its text and files.
#[derive(Debug, Clone)]
pub struct ThreadItem {
    pub text: String,
    pub media: Vec<PostItem>,
}

/// Something to wait for before the first post goes out (a set time).
pub type Gate = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How a run of posts begins.
#[derive(Default)]
pub struct ThreadStart {
    /// The post the first one replies to (the last one already out, when
    /// continuing a thread).
    pub reply_to: Option<String>,
    /// Continuing: check the account's recent posts before the first one,
    /// in case it went out just before the interruption.
    pub posted_since: Option<u64>,
    /// Scheduled: every upload finishes first, then this is awaited, then
    /// the posts go out one after another.
    pub not_before: Option<Gate>,
    /// Who may reply to every post (X's `reply_settings`; everyone: none).
    pub reply_settings: Option<String>,
}

/// Where a thread stopped: the posts that went out, and why the next didn't.
#[derive(Debug)]
pub struct ThreadStopped {
    pub published: Vec<Published>,
    /// Index (in the `posts` given) of the post that failed.
    pub at: usize,
    pub error: XError,
}

/// Post `posts` in order; `on_posted` runs after each.
pub async fn publish_thread(
    engine: &Arc<Engine>,
    me: &User,
    posts: Vec<ThreadItem>,
    start: ThreadStart,
    on_posted: &mut (dyn FnMut(usize, &Published) + Send),
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<Vec<Published>, ThreadStopped> {
    let texts: Vec<String> = posts.iter().map(|p| p.text.clone()).collect();
    let mut started: Vec<Option<post::Started>> = posts
        .into_iter()
        .map(|p| Some(post::start(engine, p.media)))
        .collect();
    let mut ready: Vec<Option<Vec<Uploaded>>> = vec![None; texts.len()];
    let stop = |published: Vec<Published>, at: usize, error: XError| {
        engine.cancel_all();
        Err(ThreadStopped {
            published,
            at,
            error,
        })
    };
    if let Some(gate) = start.not_before {
        for (i, s) in started.iter_mut().enumerate() {
            let Some(s) = s.take() else { continue };
            match post::upload_and_describe(engine, s, notify).await {
                Ok(u) => ready[i] = Some(u),
                Err(error) => return stop(Vec::new(), i, error),
            }
        }
        gate.await;
    }
    let mut published: Vec<Published> = Vec::new();
    let mut parent = start.reply_to;
    for (i, text) in texts.iter().enumerate() {
        let uploaded = match (ready[i].take(), started[i].take()) {
            (Some(u), _) => Ok(u),
            (None, Some(s)) => post::upload_and_describe(engine, s, notify).await,
            (None, None) => Ok(Vec::new()),
        };
        let options = PostOptions {
            reply_to: parent.clone(),
            reply_settings: start.reply_settings.clone(),
        };
        let since = if i == 0 { start.posted_since } else { None };
        let result = match uploaded {
            Ok(u) => post::post_uploaded(engine, me, text, u, &options, since, notify).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(done) => {
                on_posted(i, &done);
                parent = Some(done.post_id.clone());
                published.push(done);
            }
            Err(error) => return stop(published, i, error),
        }
    }
    Ok(published)
}
