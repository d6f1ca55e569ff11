//! biaozhun (标准): the platform that runs a city's standardization strategy.
//!
//! The crate is laid out as a room per domain (see docs/architecture.md):
//! shared rooms (`db`, `web`, `jobs`, `auth`, `orgs`) and domain rooms (`content`,
//! `training`, …) that each own their tables, templates and routes.

pub mod app;
pub mod auth;
pub mod bench;
pub mod committees;
pub mod config;
pub mod content;
pub mod db;
pub mod experts;
pub mod fuzzing;
pub mod imports;
pub mod indexer;
pub mod jobs;
pub mod membership;
pub mod orgs;
pub mod portal;
pub mod programmes;
pub mod registry;
pub mod signs;
pub mod standards;
pub mod strategy;
pub mod tbt;
pub mod training;
pub mod specs;
pub mod util;
pub mod web;
pub mod workflow;

pub use app::App;
