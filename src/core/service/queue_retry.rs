//! A queued item that failed for a reason that may pass (no network, X's
//! servers failing, a rate limit) tries again by itself, after 1, 5, then
//! every 15 minutes by the service's clock, and says so: "Couldn't post at
//! 14:00: … Trying again at 14:05." Uploads before the time try until the
//! time; posting tries until an hour past it, then asks as for a late post
//! (Post now: three tries). A refusal (X said no to the content, the
//! sign-in ended) is not tried again: the line says what to do. Trying a
//! post again never posts it twice: the account's recent posts are checked
//! first, and a thread goes on from its first post not on X.

use super::queue::{Phase, Queued};
use super::worker::Worker;
use crate::core::schedule::LATE_ASKS_AFTER_SECS;
use crate::core::xclient::error::local_hhmm;
use crate::core::xclient::{ErrorKind, XError};

/// Wait this long before each automatic try (then it stays failed).
pub(super) const RETRY_AFTER_SECS: [u64; 3] = [60, 5 * 60, 15 * 60];

/// What failed: the files' uploads, or the posting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Attempt {
    Upload,
    Post,
}

/// May it pass by itself?
fn passing(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::CannotConnect
            | ErrorKind::TimedOut
            | ErrorKind::ConnectionDropped
            | ErrorKind::ServerError
            | ErrorKind::RateLimited
    )
}

/// What the user can do about a failure that won't pass by itself;
/// `button` posts it ("Post now", or "Post the rest" of a thread).
fn what_to_do(kind: ErrorKind, attempt: Attempt, button: &str) -> String {
    let button = match attempt {
        Attempt::Upload => "Try again",
        Attempt::Post => button,
    };
    match (kind, attempt) {
        (ErrorKind::SignInEnded | ErrorKind::Unauthorized | ErrorKind::NotSignedIn, _) => {
            format!("Sign in to X again, then press {button}.")
        }
        (_, Attempt::Upload) => {
            "Press Try again to upload them again for its time, or Edit the post.".into()
        }
        _ if passing(kind) => format!("Press {button} to try again."),
        _ if button == "Post now" => "Edit the post, or Cancel it.".into(),
        _ => "Cancel it to leave the rest of the thread unposted.".into(),
    }
}

/// The button that posts `item`: "Post the rest" once part of a thread is out.
pub(super) fn now_button(item: &Queued) -> &'static str {
    match item.on_x() {
        0 => "Post now",
        _ => "Post the rest",
    }
}

/// The failure's own words without a closing "Try …" (or "Add it
/// again", "Put the file back…") of theirs: the line ends with when it
/// tries again, or with what to do.
fn without_advice(reason: &str) -> &str {
    let reason = reason.trim_end().trim_end_matches('.');
    let advice = |s: &str| {
        ["Try ", "Add ", "Put the file back"]
            .iter()
            .any(|a| s.starts_with(a))
    };
    match reason.rfind(". ") {
        Some(end) if advice(&reason[end + 2..]) => &reason[..end],
        _ => reason,
    }
}

impl Worker {
    /// Item `id` failed with `error` (its words already say which post of a
    /// thread, in `reason`): try again later, or say what to do.
    pub(super) fn queue_failed(
        &mut self,
        id: &str,
        attempt: Attempt,
        error: &XError,
        reason: &str,
    ) {
        let now = self.options.clock.now_secs();
        let Some(item) = self.queue.items.get_mut(id) else {
            return;
        };
        if item.retrying != Some(attempt) {
            (item.retries, item.retrying) = (0, Some(attempt));
        }
        let hhmm = |t: u64| local_hhmm(t).unwrap_or_else(|| t.to_string());
        let did = match attempt {
            Attempt::Upload => "upload its files",
            Attempt::Post => "post",
        };
        let reason = without_advice(reason);
        let wait = RETRY_AFTER_SECS[item.retries.min(RETRY_AFTER_SECS.len() - 1)];
        // X said when its limit resets: not before then.
        let at = (now + wait).max(error.reset_at.unwrap_or(0));
        let retry = passing(error.kind)
            && match (item.now, attempt) {
                // Post now: a few tries, then it says so.
                (true, _) => item.retries < RETRY_AFTER_SECS.len(),
                // Uploads before the time: until the time.
                (false, Attempt::Upload) if now < item.at => true,
                // Until an hour past the time; then it asks, as when late.
                _ => at <= item.at + LATE_ASKS_AFTER_SECS,
            };
        if retry {
            let at = match attempt {
                Attempt::Upload if now < item.at && !item.now => at.min(item.at),
                _ => at,
            };
            item.retries += 1;
            item.phase = Phase::Retry(
                at,
                format!(
                    "Couldn't {did} at {}: {reason}. Trying again at {}.",
                    hhmm(now),
                    hhmm(at)
                ),
            );
            return self.show_queue();
        }
        if passing(error.kind) && !item.now {
            item.phase = Phase::Late;
            super::desktop::notify(
                "A scheduled post is late".into(),
                format!(
                    "It couldn't be posted within an hour of its time ({reason}). Open X Uploader to post it now or cancel it."
                ),
            );
            return self.show_queue();
        }
        let tried = match item.retries {
            0 => String::new(),
            n => format!(" (tried {} times)", n + 1),
        };
        let words = format!(
            "Couldn't {did} at {}{tried}: {reason}. {}",
            hhmm(now),
            what_to_do(error.kind, attempt, now_button(item))
        );
        self.queue_gave_up(id, attempt, words);
    }

