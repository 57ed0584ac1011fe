//! Provisioning of contexts and users, used by `oxbow admin` and by the first start.
//! Creating a user also creates what every user owns (default folders, the global
//! address book entry, ...): see `on_user_created`.

use crate::auth::hash_password;
use oxbow_core::{codes, OxError, OxResult};
use oxbow_store::users::User;
use oxbow_store::{contexts, ids, users, Db, Tx};

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
