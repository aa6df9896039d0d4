//! Posts that go out at a set time: reading the time a user writes
//! (`at`). The queue that keeps scheduled posts builds on this.

pub mod at;
