//! Switches the interface language: instantly once the page is interactive, by a plain form
//! post before that.

use crate::accounts::api::SetLanguage;
use crate::app::{use_lang, use_texts};
use crate::i18n::Lang;
use leptos::prelude::*;

#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let lang = use_lang();
    let t = use_texts();
    let save = crate::app::use_language_saves();
    view! {
        <form method="post" action="/api/set_language" class="language-switch">
            <span class="visually-hidden">{move || t.get().language}</span>
            {Lang::ALL
                .into_iter()
                .map(|option| {
                    view! {
                        <button
                            type="submit"
                            name="lang"
                            value=option.code()
                            lang=option.code()
                            class="lang-option"
                            aria-pressed=move || (lang.get() == option).to_string()
                            on:click=move |ev| {
                                ev.prevent_default();
                                lang.set(option);
                                #[cfg(feature = "hydrate")]
                                if let Some(root) = web_sys::window()
                                    .and_then(|w| w.document())
                                    .and_then(|d| d.document_element())
                                {
                                    let _ = root.set_attribute("lang", option.code());
                                }
                                save.dispatch(SetLanguage { lang: option.code().to_string() });
                            }
                        >
                            {option.native_name()}
                        </button>
                    }
                })
                .collect_view()}
        </form>
    }
}
