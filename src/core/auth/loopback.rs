//! The loopback listener that receives X's redirect after sign-in: on
//! 127.0.0.1 only (and ::1 too for a `localhost` redirect URI, which a
//! browser may resolve to either), on the port of the first configured
//! redirect URI that is free, GETs on that path only. A callback with a wrong or missing `state`
//! gets an error page and the listener keeps waiting for the real one.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use subtle::ConstantTimeEq;

use crate::core::secret::Secret;

/// How long to wait for the browser by default.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// After this long without the browser coming back, say what usually
/// causes it ([`callback_hint`]).
pub const SIGN_IN_HINT_AFTER: Duration = Duration::from_secs(60);

/// What usually keeps the browser from coming back: X refused the callback
/// URL because the X app doesn't have it registered.
pub fn callback_hint(redirect_uri: &str) -> String {
    format!(
        "Still waiting. If X showed an error about the callback URL (or “You weren't able to give access to the App”), your administrator must register {redirect_uri} as a Callback URI in the X app's User authentication settings."
    )
}

/// The redirect URI of an authorize URL (to name it in the hint).
pub fn redirect_uri_of(authorize_url: &str) -> Option<String> {
    url::Url::parse(authorize_url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
}

/// Why a sign-in in the browser did not give us a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("You cancelled sign-in in the browser.")]
    DeniedInBrowser,
    #[error("Sign-in was cancelled.")]
    Cancelled,
    #[error("Sign-in timed out: the browser didn't come back within {0} minutes. Try again.")]
    TimedOut(u64),
    #[error(
        "X sent no sign-in code back. Try again; if it keeps happening, ask your administrator to check the app's settings at X."
    )]
    NoCode,
    #[error("X refused the sign-in: {0}")]
    Refused(String),
    #[error(
        "Can't wait for the browser: ports {0} are all in use on this computer. Close the program using them, or ask your administrator to register another callback URL."
    )]
    PortsBusy(String),
    #[error(
        "The callback URL “{0}” can't be used: it must look like http://127.0.0.1:8765/callback."
    )]
    BadRedirect(String),
}

/// A bound listener, waiting for the browser.
pub struct Listener {
    /// 127.0.0.1, and ::1 for `localhost`.
    servers: Vec<tiny_http::Server>,
    redirect_uri: String,
    path: String,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Bind the first redirect URI whose port is free. A port that was just
/// released (a previous sign-in) can take a moment to free up, so a fully
/// busy list is tried again for about a second before giving up.
pub fn bind(redirect_uris: &[String]) -> Result<Listener, SignInError> {
    let mut last = SignInError::PortsBusy(String::new());
    for attempt in 0..5 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(250));
        }
        match bind_once(redirect_uris) {
            Err(e @ SignInError::PortsBusy(_)) => last = e,
            other => return other,
        }
    }
    Err(last)
}

fn bind_once(redirect_uris: &[String]) -> Result<Listener, SignInError> {
    let mut busy = Vec::new();
    for uri in redirect_uris {
        let parsed = url::Url::parse(uri).map_err(|_| SignInError::BadRedirect(uri.clone()))?;
        let (Some(port), "http") = (parsed.port(), parsed.scheme()) else {
            return Err(SignInError::BadRedirect(uri.clone()));
        };
        let localhost = match parsed.host_str() {
            Some("127.0.0.1") => false,
            Some("localhost") => true,
            _ => return Err(SignInError::BadRedirect(uri.clone())),
        };
        match listen(port, localhost) {
            Ok(servers) => {
                return Ok(Listener {
                    servers,
                    redirect_uri: uri.clone(),
                    path: parsed.path().to_string(),
                });
            }
            Err(e) => {
                tracing::info!("callback port {port} not free: {e}");
                busy.push(port.to_string());
            }
        }
    }
    Err(SignInError::PortsBusy(busy.join(", ")))
}

/// Listen on 127.0.0.1:`port`, and on [::1]:`port` when `both` (skipped
/// where the computer has no IPv6; another program on it makes the port busy).
fn listen(port: u16, both: bool) -> std::io::Result<Vec<tiny_http::Server>> {
    let server = |l: std::net::TcpListener| {
        tiny_http::Server::from_listener(l, None).map_err(std::io::Error::other)
    };
    let mut servers = vec![server(std::net::TcpListener::bind(("127.0.0.1", port))?)?];
    if both {
        match std::net::TcpListener::bind(("::1", port)) {
            Ok(l) => servers.push(server(l)?),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => return Err(e),
            Err(e) => tracing::info!("no IPv6 loopback for the callback: {e}"),
        }
    }
    Ok(servers)
}

