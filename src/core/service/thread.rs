//! Threads in the composer: "Add another post" makes the draft a thread
//! (up to 25 posts), each post with its own text and files; posts are
//! removed and moved; Post publishes them in order through the engine's
//! thread path, each replying to the one before. The journal notes each
//! post as it goes out, so a thread that stopped part way (an error, a quit,
//! a crash) goes on from the first post not on X with "Post the rest".

use super::worker::{Internal, Worker};
use super::{AppEvent, Command, PostState};
use crate::core::compose;
use crate::core::engine::journal::{Owner, PostIntent, ThreadPlace};
use crate::core::engine::post::{PostItem, Published};
use crate::core::engine::thread::{ThreadItem, ThreadStart, ThreadStopped, publish_thread};
use crate::core::thread_file::THREAD_MAX_POSTS;

/// The posts after the first, as the window shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThreadView {
    /// Texts of posts 2, 3, … (the first is the draft text).
    pub later: Vec<String>,
    /// How many posts, from the first, are on X already.
    pub posted: usize,
}

/// The service's side of a thread in the making.
#[derive(Debug, Default)]
pub(in crate::core::service) struct ThreadDraft {
    /// Texts of posts 2, 3, … (the first is `draft_text`).
    pub later: Vec<String>,
    /// The journal's id for this thread, once Post was pressed.
    pub id: Option<String>,
    /// Ids at X of the leading posts already out.
    pub posted: Vec<String>,
    /// Which post picked or pasted files go to.
    pub target: usize,
}

impl ThreadDraft {
    /// More than one post, or one that continues posts already out.
    pub fn is_thread(&self) -> bool {
        !self.later.is_empty() || !self.posted.is_empty()
    }
}

/// "Post 1 is" / "Posts 1–3 are": the posts already on X.
pub fn on_x(count: usize) -> String {
    match count {
        1 => "Post 1 is on X.".to_string(),
        n => format!("Posts 1–{n} are on X."),
    }
}

impl Worker {
    /// The last post of the draft (0 while it is a single post).
    pub(super) fn last_post(&self) -> usize {
        self.thread.later.len()
    }

    pub(super) fn post_text(&self, post: usize) -> &str {
        match post {
            0 => &self.draft_text,
            n => self.thread.later.get(n - 1).map_or("", String::as_str),
        }
    }

    pub(super) fn show_thread(&self) {
        self.emit(AppEvent::Thread(ThreadView {
            later: self.thread.later.clone(),
            posted: self.thread.posted.len(),
        }));
    }

    pub(super) fn thread_command(&mut self, command: Command) {
        // Posts on X stay as they are; posting holds the thread still.
        let fixed = self.thread.posted.len();
        let busy = self.posting || self.pending_post.is_some();
        match command {
            Command::AddPost if self.last_post() + 1 < THREAD_MAX_POSTS && !busy => {
                self.thread.later.push(String::new());
            }
            Command::PostText(post, text) if post >= 1 && post >= fixed => {
                if let Some(t) = self.thread.later.get_mut(post - 1) {
                    *t = text;
                }
                self.save_draft_soon();
                return;
            }
            Command::RemovePost(post) if post >= fixed && post <= self.last_post() && !busy => {
                self.remove_post(post)
            }
            Command::MovePost { post, up } if !busy => {
                let other = if up {
                    post.checked_sub(1)
                } else {
                    Some(post + 1)
                };
                match other {
                    Some(o) if o >= fixed && post >= fixed && o.max(post) <= self.last_post() => {
                        self.swap_posts(post.min(o))
                    }
                    _ => return,
                }
            }
            Command::PostTheRest if !self.posting => {
                self.pending_post = Some(self.draft_text.clone());
                self.maybe_post();
                return;
            }
            _ => return,
        }
        self.show_thread();
        self.save_draft();
    }

