//! `POST /2/media/metadata` with every field X's spec defines. Alt text and
//! the sensitive-media warning are checked and shown on the practice post
//! page; the other fields are type-checked against the spec's schemas,
//! stored and echoed back in `associated_metadata`.

use serde_json::{Map, Value, json};

use super::media::{is_id, usable};
use super::reply::Reply;
use super::router::Call;
use super::{Server, form, lock};
use crate::core::limits::ALT_TEXT_MAX_CHARS;

/// A value's type in the spec's schemas, as far as the practice server checks it.
enum Shape {
    Bool,
    Number,
    /// A string of at most this many characters.
    Str(Option<usize>),
    /// `^[0-9]{1,19}$` (MediaId).
    Id,
    /// ISO 3166-1 alpha-2, `^[a-zA-Z]{2}$`.
    Country,
    Enum(&'static [&'static str]),
    Array {
        item: &'static Shape,
        min: usize,
        max: Option<usize>,
    },
    /// Fields: name, shape, required. Fields the spec does not define are
    /// ignored (not stored): the spec does not forbid them here.
    Object(&'static [(&'static str, Shape, bool)]),
}

use Shape::*;

const STICKER: Shape = Object(&[
    ("aspect_ratio", Number, false),
    ("group_annotation_id", Number, false),
    ("id", Str(None), false),
    ("sticker_set_annotation_id", Number, false),
    ("transform_a", Number, false),
    ("transform_b", Number, false),
    ("transform_c", Number, false),
    ("transform_d", Number, false),
    ("transform_tx", Number, false),
    ("transform_ty", Number, false),
]);

/// `MetadataCreateRequest.metadata`. GeoRestrictions is a oneOf in the spec
/// (one list empty, the other not), but X's own example sends both lists
/// filled; only the types are checked.
const METADATA: &[(&str, Shape, bool)] = &[
    (
        "allow_download_status",
        Object(&[("allow_download", Bool, false)]),
        false,
    ),
    (
        "alt_text",
        Object(&[("text", Str(Some(ALT_TEXT_MAX_CHARS)), true)]),
        false,
    ),
    (
        "audience_policy",
        Object(&[
            (
                "creator_subscriptions",
                Array {
                    item: &Enum(&["Any"]),
                    min: 0,
                    max: None,
                },
                false,
            ),
            (
                "x_subscriptions",
                Array {
                    item: &Enum(&["Any"]),
                    min: 0,
                    max: None,
                },
                false,
            ),
        ]),
        false,
    ),
    (
        "content_expiration",
        Object(&[("timestamp_sec", Number, true)]),
        false,
    ),
    (
        "domain_restrictions",
        Object(&[(
            "whitelist",
            Array {
                item: &Str(None),
                min: 0,
                max: None,
            },
            true,
        )]),
        false,
    ),
    (
        "found_media_origin",
        Object(&[
            ("id", Str(Some(24)), true),
            ("provider", Str(Some(8)), true),
        ]),
        false,
    ),
    (
        "geo_restrictions",
        Object(&[
            (
                "blacklisted_country_codes",
                Array {
                    item: &Country,
                    min: 0,
                    max: None,
                },
                true,
            ),
            (
                "whitelisted_country_codes",
                Array {
                    item: &Country,
                    min: 0,
                    max: None,
                },
                true,
            ),
        ]),
        false,
    ),
    ("management_info", Object(&[("managed", Bool, true)]), false),
    (
        "preview_image",
        Object(&[(
            "media_key",
            Object(&[
                ("media", Id, false),
                ("media_category", Enum(&["TweetImage"]), false),
            ]),
            true,
        )]),
        false,
    ),
    (
        "sensitive_media_warning",
        Object(&[
            ("adult_content", Bool, false),
            ("graphic_violence", Bool, false),
            ("other", Bool, false),
        ]),
        false,
    ),
    ("shared_info", Object(&[("shared", Bool, true)]), false),
    (
        "sticker_info",
        Object(&[(
            "stickers",
            Array {
                item: &STICKER,
                min: 1,
                max: Some(25),
            },
            true,
        )]),
        false,
    ),
    (
        "upload_source",
        Object(&[("upload_source", Str(None), true)]),
        false,
    ),
];

