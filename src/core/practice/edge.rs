//! The practice server's edge: a small TCP front in front of tiny_http.
//!
//! tiny_http cannot drop a connection halfway through a request body, refuse
//! connections for a while, or shape bytes on the wire. The edge can: every
//! client connection is paired with one connection to the inner tiny_http
//! server, and bytes are pumped between them. The inner server sees the
//! edge's upstream socket as the peer address, so a handler can ask the edge
//! to cut "its" client connection by that address.
//!
//! tiny_http 0.12 hands each new connection to a thread pool whose `spawn`
//! can leave a connection queued behind keep-alive connections when several
//! arrive at once (a notified thread still counts as waiting). The edge
//! therefore opens inner connections one at a time and hands out only ones
//! that have answered a ping: such a connection owns its tiny_http thread.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::lock;

/// A shared token bucket: the link's capacity, for all connections together.
struct Bucket {
    bytes_per_sec: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// A burst of 64 KiB keeps the rate honest at any time scale we measure.
    const BURST: f64 = 64.0 * 1024.0;
}

#[derive(Default)]
struct Links {
    /// Upstream local port → (client socket, upstream socket).
    conns: HashMap<u16, (TcpStream, TcpStream)>,
}

/// Ready inner connections kept at hand.
const IDLE_TARGET: usize = 8;

pub(crate) struct Edge {
    links: Mutex<Links>,
    /// Inner connections that answered a ping, ready for a client.
    idle: Mutex<Vec<TcpStream>>,
    /// Inner connections are opened one at a time.
    opening: Mutex<()>,
    bucket: Mutex<Option<Bucket>>,
    dark_until: Mutex<Option<Instant>>,
    stopping: AtomicBool,
    inner: SocketAddr,
}

impl Edge {
    /// Start accepting on `listener`, forwarding to `inner`.
    pub(crate) fn start(
        listener: TcpListener,
        inner: SocketAddr,
        bandwidth_mbps: Option<f64>,
    ) -> (Arc<Edge>, thread::JoinHandle<()>) {
        let edge = Arc::new(Edge {
            links: Mutex::default(),
            idle: Mutex::default(),
            opening: Mutex::default(),
            bucket: Mutex::new(None),
            dark_until: Mutex::new(None),
            stopping: AtomicBool::new(false),
            inner,
        });
        edge.set_bandwidth(bandwidth_mbps);
        let accept_edge = edge.clone();
        let handle = thread::Builder::new()
            .name("practice-edge".into())
            .spawn(move || accept_edge.accept_loop(listener))
            .expect("spawning a thread");
        let warm_edge = edge.clone();
        let _ = thread::Builder::new()
            .name("practice-edge-warm".into())
            .spawn(move || warm_edge.keep_warm());
        (edge, handle)
    }

    /// Keep a few answered inner connections ready.
    fn keep_warm(&self) {
        while !self.stopping.load(Ordering::SeqCst) {
            if lock(&self.idle).len() < IDLE_TARGET
                && let Ok(conn) = self.open_inner()
            {
                lock(&self.idle).push(conn);
                continue;
            }
            thread::sleep(Duration::from_millis(20));
        }
        lock(&self.idle).clear();
    }

    /// A ready inner connection: from the warm pool, or opened now.
    fn inner_connection(&self) -> std::io::Result<TcpStream> {
        if let Some(conn) = lock(&self.idle).pop() {
            return Ok(conn);
        }
        self.open_inner()
    }

