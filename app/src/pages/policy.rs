//! `/policy`: the current social media policy, public; signed-in readers acknowledge it here.

use crate::app::use_texts;
use crate::components::common::{FallbackNote, FormError, Loading, date, error_view};
use crate::policy::PolicyPage;
use crate::policy::api::{AcknowledgePolicy, get_policy};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn PolicyRoute() -> impl IntoView {
    let policy = Resource::new(|| (), |_| get_policy());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match policy.await {
                    Ok(page) => view! { <PolicyBody page /> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PolicyBody(page: PolicyPage) -> impl IntoView {
    let t = use_texts();
    view! {
        <Title text=page.title.clone() />
        <article class="panel policy" aria-labelledby="page-title">
            <h1 id="page-title">{page.title.clone()}</h1>
            <p class="muted">{move || t.get().policy_version}" "{page.version}", "{move || t.get().published_on}" "{date(&page.published_at)}</p>
            <FallbackNote shown=page.fell_back />
            <p class="changes"><strong>{move || t.get().changes}": "</strong>{page.summary_of_changes.clone()}</p>
            <div class="policy-body" inner_html=page.html.clone()></div>
            <footer class="acknowledgement" id="acknowledgement">
                <FormError />
                {match (page.signed_in, page.acknowledged_at) {
                    (_, Some(at)) => view! { <p class="notice" role="status" id="acknowledged">{move || t.get().acknowledged_on}" "{date(&at)}</p> }.into_any(),
                    (true, None) => view! {
                        <form method="post" action=AcknowledgePolicy::PATH class="acknowledge">
                            <input type="hidden" name="version_id" value=page.version_id.clone() />
                            <button type="submit" class="button" id="acknowledge">{move || t.get().acknowledge}</button>
                        </form>
                    }.into_any(),
                    (false, None) => view! { <p><a href="/login?next=/policy">{move || t.get().sign_in_to_acknowledge}</a></p> }.into_any(),
                }}
            </footer>
        </article>
    }
}
