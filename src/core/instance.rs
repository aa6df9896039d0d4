//! One window per data folder and mode. The window takes a lock file
//! (`<data>/locks/window.lock`, `window-practice.lock` in practice mode,
//! which has its own draft and queue) for its whole life. A second start
//! finds it held and, instead of opening a second window on the same draft
//! and queue, asks the running one to come forward and take its files: one
//! line of JSON (`{"show": true, "files": [...]}`) on a Unix socket beside
//! the lock, which the running window listens on from a thread of its own.
//! A socket file left by a crashed window (its lock is free again) is
//! removed and bound anew.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

/// What a second start asks of the running window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Come forward (un-minimise, focus).
    #[serde(default)]
    pub show: bool,
    /// Files to add to the post, as if dropped on the window.
    #[serde(default)]
    pub files: Vec<PathBuf>,
}

/// Said when the running window can't be reached.
pub const ALREADY_OPEN: &str = "X Uploader is already open — look for it in the taskbar.";

/// The longest message read (a few thousand file names fit).
#[cfg(unix)]
const MAX_MESSAGE: u64 = 1 << 20;

type Waker = Arc<Mutex<Option<Arc<dyn Fn() + Send + Sync>>>>;

/// This process's window lock, held until dropped.
pub struct Instance {
    data_dir: PathBuf,
    socket: Option<PathBuf>,
    inbox: Option<Inbox>,
    _lock: File,
}

/// The messages of later starts, for the window to pick up.
pub struct Inbox {
    messages: Receiver<Message>,
    waker: Waker,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Inbox")
    }
}

fn name(practice: bool) -> &'static str {
    if practice {
        "window-practice"
    } else {
        "window"
    }
}

pub fn lock_path(data_dir: &Path, practice: bool) -> PathBuf {
    data_dir
        .join("locks")
        .join(format!("{}.lock", name(practice)))
}

pub fn socket_path(data_dir: &Path, practice: bool) -> PathBuf {
    data_dir
        .join("locks")
        .join(format!("{}.sock", name(practice)))
}

impl Instance {
    /// Take the window lock of `data_dir` in this mode: `None` while another
    /// window holds it. Listens for later starts at once (their messages
    /// wait in the inbox until the window takes it).
    pub fn take(data_dir: &Path, practice: bool) -> std::io::Result<Option<Instance>> {
        let path = lock_path(data_dir, practice);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        let (tx, messages) = std::sync::mpsc::channel();
        let waker: Waker = Arc::default();
        let socket = socket_path(data_dir, practice);
        let socket = match listen(&socket, tx, waker.clone()) {
            Ok(()) => Some(socket),
            Err(e) => {
                // The window still works; a second start then says it is open.
                tracing::warn!("not listening on {}: {e}", socket.display());
                None
            }
        };
        Ok(Some(Instance {
            data_dir: data_dir.to_path_buf(),
            socket,
            inbox: Some(Inbox { messages, waker }),
            _lock: file,
        }))
    }

    /// The messages of later starts (once).
    pub fn inbox(&mut self) -> Option<Inbox> {
        self.inbox.take()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

impl Drop for Instance {
    /// The socket goes before the lock does, so that it never takes away
    /// the socket of a window started after this one.
    fn drop(&mut self) {
        if let Some(socket) = &self.socket {
            let _ = std::fs::remove_file(socket);
        }
    }
}

impl Inbox {
    /// `wake` is called (from the listening thread) when a message arrives;
    /// called once now if some already wait.
    pub fn wake_with(&self, wake: Arc<dyn Fn() + Send + Sync>) {
        if let Ok(mut slot) = self.waker.lock() {
            *slot = Some(wake.clone());
        }
        wake();
    }

    /// A waiting message, if any (never blocks).
    pub fn next(&self) -> Option<Message> {
        self.messages.try_recv().ok()
    }
}

#[cfg(unix)]
fn listen(socket: &Path, tx: Sender<Message>, waker: Waker) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::UnixListener;

    // We hold the lock: a socket file there is a crashed window's.
    match std::fs::remove_file(socket) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let listener = UnixListener::bind(socket)?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))?;
    std::thread::Builder::new()
        .name("window-instance".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
                let mut line = String::new();
                let read = BufReader::new((&stream).take(MAX_MESSAGE)).read_line(&mut line);
                let message = match read.map(|_| serde_json::from_str::<Message>(&line)) {
                    Ok(Ok(message)) => message,
                    _ => {
                        tracing::warn!("a second start sent something unreadable");
                        continue;
                    }
                };
                if tx.send(message).is_err() {
                    return;
                }
                // Wake the window before answering: once the second start
                // has its answer, the window already knows.
                if let Some(wake) = waker.lock().ok().and_then(|w| w.clone()) {
                    wake();
                }
                let _ = stream.write_all(b"{\"ok\":true}\n");
            }
        })?;
    Ok(())
}

#[cfg(not(unix))]
fn listen(_socket: &Path, _tx: Sender<Message>, _waker: Waker) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "no socket on this system",
    ))
}

/// Hand `message` to the window running on `data_dir` in this mode; an
/// error when it can't be reached (a window still starting gets two
/// seconds to listen).
#[cfg(unix)]
pub fn hand_over(data_dir: &Path, practice: bool, message: &Message) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader, Write};
    use std::os::unix::net::UnixStream;
    use std::time::{Duration, Instant};

    let socket = socket_path(data_dir, practice);
    let started = Instant::now();
    let mut stream = loop {
        match UnixStream::connect(&socket) {
            Ok(stream) => break stream,
            Err(e) if started.elapsed() > Duration::from_secs(2) => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut line = serde_json::to_string(message).map_err(std::io::Error::other)?;
    line.push('\n');
    stream.write_all(line.as_bytes())?;
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply)?;
    match reply.trim() {
        "{\"ok\":true}" => Ok(()),
        other => Err(std::io::Error::other(format!(
            "the running window answered {other:?}"
        ))),
    }
}

#[cfg(not(unix))]
pub fn hand_over(_data_dir: &Path, _practice: bool, _message: &Message) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "no socket on this system",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn one_holder_per_mode_and_messages_reach_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = Instance::take(dir.path(), false).unwrap().expect("free");
        assert!(Instance::take(dir.path(), false).unwrap().is_none(), "held");
        let practice = Instance::take(dir.path(), true).unwrap();
        assert!(practice.is_some(), "practice has a lock of its own");
        let inbox = first.inbox().unwrap();
        let woken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let w = woken.clone();
        inbox.wake_with(Arc::new(move || {
            w.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }));
        let message = Message {
            show: true,
            files: vec![PathBuf::from("/photos/a b.jpg")],
        };
        hand_over(dir.path(), false, &message).unwrap();
        assert_eq!(inbox.next(), Some(message));
        assert_eq!(woken.load(std::sync::atomic::Ordering::SeqCst), 2);
        drop(first);
        assert!(!socket_path(dir.path(), false).exists(), "removed on exit");
        assert!(Instance::take(dir.path(), false).unwrap().is_some(), "free");
    }
}
