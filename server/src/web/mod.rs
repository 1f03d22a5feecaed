//! The HTTP surface: one axum router for pages, server functions, static files, health, the
//! approval portal and sign-in (`auth::web`, which wraps the rest when the server has one).

mod csrf;
mod execution_actions;
pub mod executions_data;
mod health;
mod live;
mod test_runs;

use std::path::Path;

use app::ssr::ServerContext;
use axum::{
    Router,
    handler::HandlerWithoutStateExt,
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use leptos::prelude::{LeptosOptions, provide_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use sqlx::SqlitePool;

use crate::{
    api::{self, ApiState},
    approvals::{self, Approvals},
    auth::web::{self as auth_web, Auth},
    engine::Engine,
};
use tower_http::{
    compression::CompressionLayer, services::ServeDir, set_header::SetResponseHeaderLayer, trace::TraceLayer,
};

/// State shared by every handler.
#[derive(Clone, Debug, axum::extract::FromRef)]
pub struct AppState {
    /// Where Leptos finds the browser bundle and what it is called.
    pub leptos_options: LeptosOptions,
    /// The database.
    pub pool: SqlitePool,
    /// The Step Functions API (and through it, the engine).
    pub api: ApiState,
    /// The approval portal, when the server runs one.
    pub approvals: Option<Approvals>,
    /// Sign-in: when set, pages ask for a session once accounts exist (see `auth`).
    pub auth: Option<Auth>,
    /// The address people reach the server at; unset, pages name the one a request came to.
    pub public_url: Option<String>,
}

impl AppState {
    /// Builds the state for a site folder (the browser bundle) and an open database.
    pub fn new(site_dir: &Path, pool: SqlitePool, engine: Engine) -> Self {
        let leptos_options = LeptosOptions::builder()
            .output_name(app::OUTPUT_NAME)
            .site_root(site_dir.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .build();
        let api = ApiState { pool: pool.clone(), engine, machines: Default::default() };
        Self { leptos_options, pool, api, approvals: None, auth: None, public_url: None }
    }

    /// Serves the approval portal's pages too.
    pub fn with_approvals(self, approvals: Approvals) -> Self {
        Self { approvals: Some(approvals), ..self }
    }

    /// Asks for a sign-in (see `auth::web`).
    pub fn with_auth(self, auth: Auth) -> Self {
        Self { auth: Some(auth), ..self }
    }

    /// Names `url` as the server's address in the pages' hints (the AWS CLI's `--endpoint-url`).
    pub fn with_public_url(self, url: &str) -> Self {
        Self { public_url: Some(url.to_string()), ..self }
    }
}

/// An HTML answer that no cache keeps, no referrer leaves, no robot indexes and no frame shows:
/// the server-rendered pages (approvals, sign-in) all carry something private.
pub(crate) fn private_html(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Browsers that know CSP follow it rather than X-Frame-Options: the same, there.
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    response
}

/// The whole application: Leptos pages and server functions, `/healthz`, and the static
/// files of the site folder, with cross-site POSTs refused, framing by other sites forbidden
/// and, with `state.auth`, a session asked for.
pub fn router(state: AppState) -> Router {
    let server_context = ServerContext {
        pool: state.pool.clone(),
        inbox: std::sync::Arc::new(approvals::inbox::SqliteInbox {
            configured_channels: state
                .approvals
                .as_ref()
                .map(|approvals| approvals.channels().iter().map(|channel| channel.name.clone()).collect())
                .unwrap_or_default(),
        }),
        executions: std::sync::Arc::new(executions_data::SqliteExecutions { engine: state.api.engine.clone() }),
        api: app::ssr::ApiAddress {
            public_url: state.public_url.clone(),
            region: state.api.engine.settings().region.clone(),
            account: state.api.engine.settings().account.clone(),
        },
    };
    let controls =
        app::executions::actions::ssr::ExecutionControls(std::sync::Arc::new(execution_actions::EngineControls {
            engine: state.api.engine.clone(),
            api: state.api.clone(),
        }));
    let test_runs = app::designer::test_run::ssr::TestRunners(std::sync::Arc::new(test_runs::EngineTestRuns {
        engine: state.api.engine.clone(),
    }));
    let provide_server_context = move || {
        provide_context(server_context.clone());
        provide_context(controls.clone());
        provide_context(test_runs.clone());
    };
    let options = state.leptos_options.clone();
    let shell = move || app::shell(options.clone());

    let not_found_page = leptos_axum::render_app_to_stream_with_context(provide_server_context.clone(), shell.clone());
    // The build writes a gzip copy beside each bundle file (`NAME.gz`); browsers that accept gzip
    // get it, a third of the size. Caches must key those answers by Accept-Encoding. The files'
    // names do not change between builds, so a browser must ask again each time (a 304 when
    // nothing changed) rather than guess a freshness: after an upgrade, an old bundle would
    // not hydrate the new server's pages.
    let static_files = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::appending(header::VARY, HeaderValue::from_static("accept-encoding")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .service(
            ServeDir::new(state.leptos_options.site_root.as_ref())
                .precompressed_gzip()
                .not_found_service(not_found_page.into_service()),
        );

    let approval_pages = match state.approvals.clone() {
        Some(approvals) => approvals::web::routes(approvals),
        None => Router::new(),
    };
    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/", post(api::handle))
        .route("/executions-export", get(executions_data::export))
        .route("/executions-events", get(live::execution_events))
        .merge(approval_pages)
        .leptos_routes_with_context(&state, generate_route_list(app::App), provide_server_context, shell)
        .fallback_service(static_files);
    if let Some(auth) = state.auth.clone() {
        // The session layer wraps the check, which wraps every route (the sign-in pages too).
        router = router
            .merge(auth_web::routes(auth.clone()))
            .layer(axum::middleware::from_fn_with_state(auth.clone(), auth_web::require_sign_in))
            .layer(auth.session_layer());
    }
    router
        .layer(axum::middleware::from_fn(csrf::refuse_cross_site_writes))
        // No page of this site may be framed by another (a framed designer or execution page
        // could be clicked through to Stop, Redrive or Save), no answer is sniffed into
        // another type, and links to other sites carry no path. The approver's and sign-in
        // pages set stricter values of their own.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'self'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        // Pages, API answers and exports are gzipped for clients that accept it; the default
        // predicate leaves alone what is tiny, images, and event streams (the live views' SSE),
        // and a bundle file already sent as its gzip copy is not compressed twice.
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
