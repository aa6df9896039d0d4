//! The tray icon while scheduled posts wait. The test plays the desktop's
//! tray host: a tiny `org.kde.StatusNotifierWatcher` on the test run's
//! private session bus, which the app's StatusNotifierItem registers with;
//! then it reads the item's title, tooltip and menu as a tray would, and
//! clicks them. Without a watcher nothing shows and the close question
//! says the window stays in the taskbar, until a watcher comes; without a
//! session bus at all nothing fails.
//!
//! The session bus is shared by every test in this process, and the
//! watcher's name is one per bus: the two tests on it take turns (a lock);
//! other window tests' items may register with this watcher while it runs,
//! so the test finds its own by its post's words.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use egui::ViewportCommand;
use egui_kittest::kittest::Queryable as _;
use x_uploader::core::tray::Status;
use zbus::blocking::{Connection, Proxy};
use zbus::fdo::RequestNameFlags;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Structure, Value};

use super::schedule::{HOUR, ask_to_close, commands};
use super::{Gui, Setup};
use crate::support::*;

const WATCHER: &str = "org.kde.StatusNotifierWatcher";

/// One test at a time owns (or needs the absence of) the watcher's name.
fn bus_turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn session_bus() -> Connection {
    Connection::session()
        .expect("a D-Bus session bus (scripts/test.sh runs the tests under dbus-run-session)")
}

fn watcher_on_the_bus(bus: &Connection) -> bool {
    zbus::blocking::fdo::DBusProxy::new(bus)
        .unwrap()
        .name_has_owner(WATCHER.try_into().unwrap())
        .unwrap()
}

/// The desktop's side: items register here, as with KDE's or GNOME's.
struct Watcher {
    items: Arc<Mutex<Vec<String>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(&self, service: String) {
        self.items.lock().unwrap().push(service);
    }
    fn register_status_notifier_host(&self, _service: String) {}
    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.lock().unwrap().clone()
    }
    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

fn start_watcher() -> (Connection, Arc<Mutex<Vec<String>>>) {
    let items = Arc::new(Mutex::new(Vec::new()));
    let watcher = Watcher {
        items: items.clone(),
    };
    let bus = zbus::blocking::connection::Builder::session()
        .unwrap()
        .serve_at("/StatusNotifierWatcher", watcher)
        .unwrap()
        .build()
        .expect("a D-Bus session bus (scripts/test.sh runs the tests under dbus-run-session)");
    bus.request_name_with_flags(WATCHER, RequestNameFlags::DoNotQueue.into())
        .expect("no other tray host on this test bus");
    (bus, items)
}

/// A proxy that reads properties fresh each time (the item announces
/// changes by its own signals, not PropertiesChanged).
fn proxy<'a>(bus: &Connection, name: &str, path: &str, interface: &'a str) -> Proxy<'a> {
    zbus::blocking::proxy::Builder::new(bus)
        .destination(name.to_string())
        .unwrap()
        .path(path.to_string())
        .unwrap()
        .interface(interface)
        .unwrap()
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .unwrap()
}

struct Item {
    sni: Proxy<'static>,
    menu: Proxy<'static>,
}

/// A line of the item's menu: (id, label, enabled).
type Line = (i32, String, bool);

impl Item {
    /// The item `name` registered, if it is still on the bus (other
    /// tests' windows come and go).
    fn open(bus: &Connection, name: &str) -> Option<Item> {
        let sni = proxy(
            bus,
            name,
            "/StatusNotifierItem",
            "org.kde.StatusNotifierItem",
        );
        let menu_path: OwnedObjectPath = sni.get_property("Menu").ok()?;
        let menu = proxy(bus, name, menu_path.as_str(), "com.canonical.dbusmenu");
        Some(Item { sni, menu })
    }

    /// The tooltip's title and text.
    fn tooltip(&self) -> (String, String) {
        type Pixmaps = Vec<(i32, i32, Vec<u8>)>;
        let (_, _, title, text): (String, Pixmaps, String, String) =
            self.sni.get_property("ToolTip").unwrap();
        (title, text)
    }

    /// The menu as a tray draws it (GetLayout from the root, all levels).
    fn lines(&self) -> Vec<Line> {
        self.try_lines().unwrap()
    }

    fn try_lines(&self) -> zbus::Result<Vec<Line>> {
        type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        let (_revision, (_, _, children)): (u32, Layout) = self
            .menu
            .call("GetLayout", &(0i32, -1i32, Vec::<String>::new()))?;
        let mut lines = Vec::new();
        for child in children {
            menu_lines(Value::from(child), &mut lines);
        }
        Ok(lines)
    }

