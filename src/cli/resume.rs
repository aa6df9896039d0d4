//! `x-uploader resume`: continue what `upload` and `post` left unfinished
//! (a crash, Ctrl-C, a network that stayed away). Only the segments X
//! doesn't have are sent; a changed file or an expired media id starts
//! over (and says so); an interrupted post is published once its media are
//! ready, unless the account's recent posts show it already went out.

use std::process::ExitCode;

use super::ResumeArgs;
use super::run::{self, Failure};
use super::session::{connect, forget_post, quiet, usage_of, with_ctrl_c, worth_resuming};
use crate::core::engine::Engine;
use crate::core::engine::Uploaded;
use crate::core::engine::journal::{Claim, Entry, Journal, Owner, PostIntent, Record};
use crate::core::engine::post::{self, Published};
use crate::core::engine::thread::{ThreadItem, ThreadStart, publish_thread};
use crate::core::schedule::queue::{self, Checking, Items, Prepared, prepare};
use crate::core::schedule::{LATE_ASKS_AFTER_SECS, describe_local, span_words, unix_secs};
use crate::core::xclient::api::PostOptions;
use crate::core::xclient::api::User;

pub fn resume(verbose: u8, args: &ResumeArgs) -> ExitCode {
    run::finish(run_resume(verbose, args))
}

fn note(message: &str) {
    eprintln!("note: {message}");
}

fn run_resume(verbose: u8, args: &ResumeArgs) -> Result<(), Failure> {
    usage_of(&args.tuning)?;
    let setup = run::setup(verbose)?;
    let keep_location = args.tuning.keeps_location(&setup.config);
    let journal = Journal::new(&setup.config.paths.data_dir);
    let (entries, aside) = journal.entries();
    let (posts, aside_posts) = journal.posts();
    for a in aside.iter().chain(&aside_posts) {
        note(&a.message);
    }
    let (drafts, entries): (Vec<Entry>, Vec<Entry>) = entries
        .into_iter()
        .partition(|e| matches!(e.owner, Owner::Draft { .. }));
    if !drafts.is_empty() {
        note(&format!(
            "{} interrupted upload(s) belong to the window's draft: open X Uploader to continue them.",
            drafts.len()
        ));
    }
    let (window_posts, posts): (Vec<PostIntent>, Vec<PostIntent>) =
        posts.into_iter().partition(|p| p.owner.is_some());
    if !window_posts.is_empty() {
        note(
            "A thread from the window is partly posted: open X Uploader and press “Post the rest”.",
        );
    }
    if entries.is_empty() && posts.is_empty() {
        eprintln!("Nothing to resume.");
        return Ok(());
    }
    let base = setup.config.api_base.clone();
    let post_late = args.post_late;
    let rt = run::runtime()?;
    let (lines, failures) = rt.block_on(async {
        let session = connect(&setup.config, &args.tuning, true).await?;
        let me = session.me.clone();
        let ours = |api_base: &str, account: &Option<String>| {
            api_base == base && account.as_deref().is_none_or(|a| a == me.id)
        };
        let (entries, others): (Vec<Entry>, Vec<Entry>) =
            entries.into_iter().partition(|e| ours(&e.api_base, &e.account_id));
        let (posts, other_posts): (Vec<_>, Vec<_>) =
            posts.into_iter().partition(|p| ours(&p.api_base, &p.account_id));
        if !others.is_empty() || !other_posts.is_empty() {
            note("Some interrupted uploads belong to another account or server: switch to it (`x-uploader switch`) and run resume again.");
        }
                let engine = session.engine.clone();
        let journal = journal.clone();
        let checking = Checking {
            tier: session.tier,
            keep_location,
        };
        let work = async move {
            let mut lines = Vec::new();
            let mut failures = Vec::new();

            // Files of `x-uploader upload`: each its own media.
            let mut started = Vec::new();
            for entry in entries.iter().filter(|e| e.owner == Owner::CliUpload).cloned() {
                let path = entry.source.clone().unwrap_or_else(|| entry.file.path.clone());
                let mut notes = Vec::new();
                let prepared = prepare(checking, &journal, entry, &mut notes);
                notes.iter().for_each(|n| note(n));
                match prepared {
                    Ok(Prepared::Start(media, point, record)) => {
                        let id = engine.start_journaled(media, point, Some(record.clone()));
                        started.push((path, id, record));
                    }
                    Ok(Prepared::Ready(_, media_id, record)) => {
                        lines.push(format!("{media_id}\t{}", path.display()));
                        record.remove_with_copy();
                    }
                    Err((message, gone)) => {
                        gone.iter().for_each(|r| r.remove());
                        failures.push(message);
                    }
                }
            }
            for (path, id, record) in started {
                match engine.wait(id).await {
                    Ok(Uploaded { media_id, .. }) => {
                        lines.push(format!("{media_id}\t{}", path.display()));
                        record.remove_with_copy();
                    }
                    Err(e) => {
                        if !worth_resuming(&e) {
                            record.remove_with_copy();
                        }
                        failures.push(e.message);
                    }
                }
            }

            // Posts of `x-uploader post`, then threads of `x-uploader thread`.
            let (threads, singles): (Vec<PostIntent>, Vec<PostIntent>) =
                posts.into_iter().partition(|p| p.thread.is_some());
            for intent in singles {
                let label = format!("The post “{}”", snippet(&intent.text));
                if !due(&intent, post_late, &label) {
                    continue;
                }
                let Some(_claim) = claim(&journal, &intent, &label) else {
                    continue;
                };
                let (items, records) = match intent_items(checking, &journal, &entries, &intent) {
                    Ok(prepared) => prepared,
                    Err((why, records)) => {
                        failures.push(format!("The interrupted post “{}” can't be finished: {why}", intent.text));
                        forget_post(&journal, &intent.id, &records);
                        continue;
                    }
                };
                let options = PostOptions {
                    reply_settings: intent.reply_settings.clone(),
                    ..PostOptions::default()
                };
                let started = post::start(&engine, items);
                match post::publish_started(&engine, &me, &intent.text, started, &options, Some(intent.created_at), &quiet).await {
                    Ok(published) => {
                        say_late(&intent);
                        lines.push(published.url);
                        forget_post(&journal, &intent.id, &records);
                    }
                    Err(e) => {
                        if !worth_resuming(&e) {
                            forget_post(&journal, &intent.id, &records);
                        }
                        failures.push(e.message);
                    }
                }
            }
            for thread in group_threads(threads) {
                let label = format!("The thread “{}”", snippet(&thread[0].text));
                if thread.iter().any(|p| !due(p, post_late, &label)) {
                    continue;
                }
                let claims: Option<Vec<Claim>> =
                    thread.iter().map(|p| claim(&journal, p, &label)).collect();
                if claims.is_none() {
                    continue;
                }
                resume_thread(checking, &journal, &entries, &engine, &me, thread, &mut lines, &mut failures).await;
            }
            Ok::<_, Failure>((lines, failures))
        };
        with_ctrl_c(session, work).await
    })?;
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    for line in lines {
        println!("{line}");
    }
    match failures.len() {
        0 => Ok(()),
        _ => Err(Failure::Error(failures.join(" "))),
    }
}

