//! Posts that wait for a set time, in the window: "Post at…" moves the
//! composed post or thread into the queue (`queue_in.rs`), its uploads go
//! on at once, and it goes out when due (claimed first, so `post --at` or
//! `resume` running at the same time never post it twice; `queue_out.rs`).
//! The queue is the journal's posts with a `not_before` time, shared with
//! the command line; the window loads what waits when it starts. A post
//! more than an hour late waits for a yes; one that failed for a reason
//! that may pass tries again by itself (`queue_retry.rs`). Media X would
//! forget before the time are uploaded again in time; a file (or caption
//! file) gone meanwhile is said at once. Time comes from the service's
//! [`Clock`](crate::core::clock::Clock).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::queue_retry::Attempt;
use super::worker::{Internal, Worker};
use super::{AppEvent, Command};
use crate::core::engine::UploadId;
use crate::core::engine::journal::{Entry, Journal, PostIntent, Record};
use crate::core::engine::post::Published;
use crate::core::media::check::display_name;
use crate::core::schedule::LATE_ASKS_AFTER_SECS;
use crate::core::schedule::queue::{Checking, caption_gone, intent_items};
use crate::core::xclient::XError;

/// Media X forgets before `time + this` are uploaded again first.
const POST_MARGIN_SECS: u64 = 10 * 60;
/// …starting this long before X would forget them (a big video on a slow link).
const REUPLOAD_LEAD_SECS: u64 = 2 * 3600;

/// One waiting item as the window draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    /// The post's id (a thread's: the thread's), as `x-uploader queue` shows it.
    pub id: String,
    /// "Today 14:00 · 2 photos · “Our team at…”"
    pub label: String,
    pub state: QueueState,
    /// Something wrong worth knowing before the time ("photo.jpg is gone…").
    pub problem: Option<String>,
    /// How many of a thread's posts are on X already (it stopped part way:
    /// "Post the rest" goes on from the next).
    pub posted: usize,
    /// Its uploads failed: "Try again" uploads again (and posts at its time).
    pub try_again: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QueueState {
    /// Its files are uploading (or wait for their account's sign-in).
    Uploading,
    /// Uploaded; goes out at its time.
    Waiting,
    Posting,
    /// More than an hour late: "Due 2 hours ago" — posts only after a yes.
    Late(String),
    /// Didn't go out (or its files didn't upload): why, and what to do.
    Failed(String),
    /// Failed for a reason that may pass: "Couldn't post at 14:00: ….
    /// Trying again at 14:05."
    Retrying(String),
}

