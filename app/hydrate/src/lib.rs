//! Browser entry points: the wasm module's `hydrate` export takes over the page, and the
//! simulator module's `simulate` export runs a state.
//!
//! The other pages' bundle (feature `pages`) hydrates what the server rendered. The designer's
//! bundle (feature `designer`) renders its page here instead: the server sends the designer's
//! page with a loading notice for a body (see `app::shell`), which is replaced by the app.
//! Rendering in the browser spares the bundle the code that hydrates every view, and the
//! designer shows the visitor's saved draft at once instead of the starter template first.
//! The simulator (feature `simulator`) is a module of its own, which the designer loads the
//! first time a state is run, so the designer's bundle does not carry the evaluator.
#![recursion_limit = "256"]

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the generated JavaScript loader once the module is instantiated.
#[cfg(any(feature = "pages", feature = "designer"))]
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    #[cfg(not(feature = "designer"))]
    leptos::mount::hydrate_body(app::App);
    #[cfg(feature = "designer")]
    {
        if let Some(body) = leptos::prelude::document().body() {
            body.set_inner_html("");
        }
        leptos::mount::mount_to_body(app::App);
    }
}

/// Runs one state in the simulator: a JSON `simulator::SimulationRequest` in, a JSON answer out
/// (`simulator::simulate_json`).
#[cfg(feature = "simulator")]
#[wasm_bindgen]
pub fn simulate(request: &str) -> String {
    console_error_panic_hook::set_once();
    simulator::simulate_json(request)
}
