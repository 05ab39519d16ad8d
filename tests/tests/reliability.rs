//! The fault suite: what happens when the database goes away, freezes or comes back, when the
//! process is killed, when clients are slow, idle or many, and when requests are too large.
//! PostgreSQL faults use a private cluster (its own folder and port), never the shared server.

use app::accounts::Role;
use cleared_tests::fault::{Line, PrivatePostgres, ServerProcess};
use cleared_tests::learning::{quizzes_of, seed_curriculum};
use cleared_tests::{PASSWORD, TestApp, call, on_both_databases};
use reqwest::{Client, StatusCode, header};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

on_both_databases!(kill_9_during_concurrent_writes_loses_no_acknowledged_write);
cleared_tests::fault_child!();

const EN_UNAVAILABLE: &str = "Cleared cannot reach its database at the moment.";
const DE_UNAVAILABLE: &str = "Cleared erreicht seine Datenbank gerade nicht.";

/// A fresh SQLite URL in a temporary folder (removed when the guard drops).
struct SqliteFile(std::path::PathBuf);

impl SqliteFile {
    fn new() -> SqliteFile {
        let dir = std::env::temp_dir().join(format!(
            "cleared-reliability-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        SqliteFile(dir)
    }

    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("test.db").display())
    }
}

impl Drop for SqliteFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A client for a server we started ourselves: our origin, JSON answers, no redirects.
fn client_for(base: &str) -> Client {
    let mut headers = header::HeaderMap::new();
    headers.insert(header::ORIGIN, header::HeaderValue::from_str(base).unwrap());
    headers.insert(
        header::ACCEPT,
        header::HeaderValue::from_static("application/json"),
    );
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn assert_unavailable(what: &str, response: reqwest::Response, expected_text: &str) {
    assert_eq!(
        response.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: status"
    );
    assert_eq!(
        response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
        Some("5"),
        "{what}: Retry-After"
    );
    let body = cleared_tests::page_text(&response.text().await.unwrap());
    assert!(body.contains(expected_text), "{what}: {body}");
}

/// The status of a GET, from synchronous test code.
fn status_of(url: &str) -> StatusCode {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap()
                .get(url)
                .send()
                .await
        })
        .unwrap()
        .status()
}

async fn wait_until_ready(client: &Client, url: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        if client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK)
        {
            return;
        }
        assert!(Instant::now() < deadline, "{url} did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Point 2 and 7: a stopped PostgreSQL gives one answer on every path — 503, `Retry-After`, a
/// translated message — and once it is back the app serves again without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_answers_one_503_everywhere_and_heals_without_restart() {
    let Some(pg) = PrivatePostgres::start() else {
        return;
    };
    let app = TestApp::start_on(pg.url("postgres"), &[]).await;
    seed_curriculum(&app.db).await;
    let learner = app.actor("learner@example.com", &[Role::Employee]).await;
    let quiz = quizzes_of(&app.db, "smac-101").await[0].clone();
    let started = call(&learner, &app, "quizzes/start", &[("slug", &quiz)]).await;
    assert_eq!(started.status(), StatusCode::OK);
    let attempt: String = started.json().await.unwrap();
    let anonymous = app.client();

    pg.stop();
    let stopped = Instant::now();
    // Concurrently: each waits for the pool to give up on the stopped server.
    let signed_in_page = learner.get(app.url("/dashboard")).send();
    let public_page = anonymous
        .get(app.url("/policy"))
        .header(header::ACCEPT_LANGUAGE, "de-DE,de;q=0.9")
        .send();
    let server_function = call(&anonymous, &app, "policy/current", &[]);
    let quiz_form = learner.post(app.url(&attempt)).form(&[("q1", "1")]).send();
    let plain_form = anonymous
        .post(app.url("/api/policy/current"))
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url("/policy"))
        .form(&[("x", "1")])
        .send();
    let (signed_in_page, public_page, server_function, quiz_form, plain_form) = tokio::join!(
        signed_in_page,
        public_page,
        server_function,
        quiz_form,
        plain_form
    );
    eprintln!(
        "measured: answers during the outage within {:?}",
        stopped.elapsed()
    );
    assert_unavailable("signed-in page", signed_in_page.unwrap(), EN_UNAVAILABLE).await;
    assert_unavailable("public page (German)", public_page.unwrap(), DE_UNAVAILABLE).await;
    assert_unavailable("server function", server_function, "\"Unavailable\"").await;
    assert_unavailable("quiz form", quiz_form.unwrap(), EN_UNAVAILABLE).await;
    assert_unavailable(
        "form without JavaScript",
        plain_form.unwrap(),
        EN_UNAVAILABLE,
    )
    .await;
    let ready = anonymous.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);

    pg.resume();
    let resumed = Instant::now();
    wait_until_ready(&anonymous, &app.url("/readyz"), Duration::from_secs(20)).await;
    eprintln!(
        "measured: ready again {:?} after PostgreSQL started",
        resumed.elapsed()
    );
    let dashboard = learner.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK, "the session survived");
    let policy = call(&anonymous, &app, "policy/current", &[]).await;
    assert_eq!(policy.status(), StatusCode::OK);
    app.stop().await;
}