/// A journaled post's files, ready to go on; notes printed.
fn intent_items(
    checking: Checking,
    journal: &Journal,
    entries: &[Entry],
    intent: &PostIntent,
) -> Result<Items, (String, Vec<Record>)> {
    let mut notes = Vec::new();
    let items = queue::intent_items(checking, journal, entries, intent, &mut notes);
    notes.iter().for_each(|n| note(n));
    items
}

/// A thread's journaled posts, in order.
fn group_threads(intents: Vec<PostIntent>) -> Vec<Vec<PostIntent>> {
    let mut groups: std::collections::BTreeMap<String, Vec<PostIntent>> = Default::default();
    for intent in intents {
        if let Some(place) = &intent.thread {
            groups.entry(place.thread.clone()).or_default().push(intent);
        }
    }
    groups
        .into_values()
        .map(|mut posts| {
            posts.sort_by_key(|p| p.thread.as_ref().map_or(0, |t| t.position));
            posts
        })
        .collect()
}

fn forget_thread(journal: &Journal, thread: &[PostIntent], records: &[Record]) {
    for intent in thread {
        journal.remove_post(&intent.id);
    }
    for r in records {
        r.remove_with_copy();
    }
}

/// Post what is left of an interrupted thread, replying to the last post
/// that went out; posts already out are not sent again.
#[allow(clippy::too_many_arguments)]
async fn resume_thread(
    checking: Checking,
    journal: &Journal,
    entries: &[Entry],
    engine: &std::sync::Arc<Engine>,
    me: &User,
    mut thread: Vec<PostIntent>,
    lines: &mut Vec<String>,
    failures: &mut Vec<String>,
) {
    let first_text = thread.first().map(|p| p.text.clone()).unwrap_or_default();
    let count = thread
        .first()
        .and_then(|p| p.thread.as_ref())
        .map_or(0, |t| t.count);
    let complete = thread.len() == count
        && thread
            .iter()
            .enumerate()
            .all(|(i, p)| p.thread.as_ref().is_some_and(|t| t.position == i));
    if !complete {
        failures.push(format!(
            "The interrupted thread “{first_text}” can't be finished: part of its record is missing. Check the account on X and post the rest again."
        ));
        forget_thread(journal, &thread, &[]);
        return;
    }
    let posted = |p: &PostIntent| p.thread.as_ref().and_then(|t| t.posted.clone());
    let first = thread
        .iter()
        .position(|p| posted(p).is_none())
        .unwrap_or(thread.len());
    let reply_to = first.checked_sub(1).and_then(|i| posted(&thread[i]));
    let mut items = Vec::new();
    let mut records: Vec<Vec<Record>> = Vec::new();
    for intent in &thread[first..] {
        match intent_items(checking, journal, entries, intent) {
            Ok((media, recs)) => {
                items.push(ThreadItem {
                    text: intent.text.clone(),
                    media,
                });
                records.push(recs);
            }
            Err((why, recs)) => {
                failures.push(format!(
                    "The interrupted thread “{first_text}” can't be finished: post {} — {why}",
                    intent.thread.as_ref().map_or(0, |t| t.position + 1)
                ));
                let all: Vec<Record> = records.into_iter().flatten().chain(recs).collect();
                forget_thread(journal, &thread, &all);
                return;
            }
        }
    }
    let since = thread.get(first).map(|p| p.created_at);
    let late_check = thread.get(first).cloned();
    let reply_settings = late_check.as_ref().and_then(|p| p.reply_settings.clone());
    let mut on_posted = |i: usize, done: &Published| {
        let intent = &mut thread[first + i];
        if let Some(place) = intent.thread.as_mut() {
            place.posted = Some(done.post_id.clone());
        }
        if let Err(e) = journal.save_post(intent) {
            tracing::warn!("the journal can't note a thread's post: {e}");
        }
        for r in &records[i] {
            r.remove_with_copy();
        }
    };
    let result = publish_thread(
        engine,
        me,
        items,
        ThreadStart {
            reply_to,
            posted_since: since,
            reply_settings,
            ..ThreadStart::default()
        },
        &mut on_posted,
        &quiet,
    )
    .await;
    match result {
        Ok(published) => {
            if let Some(p) = &late_check {
                say_late(p);
            }
            lines.extend(published.into_iter().map(|p| p.url));
            forget_thread(journal, &thread, &[]);
        }
        Err(stopped) => {
            lines.extend(stopped.published.into_iter().map(|p| p.url));
            failures.push(format!(
                "Post {} of {count} of the thread “{first_text}” wasn't posted: {} Run `x-uploader resume` to try again.",
                first + stopped.at + 1,
                stopped.error.message
            ));
        }
    }
}

