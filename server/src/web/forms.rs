//! Server-function errors for plain HTML forms. Without JavaScript an `<ActionForm>` posts
//! straight to its server function; on failure the browser would show the raw JSON error.
//! This turns such an error into a redirect back to the form's page with `?error=<message>`,
//! which the page shows.

use app::error::AppError;
use axum::{
    body::to_bytes,
    extract::Request,
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

const MAX_ERROR_BODY: usize = 64 * 1024;

fn is_plain_form_post(request: &Request) -> bool {
    request.method() == Method::POST
        && request.uri().path().starts_with("/api/")
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

/// The page to go back to, with `error` set (replacing an earlier one).
fn back_with_error(referer: &str, message: &str) -> String {
    let (path, query) = referer.split_once('?').unwrap_or((referer, ""));
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .filter(|(key, _)| key != "error")
        .collect();
    pairs.push(("error".into(), message.into()));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{path}?{query}")
}

/// Only our own pages: the path of a same-origin referer.
fn local_path(referer: &HeaderValue, host: Option<&HeaderValue>) -> Option<String> {
    let referer = referer.to_str().ok()?;
    let host = host?.to_str().ok()?;
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host)?;
    path.starts_with('/').then(|| path.to_string())
}

pub async fn form_errors_back_to_page(request: Request, next: Next) -> Response {
    if !is_plain_form_post(&request) {
        return next.run(request).await;
    }
    let headers = request.headers().clone();
    let back = request
        .headers()
        .get(header::REFERER)
        .and_then(|r| local_path(r, request.headers().get(header::HOST)));
    let response = next.run(request).await;
    let (Some(back), true) = (
        back,
        response.status().is_client_error() || response.status().is_server_error(),
    ) else {
        return response;
    };
    let status = response.status();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        // The one answer for an unavailable database, as on every other path.
        return super::unavailable::answer(&headers);
    }
    let body = to_bytes(response.into_body(), MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<AppError>(&body)
        .map(|e| e.to_string())
        .unwrap_or_else(|_| format!("The request failed ({status})."));
    let mut redirect = Redirect::to(&back_with_error(&back, &message)).into_response();
    // Keep the real outcome visible to tools that look at more than the Location header.
    redirect
        .headers_mut()
        .insert("x-form-error-status", HeaderValue::from(status.as_u16()));
    redirect
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_replaces_an_earlier_one_and_keeps_the_query() {
        assert_eq!(
            back_with_error("/admin?q=sales&error=old", "bad email"),
            "/admin?q=sales&error=bad+email"
        );
        assert_eq!(back_with_error("/account", "wrong"), "/account?error=wrong");
    }

    #[test]
    fn only_same_origin_referers_are_followed() {
        let host = HeaderValue::from_static("app.test");
        assert_eq!(
            local_path(
                &HeaderValue::from_static("http://app.test/admin?q=1"),
                Some(&host)
            )
            .as_deref(),
            Some("/admin?q=1")
        );
        assert_eq!(
            local_path(
                &HeaderValue::from_static("https://evil.test/admin"),
                Some(&host)
            ),
            None
        );
        assert_eq!(
            local_path(
                &HeaderValue::from_static("http://app.test.evil.test/"),
                Some(&host)
            ),
            None
        );
    }
}
