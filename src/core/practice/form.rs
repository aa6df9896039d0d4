//! Request bodies: JSON, url-encoded forms and multipart forms (`multer`),
//! with file parts streamed to disk so no segment is ever held in memory.
//! JSON bodies that carry a file (`media`, base64) are read as a stream
//! (`struson`) and decoded straight to disk the same way.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde_json::{Map, Value};
use struson::reader::{JsonReader, JsonStreamReader, ValueType};

use super::reply::Reply;

/// Text fields larger than this are refused.
const TEXT_FIELD_MAX: usize = 64 * 1024;
/// JSON and url-encoded bodies larger than this are refused.
pub const SMALL_BODY_MAX: usize = 1024 * 1024;

/// A file part spooled to disk.
#[derive(Debug)]
pub struct FilePart {
    /// `None` when the part was larger than allowed (its bytes were read and
    /// dropped).
    pub path: Option<PathBuf>,
    pub bytes: u64,
}

#[derive(Debug, Default)]
pub struct Form {
    pub text: HashMap<String, String>,
    pub files: HashMap<String, FilePart>,
}

pub fn header<'r>(req: &'r tiny_http::Request, name: &str) -> Option<&'r str> {
    req.headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

pub fn content_type(req: &tiny_http::Request) -> String {
    header(req, "Content-Type")
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Read a small body whole (JSON, url-encoded).
pub fn read_small(req: &mut tiny_http::Request) -> Result<Vec<u8>, Reply> {
    let mut body = Vec::new();
    req.as_reader()
        .take(SMALL_BODY_MAX as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|_| Reply::Drop)?;
    if body.len() > SMALL_BODY_MAX {
        return Err(Reply::empty(413));
    }
    Ok(body)
}

pub fn parse_urlencoded(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Any form: multipart (files to `spool`), or url-encoded.
pub fn read_form(
    req: &mut tiny_http::Request,
    spool: &Path,
    file_limit: u64,
) -> Result<Form, Reply> {
    let ct = content_type(req);
    if ct.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(&ct).map_err(|_| {
            Reply::invalid(
                "Content-Type",
                ct.clone(),
                "The multipart boundary is missing.",
            )
        })?;
        read_multipart(req, &boundary, spool, file_limit)
    } else {
        let body = read_small(req)?;
        Ok(Form {
            text: parse_urlencoded(&body),
            files: HashMap::new(),
        })
    }
}

fn read_multipart(
    req: &mut tiny_http::Request,
    boundary: &str,
    spool: &Path,
    file_limit: u64,
) -> Result<Form, Reply> {
    let stream =
        futures_util::stream::unfold((req, vec![0u8; 64 * 1024]), |(req, mut buf)| async move {
            match req.as_reader().read(&mut buf) {
                Ok(0) => None,
                Ok(n) => Some((
                    Ok::<Bytes, std::io::Error>(Bytes::copy_from_slice(&buf[..n])),
                    (req, buf),
                )),
                Err(e) => Some((Err(e), (req, buf))),
            }
        });
    let mut multipart = multer::Multipart::new(stream, boundary);
    pollster::block_on(async {
        let mut form = Form::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => return Err(body_error(e)),
            };
            let name = field.name().unwrap_or_default().to_string();
            if field.file_name().is_some() || name == "media" {
                let part = spool_field(field, spool, file_limit).await?;
                form.files.insert(name, part);
            } else {
                let mut field = field;
                let mut text = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(body_error)? {
                    text.extend_from_slice(&chunk);
                    if text.len() > TEXT_FIELD_MAX {
                        return Err(Reply::invalid(&name, "", "This field is too long."));
                    }
                }
                let text = String::from_utf8_lossy(&text).into_owned();
                // A repeated field (an array sent form-style) keeps every value.
                form.text
                    .entry(name)
                    .and_modify(|v| {
                        v.push(',');
                        v.push_str(&text);
                    })
                    .or_insert(text);
            }
        }
        Ok(form)
    })
}

