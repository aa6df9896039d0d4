//! The service loop: commands from the window, results of its own tasks,
//! sign-in and accounts, practice mode and settings. Media are in
//! `tiles.rs` and `uploads.rs`, posting in `posting.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use super::files::FileWriter;
use super::tiles::Slot;
use super::{AppEvent, Command, Mode, PostState, ServiceOptions, SettingsForm, TileKey, Waker};
use crate::core::auth::{Account, Auth, SecretStore};
use crate::core::config::{Config, FileConfig, Paths};
use crate::core::draft::file::{Draft, DraftItem};
use crate::core::engine::post::Published;
use crate::core::engine::thread::ThreadStopped;
use crate::core::engine::{self, Engine, UploadId, Uploaded};
use crate::core::media::check::{CheckedMedia, Refusal};
use crate::core::practice::{self, PracticeOptions, PracticeServer};
use crate::core::xclient::XError;

/// Results of the service's own tasks, back on the loop.
pub(super) enum Internal {
    SignedIn(Result<Account, XError>),
    KeychainChecked(Result<(), String>),
    SaveDraft,
    Checked(TileKey, Box<Result<CheckedMedia, Refusal>>),
    /// A photo started converting: what the tile says meanwhile.
    Preparing(TileKey, String),
    ConvertProgress(TileKey, f32),
    Converted(TileKey, std::path::PathBuf, Box<super::convert::Conversion>),
    Engine(u64, engine::Event),
    UploadDone(u64, UploadId, Result<Uploaded, XError>),
    PostDone(Result<Published, XError>),
    ThreadDone(Result<Vec<Published>, ThreadStopped>),
    Deleted(Result<String, XError>),
    FilesPicked(Vec<std::path::PathBuf>, bool),
    SignedOut(Result<Option<String>, XError>),
    Notice(String),
    SetupChecked(crate::core::doctor::Report),
    Captions(super::captions::CaptionsInternal),
    Queue(super::queue::QueueDone),
}

/// Signed in: one engine per account session.
pub(super) struct Session {
    pub id: u64,
    pub account: Account,
    pub engine: Arc<Engine>,
}

impl Session {
    /// The account as the engine names the poster.
    pub fn me(&self) -> crate::core::xclient::api::User {
        let a = &self.account;
        crate::core::xclient::api::User {
            id: a.id.clone(),
            username: a.username.clone(),
            name: a.name.clone(),
            subscription_type: a.subscription_type.clone(),
        }
    }
}

pub(super) struct Worker {
    pub options: ServiceOptions,
    pub config: Config,
    pub auth: Auth,
    pub practice: Option<PracticeServer>,
    pub session: Option<Session>,
    pub sessions: u64,
    pub tiles: BTreeMap<TileKey, Slot>,
    pub next_key: TileKey,
    pub sign_in_cancel: Option<Arc<AtomicBool>>,
    pub pending_post: Option<String>,
    pub posting: bool,
    pub draft_text: String,
    /// The posts after the first, and what of the thread went out.
    pub thread: super::thread::ThreadDraft,
    pub draft_save_pending: bool,
    /// Posts waiting for their time.
    pub queue: super::queue::Queue,
    /// Blocking file work, in order, off the runtime.
    pub files: FileWriter,
    /// Captions, who can reply.
    pub extras: super::extras::ExtrasState,
    events: std::sync::mpsc::Sender<AppEvent>,
    waker: Waker,
    pub internal: mpsc::UnboundedSender<Internal>,
}

pub(super) fn run(
    options: ServiceOptions,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: std::sync::mpsc::Sender<AppEvent>,
    waker: Waker,
    saved: std::sync::mpsc::Sender<()>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("x-uploader-engine")
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = events.send(AppEvent::Notice(format!(
                "X Uploader could not start its engine: {e}"
            )));
            waker();
            return;
        }
    };
    runtime.block_on(async move {
        let (internal, mut internal_rx) = mpsc::unbounded_channel();
        let config = options.config.clone();
        let mut w = Worker {
            auth: Auth::with_keychain(config.clone()),
            config,
            practice: None,
            session: None,
            sessions: 0,
            tiles: BTreeMap::new(),
            next_key: 1,
            sign_in_cancel: None,
            pending_post: None,
            posting: false,
            draft_text: String::new(),
            thread: Default::default(),
            draft_save_pending: false,
            queue: Default::default(),
            files: FileWriter::start(),
            extras: Default::default(),
            events,
            waker,
            internal,
            options,
        };
        w.startup();
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(c) => w.command(c),
                    None => break,
                },
                Some(result) = internal_rx.recv() => w.internal(result),
            }
        }
        w.shutdown();
        // The practice server is ours and local: stopped before the window
        // goes (a window opened next may start another on its folder).
        drop(w);
        // The window may go now; the rest winds down with the process.
        let _ = saved.send(());
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
}

