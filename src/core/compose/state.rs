//! Where one media item of a post stands, and the only ways it moves on.
//!
//! ```text
//! checking ─→ refused (the reason; checked again when the mix changes)
//!     │  └──→ converting ─→ uploading (a photo made to fit)
//!     ├─────→ waiting for a sign-in ─→ uploading
//!     ├─────→ interrupted last time (continue or start over) ─→ uploading
//!     └─────→ uploading ⇄ paused
//!                 ↓
//!             finalizing ─→ processing ─→ ready ─→ expired at X ─→ uploading
//!   uploading, paused, finalizing, processing ─→ failed | cancelled ─→ uploading
//!   failed (X's processing refused a video) ─→ converting ("Convert for X")
//! ```
//! A new sign-in (or an account switch) checks every item again, and an
//! upload whose sign-in ended waits for the next one.

/// One media item's state. Transitions go through [`MediaState::allows`].
#[derive(Debug, Clone, PartialEq)]
pub enum MediaState {
    Checking,
    /// X can't take it (or it breaks the mix rule, `mix`: checked again when
    /// one of the files before it goes).
    Refused {
        reason: String,
        mix: bool,
    },
    /// Being converted to something X takes (before its upload).
    Converting,
    /// Checked; waits for a sign-in before it can upload.
    WaitingForSignIn,
    Uploading,
    Paused,
    /// Every chunk is in; X is told the upload is complete.
    Finalizing,
    /// X is processing the video or GIF.
    Processing(Option<u32>),
    Ready,
    Failed {
        message: String,
        retryable: bool,
    },
    Cancelled,
    /// Its upload was interrupted last time at `percent`: continue?
    Interrupted(u32),
    /// X forgot the finished upload (media ids live 24 h): upload again.
    Expired,
}

/// A move the state machine does not allow (a bug, logged; the state stays).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("a media item can't go from {from} to {to}")]
pub struct BadTransition {
    pub from: &'static str,
    pub to: &'static str,
}

