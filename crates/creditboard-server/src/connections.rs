//! Accepting connections: HTTP/1.1 by hyper, with a deadline for each request's head (which
//! also closes a connection left idle between requests) and one for its body, so a client
//! that sends a byte now and then (slowloris) holds neither a connection nor a task for long.
//! An answer has no deadline: the live stream (Server-Sent Events) lasts while its client
//! stays. `axum::serve` sets no timer, so hyper's head deadline would not apply there.

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Sleep;
use tower::ServiceExt;

/// From the first byte of a request (or the end of the previous answer) to the end of its
/// head. A browser sends its head in one packet; 30 s is hyper's own default, and what a
/// kept-alive connection may stay idle.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// From a request's head to the end of its body. The largest body (2 MiB, a full usage
/// batch) takes a few seconds on a slow uplink; a minute is ample and bounds a trickle.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// What open connections are given to finish once the server is asked to stop (a live
/// stream never finishes on its own).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The deadlines for reading requests.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub header_read: Duration,
    pub body_read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header_read: HEADER_READ_TIMEOUT,
            body_read: BODY_READ_TIMEOUT,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open connections
/// finish their answers for up to [`SHUTDOWN_GRACE`].
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopping) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = TowerToHyperService::new(router.map_request(move |r: Request<Incoming>| {
            r.map(|body| Body::new(Deadline::new(body, timeouts.body_read)))
        }));
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(timeouts.header_read);
            let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), service));
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!("connection closed: {e}");
                    }
                }
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(stopping);
        });
    }
    drop(listener);
    drop(stopping);
    let _ = stop.send(());
    // Every connection holds a receiver until it is done.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, stop.closed()).await;
}

/// The request's body arrives within a deadline counted from its head, or it is an error
/// ([`BodyTimedOut`]) for whoever reads it.
struct Deadline {
    body: Incoming,
    deadline: Pin<Box<Sleep>>,
    within: Duration,
}

impl Deadline {
    fn new(body: Incoming, within: Duration) -> Self {
        Deadline {
            body,
            deadline: Box::pin(tokio::time::sleep(within)),
            within,
        }
    }
}

/// A request's body did not arrive in time.
#[derive(Debug)]
pub struct BodyTimedOut(pub Duration);

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request's body did not arrive within {} s",
            self.0.as_secs()
        )
    }
}

impl std::error::Error for BodyTimedOut {}

impl http_body::Body for Deadline {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.body).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            let within = self.within;
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut(within)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
