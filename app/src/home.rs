//! The start page: what Statehouse is, where its parts are (or will be), and a live check of the server.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::status::{ServerStatus, check_server};

/// The page at `/`.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Statehouse"</h1>
            <p class="lede">
                "A self-hosted studio for the Amazon States Language: design Step Functions state machines as graphs, "
                "run them locally with AWS's semantics, and route human approvals by email."
            </p>
        </section>
        <section class="cards">
            <article class="card">
                <h2><a href="/designer" rel="external">"Designer"</a></h2>
                <p>"Edit state machines as graphs that round-trip losslessly to ASL JSON and YAML."</p>
            </article>
            <article class="card">
                <h2><a href="/executions">"Executions"</a></h2>
                <p>"Run state machines locally and follow each execution on its graph and in its history, in AWS's shape."</p>
            </article>
            <article class="card">
                <h2><a href="/approvals">"Approvals"</a></h2>
                <p>"Turn waitForTaskToken tasks into approval requests decided by email, and follow each one's audit trail."</p>
            </article>
        </section>
        <ServerCheck />
    }
}

/// A button that asks the server how it is; it works once the page has hydrated.
#[component]
fn ServerCheck() -> impl IntoView {
    let check = Action::new(|_: &()| check_server());
    let pending = check.pending();
    let outcome = check.value();

    view! {
        <section class="card server-check" aria-live="polite">
            <h2>"Server"</h2>
            <button
                type="button"
                data-testid="check-server"
                on:click=move |_| {
                    check.dispatch(());
                }
                disabled=move || pending.get()
            >
                {move || if pending.get() { "Checking…" } else { "Check the server" }}
            </button>
            <p data-testid="server-status">
                {move || match outcome.get() {
                    None => "Not checked yet.".to_string(),
                    Some(Ok(status)) => describe(&status),
                    Some(Err(error)) => format!("The check failed: {error}"),
                }}
            </p>
        </section>
    }
}

fn describe(status: &ServerStatus) -> String {
    format!(
        "Statehouse {} · {} answered in {:.1} ms · {} migration(s) applied",
        status.version, status.database, status.round_trip_ms, status.applied_migrations
    )
}
