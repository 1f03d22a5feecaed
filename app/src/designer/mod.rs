//! The designer at `/designer`: a state machine edited as a graph and as ASL text, kept in step.

pub mod saved;

use leptos::prelude::*;
use leptos_meta::Title;

/// The designer page.
#[component]
pub fn DesignerPage() -> impl IntoView {
    view! {
        <Title text="Designer" />
        <section class="designer" data-testid="designer"></section>
    }
}
