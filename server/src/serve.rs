//! The accept loop: HTTP/1.1 connections served by hyper with the limits `axum::serve` lacks.
//!
//! - A connection must deliver a complete request head within the header timeout; the same
//!   timer closes a keep-alive connection that stays idle that long.
//! - At most `max_connections` at once, below the open-files limit, so the process never runs
//!   out of file descriptors. When every slot is taken, connections that are not in the middle
//!   of a request (idle keep-alive, or a head not yet complete) for at least a second are
//!   closed to make room, so the next client waits about a second, not until a timeout.
//! - On shutdown, idle connections close at once and requests in flight may finish until the
//!   shutdown deadline; then every remaining connection is dropped.
//! - Each request carries `ConnectInfo<SocketAddr>`, as with axum's
//!   `into_make_service_with_connect_info`.

use axum::{Router, extract::ConnectInfo};
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};
use tower::ServiceExt;

/// The limits of [`serve`].
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub header_timeout: Duration,
    pub shutdown_timeout: Duration,
    pub max_connections: usize,
}

/// The largest request head (request line and headers) a connection may buffer; a larger one
/// answers 431. Also bounds each connection's read buffer.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// More header fields than this answer 431.
pub const MAX_HEADERS: usize = 100;
/// A connection idle for less than this is never closed to make room: it has just been
/// accepted and its request is on the way.
const SHED_MIN_AGE: Duration = Duration::from_secs(1);

/// The connection cap when none is configured: the open-files limit less a reserve for the
/// database, static files and logs (a quarter of the limit, at most 256), and at most 4,096:
/// enough for many browsers with keep-alive, and a bound on memory (about 14 KB per idle
/// connection, at most 64 KiB more for one with a large request head).
pub fn default_max_connections() -> usize {
    let open_files = rlimit::getrlimit(rlimit::Resource::NOFILE)
        .map(|(soft, _)| soft)
        .unwrap_or(1024);
    let reserve = (open_files / 4).min(256);
    (open_files - reserve).clamp(16, 4_096) as usize
}

/// Raises the soft limit of open files to the hard limit; returns the limit now in force.
pub fn raise_open_files_limit() -> Option<u64> {
    rlimit::increase_nofile_limit(u64::MAX).ok()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Serving,
    /// Finish requests in flight, accept no new ones on existing connections.
    Stopping,
    /// The deadline passed: drop every connection.
    Dropping,
}

struct Slot {
    opened: Instant,
    in_flight: Arc<AtomicUsize>,
    close: Arc<Notify>,
}

#[derive(Default)]
struct Connections {
    next_id: AtomicU64,
    slots: Mutex<HashMap<u64, Slot>>,
}

impl Connections {
    fn add(&self) -> (u64, Arc<AtomicUsize>, Arc<Notify>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let in_flight = Arc::new(AtomicUsize::new(0));
        let close = Arc::new(Notify::new());
        if let Ok(mut slots) = self.slots.lock() {
            slots.insert(
                id,
                Slot {
                    opened: Instant::now(),
                    in_flight: in_flight.clone(),
                    close: close.clone(),
                },
            );
        }
        (id, in_flight, close)
    }

    fn remove(&self, id: u64) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.remove(&id);
        }
    }

    /// Closes every connection that has no request in flight and is older than
    /// [`SHED_MIN_AGE`]; returns how many.
    fn shed_idle(&self) -> usize {
        let Ok(slots) = self.slots.lock() else {
            return 0;
        };
        let mut closed = 0;
        for slot in slots.values() {
            if slot.in_flight.load(Ordering::Acquire) == 0 && slot.opened.elapsed() >= SHED_MIN_AGE
            {
                slot.close.notify_one();
                closed += 1;
            }
        }
        closed
    }
}