    /// Open an inner connection and wait until tiny_http has answered a
    /// ping on it (so a thread of its own serves it).
    fn open_inner(&self) -> std::io::Result<TcpStream> {
        let _one_at_a_time = lock(&self.opening);
        let mut last = std::io::Error::other("no inner connection");
        for _ in 0..5 {
            match self.ping(TcpStream::connect(self.inner)?) {
                Ok(conn) => return Ok(conn),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn ping(&self, mut conn: TcpStream) -> std::io::Result<TcpStream> {
        conn.set_read_timeout(Some(Duration::from_secs(2)))?;
        conn.write_all(b"GET /_practice/ping HTTP/1.1\r\nHost: edge\r\n\r\n")?;
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        while !seen.ends_with(b"\r\n\r\n") {
            if conn.read(&mut byte)? == 0 {
                return Err(std::io::Error::other("inner connection closed"));
            }
            seen.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&seen).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        conn.read_exact(&mut body)?;
        conn.set_read_timeout(None)?;
        conn.set_nodelay(true)?;
        Ok(conn)
    }

    /// Megabits per second (10^6 bits) for all request bytes together; `None`
    /// or 0 for an unshaped link.
    pub(crate) fn set_bandwidth(&self, mbps: Option<f64>) {
        *lock(&self.bucket) = mbps.filter(|m| *m > 0.0).map(|m| Bucket {
            bytes_per_sec: m * 1_000_000.0 / 8.0,
            tokens: Bucket::BURST,
            last: Instant::now(),
        });
    }

    /// Refuse and drop every connection for `secs` seconds.
    pub(crate) fn go_dark(&self, secs: f64) {
        *lock(&self.dark_until) = Some(Instant::now() + Duration::from_secs_f64(secs));
        let conns: Vec<u16> = lock(&self.links).conns.keys().copied().collect();
        for port in conns {
            self.cut(port);
        }
    }

    fn is_dark(&self) -> bool {
        let mut dark = lock(&self.dark_until);
        match *dark {
            Some(until) if Instant::now() < until => true,
            Some(_) => {
                *dark = None;
                false
            }
            None => false,
        }
    }

    /// Cut the client connection whose upstream socket is `peer` (the address
    /// tiny_http reports as the request's remote address).
    pub(crate) fn cut_peer(&self, peer: Option<&SocketAddr>) {
        if let Some(peer) = peer {
            self.cut(peer.port());
        }
    }

    fn cut(&self, port: u16) {
        if let Some((client, upstream)) = lock(&self.links).conns.remove(&port) {
            let _ = client.shutdown(Shutdown::Both);
            let _ = upstream.shutdown(Shutdown::Both);
        }
    }

    pub(crate) fn stop(&self, public: SocketAddr) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&public, Duration::from_millis(200));
        let conns: Vec<u16> = lock(&self.links).conns.keys().copied().collect();
        for port in conns {
            self.cut(port);
        }
    }

    fn accept_loop(self: Arc<Self>, listener: TcpListener) {
        for client in listener.incoming() {
            if self.stopping.load(Ordering::SeqCst) {
                break;
            }
            let Ok(client) = client else { continue };
            if self.is_dark() {
                drop(client);
                continue;
            }
            let edge = self.clone();
            let _ = thread::Builder::new()
                .name("practice-conn".into())
                .spawn(move || edge.serve(client));
        }
    }

    fn serve(self: Arc<Self>, client: TcpStream) {
        let Ok(upstream) = self.inner_connection() else {
            return;
        };
        let _ = client.set_nodelay(true);
        let _ = upstream.set_nodelay(true);
        let Ok(port) = upstream.local_addr().map(|a| a.port()) else {
            return;
        };
        let (Ok(c2), Ok(u2), Ok(c3), Ok(u3)) = (
            client.try_clone(),
            upstream.try_clone(),
            client.try_clone(),
            upstream.try_clone(),
        ) else {
            return;
        };
        lock(&self.links).conns.insert(port, (c3, u3));

        // Responses flow back unshaped on their own thread.
        let back = thread::Builder::new()
            .name("practice-conn-back".into())
            .spawn(move || pump(u2, c2, None::<&Edge>));
        pump(client, upstream, Some(&*self));
        if let Ok(back) = back {
            let _ = back.join();
        }
        lock(&self.links).conns.remove(&port);
    }

    /// Hold a request (a handler's thread) for `secs` without answering; a
    /// stopping server lets go at once.
    pub(crate) fn hold(&self, secs: f64) {
        let until = Instant::now() + Duration::from_secs_f64(secs);
        while Instant::now() < until && !self.stopping.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait until `n` bytes may pass the link.
    fn take(&self, n: usize) {
        loop {
            let wait = {
                let mut guard = lock(&self.bucket);
                let Some(bucket) = guard.as_mut() else { return };
                let now = Instant::now();
                let elapsed = now.duration_since(bucket.last).as_secs_f64();
                bucket.last = now;
                bucket.tokens = (bucket.tokens + elapsed * bucket.bytes_per_sec).min(Bucket::BURST);
                if bucket.tokens >= n as f64 {
                    bucket.tokens -= n as f64;
                    return;
                }
                (n as f64 - bucket.tokens) / bucket.bytes_per_sec
            };
            thread::sleep(Duration::from_secs_f64(wait.min(0.05)));
        }
    }
}

/// Copy `from` → `to` until either side closes; `shape` makes bytes wait for
/// the link.
fn pump(mut from: TcpStream, mut to: TcpStream, shape: Option<&Edge>) {
    // Read in slices no larger than the bucket's burst so shaping stays smooth.
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(edge) = shape {
            edge.take(n);
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}