/// What the queue's own tasks report back to the loop.
pub(super) enum QueueDone {
    Tick,
    /// The files are at X: the earliest time X forgets one.
    Uploaded(String, Result<Option<u64>, XError>),
    Posted(String, Result<(), XError>, Option<Published>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Phase {
    NeedsUpload,
    Uploading,
    Ready,
    Posting,
    Late,
    Failed(String),
    /// Tried again by itself at this time; the words say so.
    Retry(u64, String),
}

pub(super) struct Queued {
    /// A post, or a thread's posts in order.
    pub(super) posts: Vec<PostIntent>,
    pub(super) at: u64,
    pub(super) phase: Phase,
    /// The earliest time X forgets one of its media (once uploaded).
    pub(super) expires: Option<u64>,
    pub(super) problem: Option<String>,
    /// Post it now, whatever the time (Post now; yes to a late one).
    pub(super) now: bool,
    /// Caption files it reads when it goes out, with their video's name.
    pub(super) captions: Vec<(PathBuf, String)>,
    /// Automatic tries after a failure that may pass…
    pub(super) retries: usize,
    /// …of this: an upload's tries start over once it succeeds.
    pub(super) retrying: Option<Attempt>,
    /// It failed for a file that was gone: it goes on once the file is back.
    pub(super) missing: bool,
    /// Its uploads under way, with the journal records they write.
    pub(super) uploads: Vec<(UploadId, Option<Record>)>,
}

impl Queued {
    /// `posts` waiting for `at`, its files' records among `entries`.
    pub(super) fn new(posts: Vec<PostIntent>, at: u64, entries: &[Entry]) -> Queued {
        let captions = entries
            .iter()
            .filter(|e| posts.iter().any(|p| p.uploads.contains(&e.id)))
            .flat_map(|e| e.captions.iter().map(|c| (c.path.clone(), e.name())))
            .collect();
        Queued {
            posts,
            at,
            phase: Phase::NeedsUpload,
            expires: None,
            problem: None,
            now: false,
            captions,
            retries: 0,
            retrying: None,
            missing: false,
            uploads: Vec::new(),
        }
    }

    /// How many of its posts (a thread's, from the first) are on X.
    pub(super) fn on_x(&self) -> usize {
        self.posts
            .iter()
            .take_while(|p| p.thread.as_ref().is_some_and(|t| t.posted.is_some()))
            .count()
    }
}

#[derive(Default)]
pub(super) struct Queue {
    pub(super) items: BTreeMap<String, Queued>,
    ticking: bool,
}

impl Worker {
    pub(super) fn queue_command(&mut self, command: Command) {
        match command {
            Command::Schedule { text, at } => {
                self.draft_text = text;
                self.schedule(self.composed(), at);
            }
            Command::QueuePostNow(id) => {
                if let Some(item) = self.queue.items.get_mut(&id) {
                    item.now = true;
                    if matches!(item.phase, Phase::Failed(_) | Phase::Retry(..)) {
                        item.phase = Phase::NeedsUpload;
                        (item.retries, item.retrying, item.missing) = (0, None, false);
                    }
                }
                self.queue_tick();
            }
            Command::QueueTryAgain(id) => {
                if let Some(item) = self.queue.items.get_mut(&id)
                    && matches!(item.phase, Phase::Failed(_) | Phase::Retry(..))
                {
                    item.phase = Phase::NeedsUpload;
                    (item.retries, item.retrying, item.missing) = (0, None, false);
                }
                self.queue_tick();
            }
            Command::QueueCancel(id) => self.unqueue(&id, false),
            Command::QueueEdit(id) => self.unqueue(&id, true),
            _ => {}
        }
    }

    pub(super) fn queue_done(&mut self, done: QueueDone) {
        match done {
            QueueDone::Tick => self.queue_tick(),
            QueueDone::Uploaded(id, result) => {
                let Some(item) = self.queue.items.get_mut(&id) else {
                    return;
                };
                match result {
                    Ok(expires) => {
                        item.phase = Phase::Ready;
                        item.expires = expires;
                        if item.retrying == Some(Attempt::Upload) {
                            (item.retries, item.retrying) = (0, None);
                        }
                    }
                    Err(e) => self.queue_failed(&id, Attempt::Upload, &e, &e.message),
                }
                self.queue_tick();
                self.show_queue();
            }
            QueueDone::Posted(id, result, published) => self.queue_posted(&id, result, published),
        }
    }

    /// Tick once a second (the clock decides what is due), and load what
    /// waits in the journal for this mode.
    pub(super) fn load_queue(&mut self) {
        if !self.queue.ticking {
            self.queue.ticking = true;
            let internal = self.internal.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                loop {
                    tick.tick().await;
                    if internal.send(Internal::Queue(QueueDone::Tick)).is_err() {
                        return;
                    }
                }
            });
        }
        let (posts, aside) = self.journal().posts();
        for a in aside {
            self.emit(AppEvent::Notice(a.message));
        }
        let (entries, _) = self.journal().entries();
        let mut found: BTreeMap<String, Vec<PostIntent>> = BTreeMap::new();
        for p in posts.into_iter().filter(|p| p.not_before.is_some()) {
            if self.ours(&p.api_base) {
                let id = p.thread.as_ref().map_or(p.id.clone(), |t| t.thread.clone());
                found.entry(id).or_default().push(p);
            }
        }
        self.queue.items.retain(|id, _| found.contains_key(id));
        for (id, mut posts) in found {
            posts.sort_by_key(|p| p.thread.as_ref().map_or(0, |t| t.position));
            let at = posts[0].not_before.unwrap_or(0);
            (self.queue.items.entry(id)).or_insert_with(|| Queued::new(posts, at, &entries));
        }
        self.show_queue();
    }

    /// A post of this mode: the server in use (the practice server's
    /// address changes from run to run: any on this computer).
    fn ours(&self, api_base: &str) -> bool {
        let local = |b: &str| b.starts_with("http://127.0.0.1") || b.starts_with("http://[::1]");
        api_base == self.config.api_base || (self.options.practice && local(api_base))
    }

    /// Start what is due: uploads, uploads again before X forgets them, posts.
    pub(super) fn queue_tick(&mut self) {
        let now = self.options.clock.now_secs();
        let Some(account) = self.session.as_ref().map(|s| s.account.id.clone()) else {
            return;
        };
        let ids: Vec<String> = self.queue.items.keys().cloned().collect();
        let mut changed = false;
        for id in ids {
            let Some(item) = self.queue.items.get_mut(&id) else {
                continue;
            };
            if item.posts[0]
                .account_id
                .as_ref()
                .is_some_and(|a| *a != account)
            {
                continue;
            }
            let due = now >= item.at || item.now;
            let forgets = item
                .expires
                .is_some_and(|t| t < item.at + POST_MARGIN_SECS && now + REUPLOAD_LEAD_SECS >= t);
            let late = now.saturating_sub(item.at) > LATE_ASKS_AFTER_SECS && !item.now;
            match item.phase {
                Phase::NeedsUpload => self.queue_upload(&id, false),
                Phase::Ready if due && late => {
                    item.phase = Phase::Late;
                    changed = true;
                    let why = super::queue_out::late_why(item);
                    super::desktop::notify(
                        "A scheduled post is late".into(),
                        format!(
                            "Its time passed over an hour ago: {why}. Open X Uploader to post it now or cancel it."
                        ),
                    );
                }
                Phase::Ready if due => self.queue_post(&id),
                Phase::Ready if forgets => self.queue_upload(&id, true),
                Phase::Late if item.now => self.queue_post(&id),
                Phase::Retry(at, _) if now >= at => {
                    item.phase = Phase::NeedsUpload;
                    self.queue_upload(&id, false);
                }
                _ => {}
            }
            changed |= self.check_files(&id);
        }
        if changed {
            self.show_queue();
        }
    }

