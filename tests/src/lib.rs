//! The integration-test harness: the real server on port 0 with a fresh database per test —
//! a new SQLite file by default, a uniquely named PostgreSQL database (created, then dropped)
//! for the PostgreSQL variant of each test.
//!
//! PostgreSQL is used when `CLEARED_TEST_POSTGRES_URL` names a server (any database on it; the
//! harness creates its own). Without it the PostgreSQL variants skip, and say so — unless
//! `CLEARED_TEST_REQUIRE_POSTGRES=1`, which CI sets, turns a missing server into a failure.

pub mod browser;
pub mod fault;
pub mod learning;

use app::accounts::{NewPerson, Role, UserId};
use reqwest::{Client, StatusCode, header};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use server::config::Config;
use std::net::SocketAddr;
use std::path::PathBuf;

pub const PASSWORD: &str = "test-password-1234";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

enum Cleanup {
    SqliteDir(PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub base_url: String,
    pub db: DatabaseConnection,
    pub database_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    cleanup: Option<Cleanup>,
}

fn postgres_admin_url() -> Option<String> {
    std::env::var("CLEARED_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

fn postgres_required() -> bool {
    std::env::var("CLEARED_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v == "true")
}

/// The URL of `database` on the server of `admin_url`.
fn with_database(admin_url: &str, database: &str) -> String {
    let (base, query) = admin_url
        .split_once('?')
        .map(|(b, q)| (b, Some(q)))
        .unwrap_or((admin_url, None));
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let server = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{database}?{q}"),
        None => format!("{server}/{database}"),
    }
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

impl TestApp {
    /// Starts a server on a fresh database of `backend`. `None` means "skip": PostgreSQL was
    /// asked for but is not configured (and not required).
    pub async fn start(backend: Backend) -> Option<TestApp> {
        TestApp::start_with(backend, &[]).await
    }

    /// Like [`TestApp::start`], serving the static site (`pkg/`, public assets, `hash.txt`)
    /// from `site_root`, which a test can lay out itself.
    pub async fn start_with_site_root(backend: Backend, site_root: PathBuf) -> Option<TestApp> {
        let site_root = site_root.display().to_string();
        TestApp::start_with(backend, &[("CLEARED_SITE_ROOT", site_root.as_str())]).await
    }

    /// Like [`TestApp::start`], with configuration variables set (`CLEARED_…`, value).
    pub async fn start_with(backend: Backend, settings: &[(&str, &str)]) -> Option<TestApp> {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let (database_url, cleanup) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("cleared-test-{unique}"));
                std::fs::create_dir_all(&dir).expect("temporary directory");
                (
                    format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
                    Cleanup::SqliteDir(dir),
                )
            }
            Backend::Postgres => {
                let Some(admin_url) = postgres_admin_url() else {
                    if postgres_required() {
                        panic!(
                            "CLEARED_TEST_REQUIRE_POSTGRES is set but CLEARED_TEST_POSTGRES_URL is not"
                        );
                    }
                    eprintln!("SKIPPED on PostgreSQL: CLEARED_TEST_POSTGRES_URL is not set");
                    return None;
                };
                let name = format!("cleared_test_{unique}");
                let admin = sea_orm::Database::connect(admin_url.as_str())
                    .await
                    .expect("connect to the PostgreSQL server");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create the test database");
                admin.close().await.ok();
                (
                    with_database(&admin_url, &name),
                    Cleanup::PostgresDatabase { admin_url, name },
                )
            }
        };
        Some(TestApp::launch(database_url, Some(cleanup), settings).await)
    }

    /// Starts a server on `database_url` (which the caller owns and cleans up), with extra
    /// `CLEARED_*` settings.
    pub async fn start_on(database_url: String, settings: &[(&str, &str)]) -> TestApp {
        TestApp::launch(database_url, None, settings).await
    }

    async fn launch(
        database_url: String,
        cleanup: Option<Cleanup>,
        settings: &[(&str, &str)],
    ) -> TestApp {
        let config = Config::from_lookup(|name| match name {
            "CLEARED_DATABASE_URL" => Some(database_url.clone()),
            "CLEARED_ADDR" => Some("127.0.0.1:0".into()),
            _ if settings.iter().any(|(key, _)| *key == name) => settings
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string()),
            "CLEARED_SITE_ROOT" => Some(workspace_root().join("target/site").display().to_string()),
            _ => None,
        })
        .expect("test configuration");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let addr = listener.local_addr().expect("local address");
        // Migrate before serving so the test's own connection sees the schema at once.
        let db = app::db::connect_and_migrate(&database_url)
            .await
            .expect("migrate the test database");
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(server::run(config, listener, async move {
            let _ = shutdown_rx.await;
        }));
        // The server migrates on start-up too; wait until it serves, so a test never races it.
        let probe = Client::new();
        let mut ready = false;
        for _ in 0..200 {
            if probe
                .get(format!("http://{addr}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                ready = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(ready, "the test server did not become ready");
        TestApp {
            addr,
            base_url: format!("http://{addr}"),
            db,
            database_url,
            shutdown: Some(shutdown_tx),
            server: Some(server),
            cleanup,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A client like a browser on our own pages: keeps cookies, does not follow redirects
    /// (tests look at them), and sends our origin with every request.
    pub fn client(&self) -> Client {
        self.client_builder().build().expect("http client")
    }

    /// A client whose connections come from `address` (any 127.x.y.z reaches the server), as
    /// a second computer would.
    pub fn client_from(&self, address: std::net::IpAddr) -> Client {
        self.client_builder()
            .local_address(address)
            .build()
            .expect("http client")
    }

    /// A second signed-in client for an existing person (another device).
    pub async fn actor_again(&self, email: &str) -> Client {
        let (client, response) = self.sign_in(email, PASSWORD).await;
        assert_eq!(location(&response), "/dashboard", "sign-in of {email}");
        client
    }

    fn client_builder(&self) -> reqwest::ClientBuilder {
        let mut headers = header::HeaderMap::new();
        headers.insert(
            header::ORIGIN,
            header::HeaderValue::from_str(&self.base_url).unwrap(),
        );
        headers.insert(
            header::ACCEPT,
            header::HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .timeout(std::time::Duration::from_secs(60))
    }

    /// Creates a person with `roles` and the harness password.
    pub async fn with_user(&self, email: &str, roles: &[Role]) -> UserId {
        let person = NewPerson {
            email: email.into(),
            display_name: format!("Test {email}"),
            roles: roles.to_vec(),
            ..Default::default()
        };
        app::accounts::server::create_person(
            &self.db,
            None,
            person,
            Some(PASSWORD),
            chrono::Utc::now(),
        )
        .await
        .expect("create test user")
    }

    /// Signs in through the real sign-in form and returns the client holding the session.
    pub async fn sign_in(&self, email: &str, password: &str) -> (Client, reqwest::Response) {
        let client = self.client();
        let response = client
            .post(self.url("/login"))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .expect("POST /login");
        (client, response)
    }

    /// Signs in with a `next` address, as the form does after a redirect to sign in.
    pub async fn sign_in_with_next(&self, email: &str, next: &str) -> (Client, reqwest::Response) {
        let client = self.client();
        let response = client
            .post(self.url("/login"))
            .form(&[("email", email), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .expect("POST /login");
        (client, response)
    }

    /// A signed-in client for a new person holding `roles`.
    pub async fn actor(&self, email: &str, roles: &[Role]) -> Client {
        self.with_user(email, roles).await;
        let (client, response) = self.sign_in(email, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            location(&response),
            "/dashboard",
            "sign-in of {email} should succeed"
        );
        client
    }

    /// Stops the server and removes the database.
    pub async fn stop(mut self) {
        self.shutdown_server().await;
        self.db.clone().close().await.ok();
        if let Some(cleanup) = self.cleanup.take() {
            remove(cleanup).await;
        }
    }

    async fn shutdown_server(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            match server.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => panic!("the server stopped with an error: {error}"),
                Err(error) => panic!("the server task failed: {error}"),
            }
        }
    }
}

async fn remove(cleanup: Cleanup) {
    match cleanup {
        Cleanup::SqliteDir(dir) => {
            let _ = std::fs::remove_dir_all(dir);
        }
        Cleanup::PostgresDatabase { admin_url, name } => {
            if let Ok(admin) = sea_orm::Database::connect(admin_url.as_str()).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
                admin.close().await.ok();
            }
        }
    }
}

impl Drop for TestApp {
    /// A test that panicked never reached `stop`; its database is removed here all the same.
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(cleanup) = self.cleanup.take() {
            let _ = std::thread::spawn(move || {
                if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    runtime.block_on(remove(cleanup));
                }
            })
            .join();
        }
    }
}

/// The current time at the precision both databases store (microseconds), so a time read
/// back from PostgreSQL equals the one written.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// Calls a server function the way our pages do (form-encoded arguments, JSON answer).
pub async fn call(
    client: &Client,
    app: &TestApp,
    endpoint: &str,
    args: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(app.url(&format!("/api/{endpoint}")))
        .header(header::ACCEPT, "application/json")
        .form(args)
        .send()
        .await
        .expect("server function call")
}

/// The text of a page as a reader sees it: without the hydration markers (`<!>`, comments)
/// that Leptos puts between the pieces of a sentence.
pub fn page_text(html: &str) -> String {
    let mut text = html.replace("<!>", "");
    while let Some(start) = text.find("<!--") {
        match text[start..].find("-->") {
            Some(end) => text.replace_range(start..start + end + 3, ""),
            None => break,
        }
    }
    text
}

/// The text of the page at `url` (see [`page_text`]), fetched by `client`.
pub async fn page_at(client: &Client, url: String) -> String {
    let response = client.get(url).send().await.expect("get a page");
    page_text(&response.text().await.expect("page body"))
}

/// The `Location` header of a redirect.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Declares each listed `async fn name(app: TestApp)` as two tests, `sqlite::name` and
/// `postgres::name`, each on its own fresh database.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::TestApp::start($crate::Backend::Sqlite).await.expect("sqlite always runs");
                    super::$name(&app).await;
                    app.stop().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(
                    not(postgres_configured),
                    ignore = "CLEARED_TEST_POSTGRES_URL was not set when the tests were built"
                )]
                async fn $name() {
                    let Some(app) = $crate::TestApp::start($crate::Backend::Postgres).await else { return };
                    super::$name(&app).await;
                    app.stop().await;
                }
            )*
        }
    };
}
