//! `cleared serve` as a process: logging, the open-files limit, start-up in the right order,
//! signals and exit codes. In the library so the fault tests run exactly this in a child
//! process they can kill.

use crate::config::{Config, LogFormat};
use std::process::ExitCode;

/// Logs to standard error, as text or JSON, filtered by `CLEARED_LOG`.
pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// `cleared serve`: raises the open-files limit, binds, connects to the database (waiting
/// for it unless told not to), and only then says "serving" and serves until a signal.
pub async fn serve_command(config: Config) -> anyhow::Result<()> {
    if let Some(limit) = crate::serve::raise_open_files_limit() {
        tracing::info!(open_files_limit = limit, "open-files limit raised");
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
    let mut shutdown = Box::pin(shutdown_signal());
    let db = tokio::select! {
        db = crate::connect_database(&config) => db?,
        () = &mut shutdown => return Ok(()),
    };
    {
        use std::io::Write;
        // A closed pipe is not worth a panic.
        let _ = writeln!(
            std::io::stdout().lock(),
            "Cleared is serving at http://{}",
            listener.local_addr()?
        );
    }
    crate::serve(db, config, listener, shutdown).await
}

/// The exit code for a failed start: 3 when the database was unreachable and waiting was
/// turned off (so a supervisor can tell "try later"), 1 otherwise.
fn code_of(error: &anyhow::Error) -> u8 {
    if error.is::<crate::DatabaseUnreachable>() {
        3
    } else {
        1
    }
}

/// Prints the error as one line and returns its exit code.
pub fn exit_code(error: &anyhow::Error) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(code_of(error))
}

/// The whole `cleared serve` process on a runtime of its own, configured from the
/// environment; returns the exit code.
pub fn serve_process() -> u8 {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    init_logging(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return 1;
        }
    };
    match runtime.block_on(serve_command(config)) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("error: {error}");
            code_of(&error)
        }
    }
}
