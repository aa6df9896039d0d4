//! X's endpoints as typed calls: media upload (v2 paths), alt text, posts
//! and the signed-in user.

use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::{ErrorKind, Notify, XClient, XError};

#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

fn parse<T: DeserializeOwned>(body: &Bytes, what: &str) -> Result<T, XError> {
    serde_json::from_slice::<Data<T>>(body)
        .map(|d| d.data)
        .map_err(|_| XError::bad_answer(&format!("the answer to {what} was not what X sends")))
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub name: String,
    #[serde(default)]
    pub subscription_type: Option<String>,
}

/// What a post carries besides its text and media.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostOptions {
    /// The post this one replies to (the one before it in a thread).
    pub reply_to: Option<String>,
    /// Who may reply: `following`, `mentionedUsers`, `subscribers`,
    /// `verified` (everyone: left out).
    pub reply_settings: Option<String>,
}

/// X's `reply_settings` values (everyone: the field left out).
pub const REPLY_SETTINGS: &[&str] = &["following", "mentionedUsers", "subscribers", "verified"];

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct InitAnswer {
    pub id: String,
    #[serde(default)]
    pub expires_after_secs: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ProcessingError {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ProcessingInfo {
    pub state: String,
    #[serde(default)]
    pub check_after_secs: Option<u64>,
    #[serde(default)]
    pub progress_percent: Option<u32>,
    #[serde(default)]
    pub error: Option<ProcessingError>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct MediaAnswer {
    pub id: String,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub expires_after_secs: Option<u64>,
    #[serde(default)]
    pub processing_info: Option<ProcessingInfo>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PostAnswer {
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub attachments: Option<Attachments>,
    #[serde(default)]
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Attachments {
    #[serde(default)]
    pub media_ids: Vec<String>,
}

impl XClient {
    /// `GET /2/users/me?user.fields=subscription_type`
    pub async fn me(&self, notify: Notify<'_>) -> Result<User, XError> {
        let url = self.url("/2/users/me");
        let body = self
            .send_with_retry(
                &|http, _| {
                    http.get(&url)
                        .query(&[("user.fields", "subscription_type")])
                },
                notify,
            )
            .await?;
        parse(&body, "who is signed in")
    }

    /// `POST /2/media/upload/initialize`
    pub async fn initialize(
        &self,
        media_type: &str,
        total_bytes: u64,
        category: &str,
        notify: Notify<'_>,
    ) -> Result<InitAnswer, XError> {
        let url = self.url("/2/media/upload/initialize");
        let body = json!({
            "media_type": media_type,
            "total_bytes": total_bytes,
            "media_category": category,
        });
        let answer = self
            .send_with_retry(&|http, _| http.post(&url).json(&body), notify)
            .await?;
        parse(&answer, "starting the upload")
    }

    /// `POST /2/media/upload/{id}/append`: `body` makes the segment's bytes
    /// afresh for each try (a stream from the file, never held whole).
    pub async fn append(
        &self,
        media_id: &str,
        index: u32,
        len: u64,
        body: &(dyn Fn() -> reqwest::Body + Send + Sync),
        notify: Notify<'_>,
    ) -> Result<(), XError> {
        let url = self.url(&format!("/2/media/upload/{media_id}/append"));
        self.send_with_retry(
            &|http, _| {
                let part = reqwest::multipart::Part::stream_with_length(body(), len)
                    .file_name("segment")
                    .mime_str("application/octet-stream")
                    .unwrap_or_else(|_| reqwest::multipart::Part::stream_with_length(body(), len));
                let form = reqwest::multipart::Form::new()
                    .text("segment_index", index.to_string())
                    .part("media", part);
                http.post(&url).multipart(form)
            },
            notify,
        )
        .await
        .map(|_| ())
    }

    /// `POST /2/media/upload/{id}/finalize`. If X refuses a FINALIZE sent
    /// again after a lost answer, the media's status tells what happened.
    pub async fn finalize(
        &self,
        media_id: &str,
        notify: Notify<'_>,
    ) -> Result<MediaAnswer, XError> {
        let url = self.url(&format!("/2/media/upload/{media_id}/finalize"));
        match self
            .send_with_retry(&|http, _| http.post(&url), notify)
            .await
        {
            Ok(body) => parse(&body, "finishing the upload"),
            Err(e) if e.kind == ErrorKind::Refused => match self.status(media_id, notify).await {
                Ok(status) => Ok(status),
                Err(_) => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// `GET /2/media/upload?command=STATUS&media_id=…`
    pub async fn status(&self, media_id: &str, notify: Notify<'_>) -> Result<MediaAnswer, XError> {
        let url = self.url("/2/media/upload");
        let query = [("command", "STATUS"), ("media_id", media_id)];
        let body = self
            .send_with_retry(&|http, _| http.get(&url).query(&query), notify)
            .await?;
        parse(&body, "the processing status")
    }

    /// `POST /2/media/metadata` with alt text.
    pub async fn set_alt_text(
        &self,
        media_id: &str,
        text: &str,
        notify: Notify<'_>,
    ) -> Result<(), XError> {
        self.set_metadata(media_id, json!({ "alt_text": { "text": text } }), notify)
            .await
    }

    /// `POST /2/media/metadata` with these metadata fields.
    pub async fn set_metadata(
        &self,
        media_id: &str,
        metadata: serde_json::Value,
        notify: Notify<'_>,
    ) -> Result<(), XError> {
        let url = self.url("/2/media/metadata");
        let body = json!({ "id": media_id, "metadata": metadata });
        self.send_with_retry(&|http, _| http.post(&url).json(&body), notify)
            .await
            .map(|_| ())
    }

    /// One-shot `POST /2/media/upload` of a captions file
    /// (`media_category=subtitles`); answers its media id.
    pub async fn upload_captions(
        &self,
        name: &str,
        mime: &str,
        bytes: &Bytes,
        notify: Notify<'_>,
    ) -> Result<String, XError> {
        let url = self.url("/2/media/upload");
        let answer = self
            .send_with_retry(
                &|http, _| {
                    let part =
                        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string());
                    let form = reqwest::multipart::Form::new()
                        .text("media_category", "subtitles")
                        .text("media_type", mime.to_string())
                        .part("media", part);
                    http.post(&url).multipart(form)
                },
                notify,
            )
            .await?;
        parse::<MediaAnswer>(&answer, "uploading the captions").map(|m| m.id)
    }

    /// `POST /2/media/subtitles`: attach an uploaded captions file to a
    /// processed video (uploaded as `tweet_video`).
    pub async fn attach_captions(
        &self,
        video_id: &str,
        captions_id: &str,
        language_code: &str,
        display_name: &str,
        notify: Notify<'_>,
    ) -> Result<(), XError> {
        let url = self.url("/2/media/subtitles");
        let body = json!({
            "id": video_id,
            "media_category": "TweetVideo",
            "subtitles": {
                "id": captions_id,
                "language_code": language_code,
                "display_name": display_name,
            },
        });
        self.send_with_retry(&|http, _| http.post(&url).json(&body), notify)
            .await
            .map(|_| ())
    }

    /// `POST /2/tweets`, sent once: a post is never blindly retried.
    pub async fn create_post(
        &self,
        text: &str,
        media_ids: &[String],
        options: &PostOptions,
    ) -> Result<PostAnswer, XError> {
        let url = self.url("/2/tweets");
        let mut body = json!({ "text": text });
        if !media_ids.is_empty() {
            body["media"] = json!({ "media_ids": media_ids });
        }
        if let Some(parent) = &options.reply_to {
            body["reply"] = json!({ "in_reply_to_tweet_id": parent });
        }
        if let Some(who) = &options.reply_settings {
            body["reply_settings"] = json!(who);
        }
        let answer = self.send(&|http, _| http.post(&url).json(&body)).await?;
        parse(&answer, "the post")
    }

    /// `GET /2/users/{id}/tweets`: the account's recent posts, newest first.
    pub async fn recent_posts(
        &self,
        user_id: &str,
        notify: Notify<'_>,
    ) -> Result<Vec<PostAnswer>, XError> {
        let url = self.url(&format!("/2/users/{user_id}/tweets"));
        let query = [
            ("max_results", "10"),
            ("tweet.fields", "created_at,attachments"),
        ];
        let body = self
            .send_with_retry(&|http, _| http.get(&url).query(&query), notify)
            .await?;
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            data: Vec<PostAnswer>,
        }
        serde_json::from_slice::<Page>(&body)
            .map(|p| p.data)
            .map_err(|_| XError::bad_answer("the recent posts"))
    }

    /// `DELETE /2/tweets/{id}`
    pub async fn delete_post(&self, post_id: &str, notify: Notify<'_>) -> Result<(), XError> {
        let url = self.url(&format!("/2/tweets/{post_id}"));
        self.send_with_retry(&|http, _| http.delete(&url), notify)
            .await
            .map(|_| ())
    }
}
