//! Schema migrations, applied in order at start-up. Each file is portable SQL that runs
//! unchanged on SQLite and PostgreSQL. Append new files; never edit an applied one.

use crate::db::Db;
use crate::execute;
use oxbow_core::OxResult;

pub const MIGRATIONS: &[(&str, &str)] = &[
    ("001_core", include_str!("../schema/001_core.sql")),
    ("002_folders", include_str!("../schema/002_folders.sql")),
    ("003_contacts", include_str!("../schema/003_contacts.sql")),
    ("004_infostore", include_str!("../schema/004_infostore.sql")),
    ("005_mail", include_str!("../schema/005_mail.sql")),
    ("006_mail_accounts", include_str!("../schema/006_mail_accounts.sql")),
    ("007_folder_notifications", include_str!("../schema/007_folder_notifications.sql")),
    ("008_infostore_object_permissions", include_str!("../schema/008_infostore_object_permissions.sql")),
];

/// Apply every migration not yet recorded. On PostgreSQL an advisory lock keeps two nodes
/// that start together from migrating at the same time.
pub async fn migrate(db: &Db) -> OxResult<()> {
    if let Db::Postgres(pool) = db {
        let mut conn = pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock(7420001)").execute(&mut *conn).await?;
        let result = apply(db).await;
        sqlx::query("SELECT pg_advisory_unlock(7420001)").execute(&mut *conn).await?;
        return result;
    }
    apply(db).await
}

async fn apply(db: &Db) -> OxResult<()> {
    execute!(db, "CREATE TABLE IF NOT EXISTS oxbow_schema (name TEXT PRIMARY KEY)")?;
    let applied: Vec<String> = crate::fetch_scalars!(db, String, "SELECT name FROM oxbow_schema")?;
    for (name, sql) in MIGRATIONS {
        if applied.iter().any(|a| a == name) {
            continue;
        }
        let mut tx = db.begin().await?;
        match &mut tx {
            crate::Tx::Sqlite(t) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(*sql)).execute(&mut **t).await?;
            }
            crate::Tx::Postgres(t) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(*sql)).execute(&mut **t).await?;
            }
        }
        execute!(tx, "INSERT INTO oxbow_schema (name) VALUES ($1)", name.to_string())?;
        tx.commit().await?;
        tracing::info!("applied schema migration {name}");
    }
    Ok(())
}