/// A new file in the spool folder for one part, kept (the caller removes it).
fn spool_file(spool: &Path) -> Result<(File, std::path::PathBuf), Reply> {
    let tmp = tempfile::Builder::new()
        .prefix("part-")
        .tempfile_in(spool)
        .map_err(|e| server_error(&e))?;
    tmp.keep().map_err(|e| server_error(&e.error))
}

async fn spool_field(
    mut field: multer::Field<'_>,
    spool: &Path,
    limit: u64,
) -> Result<FilePart, Reply> {
    let (mut file, path) = spool_file(spool)?;
    let mut bytes = 0u64;
    let mut keep = true;
    while let Some(chunk) = field.chunk().await.map_err(|e| {
        let _ = std::fs::remove_file(&path);
        body_error(e)
    })? {
        bytes += chunk.len() as u64;
        if bytes > limit {
            keep = false;
        }
        if keep {
            file.write_all(&chunk).map_err(|e| server_error(&e))?;
        }
    }
    if !keep {
        let _ = std::fs::remove_file(&path);
    }
    Ok(FilePart {
        path: keep.then_some(path),
        bytes,
    })
}

/// A JSON object body whose `media` field (a base64 string) went to disk.
#[derive(Debug, Default)]
pub struct JsonBody {
    /// Every other top-level field.
    pub fields: Map<String, Value>,
    /// The decoded `media`, if the body had it as a string.
    pub media: Option<FilePart>,
}

