//! `oxbow admin`: provisioning against the same database the server uses. Changes are
//! visible to a running server at once: it reads accounts, groups and resources from the
//! database. Sessions are cached by each server for about two seconds; removals are also
//! announced to running servers on PostgreSQL, so a deleted user's or a changed password's
//! sessions end at once there and within two seconds on SQLite. The same delay applies
//! to group membership changes in permission checks.
//!
//! Users are named `login` (default context) or `login@contextname`; `--context` takes a
//! context id or name.

use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use oxbow_core::config::Config;
use oxbow_domain::directory::{self, GroupChanges, ResourceChanges};
use oxbow_domain::provision::{self, NewUser, DEFAULT_CONTEXT};
use oxbow_domain::sessions::Sessions;
use oxbow_store::{contexts, groups, resources, users, Db};
use std::sync::Arc;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Contexts (tenants).
    Context {
        #[command(subcommand)]
        op: ContextOp,
    },
    /// User accounts.
    User {
        #[command(subcommand)]
        op: UserOp,
    },
    /// Groups of users.
    Group {
        #[command(subcommand)]
        op: GroupOp,
    },
    /// Bookable resources (rooms, equipment).
    Resource {
        #[command(subcommand)]
        op: ResourceOp,
    },
}

#[derive(Subcommand)]
pub enum ContextOp {
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        id: Option<i64>,
    },
    List,
    /// Set the context's file storage quota (Drive and attachments), in bytes.
    Quota {
        /// Context id or name.
        #[arg(long)]
        context: String,
        /// Limit in bytes; omit together with --unlimited to remove the limit.
        #[arg(long)]
        bytes: Option<i64>,
        #[arg(long)]
        unlimited: bool,
    },
    /// Delete a context with all of its data.
    Delete {
        /// Context id or name.
        #[arg(long)]
        context: String,
    },
}

#[derive(Subcommand)]
pub enum UserOp {
    Add {
        /// Context id or name (default: the default context, or the one in `login@context`).
        #[arg(long)]
        context: Option<String>,
        #[arg(long)]
        login: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, default_value = "")]
        given_name: String,
        #[arg(long, default_value = "")]
        sur_name: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        locale: String,
        #[arg(long, default_value = "")]
        timezone: String,
        /// Make the user an administrator of the context (manages groups and resources).
        #[arg(long)]
        context_admin: bool,
    },
    List {
        #[arg(long)]
        context: Option<String>,
    },
    /// Delete a user with everything the user owns; the user's sessions end.
    Delete {
        #[arg(long)]
        context: Option<String>,
        #[arg(long)]
        login: String,
    },
    /// Set a new password; the user's sessions end.
    Passwd {
        #[arg(long)]
        context: Option<String>,
        #[arg(long)]
        login: String,
        #[arg(long)]
        password: String,
    },
}

