//! Statehouse's user interface: Leptos components rendered on the server and hydrated in the browser.
//!
//! With the `ssr` feature the server renders these components to HTML; with `hydrate` the
//! same components compile to wasm32 and take over that HTML in the browser. The designer's
//! page is the exception: its bundle renders it in the browser (Leptos' `csr`, without a
//! router; see `shell` and `Pages`). Server-only code (database access behind server
//! functions) sits behind `#[cfg(feature = "ssr")]`.

/// Makes a server function's error type decodable by its callers: JSON encoded (so the
/// server's `SignedOut` answer, [`SIGNED_OUT_BODY`], decodes as its `SignedOut` variant), and
/// what fails on the way (network, encoding) becomes its `Server(String)` variant.
macro_rules! server_fn_error {
    ($error:ident) => {
        impl leptos::server_fn::error::FromServerFnError for $error {
            type Encoder = leptos::server_fn::codec::JsonEncoding;

            fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
                $error::Server(value.to_string())
            }
        }
    };
}
pub(crate) use server_fn_error;

pub mod approvals;
pub mod designer;
pub mod executions;
pub mod graph_view;
pub mod home;
pub mod status;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
#[cfg(any(feature = "ssr", not(feature = "designer-bundle")))]
use leptos_router::{
    components::{A, Route, Router, Routes},
    path,
};

/// The name under which the wasm-bindgen output (`pkg/statehouse.js`, `pkg/statehouse_bg.wasm`)
/// and the stylesheet (`pkg/statehouse.css`) are published.
pub const OUTPUT_NAME: &str = "statehouse";

/// The name under which the designer's bundle (`pkg/statehouse-designer.js`,
/// `pkg/statehouse-designer_bg.wasm`) is published. The designer is most of the app's wasm, so
/// it has a bundle of its own: the page at [`DESIGNER_PATH`] loads that one, every other page
/// the [`OUTPUT_NAME`] bundle, which has every page but the designer.
pub const DESIGNER_OUTPUT_NAME: &str = "statehouse-designer";

/// The name under which the designer's simulator is published (`pkg/statehouse-simulator.js`,
/// `pkg/statehouse-simulator_bg.wasm`): a wasm module of its own (the `simulator` crate), which
/// the designer loads the first time a state is run.
pub const SIMULATOR_OUTPUT_NAME: &str = "statehouse-simulator";

/// The designer's page, the only page the designer's bundle renders.
pub const DESIGNER_PATH: &str = "/designer";

/// What a server function's caller is told when the server asked for a sign-in instead of
/// answering (the `SignedOut` variant of every server function's error). The server answers
/// such a call with 401 and [`SIGNED_OUT_BODY`].
pub const SIGNED_OUT: &str = "You are signed out: your session ended or was signed out elsewhere. Sign in again \
                              in another tab, then try again here; this page keeps your work.";

/// The body of that 401: the `SignedOut` variant in the server functions' JSON error encoding.
pub const SIGNED_OUT_BODY: &str = "\"SignedOut\"";

/// Whether `path` (a request's, without the query) is the designer's page.
pub fn is_designer_path(path: &str) -> bool {
    path.trim_end_matches('/') == DESIGNER_PATH
}

/// Whether the page being rendered is the designer's: on the server, by the request's path; in
/// the browser, by the bundle, since each bundle hydrates only its own pages.
fn on_designer_page() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().is_some_and(|parts| is_designer_path(parts.uri.path()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        cfg!(feature = "designer-bundle")
    }
}

/// The `rel` of an in-app link to `path`: `external` when the page there belongs to the other
/// bundle, so the browser loads it from the server (with that bundle) instead of the router
/// rendering it in this one. The server and the browser compute the same value for a page.
pub fn link_rel(path: &str) -> Option<&'static str> {
    (is_designer_path(path) != on_designer_page()).then_some("external")
}

/// The HTML document around the app; only the server renders it.
///
/// The designer's page is rendered in the browser by its bundle (see `app/hydrate`), so its
/// body here is only a notice that it is loading (or needs JavaScript); the stylesheet and
/// title the app would have put in the head are written out.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let options = bundle_for_request(options);
    let body = if on_designer_page() {
        view! {
            <div class="page-loading" role="status">
                <p>"Loading the designer…"</p>
                <noscript>"The designer runs in the browser: it needs JavaScript and WebAssembly."</noscript>
            </div>
        }
        .into_any()
    } else {
        view! { <App /> }.into_any()
    };
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <HydrationScripts options />
                <MetaTags />
                {on_designer_page()
                    .then(|| {
                        view! {
                            <link rel="stylesheet" href=format!("/pkg/{OUTPUT_NAME}.css") />
                            <title>"Designer · Statehouse"</title>
                        }
                    })}
            </head>
            <body>{body}</body>
        </html>
    }
}

