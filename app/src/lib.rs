//! Statehouse's user interface: Leptos components rendered on the server and hydrated in the browser.
//!
//! With the `ssr` feature the server renders these components to HTML; with `hydrate` the
//! same components compile to wasm32 and take over that HTML in the browser. Server-only
//! code (database access behind server functions) sits behind `#[cfg(feature = "ssr")]`.

pub mod approvals;
pub mod designer;
pub mod executions;
pub mod graph_view;
pub mod home;
pub mod status;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    components::{A, Route, Router, Routes},
    path,
};

/// The name under which the wasm-bindgen output (`pkg/statehouse.js`, `pkg/statehouse_bg.wasm`)
/// and the stylesheet (`pkg/statehouse.css`) are published.
pub const OUTPUT_NAME: &str = "statehouse";

/// The HTML document around the app; only the server renders it.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The root component: page chrome, navigation and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="statehouse-css" href=format!("/pkg/{OUTPUT_NAME}.css") />
        <Title formatter=|page: String| {
            if page.is_empty() { "Statehouse".to_string() } else { format!("{page} · Statehouse") }
        } />
        <Router>
            <header class="topbar">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "Statehouse"
                </A>
                <Navigation />
            </header>
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=home::HomePage />
                    <Route path=path!("/designer") view=designer::DesignerPage />
                    <Route path=path!("/executions") view=executions::ExecutionsPage />
                    <Route path=path!("/executions/map-runs/:arn") view=executions::MapRunPage />
                    <Route path=path!("/executions/:arn") view=executions::ExecutionPage />
                    <Route path=path!("/approvals") view=approvals::ApprovalsPage />
                    <Route path=path!("/approvals/:id") view=approvals::ApprovalPage />
                </Routes>
            </main>
        </Router>
    }
}

/// The sections of Statehouse.
#[component]
fn Navigation() -> impl IntoView {
    view! {
        <nav class="mainnav" aria-label="Main">
            <ul>
                <li>
                    <A href="/designer">"Designer"</A>
                </li>
                <li>
                    <A href="/executions">"Executions"</A>
                </li>
                <li>
                    <A href="/approvals">"Approvals"</A>
                </li>
            </ul>
        </nav>
    }
}

/// Shown for any path no route matches; the server also answers such requests with 404.
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
            Cursor, ExecutionDetail, ExecutionFilter, ExecutionPage, ExecutionsError, MapRunDetail, cost::MachineCost,
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
    }

    /// A boxed future, so [`ApprovalInbox`] can be used as a trait object.
    pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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
    }
}
