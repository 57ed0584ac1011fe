//! Provisioning of contexts and users, used by `oxbow admin` and by the first start.
//! Creating a user also creates what every user owns (default folders, the global
//! address book entry, ...): see `on_user_created`.

use crate::auth::hash_password;
use oxbow_core::{codes, OxError, OxResult};
use oxbow_store::users::User;
use oxbow_store::{contexts, execute, ids, users, Db, Tx};

pub const DEFAULT_CONTEXT: i64 = 1;
pub const DEFAULT_CONTEXT_NAME: &str = "defaultcontext";

/// What `oxbow admin user add` and the first start supply.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub login: String,
    pub password: String,
    pub display_name: String,
    pub given_name: String,
    pub sur_name: String,
    pub email: String,
    pub locale: String,
    pub timezone: String,
    pub context_admin: bool,
}

pub async fn create_context(db: &Db, id: Option<i64>, name: &str) -> OxResult<i64> {
    validate_name("name", name)?;
    let id = match id {
        Some(id) => id,
        None => contexts::max_id(db).await? + 1,
    };
    if contexts::get(db, id).await?.is_some() || contexts::by_name(db, name).await?.is_some() {
        return Err(codes::SVL_INVALID_PARAM_VALUE.with(["context", name]).detail("context exists"));
    }
    let mut tx = db.begin().await?;
    contexts::insert(&mut tx, id, name).await?;
    crate::folders::create_system_folders(&mut tx, id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Create a user in `cid` with everything a user owns.
pub async fn create_user(db: &Db, cid: i64, n: NewUser, mail_domain: &str) -> OxResult<User> {
    validate_name("login", &n.login)?;
    if n.password.is_empty() {
        return Err(codes::USR_PASSWORD_EMPTY.err());
    }
    if contexts::get(db, cid).await?.is_none() {
        return Err(codes::CTX_NOT_FOUND.with([cid]));
    }
    if users::by_login(db, cid, &n.login).await?.is_some() {
        return Err(codes::SVL_INVALID_PARAM_VALUE.with(["login", &n.login]).detail("login exists"));
    }
    let hash = hash_password(&n.password)?;
    let mut tx = db.begin().await?;
    let id = ids::next_id(&mut tx, cid, "user", 3).await?;
    let now = ids::next_timestamp(&mut tx, cid).await?;
    let email = if n.email.is_empty() { format!("{}@{}", n.login, mail_domain) } else { n.email };
    let display_name = if n.display_name.is_empty() {
        let full = format!("{} {}", n.given_name, n.sur_name).trim().to_string();
        if full.is_empty() { n.login.clone() } else { full }
    } else {
        n.display_name
    };
    let user = User {
        cid,
        id,
        login: n.login,
        password_hash: hash,
        display_name,
        given_name: n.given_name,
        sur_name: n.sur_name,
        email,
        locale: if n.locale.is_empty() { "en_US".into() } else { n.locale },
        timezone: if n.timezone.is_empty() { "UTC".into() } else { n.timezone },
        active: true,
        is_context_admin: n.context_admin,
        contact_id: None,
        created: now,
        last_modified: now,
    };
    if oxbow_core::time::parse_tz(&user.timezone).is_none() {
        return Err(codes::SVL_INVALID_PARAM_VALUE.with(["timezone", &user.timezone]));
    }
    users::insert(&mut tx, &user).await?;
    on_user_created(&mut tx, &user).await?;
    tx.commit().await?;
    users::get(db, cid, id).await?.ok_or_else(|| OxError::internal("user vanished"))
}

/// Everything created together with a user, in the user's creating transaction.
/// Modules add their per-user set-up here (default folders, address book entry, ...).
async fn on_user_created(tx: &mut Tx, user: &User) -> OxResult<()> {
    crate::folders::create_user_folders(tx, user.cid, user.id, &user.display_name).await?;
    crate::contacts::gab::create_user_contact(tx, user).await?;
    Ok(())
}

/// On an empty database: context 1 and the user `admin`. Returns the generated password
/// when none was given, so the caller can print it once.
pub async fn ensure_initial_setup(db: &Db, admin_password: Option<String>, mail_domain: &str) -> OxResult<Option<String>> {
    if !contexts::list(db).await?.is_empty() {
        return Ok(None);
    }
    create_context(db, Some(DEFAULT_CONTEXT), DEFAULT_CONTEXT_NAME).await?;
    let generated = admin_password.is_none();
    let password = admin_password.unwrap_or_else(|| crate::sessions::random_id()[..16].to_string());
    create_user(
        db,
        DEFAULT_CONTEXT,
        NewUser {
            login: "admin".into(),
            password: password.clone(),
            display_name: "Administrator".into(),
            given_name: "Admin".into(),
            sur_name: "Istrator".into(),
            context_admin: true,
            ..Default::default()
        },
        mail_domain,
    )
    .await?;
    Ok(generated.then_some(password))
}

/// Names (logins, context names) are short, printable and free of separators.
fn validate_name(param: &str, value: &str) -> OxResult<()> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && !value.chars().any(|c| c.is_control() || c.is_whitespace() || c == '/' || c == '\\');
    if ok { Ok(()) } else { Err(codes::SVL_INVALID_PARAM_VALUE.with([param, value])) }
}

/// Set a user's password (admin CLI). The caller ends the user's sessions.
pub async fn set_password(db: &Db, cid: i64, user: i64, password: &str) -> OxResult<()> {
    if password.is_empty() {
        return Err(codes::USR_PASSWORD_EMPTY.err());
    }
    let hash = hash_password(password)?;
    let mut tx = db.begin().await?;
    let ts = ids::next_timestamp(&mut tx, cid).await?;
    if !users::set_password_hash(&mut tx, cid, user, &hash, ts).await? {
        return Err(codes::USR_NOT_FOUND.with([user, cid]));
    }
    tx.commit().await
}

/// Remove a user and everything the user owns, in one transaction. Sessions are removed
/// here too; callers that hold a session cache also call `Sessions::remove_for_user`.
pub async fn delete_user(db: &Db, cid: i64, user: i64) -> OxResult<()> {
    let mut tx = db.begin().await?;
    if users::get(&mut tx, cid, user).await?.is_none() {
        return Err(codes::USR_NOT_FOUND.with([user, cid]));
    }
    let ts = ids::next_timestamp(&mut tx, cid).await?;
    on_user_deleted(&mut tx, cid, user, ts).await?;
    users::delete(&mut tx, cid, user).await?;
    tx.commit().await
}

/// Per-user clean-up, run before the user row goes. Modules add their own lines here
/// (contacts: the address-book entry; calendar/tasks: participations; files: blobs, ...).
async fn on_user_deleted(tx: &mut Tx, cid: i64, user: i64, ts: i64) -> OxResult<()> {
    // Directory: memberships (touching the groups so `group?action=updates` reports them).
    for g in oxbow_store::groups::of_user(&mut *tx, cid, user).await? {
        oxbow_store::groups::touch(&mut *tx, cid, g, ts).await?;
    }
    oxbow_store::groups::remove_user_everywhere(&mut *tx, cid, user).await?;
    oxbow_store::settings::delete_user(&mut *tx, cid, user).await?;
    crate::contacts::gab::delete_user_contact(tx, cid, user).await?;
    // Drive: the items in the user's own folders (their bytes go with the next sweep), and
    // object permissions granted to the user.
    for folder in oxbow_store::infostore::folders_created_by(&mut *tx, cid, user).await? {
        crate::infostore::delete_folder_contents(tx, cid, folder, user, ts).await?;
    }
    oxbow_store::infostore::delete_user_grants(&mut *tx, cid, user).await?;
    // Folders: the user's own folders with their permissions, and grants to the user elsewhere.
    execute!(
        tx,
        "DELETE FROM folder_permissions WHERE cid = $1 AND folder_id IN (SELECT id FROM folders WHERE cid = $1 AND created_by = $2)",
        cid,
        user
    )?;
    execute!(tx, "DELETE FROM folders WHERE cid = $1 AND created_by = $2", cid, user)?;
    execute!(tx, "DELETE FROM folder_permissions WHERE cid = $1 AND entity = $2 AND is_group = FALSE", cid, user)?;
    execute!(tx, "DELETE FROM folder_subscriptions WHERE cid = $1 AND user_id = $2", cid, user)?;
    // Sessions last: a concurrent request of the user finds no account any more.
    execute!(tx, "DELETE FROM sessions WHERE cid = $1 AND user_id = $2", cid, user)?;
    Ok(())
}

/// Remove a context with all of its data, in one transaction.
pub async fn delete_context(db: &Db, cid: i64) -> OxResult<()> {
    let mut tx = db.begin().await?;
    if contexts::get(&mut tx, cid).await?.is_none() {
        return Err(codes::CTX_NOT_FOUND.with([cid]));
    }
    on_context_deleted(&mut tx, cid).await?;
    contexts::delete(&mut tx, cid).await?;
    tx.commit().await
}

/// Per-context clean-up. Modules add the deletion of their tables' rows for `cid` here.
async fn on_context_deleted(tx: &mut Tx, cid: i64) -> OxResult<()> {
    oxbow_store::groups::delete_context(&mut *tx, cid).await?;
    oxbow_store::resources::delete_context(&mut *tx, cid).await?;
    oxbow_store::settings::delete_context(&mut *tx, cid).await?;
    oxbow_store::infostore::delete_context(&mut *tx, cid).await?;
    for table in ["mail_accounts", "folder_notifications", "folder_subscriptions", "folder_permissions", "folders", "tombstones", "sequences", "sessions", "users"] {
        // Table names come from this fixed list, never from input.
        execute!(tx, format!("DELETE FROM {table} WHERE cid = $1"), cid)?;
    }
    execute!(tx, "DELETE FROM login_tokens WHERE session_id NOT IN (SELECT id FROM sessions)")?;
    Ok(())
}
