//! One file's upload: INITIALIZE, the segments (bounded, retried, pausable),
//! FINALIZE, then X's processing.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::body::segment_body;
use super::journal::Record;
use super::{
    Control, Event, MIN_SEGMENT_BYTES, ResumePoint, Shared, UploadId, plan_segment_bytes,
    segment_count,
};
use crate::core::clock::now_secs;
use crate::core::limits::{MediaKind, human_bytes};
use crate::core::media::captions::AttachedCaptions;
use crate::core::media::check::CheckedMedia;
use crate::core::media::location::Patch;
use crate::core::xclient::{ErrorKind, RetryNotice, RetryReason, XError};

/// A finished upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub media_id: String,
    /// Unix seconds when X forgets it (X's word at INITIALIZE).
    pub expires_at: u64,
    pub bytes: u64,
    pub kind: MediaKind,
    pub name: String,
    /// Caption tracks attached to it (a video).
    pub captions: Vec<AttachedCaptions>,
}

/// Why the segment phase stopped.
enum Stop {
    TooLarge,
    Cancelled,
    Error(XError),
}

fn cancelled(name: &str) -> XError {
    XError::new(
        ErrorKind::Cancelled,
        format!("The upload of {name} was cancelled."),
    )
}

pub(crate) async fn run(
    shared: Arc<Shared>,
    id: UploadId,
    media: CheckedMedia,
    control: watch::Receiver<Control>,
    resume: Option<ResumePoint>,
    record: Option<Record>,
) -> Result<Uploaded, XError> {
    // Cancel reaches every await of the upload (INITIALIZE, FINALIZE,
    // STATUS and their retries too): the work is dropped where it stands.
    let mut cancel = control.clone();
    let result = tokio::select! {
        result = run_inner(&shared, id, &media, control, resume, record.as_ref()) => result,
        _ = wait_for_cancel(&mut cancel) => Err(cancelled(&media.name)),
    };
    if result.is_ok()
        && let Some(r) = &record
    {
        r.ready();
    }
    match &result {
        Ok(done) => shared.emit(Event::Ready {
            id,
            media_id: done.media_id.clone(),
        }),
        Err(e) if e.kind == ErrorKind::Cancelled => shared.emit(Event::Cancelled { id }),
        Err(e) => shared.emit(Event::Failed {
            id,
            message: e.message.clone(),
            retryable: e.retryable() || e.is_network(),
        }),
    }
    result
}

