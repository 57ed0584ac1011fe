//! One SQL surface over two drivers. Queries are written once with `$1, $2, ...`
//! placeholders (SQLite accepts them too) and run through the macros below, which pick the
//! driver at runtime. Rules for portable SQL used throughout oxbow:
//! - integers are BIGINT and decode as `i64`; `SUM()` must be wrapped in `CAST(... AS BIGINT)`;
//! - booleans bind as `bool`; blobs are `BYTEA` (SQLite accepts the type name);
//! - upserts use `ON CONFLICT (...) DO UPDATE SET col = excluded.col`; `RETURNING` is fine;
//! - case-insensitive matching is `LOWER(col) LIKE LOWER($n) ESCAPE '\'`, never `ILIKE`.

use oxbow_core::OxResult;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, SqliteConnection, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// A connection pool to either backend. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction on either backend. Dropped without `commit` it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// What the query macros execute against: a pool or a transaction's connection.
pub enum Conn<'a> {
    SqlitePool(&'a SqlitePool),
    PgPool(&'a PgPool),
    SqliteTx(&'a mut SqliteConnection),
    PgTx(&'a mut PgConnection),
}

impl Db {
    /// Connect to `url`: `sqlite://path` (created if missing) or `postgres://...`.
    pub async fn connect(url: &str, max_connections: u32) -> OxResult<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool))
        }
    }

    pub fn kind(&self) -> DbKind {
        match self {
            Db::Sqlite(_) => DbKind::Sqlite,
            Db::Postgres(_) => DbKind::Postgres,
        }
    }

    pub fn conn(&self) -> Conn<'_> {
        match self {
            Db::Sqlite(p) => Conn::SqlitePool(p),
            Db::Postgres(p) => Conn::PgPool(p),
        }
    }

    /// Begin a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`) so concurrent writers wait instead of failing on upgrade.
    pub async fn begin(&self) -> OxResult<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::SqliteTx(&mut *t),
            Tx::Postgres(t) => Conn::PgTx(&mut *t),
        }
    }

    pub fn kind(&self) -> DbKind {
        match self {
            Tx::Sqlite(_) => DbKind::Sqlite,
            Tx::Postgres(_) => DbKind::Postgres,
        }
    }

    pub async fn commit(self) -> OxResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Internal: run one query builder expression against whichever `Conn` variant is given.
#[doc(hidden)]
#[macro_export]
macro_rules! __on_conn {
    ($target:expr, |$c:ident| $body:expr) => {{
        match $target.conn() {
            $crate::db::Conn::SqlitePool($c) => $body,
            $crate::db::Conn::PgPool($c) => $body,
            $crate::db::Conn::SqliteTx($c) => {
                let $c = &mut *$c;
                $body
            }
            $crate::db::Conn::PgTx($c) => {
                let $c = &mut *$c;
                $body
            }
        }
    }};
}

/// `fetch_all!(db_or_tx, RowType, "SELECT ...", arg1, arg2)` → `Result<Vec<RowType>, sqlx::Error>`.
/// `RowType` derives `sqlx::FromRow`. SQL may be `&'static str` or `String`.
#[macro_export]
macro_rules! fetch_all {
    ($target:expr, $T:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::__on_conn!($target, |c| ::sqlx::query_as::<_, $T>(::sqlx::AssertSqlSafe($sql))$(.bind($arg))*.fetch_all(c).await)
    };
}

/// `fetch_optional!(...)` → `Result<Option<RowType>, sqlx::Error>`.
#[macro_export]
macro_rules! fetch_optional {
    ($target:expr, $T:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::__on_conn!($target, |c| ::sqlx::query_as::<_, $T>(::sqlx::AssertSqlSafe($sql))$(.bind($arg))*.fetch_optional(c).await)
    };
}

/// `fetch_one!(...)` → `Result<RowType, sqlx::Error>`.
#[macro_export]
macro_rules! fetch_one {
    ($target:expr, $T:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::__on_conn!($target, |c| ::sqlx::query_as::<_, $T>(::sqlx::AssertSqlSafe($sql))$(.bind($arg))*.fetch_one(c).await)
    };
}

/// `fetch_scalar!(db, i64, "SELECT COUNT(*) ...", args)` → `Result<T, sqlx::Error>` (one row, one column).
#[macro_export]
macro_rules! fetch_scalar {
    ($target:expr, $T:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::__on_conn!($target, |c| ::sqlx::query_scalar::<_, $T>(::sqlx::AssertSqlSafe($sql))$(.bind($arg))*.fetch_one(c).await)
    };
}

/// `fetch_scalars!(db, i64, "SELECT id ...", args)` → `Result<Vec<T>, sqlx::Error>`.
#[macro_export]
macro_rules! fetch_scalars {
    ($target:expr, $T:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::__on_conn!($target, |c| ::sqlx::query_scalar::<_, $T>(::sqlx::AssertSqlSafe($sql))$(.bind($arg))*.fetch_all(c).await)
    };
}

/// `execute!(db_or_tx, "UPDATE ...", args)` → `Result<u64 /* rows affected */, sqlx::Error>`.
#[macro_export]
macro_rules! execute {
    ($target:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::__on_conn!($target, |c| ::sqlx::query(::sqlx::AssertSqlSafe($sql))$(.bind($arg))*.execute(c).await.map(|r| r.rows_affected()))
    };
}

/// Escape `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern and translate the OX
/// wildcards `*` and `?` into `%` and `_`.
pub fn like_pattern(user_pattern: &str) -> String {
    let mut out = String::with_capacity(user_pattern.len() + 2);
    for ch in user_pattern.chars() {
        match ch {
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            '*' => out.push('%'),
            '?' => out.push('_'),
            c => out.push(c),
        }
    }
    out
}

/// Anything the query macros can run on, so repository functions accept either a pool
/// (`&db`) or an open transaction (`&mut tx`): `async fn f(mut ex: impl Executor, ...)`.
pub trait Executor: Send {
    fn conn(&mut self) -> Conn<'_>;
}

impl Executor for &Db {
    fn conn(&mut self) -> Conn<'_> {
        Db::conn(self)
    }
}

impl Executor for &mut Tx {
    fn conn(&mut self) -> Conn<'_> {
        Tx::conn(self)
    }
}
