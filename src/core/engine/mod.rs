//! The upload engine: files streamed in segments, several in flight at once
//! (one bound across all files), each segment retried on its own, 413s
//! answered by starting over with smaller segments, out-of-order refusals
//! answered by sending in order, then X's processing watched to the end.
//! Everything it does is reported as typed [`Event`]s over a channel: the
//! command line and the window are just listeners.

mod body;
pub mod extras;
pub mod journal;
mod journal_posts;
pub mod post;
pub mod thread;
mod upload;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

use crate::core::limits::{MAX_SEGMENTS, SEGMENT_MAX_BYTES};
use crate::core::media::check::CheckedMedia;
use crate::core::xclient::{RetryReason, XClient, XError};

pub use upload::Uploaded;

pub use crate::core::config::EngineConfig;
pub use crate::core::limits::{DEFAULT_PARALLEL, DEFAULT_SEGMENT_BYTES};
/// Smallest segment the engine uses when starting over after a 413.
pub const MIN_SEGMENT_BYTES: u64 = 256 * 1024;

/// One upload, as the engine's listeners know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UploadId(pub u64);

/// Everything the engine does, as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Segments are planned (again, after a start-over).
    Started {
        id: UploadId,
        name: String,
        total_bytes: u64,
        segments: u32,
        segment_bytes: u64,
    },
    /// X gave the upload its media id (valid until `expires_at`, unix s).
    MediaCreated {
        id: UploadId,
        media_id: String,
        expires_at: u64,
    },
    SegmentStarted {
        id: UploadId,
        index: u32,
    },
    /// Bytes of this segment handed to the network so far.
    SegmentProgress {
        id: UploadId,
        index: u32,
        sent: u64,
        len: u64,
    },
    SegmentDone {
        id: UploadId,
        index: u32,
    },
    /// A request failed and will be tried again after `wait`.
    Retrying {
        id: UploadId,
        index: Option<u32>,
        reason: RetryReason,
        wait: Duration,
        attempt: u32,
    },
    /// X's edge refused segments as too large: starting over, smaller.
    StartingOver {
        id: UploadId,
        message: String,
        segment_bytes: u64,
    },
    Finalizing {
        id: UploadId,
    },
    /// X is processing the video or GIF.
    Processing {
        id: UploadId,
        percent: Option<u32>,
    },
    Ready {
        id: UploadId,
        media_id: String,
    },
    Paused {
        id: UploadId,
    },
    Resumed {
        id: UploadId,
    },
    Cancelled {
        id: UploadId,
    },
    Failed {
        id: UploadId,
        message: String,
        retryable: bool,
    },
}

impl Event {
    /// The upload it is about.
    pub fn id(&self) -> UploadId {
        match self {
            Event::Started { id, .. }
            | Event::MediaCreated { id, .. }
            | Event::SegmentStarted { id, .. }
            | Event::SegmentProgress { id, .. }
            | Event::SegmentDone { id, .. }
            | Event::Retrying { id, .. }
            | Event::StartingOver { id, .. }
            | Event::Finalizing { id }
            | Event::Processing { id, .. }
            | Event::Ready { id, .. }
            | Event::Paused { id }
            | Event::Resumed { id }
            | Event::Cancelled { id }
            | Event::Failed { id, .. } => *id,
        }
    }
}

/// What an upload task is told to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Run,
    Pause,
    Cancel,
}

/// An upload already under way at X (from a journal): its media id and the
/// segments X acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumePoint {
    pub media_id: String,
    /// When X forgets it (unix s), as the journal has it.
    pub expires_at: Option<u64>,
    pub segment_bytes: u64,
    pub acked: std::collections::BTreeSet<u32>,
}

pub(crate) struct Shared {
    pub client: Arc<XClient>,
    pub config: EngineConfig,
    /// The one bound on segments in flight across all files.
    pub permits: Arc<Semaphore>,
    pub events: mpsc::UnboundedSender<Event>,
}

impl Shared {
    pub fn emit(&self, event: Event) {
        // A listener that went away is not the engine's problem.
        let _ = self.events.send(event);
    }
}

struct Running {
    control: watch::Sender<Control>,
    /// Taken by [`Engine::wait`]; the control stays so the upload can still
    /// be paused or cancelled while someone waits for it.
    task: Option<JoinHandle<Result<Uploaded, XError>>>,
}

pub struct Engine {
    shared: Arc<Shared>,
    next_id: AtomicU64,
    running: Mutex<HashMap<UploadId, Running>>,
}

impl Engine {
    pub fn new(
        client: Arc<XClient>,
        config: EngineConfig,
        events: mpsc::UnboundedSender<Event>,
    ) -> Arc<Engine> {
        let parallel = config.parallel.max(1);
        Arc::new(Engine {
            shared: Arc::new(Shared {
                client,
                config,
                permits: Arc::new(Semaphore::new(parallel)),
                events,
            }),
            next_id: AtomicU64::new(1),
            running: Mutex::new(HashMap::new()),
        })
    }