    /// Say at once when a file the queue will need again is gone (true:
    /// the item's problem changed).
    fn check_files(&mut self, id: &str) -> bool {
        let Some(item) = self.queue.items.get(id) else {
            return false;
        };
        if item.missing && self.files_back(item) {
            if let Some(item) = self.queue.items.get_mut(id) {
                item.missing = false;
                item.phase = Phase::NeedsUpload;
                item.retries = 0;
            }
            return true;
        }
        let needs_files = match item.expires {
            Some(t) => t < item.at + POST_MARGIN_SECS,
            None => !matches!(item.phase, Phase::Ready | Phase::Posting),
        };
        // Caption files are read when it goes out.
        let mut problem = item
            .captions
            .iter()
            .find(|(path, _)| !path.exists())
            .map(|(path, video)| caption_gone(path, video));
        if needs_files && problem.is_none() {
            let uploads: Vec<&String> = item.posts.iter().flat_map(|p| &p.uploads).collect();
            let (entries, _) = self.journal().entries();
            let gone = entries
                .iter()
                .filter(|e| uploads.contains(&&e.id))
                .find(|e| !e.file.path.exists() && e.source.as_ref().is_none_or(|s| !s.exists()));
            problem = gone.map(|e| {
                let path = e.source.as_ref().unwrap_or(&e.file.path);
                format!(
                    "{} is gone from {}, and X will have forgotten its upload by then, so it can't be sent again. Put the file back, or Edit the post.",
                    display_name(path),
                    path.display()
                )
            });
        }
        let Some(item) = self.queue.items.get_mut(id) else {
            return false;
        };
        if item.problem == problem {
            return false;
        }
        if let Some(p) = &problem {
            super::desktop::notify("A scheduled post is missing a file".into(), p.clone());
        }
        item.problem = problem;
        true
    }

    /// Upload the item's files (again, with `again`: X would forget them).
    fn queue_upload(&mut self, id: &str, again: bool) {
        let checking = self.checking();
        let Some(session) = &self.session else { return };
        let Some(item) = self.queue.items.get_mut(id) else {
            return;
        };
        let journal = Journal::new(&self.options.config.paths.data_dir);
        let (mut entries, _) = journal.entries();
        let mine: Vec<&String> = item.posts.iter().flat_map(|p| &p.uploads).collect();
        if again {
            entries
                .iter_mut()
                .filter(|e| mine.contains(&&e.id))
                .for_each(|e| e.media_id = None);
        }
        let mut items = Vec::new();
        // A thread's posts already out have nothing left to upload.
        let waiting = item
            .posts
            .iter()
            .filter(|p| p.thread.as_ref().is_none_or(|t| t.posted.is_none()));
        for post in waiting {
            match intent_items(checking, &journal, &entries, post, &mut Vec::new()) {
                Ok((media, _)) => items.extend(media),
                Err((why, _)) => return self.queue_files_failed(id, Attempt::Upload, &why),
            }
        }
        item.phase = Phase::Uploading;
        let known: Vec<u64> = entries
            .iter()
            .filter(|e| mine.contains(&&e.id) && e.ready)
            .filter_map(|e| e.expires_at)
            .collect();
        let (engine, internal, id) = (
            session.engine.clone(),
            self.internal.clone(),
            id.to_string(),
        );
        // Kept with the item, so Edit and Cancel stop them.
        item.uploads = items
            .iter()
            .filter(|i| i.ready.is_none())
            .map(|i| {
                let upload =
                    engine.start_journaled(i.media.clone(), i.resume.clone(), i.record.clone());
                (upload, i.record.clone())
            })
            .collect();
        let ids: Vec<UploadId> = item.uploads.iter().map(|(u, _)| *u).collect();
        tokio::spawn(async move {
            let mut expires = known;
            let mut result = Ok(());
            for upload in &ids {
                match engine.wait(*upload).await {
                    Ok(done) => expires.push(done.expires_at),
                    Err(e) => {
                        ids.iter().for_each(|u| engine.cancel(*u));
                        result = Err(e);
                        break;
                    }
                }
            }
            let done = result.map(|()| expires.into_iter().min());
            let _ = internal.send(Internal::Queue(QueueDone::Uploaded(id, done)));
        });
        self.show_queue();
    }

    pub(super) fn checking(&self) -> Checking {
        Checking {
            tier: self.tier(),
            keep_location: self.config.file.upload.keep_location.unwrap_or(false),
        }
    }
}
