//! What a post's media carry besides their bytes and alt text: caption
//! tracks on a video (uploaded with `media_category=subtitles`, attached
//! with `POST /2/media/subtitles` once the video is processed) and X's
//! content warning (`sensitive_media_warning` in media metadata).

use bytes::Bytes;

use super::Uploaded;
use super::post::PostItem;
use crate::core::media::captions::{AttachedCaptions, CaptionFile};
use crate::core::media::warning::ContentWarning;
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
            item_ids.push(upload_one(client, c, notify).await?);
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
    let captions: Vec<_> = item.captions.iter().zip(captions_ids).collect();
    dress_uploaded(client, item.warning, &captions, done, notify).await
}

/// [`dress`] for media already at X: the warning (if set), then each
/// caption file (already uploaded, with its media id) attached.
pub async fn dress_uploaded(
    client: &XClient,
    warning: Option<ContentWarning>,
    captions: &[(&CaptionFile, &String)],
    done: &mut Uploaded,
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<(), XError> {
    if let Some(warning) = warning.filter(|w| w.is_set()) {
        client
            .set_metadata(
                &done.media_id,
                serde_json::json!({ "sensitive_media_warning": warning.to_json() }),
                notify,
            )
            .await
            .map_err(|e| e.context(&format!("Adding the content warning of {}", done.name)))?;
    }
    for (c, id) in captions {
        client
            .attach_captions(&done.media_id, id, &c.language, c.language_name(), notify)
            .await
            .map_err(|e| e.context(&format!("Adding the captions {} to {}", c.name, done.name)))?;
        done.captions.push(AttachedCaptions {
            language: c.language.clone(),
            media_id: (*id).clone(),
        });
    }
    Ok(())
}

/// Upload one caption file (the window uploads each as it is added).
pub async fn upload_one(
    client: &XClient,
    c: &CaptionFile,
    notify: &(dyn Fn(RetryNotice) + Send + Sync),
) -> Result<String, XError> {
    let bytes = Bytes::from(c.bytes.clone());
    client
        .upload_captions(&c.name, c.format.mime(), &bytes, notify)
        .await
        .map_err(|e| e.context(&format!("Uploading the captions {}", c.name)))
}
