//! A queued item going out (claimed first, posted as a thread of one or
//! more posts), or leaving the queue: Cancel, or Edit back into the
//! composer; and the queue as the window is shown it.

use super::AppEvent;
use super::queue::{Phase, Queued};
use super::queue::{QueueDone, QueueItem, QueueState};
use super::queue_retry::Attempt;
use super::thread::on_x;
use super::worker::{Internal, Worker};
use crate::core::draft::DraftCaption;
use crate::core::draft::file::{DraftItem, DraftPost};
use crate::core::engine::journal::{Entry, PostIntent, Record};
use crate::core::engine::post::Published;
use crate::core::engine::thread::{ThreadItem, ThreadStart, publish_thread};
use crate::core::schedule::queue::{intent_items, snippet, summary};
use crate::core::schedule::{describe_local_on, span_words};
use crate::core::xclient::XError;
use crate::core::xclient::api::User;

/// Why a queued item left the journal while the window had it.
const ELSEWHERE: &str =
    "has already gone out (or was cancelled) from another window or the command line";

impl Worker {
    /// Claim it (another X Uploader may be posting it), then post.
    pub(super) fn queue_post(&mut self, id: &str) {
        let (checking, journal) = (self.checking(), self.journal());
        let Some(session) = &self.session else { return };
        let Some(item) = self.queue.items.get_mut(id) else {
            return;
        };
        let mut claims = Vec::new();
        for post in item
            .posts
            .iter()
            .filter(|p| p.thread.as_ref().is_none_or(|t| t.posted.is_none()))
        {
            match journal.claim_post(&post.id) {
                Ok(Some(c)) => claims.push(c),
                Ok(None) if journal.posts().0.iter().any(|p| p.id == post.id) => {
                    item.problem = Some(
                        "X Uploader is already posting this in another window or from the command line."
                            .into(),
                    );
                    return self.show_queue();
                }
                // Gone from the journal: it went out (or was cancelled) elsewhere.
                Ok(None) => return self.gone_elsewhere(id, ELSEWHERE),
                Err(e) => {
                    let words = format!("The post can't be claimed for posting: {e}.");
                    return self.queue_gave_up(id, Attempt::Post, words);
                }
            }
        }
        // As the journal has it now: the command line's `resume` may have
        // posted some of a thread meanwhile.
        let (saved, _) = journal.posts();
        for p in item.posts.iter_mut() {
            if let Some(now) = saved.iter().find(|s| s.id == p.id) {
                *p = now.clone();
            }
        }
        let unposted = |p: &PostIntent| p.thread.as_ref().is_none_or(|t| t.posted.is_none());
        let Some(first) = item.posts.iter().position(unposted) else {
            // All on X: stopped before the journal forgot them.
            let ids: Vec<String> = item.posts.iter().map(|p| p.id.clone()).collect();
            self.files.write(move || {
                ids.iter().for_each(|p| journal.remove_post(p));
                drop(claims);
            });
            return self.gone_elsewhere(id, "is on X already");
        };
        let (entries, _) = journal.entries();
        let mut posts = Vec::new();
        let mut records = Vec::new();
        for post in &item.posts[first..] {
            match intent_items(checking, &journal, &entries, post, &mut Vec::new()) {
                Ok((media, recs)) => {
                    posts.push(ThreadItem {
                        text: post.text.clone(),
                        media,
                    });
                    records.push(recs);
                }
                Err((why, _)) => return self.queue_files_failed(id, Attempt::Post, &why),
            }
        }
        item.phase = Phase::Posting;
        let mut intents = item.posts.clone();
        let start = ThreadStart {
            reply_to: first
                .checked_sub(1)
                .and_then(|i| intents[i].thread.as_ref()?.posted.clone()),
            posted_since: Some(intents[first].created_at),
            reply_settings: intents[first].reply_settings.clone(),
            not_before: None,
        };
        let a = &session.account;
        let me = User {
            id: a.id.clone(),
            username: a.username.clone(),
            name: a.name.clone(),
            subscription_type: a.subscription_type.clone(),
        };
        let (engine, internal, id) = (
            session.engine.clone(),
            self.internal.clone(),
            id.to_string(),
        );
        tokio::spawn(async move {
            // The journal notes each post before the next goes (a crash
            // never posts one twice); its writes (fsync) and a big copy's
            // deletion block, so the runtime moves its other work aside.
            let mut on_posted = |i: usize, done: &Published| {
                tokio::task::block_in_place(|| {
                    let intent = &mut intents[first + i];
                    match intent.thread.as_mut() {
                        Some(place) => {
                            place.posted = Some(done.post_id.clone());
                            if let Err(e) = journal.save_post(intent) {
                                tracing::warn!("the journal can't note a thread's post: {e}");
                            }
                        }
                        None => journal.remove_post(&intent.id),
                    }
                    records[i].iter().for_each(|r| r.remove_with_copy());
                })
            };
            let result = publish_thread(&engine, &me, posts, start, &mut on_posted, &|_| {}).await;
            let (result, last) = match result {
                Ok(mut published) => {
                    tokio::task::block_in_place(|| {
                        intents.iter().for_each(|p| journal.remove_post(&p.id))
                    });
                    (Ok(()), published.pop())
                }
                Err(stopped) => (Err(stopped.error), None),
            };
            drop(claims);
            let _ = internal.send(Internal::Queue(QueueDone::Posted(id, result, last)));
        });
        self.show_queue();
    }

