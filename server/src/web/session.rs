//! Sessions over HTTP: the middleware that turns the session cookie into the current person,
//! and the sign-in and sign-out form handlers.

use super::AppState;
use app::accounts::server::CurrentSession;
use app::accounts::server::{
    LoginError, LoginPolicy, SessionToken, authenticate, close_session, open_session,
    resolve_session,
};
use app::pages::login::safe_next;
use axum::{
    Form,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use chrono::{Duration, Utc};
use serde::Deserialize;

pub const SESSION_COOKIE: &str = "cleared_session";

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Resolves the session cookie (if any) and puts the `CurrentSession` into the request's
/// extensions, where pages and server functions read it.
pub async fn load_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(token) = cookie_value(request.headers(), SESSION_COOKIE) {
        let token = SessionToken(token.to_string());
        match resolve_session(&state.db, &token, Utc::now()).await {
            Ok(Some(session)) => {
                request.extensions_mut().insert(session);
            }
            Ok(None) => {}
            Err(error) => {
                tracing::error!(%error, "could not resolve a session");
                return super::unavailable::answer(request.headers());
            }
        }
    }
    next.run(request).await
}

fn session_cookie(value: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

fn back_to_login(code: &str, email: &str, next: &str) -> Response {
    let query = url_encode_pairs(&[("error", code), ("email", email), ("next", next)]);
    Redirect::to(&format!("/login?{query}")).into_response()
}

fn url_encode_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let encoded: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={encoded}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `POST /login`: checks the credentials and starts a session. Always answers with a
/// redirect, so reloading the next page never re-submits a password.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = safe_next(form.next.clone());
    if form.email.trim().is_empty() || form.password.is_empty() {
        return back_to_login("missing", form.email.trim(), &next);
    }
    let now = Utc::now();
    match authenticate(
        &state.db,
        &form.email,
        &form.password,
        now,
        LoginPolicy::default(),
    )
    .await
    {
        Ok(user) => {
            let lifetime = Duration::hours(state.config.session_hours);
            match open_session(&state.db, user, now, lifetime).await {
                Ok(token) => {
                    let mut response = Redirect::to(&next).into_response();
                    response.headers_mut().append(
                        header::SET_COOKIE,
                        session_cookie(
                            &token.0,
                            lifetime.num_seconds(),
                            state.config.secure_cookies,
                        ),
                    );
                    response
                }
                Err(error) => {
                    tracing::error!(%error, "could not open a session");
                    super::unavailable::answer(&headers)
                }
            }
        }
        Err(LoginError::InvalidCredentials) => back_to_login("invalid", form.email.trim(), &next),
        Err(LoginError::Deactivated) => back_to_login("deactivated", form.email.trim(), &next),
        Err(LoginError::Locked { .. }) => back_to_login("locked", form.email.trim(), &next),
        Err(LoginError::Db(error)) => {
            tracing::error!(%error, "sign-in failed on the database");
            super::unavailable::answer(&headers)
        }
    }
}

/// `POST /logout`: ends the session on the server (not just the cookie).
pub async fn sign_out(State(state): State<AppState>, request: Request) -> Response {
    if let Some(session) = request.extensions().get::<CurrentSession>()
        && let Err(error) = close_session(&state.db, &session.token_hash).await
    {
        tracing::error!(%error, "could not close a session");
    }
    let mut response = Redirect::to("/login?notice=signed-out").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        session_cookie("", 0, state.config.secure_cookies),
    );
    response
}
