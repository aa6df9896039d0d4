//! Request bodies: JSON, url-encoded forms and multipart forms (`multer`),
//! with file parts streamed to disk so no segment is ever held in memory.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;

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
                form.text
                    .insert(name, String::from_utf8_lossy(&text).into_owned());
            }
        }
        Ok(form)
    })
}

async fn spool_field(
    mut field: multer::Field<'_>,
    spool: &Path,
    limit: u64,
) -> Result<FilePart, Reply> {
    let tmp = tempfile::Builder::new()
        .prefix("part-")
        .tempfile_in(spool)
        .map_err(|e| server_error(&e))?;
    let (mut file, path): (File, _) = tmp.keep().map_err(|e| server_error(&e.error))?;
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