    /// Item `id` failed and won't try again by itself: say so, in the queue
    /// and in a notification.
    pub(super) fn queue_gave_up(&mut self, id: &str, attempt: Attempt, words: String) {
        let Some(item) = self.queue.items.get_mut(id) else {
            return;
        };
        item.phase = Phase::Failed(words.clone());
        let title = match attempt {
            Attempt::Upload => "A scheduled post's upload failed",
            Attempt::Post => "A scheduled post failed",
        };
        super::desktop::notify(title.into(), words);
        self.show_queue();
    }

    /// Item `id`'s files can't go on (`why`): a file gone waits to be put
    /// back (the queue then goes on by itself); any other reason is final.
    pub(super) fn queue_files_failed(&mut self, id: &str, attempt: Attempt, why: &str) {
        let now = self.options.clock.now_secs();
        let Some(item) = self.queue.items.get(id) else {
            return;
        };
        let missing = !self.files_back(item);
        let did = match attempt {
            Attempt::Upload => "upload its files",
            Attempt::Post => "post",
        };
        let hhmm = local_hhmm(now).unwrap_or_else(|| now.to_string());
        let words = match missing {
            true => format!(
                "Couldn't {did} at {hhmm}: {}. Put the file back and it goes on by itself, or Edit the post.",
                without_advice(why)
            ),
            false => format!("Couldn't {did} at {hhmm}: {why}"),
        };
        if let Some(item) = self.queue.items.get_mut(id) {
            item.missing = missing;
        }
        self.queue_gave_up(id, attempt, words);
    }

    /// Are all the files item `item` still needs where they were (its
    /// thread's posts not yet on X: their media and caption files)?
    pub(super) fn files_back(&self, item: &Queued) -> bool {
        let (entries, _) = self.journal().entries();
        let waiting = item
            .posts
            .iter()
            .filter(|p| p.thread.as_ref().is_none_or(|t| t.posted.is_none()));
        let uploads: Vec<&String> = waiting.flat_map(|p| &p.uploads).collect();
        let media = entries
            .iter()
            .filter(|e| uploads.contains(&&e.id))
            .all(|e| e.file.path.exists());
        media && item.captions.iter().all(|(path, _)| path.exists())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_may_pass_is_tried_again_and_refusals_say_what_to_do() {
        for kind in [
            ErrorKind::CannotConnect,
            ErrorKind::ServerError,
            ErrorKind::RateLimited,
        ] {
            assert!(passing(kind), "{kind:?}");
        }
        for kind in [
            ErrorKind::Refused,
            ErrorKind::Forbidden,
            ErrorKind::SignInEnded,
        ] {
            assert!(!passing(kind), "{kind:?}");
        }
        assert!(
            what_to_do(ErrorKind::SignInEnded, Attempt::Post, "Post now")
                .starts_with("Sign in to X again")
        );
        assert_eq!(
            without_advice("X didn't confirm the post, so nothing was posted. Try posting again."),
            "X didn't confirm the post, so nothing was posted"
        );
        assert_eq!(
            without_advice("X's servers failed (503)."),
            "X's servers failed (503)"
        );
        assert_eq!(
            what_to_do(ErrorKind::Refused, Attempt::Post, "Post now"),
            "Edit the post, or Cancel it."
        );
        assert_eq!(
            what_to_do(ErrorKind::ServerError, Attempt::Post, "Post the rest"),
            "Press Post the rest to try again."
        );
        assert!(
            !what_to_do(ErrorKind::Refused, Attempt::Post, "Post the rest").contains("Edit"),
            "Edit is refused for a thread partly on X"
        );
        assert_eq!(
            what_to_do(ErrorKind::Refused, Attempt::Upload, "Post now"),
            "Press Try again to upload them again for its time, or Edit the post."
        );
    }
}
