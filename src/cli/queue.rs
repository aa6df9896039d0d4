//! Scheduled posts on the command line: `--at` read into a time, the
//! countdown while `post --at` waits, and `x-uploader queue [cancel ID]`.
//! The queue is the journal's posts that have a `not_before` time.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use chrono::Local;
use indicatif::{ProgressBar, ProgressStyle};

use super::run::{self, Failure};
use super::{QueueAction, QueueArgs};
use crate::core::engine::journal::{Entry, Journal, PostIntent};
use crate::core::engine::thread::Gate;
use crate::core::schedule::{at::parse_at, describe_local, span_words, unix_secs, wait_until};

pub fn queue(verbose: u8, args: &QueueArgs) -> ExitCode {
    run::finish(run_queue(verbose, args))
}

/// `--at TIME` as a moment, or a usage error in plain words.
pub(super) fn at_arg(at: &Option<String>) -> Result<Option<SystemTime>, Failure> {
    at.as_deref()
        .map(|s| {
            parse_at(s, &Local::now())
                .map(SystemTime::from)
                .map_err(|e| Failure::Usage(format!("--at: {e}")))
        })
        .transpose()
}

/// Wait until `at`, showing the time left on a terminal.
pub(super) fn countdown(at: SystemTime) -> Gate {
    Box::pin(async move {
        let when = describe_local(unix_secs(at));
        eprintln!(
            "Uploaded. Posting at {when}; keep this running (Ctrl-C leaves the post in the queue)."
        );
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        let tick = async {
            loop {
                let left = at.duration_since(SystemTime::now()).unwrap_or_default();
                bar.set_message(format!("Posting at {when} — in {}", clock(left)));
                bar.tick();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        };
        tokio::select! {
            _ = wait_until(at) => {}
            _ = tick => {}
        }
        bar.finish_and_clear();
    })
}

/// "1:02:03" or "4:05".
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    match s / 3600 {
        0 => format!("{}:{:02}", s / 60, s % 60),
        h => format!("{h}:{:02}:{:02}", s / 60 % 60, s % 60),
    }
}

/// When Ctrl-C stopped the wait of a queued post (`queued`: its id), say
/// that it waits and how to cancel it.
pub(super) fn left_queued<T>(
    result: Result<T, Failure>,
    queued: Option<String>,
    at: Option<SystemTime>,
) -> Result<T, Failure> {
    if let (Err(Failure::Interrupted), Some(id), Some(at)) = (&result, queued, at) {
        eprintln!(
            "It waits in the queue for {} (id {id}). `x-uploader resume` posts it once it is due; `x-uploader queue cancel {id}` removes it.",
            describe_local(unix_secs(at))
        );
    }
    result
}

/// One waiting item: a post, or a thread's posts.
struct Waiting {
    id: String,
    at: u64,
    posts: Vec<PostIntent>,
}

fn waiting(posts: Vec<PostIntent>) -> Vec<Waiting> {
    let mut items: Vec<Waiting> = Vec::new();
    for p in posts {
        let Some(at) = p.not_before else { continue };
        let id = p.thread.as_ref().map_or(p.id.clone(), |t| t.thread.clone());
        match items.iter_mut().find(|w| w.id == id) {
            Some(w) => w.posts.push(p),
            None => items.push(Waiting {
                id,
                at,
                posts: vec![p],
            }),
        }
    }
    for w in &mut items {
        w.posts
            .sort_by_key(|p| p.thread.as_ref().map_or(0, |t| t.position));
    }
    items.sort_by_key(|w| w.at);
    items
}

fn summary(w: &Waiting, entries: &[Entry]) -> String {
    crate::core::schedule::queue::summary(&w.posts, entries)
}

fn run_queue(verbose: u8, args: &QueueArgs) -> Result<(), Failure> {
    let setup = run::setup(verbose)?;
    let journal = Journal::new(&setup.config.paths.data_dir);
    let (posts, _) = journal.posts();
    let (entries, _) = journal.entries();
    let items = waiting(posts);
    let now = unix_secs(SystemTime::now());
    match &args.action {
        None => {
            if items.is_empty() {
                eprintln!("Nothing is waiting to be posted.");
            }
            for w in &items {
                let due = if w.at > now {
                    format!("in {}", span_words(w.at - now))
                } else {
                    format!("due {} ago", span_words(now - w.at))
                };
                println!(
                    "{}  {} ({due})  {}",
                    w.id,
                    describe_local(w.at),
                    summary(w, &entries)
                );
            }
            Ok(())
        }
        Some(QueueAction::Cancel { id }) => {
            let Some(w) = items.iter().find(|w| &w.id == id) else {
                return Err(Failure::Error(format!(
                    "Nothing in the queue has the id {id}. `x-uploader queue` lists the waiting posts with their ids."
                )));
            };
            let mut claims = Vec::new();
            for p in &w.posts {
                match journal.claim_post(&p.id) {
                    Ok(Some(claim)) => claims.push(claim),
                    Ok(None) => {
                        return Err(Failure::Error(format!(
                            "{id} is being posted right now by another X Uploader (a `post --at` still waiting, or the app). Stop that one first."
                        )));
                    }
                    Err(e) => {
                        return Err(Failure::Error(format!(
                            "Can't cancel {id}: the queue's folder {} can't be written ({e}).",
                            journal.dir().display()
                        )));
                    }
                }
            }
            for p in &w.posts {
                for upload in &p.uploads {
                    journal.remove(upload);
                }
                journal.remove_post(&p.id);
            }
            drop(claims);
            println!(
                "Cancelled: {} {}",
                describe_local(w.at),
                summary(w, &entries)
            );
            Ok(())
        }
    }
}
