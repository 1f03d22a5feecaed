//! `statehouse user add | password | remove | list`: the web app's accounts, kept in the
//! data folder's database (the server may be running; its next request sees the change).
//!
//! A password is typed twice at a terminal without echo, or read as the first line of
//! standard input when that is not a terminal (`printf '%s\n' "$PW" | statehouse user add
//! alice`), so it never appears in `ps` or shell history.

use std::{
    io::{BufRead, IsTerminal, Write},
    path::PathBuf,
    process::ExitCode,
};

use anyhow::{Context, bail};
use asl::eval::time::format_millis;
use clap::{Args, Subcommand};

use super::{UserName, add_user, check_new_password, list_users, remove_user, set_password};
use crate::db;

/// `statehouse user …`.
#[derive(Args, Debug)]
pub struct UserArgs {
    /// Folder of the embedded SQLite database, as for `serve`.
    #[arg(long, env = "STATEHOUSE_DATA_DIR", default_value = "data", value_name = "DIR", global = true)]
    pub data_dir: PathBuf,

    #[command(subcommand)]
    pub command: UserCommand,
}

/// What to do with accounts.
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Make an account. From then on, every page of the server asks for a sign-in.
    Add {
        /// Its name (letters, digits, '.', '-', '_', '@'; compared without case).
        name: String,
    },
    /// Set an account's password; its sessions end.
    Password {
        /// The account.
        name: String,
    },
    /// Remove an account; its sessions end. Removing the last one turns sign-in off on loopback.
    Remove {
        /// The account.
        name: String,
    },
    /// List the accounts.
    List,
}

/// Runs a `user` command.
pub fn run(args: &UserArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")?;
    runtime.block_on(run_async(args, out))
}

async fn run_async(args: &UserArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let pool = db::open(&args.data_dir).await?;
    match &args.command {
        UserCommand::Add { name } => {
            let name = UserName::parse(name)?;
            let password = read_new_password(&name)?;
            add_user(&pool, &name, &password).await?;
            writeln!(out, "added {name}; the server now asks for a sign-in on every page")?;
        }
        UserCommand::Password { name } => {
            let name = UserName::parse(name)?;
            let password = read_new_password(&name)?;
            set_password(&pool, &name, &password).await?;
            writeln!(out, "set the password of {name}; its earlier sessions are signed out")?;
        }
        UserCommand::Remove { name } => {
            let name = UserName::parse(name)?;
            remove_user(&pool, &name).await?;
            let left = list_users(&pool).await?.len();
            writeln!(out, "removed {name}; {left} account(s) left")?;
            if left == 0 {
                writeln!(out, "with no accounts, a server on a loopback address no longer asks for a sign-in")?;
            }
        }
        UserCommand::List => {
            let accounts = list_users(&pool).await?;
            if accounts.is_empty() {
                writeln!(out, "no accounts: a server on a loopback address asks for no sign-in")?;
            }
            for account in accounts {
                writeln!(
                    out,
                    "{}\tcreated {}\tpassword set {}",
                    account.name,
                    format_millis(account.created_millis),
                    format_millis(account.password_changed_millis)
                )?;
            }
        }
    }
    pool.close().await;
    Ok(ExitCode::SUCCESS)
}

/// The new password: typed twice at a terminal, or the first line of standard input.
fn read_new_password(name: &UserName) -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("New password for {name}: ")).context("reading the password")?;
        check_new_password(&first)?;
        let second = rpassword::prompt_password("The same again: ").context("reading the password")?;
        if first != second {
            bail!("password: the two entries differ; nothing was changed");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    check_new_password(&password)?;
    Ok(password)
}
