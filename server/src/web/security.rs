//! Cross-site request forgery protection and security headers.
//!
//! CSRF: a state-changing request must prove it comes from one of our own pages. Browsers
//! send `Sec-Fetch-Site` and `Origin` on every form post and fetch; a request whose origin is
//! another site, or that carries neither header, is refused. Together with `SameSite=Lax`
//! session cookies this covers plain HTML forms (the sign-in form included) and server
//! functions alike, without a token that pages would have to carry.

use super::AppState;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Whether a request with this method and these headers may change state. `https` says
/// which scheme this site is served over: an `Origin` must match scheme, host and port.
pub fn is_same_origin_request(method: &Method, headers: &HeaderMap, https: bool) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let scheme = if https { "https" } else { "http" };
    let Ok(ours) = url::Url::parse(&format!("{scheme}://{host}/")) else {
        return false;
    };
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(|origin| url::Url::parse(origin).ok());
    claimed.is_some_and(|claimed| claimed.origin() == ours.origin())
}

pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_same_origin_request(
        request.method(),
        request.headers(),
        state.session.secure_cookies,
    ) {
        return next.run(request).await;
    }
    tracing::warn!(method = %request.method(), path = %request.uri().path(), "refused a cross-site request");
    if request.uri().path() == "/login" {
        return axum::response::Redirect::to("/login?error=csrf").into_response();
    }
    let lang = super::unavailable::language(request.headers());
    (StatusCode::FORBIDDEN, lang.texts().error_csrf).into_response()
}

/// Responses that may be kept by browsers and proxies: the built bundle. Other public files
/// set their own `Cache-Control`; everything else can show a person's data and is `no-store`.
fn is_cacheable_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.ico"
}

/// Headers every response carries. Pages set their own Content-Security-Policy with a
/// per-response nonce; everything else gets a strict default.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let cacheable = is_cacheable_asset(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
            ),
        );
    }
    // The site's own files say how they may be cached; everything else is `no-store`.
    if !cacheable && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.session.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn state_changing_requests_need_a_same_origin_proof() {
        let post = Method::POST;
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[("host", "app.test"), ("origin", "http://app.test")], true),
            (
                &[("host", "app.test"), ("origin", "https://evil.test")],
                false,
            ),
            (
                &[("host", "app.test"), ("referer", "http://app.test/login")],
                true,
            ),
            (
                &[
                    ("host", "app.test"),
                    ("referer", "http://app.test.evil.test/"),
                ],
                false,
            ),
            (
                &[
                    ("host", "app.test"),
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "http://app.test"),
                ],
                false,
            ),
            (
                &[("host", "app.test"), ("sec-fetch-site", "same-origin")],
                true,
            ),
            (&[("host", "app.test")], false),
            // Scheme and port count too.
            (
                &[("host", "app.test"), ("origin", "https://app.test")],
                false,
            ),
            (
                &[
                    ("host", "app.test:8080"),
                    ("origin", "http://app.test:8081"),
                ],
                false,
            ),
            (
                &[
                    ("host", "app.test:8080"),
                    ("origin", "http://app.test:8080"),
                ],
                true,
            ),
            (
                &[("host", "app.test"), ("origin", "http://app.test:80")],
                true,
            ),
            (&[("host", "app.test"), ("origin", "null")], false),
        ];
        for (pairs, expected) in cases {
            assert_eq!(
                is_same_origin_request(&post, &headers(pairs), false),
                *expected,
                "{pairs:?}"
            );
        }
        assert!(is_same_origin_request(&Method::GET, &headers(&[]), false));
        // Over HTTPS only an https origin is our own.
        let https_pairs: &[(&str, &str)] = &[("host", "app.test"), ("origin", "https://app.test")];
        assert!(is_same_origin_request(&post, &headers(https_pairs), true));
        let http_pairs: &[(&str, &str)] = &[("host", "app.test"), ("origin", "http://app.test")];
        assert!(!is_same_origin_request(&post, &headers(http_pairs), true));
    }
}