    pub(super) fn queue_posted(
        &mut self,
        id: &str,
        result: Result<(), XError>,
        published: Option<Published>,
    ) {
        let now = self.options.clock.now_secs();
        match result {
            Ok(()) => {
                let Some(item) = self.queue.items.remove(id) else {
                    return;
                };
                let late = now.saturating_sub(item.at);
                let what = match item.posts.len() {
                    1 => "post".to_string(),
                    n => format!("thread of {n} posts"),
                };
                let mut words = format!(
                    "Your scheduled {what} “{}” is on X.",
                    snippet(&item.posts[0].text)
                );
                if late >= 60 && !item.now {
                    words.push_str(&format!(" Posted {} late.", span_words(late)));
                }
                tracing::info!(
                    "scheduled post {id} went out: {:?}",
                    published.map(|p| p.post_id)
                );
                super::desktop::notify("Scheduled post went out".into(), words.clone());
                self.emit(AppEvent::Notice(words));
            }
            Err(error) => {
                // Posts of a thread that went out stay out.
                let (posts, _) = self.journal().posts();
                let mut reason = error.message.clone();
                if let Some(item) = self.queue.items.get_mut(id) {
                    item.posts.iter_mut().for_each(|p| {
                        if let Some(saved) = posts.iter().find(|s| s.id == p.id) {
                            *p = saved.clone();
                        }
                    });
                    let out = item.on_x();
                    if out > 0 {
                        reason = format!("{} Post {} wasn't posted: {reason}", on_x(out), out + 1);
                    }
                }
                self.queue_failed(id, Attempt::Post, &error, &reason);
            }
        }
        self.show_queue();
    }

    /// Cancel an item, or (`edit`) put it back into the composer.
    pub(super) fn unqueue(&mut self, id: &str, edit: bool) {
        let writing = !self.tiles.is_empty() || !self.draft_text.trim().is_empty();
        if edit && (writing || self.thread.is_thread()) {
            return self.emit(AppEvent::Notice(
                "Post or clear the post you are writing first; then Edit puts the scheduled one back into it.".into(),
            ));
        }
        let journal = self.journal();
        let Some(item) = self.queue.items.get(id) else {
            return;
        };
        if edit && item.on_x() > 0 {
            return self.emit(AppEvent::Notice(format!(
                "{} Press Post the rest to finish the thread, or Cancel to leave the rest unposted.",
                on_x(item.on_x())
            )));
        }
        let mut claims = Vec::new();
        for post in &item.posts {
            match journal.claim_post(&post.id) {
                Ok(Some(c)) => claims.push(c),
                Ok(None) if journal.posts().0.iter().any(|p| p.id == post.id) => {
                    return self.emit(AppEvent::Notice(
                        "It is being posted right now, so it can't be changed.".into(),
                    ));
                }
                // Gone from the journal: it went out (or was cancelled) elsewhere.
                Ok(None) => return self.gone_elsewhere(id, ELSEWHERE),
                Err(e) => {
                    return self.emit(AppEvent::Notice(format!(
                        "It can't be changed now: the app's data folder can't be read ({e}). Try again in a moment."
                    )));
                }
            }
        }
        let Some(item) = self.queue.items.remove(id) else {
            return;
        };
        // Its uploads stop; their records are forgotten below, through the
        // very records they write (so nothing writes them again).
        if let Some(session) = &self.session {
            item.uploads
                .iter()
                .for_each(|(u, _)| session.engine.cancel(*u));
        }
        let live: Vec<Record> = item.uploads.iter().filter_map(|(_, r)| r.clone()).collect();
        let (entries, _) = journal.entries();
        let mine = |p: &PostIntent| -> Vec<Entry> {
            p.uploads
                .iter()
                .filter_map(|u| entries.iter().find(|e| &e.id == u).cloned())
                .collect()
        };
        if edit {
            let posts: Vec<DraftPost> = item
                .posts
                .iter()
                .map(|p| DraftPost {
                    text: p.text.clone(),
                    items: mine(p).iter().map(draft_item).collect(),
                })
                .collect();
            self.compose(posts);
            // Who can reply comes back with it (not as the account's default).
            self.extras.reply = item.posts[0].reply_settings.clone();
            self.emit(AppEvent::ReplySettings(self.extras.reply.clone()));
            self.save_draft();
        }
        // The queue forgets it once the draft holding it is written (the
        // draft is written on the same file thread, first).
        let forget: Vec<(String, Vec<Entry>)> =
            item.posts.iter().map(|p| (p.id.clone(), mine(p))).collect();
        self.files.write(move || {
            for (post, entries) in forget {
                for e in entries {
                    let record = match live.iter().find(|r| r.id() == e.id) {
                        Some(r) => r.clone(),
                        None => journal.record(e),
                    };
                    if edit {
                        record.remove()
                    } else {
                        record.remove_with_copy()
                    }
                }
                journal.remove_post(&post);
            }
            drop(claims);
        });
        self.show_queue();
    }

