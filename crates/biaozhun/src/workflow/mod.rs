//! The workflow engine: every lifecycle of the platform (a membership application under
//! review, a TBT comment on its way to the enquiry point, and the applications,
//! specifications, enrolments and reports to come) is declared as a table of moves and
//! driven through one function, in the manner of a document-state table with an event log.
//!
//! - [`Flow`] (in `flow.rs`): the declared table. Each [`Move`] says from which state an
//!   action leads to which state, [`Who`] may take it (a role, the record's owner, a scoped
//!   role the caller grants for this record, the platform itself) and what it needs (a
//!   note, an attachment). A domain declares its flow as a `static` next to its records
//!   and registers it by kind name ([`Registry`]); the engine names no domain.
//! - [`transition`] (in `log.rs`): in the caller's transaction, checks the move against
//!   the table and the record's current state and version, moves the record (the domain's
//!   own table keeps its `state` and `version` columns), writes the event and queues the
//!   flow's notices. Either all of it happens or, when the caller's transaction rolls
//!   back, none of it.
//! - [`history`]: the record's events in order, for the shared timeline macro
//!   (`templates/workflow/timeline.html`).
//!
//! docs/architecture.md ("Workflow") shows how to declare a lifecycle.

mod flow;
mod log;

pub use flow::{Actor, Flow, Move, NoticeHook, Registry, START, Who, is_sql_name};
pub use log::{Attachment, Event, EventView, Step, history, start, transition};
