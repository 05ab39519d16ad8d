//! The one validator for every address Cleared redirects to: a path on this site, never
//! another site, whatever a query string, form field or header says.

use url::Url;

/// Longer targets are refused rather than echoed into a `Location` header.
pub const MAX_TARGET_LEN: usize = 2048;

/// A server function that wants its plain form's page to confirm success sets this response
/// header to a notice code; the server turns it into `?notice=<code>` on the way back to the
/// page, which words it (`components::common::FormNotice`).
pub const FORM_NOTICE_HEADER: &str = "x-form-notice";

/// Where people land after signing in when no (valid) target is given.
pub const DEFAULT_TARGET: &str = "/dashboard";

/// `raw` as a path (and query) on this site, or `None` when it is anything else: another
/// origin (`//evil.example`, `/\evil.example`, `https://…`), control characters or whitespace
/// (browsers drop a tab in `/\t/evil.example`, which turns it into `//evil.example`), or too
/// long. The path is resolved against a fixed base, so `..` segments cannot climb out of it.
pub fn local_path(raw: &str) -> Option<String> {
    let suspicious = raw.is_empty()
        || raw.len() > MAX_TARGET_LEN
        || !raw.starts_with('/')
        || raw.contains('\\')
        || raw.chars().any(|c| c.is_control() || c.is_whitespace());
    if suspicious {
        return None;
    }
    let base = Url::parse("http://cleared.invalid/").ok()?;
    let resolved = base.join(raw).ok()?;
    if resolved.origin() != base.origin() {
        return None;
    }
    let mut path = resolved.path().to_string();
    if path.starts_with("//") {
        return None;
    }
    if let Some(query) = resolved.query() {
        path.push('?');
        path.push_str(query);
    }
    Some(path)
}

/// The local path to go on to after signing in.
pub fn next_or_default(raw: Option<&str>) -> String {
    raw.and_then(local_path)
        .unwrap_or_else(|| DEFAULT_TARGET.to_string())
}

/// `/login?next=…` for a signed-out visitor of `path_and_query`.
pub fn sign_in_then(path_and_query: &str) -> String {
    let next = next_or_default(Some(path_and_query));
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("/login?next={encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        let cases: &[(&str, Option<&str>)] = &[
            ("/courses/smac-101", Some("/courses/smac-101")),
            ("/admin?q=sales&page=2", Some("/admin?q=sales&page=2")),
            ("/a/../b", Some("/b")),
            ("/%09/evil.example/x", Some("/%09/evil.example/x")),
            ("/\t/evil.example/x", None),
            ("/\n/evil.example", None),
            ("/\r/evil.example", None),
            ("/\x0b/evil.example", None),
            ("//evil.example/x", None),
            ("/\\evil.example", None),
            ("/..//evil.example", None),
            ("https://evil.example/", None),
            ("javascript:alert(1)", None),
            ("evil.example", None),
            ("", None),
            ("/ x", None),
            ("/\u{3000}x", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(local_path(raw).as_deref(), *expected, "{raw:?}");
        }
        assert_eq!(
            local_path(&format!("/{}", "a".repeat(MAX_TARGET_LEN))),
            None
        );
    }

    #[test]
    fn sign_in_link_carries_the_encoded_target() {
        assert_eq!(
            sign_in_then("/admin?q=a&b=c"),
            "/login?next=%2Fadmin%3Fq%3Da%26b%3Dc"
        );
        assert_eq!(sign_in_then("//evil.example"), "/login?next=%2Fdashboard");
    }
}
