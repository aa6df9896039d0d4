//! Memory tuning for the whole process, done once at startup.
//!
//! glibc's malloc gives busy threads arenas of their own and raises its
//! mmap threshold each time a large block is freed, so freed upload buffers
//! stay in the heap: the practice server reached 90 MB for one 512 MB
//! upload. Two arenas and a fixed 256 KiB mmap threshold keep it at 26 MB
//! (measured; see docs/benchmarks).

/// Call first thing in `main`, before other threads start.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; it is called once,
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}
