//! Outcomes of plain HTML forms. Every form posts straight to its server function; on failure
//! the browser would show the raw JSON error. This turns such an error into a redirect back to
//! the form's page with `?error=<code>`, and a success the server function names
//! (`app::redirect::FORM_NOTICE_HEADER`) into one with `?notice=<code>`; the page words both.

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

/// The page to go back to, with the outcome's codes set, replacing earlier outcomes.
fn back_with(referer: &str, outcome: &[(&str, String)]) -> String {
    let (path, query) = referer.split_once('?').unwrap_or((referer, ""));
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .filter(|(key, _)| !["error", "n", "notice"].contains(&key.as_str()))
        .collect();
    pairs.extend(
        outcome
            .iter()
            .map(|(key, value)| (key.to_string(), value.clone())),
    );
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// Only our own pages: the path of a same-origin referer, through the one redirect validator.
fn local_path(referer: &HeaderValue, host: Option<&HeaderValue>) -> Option<String> {
    let referer = url::Url::parse(referer.to_str().ok()?).ok()?;
    let host = host?.to_str().ok()?;
    let authority = match referer.port() {
        Some(port) => format!("{}:{port}", referer.host_str()?),
        None => referer.host_str()?.to_string(),
    };
    if !authority.eq_ignore_ascii_case(host) {
        return None;
    }
    let path = match referer.query() {
        Some(query) => format!("{}?{query}", referer.path()),
        None => referer.path().to_string(),
    };
    app::redirect::local_path(&path)
}

/// A plain form post goes back to its page: on success Leptos sends the browser to the
/// `Referer`, on failure this sends it there with the error. Either way only to a page of ours.
pub async fn form_errors_back_to_page(request: Request, next: Next) -> Response {
    if !is_plain_form_post(&request) {
        return next.run(request).await;
    }
    let headers = request.headers().clone();
    let back = request
        .headers()
        .get(header::REFERER)
        .and_then(|r| local_path(r, request.headers().get(header::HOST)))
        .unwrap_or_else(|| app::redirect::DEFAULT_TARGET.to_string());
    let mut response = next.run(request).await;
    let status = response.status();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        // The one answer for an unavailable database, as on every other path.
        return super::unavailable::answer(&headers);
    }
    if !(status.is_client_error() || status.is_server_error()) {
        // A server function may send the browser on (`leptos_axum::redirect`); Leptos's own
        // default is the raw `Referer`. Either is kept only as a path on this site, without
        // the outcome of an earlier post, and with the notice the server function named.
        let notice = response
            .headers_mut()
            .remove(app::redirect::FORM_NOTICE_HEADER)
            .and_then(|code| code.to_str().ok().map(|code| ("notice", code.to_string())));
        if let Some(location) = response.headers().get(header::LOCATION) {
            let target = location
                .to_str()
                .ok()
                .and_then(app::redirect::local_path)
                .unwrap_or(back);
            let target = back_with(&target, notice.as_slice());
            if let Ok(target) = HeaderValue::from_str(&target) {
                response.headers_mut().insert(header::LOCATION, target);
            }
        }
        return response;
    }
    let body = to_bytes(response.into_body(), MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    let error = serde_json::from_slice::<AppError>(&body).unwrap_or(AppError::Internal);
    let (code, number) = error.code();
    let mut outcome = vec![("error", code.to_string())];
    outcome.extend(number.map(|number| ("n", number.to_string())));
    let mut redirect = Redirect::to(&back_with(&back, &outcome)).into_response();
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
    fn outcome_replaces_an_earlier_one_and_keeps_the_query() {
        let error = |code: &str| ("error", code.to_string());
        assert_eq!(
            back_with("/admin?q=sales&error=old&n=2", &[error("invalid_email")]),
            "/admin?q=sales&error=invalid_email"
        );
        assert_eq!(
            back_with(
                "/attempts/x",
                &[error("question_unanswered"), ("n", "3".to_string())]
            ),
            "/attempts/x?error=question_unanswered&n=3"
        );
        assert_eq!(
            back_with(
                "/admin?notice=person_created&q=sales&error=x",
                &[("notice", "changes_saved".to_string())]
            ),
            "/admin?q=sales&notice=changes_saved"
        );
        assert_eq!(back_with("/policy?error=stale", &[]), "/policy");
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
