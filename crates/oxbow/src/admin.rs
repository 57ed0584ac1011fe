//! `oxbow admin`: provisioning against the same database the server uses. Changes are
//! visible to a running server at once (it reads accounts from the database).

use anyhow::{bail, Result};
use clap::Subcommand;
use oxbow_core::config::Config;
use oxbow_domain::provision::{self, NewUser};
use oxbow_store::{contexts, users, Db};

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
}

#[derive(Subcommand)]
pub enum UserOp {
    Add {
        #[arg(long, default_value_t = 1)]
        context: i64,
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
    },
    List {
        #[arg(long, default_value_t = 1)]
        context: i64,
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

async fn run_on(db: &Db, config: &Config, cmd: AdminCommand) -> Result<()> {
    match cmd {
        AdminCommand::Context { op: ContextOp::Add { name, id } } => {
            let id = provision::create_context(db, id, &name).await?;
            println!("{id}");
        }
        AdminCommand::Context { op: ContextOp::List } => {
            for c in contexts::list(db).await? {
                println!("{}\t{}\t{}", c.id, c.name, if c.enabled { "enabled" } else { "disabled" });
            }
        }
        AdminCommand::User { op: UserOp::Add { context, login, password, name, given_name, sur_name, email, locale, timezone } } => {
            let u = provision::create_user(
                db,
                context,
                NewUser { login, password, display_name: name, given_name, sur_name, email, locale, timezone, context_admin: false },
                &config.mail.domain,
            )
            .await?;
            println!("{}", u.id);
        }
        AdminCommand::User { op: UserOp::List { context } } => {
            if contexts::get(db, context).await?.is_none() {
                bail!("no context {context}");
            }
            for u in users::list(db, context).await? {
                println!("{}\t{}\t{}\t{}", u.id, u.login, u.display_name, u.email);
            }
        }
    }
    Ok(())
}