    /// Post `post` goes, with its files; the ones after move up a place.
    fn remove_post(&mut self, post: usize) {
        let keys: Vec<_> = self
            .tiles
            .iter()
            .filter(|(_, s)| s.tile.post == post)
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            self.remove(key);
        }
        if post == 0 {
            self.draft_text = if self.thread.later.is_empty() {
                String::new()
            } else {
                self.thread.later.remove(0)
            };
            self.emit(AppEvent::DraftText(self.draft_text.clone()));
        } else {
            self.thread.later.remove(post - 1);
        }
        self.renumber(|p| if p > post { p - 1 } else { p });
    }

    /// Posts `a` and `a + 1` change places.
    fn swap_posts(&mut self, a: usize) {
        let text_a = self.post_text(a).to_string();
        let text_b = self.post_text(a + 1).to_string();
        for (post, text) in [(a, text_b), (a + 1, text_a)] {
            match post {
                0 => {
                    self.draft_text = text.clone();
                    self.emit(AppEvent::DraftText(text));
                }
                n => self.thread.later[n - 1] = text,
            }
        }
        self.renumber(|p| match p {
            p if p == a => a + 1,
            p if p == a + 1 => a,
            p => p,
        });
    }

    fn renumber(&mut self, new: impl Fn(usize) -> usize) {
        let keys: Vec<_> = self.tiles.keys().copied().collect();
        for key in keys {
            if let Some(slot) = self.tiles.get_mut(&key) {
                let post = new(slot.tile.post);
                if post != slot.tile.post {
                    slot.tile.post = post;
                    self.show(key);
                }
            }
        }
    }

    /// Post the thread from its first post not on X, once every file is
    /// ready (else say what it waits for).
    pub(super) fn maybe_post_thread(&mut self) {
        let first = self.thread.posted.len();
        let signed_in = self.session.is_some();
        for post in first..=self.last_post() {
            let media: Vec<_> = self
                .tiles
                .values()
                .filter(|s| s.tile.post == post)
                .map(|s| s.media())
                .collect();
            if let Err(why) = compose::post_blocker(signed_in, self.post_text(post), &media) {
                return self.not_posted(format!("Post {}: {why}", post + 1));
            }
        }
        // The rest of a thread goes from the account its start went from.
        let started_by = (first > 0)
            .then(|| self.thread.id.as_deref().map(|id| self.journaled(id)))
            .flatten()
            .and_then(|posts| posts.first().and_then(|p| p.account_id.clone()));
        let account = self.session.as_ref().map(|s| s.account.id.clone());
        if started_by.is_some() && started_by != account {
            return self.not_posted(
                "This thread was started from another account: switch to it to post the rest."
                    .into(),
            );
        }
        if !self.uploads_ready() {
            self.post_state(PostState::WaitingForUploads);
            return;
        }
        let Some(session) = &self.session else {
            return;
        };
        // Each file with its alt text, content warning and captions (checked
        // once more against the video), as for a single post.
        let account = session.account.id.clone();
        let mut items: Vec<ThreadItem> = Vec::new();
        for post in first..=self.last_post() {
            let mut media = Vec::new();
            for (key, s) in self.tiles.iter().filter(|(_, s)| s.tile.post == post) {
                let (Some((u, _)), Some(checked)) = (&s.uploaded, &s.checked) else {
                    continue;
                };
                let ready = match self.ready_media(*key, u.clone(), &account) {
                    Ok(ready) => ready,
                    Err(why) => return self.not_posted(format!("Post {}: {why}", post + 1)),
                };
                media.push(PostItem {
                    ready: Some(u.media_id.clone()),
                    captions: ready.captions.into_iter().map(|(file, _)| file).collect(),
                    warning: ready.warning,
                    ..PostItem::new(checked.clone(), ready.alt)
                });
            }
            let text = self.post_text(post).to_string();
            items.push(ThreadItem { text, media });
        }
        let (engine, me) = (session.engine.clone(), session.me());
        let account_id = Some(session.account.id.clone());
        let mut intents = self.journal_thread(account_id);
        // Going on after a stop: the first post may have gone out unnoted.
        let posted_since = intents.get(first).map(|i| i.created_at);
        let start = ThreadStart {
            reply_to: self.thread.posted.last().cloned(),
            posted_since: posted_since.filter(|_| first > 0),
            // Who may reply, chosen beside Post, holds for every post.
            reply_settings: self.extras.reply.clone(),
            ..ThreadStart::default()
        };
        self.posting = true;
        self.post_state(PostState::Posting);
        self.save_draft();
        let (journal, internal) = (self.journal(), self.internal.clone());
        tokio::spawn(async move {
            // The journal notes each post as it goes out.
            let mut on_posted = |i: usize, done: &Published| {
                if let Some(place) = intents.get_mut(first + i).and_then(|p| p.thread.as_mut()) {
                    place.posted = Some(done.post_id.clone());
                }
                if let Some(Err(e)) = intents.get(first + i).map(|p| journal.save_post(p)) {
                    tracing::warn!("the journal can't note post {}: {e}", first + i + 1);
                }
            };
            let result = publish_thread(&engine, &me, items, start, &mut on_posted, &|_| {}).await;
            let _ = internal.send(Internal::ThreadDone(result));
        });
    }

    /// The thread can't go now: say why (keeping "Post the rest" on offer
    /// when some of it is on X).
    fn not_posted(&mut self, why: String) {
        self.pending_post = None;
        let state = match self.thread.posted.len() {
            0 => PostState::Failed(why),
            n => PostState::ThreadStopped(format!("{} {why}", on_x(n))),
        };
        self.post_state(state);
    }

    /// Write the thread's posts to the journal (the ones on X with their
    /// ids), replacing what it held of this thread.
    fn journal_thread(&mut self, account_id: Option<String>) -> Vec<PostIntent> {
        let journal = self.journal();
        let id = self
            .thread
            .id
            .get_or_insert_with(|| journal.new_thread_id())
            .clone();
        let before = self.journaled(&id);
        for old in &before {
            journal.remove_post(&old.id);
        }
        let count = self.last_post() + 1;
        let owner = Owner::Draft {
            practice: self.options.practice,
        };
        (0..count)
            .map(|position| {
                let text = self.post_text(position);
                let mut intent =
                    journal.create_post(text, &self.config.api_base, account_id.clone());
                if let Some(old) = before.iter().find(|p| place(p) == Some(position)) {
                    intent.created_at = old.created_at;
                }
                intent.thread = Some(ThreadPlace {
                    thread: id.clone(),
                    position,
                    count,
                    posted: self.thread.posted.get(position).cloned(),
                });
                intent.owner = Some(owner.clone());
                if let Err(e) = journal.save_post(&intent) {
                    tracing::warn!("the journal can't hold post {}: {e}", position + 1);
                }
                intent
            })
            .collect()
    }

    /// The journal's posts of thread `id` of this draft, in order.
    fn journaled(&self, id: &str) -> Vec<PostIntent> {
        let owner = Some(Owner::Draft {
            practice: self.options.practice,
        });
        let (mut posts, _) = self.journal().posts();
        posts.retain(|p| p.owner == owner && p.thread.as_ref().is_some_and(|t| t.thread == id));
        posts.sort_by_key(place);
        posts
    }

    pub(super) fn thread_done(&mut self, result: Result<Vec<Published>, ThreadStopped>) {
        self.posting = false;
        self.pending_post = None;
        let (published, stopped) = match result {
            Ok(published) => (published, None),
            Err(s) => (s.published, Some((s.at, s.error))),
        };
        let first = self.thread.posted.len();
        let out = published.len();
        self.thread
            .posted
            .extend(published.into_iter().map(|p| p.post_id));
        let Some((at, error)) = stopped else {
            let Some(first_id) = self.thread.posted.first().cloned() else {
                return;
            };
            let handle = self.session.as_ref().map(|s| s.account.handle());
            let view_url = match (self.practice_base(), &self.session) {
                (Some(base), _) => format!("{base}/_practice/posts/{first_id}"),
                (None, Some(s)) => {
                    crate::core::engine::post::post_url(&s.account.username, &first_id)
                }
                (None, None) => String::new(),
            };
            // Cleared first: the window never shows "Posted" over the old files.
            self.finish_thread();
            self.post_state(PostState::Posted {
                post_id: first_id,
                handle: handle.unwrap_or_default(),
                view_url,
            });
            return;
        };
        if self.thread.posted.is_empty() {
            // Nothing went out: as for a single post.
            let id = self.thread.id.take();
            self.save_draft();
            self.forget_records(id);
            self.post_state(PostState::Failed(error.message));
            return;
        }
        self.drop_posted_files(first..first + out);
        self.show_thread();
        self.save_draft();
        let k = first + at + 1;
        self.post_state(PostState::ThreadStopped(format!(
            "{} Post {k} wasn't posted: {}",
            on_x(self.thread.posted.len()),
            error.message
        )));
    }

    /// The whole thread is on X: the composer clears, then the journal
    /// forgets it.
    fn finish_thread(&mut self) {
        let id = self.thread.id.clone();
        self.clear_composer();
        self.forget_records(id);
    }

    /// Thread `id`'s journal records go, after the draft written before
    /// (which no longer names it): never a draft naming a forgotten thread.
    pub(super) fn forget_records(&self, id: Option<String>) {
        let Some(id) = id else { return };
        let (journal, posts) = (self.journal(), self.journaled(&id));
        self.files.write(move || {
            for p in posts {
                journal.remove_post(&p.id);
            }
        });
    }

    /// Posts on X leave the composer's files (their text stays on show).
    fn drop_posted_files(&mut self, posts: std::ops::Range<usize>) {
        let keys: Vec<_> = self
            .tiles
            .iter()
            .filter(|(_, s)| posts.contains(&s.tile.post))
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            self.remove(key);
        }
    }

    /// At start: a thread of this draft partly on X (the journal knows
    /// which posts) is offered to go on.
    pub(super) fn thread_on_load(&mut self) {
        self.thread.posted.clear();
        let Some(id) = self.thread.id.clone() else {
            return;
        };
        let posts = self.journaled(&id);
        if posts.is_empty() {
            self.thread.id = None;
            return;
        }
        self.thread.posted = posts
            .iter()
            .map_while(|p| p.thread.as_ref().and_then(|t| t.posted.clone()))
            .collect();
        let out = self.thread.posted.len();
        if out == 0 {
            return;
        }
        if out > self.last_post() {
            // All of it went out just before the window closed.
            return self.finish_thread();
        }
        self.drop_posted_files(0..out);
        self.show_thread();
        self.post_state(PostState::ThreadStopped(format!(
            "{} Post {} wasn't posted yet.",
            on_x(out),
            out + 1
        )));
    }
}

fn place(p: &PostIntent) -> Option<usize> {
    p.thread.as_ref().map(|t| t.position)
}
