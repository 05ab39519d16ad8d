//! The Cleared server as a library: configuration, the router, and `run`, so the binary, the
//! command line and the integration tests all start the same thing.

pub mod config;
pub mod process;
pub mod serve;
pub mod web;
pub mod webhooks;

use crate::config::Config;
use crate::web::{AppState, assets, client_address, forms, health, quiz, security, session};
use app::{App, shell};
use axum::{
    Router,
    handler::Handler,
    middleware,
    routing::{get, post},
};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use sea_orm::DatabaseConnection;
use std::{future::Future, path::Path, sync::Arc};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

/// No request may hold a worker longer than this; the client gets 408 instead of waiting.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The one limit on request bodies, for every route (forms, server functions, the quiz form):
/// a larger body answers 413 before it is read, from its `Content-Length`.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The name of the built site bundle: `pkg/cleared.js`, `pkg/cleared.wasm`, `pkg/cleared.css`.
pub const OUTPUT_NAME: &str = "cleared";

/// A release site (`cargo xtask build-site --release`) gives the bundle content-hashed names
/// and lists them in `hash.txt` at its root; Leptos then links `pkg/cleared.<hash>.js` and so
/// on. Leptos looks for the file next to the executable unless the path is absolute, so it
/// gets the absolute path of the site's own.
fn leptos_options(config: &Config) -> LeptosOptions {
    let hash_file = Path::new(&config.site_root).join("hash.txt");
    let hash_files = hash_file.is_file();
    let hash_file = std::path::absolute(&hash_file).unwrap_or(hash_file);
    LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .hash_files(hash_files)
        .hash_file(Arc::from(hash_file.to_string_lossy().as_ref()))
        .build()
}

/// The app's routes, generated once per process. Generating them renders the app with
/// resource loading suppressed by a process-wide flag in leptos_router, so a page rendering
/// on another router at that moment would wait forever for its resources
/// (leptos-rs/leptos#4773); tests start many routers in one process.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Builds the whole application: pages, server functions, sign-in, health checks and the
/// middleware stack.
pub fn build_router(db: DatabaseConnection, config: Config) -> Router {
    let state = AppState {
        db,
        session: config.session_settings(),
        leptos_options: leptos_options(&config),
        api_rate: web::api::RateLimit::new(config.api_requests_per_minute),
        config: Arc::new(config),
    };
    let routes = route_list();
    let context = {
        let (db, session) = (state.db.clone(), state.session);
        move || {
            provide_context(db.clone());
            provide_context(session);
        }
    };
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    let site_root = Path::new(&state.config.site_root);
    let bundle = ServiceBuilder::new()
        .layer(middleware::from_fn(assets::cache_headers))
        .service(assets::serve_dir(site_root.join("pkg")));
    // Public assets at the site root; whatever is not a file is the app's 404 page (Leptos's
    // handler looks for the file once more before rendering it: a cheap miss).
    let not_found =
        leptos_axum::file_and_error_handler_with_context::<AppState, _>(context.clone(), shell)
            .with_state(state.clone());
    let public_files_or_not_found = ServiceBuilder::new()
        .layer(middleware::from_fn(assets::cache_headers))
        .service(
            assets::serve_dir(site_root)
                .call_fallback_on_method_not_allowed(true)
                .fallback(not_found),
        );
    // The API carries no cookies: no session lookup, no cross-site check, no form redirects.
    let pages = Router::new()
        .route("/login", post(session::sign_in))
        .route("/logout", post(session::sign_out))
        .route("/attempts/{id}", post(quiz::submit))
        .route("/compliance/roster.csv", get(web::exports::roster))
        .route("/compliance/audit.csv", get(web::exports::audit))
        .route(
            "/compliance/people/{id}/evidence.csv",
            get(web::exports::evidence),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .nest_service("/pkg", bundle)
        .fallback_service(public_files_or_not_found)
        .layer(middleware::from_fn(forms::form_errors_back_to_page))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::load_session,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client_address::resolve_client_address,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::refuse_cross_site,
        ));
    Router::new()
        .merge(web::api::router())
        .merge(pages)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), security::security_headers))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// The database could not be reached at start-up and waiting was turned off
/// (`CLEARED_WAIT_FOR_DATABASE=false`).
#[derive(Debug, thiserror::Error)]
#[error("the database is unreachable ({0}); not waiting, as CLEARED_WAIT_FOR_DATABASE=false")]
pub struct DatabaseUnreachable(pub String);

/// One connection attempt at start-up may take this long (a stopped or frozen server).
const CONNECT_ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);
/// Start-up retries wait 1 s, 2 s, 4 s, … and at most this long between attempts.
const MAX_RETRY_DELAY: std::time::Duration = std::time::Duration::from_secs(30);

/// Connects to the database and applies pending migrations. While the database is
/// unavailable (see `app::db::is_unavailable`) it retries with a growing delay and says so in
/// the log, unless `config.wait_for_database` is off; any other failure (a wrong URL or
/// password, a failed migration) is final.
pub async fn connect_database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = config.database_url.as_str();
    let mut delay = std::time::Duration::from_secs(1);
    let mut attempt = 1u32;
    loop {
        // A short probe first: the pool itself waits 10 s for a connection.
        let outcome = match app::db::connect_with_timeout(url, CONNECT_ATTEMPT_TIMEOUT).await {
            Ok(probe) => {
                probe.close().await.ok();
                app::db::connect_and_migrate(url).await
            }
            Err(error) => Err(error),
        };
        let error = match outcome {
            Ok(db) => {
                if attempt > 1 {
                    tracing::info!(attempt, "the database is reachable");
                }
                return Ok(db);
            }
            Err(error) if app::db::is_unavailable(&error) => error,
            Err(error) => anyhow::bail!("cannot open the database: {error}"),
        };
        if !config.wait_for_database {
            return Err(DatabaseUnreachable(error.to_string()).into());
        }
        tracing::warn!(
            attempt,
            retry_in_secs = delay.as_secs(),
            %error,
            "the database is unreachable; retrying"
        );
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_RETRY_DELAY);
        attempt += 1;
    }
}

/// Serves on `listener` with the database `db` until `shutdown` completes: requests in
/// flight are finished until the shutdown deadline, then the rest are dropped.
pub async fn serve(
    db: DatabaseConnection,
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let limits = serve::Limits {
        header_timeout: config.header_timeout,
        shutdown_timeout: config.shutdown_timeout,
        max_connections: config
            .max_connections
            .unwrap_or_else(serve::default_max_connections),
    };
    let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
    let worker = config
        .webhook_poll
        .map(|poll| tokio::spawn(webhooks::run(db.clone(), poll, worker_stopped)));
    let router = build_router(db.clone(), config);
    tracing::info!(address = %listener.local_addr()?, "serving");
    serve::serve(listener, router, limits, shutdown).await;
    let _ = stop_worker.send(true);
    if let Some(mut worker) = worker
        && tokio::time::timeout(webhooks::SEND_TIMEOUT, &mut worker)
            .await
            .is_err()
    {
        // Its claims run out and another server (or the next start) delivers them.
        worker.abort();
    }
    db.close().await?;
    Ok(())
}

/// Connects to (and migrates) the database, then serves on `listener` until `shutdown`
/// completes.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let db = connect_database(&config).await?;
    serve(db, config, listener, shutdown).await
}
