//! Posting: upload all media, set alt texts, then `POST /2/tweets` once.
//! A post is never blindly retried: when X's answer is lost, the account's
//! recent posts are checked for it, and the user is told what happened.

use std::sync::Arc;
use std::time::Duration;

use super::{Engine, UploadId, Uploaded};
use crate::core::clock::now_secs;
use crate::core::media::captions::CaptionFile;
use crate::core::media::check::CheckedMedia;
use crate::core::media::warning::ContentWarning;
use crate::core::xclient::api::{PostAnswer, PostOptions, User};
use crate::core::xclient::{ErrorKind, RetryNotice, XClient, XError};

/// One file of a post, with its alt text (and, when continuing an
/// interrupted upload, where it stopped and its journal record).
#[derive(Debug, Clone)]
pub struct PostItem {
    pub media: CheckedMedia,
    pub alt: Option<String>,
    pub resume: Option<super::ResumePoint>,
    pub record: Option<super::journal::Record>,
    /// Already uploaded and processed (a journal said so).
    pub ready: Option<String>,
    /// Caption tracks for a video, checked and fitted to it.
    pub captions: Vec<CaptionFile>,
    /// X's content warning.
    pub warning: Option<ContentWarning>,
}

impl PostItem {
    pub fn new(media: CheckedMedia, alt: Option<String>) -> PostItem {
        PostItem {
            media,
            alt,
            resume: None,
            record: None,
            ready: None,
            captions: Vec::new(),
            warning: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub post_id: String,
    pub url: String,
    pub media: Vec<Uploaded>,
}

/// `https://x.com/<handle>/status/<id>`
pub fn post_url(username: &str, post_id: &str) -> String {
    format!("https://x.com/{username}/status/{post_id}")
}

/// A post's files with their uploads under way.
pub struct Started {
    items: Vec<PostItem>,
    uploads: Vec<Option<UploadId>>,
}

/// Start uploading every file of a post (those not already at X).
pub fn start(engine: &Engine, items: Vec<PostItem>) -> Started {
    let uploads = items
        .iter()
        .map(|i| {
            i.ready.is_none().then(|| {
                engine.start_journaled(i.media.clone(), i.resume.clone(), i.record.clone())
            })
        })
        .collect();
    Started { items, uploads }
}

/// Upload every file (together, within the engine's bound), then post.
/// With `posted_since` (continuing an interrupted post), the account's
/// recent posts are checked first, so a post that did go out is not sent
/// twice.
pub async fn publish(
    engine: &Arc<Engine>,
    me: &User,
    text: &str,
    items: Vec<PostItem>,
    posted_since: Option<u64>,
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<Published, XError> {
    let started = start(engine, items);
    publish_started(
        engine,
        me,
        text,
        started,
        &PostOptions::default(),
        posted_since,
        notify,
    )
    .await
}

/// Wait for a post's uploads, set the alt texts, then post.
pub async fn publish_started(
    engine: &Arc<Engine>,
    me: &User,
    text: &str,
    started: Started,
    options: &PostOptions,
    posted_since: Option<u64>,
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<Published, XError> {
    let uploaded = upload_and_describe(engine, started, notify).await?;
    post_uploaded(engine, me, text, uploaded, options, posted_since, notify).await
}

/// Wait for a post's uploads to be ready at X and set their alt texts.
pub async fn upload_and_describe(
    engine: &Arc<Engine>,
    started: Started,
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<Vec<Uploaded>, XError> {
    let Started { items, uploads } = started;
    let waits = items.iter().zip(uploads).map(|(i, id)| {
        let ready = i.ready.clone().map(|media_id| Uploaded {
            media_id,
            expires_at: now_secs() + crate::core::limits::MEDIA_EXPIRY_SECS,
            bytes: i.media.bytes,
            kind: i.media.kind,
            name: i.media.name.clone(),
            captions: Vec::new(),
        });
        async move {
            match (id, ready) {
                (Some(id), _) => engine.wait(id).await,
                (None, Some(done)) => Ok(done),
                (None, None) => Err(XError::new(ErrorKind::Other, "Nothing to upload.")),
            }
        }
    });
    let both = futures_util::future::try_join(
        futures_util::future::try_join_all(waits),
        super::extras::upload_captions(engine.client(), &items, notify),
    );
    let (mut uploaded, captions_ids) = match both.await {
        Ok(u) => u,
        Err(e) => {
            engine.cancel_all();
            return Err(e);
        }
    };
    for ((item, done), ids) in items.iter().zip(&mut uploaded).zip(&captions_ids) {
        super::extras::dress(engine.client(), item, ids, done, notify).await?;
    }
    for (item, done) in items.iter().zip(&uploaded) {
        set_alt(engine.client(), done, item.alt.as_deref(), notify).await?;
    }
    Ok(uploaded)
}

/// Set a file's alt text at X, if it has any.
async fn set_alt(
    client: &XClient,
    done: &Uploaded,
    alt: Option<&str>,
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<(), XError> {
    if let Some(alt) = alt.filter(|a| !a.trim().is_empty()) {
        client
            .set_alt_text(&done.media_id, alt, notify)
            .await
            .map_err(|e| e.context(&format!("Adding the alt text of {}", done.name)))?;
    }
    Ok(())
}

/// A file already at X (the window's), with what goes on it before the post.
#[derive(Debug, Clone)]
pub struct ReadyMedia {
    pub uploaded: Uploaded,
    pub alt: Option<String>,
    pub warning: Option<ContentWarning>,
    /// Caption files fitted to the video, with their media id once uploaded.
    pub captions: Vec<(CaptionFile, Option<String>)>,
}

/// Media already at X (the window's files): captions not yet uploaded go
/// up, then warnings, caption tracks and alt texts are set, then the post,
/// through [`post_uploaded`] like every other post.
pub async fn describe_and_post(
    engine: &Arc<Engine>,
    me: &User,
    text: &str,
    media: Vec<ReadyMedia>,
    options: &PostOptions,
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<Published, XError> {
    let mut uploaded = Vec::with_capacity(media.len());
    for mut m in media {
        for (c, id) in &mut m.captions {
            if id.is_none() {
                *id = Some(super::extras::upload_one(engine.client(), c, notify).await?);
            }
        }
        let captions: Vec<_> = m
            .captions
            .iter()
            .filter_map(|(c, id)| Some((c, id.as_ref()?)))
            .collect();
        super::extras::dress_uploaded(
            engine.client(),
            m.warning,
            &captions,
            &mut m.uploaded,
            notify,
        )
        .await?;
        set_alt(engine.client(), &m.uploaded, m.alt.as_deref(), notify).await?;
        uploaded.push(m.uploaded);
    }
    post_uploaded(engine, me, text, uploaded, options, None, notify).await
}

/// Post with media that are ready. With `posted_since` (continuing an
/// interrupted post) the account's recent posts are checked first.
pub async fn post_uploaded(
    engine: &Arc<Engine>,
    me: &User,
    text: &str,
    uploaded: Vec<Uploaded>,
    options: &PostOptions,
    posted_since: Option<u64>,
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<Published, XError> {
    let media_ids: Vec<String> = uploaded.iter().map(|u| u.media_id.clone()).collect();
    if let Some(since) = posted_since
        && let Some(post) =
            already_posted(engine.client(), me, text, &media_ids, since, notify).await?
    {
        tracing::info!("post {} was already published", post.id);
        return Ok(Published {
            url: post_url(&me.username, &post.id),
            post_id: post.id,
            media: uploaded,
        });
    }
    let post = create_post_once(engine.client(), me, text, &media_ids, options, notify).await?;
    Ok(Published {
        url: post_url(&me.username, &post.id),
        post_id: post.id,
        media: uploaded,
    })
}

/// `POST /2/tweets` exactly once. Only a request that surely never left
/// (could not connect) is sent again; when the answer is lost, the recent
/// posts say whether it went out.
pub async fn create_post_once(
    client: &XClient,
    me: &User,
    text: &str,
    media_ids: &[String],
    options: &PostOptions,
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<PostAnswer, XError> {
    let mut attempt = 0;
    loop {
        let error = match client.create_post(text, media_ids, options).await {
            Ok(post) => return Ok(post),
            Err(e) => e,
        };
        match error.kind {
            ErrorKind::CannotConnect if attempt < 3 => {
                attempt += 1;
                tokio::time::sleep(client.retry.backoff(attempt)).await;
            }
            ErrorKind::TimedOut | ErrorKind::ConnectionDropped | ErrorKind::ServerError => {
                tracing::warn!(
                    "post answer lost ({}); checking recent posts",
                    error.message
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
                let handle = &me.username;
                return match client.recent_posts(&me.id, notify).await {
                    Ok(recent) => recent
                        .into_iter()
                        .find(|p| same_post(p, text, media_ids))
                        .ok_or_else(|| {
                            XError::new(
                                ErrorKind::ServerError,
                                format!(
                                    "X didn't confirm the post, and it is not on @{handle}'s profile, so nothing was posted. Try posting again."
                                ),
                            )
                        }),
                    Err(_) => Err(XError::new(
                        ErrorKind::Other,
                        format!(
                            "X didn't confirm the post, and @{handle}'s profile can't be checked right now. Look at the profile on X before posting again, so the post doesn't go out twice."
                        ),
                    )),
                };
            }
            _ => return Err(error),
        }
    }
}

/// A recent post of `me` that is this one (same media, or same text without
/// media), made since the interrupted run began: it may have published it
/// just before it stopped. An older post with the same text is not it.
async fn already_posted(
    client: &XClient,
    me: &User,
    text: &str,
    media_ids: &[String],
    since_secs: u64,
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<Option<PostAnswer>, XError> {
    let recent = client
        .recent_posts(&me.id, notify)
        .await
        .map_err(|e| e.context("Checking the account's recent posts"))?;
    // A minute's grace for clocks that differ.
    let since = since_secs as i64 - 60;
    let recent_enough = |p: &PostAnswer| {
        p.created_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_none_or(|t| t.timestamp() >= since)
    };
    Ok(recent
        .into_iter()
        .find(|p| same_post(p, text, media_ids) && recent_enough(p)))
}

fn same_post(post: &PostAnswer, text: &str, media_ids: &[String]) -> bool {
    if media_ids.is_empty() {
        post.text.trim() == text.trim()
    } else {
        post.attachments
            .as_ref()
            .is_some_and(|a| a.media_ids == media_ids)
    }
}