/// Point 2: a frozen database (every server process stopped by SIGSTOP) makes `/readyz` say
/// so within its own 2-second limit, not after the pool's 10-second wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_answers_within_two_seconds_when_the_database_freezes() {
    let Some(pg) = PrivatePostgres::start() else {
        return;
    };
    let app = TestApp::start_on(pg.url("postgres"), &[]).await;
    let client = app.client();
    pg.freeze();
    let started = Instant::now();
    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    let took = started.elapsed();
    pg.thaw();
    eprintln!("measured: /readyz answered {took:?} into the freeze");
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    // The limit is 2 s; the pool would have waited 10 s.
    assert!(took < Duration::from_secs(6), "took {took:?}");
    wait_until_ready(&client, &app.url("/readyz"), Duration::from_secs(20)).await;
    app.stop().await;
}

/// Point 4: with the database down, the server does not claim to serve; it logs its retries,
/// and serves as soon as the database is back.
#[test]
fn start_up_waits_for_the_database_and_says_serving_only_then() {
    let Some(pg) = PrivatePostgres::start() else {
        return;
    };
    pg.stop();
    let url = pg.url("postgres");
    let mut server = ServerProcess::spawn(&[("CLEARED_DATABASE_URL", &url)], None);
    let retry = server.wait_for_line(
        Duration::from_secs(30),
        |l| matches!(l, Line::Err(text) if text.contains("the database is unreachable; retrying")),
    );
    assert!(retry.is_some(), "no retry line: {}", server.output());
    assert!(
        !server.output().contains("serving at"),
        "claimed to serve without a database: {}",
        server.output()
    );
    assert_eq!(server.wait_exit(Duration::ZERO), None, "it keeps waiting");
    pg.resume();
    server.wait_until_serving(Duration::from_secs(60));
    assert_eq!(status_of(&server.url("/readyz")), StatusCode::OK);
    server.terminate();
    let status = server.wait_exit(Duration::from_secs(30)).expect("exits");
    assert!(status.success(), "{status:?}: {}", server.output());
}

/// Point 4: asked not to wait, the server exits at once with code 3 and one clear line.
#[test]
fn start_up_without_waiting_exits_with_code_3() {
    let port = cleared_tests::fault::free_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/nothing");
    let mut server = ServerProcess::spawn(
        &[
            ("CLEARED_DATABASE_URL", &url),
            ("CLEARED_WAIT_FOR_DATABASE", "false"),
        ],
        None,
    );
    let status = server
        .wait_exit(Duration::from_secs(30))
        .expect("exits by itself");
    assert_eq!(status.code(), Some(3), "{}", server.output());
    let output = server.output();
    assert!(
        output.contains("error: the database is unreachable"),
        "{output}"
    );
    assert!(!output.contains("serving at"), "{output}");
}

