//! The `oxbow` binary: `oxbow serve` runs the server, `oxbow admin` provisions.

mod admin;
mod config_load;

use anyhow::Result;
use clap::{Parser, Subcommand};
use oxbow_domain::Core;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "oxbow", version, about = "Groupware server for the OX App Suite HTTP API")]
struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Directory for the embedded database and blobs.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// sqlite://... or postgres://...
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Listen address, e.g. 127.0.0.1:8008.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Provision contexts, users, groups and resources.
    Admin {
        #[command(subcommand)]
        what: admin::AdminCommand,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OXBOW_LOG").unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let mut config = config_load::load(cli.config.as_deref())?;
    if let Some(d) = cli.data_dir {
        config.data_dir = d;
    }
    if let Some(u) = cli.database_url {
        config.database_url = u;
    }
    match cli.command {
        Command::Serve { listen } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            serve(config).await
        }
        Command::Admin { what } => admin::run(config, what).await,
    }
}

async fn serve(config: oxbow_core::config::Config) -> Result<()> {
    let listen = config.listen.clone();
    let admin_password = std::env::var("OXBOW_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty());
    let core = Core::open(config).await?;
    if let Some(generated) =
        oxbow_domain::provision::ensure_initial_setup(&core.db, admin_password, &core.config.mail.domain).await?
    {
        println!("Created user 'admin' with password: {generated}");
    }
    {
        let core = core.clone();
        tokio::spawn(async move {
            if let Err(e) = core.sessions.listen_for_invalidations().await {
                tracing::warn!("session invalidation listener stopped: {e}");
            }
        });
    }
    {
        let core = core.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                if let Err(e) = core.sessions.expire_idle().await {
                    tracing::warn!("session expiry failed: {e}");
                }
            }
        });
    }
    if !core.config.mail.lmtp_listen.is_empty() {
        let (listen, store, db, config) =
            (core.config.mail.lmtp_listen.clone(), core.mail_store.clone(), core.db.clone(), core.config.clone());
        tokio::spawn(async move {
            if let Err(e) = oxbow_domain::mail::lmtp::serve(listen, store, db, config).await {
                tracing::error!("LMTP listener failed: {e}");
            }
        });
    }
    let app = oxbow_http::router(oxbow_http::AppState { core });
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    // On stdout so that scripts and tests starting on port 0 learn the address.
    println!("oxbow listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
