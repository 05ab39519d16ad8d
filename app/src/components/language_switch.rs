//! Switches the interface language: a plain form post. The server stores the choice (with the
//! person, or in a cookie before sign-in) and sends the browser back to the same page, which
//! then renders in the chosen language, course and policy text included.

use crate::accounts::api::SetLanguage;
use crate::app::{use_lang, use_texts};
use crate::i18n::Lang;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let lang = use_lang().get_untracked();
    let t = use_texts();
    view! {
        <form method="post" action=SetLanguage::PATH class="language-switch">
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
                            aria-pressed=(lang == option).to_string()
                        >
                            {option.native_name()}
                        </button>
                    }
                })
                .collect_view()}
        </form>
    }
}
