//! Answers in X's shapes: `errors[]` problems for the API, `{error,
//! error_description}` for OAuth, empty bodies where X's edge sends them.

use serde_json::{Value, json};

/// What a handler answers.
#[derive(Debug)]
pub enum Reply {
    Http {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
        headers: Vec<(String, String)>,
    },
    /// Cut the connection without an answer (fault injection, going dark).
    Drop,
}

impl Reply {
    pub fn json(status: u16, value: Value) -> Reply {
        Reply::Http {
            status,
            content_type: "application/json; charset=utf-8",
            body: serde_json::to_vec(&value).unwrap_or_default(),
            headers: Vec::new(),
        }
    }

    pub fn ok(value: Value) -> Reply {
        Reply::json(200, value)
    }

    pub fn html(status: u16, html: String) -> Reply {
        Reply::Http {
            status,
            content_type: "text/html; charset=utf-8",
            body: html.into_bytes(),
            headers: Vec::new(),
        }
    }

    pub fn raw(status: u16, content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply::Http {
            status,
            content_type,
            body,
            headers: Vec::new(),
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply::raw(status, "text/plain", Vec::new())
    }

    pub fn redirect(location: &str) -> Reply {
        Reply::empty(302).with_header("Location", location)
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        if let Reply::Http { headers, .. } = &mut self {
            headers.push((name.to_string(), value.into()));
        }
        self
    }

    pub fn has_header(&self, name: &str) -> bool {
        matches!(self, Reply::Http { headers, .. } if headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)))
    }

    pub fn status(&self) -> u16 {
        match self {
            Reply::Http { status, .. } => *status,
            Reply::Drop => 0,
        }
    }

    /// 400 `invalid-request` with one error naming the parameter, as X answers.
    pub fn invalid(parameter: &str, value: impl Into<String>, message: impl Into<String>) -> Reply {
        let message = message.into();
        Reply::json(
            400,
            json!({
                "errors": [{
                    "parameters": { parameter: [value.into()] },
                    "message": message,
                }],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            }),
        )
    }

    /// A plain problem (`about:blank`) with `detail`, X's shape for 401/403/429.
    pub fn problem(status: u16, title: &str, detail: impl Into<String>) -> Reply {
        Reply::json(
            status,
            json!({
                "title": title,
                "type": "about:blank",
                "status": status,
                "detail": detail.into(),
            }),
        )
    }

    pub fn unauthorized() -> Reply {
        Reply::problem(401, "Unauthorized", "Unauthorized")
    }

    pub fn forbidden(detail: impl Into<String>) -> Reply {
        Reply::problem(403, "Forbidden", detail)
    }

    pub fn too_many_requests() -> Reply {
        Reply::problem(429, "Too Many Requests", "Too Many Requests")
    }

    /// 404 in X's `resource-not-found` shape.
    pub fn not_found(resource_type: &str, parameter: &str, id: &str) -> Reply {
        Reply::json(
            404,
            json!({
                "errors": [{
                    "value": id,
                    "detail": format!("Could not find {resource_type} with {parameter}: [{id}]."),
                    "title": "Not Found Error",
                    "resource_type": resource_type,
                    "parameter": parameter,
                    "resource_id": id,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }],
                "title": "Not Found Error",
                "detail": format!("Could not find {resource_type} with {parameter}: [{id}]."),
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }),
        )
    }

    /// OAuth token/revoke endpoint errors.
    pub fn oauth_error(status: u16, error: &str, description: impl Into<String>) -> Reply {
        Reply::json(
            status,
            json!({ "error": error, "error_description": description.into() }),
        )
    }

    /// No route.
    pub fn no_route(path: &str) -> Reply {
        Reply::problem(
            404,
            "Not Found",
            format!("Sorry, that page does not exist: {path}"),
        )
    }
}