#[derive(Subcommand)]
pub enum GroupOp {
    Add {
        #[arg(long)]
        context: Option<String>,
        /// Internal name (letters, digits, `._-@`).
        #[arg(long)]
        name: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Logins of initial members (repeatable).
        #[arg(long = "member")]
        members: Vec<String>,
    },
    List {
        #[arg(long)]
        context: Option<String>,
    },
    Delete {
        #[arg(long)]
        context: Option<String>,
        #[arg(long)]
        name: String,
    },
    /// Add or remove members (logins; repeatable).
    Members {
        #[arg(long)]
        context: Option<String>,
        #[arg(long)]
        name: String,
        #[arg(long)]
        add: Vec<String>,
        #[arg(long)]
        remove: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum ResourceOp {
    Add {
        #[arg(long)]
        context: Option<String>,
        #[arg(long)]
        name: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    List {
        #[arg(long)]
        context: Option<String>,
    },
    Delete {
        #[arg(long)]
        context: Option<String>,
        #[arg(long)]
        name: String,
    },
}

pub async fn run(config: Config, cmd: AdminCommand) -> Result<()> {
    std::fs::create_dir_all(&config.data_dir)?;
    let db = Db::connect(&config.effective_database_url(), 2).await?;
    oxbow_store::schema::migrate(&db).await?;
    let result = run_on(&db, &config, cmd).await;
    db.close().await;
    result
}

/// A context given by id or name; `None` is the default context.
async fn context_id(db: &Db, given: Option<&str>) -> Result<i64> {
    let Some(given) = given else { return Ok(DEFAULT_CONTEXT) };
    let found = match given.parse::<i64>() {
        Ok(id) => contexts::get(db, id).await?,
        Err(_) => contexts::by_name(db, given).await?,
    };
    found.map(|c| c.id).ok_or_else(|| anyhow!("no context {given}"))
}

/// Context and login of `login` / `login@contextname` (an explicit `--context` wins).
async fn split_login(db: &Db, context: Option<&str>, login: &str) -> Result<(i64, String)> {
    if context.is_some() {
        return Ok((context_id(db, context).await?, login.to_string()));
    }
    if let Some((l, ctx)) = login.rsplit_once('@') {
        if let Some(c) = contexts::by_name(db, ctx).await? {
            return Ok((c.id, l.to_string()));
        }
    }
    Ok((DEFAULT_CONTEXT, login.to_string()))
}

async fn user_id(db: &Db, cid: i64, login: &str) -> Result<i64> {
    users::by_login(db, cid, login).await?.map(|u| u.id).ok_or_else(|| anyhow!("no user {login} in context {cid}"))
}

async fn group_id(db: &Db, cid: i64, name: &str) -> Result<i64> {
    groups::by_name(db, cid, name).await?.map(|g| g.id).ok_or_else(|| anyhow!("no group {name} in context {cid}"))
}

fn sessions(db: &Db, config: &Config) -> Sessions {
    Sessions::new(db.clone(), Arc::new(config.clone()))
}

async fn run_on(db: &Db, config: &Config, cmd: AdminCommand) -> Result<()> {
    match cmd {
        AdminCommand::Context { op } => match op {
            ContextOp::Add { name, id } => {
                let id = provision::create_context(db, id, &name).await?;
                println!("{id}");
            }
            ContextOp::List => {
                for c in contexts::list(db).await? {
                    println!("{}\t{}\t{}", c.id, c.name, if c.enabled { "enabled" } else { "disabled" });
                }
            }
            ContextOp::Quota { context, bytes, unlimited } => {
                let cid = context_id(db, Some(&context)).await?;
                let quota = match (bytes, unlimited) {
                    (Some(b), false) if b >= 0 => Some(b),
                    (None, true) => None,
                    _ => anyhow::bail!("give either --bytes N (N >= 0) or --unlimited"),
                };
                oxbow_store::infostore::set_context_quota(db, cid, quota).await?;
                let usage = oxbow_store::infostore::context_usage(db, cid).await?;
                println!("{}\t{}", quota.map(|q| q.to_string()).unwrap_or_else(|| "unlimited".into()), usage);
            }
            ContextOp::Delete { context } => {
                let cid = context_id(db, Some(&context)).await?;
                provision::delete_context(db, cid).await?;
                sessions(db, config).forget_all().await;
            }
        },
        AdminCommand::User { op } => match op {
            UserOp::Add { context, login, password, name, given_name, sur_name, email, locale, timezone, context_admin } => {
                let (cid, login) = split_login(db, context.as_deref(), &login).await?;
                let u = provision::create_user(
                    db,
                    cid,
                    NewUser { login, password, display_name: name, given_name, sur_name, email, locale, timezone, context_admin },
                    &config.mail.domain,
                )
                .await?;
                println!("{}", u.id);
            }
            UserOp::List { context } => {
                let cid = context_id(db, context.as_deref()).await?;
                for u in users::list(db, cid).await? {
                    println!("{}\t{}\t{}\t{}", u.id, u.login, u.display_name, u.email);
                }
            }
            UserOp::Delete { context, login } => {
                let (cid, login) = split_login(db, context.as_deref(), &login).await?;
                let id = user_id(db, cid, &login).await?;
                provision::delete_user(db, cid, id).await?;
                sessions(db, config).remove_for_user(cid, id).await?;
            }
            UserOp::Passwd { context, login, password } => {
                let (cid, login) = split_login(db, context.as_deref(), &login).await?;
                let id = user_id(db, cid, &login).await?;
                provision::set_password(db, cid, id, &password).await?;
                sessions(db, config).remove_for_user(cid, id).await?;
            }
        },
        AdminCommand::Group { op } => match op {
            GroupOp::Add { context, name, display_name, members } => {
                let cid = context_id(db, context.as_deref()).await?;
                let mut ids = Vec::new();
                for m in &members {
                    ids.push(user_id(db, cid, m).await?);
                }
                let (id, _) =
                    directory::create_group(db, cid, GroupChanges { name: Some(name), display_name, members: Some(ids) }).await?;
                sessions(db, config).forget_all().await;
                println!("{id}");
            }
            GroupOp::List { context } => {
                let cid = context_id(db, context.as_deref()).await?;
                for g in directory::all_groups(db, cid).await? {
                    let members: Vec<String> = g.members.iter().map(i64::to_string).collect();
                    println!("{}\t{}\t{}\t{}", g.row.id, g.row.name, g.row.display_name, members.join(","));
                }
            }
            GroupOp::Delete { context, name } => {
                let cid = context_id(db, context.as_deref()).await?;
                let id = group_id(db, cid, &name).await?;
                directory::delete_group(db, cid, id, None, 0).await?;
                sessions(db, config).forget_all().await;
            }
            GroupOp::Members { context, name, add, remove } => {
                if add.is_empty() && remove.is_empty() {
                    bail!("nothing to do: give --add and/or --remove");
                }
                let cid = context_id(db, context.as_deref()).await?;
                let gid = group_id(db, cid, &name).await?;
                for (logins, adding) in [(&add, true), (&remove, false)] {
                    for l in logins {
                        let uid = user_id(db, cid, l).await?;
                        directory::change_group_member(db, cid, gid, uid, adding).await?;
                    }
                }
                sessions(db, config).forget_all().await;
            }
        },
        AdminCommand::Resource { op } => match op {
            ResourceOp::Add { context, name, display_name, email, description } => {
                let cid = context_id(db, context.as_deref()).await?;
                let changes = ResourceChanges {
                    name: Some(name),
                    display_name,
                    mail: Some(email),
                    description: Some(description),
                    available: Some(true),
                };
                let (id, _) = directory::create_resource(db, cid, changes).await?;
                println!("{id}");
            }
            ResourceOp::List { context } => {
                let cid = context_id(db, context.as_deref()).await?;
                for r in resources::list(db, cid).await? {
                    println!("{}\t{}\t{}\t{}", r.id, r.name, r.display_name, r.mail);
                }
            }
            ResourceOp::Delete { context, name } => {
                let cid = context_id(db, context.as_deref()).await?;
                let r = resources::by_name(db, cid, &name).await?.ok_or_else(|| anyhow!("no resource {name} in context {cid}"))?;
                directory::delete_resources(db, cid, &[r.id], None, 0).await?;
            }
        },
    }
    Ok(())
}