/// The first words of a post, for notes.
fn snippet(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        s.push('…');
    }
    s.replace('\n', " ")
}

fn now_unix() -> u64 {
    unix_secs(std::time::SystemTime::now())
}

/// May this journaled post go out now? Scheduled ones wait for their time,
/// and one more than an hour late waits for `--post-late`; a note says so.
fn due(intent: &PostIntent, post_late: bool, label: &str) -> bool {
    let Some(at) = intent.not_before else {
        return true;
    };
    let now = now_unix();
    if now < at {
        note(&format!(
            "{label} waits until {} (in {}); `x-uploader resume` posts it after then.",
            describe_local(at),
            span_words(at - now)
        ));
        return false;
    }
    if now - at > LATE_ASKS_AFTER_SECS && !post_late {
        note(&format!(
            "{label} was due {}, {} ago. Run `x-uploader resume --post-late` to post it now, or `x-uploader queue cancel {}` to drop it.",
            describe_local(at),
            span_words(now - at),
            intent
                .thread
                .as_ref()
                .map_or(intent.id.as_str(), |t| t.thread.as_str())
        ));
        return false;
    }
    true
}

/// The right to post it; `None` (with a note) while another process has it
/// or once it is gone.
fn claim(journal: &Journal, intent: &PostIntent, label: &str) -> Option<Claim> {
    match journal.claim_post(&intent.id) {
        Ok(Some(c)) => Some(c),
        Ok(None) => {
            note(&format!(
                "{label} is being posted by another X Uploader right now (or just was)."
            ));
            None
        }
        Err(e) => {
            note(&format!("{label} can't be claimed for posting: {e}."));
            None
        }
    }
}

fn say_late(intent: &PostIntent) {
    if let Some(at) = intent.not_before {
        let late = now_unix().saturating_sub(at);
        if late >= 60 {
            note(&format!("Posted {} late.", span_words(late)));
        }
    }
}