impl MediaState {
    /// The state's name, for logs and refusals.
    pub fn name(&self) -> &'static str {
        match self {
            MediaState::Checking => "checking",
            MediaState::Refused { .. } => "refused",
            MediaState::Converting => "converting",
            MediaState::WaitingForSignIn => "waiting for a sign-in",
            MediaState::Uploading => "uploading",
            MediaState::Paused => "paused",
            MediaState::Finalizing => "finalizing",
            MediaState::Processing(_) => "processing",
            MediaState::Ready => "ready",
            MediaState::Failed { .. } => "failed",
            MediaState::Cancelled => "cancelled",
            MediaState::Interrupted(_) => "interrupted",
            MediaState::Expired => "expired",
        }
    }

    /// May an item in this state move to `next`?
    pub fn allows(&self, next: &MediaState) -> bool {
        use MediaState::*;
        match (self, next) {
            // A new sign-in or account checks every item again.
            (_, Checking) => true,
            (Checking, Refused { .. } | Converting | WaitingForSignIn | Interrupted(_)) => true,
            // Straight to its upload, or a finished upload reused from the draft.
            (Checking, Uploading | Ready) => true,
            (
                Converting,
                Uploading
                | WaitingForSignIn
                | Failed { .. }
                | Refused { .. }
                | Ready
                | Interrupted(_),
            ) => true,
            // "Convert for X" after X's processing refused a video.
            (Failed { .. }, Converting) => true,
            (WaitingForSignIn, Uploading | Ready) => true,
            (Interrupted(_), Uploading | WaitingForSignIn) => true,
            // A start-over (a 413, a media id X forgot) begins again.
            (Uploading, Uploading | Paused | Finalizing) => true,
            (Paused, Uploading) => true,
            (Finalizing, Processing(_) | Ready | Uploading) => true,
            (Processing(_), Processing(_) | Ready) => true,
            (
                Uploading | Paused | Finalizing | Processing(_),
                Failed { .. } | Cancelled | WaitingForSignIn,
            ) => true,
            (Ready, Expired) => true,
            (Failed { .. } | Cancelled | Expired, Uploading | WaitingForSignIn) => true,
            _ => false,
        }
    }

    /// Move to `next` if allowed; else keep the state and say why.
    pub fn go(&mut self, next: MediaState) -> Result<(), BadTransition> {
        if self.allows(&next) {
            *self = next;
            Ok(())
        } else {
            Err(BadTransition {
                from: self.name(),
                to: next.name(),
            })
        }
    }

    /// Still on its way to being ready (counts as "Post waits for it").
    pub fn pending(&self) -> bool {
        matches!(
            self,
            MediaState::Checking
                | MediaState::Converting
                | MediaState::WaitingForSignIn
                | MediaState::Uploading
                | MediaState::Paused
                | MediaState::Finalizing
                | MediaState::Processing(_)
                | MediaState::Expired
        )
    }

    /// Stopped and needs the user (retry, continue or remove).
    pub fn stopped(&self) -> bool {
        matches!(
            self,
            MediaState::Failed { .. } | MediaState::Cancelled | MediaState::Interrupted(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::MediaState::{self, *};

    /// One of each state.
    fn all() -> Vec<MediaState> {
        vec![
            Checking,
            Refused {
                reason: "r".into(),
                mix: false,
            },
            Converting,
            WaitingForSignIn,
            Uploading,
            Paused,
            Finalizing,
            Processing(Some(5)),
            Ready,
            Failed {
                message: "m".into(),
                retryable: true,
            },
            Cancelled,
            Interrupted(40),
            Expired,
        ]
    }

    /// The allowed moves, written out by name (the spec the table follows).
    const ALLOWED: &[(&str, &str)] = &[
        ("checking", "refused"),
        ("checking", "converting"),
        ("checking", "waiting for a sign-in"),
        ("checking", "interrupted"),
        ("checking", "uploading"),
        ("checking", "ready"),
        ("converting", "uploading"),
        ("converting", "waiting for a sign-in"),
        ("converting", "failed"),
        ("converting", "refused"),
        ("converting", "ready"),
        ("converting", "interrupted"),
        ("failed", "converting"),
        ("waiting for a sign-in", "uploading"),
        ("waiting for a sign-in", "ready"),
        ("interrupted", "uploading"),
        ("interrupted", "waiting for a sign-in"),
        ("uploading", "uploading"),
        ("uploading", "paused"),
        ("uploading", "finalizing"),
        ("uploading", "failed"),
        ("uploading", "cancelled"),
        ("uploading", "waiting for a sign-in"),
        ("paused", "uploading"),
        ("paused", "failed"),
        ("paused", "cancelled"),
        ("paused", "waiting for a sign-in"),
        ("finalizing", "processing"),
        ("finalizing", "ready"),
        ("finalizing", "uploading"),
        ("finalizing", "failed"),
        ("finalizing", "cancelled"),
        ("finalizing", "waiting for a sign-in"),
        ("processing", "processing"),
        ("processing", "ready"),
        ("processing", "failed"),
        ("processing", "cancelled"),
        ("processing", "waiting for a sign-in"),
        ("ready", "expired"),
        ("failed", "uploading"),
        ("failed", "waiting for a sign-in"),
        ("cancelled", "uploading"),
        ("cancelled", "waiting for a sign-in"),
        ("expired", "uploading"),
        ("expired", "waiting for a sign-in"),
    ];

    fn allowed(from: &MediaState, to: &MediaState) -> bool {
        // Every state may be checked again (a new sign-in or account).
        to.name() == "checking" || ALLOWED.contains(&(from.name(), to.name()))
    }

    #[test]
    fn every_allowed_transition_goes_and_every_other_is_refused() {
        let mut moves = 0;
        for from in all() {
            for to in all() {
                let mut state = from.clone();
                let result = state.go(to.clone());
                if allowed(&from, &to) {
                    assert_eq!(result, Ok(()), "{} → {}", from.name(), to.name());
                    assert_eq!(state, to);
                    moves += 1;
                } else {
                    let e = result.expect_err(&format!("{} → {}", from.name(), to.name()));
                    assert_eq!((e.from, e.to), (from.name(), to.name()));
                    assert_eq!(state, from, "a refused move leaves the state as it was");
                }
            }
        }
        // The table above, plus "checked again" from each of the 13 states.
        assert_eq!(moves, ALLOWED.len() + 13);
    }

    #[test]
    fn an_upload_runs_its_course() {
        let mut s = Checking;
        for next in [
            Uploading,
            Paused,
            Uploading,
            Finalizing,
            Processing(None),
            Processing(Some(50)),
            Ready,
            Expired,
            Uploading,
        ] {
            s.go(next).unwrap();
        }
        assert!(s.pending());
        assert!(Ready.go(Uploading).is_err(), "a ready item stays ready");
        assert!(
            Refused {
                reason: String::new(),
                mix: true
            }
            .go(Uploading)
            .is_err()
        );
        assert!(Cancelled.stopped() && !Ready.pending() && !Ready.stopped());
    }
}