impl Listener {
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.servers.first()?.server_addr().to_ip()
    }

    /// Every address listened on.
    pub fn local_addrs(&self) -> Vec<std::net::SocketAddr> {
        self.servers
            .iter()
            .filter_map(|s| s.server_addr().to_ip())
            .collect()
    }

    /// Wait for the browser's callback carrying `state`; give up after
    /// `timeout` or when `cancel` is set. Blocks: run it off the UI thread.
    pub fn wait(
        self,
        state: &Secret,
        timeout: Duration,
        cancel: Arc<AtomicBool>,
    ) -> Result<String, SignInError> {
        let deadline = Instant::now() + timeout;
        loop {
            if cancel.load(Ordering::SeqCst) {
                return Err(SignInError::Cancelled);
            }
            if Instant::now() >= deadline {
                return Err(SignInError::TimedOut(timeout.as_secs().div_ceil(60)));
            }
            let slice = Duration::from_millis(100 / self.servers.len().max(1) as u64);
            for server in &self.servers {
                if let Ok(Some(request)) = server.recv_timeout(slice)
                    && let Some(outcome) = self.answer(request, state)
                {
                    return outcome;
                }
            }
        }
    }

    /// Answer one request; `Some` ends the wait.
    fn answer(
        &self,
        request: tiny_http::Request,
        state: &Secret,
    ) -> Option<Result<String, SignInError>> {
        let url = request.url().to_string();
        let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
        if request.method() != &tiny_http::Method::Get || path != self.path {
            respond(
                request,
                404,
                "Not found",
                "This address only receives X's sign-in.",
            );
            return None;
        }
        let params: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
        let given = params.get("state").map(String::as_str).unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(state.expose().as_bytes())) {
            tracing::warn!("sign-in callback with a wrong or missing state ignored");
            respond(
                request,
                400,
                "This sign-in link is not the one X Uploader is waiting for",
                "Close this tab and start the sign-in again from X Uploader.",
            );
            return None;
        }
        if let Some(error) = params.get("error") {
            let outcome = if error == "access_denied" {
                respond(
                    request,
                    200,
                    "Sign-in cancelled",
                    "You can close this tab and return to X Uploader.",
                );
                SignInError::DeniedInBrowser
            } else {
                let said = params
                    .get("error_description")
                    .cloned()
                    .unwrap_or_else(|| error.clone());
                respond(
                    request,
                    400,
                    "X refused the sign-in",
                    &format!("{said}. Return to X Uploader to try again."),
                );
                SignInError::Refused(said)
            };
            return Some(Err(outcome));
        }
        match params.get("code").filter(|c| !c.is_empty()) {
            Some(code) => {
                let code = code.clone();
                respond(
                    request,
                    200,
                    "Signed in",
                    "Signed in — you can close this tab and return to X Uploader.",
                );
                Some(Ok(code))
            }
            None => {
                respond(
                    request,
                    400,
                    "No sign-in code",
                    "X sent no sign-in code. Return to X Uploader to try again.",
                );
                Some(Err(SignInError::NoCode))
            }
        }
    }
}

/// Text as HTML text: what X (or anyone calling the callback) sends in
/// `error_description` is shown, never run.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn respond(request: tiny_http::Request, status: u16, title: &str, text: &str) {
    let (title, text) = (escape_html(title), escape_html(text));
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} — X Uploader</title>\
         <style>body{{font-family:system-ui,sans-serif;display:flex;justify-content:center;padding:60px 16px;\
         background:#f5f8fa;color:#0f1419}}main{{background:#fff;border-radius:16px;padding:28px;max-width:440px;\
         box-shadow:0 1px 4px #0002}}h1{{font-size:22px;margin-top:0}}</style></head>\
         <body><main><h1>{title}</h1><p>{text}</p></main></body></html>"
    );
    // Written raw: tiny_http drops a `Connection` header, and the answer must
    // close the connection. The listener goes away after sign-in, and a
    // browser must not send the next sign-in's callback down a dead
    // keep-alive connection.
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let mut writer = request.into_writer();
    let _ = write!(
        writer,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{html}",
        html.len()
    );
    let _ = writer.flush();
}