impl Worker {
    pub fn emit(&self, event: AppEvent) {
        if self.events.send(event).is_ok() {
            (self.waker)();
        }
    }

    /// Sends events from other threads (previews).
    pub fn event_sender(&self) -> super::tiles::EventSender {
        let (events, waker) = (self.events.clone(), self.waker.clone());
        Arc::new(move |e| {
            if events.send(e).is_ok() {
                waker();
            }
        })
    }

    fn startup(&mut self) {
        if self.options.practice {
            self.enter_practice();
        } else {
            self.enter_mode();
        }
        let files = std::mem::take(&mut self.options.files);
        if !files.is_empty() {
            self.add_files(0, files, None);
        }
    }

    fn shutdown(&mut self) {
        if let Some(s) = &self.session {
            s.engine.cancel_all();
        }
        self.save_draft();
        self.files.finish();
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::SignIn => self.sign_in(),
            Command::CancelSignIn => {
                if let Some(c) = self.sign_in_cancel.take() {
                    c.store(true, Ordering::SeqCst);
                }
            }
            Command::UseMemoryStore => {
                self.auth = Auth::new(self.auth.config.clone(), SecretStore::memory());
                self.emit(AppEvent::Notice(
                    "Your sign-in will be kept until you close X Uploader.".into(),
                ));
                self.sign_in();
            }
            Command::SignOut(id) => self.sign_out(&id),
            Command::SwitchAccount(id) => self.switch_account(&id),
            Command::StartPractice => self.enter_practice(),
            Command::LeavePractice => {
                self.save_draft();
                self.clear_tiles();
                self.practice = None;
                self.options.practice = false;
                self.config = self.options.config.clone();
                self.auth = Auth::with_keychain(self.config.clone());
                self.enter_mode();
            }
            Command::SaveSettings(form) => self.save_settings(form),
            Command::OpenUrl(url) => super::desktop::open_url(&url),
            Command::OpenLogFolder => {
                let dir = self.config.paths.log_dir();
                let _ = std::fs::create_dir_all(&dir);
                super::desktop::open_url(&dir.to_string_lossy());
            }
            Command::Notify { title, body } => super::desktop::notify(title, body),
            Command::CheckSetup => self.check_setup(),
            Command::Extras(c) => self.extras_command(c),
            Command::OpenFileDialog => {
                self.thread.target = self.last_post();
                super::desktop::pick_files(self.internal.clone())
            }
            Command::OpenFileDialogFor(post) => {
                self.thread.target = post;
                super::desktop::pick_files(self.internal.clone())
            }
            Command::PasteImage {
                width,
                height,
                rgba,
            } => {
                let (dir, internal) = (self.pasted_dir(), self.internal.clone());
                self.thread.target = self.last_post();
                // PNG encoding takes a while for a big screenshot: off the loop.
                tokio::task::spawn_blocking(move || {
                    let _ = internal.send(
                        match super::desktop::save_pasted(&dir, width, height, &rgba) {
                            Ok(path) => Internal::FilesPicked(vec![path], false),
                            Err(message) => Internal::Notice(message),
                        },
                    );
                });
            }
            other => self.tile_command(other),
        }
    }

    fn internal(&mut self, result: Internal) {
        match result {
            Internal::SignedIn(r) => self.signed_in(r),
            Internal::KeychainChecked(Ok(())) => self.begin_sign_in(),
            Internal::KeychainChecked(Err(message)) => {
                self.emit(AppEvent::KeychainProblem(message))
            }
            Internal::SaveDraft => {
                self.draft_save_pending = false;
                self.save_draft();
            }
            Internal::SignedOut(r) => {
                match r {
                    Ok(Some(warning)) => self.emit(AppEvent::Notice(warning)),
                    Ok(None) => {}
                    Err(e) => self.emit(AppEvent::Notice(e.message)),
                }
                self.load_accounts();
            }
            Internal::FilesPicked(files, too_fast) => {
                if files.is_empty() && too_fast {
                    self.emit(AppEvent::Notice(
                        "No file dialog could be opened on this computer. Drag photos or a video onto the window instead.".into(),
                    ));
                } else {
                    self.add_files(self.thread.target, files, None);
                }
            }
            Internal::Notice(message) => self.emit(AppEvent::Notice(message)),
            Internal::SetupChecked(report) => self.emit(AppEvent::SetupChecked(report)),
            Internal::Captions(c) => self.captions_internal(c),
            Internal::Queue(done) => self.queue_done(done),
            Internal::Checked(key, result) => self.checked(key, *result),
            Internal::Preparing(key, doing) => self.preparing(key, doing),
            Internal::ConvertProgress(key, f) => self.convert_progress(key, f),
            Internal::Converted(key, output, result) => self.converted(key, output, *result),
            Internal::Engine(session, event) => self.engine_event(session, event),
            Internal::UploadDone(session, id, result) => self.upload_done(session, id, result),
            Internal::PostDone(result) => self.post_done(result),
            Internal::ThreadDone(result) => self.thread_done(result),
            Internal::Deleted(Ok(post_id)) => self.post_state(PostState::Deleted(post_id)),
            Internal::Deleted(Err(e)) => self.post_state(PostState::Failed(e.message)),
        }
    }

    // ---- modes ----------------------------------------------------------

    /// Tell the window where we are, then load accounts and the draft.
    fn enter_mode(&mut self) {
        let file = self.config.file.clone();
        let mut redirect_uris = self.config.redirect_uris.clone();
        if self.options.practice {
            redirect_uris = self.practice_redirect_uris();
        }
        let settings = SettingsForm {
            client_id: self.options.config.client_id.clone().unwrap_or_default(),
            client_secret: None,
            redirect_uris,
            chunk_mib: file.upload.chunk_mib,
            parallel: file.upload.parallel,
            theme: file.appearance.theme.clone(),
            text_scale: file.appearance.text_scale,
            keep_location: file.upload.keep_location,
            convert_photos: file.photos.convert,
            start_at_login: self.options.config.file.startup.at_login_when_posts_wait,
        };
        let has_client_secret = !self.options.practice && self.auth.client_secret().is_some();
        self.emit(AppEvent::Mode(Mode {
            practice: self.options.practice,
            configured: self.config.client_id.is_some(),
            settings,
            has_client_secret,
            client_id_source: client_id_source(&self.options.config),
            defaults_note: format!(
                "Measured defaults: {} MiB pieces, {} at a time (fills a 200 Mbit/s link with 50 ms latency to 99 %).",
                engine::DEFAULT_SEGMENT_BYTES / crate::core::limits::MIB,
                engine::DEFAULT_PARALLEL
            ),
            log_dir: self.config.paths.log_dir(),
            practice_base: self.practice_base(),
        }));
        self.load_draft();
        self.load_accounts();
        self.load_queue();
    }

    fn enter_practice(&mut self) {
        if self.practice.is_some() {
            return;
        }
        // Files added while signed out (say, opened with X Uploader before
        // anyone signed in) haven't gone anywhere yet: they come along into
        // practice mode instead of vanishing from view.
        let mut carried: Vec<DraftItem> = Vec::new();
        if !self.options.practice {
            let mut moving = BTreeMap::new();
            if self.session.is_none() {
                let (m, staying): (BTreeMap<_, _>, BTreeMap<_, _>) =
                    std::mem::take(&mut self.tiles)
                        .into_iter()
                        .partition(|(_, s)| s.uploaded.is_none());
                self.tiles = staying;
                moving = m;
            }
            // Leaving the real draft (without the files that move) for the practice one.
            self.save_draft();
            carried = moving
                .values()
                .map(|s| DraftItem {
                    path: s.tile.path.clone(),
                    alt: s.tile.alt.clone(),
                    ..DraftItem::default()
                })
                .collect();
            self.tiles.extend(moving);
            self.clear_tiles();
        }
        let state_dir = self.options.config.paths.data_dir.join("practice-server");
        let redirect_uris = self.practice_redirect_uris();
        let server = PracticeServer::start(PracticeOptions {
            state_dir: Some(state_dir),
            processing_secs: self.options.practice_processing_secs,
            auto_approve: self.options.practice_auto_approve,
            bandwidth_mbps: self.options.practice_bandwidth_mbps,
            extra_redirect_uris: redirect_uris.clone(),
            ..PracticeOptions::default()
        });
        let server = match server {
            Ok(s) => s,
            Err(e) => {
                self.emit(AppEvent::Notice(format!(
                    "Practice mode could not start: {e}"
                )));
                return;
            }
        };
        let base = server.base_url().to_string();
        tracing::info!("practice mode on {base}");
        let paths = self.options.config.paths.clone();
        let file = self.options.config.file.clone();
        let keyring = format!("{}-practice", self.options.config.keyring_service);
        self.config = Config::from_parts(paths, file, &move |name| match name {
            "X_UPLOADER_API_BASE" => Some(base.clone()),
            "X_UPLOADER_CLIENT_ID" => Some(practice::PUBLIC_CLIENT_ID.into()),
            "X_UPLOADER_REDIRECT_URI" => Some(redirect_uris.join(",")),
            "X_UPLOADER_KEYRING_SERVICE" => Some(keyring.clone()),
            _ => None,
        });
        let store = if self.auth.store.is_memory() {
            SecretStore::memory()
        } else {
            SecretStore::keychain(self.config.keyring_service.clone())
        };
        self.auth = Auth::new(self.config.clone(), store);
        self.practice = Some(server);
        self.options.practice = true;
        self.enter_mode();
        if !carried.is_empty() {
            self.add_files(0, Vec::new(), Some(carried));
            self.save_draft();
        }
    }

    fn practice_redirect_uris(&self) -> Vec<String> {
        self.options
            .practice_redirect_uris
            .clone()
            .unwrap_or_else(practice::default_redirect_uris)
    }

    /// The doctor's checks for the settings in force (in practice mode, the
    /// practice server and its app), on the runtime; the answer comes back
    /// as [`AppEvent::SetupChecked`].
    fn check_setup(&self) {
        let paths = self.config.paths.clone();
        let mut overrides = vec![(
            "X_UPLOADER_KEYRING_SERVICE",
            self.config.keyring_service.clone(),
        )];
        if let Some(base) = self.practice_base() {
            overrides.push(("X_UPLOADER_API_BASE", base));
            overrides.push((
                "X_UPLOADER_CLIENT_ID",
                practice::PUBLIC_CLIENT_ID.to_string(),
            ));
        }
        let internal = self.internal.clone();
        tokio::spawn(async move {
            let report = crate::core::doctor::run_with(paths, overrides).await;
            let _ = internal.send(Internal::SetupChecked(report));
        });
    }

    pub fn practice_base(&self) -> Option<String> {
        self.practice.as_ref().map(|p| p.base_url().to_string())
    }

    fn save_settings(&mut self, form: SettingsForm) {
        let paths: Paths = self.options.config.paths.clone();
        let mut file: FileConfig = self.options.config.file.clone();
        file.client_id = Some(form.client_id.trim().to_string()).filter(|s| !s.is_empty());
        file.redirect_uris = form.redirect_uris.clone();
        file.upload.chunk_mib = form.chunk_mib;
        file.upload.parallel = form.parallel;
        file.appearance.theme = form.theme.clone();
        file.appearance.text_scale = form.text_scale;
        file.upload.keep_location = form.keep_location;
        file.photos.convert = form.convert_photos;
        file.startup.at_login_when_posts_wait = form.start_at_login;
        if let Err(e) = file.write(&paths.config_file()) {
            self.emit(AppEvent::Notice(e));
            return;
        }
        let real_store = SecretStore::keychain(self.options.config.keyring_service.clone());
        let secret_result = match &form.client_secret {
            None => Ok(()),
            Some(s) if s.is_empty() => real_store.delete_client_secret(),
            Some(s) => real_store.save_client_secret(s),
        };
        if let Err(e) = secret_result {
            self.emit(AppEvent::Notice(format!(
                "The client secret was not saved: {e}"
            )));
        }
        match Config::load(paths) {
            Ok(c) => self.options.config = c,
            Err(e) => self.emit(AppEvent::Notice(e)),
        }
        if !self.options.practice {
            self.config = self.options.config.clone();
            let store = self.auth.store.clone();
            self.auth = Auth::new(self.config.clone(), store);
        } else {
            // What is done to photos and videos applies in practice mode too.
            self.config.file.upload.keep_location = file.upload.keep_location;
            self.config.file.photos = file.photos.clone();
        }
        self.enter_mode();
        self.emit(AppEvent::Notice("Settings saved.".into()));
    }

    pub fn post_state(&self, state: PostState) {
        self.emit(AppEvent::Post(state));
    }

    pub fn draft_path(&self) -> std::path::PathBuf {
        Draft::path(&self.options.config.paths.data_dir, self.options.practice)
    }
}

/// Where the client id comes from, in the words Settings shows.
fn client_id_source(config: &Config) -> String {
    use crate::core::config::Source;
    match config.client_id_source {
        Source::Env => {
            "In use: the client id from X_UPLOADER_CLIENT_ID, which wins over this field."
        }
        Source::File => "In use: the client id saved here.",
        Source::BuildTime => {
            "In use: the client id built into this copy (a saved one wins over it)."
        }
        Source::Default => "No client id yet: sign-in needs one.",
    }
    .to_string()
}