/// Counts a request as in flight until its response body has been sent or dropped.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn start(counter: &Arc<AtomicUsize>) -> InFlight {
        counter.fetch_add(1, Ordering::AcqRel);
        InFlight(counter.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request counted as in flight while it streams.
struct TrackedBody {
    inner: axum::body::Body,
    _in_flight: InFlight,
}

impl Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn http1(limits: &Limits) -> hyper::server::conn::http1::Builder {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        .max_buf_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS);
    builder
}

/// Serves `router` on `listener` until `shutdown` completes, then drains as described in the
/// module documentation.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let max = limits.max_connections.max(1);
    let permits = Arc::new(Semaphore::new(max));
    let connections = Arc::new(Connections::default());
    let (phase_tx, phase_rx) = watch::channel(Phase::Serving);
    let builder = Arc::new(http1(&limits));
    let mut shutdown = std::pin::pin!(shutdown);
    let mut last_full_warning: Option<Instant> = None;
    tracing::info!(
        max_connections = max,
        header_timeout_secs = limits.header_timeout.as_secs(),
        "accepting connections"
    );

    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors (or a similar passing condition): make room
                    // and try again shortly, rather than spin.
                    let closed = connections.shed_idle();
                    tracing::warn!(%error, closed_idle = closed, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    continue;
                }
            },
        };
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // Once a minute at most: a flood of connections must not flood the log too.
                if last_full_warning
                    .is_none_or(|at: Instant| at.elapsed() >= Duration::from_secs(60))
                {
                    last_full_warning = Some(Instant::now());
                    tracing::warn!(
                        max_connections = max,
                        "every connection slot is taken; closing idle connections to make room"
                    );
                }
                let mut waited = None;
                while waited.is_none() {
                    connections.shed_idle();
                    tokio::select! {
                        () = &mut shutdown => break,
                        acquired = tokio::time::timeout(Duration::from_millis(250), permits.clone().acquire_owned()) => {
                            if let Ok(Ok(permit)) = acquired {
                                waited = Some(permit);
                            }
                        }
                    }
                }
                match waited {
                    Some(permit) => permit,
                    None => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let (id, in_flight, close) = connections.add();
        let connections = connections.clone();
        let mut phase = phase_rx.clone();
        let builder = builder.clone();
        let router = router.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    let in_flight = InFlight::start(&in_flight);
                    request.extensions_mut().insert(ConnectInfo(peer));
                    let router = router.clone();
                    async move {
                        let response = router.oneshot(request).await?;
                        Ok::<_, std::convert::Infallible>(response.map(|inner| TrackedBody {
                            inner,
                            _in_flight: in_flight,
                        }))
                    }
                });
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            let mut stopping = false;
            loop {
                if !stopping && *phase.borrow_and_update() != Phase::Serving {
                    stopping = true;
                    connection.as_mut().graceful_shutdown();
                }
                if *phase.borrow() == Phase::Dropping {
                    break;
                }
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::debug!(%error, %peer, "connection ended with an error");
                        }
                        break;
                    }
                    () = close.notified() => {
                        tracing::debug!(%peer, "closed an idle connection to make room");
                        break;
                    }
                    changed = phase.changed() => {
                        if changed.is_err() {
                            break;
                        }
                    }
                }
            }
            connections.remove(id);
            drop(permit);
        });
    }

    drop(listener);
    let _ = phase_tx.send(Phase::Stopping);
    let open = max - permits.available_permits();
    tracing::info!(
        open_connections = open,
        deadline_secs = limits.shutdown_timeout.as_secs(),
        "stopped accepting; finishing requests in flight"
    );
    let all_closed = |permits: Arc<Semaphore>| async move {
        let _ = permits.acquire_many(max as u32).await;
    };
    if tokio::time::timeout(limits.shutdown_timeout, all_closed(permits.clone()))
        .await
        .is_err()
    {
        let open = max - permits.available_permits();
        tracing::warn!(
            open_connections = open,
            "shutdown deadline passed; dropping the remaining connections"
        );
        let _ = phase_tx.send(Phase::Dropping);
        let _ = tokio::time::timeout(Duration::from_secs(1), all_closed(permits)).await;
    }
}
