//! `x-uploader upload` and `x-uploader post`: check every file before a
//! byte is sent, upload with progress on stderr, print the result on stdout.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;

use super::run::{self, Failure};
use super::{PostArgs, TuningArgs, UploadArgs, credentials, progress};
use crate::core::compose;
use crate::core::engine::post::{self, PostItem};
use crate::core::engine::{Engine, Uploaded};
use crate::core::limits::AccountTier;
use crate::core::media::check::{self, CheckedMedia};
use crate::core::xclient::api::User;
use crate::core::xclient::{RetryConfig, RetryNotice, XClient};

pub fn upload(verbose: u8, args: &UploadArgs) -> ExitCode {
    run::finish(run_upload(verbose, args))
}

pub fn post(verbose: u8, args: &PostArgs) -> ExitCode {
    run::finish(run_post(verbose, args))
}

/// Retries before any file is under way are shown by the bars later; here
/// they only go to the log.
fn quiet(n: RetryNotice) {
    tracing::info!("retrying in {:?}: {}", n.wait, n.reason.describe());
}

struct Session {
    engine: Arc<Engine>,
    me: User,
    progress: tokio::task::JoinHandle<()>,
}

/// Connect as the signed-in account and start the engine.
async fn connect(
    config: &crate::core::config::Config,
    tuning: &TuningArgs,
) -> Result<(Session, AccountTier), Failure> {
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
    let progress = tokio::spawn(progress::show(rx));
    Ok((
        Session {
            engine: Engine::new(client, engine_config, tx),
            me,
            progress,
        },
        tier,
    ))
}

/// Run `work`; Ctrl-C cancels every upload cleanly.
async fn with_ctrl_c<T>(
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
    result
}

fn usage_of(flags: &TuningArgs) -> Result<(), Failure> {
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

fn check_all(files: &[PathBuf], tier: AccountTier) -> Result<Vec<CheckedMedia>, Failure> {
    files
        .iter()
        .map(|f| check::check_file(f, tier).map_err(Failure::from))
        .collect()
}

fn media_json(files: &[PathBuf], done: &[Uploaded]) -> serde_json::Value {
    files
        .iter()
        .zip(done)
        .map(|(f, u)| json!({ "file": f.to_string_lossy(), "media_id": u.media_id, "bytes": u.bytes }))
        .collect()
}

fn run_upload(verbose: u8, args: &UploadArgs) -> Result<(), Failure> {
    usage_of(&args.tuning)?;
    let setup = run::setup(verbose)?;
    let rt = run::runtime()?;
    let done = rt.block_on(async {
        let (session, tier) = connect(&setup.config, &args.tuning).await?;
        let checked = match check_all(&args.files, tier) {
            Ok(c) => c,
            Err(e) => return with_ctrl_c(session, async { Err::<Vec<Uploaded>, _>(e) }).await,
        };
        let engine = session.engine.clone();
        let ids: Vec<_> = checked.into_iter().map(|c| engine.start(c, None)).collect();
        let work = async {
            futures_util::future::try_join_all(ids.iter().map(|id| engine.wait(*id)))
                .await
                .map_err(Failure::from)
        };
        with_ctrl_c(session, work).await
    })?;
    rt.shutdown_timeout(Duration::from_secs(1));
    if args.tuning.json {
        println!("{}", json!({ "media": media_json(&args.files, &done) }));
    } else {
        for (file, u) in args.files.iter().zip(&done) {
            println!("{}\t{}", u.media_id, file.display());
        }
    }
    Ok(())
}

fn names(files: &[CheckedMedia]) -> String {
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn run_post(verbose: u8, args: &PostArgs) -> Result<(), Failure> {
    usage_of(&args.tuning)?;
    if args.files.is_empty() && args.text.is_none() {
        return Err(Failure::Usage(
            "Give the post's --text, files, or both.".into(),
        ));
    }
    if args.alts.len() > args.files.len() {
        return Err(Failure::Usage(format!(
            "There are {} --alt texts for {} files: give one --alt per file, in order (--alt \"\" for none).",
            args.alts.len(),
            args.files.len()
        )));
    }
    let text = args.text.clone().unwrap_or_default();
    compose::check_text(&text, !args.files.is_empty())
        .map_err(|e| Failure::Error(e.to_string()))?;
    let setup = run::setup(verbose)?;
    let rt = run::runtime()?;
    let (published, username) = rt.block_on(async {
        let (session, tier) = connect(&setup.config, &args.tuning).await?;
        let prepared = (|| {
            let checked = check_all(&args.files, tier)?;
            let kinds: Vec<_> = checked.iter().map(|c| c.kind).collect();
            compose::check_mix(&kinds).map_err(|e| {
                Failure::Error(format!("{} can't go in one post. {e}", names(&checked)))
            })?;
            checked
                .into_iter()
                .enumerate()
                .map(|(i, media)| {
                    let alt = args.alts.get(i).cloned().filter(|a| !a.is_empty());
                    check::check_alt(&media.name, media.kind, alt.as_deref().unwrap_or(""))?;
                    Ok(PostItem { media, alt })
                })
                .collect::<Result<Vec<_>, Failure>>()
        })();
        let engine = session.engine.clone();
        let me = session.me.clone();
        let work = async {
            let items = prepared?;
            post::publish(&engine, &me, &text, items, &quiet)
                .await
                .map_err(Failure::from)
        };
        let published = with_ctrl_c(session, work).await?;
        Ok::<_, Failure>((published, me.username))
    })?;
    rt.shutdown_timeout(Duration::from_secs(1));
    tracing::info!("posted {} as @{username}", published.post_id);
    if args.tuning.json {
        println!(
            "{}",
            json!({
                "post_id": published.post_id,
                "post_url": published.url,
                "media": media_json(&args.files, &published.media),
            })
        );
    } else {
        println!("{}", published.url);
    }
    Ok(())
}
