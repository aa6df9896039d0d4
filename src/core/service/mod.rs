//! The app's engine room, on its own thread with a tokio runtime: sign-in,
//! uploads, posting, drafts and practice mode. The window sends
//! [`Command`]s and draws the [`AppEvent`]s that come back; after each
//! event the service calls the waker (the window asks egui for a repaint).
//! Nothing here knows egui.

mod accounts;
mod autostart;
mod captions;
mod convert;
mod desktop;
mod extras;
mod files;
mod posting;
mod queue;
mod queue_in;
mod queue_out;
mod queue_retry;
mod thread;
mod tiles;
mod uploads;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::mpsc;

use crate::core::auth::Account;
use crate::core::config::Config;
pub use crate::core::draft::{MediaInfo, Tile, TileKey};
use crate::core::secret::Secret;
pub use extras::ExtrasCommand;
pub use queue::{QueueItem, QueueState};
pub use thread::ThreadView;

/// Wakes the window when an event is waiting.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// What the window asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    SignIn,
    CancelSignIn,
    /// Keep sign-ins in memory for this run (no keychain on this computer).
    UseMemoryStore,
    SignOut(String),
    SwitchAccount(String),
    StartPractice,
    LeavePractice,
    AddFiles(Vec<PathBuf>),
    OpenFileDialog,
    /// A picture pasted from the clipboard (RGBA), saved as a PNG and added.
    PasteImage {
        width: u32,
        height: u32,
        rgba: Arc<Vec<u8>>,
    },
    Remove(TileKey),
    SetAlt(TileKey, String),
    Pause(TileKey),
    Resume(TileKey),
    Cancel(TileKey),
    Retry(TileKey),
    /// Continue an upload interrupted last time (the app quit mid-upload).
    Continue(TileKey),
    /// Upload it again from the beginning instead.
    StartOver(TileKey),
    /// X's processing refused the video: convert it with ffmpeg and upload that.
    ConvertForX(TileKey),
    /// The composer's text changed (kept in the draft).
    DraftText(String),
    /// Post now, or as soon as every upload is ready.
    Post(String),
    /// Make the draft a thread: one more post at its end.
    AddPost,
    /// Remove post N (0-based) of the thread, with its files.
    RemovePost(usize),
    /// Move post N one place up (or down).
    MovePost {
        post: usize,
        up: bool,
    },
    /// The text of post N (N ≥ 1; the first is `DraftText`).
    PostText(usize, String),
    /// The file dialog, for post N of the thread.
    OpenFileDialogFor(usize),
    /// A thread stopped part way: post what is left, replying to the last
    /// post that went out.
    PostTheRest,
    CancelPost,
    /// Post the composed draft at this time (Unix seconds) instead: it
    /// moves to the queue, its uploads go on now.
    Schedule {
        text: String,
        at: u64,
    },
    /// A queued item (by id): back into the composer, out now, or dropped.
    QueueEdit(String),
    QueuePostNow(String),
    /// A failed item's uploads again, for its time (nothing posts early).
    QueueTryAgain(String),
    QueueCancel(String),
    DeletePost(String),
    SaveSettings(SettingsForm),
    OpenUrl(String),
    OpenLogFolder,
    /// Run the checks of `x-uploader doctor` (Settings' "Check setup").
    CheckSetup,
    /// A desktop notification (the window is not focused).
    Notify {
        title: String,
        body: String,
    },
    /// Captions, content warnings, who can reply.
    Extras(ExtrasCommand),
}

/// Settings as the Settings screen edits them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingsForm {
    pub client_id: String,
    /// `None`: leave as is; `Some("")`: remove; else store in the keychain.
    pub client_secret: Option<Secret>,
    pub redirect_uris: Vec<String>,
    pub chunk_mib: Option<f64>,
    pub parallel: Option<usize>,
    pub theme: Option<String>,
    pub text_scale: Option<f32>,
    /// Send location in photos and videos as it is (`[upload] keep_location`).
    pub keep_location: Option<bool>,
    /// Make photos fit X (`[photos] convert`; on unless `Some(false)`).
    pub convert_photos: Option<bool>,
    /// Start at login while posts wait (`[startup]`; on unless `Some(false)`).
    pub start_at_login: Option<bool>,
}

