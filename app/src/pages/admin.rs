//! `/admin`: people — search, create, change roles, deactivate and reactivate.

use crate::accounts::api::{CreatePerson, SetActive, SetRoles, list_people};
use crate::accounts::{PersonSummary, Role};
use crate::app::use_texts;
use crate::components::common::{ErrorText, FormError, FormNotice};
use crate::components::guard::RequireRole;
use crate::i18n::Lang;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <RequireRole role=Role::Admin>
            <PeopleAdmin />
        </RequireRole>
    }
}

#[component]
fn PeopleAdmin() -> impl IntoView {
    let t = use_texts();
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let people = Resource::new(search, list_people);
    view! {
        <Title text=t.get_untracked().admin_title />
        <section class="panel" aria-labelledby="page-title">
            <h1 id="page-title">{move || t.get().admin_title}": "{move || t.get().people}</h1>
            <p><a href="/admin/webhooks">{move || t.get().webhooks.nav_link}</a></p>
            <form method="get" action="/admin" class="search" role="search">
                <label for="q">{move || t.get().search_people_label}</label>
                <div class="inline">
                    <input id="q" name="q" type="search" value=search />
                    <button type="submit" class="button">{move || t.get().search}</button>
                </div>
            </form>
            <FormError />
            <FormNotice />
            <Suspense fallback=move || view! { <p>{move || t.get().loading}</p> }>
                {move || Suspend::new(async move {
                    match people.await {
                        Ok(list) => view! { <PeopleTable people=list /> }.into_any(),
                        Err(e) => view! { <ErrorText error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="panel" aria-labelledby="create-title">
            <h2 id="create-title">{move || t.get().create_person}</h2>
            <form method="post" action=CreatePerson::PATH class="grid-form" id="create-person">
                <label for="new-email">{move || t.get().email}</label>
                <input id="new-email" name="email" type="email" required />
                <label for="new-name">{move || t.get().display_name}</label>
                <input id="new-name" name="display_name" type="text" required />
                <label for="new-number">{move || t.get().employee_number}</label>
                <input id="new-number" name="employee_number" type="text" />
                <label for="new-department">{move || t.get().department}</label>
                <input id="new-department" name="department" type="text" />
                <label for="new-country">{move || t.get().country}</label>
                <input id="new-country" name="country" type="text" maxlength="2" />
                <label for="new-language">{move || t.get().preferred_language}</label>
                <select id="new-language" name="preferred_language">
                    <option value="">{move || t.get().browser_default}</option>
                    {Lang::ALL.into_iter().map(|l| view! { <option value=l.code()>{l.native_name()}</option> }).collect_view()}
                </select>
                <fieldset class="roles">
                    <legend>{move || t.get().roles}</legend>
                    <RoleCheckboxes id_prefix="new".to_string() checked=vec![Role::Employee] />
                </fieldset>
                <label for="new-password">{move || t.get().initial_password}</label>
                <input id="new-password" name="password" type="password" autocomplete="new-password" />
                <button type="submit" class="button">{move || t.get().create_person}</button>
            </form>
        </section>
    }
}

#[component]
fn RoleCheckboxes(id_prefix: String, checked: Vec<Role>) -> impl IntoView {
    let t = use_texts();
    Role::ALL
        .into_iter()
        .map(|role| {
            let id = format!("{id_prefix}-role-{}", role.code());
            let label_for = id.clone();
            view! {
                <label class="checkbox" for=label_for>
                    <input type="checkbox" id=id name=format!("role_{}", role.code()) value="on" checked=checked.contains(&role) />
                    {move || role.label(t.get())}
                </label>
            }
        })
        .collect_view()
}

#[component]
fn PeopleTable(people: Vec<PersonSummary>) -> impl IntoView {
    let t = use_texts();
    if people.is_empty() {
        return view! { <p>{move || t.get().no_people_found}</p> }.into_any();
    }
    let count = people.len();
    view! {
        <p class="count">{move || crate::app::use_lang().get().people(count)}</p>
        <div class="table-wrap">
            <table class="people">
                <thead>
                    <tr>
                        <th scope="col">{move || t.get().display_name}</th>
                        <th scope="col">{move || t.get().department}</th>
                        <th scope="col">{move || t.get().roles}</th>
                        <th scope="col">{move || t.get().status}</th>
                    </tr>
                </thead>
                <tbody>
                    {people
                        .into_iter()
                        .map(|person| {
                            let id = person.id.to_string();
                            let (roles_id, active_id) = (id.clone(), id.clone());
                            let active = person.active;
                            view! {
                                <tr data-email=person.email.clone()>
                                    <td>
                                        <strong>{person.display_name.clone()}</strong>
                                        <br />
                                        <span class="muted">{person.email.clone()}</span>
                                        {person.employee_number.clone().map(|n| view! { <br /><span class="muted">{n}</span> })}
                                    </td>
                                    <td>
                                        {person.department.clone().unwrap_or_default()}
                                        {person.country.clone().map(|c| format!(" · {c}"))}
                                    </td>
                                    <td>
                                        <form method="post" action=SetRoles::PATH class="roles-form">
                                            <input type="hidden" name="user_id" value=roles_id />
                                            <RoleCheckboxes id_prefix=id checked=person.roles.clone() />
                                            <button type="submit" class="button small">{move || t.get().save_roles}</button>
                                        </form>
                                    </td>
                                    <td>
                                        <span class=if active { "status ok" } else { "status off" }>
                                            {move || if active { t.get().active } else { t.get().deactivated }}
                                        </span>
                                        <form method="post" action=SetActive::PATH>
                                            <input type="hidden" name="user_id" value=active_id />
                                            <input type="hidden" name="active" value=(!active).to_string() />
                                            <button type="submit" class="button small secondary">
                                                {move || if active { t.get().deactivate } else { t.get().reactivate }}
                                            </button>
                                        </form>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
