//! `x-uploader thread FILE`: a thread written in a text file (see
//! `core::thread_file`). Every file starts uploading at once; the posts go
//! out in order, each replying to the one before. If one fails, those
//! before it stay published and `x-uploader resume` posts the rest.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::ThreadArgs;
use super::queue::{at_arg, countdown, left_queued};
use super::run::{self, Failure};
use super::session::{
    connect, forget_post, media_json, quiet, usage_of, with_ctrl_c, worth_resuming,
};
use super::upload::{check_post, records};
use crate::core::compose;
use crate::core::engine::journal::{Owner, Record, ThreadPlace};
use crate::core::engine::post::{PostItem, Published};
use crate::core::engine::thread::{ThreadItem, ThreadStart, publish_thread};
use crate::core::schedule::unix_secs;
use crate::core::thread_file::{ThreadPost, read_thread_file};

pub fn thread(verbose: u8, args: &ThreadArgs) -> ExitCode {
    run::finish(run_thread(verbose, args))
}

/// "Post 2 (line 5)" — how messages name a post of the file.
fn which(i: usize, post: &ThreadPost) -> String {
    format!("Post {} (line {})", i + 1, post.line)
}

/// What a thread's run left: the posts that went out, and the failure
/// that stopped it, if any.
struct Outcome {
    published: Vec<Published>,
    failure: Option<Failure>,
}

fn run_thread(verbose: u8, args: &ThreadArgs) -> Result<(), Failure> {
    usage_of(&args.tuning)?;
    let posts = read_thread_file(&args.file).map_err(|e| Failure::Error(e.to_string()))?;
    for (i, post) in posts.iter().enumerate() {
        compose::check_text(&post.text, !post.media.is_empty())
            .map_err(|e| Failure::Error(format!("{}: {e}", which(i, post))))?;
    }
    let files: Vec<Vec<PathBuf>> = posts
        .iter()
        .map(|p| p.media.iter().map(|m| m.path.clone()).collect())
        .collect();
    let at = at_arg(&args.at)?;
    let reply_settings = super::extras::reply_setting(args.reply_settings.as_deref());
    let setup = run::setup(verbose)?;
    let keep_location = args.tuning.keeps_location(&setup.config);
    let api_base = setup.config.api_base.clone();
    let rt = run::runtime()?;
    let mut queued: Option<String> = None;
    let outcome = rt.block_on(async {
        let session = connect(&setup.config, &args.tuning, false).await?;
        let checked = posts
            .iter()
            .zip(&files)
            .enumerate()
            .map(|(i, (post, files))| {
                let alts: Vec<Option<String>> = post.media.iter().map(|m| m.alt.clone()).collect();
                check_post(
                    &setup.config,
                    files,
                    &alts,
                    session.tier,
                    keep_location,
                    false,
                )
                .map(|c| (c, alts))
                .map_err(|e| match e {
                    Failure::Error(m) => Failure::Error(format!("{}: {m}", which(i, post))),
                    other => other,
                })
            })
            .collect::<Result<Vec<_>, Failure>>();
        let checked = match checked {
            Ok(c) => c,
            Err(e) => return with_ctrl_c(session, async { Err::<Outcome, _>(e) }).await,
        };
        // Every post is journaled before any byte goes, so `resume` can
        // finish the thread from wherever it stops.
        let journal = session.journal.clone();
        let thread_id = journal.new_thread_id();
        let count = posts.len();
        let mut intents = Vec::new();
        let mut post_records: Vec<Vec<Record>> = Vec::new();
        let mut items = Vec::new();
        let mut journaled = true;
        for (i, (post, (media, alts))) in posts.iter().zip(checked).enumerate() {
            let mut intent =
                journal.create_post(&post.text, &api_base, Some(session.me.id.clone()));
            intent.thread = Some(ThreadPlace {
                thread: thread_id.clone(),
                position: i,
                count,
                posted: None,
            });
            intent.not_before = at.map(unix_secs);
            intent.reply_settings = reply_settings.clone();
            let recs = records(
                &session,
                &api_base,
                &media,
                |k| Owner::CliPost {
                    post: intent.id.clone(),
                    position: k,
                },
                &alts,
            );
            intent.uploads = recs.iter().flatten().map(Record::id).collect();
            journaled &= recs.iter().all(Option::is_some) && journal.save_post(&intent).is_ok();
            let media_items = media
                .into_iter()
                .zip(alts)
                .zip(&recs)
                .map(|((m, alt), record)| PostItem {
                    record: record.clone(),
                    ..PostItem::new(m, alt)
                })
                .collect();
            items.push(ThreadItem {
                text: post.text.clone(),
                media: media_items,
            });
            post_records.push(recs.into_iter().flatten().collect());
            intents.push(intent);
        }
        // Ours to post: a `resume` started meanwhile leaves the thread alone.
        let claims: Vec<_> = intents
            .iter()
            .filter_map(|i| journal.claim_post(&i.id).ok().flatten())
            .collect();
        if journaled && at.is_some() {
            queued = Some(thread_id.clone());
            super::minimized::queued(&setup.config);
        }
        let engine = session.engine.clone();
        let me = session.me.clone();
        let work = async move {
            let mut on_posted = |i: usize, done: &Published| {
                if let Some(place) = intents[i].thread.as_mut() {
                    place.posted = Some(done.post_id.clone());
                }
                if let Err(e) = journal.save_post(&intents[i]) {
                    tracing::warn!("the journal can't note post {}: {e}", i + 1);
                }
                for r in &post_records[i] {
                    r.remove_with_copy();
                }
            };
            let start = ThreadStart {
                not_before: at.map(countdown),
                reply_settings,
                ..ThreadStart::default()
            };
            let result = publish_thread(&engine, &me, items, start, &mut on_posted, &quiet).await;
            drop(claims);
            let outcome = match result {
                Ok(published) => Outcome {
                    published,
                    failure: None,
                },
                Err(stopped) => {
                    let some_out = !stopped.published.is_empty();
                    let keep = journaled && (some_out || worth_resuming(&stopped.error));
                    let k = stopped.at + 1;
                    let mut message = format!(
                        "Post {k} of {count} wasn't posted: {}",
                        stopped.error.message
                    );
                    if some_out {
                        let before = if k == 2 {
                            "Post 1 is".to_string()
                        } else {
                            format!("Posts 1–{} are", k - 1)
                        };
                        message.push_str(&format!(" {before} on X."));
                    }
                    if keep {
                        message.push_str(" Run `x-uploader resume` to post the rest.");
                    }
                    if !keep {
                        for (intent, recs) in intents.iter().zip(&post_records) {
                            forget_post(&journal, &intent.id, recs);
                        }
                    }
                    return Ok(Outcome {
                        published: stopped.published,
                        failure: Some(Failure::Error(message)),
                    });
                }
            };
            for (intent, recs) in intents.iter().zip(&post_records) {
                forget_post(&journal, &intent.id, recs);
            }
            Ok(outcome)
        };
        with_ctrl_c(session, work).await
    });
    let outcome = left_queued(outcome, queued, at)?;
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    if args.tuning.json {
        let posts: Vec<_> = outcome
            .published
            .iter()
            .zip(&files)
            .map(|(p, files)| {
                json!({ "post_id": p.post_id, "post_url": p.url, "media": media_json(files, &p.media) })
            })
            .collect();
        println!("{}", json!({ "posts": posts }));
    } else {
        for p in &outcome.published {
            println!("{}", p.url);
        }
    }
    match outcome.failure {
        Some(f) => Err(f),
        None => Ok(()),
    }
}
