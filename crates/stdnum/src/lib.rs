//! Pure, panic-free parsers for the identifiers a standardization platform
//! meets every day: standard numbers (Chinese and international), WTO TBT
//! notification symbols, unified social credit codes, GTINs, loosely written
//! dates and multi-valued spreadsheet cells.
//!
//! Nothing here performs I/O or allocates more than the inputs require; every
//! public function accepts arbitrary UTF-8 without panicking.

pub mod cell;
pub mod date;
pub mod explain;
pub mod gtin;
pub mod standard;
pub mod text;
pub mod uscc;
pub mod wto;

pub use uscc::orgcode;

#[cfg(test)]
mod garbage_tests;
