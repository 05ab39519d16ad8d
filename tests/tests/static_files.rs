//! The built site's files: precompressed siblings chosen by `Accept-Encoding`, ETag and
//! `If-Modified-Since` revalidation answered with 304, a year's caching for content-hashed
//! names and `no-cache` for the others, and pages that link the hashed names of `hash.txt`.
//! Each test lays out its own small site, so none depends on a built bundle.

use cleared_tests::{Backend, TestApp};
use reqwest::{StatusCode, header};
use std::path::{Path, PathBuf};

const HASH: &str = "0123456789abcdef";
const APP_JS: &[u8] = b"export default function init() {}\n";
const APP_JS_GZ: &[u8] = b"stands in for the gzip sibling of app.js";
const APP_JS_BR: &[u8] = b"stands in for the brotli sibling of app.js";

/// A site root like a release build's: a `pkg/` bundle with `.gz`/`.br` siblings, a hashed
/// bundle named in `hash.txt`, and a public asset. Removed on drop.
struct Site(PathBuf);

impl Site {
    fn new() -> Site {
        let root =
            std::env::temp_dir().join(format!("cleared-site-{}", uuid::Uuid::new_v4().simple()));
        let pkg = root.join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        let write = |path: &Path, content: &[u8]| std::fs::write(path, content).unwrap();
        write(&pkg.join("app.js"), APP_JS);
        write(&pkg.join("app.js.gz"), APP_JS_GZ);
        write(&pkg.join("app.js.br"), APP_JS_BR);
        write(&pkg.join(format!("cleared.{HASH}.js")), APP_JS);
        write(
            &pkg.join(format!("cleared.{HASH}.wasm")),
            b"\0asm\x01\0\0\0",
        );
        write(
            &pkg.join(format!("cleared.{HASH}.css")),
            b"body { margin: 0 }\n",
        );
        write(
            &root.join("hash.txt"),
            format!("js: {HASH}\nwasm: {HASH}\ncss: {HASH}\n").as_bytes(),
        );
        write(&root.join("robots.txt"), b"User-agent: *\nAllow: /\n");
        Site(root)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(response: &reqwest::Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(&name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundle_files_are_precompressed_and_revalidated_with_etags() {
    let site = Site::new();
    let app = TestApp::start_with_site_root(Backend::Sqlite, site.0.clone())
        .await
        .expect("sqlite always runs");
    let client = app.client();
    let get = |encoding: &'static str| {
        let mut request = client.get(app.url("/pkg/app.js"));
        if !encoding.is_empty() {
            request = request.header(header::ACCEPT_ENCODING, encoding);
        }
        request
    };

    let gzip = get("gzip").send().await.unwrap();
    assert_eq!(gzip.status(), StatusCode::OK);
    assert_eq!(text(&gzip, header::CONTENT_ENCODING), "gzip");
    assert_eq!(text(&gzip, header::CACHE_CONTROL), "no-cache");
    assert!(
        text(&gzip, header::VARY).contains("accept-encoding"),
        "{:?}",
        gzip.headers()
    );
    assert_eq!(
        text(&gzip, header::X_CONTENT_TYPE_OPTIONS),
        "nosniff",
        "security headers stay on static files"
    );
    let gzip_etag = text(&gzip, header::ETAG);
    assert!(gzip_etag.starts_with('"'), "{:?}", gzip.headers());
    let last_modified = text(&gzip, header::LAST_MODIFIED);
    assert_eq!(gzip.bytes().await.unwrap().as_ref(), APP_JS_GZ);

    let brotli = get("br, gzip").send().await.unwrap();
    assert_eq!(text(&brotli, header::CONTENT_ENCODING), "br");
    let brotli_etag = text(&brotli, header::ETAG);
    assert_eq!(brotli.bytes().await.unwrap().as_ref(), APP_JS_BR);

    let identity = get("").send().await.unwrap();
    assert_eq!(text(&identity, header::CONTENT_ENCODING), "");
    let identity_etag = text(&identity, header::ETAG);
    assert_eq!(identity.bytes().await.unwrap().as_ref(), APP_JS);
    assert!(
        gzip_etag != identity_etag && gzip_etag != brotli_etag && brotli_etag != identity_etag,
        "each encoding is its own representation: {gzip_etag} {brotli_etag} {identity_etag}"
    );

    // The browser revalidates with the tag it holds and gets an empty 304.
    let again = get("gzip")
        .header(header::IF_NONE_MATCH, &gzip_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(text(&again, header::ETAG), gzip_etag);
    assert_eq!(text(&again, header::CACHE_CONTROL), "no-cache");
    assert!(again.bytes().await.unwrap().is_empty());

    // A tag of another representation, or of an older file, gets the file again; and
    // If-None-Match decides over If-Modified-Since.
    let changed = get("gzip")
        .header(header::IF_NONE_MATCH, &identity_etag)
        .header(header::IF_MODIFIED_SINCE, &last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(changed.bytes().await.unwrap().as_ref(), APP_JS_GZ);

    // A client that only remembers the date is answered too.
    let by_date = get("")
        .header(header::IF_MODIFIED_SINCE, &last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(by_date.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(text(&by_date, header::ETAG), identity_etag);

    let missing = client.get(app.url("/pkg/missing.js")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_names_are_cached_for_a_year_and_linked_from_pages() {
    let site = Site::new();
    let app = TestApp::start_with_site_root(Backend::Sqlite, site.0.clone())
        .await
        .expect("sqlite always runs");
    let client = app.client();

    for file in ["js", "wasm", "css"] {
        let response = client
            .get(app.url(&format!("/pkg/cleared.{HASH}.{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{file}");
        assert_eq!(
            text(&response, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable",
            "{file}"
        );
        assert!(!text(&response, header::ETAG).is_empty(), "{file}");
    }

    // A public asset at the site root is not hashed: revalidated on each use.
    let robots = client.get(app.url("/robots.txt")).send().await.unwrap();
    assert_eq!(robots.status(), StatusCode::OK);
    assert_eq!(text(&robots, header::CACHE_CONTROL), "no-cache");
    let etag = text(&robots, header::ETAG);
    let again = client
        .get(app.url("/robots.txt"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // Pages link the names that hash.txt lists; a path that is neither page nor file is
    // still the app's 404 page.
    let page = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for link in [
        format!("href=\"/pkg/cleared.{HASH}.css\""),
        format!("href=\"/pkg/cleared.{HASH}.js\""),
        format!("href=\"/pkg/cleared.{HASH}.wasm\""),
    ] {
        assert!(html.contains(&link), "{link} missing from {html}");
    }
    let missing = client.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(text(&missing, header::CONTENT_TYPE).starts_with("text/html"));
    app.stop().await;
}