/// `options` naming the bundle the requested page needs: the designer's for [`DESIGNER_PATH`],
/// the other pages' for the rest.
#[cfg(feature = "ssr")]
fn bundle_for_request(mut options: LeptosOptions) -> LeptosOptions {
    if on_designer_page() {
        options.output_name = DESIGNER_OUTPUT_NAME.into();
    }
    options
}

/// The root component: page chrome, navigation and the page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // The designer's page has its stylesheet from the server's shell already (see `shell`).
    let stylesheet = (!cfg!(all(not(feature = "ssr"), feature = "designer-bundle")))
        .then(|| view! { <Stylesheet id="statehouse-css" href=format!("/pkg/{OUTPUT_NAME}.css") /> });
    view! {
        {stylesheet}
        <Title formatter=|page: String| {
            if page.is_empty() { "Statehouse".to_string() } else { format!("{page} · Statehouse") }
        } />
        <Pages />
    }
}

/// The top bar: the brand (a link to the start page) and the sections.
#[component]
fn TopBar() -> impl IntoView {
    view! {
        <header class="topbar">
            <NavLink href="/" class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                "Statehouse"
            </NavLink>
            <Navigation />
            // The account page is served by the server (sign-in), outside either bundle.
            <a href="/account" class="account-link" rel="external">
                "Account"
            </a>
        </header>
    }
}

/// Every page, chosen by the router. The server and the other pages' bundle have it.
#[cfg(any(feature = "ssr", not(feature = "designer-bundle")))]
#[component]
fn Pages() -> impl IntoView {
    view! {
        <Router>
            <TopBar />
            <PageMain>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=pages::HomePage />
                    <Route path=path!("/designer") view=pages::DesignerPage />
                    <Route path=path!("/executions") view=pages::ExecutionsPage />
                    <Route path=path!("/executions/map-runs/:arn") view=pages::MapRunPage />
                    <Route path=path!("/executions/:arn") view=pages::ExecutionPage />
                    <Route path=path!("/approvals") view=pages::ApprovalsPage />
                    <Route path=path!("/approvals/:id") view=pages::ApprovalPage />
                </Routes>
            </PageMain>
        </Router>
    }
}

/// The pages' `<main>`, classed by the page it holds ([`page_class`]).
#[cfg(any(feature = "ssr", not(feature = "designer-bundle")))]
#[component]
fn PageMain(children: Children) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    view! { <main class=move || location.pathname.with(|path| page_class(path))>{children()}</main> }
}

/// The class of the `<main>` that holds the page at `path`: the designer takes the whole width,
/// and the executions pages, whose tables need room, a wider column. Classes, not `:has()`
/// rules: with those, restyling the page made the browser search all of it, and in a 500-state
/// designer that cost about 10 ms per frame.
fn page_class(path: &str) -> &'static str {
    if path == "/designer" {
        "page page-designer"
    } else if path == "/executions" || path.starts_with("/executions/") {
        "page page-wide"
    } else {
        "page"
    }
}

/// The designer's bundle has one page, so no router: every link leaves the page (see
/// [`NavLink`]), which spares the bundle the router's code.
#[cfg(all(not(feature = "ssr"), feature = "designer-bundle"))]
#[component]
fn Pages() -> impl IntoView {
    view! {
        <TopBar />
        <main class=page_class("/designer")>
            <designer::DesignerPage />
        </main>
    }
}

/// A link in the page chrome: the router's `<A>` (which marks the current page with
/// `aria-current`) where there is a router, and a plain link with the same attributes in the
/// designer's bundle, where the only current page is the designer.
#[component]
fn NavLink(href: &'static str, #[prop(optional)] class: Option<&'static str>, children: Children) -> impl IntoView {
    #[cfg(any(feature = "ssr", not(feature = "designer-bundle")))]
    {
        view! { <A href=href attr:class=class attr:rel=link_rel(href)>{children()}</A> }
    }
    #[cfg(all(not(feature = "ssr"), feature = "designer-bundle"))]
    {
        let current = is_designer_path(href).then_some("page");
        view! { <a href=href class=class rel=link_rel(href) aria-current=current>{children()}</a> }
    }
}

