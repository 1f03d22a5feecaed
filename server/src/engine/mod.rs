//! The execution engine: runs state machines with AWS's semantics. [`decide`] is the pure
//! core that advances an execution; the driver here stores its decisions (Standard
//! executions durably in SQLite, Express ones in memory), keeps timers and hands tasks to
//! their backends.

pub mod decide;
pub mod history;
pub mod task;