/// What became of one of the composer's files.
#[derive(Debug, Clone, PartialEq)]
pub enum TileEvent {
    /// The tile as it is now (new, or changed): the window draws this.
    Changed(Box<Tile>),
    /// A small RGBA preview of a photo or GIF.
    Thumbnail {
        width: u32,
        height: u32,
        rgba: Arc<Vec<u8>>,
    },
    Removed,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PostState {
    Idle,
    /// "Will post when uploads finish"
    WaitingForUploads,
    Posting,
    Posted {
        post_id: String,
        handle: String,
        /// Where "View on X" goes (the practice server's page in practice mode).
        view_url: String,
    },
    Failed(String),
    Deleted(String),
    /// A thread stopped part way: the posts before are on X ("Posts 1–2
    /// are on X. Post 3 wasn't posted: …"); "Post the rest" goes on.
    ThreadStopped(String),
}

/// Who can sign in where, as the first screen needs to know.
#[derive(Debug, Clone, PartialEq)]
pub struct Mode {
    pub practice: bool,
    /// Is an X app (client id) configured?
    pub configured: bool,
    /// What Settings show.
    pub settings: SettingsForm,
    pub has_client_secret: bool,
    /// Where the client id in force comes from ("Set by X_UPLOADER_CLIENT_ID…").
    pub client_id_source: String,
    pub defaults_note: String,
    pub log_dir: PathBuf,
    /// The practice server's address, in practice mode.
    pub practice_base: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    Mode(Mode),
    Accounts {
        accounts: Vec<Account>,
        active: Option<Account>,
    },
    /// The browser is (or should be) open at `url`.
    SignInWaiting {
        url: String,
        browser_opened: bool,
    },
    SignedIn(Account),
    /// A sign-in attempt ended without signing in (cancelled, refused, …).
    SignInFailed(String),
    /// The keychain can't be used: offer to keep the sign-in for this run.
    KeychainProblem(String),
    /// An account's sign-in ended at X: uploads wait for a new sign-in.
    SignInExpired {
        handle: String,
        message: String,
    },
    DraftText(String),
    /// The thread's posts after the first, and how many are on X.
    Thread(ThreadView),
    Tile(TileKey, TileEvent),
    Post(PostState),
    /// A short message for the user (no file dialog, nothing to paste, …).
    Notice(String),
    /// What "Check setup" found.
    SetupChecked(crate::core::doctor::Report),
    /// Who can reply to the post (the account's default; `None`: everyone).
    ReplySettings(Option<String>),
    /// The posts waiting for their time, soonest first.
    Queue(Vec<QueueItem>),
}

/// How the service starts.
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    pub config: Config,
    pub practice: bool,
    /// Files from the command line, for the composer.
    pub files: Vec<PathBuf>,
    /// Open the system browser for sign-in (tests drive the URL themselves).
    pub open_browser: bool,
    /// Let the practice server approve sign-in at once (tests).
    pub practice_auto_approve: bool,
    /// Practice server processing time in seconds.
    pub practice_processing_secs: f64,
    /// Callback URLs for practice sign-in (default: ports 8765–8769).
    pub practice_redirect_uris: Option<Vec<String>>,
    /// Practice link speed in Mbit/s (demos of a slow office link).
    pub practice_bandwidth_mbps: Option<f64>,
    /// What "now" is for scheduled posts (tests move it on).
    pub clock: crate::core::clock::Clock,
}

/// The window's handle on the service thread. Dropping it stops the
/// uploads where they are and writes the draft, without waiting for the
/// network.
pub struct Service {
    commands: mpsc::UnboundedSender<Command>,
    thread: Option<JoinHandle<()>>,
    /// Says the draft and journal are written (at shutdown).
    saved: std::sync::mpsc::Receiver<()>,
}

/// The longest a closing window waits for the draft to be written.
const SAVE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

impl Service {
    pub fn start(
        options: ServiceOptions,
        waker: Waker,
    ) -> (Service, std::sync::mpsc::Receiver<AppEvent>) {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (events, event_rx) = std::sync::mpsc::channel();
        let (saved_tx, saved) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("x-uploader-service".into())
            .spawn(move || worker::run(options, command_rx, events, waker, saved_tx))
            .ok();
        (
            Service {
                commands,
                thread,
                saved,
            },
            event_rx,
        )
    }

    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // Closing the channel ends the loop: uploads are cancelled where
        // they stand (their journal records say how far they got), the
        // draft is written, and only that is waited for. The engine's
        // runtime winds down on its own thread as the process exits.
        let (closed, _) = mpsc::unbounded_channel();
        self.commands = closed;
        let started = std::time::Instant::now();
        match self.saved.recv_timeout(SAVE_PATIENCE) {
            Ok(()) => tracing::info!("service saved in {:?}", started.elapsed()),
            // The thread ended without a word (it never started its engine).
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                tracing::warn!("the draft was not written within {SAVE_PATIENCE:?}")
            }
        }
        // Detached: never joined on the window's thread.
        drop(self.thread.take());
    }
}
