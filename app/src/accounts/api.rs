//! Server functions for accounts. Each is a public endpoint: it checks who is asking first.

// A server function's arguments are its form fields; a form with many fields means many
// arguments.
#![allow(clippy::too_many_arguments)]

use super::PersonSummary;
#[cfg(feature = "ssr")]
use super::{Role, SessionInfo};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::i18n::Lang;
#[cfg(feature = "ssr")]
use crate::notice::Notice;
#[cfg(feature = "ssr")]
use crate::problem::Problem;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::accounts::Me;
    use crate::accounts::server::CurrentSession;
    use sea_orm::DatabaseConnection;

    use crate::accounts::cookies::SessionSettings;
    use crate::accounts::sign_in::Source;

    fn request_parts() -> Option<http::request::Parts> {
        use_context::<http::request::Parts>()
    }

    /// The session the request carried, as resolved by the server's session middleware.
    pub fn current_session() -> Option<CurrentSession> {
        request_parts()?.extensions.get::<CurrentSession>().cloned()
    }

    pub fn database() -> Result<DatabaseConnection, AppError> {
        use_context::<DatabaseConnection>().ok_or_else(|| {
            tracing::error!("no database connection in the server-function context");
            AppError::Internal
        })
    }

    /// The language of this request's reader.
    pub fn request_lang() -> Lang {
        session_info_for_request().lang
    }

    /// The signed-in person, or 401.
    pub fn require_signed_in() -> Result<Me, AppError> {
        current_session()
            .map(|s| s.me)
            .ok_or_else(|| AppError::NotSignedIn.with_status())
    }

    /// The signed-in person if they hold `role`; 401 or 403 otherwise.
    pub fn require_role(role: Role) -> Result<Me, AppError> {
        let me = require_signed_in()?;
        if me.has_role(role) {
            Ok(me)
        } else {
            Err(AppError::Forbidden.with_status())
        }
    }

    /// How this deployment keeps sessions (provided by the server).
    pub fn session_settings() -> SessionSettings {
        use_context::<SessionSettings>().unwrap_or_default()
    }

    /// Where this request comes from, for throttling password checks.
    pub fn request_source() -> Source {
        request_parts()
            .and_then(|parts| {
                parts
                    .extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                    .map(|info| Source::from_ip(info.0.ip()))
            })
            .unwrap_or_else(Source::local)
    }

    /// The language for this request: the person's choice, else the language cookie, else the
    /// browser's `Accept-Language`, else English.
    pub fn session_info_for_request() -> SessionInfo {
        let session = current_session();
        let parts = request_parts();
        let lang = session
            .as_ref()
            .and_then(|s| s.preferred_language)
            .or_else(|| {
                parts
                    .as_ref()
                    .and_then(|p| crate::accounts::cookies::requested_language(&p.headers))
            })
            .unwrap_or_default();
        SessionInfo {
            me: session.map(|s| s.me),
            lang,
        }
    }
}

/// Switches the interface language; stored with the person, or in a cookie before sign-in.
#[server(prefix = "/api", endpoint = "set_language")]
pub async fn set_language(lang: String) -> Result<(), AppError> {
    let lang = Lang::from_code(&lang)
        .ok_or_else(|| AppError::Invalid(Problem::UnknownLanguage).with_status())?;
    if let Some(session) = current_session() {
        crate::accounts::server::set_preferred_language(
            &database()?,
            session.me.id,
            lang,
            chrono::Utc::now(),
        )
        .await?;
    }
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.append_header(
            http::header::SET_COOKIE,
            session_settings().language_cookie(lang),
        );
    }
    Ok(())
}

/// Changes the signed-in person's own password.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let me = require_signed_in()?;
    let settings = session_settings();
    let token = crate::accounts::server::change_password(
        &database()?,
        me.id,
        &current_password,
        &new_password,
        &request_source(),
        chrono::Utc::now(),
        settings.lifetime,
    )
    .await?;
    // Every session ended with the change; this one continues under a new token.
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.append_header(http::header::SET_COOKIE, settings.session_cookie(&token.0));
    }
    Notice::PasswordChanged.send();
    Ok(())
}

/// People matching a search, for the admin area.
#[server(prefix = "/api", endpoint = "admin/list_people")]
pub async fn list_people(query: String) -> Result<Vec<PersonSummary>, AppError> {
    require_role(Role::Admin)?;
    Ok(crate::accounts::server::search_people(&database()?, &query, 200).await?)
}

/// Creates a person from the admin form.
#[server(prefix = "/api", endpoint = "admin/create_person")]
pub async fn create_person(
    email: String,
    display_name: String,
    employee_number: Option<String>,
    department: Option<String>,
    country: Option<String>,
    preferred_language: Option<String>,
    role_employee: Option<String>,
    role_trainer: Option<String>,
    role_compliance: Option<String>,
    role_admin: Option<String>,
    password: Option<String>,
) -> Result<(), AppError> {
    let me = require_role(Role::Admin)?;
    let roles = crate::text::ticked(
        Role::ALL,
        [role_employee, role_trainer, role_compliance, role_admin],
    );
    let preferred_language = match preferred_language
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(code) => Some(
            Lang::from_code(code)
                .ok_or_else(|| AppError::Invalid(Problem::UnknownLanguage).with_status())?,
        ),
        None => None,
    };
    let person = super::NewPerson {
        email,
        display_name,
        employee_number,
        department,
        country,
        preferred_language,
        roles,
    };
    crate::accounts::server::create_person(
        &database()?,
        Some(me.id),
        person,
        password.as_deref(),
        chrono::Utc::now(),
    )
    .await?;
    Notice::PersonCreated.send();
    Ok(())
}

#[cfg(feature = "ssr")]
pub fn parse_user_id(raw: &str) -> Result<super::UserId, AppError> {
    uuid::Uuid::parse_str(raw.trim())
        .map(super::UserId)
        .map_err(|_| AppError::NotFound.with_status())
}

/// Replaces a person's roles.
#[server(prefix = "/api", endpoint = "admin/set_roles")]
pub async fn set_roles(
    user_id: String,
    role_employee: Option<String>,
    role_trainer: Option<String>,
    role_compliance: Option<String>,
    role_admin: Option<String>,
) -> Result<(), AppError> {
    let me = require_role(Role::Admin)?;
    let user = parse_user_id(&user_id)?;
    let roles = crate::text::ticked(
        Role::ALL,
        [role_employee, role_trainer, role_compliance, role_admin],
    );
    crate::accounts::server::set_roles(&database()?, Some(me.id), user, roles, chrono::Utc::now())
        .await?;
    Notice::ChangesSaved.send();
    Ok(())
}

/// Deactivates (`active = false`) or reactivates a person.
#[server(prefix = "/api", endpoint = "admin/set_active")]
pub async fn set_active(user_id: String, active: bool) -> Result<(), AppError> {
    let me = require_role(Role::Admin)?;
    let user = parse_user_id(&user_id)?;
    crate::accounts::server::set_active(
        &database()?,
        Some(me.id),
        user,
        active,
        chrono::Utc::now(),
    )
    .await?;
    Notice::ChangesSaved.send();
    Ok(())
}