/// Point 5: a client that sends half a request head, or stays idle after a response, is
/// disconnected after the header timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_and_idle_connections_are_closed_after_the_header_timeout() {
    let file = SqliteFile::new();
    let app = TestApp::start_on(file.url(), &[("CLEARED_HEADER_TIMEOUT_SECS", "1")]).await;
    let addr = app.addr;
    tokio::task::spawn_blocking(move || {
        let mut half = TcpStream::connect(addr).unwrap();
        half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        let mut idle = TcpStream::connect(addr).unwrap();
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        for (what, mut stream) in [("half-sent", half), ("idle keep-alive", idle)] {
            stream
                .set_read_timeout(Some(Duration::from_secs(20)))
                .unwrap();
            let mut seen = Vec::new();
            let mut buffer = [0u8; 4096];
            let closed = loop {
                match stream.read(&mut buffer) {
                    Ok(0) => break true,
                    Ok(n) => seen.extend_from_slice(&buffer[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
                    Err(_) => break false,
                }
            };
            assert!(closed, "the {what} connection is still open");
            if what == "idle keep-alive" {
                assert!(String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 200"));
            }
        }
    })
    .await
    .unwrap();
    app.stop().await;
}

/// Point 5: SIGTERM with a stalled client still connected: the server exits 0 once the
/// shutdown deadline has passed, instead of waiting for the client.
#[test]
fn sigterm_exits_after_the_shutdown_deadline_despite_a_stalled_client() {
    let file = SqliteFile::new();
    let url = file.url();
    let mut server = ServerProcess::spawn(
        &[
            ("CLEARED_DATABASE_URL", &url),
            ("CLEARED_SHUTDOWN_SECS", "1"),
            ("CLEARED_HEADER_TIMEOUT_SECS", "300"),
        ],
        None,
    );
    let addr = server.wait_until_serving(Duration::from_secs(60));
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    // Let the server take the connection before it is told to stop.
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    let status = server
        .wait_exit(Duration::from_secs(30))
        .expect("exits despite the stalled client");
    assert!(status.success(), "{status:?}: {}", server.output());
    assert!(
        server
            .output()
            .contains("dropping the remaining connections"),
        "{}",
        server.output()
    );
}

/// Point 5: with a low open-files limit (200, hard), 300 idle connections do not lock anybody
/// else out: the server takes fewer connections than it has files, closes idle ones to make
/// room, and `/healthz` and pages answer.
#[test]
fn idle_connections_beyond_the_limit_do_not_lock_out_others() {
    let file = SqliteFile::new();
    let url = file.url();
    let mut server = ServerProcess::spawn(&[("CLEARED_DATABASE_URL", &url)], Some("ulimit -n 200"));
    let addr = server.wait_until_serving(Duration::from_secs(60));
    let idle: Vec<TcpStream> = (0..300)
        .filter_map(|i| {
            let mut stream = TcpStream::connect(addr).ok()?;
            if i % 2 == 0 {
                let _ = stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n");
            }
            Some(stream)
        })
        .collect();
    assert!(idle.len() > 200, "only {} connections opened", idle.len());
    for path in ["/healthz", "/login", "/healthz"] {
        assert_eq!(status_of(&server.url(path)), StatusCode::OK, "{path}");
    }
    drop(idle);
    server.terminate();
    let status = server.wait_exit(Duration::from_secs(40)).expect("exits");
    assert!(status.success(), "{status:?}: {}", server.output());
}

/// Point 5: the server raises its open-files limit to the hard limit at start-up.
#[test]
fn the_open_files_limit_is_raised_to_the_hard_limit() {
    let file = SqliteFile::new();
    let url = file.url();
    let mut server =
        ServerProcess::spawn(&[("CLEARED_DATABASE_URL", &url)], Some("ulimit -S -n 256"));
    server.wait_until_serving(Duration::from_secs(60));
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.pid())).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("open files line");
    let numbers: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers.len(), 2, "{line}");
    assert_eq!(
        numbers[0], numbers[1],
        "soft limit raised to the hard limit: {line}"
    );
    assert_ne!(numbers[0], "256", "{line}");
}

