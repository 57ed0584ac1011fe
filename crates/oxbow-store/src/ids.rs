//! Object ids and timestamps. Ids come from per-context sequences; timestamps are
//! strictly increasing per context (max(previous + 1, now)) so that two changes never share
//! a timestamp and the `updates` race of the introduction cannot happen.

use crate::db::Executor;
use crate::fetch_optional;
use crate::execute;
use oxbow_core::{OxError, OxResult};

/// Next id of sequence `name` in context `cid`, starting at `first` when the sequence is new.
pub async fn next_id(mut ex: impl Executor, cid: i64, name: &str, first: i64) -> OxResult<i64> {
    let row: Option<(i64,)> = fetch_optional!(
        ex,
        (i64,),
        "UPDATE sequences SET value = value + 1 WHERE cid = $1 AND name = $2 RETURNING value",
        cid,
        name.to_string()
    )?;
    if let Some((v,)) = row {
        return Ok(v);
    }
    execute!(
        ex,
        "INSERT INTO sequences (cid, name, value) VALUES ($1, $2, $3) ON CONFLICT (cid, name) DO UPDATE SET value = sequences.value + 1",
        cid,
        name.to_string(),
        first
    )?;
    let row: Option<(i64,)> = fetch_optional!(ex, (i64,), "SELECT value FROM sequences WHERE cid = $1 AND name = $2", cid, name.to_string())?;
    row.map(|r| r.0).ok_or_else(|| OxError::internal("sequence vanished"))
}

/// A fresh timestamp for a change in context `cid`. Call inside the transaction that makes
/// the change: the row lock orders concurrent writers.
pub async fn next_timestamp(mut ex: impl Executor, cid: i64) -> OxResult<i64> {
    let now = oxbow_core::time::now_ms();
    let row: Option<(i64,)> = fetch_optional!(
        ex,
        (i64,),
        "UPDATE contexts SET last_ts = CASE WHEN last_ts + 1 > $2 THEN last_ts + 1 ELSE $2 END WHERE id = $1 RETURNING last_ts",
        cid,
        now
    )?;
    row.map(|r| r.0).ok_or_else(|| oxbow_core::codes::CTX_NOT_FOUND.with([cid]))
}

/// The latest timestamp issued in context `cid` (for responses that report "now").
pub async fn current_timestamp(mut ex: impl Executor, cid: i64) -> OxResult<i64> {
    let row: Option<(i64,)> = fetch_optional!(ex, (i64,), "SELECT last_ts FROM contexts WHERE id = $1", cid)?;
    Ok(row.map(|r| r.0).unwrap_or(0))
}
