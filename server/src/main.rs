//! The `statehouse` binary: parses the command line, then wires storage and the router and serves.

use std::{io::IsTerminal, net::SocketAddr, process::ExitCode, sync::Arc};

/// mimalloc: the engine allocates many small JSON values, and it measured 1.3-1.6x faster
/// than the system allocator on the engine benchmarks (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use server::{
    approvals::{Approvals, ApprovalsSettings, config::ApprovalsConfig},
    auth::{
        self,
        web::{Auth, AuthSettings},
    },
    cli,
    config::{PublicUrl, ServeConfig, exposure_problems},
    db,
    engine::{Engine, EngineSettings, MockSource, mock::MockConfig},
    tls::{self, ExtraRoots},
    web,
};
use tokio::net::TcpListener;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Statehouse: a self-hosted studio for the Amazon States Language.
#[derive(Parser, Debug)]
#[command(version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    serve: ServeConfig,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web app (the default when no command is given).
    Serve(Box<ServeConfig>),
    /// Check definitions as AWS would: `file:line:col: error[CODE]: message`; exit 1 on errors.
    Validate(cli::ValidateArgs),
    /// Validation plus warnings about risky definitions (no Catch, no timeout, …).
    Lint(cli::LintArgs),
    /// Rewrite JSON definitions in the canonical layout; `--check` only reports.
    Fmt(cli::FmtArgs),
    /// Print a definition's graph as Graphviz DOT or JSON.
    Graph(cli::GraphArgs),
    /// Estimate a definition's monthly cost on Standard and Express (`--help` for assumptions).
    Cost(cli::CostArgs),
    /// Run a definition once on the engine, with a MockConfigFile answering its Tasks; exit 1
    /// unless it ends as expected (`--expect-status`, `--expect-output`).
    Run(Box<cli::run::RunArgs>),
    /// Manage the web app's accounts (`add`, `password`, `remove`, `list`); once one exists,
    /// every page asks for a sign-in.
    User(auth::cli::UserArgs),
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let tool = match cli.command {
        Some(Command::Validate(args)) => cli::validate(&args, &mut stdout),
        Some(Command::Lint(args)) => cli::lint(&args, &mut stdout),
        Some(Command::Fmt(args)) => cli::fmt(&args, &mut stdout),
        Some(Command::Graph(args)) => cli::graph(&args, &mut stdout),
        Some(Command::Cost(args)) => cli::cost(&args, &mut stdout),
        Some(Command::User(args)) => auth::cli::run(&args, &mut stdout),
        Some(Command::Run(args)) => cli::run::run(&args, &mut stdout),
        Some(Command::Serve(config)) => {
            drop(stdout);
            return serve_until_stopped(*config);
        }
        None => {
            drop(stdout);
            return serve_until_stopped(cli.serve);
        }
    };
    quiet_when_the_reader_left(tool)
}

/// A tool's outcome, except that a reader who closed its output early (`statehouse graph … |
/// head`) ends it quietly and successfully, as `ls` or `grep` end: it took what it wanted.
fn quiet_when_the_reader_left(outcome: anyhow::Result<ExitCode>) -> anyhow::Result<ExitCode> {
    match outcome {
        Err(error)
            if error.chain().any(|cause| {
                let kind = match cause.downcast_ref::<std::io::Error>() {
                    Some(io) => Some(io.kind()),
                    None => cause.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind),
                };
                kind == Some(std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            Ok(ExitCode::SUCCESS)
        }
        other => other,
    }
}

fn serve_until_stopped(config: ServeConfig) -> anyhow::Result<ExitCode> {
    init_tracing();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(serve(config))?;
    Ok(ExitCode::SUCCESS)
}

fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn"));
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal()))
        .init();
}

