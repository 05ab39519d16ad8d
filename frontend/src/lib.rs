//! WebAssembly entry point: hydrates the islands of the server-rendered page (the `#[island]`
//! components of `app`); everything else stays plain HTML.

// Links `app`, whose islands are exported to JavaScript by `#[island]` and found by name.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
