//! The islands: the only components compiled into the browser bundle (`#[island]`). Everything
//! else renders on the server only, so pages are plain HTML with forms and links; keep what
//! lives here small, since every line of it ships to every browser.

use leptos::prelude::*;

/// Marks the moment the page's islands became interactive: sets `data-hydrated` on `<body>`.
/// Placed last in the document, and islands hydrate in document order, so every island before
/// it is live by then. Browser tests wait for the attribute.
#[island]
pub fn HydrationMarker() -> impl IntoView {
    // Effects run only in the browser.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// A button that opens the browser's print dialog; `label` is already in the reader's
/// language (islands see no context from the server-rendered page around them).
#[island]
pub fn PrintButton(label: String) -> impl IntoView {
    view! {
        <button
            type="button"
            class="button secondary"
            id="print"
            on:click=move |_| {
                #[cfg(feature = "hydrate")]
                if let Some(window) = web_sys::window() {
                    let _ = window.print();
                }
            }
        >
            {label}
        </button>
    }
}