/// Check `value` against `shape`; answer the value as stored (fields the
/// spec does not define dropped).
fn check(path: &str, value: &Value, shape: &Shape) -> Result<Value, Reply> {
    let shown = match value {
        Value::String(s) => s.chars().take(80).collect(),
        other => other.to_string().chars().take(80).collect::<String>(),
    };
    let bad = |what: String| {
        Err(Reply::invalid(
            path,
            shown.clone(),
            format!("{path} must be {what}."),
        ))
    };
    match shape {
        Bool if !value.is_boolean() => bad("true or false".into()),
        Number if !value.is_number() => bad("a number".into()),
        Str(max) => match value.as_str() {
            None => bad("a string".into()),
            Some(s) => match max {
                Some(max) if s.chars().count() > *max => bad(format!(
                    "at most {max} characters; this one has {}",
                    s.chars().count()
                )),
                _ => Ok(value.clone()),
            },
        },
        Id if !value.as_str().is_some_and(is_id) => bad("a media id (1 to 19 digits)".into()),
        Country
            if !value
                .as_str()
                .is_some_and(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic())) =>
        {
            bad("a two-letter country code (ISO 3166-1)".into())
        }
        Enum(allowed) if !value.as_str().is_some_and(|v| allowed.contains(&v)) => {
            bad(format!("one of {}", allowed.join(", ")))
        }
        Array { item, min, max } => {
            let Some(items) = value.as_array() else {
                return bad("a list".into());
            };
            if items.len() < *min || max.is_some_and(|m| items.len() > m) {
                let most = max.map(|m| format!(" and at most {m}")).unwrap_or_default();
                return bad(format!("a list of at least {min}{most} items"));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, v)| check(&format!("{path}[{i}]"), v, item))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        Object(fields) => {
            let Some(object) = value.as_object() else {
                return bad("an object".into());
            };
            check_fields(path, object, fields).map(Value::Object)
        }
        _ => Ok(value.clone()),
    }
}

fn check_fields(
    path: &str,
    object: &Map<String, Value>,
    fields: &[(&str, Shape, bool)],
) -> Result<Map<String, Value>, Reply> {
    let mut out = Map::new();
    for (name, shape, required) in fields {
        let field_path = format!("{path}.{name}");
        match object.get(*name) {
            None if *required => {
                return Err(Reply::invalid(
                    &field_path,
                    "",
                    format!("{field_path} is required."),
                ));
            }
            None => {}
            Some(v) => {
                out.insert(name.to_string(), check(&field_path, v, shape)?);
            }
        }
    }
    Ok(out)
}

/// `POST /2/media/metadata`
pub(crate) fn metadata(server: &Server, call: &mut Call) -> Reply {
    let body = match form::read_small(call.req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return Reply::invalid("body", "", "The request body must be a JSON object.");
    };
    let id = match request.get("id") {
        Some(Value::String(id)) if is_id(id) => id.clone(),
        None => return Reply::invalid("id", "", "The id field is required."),
        Some(other) => {
            return Reply::invalid(
                "id",
                other
                    .as_str()
                    .map(String::from)
                    .unwrap_or_else(|| other.to_string()),
                "id must be a media id (1 to 19 digits).",
            );
        }
    };
    call.log_media = Some(id.clone());
    let media = match usable(server, call.user(), &id, false) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let given = match request.get("metadata") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Reply::invalid("metadata", "", "metadata must be an object."),
    };
    let checked = match check_fields("metadata", &given, METADATA) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let alt_text = checked
        .get("alt_text")
        .and_then(|a| a["text"].as_str())
        .map(String::from);
    if alt_text.is_some() && !media.kind.takes_alt_text() {
        return Reply::invalid(
            "id",
            &id,
            "Alt text can be added to images and GIFs only, not to videos.",
        );
    }
    if media.finalized_at.is_none() {
        return Reply::invalid("id", &id, "The media has not been finalized.");
    }
    let mut store = lock(&server.store);
    let Some(m) = store.state.media.get_mut(&id) else {
        return Reply::not_found("media", "media_id", &id);
    };
    if alt_text.is_some() {
        m.alt_text = alt_text;
    }
    m.metadata.extend(checked);
    let associated = m.metadata.clone();
    store.save();
    Reply::ok(json!({ "data": { "id": id, "associated_metadata": associated } }))
}

/// The sensitive-media warning's categories that are set, in words.
pub(crate) fn warnings(metadata: &Map<String, Value>) -> Vec<&'static str> {
    let warning = &metadata.get("sensitive_media_warning");
    crate::core::media::warning::WARNING_FLAGS
        .iter()
        .filter(|(field, _)| warning.is_some_and(|w| w[*field] == Value::Bool(true)))
        .map(|(_, words)| *words)
        .collect()
}