    fn click(&self, label: &str) {
        let lines = self.lines();
        let (id, ..) = lines
            .iter()
            .find(|(_, l, _)| l == label)
            .unwrap_or_else(|| panic!("no {label:?} in the menu {lines:?}"));
        let data = Value::from(0i32);
        self.menu
            .call_method("Event", &(*id, "clicked", data, 0u32))
            .unwrap();
    }
}

/// The menu item in `value` (a variant holding `(ia{sv}av)`) and the
/// items under it.
fn menu_lines(value: Value<'_>, out: &mut Vec<Line>) {
    let value = match value {
        Value::Value(inner) => *inner,
        other => other,
    };
    let mut fields = Structure::try_from(value).unwrap().into_fields();
    let children: Vec<Value> = fields.pop().unwrap().try_into().unwrap();
    let props: HashMap<String, Value> = fields.pop().unwrap().try_into().unwrap();
    let id: i32 = fields.pop().unwrap().try_into().unwrap();
    let label = props
        .get("label")
        .and_then(|v| String::try_from(plain(v)).ok())
        .unwrap_or_default();
    let enabled = props
        .get("enabled")
        .and_then(|v| bool::try_from(plain(v)).ok())
        .unwrap_or(true);
    out.push((id, label, enabled));
    for child in children {
        menu_lines(child, out);
    }
}

/// A property's value, out of its variant.
fn plain<'a>(v: &Value<'a>) -> Value<'a> {
    match v {
        Value::Value(inner) => inner.try_clone().unwrap(),
        other => other.try_clone().unwrap(),
    }
}

impl Gui {
    /// Close the window: the question is asked, with `words` and without
    /// `not`.
    fn close_question_says(&mut self, words: &str, not: &str) {
        assert!(ask_to_close(self).contains(&ViewportCommand::CancelClose));
        self.harness.step();
        assert!(self.harness.query_by_label_contains(words).is_some());
        let not_there = self.harness.query_all_by_label_contains(not).count();
        assert_eq!(not_there, 0, "the question doesn't say {not:?}");
    }

