//! What a post's media carry besides their bytes and alt text: caption
//! tracks on a video (uploaded with `media_category=subtitles`, attached
//! with `POST /2/media/subtitles` once the video is processed) and X's
//! content warning (`sensitive_media_warning` in media metadata).

use bytes::Bytes;

use super::Uploaded;
use super::post::PostItem;
use crate::core::media::captions::AttachedCaptions;
use crate::core::xclient::{RetryNotice, XClient, XError};

/// Upload every captions file of a post's items (while the media upload);
/// answers their media ids, item by item.
pub async fn upload_captions(
    client: &XClient,
    items: &[PostItem],
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<Vec<Vec<String>>, XError> {
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        let mut item_ids = Vec::with_capacity(item.captions.len());
        for c in &item.captions {
            let bytes = Bytes::from(c.bytes.clone());
            let id = client
                .upload_captions(&c.name, c.format.mime(), &bytes, notify)
                .await
                .map_err(|e| e.context(&format!("Uploading the captions {}", c.name)))?;
            item_ids.push(id);
        }
        ids.push(item_ids);
    }
    Ok(ids)
}

/// Set a processed media's content warning and attach its caption tracks;
/// records the tracks on `done`.
pub async fn dress(
    client: &XClient,
    item: &PostItem,
    captions_ids: &[String],
    done: &mut Uploaded,
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<(), XError> {
    if let Some(warning) = item.warning.filter(|w| w.is_set()) {
        client
            .set_metadata(
                &done.media_id,
                serde_json::json!({ "sensitive_media_warning": warning.to_json() }),
                notify,
            )
            .await
            .map_err(|e| e.context(&format!("Adding the content warning of {}", done.name)))?;
    }
    for (c, id) in item.captions.iter().zip(captions_ids) {
        client
            .attach_captions(&done.media_id, id, &c.language, c.language_name(), notify)
            .await
            .map_err(|e| e.context(&format!("Adding the captions {} to {}", c.name, done.name)))?;
        done.captions.push(AttachedCaptions {
            language: c.language.clone(),
            media_id: id.clone(),
        });
    }
    Ok(())
}
