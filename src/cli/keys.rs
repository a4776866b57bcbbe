//! `pywarden keys create|list|revoke`: manages the API keys of `pywarden serve` in its SQLite
//! database. A key is printed once, on the last line of `create`'s output; only its SHA-256
//! hash is stored.

use std::path::PathBuf;

use pywarden::server::ServerConfig;
use pywarden::server::store::{KeyLimits, Store, rfc3339};

use super::{EXIT_FOUND, EXIT_OK};

/// Arguments of `pywarden keys`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: KeysCommand,
}

/// Where the database is: `--db`, else the `--config` file's `db`, else `pywarden.db`.
#[derive(clap::Args)]
struct DbArgs {
    /// SQLite database of `pywarden serve`.
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Take the database path from this YAML configuration file.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl DbArgs {
    fn open(&self) -> anyhow::Result<Store> {
        let path = match (&self.db, &self.config) {
            (Some(db), _) => db.clone(),
            (None, Some(cfg)) => ServerConfig::load(cfg)?.db,
            (None, None) => ServerConfig::default().db,
        };
        Store::open(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }
}

#[derive(clap::Subcommand)]
enum KeysCommand {
    /// Create a key for a user; the key is the last line of output (shown only once).
    Create {
        /// The user the key acts for (quotas and records are per user).
        #[arg(long)]
        user: String,
        /// Executions per UTC day (default: the server's default quota).
        #[arg(long, value_name = "N")]
        daily_executions: Option<u64>,
        /// Sandbox CPU seconds per UTC day.
        #[arg(long, value_name = "S")]
        daily_cpu_seconds: Option<f64>,
        /// Concurrent executions.
        #[arg(long, value_name = "N")]
        max_concurrent: Option<u32>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List keys (ids, users, limits; never the keys themselves).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a key by id (or by the whole key).
    Revoke {
        /// Key id as shown by `keys list`, or the key itself.
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "default".to_string(), |v| v.to_string())
}

/// Runs the subcommand; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    match args.command {
        KeysCommand::Create {
            user,
            daily_executions,
            daily_cpu_seconds,
            max_concurrent,
            db,
        } => {
            if let Some(s) = daily_cpu_seconds {
                anyhow::ensure!(
                    s.is_finite() && s >= 0.0,
                    "--daily-cpu-seconds must be a non-negative number"
                );
            }
            let store = db.open()?;
            let (info, key) = store.create_key(
                &user,
                KeyLimits {
                    daily_executions,
                    daily_cpu_seconds,
                    max_concurrent,
                },
            )?;
            println!("created key {} for user {}", info.id, info.user);
            println!("the key is shown only once; store it now:");
            println!("{key}");
            Ok(EXIT_OK)
        }
        KeysCommand::List { db } => {
            let store = db.open()?;
            println!(
                "{:<12}  {:<20}  {:<24}  {:<8}  {:>10}  {:>10}  {:>10}",
                "ID", "USER", "CREATED", "STATUS", "DAILY", "CPU_S", "CONCURRENT"
            );
            for k in store.list_keys()? {
                println!(
                    "{:<12}  {:<20}  {:<24}  {:<8}  {:>10}  {:>10}  {:>10}",
                    k.id,
                    k.user,
                    rfc3339(k.created_at_ms),
                    if k.revoked_at_ms.is_some() {
                        "revoked"
                    } else {
                        "active"
                    },
                    opt(k.limits.daily_executions),
                    opt(k.limits.daily_cpu_seconds),
                    opt(k.limits.max_concurrent),
                );
            }
            Ok(EXIT_OK)
        }
        KeysCommand::Revoke { id, db } => {
            let store = db.open()?;
            if store.revoke_key(&id)? {
                println!("revoked key {id}");
                Ok(EXIT_OK)
            } else {
                eprintln!("pywarden: no active key {id}");
                Ok(EXIT_FOUND)
            }
        }
    }
}
