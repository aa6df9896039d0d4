//! The tray icon while scheduled posts wait. Nothing posts while nothing
//! runs, so while posts wait the app offers an icon near the clock: its
//! tooltip says how many wait and when the next goes out, and its menu
//! opens the window or quits (the posts then wait for the next start).
//!
//! Linux: a StatusNotifierItem (KDE, GNOME with the AppIndicator extension,
//! Xfce, Cinnamon, wlroots bars…) through `ksni`, on its own thread, so the
//! window never waits for D-Bus. Where no tray host runs (no
//! `org.kde.StatusNotifierWatcher` on the session bus, or no session bus)
//! nothing shows and nothing fails: [`Tray::status`] says
//! [`Status::NoHost`] and the window says it stays in the taskbar instead.
//! A host that comes later (the app started at login before the panel)
//! gets the item then.
//!
//! macOS and Windows are not built here (no cross toolchains on the build
//! machine): there the tray is a no-op that reports [`Status::NoHost`]. The
//! crate to use there is `tray-icon` (a menu-bar item / notification-area
//! icon); it isn't used on Linux because it pulls in GTK.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

/// What the tray says while posts wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// How many scheduled posts wait.
    pub count: usize,
    /// When the next goes out: "Today 14:00".
    pub next_when: String,
    /// The next as the queue lists it: "Today 14:00 · 2 photos · “Our…”".
    pub next_label: String,
}

impl Waiting {
    /// "2 scheduled posts wait · next Today 14:00"
    pub fn tooltip(&self) -> String {
        let posts = if self.count == 1 {
            "1 scheduled post waits".to_string()
        } else {
            format!("{} scheduled posts wait", self.count)
        };
        format!("{posts} · next {}", self.next_when)
    }
}

/// What the person asked for from the tray icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// "Open X Uploader", or a click on the icon.
    Open,
    /// "Quit": the posts wait for the next start.
    Quit,
}

/// Whether the icon is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing waits, so there is no icon.
    Off,
    /// Posts wait; the tray thread is still asking the desktop.
    Starting,
    /// A tray host shows the icon.
    Shown,
    /// No tray host on this desktop (or no session bus): no icon.
    NoHost,
}

/// From the tray's thread to the window.
enum Note {
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    Request(Request),
    Shown(bool),
}

/// Wakes the window (`egui::Context::request_repaint`) after a note.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// The window's end of the tray: cheap, never blocks.
pub struct Tray {
    wake: Wake,
    /// To the tray's thread, started the first time posts wait.
    to_thread: Option<Sender<Option<Waiting>>>,
    notes_in: Sender<Note>,
    notes: Receiver<Note>,
    wanted: Option<Waiting>,
    status: Status,
}

impl Tray {
    pub fn new(wake: Wake) -> Tray {
        let (notes_in, notes) = channel();
        Tray {
            wake,
            to_thread: None,
            notes_in,
            notes,
            wanted: None,
            status: Status::Off,
        }
    }

    /// Show the icon saying `wanted`, or take it away (`None`). Cheap to
    /// call every frame: only a change reaches the tray's thread.
    pub fn show(&mut self, wanted: Option<Waiting>) {
        if wanted == self.wanted {
            return;
        }
        let was_off = self.wanted.is_none();
        self.wanted = wanted.clone();
        if wanted.is_none() {
            self.status = Status::Off;
            if self.to_thread.is_none() {
                return;
            }
        } else if was_off {
            self.status = Status::Starting;
        }
        let (wake, notes) = (self.wake.clone(), self.notes_in.clone());
        let to_thread = self
            .to_thread
            .get_or_insert_with(|| platform::start(notes, wake));
        if to_thread.send(wanted).is_err() {
            // The thread couldn't start or ended: no icon, said as such.
            self.to_thread = None;
            self.status = Status::NoHost;
        }
    }

    pub fn status(&self) -> Status {
        self.status
    }

    /// The next thing asked for from the tray, if any (call each frame).
    pub fn next_request(&mut self) -> Option<Request> {
        while let Ok(note) = self.notes.try_recv() {
            match note {
                Note::Request(request) => return Some(request),
                Note::Shown(shown) if self.wanted.is_some() => {
                    self.status = if shown { Status::Shown } else { Status::NoHost };
                }
                Note::Shown(_) => {}
            }
        }
        None
    }
}