#[cfg(any(feature = "ssr", not(feature = "designer-bundle")))]
mod pages {
    //! The page of each route. The server has them all; the other pages' bundle has every page
    //! but the designer, and [`super::Elsewhere`] stands in for it.

    pub(crate) use crate::{
        approvals::{ApprovalPage, ApprovalsPage},
        executions::{ExecutionPage, ExecutionsPage, MapRunPage},
        home::HomePage,
    };

    #[cfg(not(feature = "ssr"))]
    pub(crate) use super::Elsewhere as DesignerPage;
    #[cfg(feature = "ssr")]
    pub(crate) use crate::designer::DesignerPage;
}

/// The designer's page in the other pages' bundle, reached through the router (a link without
/// [`link_rel`], or Back and Forward): the page is loaded from the server, which sends it with
/// the designer's bundle. After Back or Forward the address bar already shows the page, so it
/// is reloaded; after a link the router has not changed the address yet (it does so once the
/// new page has rendered), so the browser is sent there.
#[cfg(all(not(feature = "ssr"), not(feature = "designer-bundle")))]
#[component]
fn Elsewhere() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    Effect::new(move || {
        let search = location.search.get_untracked();
        let target = if search.is_empty() {
            location.pathname.get_untracked()
        } else {
            format!("{}?{search}", location.pathname.get_untracked())
        };
        let here = window().location();
        let shown = format!("{}{}", here.pathname().unwrap_or_default(), here.search().unwrap_or_default());
        let _ = if shown == target { here.reload() } else { here.assign(&target) };
    });
}

/// The sections of Statehouse.
#[component]
fn Navigation() -> impl IntoView {
    view! {
        <nav class="mainnav" aria-label="Main">
            <ul>
                <li>
                    <NavLink href="/designer">"Designer"</NavLink>
                </li>
                <li>
                    <NavLink href="/executions">"Executions"</NavLink>
                </li>
                <li>
                    <NavLink href="/approvals">"Approvals"</NavLink>
                </li>
            </ul>
        </nav>
    }
}

/// Shown for any path no route matches; the server also answers such requests with 404.
#[cfg(any(feature = "ssr", not(feature = "designer-bundle")))]
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum_response::ResponseOptions>() {
            response.set_status(leptos_axum_response::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Not found" />
        <section class="card">
            <h1>"Not found"</h1>
            <p>"There is no page at this address. " <A href="/">"Go to the start page"</A> "."</p>
        </section>
    }
}

#[cfg(feature = "ssr")]
mod leptos_axum_response {
    //! Re-export of the response handle the server provides while rendering, so a page can set its status.
    pub use http::StatusCode;
    pub use leptos_axum::ResponseOptions;
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! What the server hands to server functions while it renders or answers them.

    use std::{future::Future, pin::Pin, sync::Arc};

    use crate::{
        approvals::{InboxError, InboxFacets, InboxFilter, InboxPage, RequestDetail},
        executions::{
            Cursor, ExecutionCounts, ExecutionDetail, ExecutionFilter, ExecutionPage, ExecutionsError, MapRunDetail,
            cost::MachineCost, failures::FailurePatterns,
        },
    };

    /// Shared server resources, provided as Leptos context for every request.
    #[derive(Clone, Debug)]
    pub struct ServerContext {
        /// The database pool (the embedded SQLite file by default).
        pub pool: sqlx::SqlitePool,
        /// The approvals inbox's queries (the server's `approvals::inbox`), run on `pool`.
        pub inbox: Arc<dyn ApprovalInbox>,
        /// The execution views' queries (the server's `web::executions_data`), run on `pool`.
        pub executions: Arc<dyn ExecutionReader>,
        /// Where clients reach the Step Functions API, for the pages' hints.
        pub api: ApiAddress,
    }

    /// Where the AWS CLI reaches this server and the region and account its ARNs name.
    #[derive(Clone, Debug, Default)]
    pub struct ApiAddress {
        /// The server's public URL (`STATEHOUSE_PUBLIC_URL`, or its bound address); when not
        /// known, the address the request came to (its Host) stands in.
        pub public_url: Option<String>,
        /// The engine's region.
        pub region: String,
        /// The engine's account.
        pub account: String,
    }

