//! The one answer for "the database is unavailable, busy or full" outside the Leptos renderer
//! (which answers the same through `AppError::Unavailable`): 503 with `Retry-After`, a
//! translated page for browsers and the server functions' JSON error for everyone else.

use app::accounts::cookies::requested_language;
use app::error::{AppError, RETRY_AFTER_SECONDS};
use app::i18n::Lang;
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// The reader's language without asking the database: the language cookie, else
/// `Accept-Language`, else English.
pub fn language(headers: &HeaderMap) -> Lang {
    requested_language(headers).unwrap_or_default()
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// 503 with `Retry-After`: a small translated page when the client reads HTML (browsers,
/// forms posted without JavaScript), else the JSON error `"Unavailable"` that every server
/// function answers with.
pub fn answer(request_headers: &HeaderMap) -> Response {
    let mut response = if wants_html(request_headers) {
        let lang = language(request_headers);
        let t = lang.texts();
        let page = format!(
            "<!DOCTYPE html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title><link rel=\"stylesheet\" href=\"/pkg/{name}.css\"></head>\
             <body><main><section class=\"panel error-page\" id=\"unavailable\">\
             <h1>{title}</h1><p class=\"error\" role=\"alert\">{body}</p></section></main>\
             </body></html>",
            code = lang.code(),
            title = t.unavailable_title,
            body = t.unavailable_body,
            name = crate::OUTPUT_NAME,
        );
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response()
    } else {
        let body = serde_json::to_string(&AppError::Unavailable).unwrap_or_default();
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_speaks_the_readers_language() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("text/html"));
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("de-DE,de;q=0.9"),
        );
        assert_eq!(language(&headers), Lang::De);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; cleared_lang=en"),
        );
        assert_eq!(language(&headers), Lang::En);
        let response = answer(&headers);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
    }
}