async fn run_inner(
    shared: &Arc<Shared>,
    id: UploadId,
    media: &CheckedMedia,
    mut control: watch::Receiver<Control>,
    mut resume: Option<ResumePoint>,
    record: Option<&Record>,
) -> Result<Uploaded, XError> {
    let name = media.name.clone();
    let requested = resume
        .as_ref()
        .map(|r| r.segment_bytes)
        .unwrap_or(shared.config.segment_bytes);
    let mut segment_bytes = plan_segment_bytes(media.bytes, requested).ok_or_else(|| {
        XError::new(
            ErrorKind::Refused,
            format!(
                "{name} is {}; X's upload takes at most 1000 pieces of 5 MB. Export it smaller.",
                human_bytes(media.bytes)
            ),
        )
    })?;
    let retry_notice = {
        let shared = shared.clone();
        move |n: RetryNotice| {
            shared.emit(Event::Retrying {
                id,
                index: None,
                reason: n.reason,
                wait: n.wait,
                attempt: n.attempt,
            })
        }
    };

    // When a resumed media id turns out to be gone at X, start over.
    let forgotten = |e: &XError| {
        matches!(
            e.kind,
            ErrorKind::Refused | ErrorKind::NotFound | ErrorKind::Forbidden
        )
    };
    let starting_over = |segment_bytes: u64| Event::StartingOver {
        id,
        message: format!(
            "X no longer holds the earlier upload of {name}; uploading it again from the beginning."
        ),
        segment_bytes,
    };
    let mut expires_at;
    let (media_id, mut answer) = 'upload: loop {
        let mut resumed = false;
        let media_id = loop {
            let (media_id, acked) = match resume.take() {
                Some(r) if r.segment_bytes == segment_bytes => {
                    resumed = true;
                    expires_at = r
                        .expires_at
                        .unwrap_or_else(|| now_secs() + crate::core::limits::MEDIA_EXPIRY_SECS);
                    (r.media_id, r.acked)
                }
                _ => {
                    let init = shared
                        .client
                        .initialize(
                            &media.mime,
                            media.bytes,
                            media.kind.category(),
                            &retry_notice,
                        )
                        .await
                        .map_err(|e| e.context(&format!("Starting the upload of {name}")))?;
                    expires_at = now_secs()
                        + init
                            .expires_after_secs
                            .unwrap_or(crate::core::limits::MEDIA_EXPIRY_SECS);
                    if let Some(r) = record {
                        r.media_created(&init.id, expires_at, segment_bytes);
                    }
                    shared.emit(Event::MediaCreated {
                        id,
                        media_id: init.id.clone(),
                        expires_at,
                    });
                    (init.id, BTreeSet::new())
                }
            };
            shared.emit(Event::Started {
                id,
                name: name.clone(),
                total_bytes: media.bytes,
                segments: segment_count(media.bytes, segment_bytes),
                segment_bytes,
            });
            for &index in &acked {
                shared.emit(Event::SegmentDone { id, index });
            }
            let upload = Upload {
                shared,
                id,
                media,
                media_id: &media_id,
                segment_bytes,
                record,
            };
            match send_segments(&upload, acked, &mut control).await {
                Ok(()) => break media_id,
                Err(Stop::Cancelled) => return Err(cancelled(&name)),
                Err(Stop::Error(e)) if resumed && forgotten(&e) => {
                    tracing::info!("resumed media is gone at X ({}); starting over", e.message);
                    shared.emit(starting_over(segment_bytes));
                    resumed = false;
                }
                Err(Stop::Error(e)) => return Err(e.context(&format!("Uploading {name}"))),
                Err(Stop::TooLarge) => {
                    let half = segment_bytes / 2;
                    let needed = media.bytes.div_ceil(crate::core::limits::MAX_SEGMENTS);
                    if half < MIN_SEGMENT_BYTES || half < needed {
                        return Err(XError::new(
                            ErrorKind::TooLarge,
                            format!(
                                "X's network refused the pieces of {name} as too large, and the file is too big to send in smaller pieces. Export it smaller."
                            ),
                        ));
                    }
                    segment_bytes = half;
                    shared.emit(Event::StartingOver {
                        id,
                        message: format!(
                            "X refused pieces of {} — starting over with pieces of {}",
                            human_bytes(segment_bytes * 2),
                            human_bytes(segment_bytes)
                        ),
                        segment_bytes,
                    });
                }
            }
        };

        shared.emit(Event::Finalizing { id });
        match shared.client.finalize(&media_id, &retry_notice).await {
            Ok(answer) => break 'upload (media_id, answer),
            Err(e) if resumed && forgotten(&e) => {
                tracing::info!(
                    "resumed media can't be finalized ({}); starting over",
                    e.message
                );
                shared.emit(starting_over(segment_bytes));
            }
            Err(e) => return Err(e.context(&format!("Finishing the upload of {name}"))),
        }
    };

    // X processes videos and GIFs; poll no sooner than it asks.
    while let Some(info) = answer.processing_info.clone() {
        match info.state.as_str() {
            "succeeded" => break,
            "failed" => {
                let why = info
                    .error
                    .and_then(|e| e.message)
                    .unwrap_or_else(|| "no reason given".into());
                return Err(XError::new(
                    ErrorKind::ProcessingFailed,
                    format!("X could not process {name}: {why}"),
                ));
            }
            _ => {
                shared.emit(Event::Processing {
                    id,
                    percent: info.progress_percent,
                });
                let wait = Duration::from_secs(info.check_after_secs.unwrap_or(1).max(1));
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = wait_for_cancel(&mut control) => return Err(cancelled(&name)),
                }
                answer = shared
                    .client
                    .status(&media_id, &retry_notice)
                    .await
                    .map_err(|e| e.context(&format!("Checking X's processing of {name}")))?;
            }
        }
    }
    if media.kind.needs_processing() {
        shared.emit(Event::Processing {
            id,
            percent: Some(100),
        });
    }
    Ok(Uploaded {
        media_id,
        expires_at,
        bytes: media.bytes,
        kind: media.kind,
        name,
        captions: Vec::new(),
    })
}

