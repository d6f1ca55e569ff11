//! The integration suite: one binary that drives the real HTTP interface of a server
//! started in-process on a fresh database. Every scenario runs on SQLite, and again on
//! PostgreSQL when BIAOZHUN_TEST_DATABASE_URL is set (a connection failure then fails).

mod support;

mod accounts;
mod auth_security;
mod catalogue;
mod certificates;
mod committees;
mod authz;
mod check_reports;
mod content;
mod exams;
mod downloads;
mod experts;
mod faults;
mod first_hour;
mod import_problems;
mod membership;
mod ops;
mod orgs;
mod portal;
mod programme_files;
mod programmes;
mod registry;
mod registry_forms;
mod security;
mod sps;
mod signs;
mod scaleout;
mod specs;
mod group_standards;
mod standards;
mod strategy;
mod strategy_tallies;
mod tbt;
mod tbt_alerts;
mod tbt_comments;
mod tbt_imports;
mod tbt_stats;
mod tokens;
mod training;
mod training_more;
mod uploads;
mod workflow;
