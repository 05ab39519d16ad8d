//! The cookies Cleared sets and reads, built and parsed in one place with the `cookie` crate.

use crate::i18n::Lang;
use chrono::Duration;
use cookie::{Cookie, SameSite};
use http::{HeaderMap, HeaderValue, header};

/// The session cookie over plain HTTP (development, tests).
pub const SESSION_COOKIE: &str = "cleared_session";
/// The session cookie over HTTPS: the `__Host-` prefix makes the browser refuse it unless it
/// is `Secure`, has `Path=/` and no `Domain`, so no other host can set or shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-cleared_session";
/// An anonymous visitor's language choice.
pub const LANG_COOKIE: &str = "cleared_lang";

/// How sessions are kept: their lifetime and whether the site is served over HTTPS.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    pub lifetime: Duration,
    pub secure_cookies: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            lifetime: Duration::hours(12),
            secure_cookies: false,
        }
    }
}

impl SessionSettings {
    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    fn build(&self, cookie: Cookie<'static>) -> HeaderValue {
        let mut cookie = cookie;
        cookie.set_path("/");
        cookie.set_same_site(SameSite::Lax);
        cookie.set_secure(self.secure_cookies);
        // The cookie crate percent-encodes values, so the header is always valid.
        HeaderValue::from_str(&cookie.encoded().to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("cleared_invalid=1; Max-Age=0"))
    }

    /// `Set-Cookie` for a new session token.
    pub fn session_cookie(&self, token: &str) -> HeaderValue {
        let mut cookie = Cookie::new(self.session_cookie_name(), token.to_string());
        cookie.set_http_only(true);
        cookie.set_max_age(cookie::time::Duration::seconds(self.lifetime.num_seconds()));
        self.build(cookie)
    }

    /// `Set-Cookie` that removes the session cookie.
    pub fn end_session_cookie(&self) -> HeaderValue {
        let mut cookie = Cookie::new(self.session_cookie_name(), "");
        cookie.set_http_only(true);
        cookie.set_max_age(cookie::time::Duration::ZERO);
        self.build(cookie)
    }

    /// `Set-Cookie` for a visitor's language choice (a year).
    pub fn language_cookie(&self, lang: Lang) -> HeaderValue {
        let mut cookie = Cookie::new(LANG_COOKIE, lang.code());
        cookie.set_max_age(cookie::time::Duration::days(365));
        self.build(cookie)
    }

    /// The session token a request carries, if any.
    pub fn session_token(&self, headers: &HeaderMap) -> Option<String> {
        read_cookie(headers, self.session_cookie_name())
    }
}

/// The language a request asks for without a signed-in person's choice: the language cookie,
/// else `Accept-Language`.
pub fn requested_language(headers: &HeaderMap) -> Option<Lang> {
    read_cookie(headers, LANG_COOKIE)
        .and_then(|value| Lang::from_code(&value))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
}

/// The value of cookie `name` in the request's `Cookie` headers. Malformed pairs are skipped.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| Cookie::split_parse_encoded(value.to_string()))
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_sessions_use_the_host_prefix_and_secure_flag() {
        let secure = SessionSettings {
            secure_cookies: true,
            ..Default::default()
        };
        let cookie = secure.session_cookie("abc");
        let text = cookie.to_str().unwrap();
        assert!(text.starts_with("__Host-cleared_session=abc"), "{text}");
        for part in [
            "HttpOnly",
            "Secure",
            "Path=/",
            "SameSite=Lax",
            "Max-Age=43200",
        ] {
            assert!(text.contains(part), "{text} lacks {part}");
        }
        let plain = SessionSettings::default().session_cookie("abc");
        assert!(plain.to_str().unwrap().starts_with("cleared_session=abc"));
        assert!(!plain.to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn reads_one_cookie_among_many_and_skips_garbage() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; ;=; junk"));
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("cleared_lang=de; cleared_session=t0k"),
        );
        assert_eq!(
            read_cookie(&headers, "cleared_session").as_deref(),
            Some("t0k")
        );
        assert_eq!(read_cookie(&headers, LANG_COOKIE).as_deref(), Some("de"));
        assert_eq!(read_cookie(&headers, "missing"), None);
    }
}
