//! The built site's files (the `pkg/` bundle and the public assets) served from disk, with
//! their gzip and brotli siblings, ETags and cache headers.
//!
//! A name that carries a content hash (`cleared.0123456789abcdef.wasm`, written by
//! `cargo xtask build-site --release`) never changes content, so browsers keep it for a year
//! without asking again. Every other file is `no-cache`: the browser asks each time with
//! `If-None-Match` (or `If-Modified-Since`) and gets an empty 304 while the file is unchanged.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::Response,
};
use std::path::Path;
use std::time::UNIX_EPOCH;
use tower_http::services::ServeDir;

/// For content-hashed names: a year, and no revalidation on reload.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For every other file: keep it, but revalidate before each use.
pub const CACHE_REVALIDATE: &str = "no-cache";

/// Hex digits of the content hash in a hashed name; xtask writes this many.
const HASH_HEX_DIGITS: usize = 16;

/// Files under `dir`, preferring the `.br` or `.gz` sibling the client accepts.
/// Directories are not listed and have no index page.
pub fn serve_dir(dir: impl AsRef<Path>) -> ServeDir {
    ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
}

/// Whether the last segment of `path` is a content-hashed name: `stem.<16 hex digits>.ext`.
pub fn is_hashed_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let segments: Vec<&str> = name.split('.').collect();
    segments.len() >= 3
        && segments[1..segments.len() - 1].iter().any(|segment| {
            segment.len() == HASH_HEX_DIGITS
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// The entity tag of a file response: its modification time and full length, plus the
/// content encoding, since each encoding is a representation of its own.
fn entity_tag(headers: &HeaderMap, status: StatusCode) -> Option<HeaderValue> {
    let modified = headers.get(header::LAST_MODIFIED)?.to_str().ok()?;
    let modified = httpdate::parse_http_date(modified)
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_secs();
    let length: u64 = if status == StatusCode::PARTIAL_CONTENT {
        // `bytes 0-99/1234`: the file is 1234 bytes long.
        let range = headers.get(header::CONTENT_RANGE)?.to_str().ok()?;
        range.rsplit('/').next()?.parse().ok()?
    } else {
        headers
            .get(header::CONTENT_LENGTH)?
            .to_str()
            .ok()?
            .parse()
            .ok()?
    };
    let tag = match headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
    {
        Some(encoding) => format!("\"{modified:x}-{length:x}-{encoding}\""),
        None => format!("\"{modified:x}-{length:x}\""),
    };
    HeaderValue::from_str(&tag).ok()
}

/// `If-None-Match` with the weak comparison that RFC 9110 prescribes for it.
fn none_match_fails(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(list) = if_none_match.to_str() else {
        return false;
    };
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    let etag = opaque(etag.to_str().unwrap_or_default());
    list.split(',')
        .any(|candidate| candidate.trim() == "*" || opaque(candidate) == etag)
}

fn not_modified_since(if_modified_since: &HeaderValue, last_modified: &HeaderValue) -> bool {
    let parse = |value: &HeaderValue| {
        value
            .to_str()
            .ok()
            .and_then(|text| httpdate::parse_http_date(text).ok())
    };
    match (parse(if_modified_since), parse(last_modified)) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

/// Middleware around a [`serve_dir`]: sets `Cache-Control`, `ETag` and `Vary` on file
/// responses and answers conditional requests with 304. The conditional headers are taken
/// off the request so that `ServeDir` (which knows `If-Modified-Since` but no ETags) always
/// builds the full response, from which the tag is computed; its body is dropped unread on
/// 304. Other responses (not found, the app's own pages behind a fallback) pass unchanged.
pub async fn cache_headers(mut request: Request, next: Next) -> Response {
    let conditional = matches!(*request.method(), Method::GET | Method::HEAD);
    let if_none_match = request.headers_mut().remove(header::IF_NONE_MATCH);
    let if_modified_since = request.headers_mut().remove(header::IF_MODIFIED_SINCE);
    let hashed = is_hashed_name(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    if !matches!(status, StatusCode::OK | StatusCode::PARTIAL_CONTENT)
        || !response.headers().contains_key(header::LAST_MODIFIED)
    {
        return response;
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if hashed {
            CACHE_IMMUTABLE
        } else {
            CACHE_REVALIDATE
        }),
    );
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let etag = entity_tag(headers, status);
    if let Some(etag) = &etag {
        headers.insert(header::ETAG, etag.clone());
    }
    // RFC 9110 §13.2.2: If-None-Match, when present, decides; If-Modified-Since is ignored.
    let unchanged = conditional
        && match (&if_none_match, &etag) {
            (Some(if_none_match), Some(etag)) => none_match_fails(if_none_match, etag),
            (Some(_), None) => false,
            (None, _) => match (&if_modified_since, headers.get(header::LAST_MODIFIED)) {
                (Some(since), Some(modified)) => not_modified_since(since, modified),
                _ => false,
            },
        };
    if !unchanged {
        return response;
    }
    let mut not_modified = Response::new(Body::empty());
    *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
    for name in [
        header::CACHE_CONTROL,
        header::ETAG,
        header::LAST_MODIFIED,
        header::VARY,
    ] {
        for value in response.headers().get_all(&name) {
            not_modified.headers_mut().append(&name, value.clone());
        }
    }
    not_modified
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_recognised_by_their_hex_segment() {
        let cases = [
            ("/cleared.0123456789abcdef.wasm", true),
            ("/cleared.0123456789abcdef.js", true),
            ("/cleared.0123456789abcdef.css.gz", true),
            ("/cleared.js", false),
            ("/cleared_bg.wasm", false),
            ("/robots.txt", false),
            // Not a name segment, or not 16 lowercase hex digits.
            ("/0123456789abcdef.js", false),
            ("/cleared.0123456789ABCDEF.js", false),
            ("/cleared.0123456789abcde.js", false),
            ("/cleared.0123456789abcdeg.js", false),
            ("/0123456789abcdef/cleared.js", false),
        ];
        for (path, expected) in cases {
            assert_eq!(is_hashed_name(path), expected, "{path}");
        }
    }

    #[test]
    fn entity_tags_differ_by_encoding_and_length_and_cover_ranges() {
        let headers = |pairs: &[(header::HeaderName, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(name, HeaderValue::from_str(value).unwrap());
            }
            map
        };
        let modified = (header::LAST_MODIFIED, "Sun, 06 Nov 1994 08:49:37 GMT");
        let plain = entity_tag(
            &headers(&[modified.clone(), (header::CONTENT_LENGTH, "4096")]),
            StatusCode::OK,
        )
        .unwrap();
        assert_eq!(plain, "\"2ebc98a1-1000\"");
        let gzip = entity_tag(
            &headers(&[
                modified.clone(),
                (header::CONTENT_LENGTH, "4096"),
                (header::CONTENT_ENCODING, "gzip"),
            ]),
            StatusCode::OK,
        )
        .unwrap();
        assert_eq!(gzip, "\"2ebc98a1-1000-gzip\"");
        let range = entity_tag(
            &headers(&[
                modified.clone(),
                (header::CONTENT_LENGTH, "100"),
                (header::CONTENT_RANGE, "bytes 0-99/4096"),
            ]),
            StatusCode::PARTIAL_CONTENT,
        )
        .unwrap();
        assert_eq!(range, plain, "a range of the file has the file's tag");
        assert!(entity_tag(&headers(&[(header::CONTENT_LENGTH, "1")]), StatusCode::OK).is_none());
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        let etag = HeaderValue::from_static("\"2ebc98a1-1000\"");
        for (header, expected) in [
            ("\"2ebc98a1-1000\"", true),
            ("W/\"2ebc98a1-1000\"", true),
            ("\"other\", \"2ebc98a1-1000\"", true),
            ("*", true),
            ("\"2ebc98a1-1001\"", false),
            ("\"2ebc98a1-1000-gzip\"", false),
        ] {
            assert_eq!(
                none_match_fails(&HeaderValue::from_static(header), &etag),
                expected,
                "{header}"
            );
        }
    }

    #[test]
    fn if_modified_since_accepts_the_same_or_a_later_date() {
        let modified = HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT");
        let since = |text: &'static str| HeaderValue::from_static(text);
        assert!(not_modified_since(
            &since("Sun, 06 Nov 1994 08:49:37 GMT"),
            &modified
        ));
        assert!(not_modified_since(
            &since("Mon, 07 Nov 1994 08:49:37 GMT"),
            &modified
        ));
        assert!(!not_modified_since(
            &since("Sun, 06 Nov 1994 08:49:36 GMT"),
            &modified
        ));
        assert!(!not_modified_since(&since("yesterday"), &modified));
    }
}
