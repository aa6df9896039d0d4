//! Posts that wait for a set time, in the window: "Post at…" moves the
//! composed post into the queue, its uploads go on at once, and it goes
//! out when due (claimed first, so `post --at` or `resume` running at the
//! same time never post it twice). The queue is the journal's posts with a
//! `not_before` time, shared with the command line; the window loads what
//! waits when it starts. A post more than an hour late waits for a yes.
//! Media X would forget before the time are uploaded again in time.
//! Time comes from the service's [`Clock`](crate::core::clock::Clock).

use std::collections::BTreeMap;
use std::time::Duration;

use super::worker::{Internal, Worker};
use super::{AppEvent, Command, TileKey};
use crate::core::compose;
use crate::core::draft::MediaState;
use crate::core::engine::journal::{Journal, Owner, PostIntent, ThreadPlace};
use crate::core::engine::post::Published;
use crate::core::media::check::display_name;
use crate::core::schedule::LATE_ASKS_AFTER_SECS;
use crate::core::schedule::queue::{Checking, intent_items};

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
    /// Didn't go out (or its files didn't upload): why, in plain words.
    Failed(String),
}

/// What the queue's own tasks report back to the loop.
pub(super) enum QueueDone {
    Tick,
    /// The files are at X: the earliest time X forgets one.
    Uploaded(String, Result<Option<u64>, String>),
    Posted(String, Result<(), String>, Option<Published>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Phase {
    NeedsUpload,
    Uploading,
    Ready,
    Posting,
    Late,
    Failed(String),
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
}

#[derive(Default)]
pub(super) struct Queue {
    pub(super) items: BTreeMap<String, Queued>,
    ticking: bool,
}

/// One post of the composed draft: its text and its files, in order.
pub(super) struct Composed {
    pub text: String,
    pub tiles: Vec<TileKey>,
}

impl Worker {
    pub(super) fn queue_command(&mut self, command: Command) {
        match command {
            Command::Schedule { text, at } => {
                let tiles = self.tiles.keys().copied().collect();
                self.schedule(vec![Composed { text, tiles }], at);
            }
            Command::QueuePostNow(id) => {
                if let Some(item) = self.queue.items.get_mut(&id) {
                    item.now = true;
                    if matches!(item.phase, Phase::Failed(_)) {
                        item.phase = Phase::NeedsUpload;
                    }
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
                    }
                    Err(message) => {
                        item.phase = Phase::Failed(message.clone());
                        super::desktop::notify("A scheduled post's upload failed".into(), message);
                    }
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
            self.queue.items.entry(id).or_insert(Queued {
                posts,
                at,
                phase: Phase::NeedsUpload,
                expires: None,
                problem: None,
                now: false,
            });
        }
        self.show_queue();
    }

    /// A post of this mode: the server in use (the practice server's
    /// address changes from run to run: any on this computer).
    fn ours(&self, api_base: &str) -> bool {
        let local = |b: &str| b.starts_with("http://127.0.0.1") || b.starts_with("http://[::1]");
        api_base == self.config.api_base || (self.options.practice && local(api_base))
    }

    /// Move the composed draft into the queue, to go out at `at` (Unix
    /// seconds): journaled with its files (finished uploads kept, ones under
    /// way continued by the queue), and the composer clears. Every post in
    /// `posts` after the first replies to the one before.
    pub(super) fn schedule(&mut self, posts: Vec<Composed>, at: u64) {
        let failed = |w: &Self, why: String| w.post_state(super::PostState::Failed(why));
        let Some(session) = &self.session else {
            return failed(self, "Sign in to schedule a post.".into());
        };
        if at <= self.options.clock.now_secs() {
            return failed(
                self,
                "That time has passed. Pick a time still to come.".into(),
            );
        }
        for post in &posts {
            let media: Vec<_> = post
                .tiles
                .iter()
                .filter_map(|k| self.tiles.get(k).map(|s| s.media()))
                .collect();
            if let Err(why) = compose::post_blocker(true, &post.text, &media) {
                return failed(self, why.to_string());
            }
            // The queue (the journal) keeps no caption files or warnings
            // yet: refuse rather than post without them.
            if let Some(s) = post
                .tiles
                .iter()
                .filter_map(|k| self.tiles.get(k))
                .find(|s| !s.tile.extras.captions.is_empty() || s.tile.extras.warning.is_set())
            {
                return failed(
                    self,
                    format!(
                        "{} has captions or a content warning, which can't be scheduled yet. Post it now, or remove them to schedule it.",
                        s.tile.name
                    ),
                );
            }
            if let Some(s) = post
                .tiles
                .iter()
                .filter_map(|k| self.tiles.get(k))
                .find(|s| s.checked.is_none())
            {
                return failed(
                    self,
                    format!(
                        "{} is still being checked; schedule the post in a moment.",
                        s.tile.name
                    ),
                );
            }
        }
        let (account, engine) = (session.account.id.clone(), session.engine.clone());
        let journal = self.journal();
        let thread = (posts.len() > 1).then(|| journal.new_thread_id());
        let mut intents = Vec::new();
        for (position, post) in posts.iter().enumerate() {
            let mut intent =
                journal.create_post(&post.text, &self.config.api_base, Some(account.clone()));
            intent.not_before = Some(at);
            intent.reply_settings = self.extras.reply.clone();
            intent.thread = thread.as_ref().map(|t| ThreadPlace {
                thread: t.clone(),
                position,
                count: posts.len(),
                posted: None,
            });
            for (i, key) in post.tiles.iter().enumerate() {
                let Some(slot) = self.tiles.get(key) else {
                    continue;
                };
                let Some(media) = slot.checked.clone() else {
                    continue;
                };
                let owner = Owner::CliPost {
                    post: intent.id.clone(),
                    position: i,
                };
                let alt = slot
                    .tile
                    .takes_alt()
                    .then(|| slot.tile.alt.clone())
                    .filter(|a| !a.is_empty());
                let segment = engine.config().segment_bytes;
                let record = match journal.create(
                    &media,
                    owner,
                    &self.config.api_base,
                    Some(account.clone()),
                    segment,
                    alt,
                ) {
                    Ok(r) => r,
                    Err(e) => {
                        return failed(
                            self,
                            format!(
                                "The post can't be queued: the app's data folder can't be written ({e})."
                            ),
                        );
                    }
                };
                match (&slot.uploaded, &slot.record) {
                    // Done: X's media id goes with it.
                    (Some((u, a)), _) if *a == account && slot.tile.state == MediaState::Ready => {
                        record.media_created(&u.media_id, u.expires_at, segment);
                        record.ready();
                    }
                    // Under way: the queue continues from what X has.
                    (_, Some(old)) => {
                        let old = old.entry();
                        if let (Some(id), Some(exp)) = (&old.media_id, old.expires_at) {
                            record.media_created(id, exp, old.segment_bytes);
                            old.acked.iter().for_each(|i| record.acked(*i));
                        }
                    }
                    _ => {}
                }
                intent.uploads.push(record.id());
            }
            intents.push(intent);
        }
        for intent in &intents {
            if let Err(e) = journal.save_post(intent) {
                return failed(
                    self,
                    format!(
                        "The post can't be queued: the app's data folder can't be written ({e})."
                    ),
                );
            }
        }
        // The files leave the composer for the queue (their copies with them).
        for key in posts.iter().flat_map(|p| &p.tiles) {
            if let Some(slot) = self.tiles.remove(key) {
                self.stop_upload(&slot);
                if let Some(r) = &slot.record {
                    r.remove();
                }
                self.emit(AppEvent::Tile(*key, super::TileEvent::Removed));
            }
        }
        self.pending_post = None;
        self.draft_text.clear();
        self.emit(AppEvent::DraftText(String::new()));
        self.post_state(super::PostState::Idle);
        self.save_draft();
        let id = thread.unwrap_or_else(|| intents[0].id.clone());
        self.queue.items.insert(
            id,
            Queued {
                posts: intents,
                at,
                phase: Phase::NeedsUpload,
                expires: None,
                problem: None,
                now: false,
            },
        );
        self.queue_tick();
        self.show_queue();
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
                    super::desktop::notify(
                        "A scheduled post is late".into(),
                        "X Uploader wasn't running at its time. Open it to post it now or cancel it.".into(),
                    );
                }
                Phase::Ready if due => self.queue_post(&id),
                Phase::Ready if forgets => self.queue_upload(&id, true),
                Phase::Late if item.now => self.queue_post(&id),
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
        let needs_files = match item.expires {
            Some(t) => t < item.at + POST_MARGIN_SECS,
            None => !matches!(item.phase, Phase::Ready | Phase::Posting),
        };
        let mut problem = None;
        if needs_files {
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
                Err((why, _)) => {
                    item.phase = Phase::Failed(why);
                    return self.show_queue();
                }
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
        tokio::spawn(async move {
            let ids: Vec<_> = items
                .iter()
                .filter(|i| i.ready.is_none())
                .map(|i| {
                    engine.start_journaled(i.media.clone(), i.resume.clone(), i.record.clone())
                })
                .collect();
            let mut expires = known;
            let mut result = Ok(());
            for upload in &ids {
                match engine.wait(*upload).await {
                    Ok(done) => expires.push(done.expires_at),
                    Err(e) => {
                        ids.iter().for_each(|u| engine.cancel(*u));
                        result = Err(e.message);
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
