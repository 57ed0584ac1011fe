//! Shared vocabulary of oxbow: the one error type with OX codes, the Date/Time/Timestamp
//! encodings, the permission bit packing and the column-id tables of every module.

pub mod codes;
pub mod config;
pub mod columns;
pub mod error;
pub mod perms;
pub mod time;

pub use error::{Category, ErrorDef, OxError, OxResult};
