//! Sessions over HTTP: the middleware that turns the session cookie into the current person,
//! and the sign-in and sign-out form handlers.

use super::AppState;
use app::accounts::server::{
    CurrentSession, SessionToken, close_session, open_session, resolve_session,
};
use app::accounts::sign_in::{SignInError, SignInPolicy, Source, authenticate};
use app::pages::requires_sign_in;
use app::redirect::{next_or_default, sign_in_then};
use axum::{
    Extension, Form,
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, Method, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;
use serde::Deserialize;
use std::net::SocketAddr;

/// Requests that never need to know who is asking: static files and health checks. They skip
/// the session lookup (three queries).
fn is_anonymous_resource(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/favicon.ico"
        || path.rsplit('/').next().is_some_and(|last| {
            last.rsplit_once('.').is_some_and(|(_, ext)| {
                matches!(
                    ext,
                    "css" | "js" | "wasm" | "png" | "svg" | "ico" | "woff2" | "txt"
                )
            })
        })
}

/// Resolves the session cookie (if any) and puts the `CurrentSession` into the request's
/// extensions, where pages and server functions read it. A signed-out request for a page
/// that needs a person is sent to sign in, with the page as `next`.
pub async fn load_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    if is_anonymous_resource(&path) {
        return next.run(request).await;
    }
    let mut signed_in = false;
    if let Some(token) = state.session.session_token(request.headers()) {
        let token = SessionToken(token);
        match resolve_session(&state.db, &token, Utc::now()).await {
            Ok(Some(session)) => {
                request.extensions_mut().insert(session);
                signed_in = true;
            }
            Ok(None) => {}
            Err(error) => {
                tracing::error!(%error, "could not resolve a session");
                return super::unavailable::answer(request.headers());
            }
        }
    }
    if !signed_in && request.method() == Method::GET && requires_sign_in(&path) {
        let target = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or(path);
        return Redirect::to(&sign_in_then(&target)).into_response();
    }
    next.run(request).await
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Back to the sign-in form with an error code. The email is kept in the form only when it
/// is short and printable; nothing unbounded is echoed.
fn back_to_login(code: &str, email: &str, next: &str) -> Response {
    let email = email.trim();
    let keep_email = email.len() <= 254 && !email.chars().any(char::is_control);
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("error", code);
    if keep_email && !email.is_empty() {
        query.append_pair("email", email);
    }
    query.append_pair("next", next);
    Redirect::to(&format!("/login?{}", query.finish())).into_response()
}

/// `POST /login`: checks the credentials and starts a session. Always answers with a
/// redirect, so reloading the next page never re-submits a password. Every refused attempt
/// gets the same answer, whether the email is unknown, the password wrong or the attempt
/// throttled.
pub async fn sign_in(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = next_or_default(form.next.as_deref());
    if form.email.trim().is_empty() || form.password.is_empty() {
        return back_to_login("missing", &form.email, &next);
    }
    let source = peer.map_or_else(Source::local, |Extension(ConnectInfo(addr))| {
        Source::from_ip(addr.ip())
    });
    let now = Utc::now();
    let outcome = authenticate(
        &state.db,
        &form.email,
        &form.password,
        &source,
        now,
        SignInPolicy::default(),
    )
    .await;
    let user = match outcome {
        Ok(user) => user,
        Err(SignInError::Refused | SignInError::Throttled { .. }) => {
            return back_to_login("invalid", &form.email, &next);
        }
        Err(SignInError::Deactivated) => return back_to_login("deactivated", &form.email, &next),
        Err(SignInError::Db(error)) => {
            tracing::error!(%error, "sign-in failed on the database");
            return super::unavailable::answer(&headers);
        }
    };
    match open_session(&state.db, user, now, state.session.lifetime).await {
        Ok(token) => {
            let mut response = Redirect::to(&next).into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, state.session.session_cookie(&token.0));
            response
        }
        Err(error) => {
            tracing::error!(%error, "could not open a session");
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
    response
        .headers_mut()
        .append(header::SET_COOKIE, state.session.end_session_cookie());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_files_and_health_checks_skip_the_session_lookup() {
        for path in [
            "/pkg/cleared.wasm",
            "/healthz",
            "/readyz",
            "/favicon.ico",
            "/logo.svg",
        ] {
            assert!(is_anonymous_resource(path), "{path}");
        }
        for path in [
            "/dashboard",
            "/api/dashboard",
            "/courses/smac-101",
            "/verify/ABC",
        ] {
            assert!(!is_anonymous_resource(path), "{path}");
        }
    }
}