async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    if let Some(path) = &config.extra_ca_file {
        let roots = ExtraRoots::load(path).context("reading the extra CA certificates (STATEHOUSE_EXTRA_CA_FILE)")?;
        tracing::info!(path = %path.display(), certificates = roots.len(), "trusting extra CA certificates");
        tls::install(roots);
    }
    let approvals_config =
        ApprovalsConfig::load(&config.config).context("reading the approval channels (STATEHOUSE_CONFIG)")?;
    let pool = db::open(&config.data_dir).await?;
    tracing::info!(path = %config.data_dir.join(db::DATABASE_FILE).display(), "database ready");
    let accounts = auth::any_users(&pool).await.context("reading the accounts")?;
    let problems =
        exposure_problems(config.listen, accounts, config.access_keys.is_some(), config.public_url.is_some());
    if !problems.is_empty() {
        anyhow::bail!(
            "refusing to listen on {}, an address other machines can reach:\n- {}\nOr listen on a loopback \
             address, such as 127.0.0.1:{}, and put a reverse proxy in front.",
            config.listen,
            problems.join("\n- "),
            config.listen.socket_addr().port()
        );
    }

    let site_dir = config.site_dir();
    if !site_dir.join("pkg").join(format!("{}.js", app::OUTPUT_NAME)).is_file() {
        tracing::warn!(
            site_dir = %site_dir.display(),
            "no browser bundle found: pages render but are not interactive; build it with `cargo xtask build`"
        );
    }
    let mocks = match &config.mock_config {
        Some(path) => Some(Arc::new(
            MockConfig::load(path)
                .with_context(|| format!("reading the MockConfigFile {} (SFN_MOCK_CONFIG)", path.display()))?,
        )),
        None => None,
    };
    let settings = EngineSettings {
        partition: "aws".into(),
        region: config.region.clone(),
        account: config.account.clone(),
        mocks,
        express_history: config.express_history,
        lambda_endpoint: config.lambda_endpoint.clone(),
        s3_root: Some(config.s3_dir.clone().unwrap_or_else(|| config.data_dir.join("s3"))),
        mock_source: MockSource::Server,
    };
    // Bound before the engine starts: approval links need the address (port 0 picks one).
    let address = config.listen.socket_addr();
    let listener = TcpListener::bind(address).await.with_context(|| format!("listening on {address}"))?;
    let bound = listener.local_addr().context("reading the bound address")?;

    let public_url = config.public_url.clone().unwrap_or_else(|| PublicUrl::for_address(bound));
    let engine = Engine::new(pool.clone(), settings);
    let channels = approvals_config.channels.len();
    let approvals = Approvals::new(
        pool.clone(),
        engine.clone(),
        ApprovalsSettings {
            config: approvals_config,
            smtp: config.smtp_url.clone(),
            mail_from: config.mail_from.clone(),
            public_url: public_url.as_str().to_string(),
        },
    )
    .await
    .context("starting the approval portal")?;
    engine.set_interceptor(Arc::new(approvals.clone()));
    let running = engine.recover().await.context("resuming running executions")?;
    tracing::info!(running, "engine ready");
    let timers = engine.spawn_timer_loop();
    let workers = approvals.spawn_workers();
    tracing::info!(channels, smtp = ?config.smtp_url, "approval portal ready");
    let auth = Auth::new(
        pool.clone(),
        AuthSettings {
            always_required: !config.listen.is_loopback(),
            secure_cookies: public_url.as_str().starts_with("https://"),
        },
    )
    .await
    .context("starting sign-in")?;
    if auth.required().await.context("reading the accounts")? {
        tracing::info!("pages ask for a sign-in");
    } else {
        tracing::info!("no accounts: pages ask for no sign-in (make one with `statehouse user add NAME`)");
    }
    let mut router = web::router(
        web::AppState::new(&site_dir, pool.clone(), engine)
            .with_approvals(approvals)
            .with_auth(auth)
            .with_public_url(public_url.as_str()),
    );
    if let Some(keys) = config.access_keys.clone() {
        tracing::info!(?keys, "the Step Functions API requires SigV4 signatures");
        router = router.layer(axum::Extension(Arc::new(keys)));
    }

    tracing::info!("statehouse listening on http://{bound}");
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")?;
    timers.abort();
    for worker in workers {
        worker.abort();
    }
    pool.close().await;
    tracing::info!("statehouse stopped");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => tracing::info!("interrupted; shutting down"),
        () = terminate => tracing::info!("terminated; shutting down"),
    }
}