async fn wait_for_cancel(control: &mut watch::Receiver<Control>) {
    loop {
        if *control.borrow() == Control::Cancel {
            return;
        }
        if control.changed().await.is_err() {
            // The engine is gone: nothing will cancel; wait forever.
            std::future::pending::<()>().await;
        }
    }
}

/// One attempt at a file's segments: where they go and how big they are.
struct Upload<'a> {
    shared: &'a Arc<Shared>,
    id: UploadId,
    media: &'a CheckedMedia,
    media_id: &'a str,
    segment_bytes: u64,
    record: Option<&'a Record>,
}

/// One segment on its way (owned: it runs as a task of its own).
struct Segment {
    shared: Arc<Shared>,
    id: UploadId,
    path: std::path::PathBuf,
    media_id: String,
    index: u32,
    offset: u64,
    len: u64,
    file_bytes: u64,
    /// The file's patches that fall in this segment.
    patches: Arc<[Patch]>,
}

/// Send every segment not yet acknowledged; several at once within the
/// engine-wide bound, or one at a time once X refuses out-of-order ones.
async fn send_segments(
    upload: &Upload<'_>,
    mut done: BTreeSet<u32>,
    control: &mut watch::Receiver<Control>,
) -> Result<(), Stop> {
    let Upload {
        shared,
        id,
        media,
        media_id,
        segment_bytes,
        record,
    } = *upload;
    let ack = |index: u32| {
        if let Some(r) = record {
            r.acked(index);
        }
        shared.emit(Event::SegmentDone { id, index });
    };
    let count = segment_count(media.bytes, segment_bytes);
    let mut queue: VecDeque<u32> = (0..count).filter(|i| !done.contains(i)).collect();
    // In flight, and whether each went out before all earlier ones were in.
    let mut in_flight: std::collections::BTreeMap<u32, bool> = Default::default();
    let mut tasks: JoinSet<(u32, Result<(), XError>)> = JoinSet::new();
    let mut ordered = shared.config.parallel <= 1;

    loop {
        if queue.is_empty() && tasks.is_empty() {
            return Ok(());
        }
        let wanted = *control.borrow_and_update();
        match wanted {
            Control::Cancel => {
                tasks.abort_all();
                return Err(Stop::Cancelled);
            }
            Control::Pause => {
                // Stop sending now; the segments cut off go back in line.
                tasks.abort_all();
                // Segments that finished before the abort still count.
                while let Some(joined) = tasks.join_next().await {
                    if let Ok((index, Ok(()))) = joined {
                        in_flight.remove(&index);
                        done.insert(index);
                        ack(index);
                    }
                }
                for index in std::mem::take(&mut in_flight).into_keys().rev() {
                    queue.push_front(index);
                }
                shared.emit(Event::Paused { id });
                loop {
                    if control.changed().await.is_err() {
                        return Err(Stop::Cancelled);
                    }
                    let wanted = *control.borrow_and_update();
                    match wanted {
                        Control::Pause => continue,
                        Control::Cancel => return Err(Stop::Cancelled),
                        Control::Run => break,
                    }
                }
                shared.emit(Event::Resumed { id });
                continue;
            }
            Control::Run => {}
        }

        let can_start = !queue.is_empty() && (!ordered || tasks.is_empty());
        tokio::select! {
            biased;
            changed = control.changed() => {
                if changed.is_err() {
                    tasks.abort_all();
                    return Err(Stop::Cancelled);
                }
            }
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                let Ok((index, result)) = joined else { continue };
                let sent_early = in_flight.remove(&index).unwrap_or(false);
                match result {
                    Ok(()) => {
                        done.insert(index);
                        ack(index);
                    }
                    Err(e) if e.kind == ErrorKind::TooLarge => {
                        tasks.abort_all();
                        return Err(Stop::TooLarge);
                    }
                    // Refused after going out before all earlier segments
                    // were in: X may want them in order, so send one at a
                    // time. (Once ordered, every earlier one is in before
                    // the next goes, so a refusal then is a real one.)
                    Err(e) if e.kind == ErrorKind::Refused && sent_early => {
                        tracing::info!("segment {index} refused while earlier ones were pending; sending in order");
                        ordered = true;
                        let pos = queue.iter().position(|&q| q > index).unwrap_or(queue.len());
                        queue.insert(pos, index);
                        shared.emit(Event::Retrying {
                            id,
                            index: Some(index),
                            reason: RetryReason::OutOfOrderRefused,
                            wait: Duration::ZERO,
                            attempt: 1,
                        });
                    }
                    Err(e) => {
                        tasks.abort_all();
                        return Err(Stop::Error(e));
                    }
                }
            }
            permit = shared.permits.clone().acquire_owned(), if can_start => {
                let Ok(permit) = permit else { return Err(Stop::Cancelled) };
                let Some(index) = queue.pop_front() else { continue };
                in_flight.insert(index, (0..index).any(|i| !done.contains(&i)));
                shared.emit(Event::SegmentStarted { id, index });
                                let offset = index as u64 * segment_bytes;
                let len = segment_bytes.min(media.bytes - offset);
                let segment = Segment {
                    shared: shared.clone(),
                    id,
                    path: media.path.clone(),
                    media_id: media_id.to_string(),
                    index,
                    offset,
                    len,
                    file_bytes: media.bytes,
                    patches: media
                        .patches
                        .iter()
                        .filter(|p| p.offset < offset + len && p.offset + p.bytes.len() as u64 > offset)
                        .cloned()
                        .collect(),
                };
                tasks.spawn(async move {
                    let result = send_segment(segment).await;
                    drop(permit);
                    (index, result)
                });
            }
        }
    }
}