impl JsonBody {
    /// The body as a form: scalar fields as text, `media` as the file part.
    pub fn into_form(self) -> Form {
        let text = self
            .fields
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => (k, s),
                // An array reads as a repeated form field would.
                Value::Array(items) => (
                    k,
                    items
                        .iter()
                        .map(|i| {
                            i.as_str()
                                .map(String::from)
                                .unwrap_or_else(|| i.to_string())
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                other => (k, other.to_string()),
            })
            .collect();
        let files = self
            .media
            .into_iter()
            .map(|m| ("media".into(), m))
            .collect();
        Form { text, files }
    }

    /// Remove the spooled file (the request was refused).
    pub fn discard(self) {
        if let Some(path) = self.media.and_then(|m| m.path) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Read a JSON object body as a stream. The base64 `media` string is decoded
/// 64 KiB at a time into a file in `spool` (kept only up to `file_limit`
/// decoded bytes; past that the rest is read, counted and dropped), so memory
/// stays small however large the body; the other fields together may take
/// 64 KiB.
pub fn read_json_streamed(
    req: &mut tiny_http::Request,
    spool: &Path,
    file_limit: u64,
) -> Result<JsonBody, Reply> {
    let mut json = JsonStreamReader::new(req.as_reader());
    let mut body = JsonBody::default();
    match read_json_object(&mut json, &mut body, spool, file_limit) {
        Ok(()) => Ok(body),
        Err(reply) => {
            body.discard();
            Err(reply)
        }
    }
}

fn read_json_object<R: Read>(
    json: &mut JsonStreamReader<R>,
    body: &mut JsonBody,
    spool: &Path,
    file_limit: u64,
) -> Result<(), Reply> {
    if json.peek().map_err(bad_json)? != ValueType::Object {
        return Err(not_an_object());
    }
    json.begin_object().map_err(bad_json)?;
    let mut budget = TEXT_FIELD_MAX;
    while json.has_next().map_err(bad_json)? {
        let name = json.next_name_owned().map_err(bad_json)?;
        if name == "media" && json.peek().map_err(bad_json)? == ValueType::String {
            let part = spool_base64(json, spool, file_limit)?;
            if let Some(old) = body.media.replace(part).and_then(|m| m.path) {
                let _ = std::fs::remove_file(old);
            }
        } else {
            budget = budget.saturating_sub(name.len());
            let value = read_value(json, &mut budget, 0)?;
            body.fields.insert(name, value);
        }
    }
    json.end_object().map_err(bad_json)?;
    Ok(())
}

/// Decode the base64 string at the reader's position into a spooled file.
fn spool_base64<R: Read>(
    json: &mut JsonStreamReader<R>,
    spool: &Path,
    limit: u64,
) -> Result<FilePart, Reply> {
    let (mut file, path) = spool_file(spool)?;
    let result = (|| {
        let string = json.next_string_reader().map_err(bad_json)?;
        let mut decoder = base64::read::DecoderReader::new(string, &STANDARD);
        let mut buf = vec![0u8; 64 * 1024];
        let mut bytes = 0u64;
        loop {
            let n = decoder.read(&mut buf).map_err(|e| {
                let bad_base64 = e
                    .get_ref()
                    .is_some_and(|inner| inner.is::<base64::DecodeError>());
                if bad_base64 {
                    Reply::invalid(
                        "media",
                        "",
                        "The media field is not valid base64 (standard alphabet, with padding).",
                    )
                } else {
                    bad_json(e)
                }
            })?;
            if n == 0 {
                return Ok(bytes);
            }
            bytes += n as u64;
            if bytes <= limit {
                file.write_all(&buf[..n]).map_err(|e| server_error(&e))?;
            }
        }
    })();
    let keep = matches!(result, Ok(bytes) if bytes <= limit);
    if !keep {
        let _ = std::fs::remove_file(&path);
    }
    result.map(|bytes| FilePart {
        path: keep.then_some(path),
        bytes,
    })
}

/// One JSON value, read whole but within `budget` bytes of text.
fn read_value<R: Read>(
    json: &mut JsonStreamReader<R>,
    budget: &mut usize,
    depth: u32,
) -> Result<Value, Reply> {
    let too_big = || Reply::invalid("body", "", "The request body has too much besides media.");
    if depth > 32 {
        return Err(too_big());
    }
    Ok(match json.peek().map_err(bad_json)? {
        ValueType::Object => {
            json.begin_object().map_err(bad_json)?;
            let mut map = Map::new();
            while json.has_next().map_err(bad_json)? {
                let name = json.next_name_owned().map_err(bad_json)?;
                *budget = budget.checked_sub(name.len()).ok_or_else(too_big)?;
                let value = read_value(json, budget, depth + 1)?;
                map.insert(name, value);
            }
            json.end_object().map_err(bad_json)?;
            Value::Object(map)
        }
        ValueType::Array => {
            json.begin_array().map_err(bad_json)?;
            let mut items = Vec::new();
            while json.has_next().map_err(bad_json)? {
                items.push(read_value(json, budget, depth + 1)?);
            }
            json.end_array().map_err(bad_json)?;
            Value::Array(items)
        }
        ValueType::String => {
            let mut text = String::new();
            json.next_string_reader()
                .map_err(bad_json)?
                .take(*budget as u64 + 1)
                .read_to_string(&mut text)
                .map_err(bad_json)?;
            *budget = budget.checked_sub(text.len()).ok_or_else(too_big)?;
            Value::String(text)
        }
        ValueType::Number => {
            let number = json.next_number_as_string().map_err(bad_json)?;
            *budget = budget.checked_sub(number.len()).ok_or_else(too_big)?;
            serde_json::from_str(&number).map_err(bad_json)?
        }
        ValueType::Boolean => Value::Bool(json.next_bool().map_err(bad_json)?),
        ValueType::Null => {
            json.next_null().map_err(bad_json)?;
            Value::Null
        }
    })
}

fn not_an_object() -> Reply {
    Reply::invalid("body", "", "The request body must be a JSON object.")
}

fn bad_json(e: impl std::fmt::Display) -> Reply {
    Reply::invalid(
        "body",
        "",
        format!("The request body is not valid JSON: {e}"),
    )
}

fn body_error(e: multer::Error) -> Reply {
    match e {
        // The client went away (or the body broke off): nothing to answer.
        multer::Error::StreamReadFailed(_) | multer::Error::IncompleteStream => Reply::Drop,
        other => Reply::invalid(
            "body",
            "",
            format!("The multipart body could not be read: {other}"),
        ),
    }
}

pub fn server_error(e: &std::io::Error) -> Reply {
    tracing::error!("practice server storage error: {e}");
    Reply::problem(
        500,
        "Internal Server Error",
        "The practice server could not store the data.",
    )
}