    impl ApiAddress {
        /// The hint for the request being answered.
        pub fn start_hint(&self) -> crate::executions::StartHint {
            let endpoint_url = self.public_url.clone().unwrap_or_else(|| {
                let host = leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| {
                    parts.headers.get(http::header::HOST).and_then(|host| host.to_str().ok().map(str::to_string))
                });
                format!("http://{}", host.as_deref().unwrap_or("127.0.0.1:3000"))
            });
            crate::executions::StartHint {
                endpoint_url: endpoint_url.trim_end_matches('/').to_string(),
                region: self.region.clone(),
                account: self.account.clone(),
            }
        }
    }

    /// A boxed future, so [`ApprovalInbox`] can be used as a trait object.
    pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

    /// The signed-in account a request came with: the server's sign-in check puts it in the
    /// request's extensions (none when sign-in is off).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Account(pub String);

    /// The account of the request a server function is answering, if it came with one.
    pub fn current_account() -> Option<String> {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Account>().map(|account| account.0.clone()))
    }

    /// The read-only approval queries the app's pages need. The server implements it (the app
    /// cannot depend on the server crate, which depends on it).
    pub trait ApprovalInbox: Send + Sync + std::fmt::Debug {
        /// One page of requests matching `filter`, newest first.
        fn list<'a>(
            &'a self,
            pool: &'a sqlx::SqlitePool,
            filter: &'a InboxFilter,
        ) -> BoxFuture<'a, Result<InboxPage, InboxError>>;
        /// The channels and state machines that have requests.
        fn facets<'a>(&'a self, pool: &'a sqlx::SqlitePool) -> BoxFuture<'a, Result<InboxFacets, InboxError>>;
        /// One request with its audit trail, if it exists.
        fn request<'a>(
            &'a self,
            pool: &'a sqlx::SqlitePool,
            id: i64,
        ) -> BoxFuture<'a, Result<Option<RequestDetail>, InboxError>>;
    }

    /// The read-only execution queries the app's pages need, implemented by the server.
    pub trait ExecutionReader: Send + Sync + std::fmt::Debug {
        /// One page of executions matching `filter`, newest first.
        /// How many top-level executions run now, and how many that started at or after
        /// `since_millis` failed.
        fn counts<'a>(
            &'a self,
            pool: &'a sqlx::SqlitePool,
            since_millis: i64,
        ) -> BoxFuture<'a, Result<ExecutionCounts, ExecutionsError>>;
        /// Whether `machine` is a state machine of the API (CreateStateMachine made it).
        fn machine_defined<'a>(
            &'a self,
            pool: &'a sqlx::SqlitePool,
            machine: &'a str,
        ) -> BoxFuture<'a, Result<bool, ExecutionsError>>;
        fn list<'a>(
            &'a self,
            pool: &'a sqlx::SqlitePool,
            filter: &'a ExecutionFilter,
        ) -> BoxFuture<'a, Result<ExecutionPage, ExecutionsError>>;
        /// One execution with its definition and history, if it exists.
        fn execution<'a>(
            &'a self,
            pool: &'a sqlx::SqlitePool,
            arn: &'a str,
        ) -> BoxFuture<'a, Result<Option<ExecutionDetail>, ExecutionsError>>;
        /// One Map Run with the page of its child executions after `after` (oldest first), if it exists.
        fn map_run<'a>(
            &'a self,
            pool: &'a sqlx::SqlitePool,
            arn: &'a str,
            after: Option<&'a Cursor>,
        ) -> BoxFuture<'a, Result<Option<MapRunDetail>, ExecutionsError>>;
        /// A state machine's recorded executions' billed transitions and cost per UTC day.
        fn daily_cost<'a>(
            &'a self,
            pool: &'a sqlx::SqlitePool,
            machine: &'a str,
        ) -> BoxFuture<'a, Result<MachineCost, ExecutionsError>>;
        /// The failed and timed-out executions `filter` selects (its page position ignored),
        /// grouped into patterns.
        fn failure_patterns<'a>(
            &'a self,
            pool: &'a sqlx::SqlitePool,
            filter: &'a ExecutionFilter,
        ) -> BoxFuture<'a, Result<FailurePatterns, ExecutionsError>>;
        /// The ARNs of the failed and timed-out Standard executions `filter` selects that
        /// ended in top-level state `state`, newest first: one more than
        /// [`crate::executions::failures::REDRIVE_BATCH`] at most.
        fn failed_standard_executions<'a>(
            &'a self,
            pool: &'a sqlx::SqlitePool,
            filter: &'a ExecutionFilter,
            state: Option<&'a str>,
        ) -> BoxFuture<'a, Result<Vec<String>, ExecutionsError>>;
    }
}