/// Send a note to the window and wake it.
fn tell(notes: &Sender<Note>, wake: &Wake, note: Note) {
    if notes.send(note).is_ok() {
        wake();
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use std::sync::LazyLock;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::{Receiver, Sender, channel};

    use ksni::blocking::{Handle, TrayMethods as _};
    use ksni::menu::{MenuItem, StandardItem};

    use super::{Note, Request, Waiting, Wake, tell};

    /// The app's icon in the sizes trays draw (ARGB32, network byte order).
    static ICONS: LazyLock<Vec<ksni::Icon>> = LazyLock::new(|| {
        [
            &include_bytes!("../../assets/icons/x-uploader-16.png")[..],
            &include_bytes!("../../assets/icons/x-uploader-24.png")[..],
            &include_bytes!("../../assets/icons/x-uploader-32.png")[..],
            &include_bytes!("../../assets/icons/x-uploader-48.png")[..],
            &include_bytes!("../../assets/icons/x-uploader-64.png")[..],
        ]
        .into_iter()
        .filter_map(|png| image::load_from_memory_with_format(png, image::ImageFormat::Png).ok())
        .map(|image| {
            let rgba = image.into_rgba8();
            let (width, height) = rgba.dimensions();
            let mut data = rgba.into_raw();
            for pixel in data.chunks_exact_mut(4) {
                pixel.rotate_right(1); // RGBA → ARGB
            }
            ksni::Icon {
                width: width as i32,
                height: height as i32,
                data,
            }
        })
        .collect()
    });

    /// The StatusNotifierItem. Its methods run on ksni's D-Bus thread and
    /// only send notes (a channel and a repaint), never wait for the window.
    struct Item {
        waiting: Waiting,
        notes: Sender<Note>,
        wake: Wake,
        /// A tray host has the item (false while no watcher is on the bus).
        online: AtomicBool,
    }

    impl Item {
        fn ask(&self, request: Request) {
            tell(&self.notes, &self.wake, Note::Request(request));
        }
    }

    impl ksni::Tray for Item {
        fn id(&self) -> String {
            "x-uploader".into()
        }
        fn title(&self) -> String {
            "X Uploader".into()
        }
        fn icon_name(&self) -> String {
            // Installed by the .deb; hosts without it draw the pixmaps.
            "io.github.xuploader.XUploader".into()
        }
        fn icon_pixmap(&self) -> Vec<ksni::Icon> {
            ICONS.clone()
        }
        fn tool_tip(&self) -> ksni::ToolTip {
            ksni::ToolTip {
                title: "X Uploader".into(),
                description: self.waiting.tooltip(),
                icon_name: String::new(),
                icon_pixmap: Vec::new(),
            }
        }
        fn activate(&mut self, _x: i32, _y: i32) {
            self.ask(Request::Open);
        }
        fn menu(&self) -> Vec<MenuItem<Self>> {
            vec![
                StandardItem {
                    label: "Open X Uploader".into(),
                    activate: Box::new(|item: &mut Item| item.ask(Request::Open)),
                    ..Default::default()
                }
                .into(),
                StandardItem {
                    // A lone underscore would mark an access key.
                    label: format!("Next: {}", self.waiting.next_label.replace('_', "__")),
                    enabled: false,
                    ..Default::default()
                }
                .into(),
                MenuItem::Separator,
                StandardItem {
                    label: "Quit".into(),
                    activate: Box::new(|item: &mut Item| item.ask(Request::Quit)),
                    ..Default::default()
                }
                .into(),
            ]
        }
        fn watcher_online(&self) {
            self.online.store(true, Ordering::SeqCst);
            tell(&self.notes, &self.wake, Note::Shown(true));
        }
        fn watcher_offline(&self, reason: ksni::OfflineReason) -> bool {
            tracing::info!("no tray host ({reason:?}); the icon shows when one comes");
            self.online.store(false, Ordering::SeqCst);
            tell(&self.notes, &self.wake, Note::Shown(false));
            true // keep the item: ksni registers it when a host comes (back)
        }
    }

    pub(super) fn start(notes: Sender<Note>, wake: Wake) -> Sender<Option<Waiting>> {
        let (to_thread, wanted) = channel();
        let started = std::thread::Builder::new()
            .name("tray".into())
            .spawn(move || run(wanted, notes, wake));
        if let Err(e) = started {
            tracing::warn!("no tray icon: its thread didn't start: {e}");
        }
        to_thread
    }

    /// The tray's thread: puts the item on the bus, updates it, takes it
    /// away; ends when the window drops its end.
    fn run(wanted: Receiver<Option<Waiting>>, notes: Sender<Note>, wake: Wake) {
        let mut handle: Option<Handle<Item>> = None;
        while let Ok(mut latest) = wanted.recv() {
            while let Ok(newer) = wanted.try_recv() {
                latest = newer;
            }
            let Some(waiting) = latest else {
                if let Some(handle) = handle.take() {
                    handle.shutdown().wait();
                }
                continue;
            };
            if let Some(h) = &handle {
                let next = waiting.clone();
                if h.update(move |item| item.waiting = next).is_some() {
                    continue;
                }
                handle = None;
            }
            let item = Item {
                waiting,
                notes: notes.clone(),
                wake: wake.clone(),
                online: AtomicBool::new(true),
            };
            // With no tray host yet (the app started at login before the
            // panel, or a desktop without one) the item stays on the bus,
            // said offline, and registers when a host comes.
            match item.assume_sni_available(true).spawn() {
                Ok(h) => {
                    if h.update(|item| item.online.load(Ordering::SeqCst)) == Some(true) {
                        tell(&notes, &wake, Note::Shown(true));
                    }
                    handle = Some(h);
                }
                Err(e) => {
                    tracing::info!("no tray icon: {e}");
                    tell(&notes, &wake, Note::Shown(false));
                }
            }
        }
        if let Some(handle) = handle {
            handle.shutdown().wait();
        }
    }
}

/// No tray here yet (see the module's comment): the window says the app
/// stays in the taskbar or the Dock.
#[cfg(not(target_os = "linux"))]
mod platform {
    use std::sync::mpsc::{Sender, channel};

    use super::{Note, Waiting, Wake, tell};

    pub(super) fn start(notes: Sender<Note>, wake: Wake) -> Sender<Option<Waiting>> {
        tell(&notes, &wake, Note::Shown(false));
        channel().0
    }
}
