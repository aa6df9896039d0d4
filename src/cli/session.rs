//! What `upload`, `post` and `resume` share: connecting as the signed-in
//! account with an engine and progress bars, Ctrl-C, and the journal.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;

use super::run::Failure;
use super::{TuningArgs, credentials, progress};
use crate::core::config::Config;
use crate::core::engine::journal::{Journal, Record};
use crate::core::engine::{Engine, Uploaded};
use crate::core::limits::{AccountTier, MediaKind};
use crate::core::media::check::CheckedMedia;
use crate::core::media::prepare;
use crate::core::media::probe;
use crate::core::xclient::api::User;
use crate::core::xclient::{ErrorKind, RetryConfig, RetryNotice, XClient, XError};

/// Retries before any file is under way are shown by the bars later; here
/// they only go to the log.
pub fn quiet(n: RetryNotice) {
    tracing::info!("retrying in {:?}: {}", n.wait, n.reason.describe());
}

pub struct Session {
    pub engine: Arc<Engine>,
    pub me: User,
    pub tier: AccountTier,
    pub journal: Journal,
    progress: tokio::task::JoinHandle<()>,
}

/// Connect as the signed-in account and start the engine.
pub async fn connect(
    config: &Config,
    tuning: &TuningArgs,
    notes: bool,
) -> Result<Session, Failure> {
    let engine_config = config.engine_config(tuning.chunk_mib, tuning.parallel)?;
    let tokens = credentials::token_source(config)?;
    let client = Arc::new(XClient::new(
        &config.api_base,
        tokens,
        RetryConfig::default(),
    )?);
    let me = client
        .me(&quiet)
        .await
        .map_err(|e| e.context("Checking who is signed in"))?;
    let tier = AccountTier::from_subscription(me.subscription_type.as_deref());
    let (tx, rx) = mpsc::unbounded_channel();
    let progress = tokio::spawn(progress::show(rx, notes));
    Ok(Session {
        engine: Engine::new(client, engine_config, tx),
        me,
        tier,
        journal: Journal::new(&config.paths.data_dir),
        progress,
    })
}

/// Run `work`; Ctrl-C cancels every upload cleanly (their journals stay,
/// so `x-uploader resume` carries on).
pub async fn with_ctrl_c<T>(
    session: Session,
    work: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    let result = tokio::select! {
        r = work => r,
        _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted),
    };
    if result.is_err() {
        session.engine.cancel_all();
    }
    let Session {
        engine, progress, ..
    } = session;
    drop(engine);
    // The bars end when the uploads have all stopped.
    let _ = tokio::time::timeout(Duration::from_secs(3), progress).await;
    if matches!(result, Err(Failure::Interrupted)) {
        eprintln!("Stopped. Run `x-uploader resume` to continue where it left off.");
    }
    result
}

/// Forget an interrupted post: its journal file and its uploads' records.
pub fn forget_post<'a>(
    journal: &Journal,
    post_id: &str,
    records: impl IntoIterator<Item = &'a Record>,
) {
    journal.remove_post(post_id);
    for r in records {
        r.remove_with_copy();
    }
}

/// Is an upload that failed this way worth continuing later?
pub fn worth_resuming(e: &XError) -> bool {
    e.retryable()
        || e.is_network()
        || matches!(
            e.kind,
            ErrorKind::SignInEnded | ErrorKind::Unauthorized | ErrorKind::Cancelled
        )
}

/// The failure to report, with a pointer to `resume` when it applies.
pub fn failure(e: XError, kept: bool) -> Failure {
    if kept {
        Failure::Error(format!(
            "{} Run `x-uploader resume` to continue later.",
            e.message
        ))
    } else {
        Failure::Error(e.message)
    }
}

pub fn usage_of(flags: &TuningArgs) -> Result<(), Failure> {
    if let Some(c) = flags.chunk_mib
        && !(0.25..=5.0).contains(&c)
    {
        return Err(Failure::Usage(format!(
            "--chunk-mib is {c}; give a number of MiB from 0.25 to 5."
        )));
    }
    if let Some(p) = flags.parallel
        && !(1..=16).contains(&p)
    {
        return Err(Failure::Usage(format!(
            "--parallel is {p}; give a whole number from 1 to 16."
        )));
    }
    Ok(())
}

/// Check every file, preparing photos (cleaned or converted copies); each
/// photo that was changed gets its line on stderr.
pub fn check_all(
    config: &Config,
    files: &[PathBuf],
    tier: AccountTier,
    keep_location: bool,
    no_convert: bool,
) -> Result<Vec<CheckedMedia>, Failure> {
    let options = config.photo_options(keep_location, no_convert);
    let cache = config.paths.prepared();
    let mut checked = Vec::new();
    for f in files {
        match prepare::prepare(f, tier, options, &cache) {
            Ok(c) => checked.push(c.keep_location(keep_location)),
            Err(refusal) => {
                discard_copies(config, &checked);
                return Err(refusal.into());
            }
        }
    }
    for c in &checked {
        if let Some(note) = &c.note {
            eprintln!("{}: {note}", c.name);
        }
    }
    Ok(checked)
}

/// Remove the prepared copies of files that won't be uploaded after all.
pub fn discard_copies(config: &Config, checked: &[CheckedMedia]) {
    let cache = config.paths.prepared();
    for c in checked.iter().filter(|c| c.source.is_some()) {
        cache.discard(&c.path);
    }
}

pub fn media_json(files: &[PathBuf], done: &[Uploaded]) -> serde_json::Value {
    files
        .iter()
        .zip(done)
        .map(|(f, u)| {
            let mut item =
                json!({ "file": f.to_string_lossy(), "media_id": u.media_id, "bytes": u.bytes });
            // What the video is (its header again: a few KB read).
            if u.kind == MediaKind::Video
                && let Ok(Some(sniffed)) = probe::sniff(f)
                && let Ok(video) = probe::probe_video(f, &sniffed.mime)
            {
                item["video"] = json!(video);
            }
            if !u.captions.is_empty() {
                item["captions"] = u
                    .captions
                    .iter()
                    .map(|c| json!({ "language_code": c.language, "media_id": c.media_id }))
                    .collect();
            }
            item
        })
        .collect()
}