    pub fn client(&self) -> &Arc<XClient> {
        &self.shared.client
    }

    pub fn config(&self) -> &EngineConfig {
        &self.shared.config
    }

    /// Start uploading a checked file (on the current tokio runtime).
    pub fn start(&self, media: CheckedMedia, resume: Option<ResumePoint>) -> UploadId {
        self.start_journaled(media, resume, None)
    }

    /// Start an upload whose progress is kept in a journal record (so it
    /// can continue after a crash or a quit).
    pub fn start_journaled(
        &self,
        media: CheckedMedia,
        resume: Option<ResumePoint>,
        record: Option<journal::Record>,
    ) -> UploadId {
        let id = UploadId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let (control, rx) = watch::channel(Control::Run);
        let shared = self.shared.clone();
        let task =
            tokio::spawn(async move { upload::run(shared, id, media, rx, resume, record).await });
        self.lock().insert(
            id,
            Running {
                control,
                task: Some(task),
            },
        );
        id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UploadId, Running>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, id: UploadId, control: Control) {
        if let Some(r) = self.lock().get(&id) {
            let _ = r.control.send(control);
        }
    }

    pub fn pause(&self, id: UploadId) {
        self.set(id, Control::Pause);
    }

    pub fn resume(&self, id: UploadId) {
        self.set(id, Control::Run);
    }

    pub fn cancel(&self, id: UploadId) {
        self.set(id, Control::Cancel);
    }

    pub fn cancel_all(&self) {
        for r in self.lock().values() {
            let _ = r.control.send(Control::Cancel);
        }
    }

    /// Wait for an upload to end: its media id once ready, or the error.
    pub async fn wait(&self, id: UploadId) -> Result<Uploaded, XError> {
        let task = self.lock().get_mut(&id).and_then(|r| r.task.take());
        let Some(task) = task else {
            return Err(XError::new(
                crate::core::xclient::ErrorKind::Other,
                "That upload is not running, or someone already waits for it.",
            ));
        };
        let result = match task.await {
            Ok(result) => result,
            Err(e) => Err(XError::new(
                crate::core::xclient::ErrorKind::Other,
                format!("The upload stopped unexpectedly ({e})."),
            )),
        };
        self.lock().remove(&id);
        result
    }
}

/// The segment size for a file: the requested size, grown (up to 5 MiB) so
/// the file needs at most 1000 segments.
pub fn plan_segment_bytes(file_bytes: u64, requested: u64) -> Option<u64> {
    let needed = file_bytes.div_ceil(MAX_SEGMENTS);
    let size = requested.clamp(1, SEGMENT_MAX_BYTES).max(needed);
    (size <= SEGMENT_MAX_BYTES).then_some(size)
}

/// Segments needed for `file_bytes` at `segment_bytes` (at least one).
pub fn segment_count(file_bytes: u64, segment_bytes: u64) -> u32 {
    file_bytes.div_ceil(segment_bytes.max(1)).max(1) as u32
}

/// Bytes in chunk `index` of a file of `file_bytes` cut at `segment_bytes`.
pub fn segment_len(file_bytes: u64, segment_bytes: u64, index: u32) -> u64 {
    segment_bytes.min(file_bytes.saturating_sub(index as u64 * segment_bytes))
}

/// Bytes in the chunks `done` (the one count of "bytes done" for the
/// window, the command line and the journal).
pub fn bytes_done(file_bytes: u64, segment_bytes: u64, done: impl IntoIterator<Item = u32>) -> u64 {
    done.into_iter()
        .map(|i| segment_len(file_bytes, segment_bytes, i))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::limits::{GIB, MIB};

    #[test]
    fn segment_size_grows_to_keep_index_under_1000() {
        assert_eq!(plan_segment_bytes(500 * MIB, 4 * MIB), Some(4 * MIB));
        // 4.5 GiB at 4 MiB would need 1152 segments: grow to 4.6 MiB.
        let big = 4 * GIB + GIB / 2;
        let size = plan_segment_bytes(big, 4 * MIB).unwrap();
        assert!(size > 4 * MIB && size <= 5 * MIB);
        assert!(segment_count(big, size) <= 1000);
        assert_eq!(plan_segment_bytes(1000 * 5 * MIB, 4 * MIB), Some(5 * MIB));
        assert_eq!(plan_segment_bytes(1000 * 5 * MIB + 1, 4 * MIB), None);
        assert_eq!(segment_count(0, 4 * MIB), 1);
        assert_eq!(segment_count(8 * MIB + 1, 4 * MIB), 3);
        assert_eq!(segment_len(10, 4, 2), 2);
        assert_eq!(segment_len(10, 4, 3), 0);
        assert_eq!(bytes_done(10, 4, [0, 2]), 6);
    }
}
