//! The hyper server: one task per connection, HTTP/1.1 and HTTP/2 (h2c) on the same port.

use std::{convert::Infallible, io, net::SocketAddr, sync::Arc, time::Duration};

use hyper::{body::Incoming, service::service_fn};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use tokio::{net::TcpListener, sync::oneshot, task::JoinSet};

use crate::http::{Response, router::Router};

/// A server started with [`NestApplication::bind`](super::NestApplication::bind).
///
/// Closing or dropping it stops accepting and ends every open connection.
#[derive(Debug)]
#[must_use = "the server stops when this handle is dropped"]
pub struct RunningApp {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningApp {
    pub(super) fn start(listener: TcpListener, router: Arc<Router>) -> io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve(listener, router, Some(stopped)));
        Ok(Self {
            local_addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://<address><path>`, for clients.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.local_addr)
    }

    /// Stops accepting, ends every connection, and waits until the server task is gone.
    pub async fn close(mut self) {
        self.stop.take();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        self.stop.take();
    }
}

/// Accepts connections until `stop` fires (or forever without one); each connection is served
/// on its own task, and all are ended when this returns.
pub(super) async fn serve(
    listener: TcpListener,
    router: Arc<Router>,
    stop: Option<oneshot::Receiver<()>>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new());
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let stop = async move {
        match stop {
            Some(stop) => {
                let _ = stop.await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::pin!(stop);
    let mut connections = JoinSet::new();
    tracing::info!(target: "NestApplication", "Nest application successfully started");
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let router = Arc::clone(&router);
                    let builder = Arc::clone(&builder);
                    connections.spawn(async move {
                        let service = service_fn(move |request| {
                            let response = dispatch(&router, request);
                            async move { Ok::<_, Infallible>(response.await) }
                        });
                        if let Err(error) = builder.serve_connection(TokioIo::new(stream), service).await {
                            tracing::debug!(target: "NestApplication", "connection ended: {error}");
                        }
                    });
                }
                Err(error) => {
                    // Out of file descriptors, say: wait a little instead of spinning.
                    tracing::warn!(target: "NestApplication", "accept failed: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = &mut stop => break,
        }
    }
}

fn dispatch(
    router: &Router,
    request: hyper::Request<Incoming>,
) -> impl Future<Output = Response> + Send + use<> {
    let (parts, _body) = request.into_parts();
    router.dispatch(parts)
}
