//! Browser entry point: the wasm module's `hydrate` export takes over the page.
//!
//! The other pages' bundle (feature `pages`) hydrates what the server rendered. The designer's
//! bundle (feature `designer`) renders its page here instead: the server sends the designer's
//! page with a loading notice for a body (see `app::shell`), which is replaced by the app.
//! Rendering in the browser spares the bundle the code that hydrates every view (57 KiB
//! gzipped), and the designer shows the visitor's saved draft at once instead of the starter
//! template first.
#![recursion_limit = "256"]

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the generated JavaScript loader once the module is instantiated.
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
