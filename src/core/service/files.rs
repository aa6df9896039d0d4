//! One thread for the service's blocking file work (the draft, pasted
//! pictures): jobs run in the order given, off the runtime's workers, and
//! `finish` waits for the last of them (closing the window writes the
//! draft, then exits).

use std::sync::mpsc;
use std::thread::JoinHandle;

type Job = Box<dyn FnOnce() + Send>;

pub(super) struct FileWriter {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl FileWriter {
    pub fn start() -> FileWriter {
        let (jobs, rx) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("x-uploader-files".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    job();
                }
            })
            .map_err(|e| tracing::warn!("no file thread ({e}); writing in place"))
            .ok();
        FileWriter {
            jobs: thread.is_some().then_some(jobs),
            thread,
        }
    }

    /// Run `job` on the file thread (in place if there is none).
    pub fn write(&self, job: impl FnOnce() + Send + 'static) {
        match &self.jobs {
            Some(jobs) => {
                if let Err(mpsc::SendError(job)) = jobs.send(Box::new(job)) {
                    job();
                }
            }
            None => job(),
        }
    }

    /// Wait until every job given so far is done.
    pub fn finish(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for FileWriter {
    fn drop(&mut self) {
        self.finish();
    }
}