    /// Frames until the window asks the desktop for `command`.
    fn until_command(&mut self, what: &str, command: &ViewportCommand) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !commands(self).contains(command) {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            self.harness.step();
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn with_a_tray_host_the_icon_shows_while_posts_wait_and_opens_or_quits_the_app() {
    let _turn = bus_turn();
    let (bus, registered) = start_watcher();
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    gui.sign_in(NEWS);
    // Underscores mark access keys in a menu: the item doubles them.
    let token = format!("Tray_{}", rand::random::<u32>());
    gui.type_post(&format!("{token} tonight"));
    gui.post_at(2 * HOUR);
    gui.type_post("And one later");
    gui.post_at(3 * HOUR);
    gui.until("the icon is shown", |app| {
        app.tray.status() == Status::Shown
    });
    let next = gui.app().model.queue[0].label.clone();
    let when = next.split(" · ").next().unwrap().to_string();
    assert!(when.starts_with("Today ") || when.starts_with("Tomorrow "));

    // Ours among whatever else registered (other tests' windows).
    let next_line = format!("Next: {}", next.replace('_', "__"));
    assert!(next_line.contains(&token.replace('_', "__")));
    let mut item = None;
    until("the app's item registered with the watcher", || {
        let names = registered.lock().unwrap().clone();
        item = names
            .into_iter()
            .filter_map(|n| Item::open(&bus, &n))
            .find(|i| {
                i.try_lines()
                    .is_ok_and(|lines| lines.iter().any(|(_, l, _)| *l == next_line))
            });
        item.is_some()
    });
    let item = item.unwrap();
    let title: String = item.sni.get_property("Title").unwrap();
    assert_eq!(title, "X Uploader");
    assert_eq!(
        item.tooltip(),
        (
            "X Uploader".to_string(),
            format!("2 scheduled posts wait · next {when}")
        )
    );
    let icons: Vec<(i32, i32, Vec<u8>)> = item.sni.get_property("IconPixmap").unwrap();
    assert!(icons.len() >= 2, "a couple of sizes");
    for (w, h, argb) in &icons {
        // The app's icon of that size, as ARGB32 (alpha first).
        let png = format!(
            "{}/assets/icons/x-uploader-{w}.png",
            env!("CARGO_MANIFEST_DIR")
        );
        let rgba = image::open(&png).unwrap().into_rgba8();
        assert_eq!((rgba.width(), rgba.height()), (*w as u32, *h as u32));
        let want: Vec<u8> = rgba
            .pixels()
            .flat_map(|p| [p[3], p[0], p[1], p[2]])
            .collect();
        assert!(*argb == want, "the {w}×{h} pixmap is {png} in ARGB");
    }
    let labels: Vec<(String, bool)> = item.lines().into_iter().map(|(_, l, e)| (l, e)).collect();
    let open = ("Open X Uploader".to_string(), true);
    let quit = ("Quit".to_string(), true);
    assert!(labels.contains(&open), "{labels:?}");
    assert!(labels.contains(&(next_line, false)), "{labels:?}");
    assert!(labels.contains(&quit), "{labels:?}");

    // The close question says where the app will be.
    gui.close_question_says("stays in the tray", "taskbar");
    gui.click("Cancel");

    // A click on the icon, and its menu's Open, bring the window back.
    item.sni.call_method("Activate", &(0i32, 0i32)).unwrap();
    gui.until_command(
        "the icon's click un-minimises",
        &ViewportCommand::Minimized(false),
    );
    assert!(commands(&gui).contains(&ViewportCommand::Focus));
    gui.harness.step();
    item.click("Open X Uploader");
    gui.until_command("Open un-minimises", &ViewportCommand::Minimized(false));

    // Quit closes for real; the posts stay queued for the next start.
    assert!(!gui.app().view.quit_anyway);
    item.click("Quit");
    gui.until_command("Quit closes the window", &ViewportCommand::Close);
    assert!(gui.app().view.quit_anyway);
    assert_eq!(gui.app().model.queue.len(), 2);

    // One fewer: the tooltip follows; none: the item leaves the bus.
    gui.click(&format!("Cancel: {next}"));
    gui.until("one is cancelled", |app| app.model.queue.len() == 1);
    let last = gui.app().model.queue[0].label.clone();
    let when = last.split(" · ").next().unwrap();
    until("the tooltip and the menu say the one left", || {
        item.tooltip().1 == format!("1 scheduled post waits · next {when}")
            && item
                .lines()
                .iter()
                .any(|(_, l, _)| *l == format!("Next: {last}"))
    });
    gui.click(&format!("Cancel: {last}"));
    gui.until("none wait", |app| app.model.queue.is_empty());
    let dbus = zbus::blocking::fdo::DBusProxy::new(&bus).unwrap();
    let name = item.sni.inner().destination().to_owned();
    until("the item is gone from the bus", || {
        !dbus.name_has_owner(name.clone()).unwrap()
    });
    assert_eq!(gui.app().tray.status(), Status::Off);
    bus.close().unwrap();
}

#[test]
fn without_a_tray_host_the_window_stays_in_the_taskbar_until_a_host_comes() {
    let _turn = bus_turn();
    // (A watcher the other test dropped may take a moment to leave.)
    let bus = session_bus();
    until(
        "no tray host is on the bus (scripts/test.sh's private bus has none)",
        || !watcher_on_the_bus(&bus),
    );
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    gui.sign_in(NEWS);
    gui.type_post("Goes out tonight");
    gui.post_at(2 * HOUR);
    gui.until("the tray gave up quietly", |app| {
        app.tray.status() == Status::NoHost
    });
    gui.close_question_says("stays minimised in the taskbar", "tray");
    gui.harness
        .get_by_label("Keep running in the background")
        .click();
    gui.harness.step();
    assert!(commands(&gui).contains(&ViewportCommand::Minimized(true)));

    // The desktop's panel starts later (as at login): the icon comes then,
    // and goes with it.
    let (host, registered) = start_watcher();
    gui.until("the icon is shown", |app| {
        app.tray.status() == Status::Shown
    });
    until("the item registered", || {
        !registered.lock().unwrap().is_empty()
    });
    host.close().unwrap();
    gui.until("the icon is gone with the host", |app| {
        app.tray.status() == Status::NoHost
    });
}

/// Set in the copy of the test binary that runs without a session bus.
const NO_BUS_CHILD: &str = "X_UPLOADER_TEST_TRAY_WITHOUT_A_BUS";

#[test]
fn without_a_session_bus_the_tray_stays_away_and_nothing_fails() {
    if std::env::var_os(NO_BUS_CHILD).is_some() {
        // In the copy: the bus can't be reached, the tray says so.
        assert!(Connection::session().is_err(), "no session bus here");
        let mut tray = x_uploader::core::tray::Tray::new(Arc::new(|| {}));
        tray.show(Some(x_uploader::core::tray::Waiting {
            count: 1,
            next_when: "Today 14:00".into(),
            next_label: "Today 14:00 · “Goes out”".into(),
        }));
        until("the tray gives up", || {
            tray.next_request();
            tray.status() == Status::NoHost
        });
        return;
    }
    // The bus address is the process's: run this test in a copy of the
    // test binary whose address leads nowhere.
    let dir = temp_dir();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "--test-threads=1"])
        .arg("window::tray::without_a_session_bus_the_tray_stays_away_and_nothing_fails")
        .env(NO_BUS_CHILD, "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", dir.path().join("no-bus").display()),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