async fn send_segment(segment: Segment) -> Result<(), XError> {
    let Segment {
        shared,
        id,
        path,
        media_id,
        index,
        offset,
        len,
        file_bytes,
        patches,
    } = segment;
    let shared = &shared;
    let path = path.as_path();
    let media_id = media_id.as_str();
    // Progress events every 256 KiB (and at the end), not per slice.
    let last = Arc::new(AtomicU64::new(0));
    let progress = {
        let shared = shared.clone();
        let last = last.clone();
        Arc::new(move |sent: u64| {
            let before = last.swap(sent, Ordering::Relaxed);
            if sent == 0 || sent == len || sent / (256 * 1024) != before / (256 * 1024) {
                shared.emit(Event::SegmentProgress {
                    id,
                    index,
                    sent,
                    len,
                });
            }
        })
    };
    let body = {
        let path = path.to_path_buf();
        move || segment_body(path.clone(), offset, len, patches.clone(), progress.clone())
    };
    let notify = {
        let shared = shared.clone();
        move |n: RetryNotice| {
            shared.emit(Event::Retrying {
                id,
                index: Some(index),
                reason: n.reason,
                wait: n.wait,
                attempt: n.attempt,
            })
        }
    };
    let result = shared
        .client
        .append(media_id, index, len, &body, &notify)
        .await;
    if result.is_err() {
        // A file that changed under us must not be retried forever.
        let now = tokio::fs::metadata(path).await.map(|m| m.len()).ok();
        if now != Some(file_bytes) {
            return Err(XError::new(
                ErrorKind::Other,
                format!(
                    "{} changed or disappeared while it was uploading. Add it again.",
                    path.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ),
            ));
        }
    }
    result
}
