//! `x-uploader upload` and `x-uploader post`: check every file before a
//! byte is sent, upload with progress on stderr, print the result on stdout.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use serde_json::json;

use super::extras::Extras;
use super::queue::{at_arg, countdown, left_queued};
use super::run::{self, Failure};
use super::session::{
    self, check_all, connect, discard_copies, failure, forget_post, media_json, quiet, usage_of,
    with_ctrl_c, worth_resuming,
};
use super::{PostArgs, UploadArgs};
use crate::core::compose;
use crate::core::config::Config;
use crate::core::engine::Uploaded;
use crate::core::engine::journal::{Owner, Record};
use crate::core::engine::post::{self, PostItem};
use crate::core::engine::thread::{ThreadItem, ThreadStart, publish_thread};
use crate::core::limits::AccountTier;
use crate::core::media::check::{self, CheckedMedia};
use crate::core::schedule::{span_words, unix_secs};
use crate::core::xclient::api::PostOptions;
use crate::core::xclient::{ErrorKind, XError};

pub fn upload(verbose: u8, args: &UploadArgs) -> ExitCode {
    run::finish(run_upload(verbose, args))
}

pub fn post(verbose: u8, args: &PostArgs) -> ExitCode {
    run::finish(run_post(verbose, args))
}

/// Start a journal record for each file (a full disk only costs the
/// ability to resume, so it is logged, not fatal).
pub(super) fn records(
    session: &session::Session,
    api_base: &str,
    checked: &[CheckedMedia],
    owner: impl Fn(usize) -> Owner,
    alts: &[Option<String>],
) -> Vec<Option<Record>> {
    checked
        .iter()
        .enumerate()
        .map(|(i, c)| {
            session
                .journal
                .create(
                    c,
                    owner(i),
                    api_base,
                    Some(session.me.id.clone()),
                    session.engine.config().segment_bytes,
                    alts.get(i).cloned().flatten(),
                )
                .map_err(|e| tracing::warn!("no journal for {}: {e}", c.name))
                .ok()
        })
        .collect()
}

fn remove_all(records: &[Option<Record>]) {
    for r in records.iter().flatten() {
        r.remove_with_copy();
    }
}