    /// Item `id` left the journal meanwhile, or all of it is on X
    /// (`whence` says which): say so, and let it go.
    fn gone_elsewhere(&mut self, id: &str, whence: &str) {
        if let Some(item) = self.queue.items.remove(id) {
            self.emit(AppEvent::Notice(format!(
                "The scheduled post “{}” {whence}.",
                snippet(&item.posts[0].text)
            )));
        }
        self.show_queue();
    }

    pub(super) fn show_queue(&self) {
        self.keep_login_entry();
        let (entries, _) = self.journal().entries();
        let signed_in = self.session.is_some();
        let now = self.options.clock.now_secs();
        let mut items: Vec<(&Queued, QueueItem)> = self
            .queue
            .items
            .iter()
            .map(|(id, q)| {
                let state = match &q.phase {
                    Phase::NeedsUpload | Phase::Uploading => QueueState::Uploading,
                    Phase::Ready => QueueState::Waiting,
                    Phase::Posting => QueueState::Posting,
                    Phase::Late => QueueState::Late(format!(
                        "Due {} ago: {}",
                        span_words(now.saturating_sub(q.at)),
                        late_why(q)
                    )),
                    Phase::Failed(m) => QueueState::Failed(m.clone()),
                    Phase::Retry(_, m) => QueueState::Retrying(m.clone()),
                };
                let problem = q.problem.clone().or_else(|| {
                    (!signed_in).then(|| "Waits for its account to be signed in.".to_string())
                });
                let label = format!(
                    "{} · {}",
                    describe_local_on(&self.options.clock, q.at),
                    summary(&q.posts, &entries)
                );
                (
                    q,
                    QueueItem {
                        id: id.clone(),
                        label,
                        state,
                        problem,
                        posted: q.on_x(),
                        try_again: matches!(q.phase, Phase::Failed(_))
                            && q.retrying == Some(Attempt::Upload),
                    },
                )
            })
            .collect();
        items.sort_by_key(|(q, _)| q.at);
        self.emit(AppEvent::Queue(items.into_iter().map(|(_, i)| i).collect()));
    }
}

/// Why a post is more than an hour late, in the queue and its notification.
pub(super) fn late_why(item: &Queued) -> &'static str {
    match item.retrying {
        Some(_) => "it couldn't be posted within an hour of its time",
        None => "X Uploader wasn't running then",
    }
}

/// A queued file as the composer takes it back: the user's file, its alt
/// text, and X's media id while it is good.
fn draft_item(e: &Entry) -> DraftItem {
    DraftItem {
        path: e.source.clone().unwrap_or_else(|| e.file.path.clone()),
        alt: e.alt.clone().unwrap_or_default(),
        media_id: e.media_id.clone().filter(|_| e.ready),
        expires_at: e.expires_at,
        account_id: e.account_id.clone(),
        captions: e
            .captions
            .iter()
            .map(|c| DraftCaption {
                path: c.path.clone(),
                language: c.language.clone(),
            })
            .collect(),
        warning: e.warning,
    }
}