/// Point 7: `kill -9` during concurrent writes loses no write the server acknowledged, and the
/// database opens cleanly afterwards.
async fn kill_9_during_concurrent_writes_loses_no_acknowledged_write(app: &TestApp) {
    app.with_user("admin@example.com", &[Role::Admin]).await;
    let url = app.database_url.clone();
    let mut server = tokio::task::spawn_blocking(move || {
        let mut server = ServerProcess::spawn(&[("CLEARED_DATABASE_URL", &url)], None);
        server.wait_until_serving(Duration::from_secs(60));
        server
    })
    .await
    .unwrap();
    let base = format!("http://{}", server.addr.unwrap());
    let admin = client_for(&base);
    let signed_in = admin
        .post(format!("{base}/login"))
        .form(&[("email", "admin@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let (admin, base, acknowledged) = (admin.clone(), base.clone(), acknowledged.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let email = format!("w{writer}-{i}@example.com");
                    let Ok(response) = admin
                        .post(format!("{base}/api/admin/create_person"))
                        .form(&[("email", email.as_str()), ("display_name", "Written")])
                        .send()
                        .await
                    else {
                        break;
                    };
                    if response.status() != StatusCode::OK {
                        break;
                    }
                    acknowledged.lock().unwrap().push(email);
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    while acknowledged.lock().unwrap().len() < 80 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill_hard();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    eprintln!(
        "measured: {} acknowledged writes before kill -9, all checked",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() >= 20,
        "writes were acknowledged: {}",
        acknowledged.len()
    );
    for email in &acknowledged {
        app::accounts::server::person_by_email(&app.db, email)
            .await
            .unwrap_or_else(|e| panic!("{email} was acknowledged but is missing: {e}"));
    }

    // The database opens cleanly after the crash, and the server serves from it again.
    let url = app.database_url.clone();
    let mut again = tokio::task::spawn_blocking(move || {
        let mut server = ServerProcess::spawn(&[("CLEARED_DATABASE_URL", &url)], None);
        server.wait_until_serving(Duration::from_secs(60));
        server
    })
    .await
    .unwrap();
    let ready = reqwest::get(again.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    again.terminate();
    let status = tokio::task::spawn_blocking(move || again.wait_exit(Duration::from_secs(30)))
        .await
        .unwrap()
        .expect("exits");
    assert!(status.success());
}

/// Sends `head` (and `body`) on a raw connection while reading, and returns the status line.
fn raw_status(addr: std::net::SocketAddr, head: Vec<u8>, body: Vec<u8>) -> String {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        // The server may answer and close before everything is sent.
        let _ = writer.write_all(&head);
        let _ = writer.write_all(&body);
    });
    let mut reader = stream;
    let mut seen = Vec::new();
    let mut buffer = [0u8; 1024];
    while !seen.windows(2).any(|w| w == b"\r\n") {
        match reader.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
    }
    let _ = sender.join();
    String::from_utf8_lossy(&seen)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Point 7: one body limit (2 MiB) everywhere, answered from `Content-Length` before the
/// body is read; 1 MB of cookie and 1,000 headers answer 431.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_answer_413_and_oversized_heads_431() {
    let file = SqliteFile::new();
    let app = TestApp::start_on(file.url(), &[]).await;
    let addr = app.addr;
    let over = server::MAX_BODY_BYTES + 1;
    tokio::task::spawn_blocking(move || {
        let origin = format!("http://{addr}");
        for path in [
            "/login",
            "/attempts/00000000-0000-0000-0000-000000000000",
            "/api/policy/current",
            "/api/admin/create_person",
        ] {
            // The head alone: the answer must not wait for the body.
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {over}\r\n\r\n"
            );
            let status = raw_status(addr, head.into_bytes(), Vec::new());
            assert!(status.starts_with("HTTP/1.1 413"), "{path}: {status}");
        }
        let cookie = format!(
            "GET / HTTP/1.1\r\nHost: {addr}\r\nCookie: big={}\r\n\r\n",
            "a".repeat(1024 * 1024)
        );
        let status = raw_status(addr, cookie.into_bytes(), Vec::new());
        assert!(status.starts_with("HTTP/1.1 431"), "1 MB cookie: {status}");
        let mut many = format!("GET / HTTP/1.1\r\nHost: {addr}\r\n");
        for i in 0..1000 {
            many.push_str(&format!("X-Header-{i}: {i}\r\n"));
        }
        many.push_str("\r\n");
        let status = raw_status(addr, many.into_bytes(), Vec::new());
        assert!(
            status.starts_with("HTTP/1.1 431"),
            "1,000 headers: {status}"
        );
    })
    .await
    .unwrap();
    // A refusal carries the same security headers as every other answer.
    let refused = app
        .client()
        .post(app.url("/login"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(vec![b'a'; server::MAX_BODY_BYTES + 10])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(refused.headers()["x-content-type-options"], "nosniff");
    // A body just under the limit is read (and then judged on its content).
    let response = app
        .client()
        .post(app.url("/login"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(vec![b'a'; server::MAX_BODY_BYTES - 10])
        .send()
        .await
        .unwrap();
    assert_ne!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    app.stop().await;
}