fn run_upload(verbose: u8, args: &UploadArgs) -> Result<(), Failure> {
    usage_of(&args.tuning)?;
    let setup = run::setup(verbose)?;
    let keep_location = args.tuning.keeps_location(&setup.config);
    let rt = run::runtime()?;
    let done = rt.block_on(async {
        let session = connect(&setup.config, &args.tuning, false).await?;
        let checked = match check_all(
            &setup.config,
            &args.files,
            session.tier,
            keep_location,
            args.photos.no_convert,
        ) {
            Ok(c) => c,
            Err(e) => {
                return with_ctrl_c(session, async {
                    Err::<(Vec<Uploaded>, Vec<Option<Record>>), _>(e)
                })
                .await;
            }
        };
        let records = records(
            &session,
            &setup.config.api_base,
            &checked,
            |_| Owner::CliUpload,
            &[],
        );
        let engine = session.engine.clone();
        let ids: Vec<_> = checked
            .into_iter()
            .zip(&records)
            .map(|(c, r)| engine.start_journaled(c, None, r.clone()))
            .collect();
        // The work owns the engine's clone, so the bars end when it is done.
        let records_ref = &records;
        let work = async move {
            match futures_util::future::try_join_all(ids.iter().map(|id| engine.wait(*id))).await {
                Ok(done) => Ok(done),
                Err(e) => {
                    // Only what the journal holds can be resumed.
                    let keep = records_ref.iter().all(Option::is_some) && worth_resuming(&e);
                    if !keep {
                        remove_all(records_ref);
                    }
                    Err(failure(e, keep))
                }
            }
        };
        let done = with_ctrl_c(session, work).await?;
        Ok::<_, Failure>((done, records))
    });
    let (done, records) = done?;
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    if args.tuning.json {
        println!("{}", json!({ "media": media_json(&args.files, &done) }));
    } else {
        for (file, u) in args.files.iter().zip(&done) {
            println!("{}\t{}", u.media_id, file.display());
        }
    }
    // The media ids are printed: nothing left to resume.
    remove_all(&records);
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

/// Check one post's files: each on its own, the mix, and the alt texts.
pub(super) fn check_post(
    config: &Config,
    files: &[PathBuf],
    alts: &[Option<String>],
    tier: AccountTier,
    keep_location: bool,
    no_convert: bool,
) -> Result<Vec<CheckedMedia>, Failure> {
    let checked = check_all(config, files, tier, keep_location, no_convert)?;
    let kinds: Vec<_> = checked.iter().map(|c| c.kind).collect();
    let fits = compose::check_mix(&kinds)
        .map_err(|e| Failure::Error(format!("{} can't go in one post. {e}", names(&checked))))
        .and_then(|()| {
            for (media, alt) in checked.iter().zip(alts) {
                check::check_alt(&media.name, media.kind, alt.as_deref().unwrap_or(""))?;
            }
            Ok(())
        });
    if let Err(e) = fits {
        discard_copies(config, &checked);
        return Err(e);
    }
    Ok(checked)
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
    let extras = Extras::parse(
        &args.captions,
        &args.sensitive,
        args.reply_settings.as_deref(),
        args.files.len(),
    )?;
    let text = args.text.clone().unwrap_or_default();
    compose::check_text(&text, !args.files.is_empty())
        .map_err(|e| Failure::Error(e.to_string()))?;
    let at = at_arg(&args.at)?;
    let setup = run::setup(verbose)?;
    let keep_location = args.tuning.keeps_location(&setup.config);
    let rt = run::runtime()?;
    let mut queued: Option<String> = None;
    let published = rt.block_on(async {
        let session = connect(&setup.config, &args.tuning, false).await?;
        let alts: Vec<Option<String>> = (0..args.files.len())
            .map(|i| args.alts.get(i).cloned().filter(|a| !a.is_empty()))
            .collect();
        let checked = check_post(
            &setup.config,
            &args.files,
            &alts,
            session.tier,
            keep_location,
            args.photos.no_convert,
        )
        .and_then(|c| extras.captions_for(&c).map(|captions| (c, captions)));
        let (checked, captions) = match checked {
            Ok(c) => c,
            Err(e) => return with_ctrl_c(session, async { Err::<post::Published, _>(e) }).await,
        };
        // The post is journaled before any byte goes, so `resume` can finish it.
        let mut intent =
            session
                .journal
                .create_post(&text, &setup.config.api_base, Some(session.me.id.clone()));
        let records = records(
            &session,
            &setup.config.api_base,
            &checked,
            |i| Owner::CliPost {
                post: intent.id.clone(),
                position: i,
            },
            &alts,
        );
        intent.uploads = records.iter().flatten().map(Record::id).collect();
        intent.not_before = at.map(unix_secs);
        intent.reply_settings = extras.reply_settings.clone();
        // `resume` can't yet carry captions or content warnings: such a
        // post is not left for it to finish without them.
        let journaled = !extras.any()
            && records.iter().all(Option::is_some)
            && session.journal.save_post(&intent).is_ok();
        // Ours to post: a `resume` started meanwhile leaves it alone.
        let claim = session.journal.claim_post(&intent.id).ok().flatten();
        if journaled && at.is_some() {
            queued = Some(intent.id.clone());
            super::minimized::queued(&setup.config);
        }
        let items: Vec<PostItem> = checked
            .into_iter()
            .zip(alts)
            .zip(&records)
            .zip(captions)
            .enumerate()
            .map(|(i, (((media, alt), record), captions))| PostItem {
                record: record.clone(),
                captions,
                warning: extras.warnings.get(i).copied(),
                ..PostItem::new(media, alt)
            })
            .collect();
        let options = PostOptions {
            reply_settings: extras.reply_settings.clone(),
            ..PostOptions::default()
        };
        let engine = session.engine.clone();
        let me = session.me.clone();
        let journal = session.journal.clone();
        let intent_id = intent.id.clone();
        let work = async move {
            let result = match at {
                None => {
                    let started = post::start(&engine, items);
                    post::publish_started(&engine, &me, &text, started, &options, None, &quiet)
                        .await
                }
                Some(at) => {
                    let start = ThreadStart {
                        not_before: Some(countdown(at)),
                        reply_settings: options.reply_settings.clone(),
                        ..ThreadStart::default()
                    };
                    let one = vec![ThreadItem {
                        text: text.clone(),
                        media: items,
                    }];
                    match publish_thread(&engine, &me, one, start, &mut |_, _| {}, &quiet).await {
                        Ok(mut published) => published.pop().ok_or_else(|| {
                            XError::new(ErrorKind::Other, "X didn't answer with the post.")
                        }),
                        Err(stopped) => Err(stopped.error),
                    }
                }
            };
            if result.is_ok()
                && let Some(at) = at
            {
                let late = unix_secs(SystemTime::now()).saturating_sub(unix_secs(at));
                if late >= 60 {
                    eprintln!("note: Posted {} late.", span_words(late));
                }
            }
            let keep = match &result {
                Ok(_) => false,
                Err(e) => journaled && worth_resuming(e),
            };
            if !keep {
                forget_post(&journal, &intent_id, records.iter().flatten());
            }
            drop(claim);
            result.map_err(|e| failure(e, keep))
        };
        with_ctrl_c(session, work).await
    });
    let published = left_queued(published, queued, at)?;
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
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
