//! Panics that are caught on purpose (a parser meeting a malformed file, a
//! practice-server handler) must not be reported as crashes. Code run
//! through [`catching`] marks its thread while it runs; the crash reporter
//! asks [`active`] and stays quiet.

use std::cell::Cell;

thread_local! {
    static CATCHING: Cell<u32> = const { Cell::new(0) };
}

/// Run `f`, turning a panic into `Err` instead of a crash.
pub fn catching<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    CATCHING.with(|c| c.set(c.get() + 1));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get() - 1));
    result
}

/// Is the current thread inside [`catching`]?
pub fn active() -> bool {
    CATCHING.with(|c| c.get() > 0)
}
