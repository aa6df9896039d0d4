//! The few HTML pages a person sees: the consent page, X's "Something went
//! wrong" page, and a post as "View on X" shows it in practice mode.

use super::reply::Reply;
use super::state::{ACCOUNTS, Media, Tweet, account};
use crate::core::limits::MediaKind;

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f5f8fa;color:#0f1419;\
display:flex;justify-content:center;padding:40px 16px;margin:0}\
main{background:#fff;border-radius:16px;box-shadow:0 1px 4px #0002;max-width:480px;width:100%;padding:28px}\
h1{font-size:22px;margin:0 0 8px}p{line-height:1.45}.band{background:#ffd400;border-radius:8px;\
padding:6px 10px;font-weight:600;margin-bottom:16px}label.acct{display:block;border:1px solid #cfd9de;\
border-radius:12px;padding:10px 12px;margin:8px 0;cursor:pointer}label.acct:hover{background:#f7f9f9}\
button{font-size:16px;border-radius:999px;padding:10px 22px;border:1px solid #cfd9de;cursor:pointer;\
margin-right:8px}button.primary{background:#0f1419;color:#fff;border-color:#0f1419}\
ul{padding-left:20px}.muted{color:#536471}.warn{background:#fde8e8;border-radius:8px;padding:6px 10px}\
figure{margin:0}img,video{max-width:100%;border-radius:12px;margin-top:8px}";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title>\
         <style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    )
}

fn scope_words(scope: &str) -> &'static str {
    match scope {
        "tweet.read" => "Read posts you can see",
        "tweet.write" => "Post and delete posts for you",
        "users.read" => "See your account name and handle",
        "media.write" => "Upload photos and videos for you",
        "offline.access" => "Stay signed in until you sign out",
        _ => "Other access",
    }
}

/// "Authorize X Uploader (practice)?" with the three practice accounts.
pub(crate) fn consent(request_id: &str, client_id: &str, scopes: &[String]) -> String {
    let accounts: String = ACCOUNTS
        .iter()
        .enumerate()
        .map(|(i, a)| {
            format!(
                "<label class=\"acct\"><input type=\"radio\" name=\"account\" value=\"{}\"{}> \
                 <b>{}</b> <span class=\"muted\">@{}</span></label>",
                a.id,
                if i == 0 { " checked" } else { "" },
                escape(a.name),
                a.username
            )
        })
        .collect();
    let scopes: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", scope_words(s)))
        .collect();
    page(
        "Authorize X Uploader (practice)?",
        &format!(
            "<div class=\"band\">Practice — nothing is posted to X</div>\
             <h1>Authorize X Uploader (practice)?</h1>\
             <p class=\"muted\">App: {}</p>\
             <form method=\"post\" action=\"/i/oauth2/authorize\">\
             <input type=\"hidden\" name=\"request_id\" value=\"{}\">\
             <p>Sign in as:</p>{accounts}\
             <p>X Uploader will be able to:</p><ul>{scopes}</ul>\
             <button class=\"primary\" type=\"submit\" name=\"decision\" value=\"authorize\">Authorize app</button>\
             <button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button>\
             </form>",
            escape(client_id),
            escape(request_id)
        ),
    )
}

/// X's page when an authorize request is not acceptable. X gives no reason;
/// the practice server adds one for whoever set the app up.
pub(crate) fn oauth_error(reason: &str) -> Reply {
    Reply::html(
        400,
        page(
            "Something went wrong",
            &format!(
                "<div class=\"band\">Practice — nothing is posted to X</div>\
                 <h1>Something went wrong</h1>\
                 <p>You weren’t able to give access to the App. Go back and try logging in again.</p>\
                 <p class=\"muted\">Practice server: {}</p>",
                escape(reason)
            ),
        ),
    )
}

/// A post with its media, for practice mode's "View on X".
pub(crate) fn post(tweet: &Tweet, media: &[Media]) -> String {
    let author = account(&tweet.author_id);
    let (name, handle) = author
        .map(|a| (a.name, a.username))
        .unwrap_or(("Unknown", "unknown"));
    let media_html: String = media
        .iter()
        .map(|m| {
            let src = format!("/_practice/media/{}/file", m.id);
            let alt = escape(m.alt_text.as_deref().unwrap_or(""));
            let shown = match m.kind {
                MediaKind::Video => {
                    let tracks: String = m
                        .subtitles
                        .iter()
                        .map(|t| {
                            format!(
                                "<track kind=\"subtitles\" srclang=\"{}\" label=\"{}\" \
                                 src=\"/_practice/media/{}/file\">",
                                t.language_code.to_ascii_lowercase(),
                                escape(t.display_name.as_deref().unwrap_or(&t.language_code)),
                                t.id
                            )
                        })
                        .collect();
                    format!("<video controls src=\"{src}\">{tracks}</video>")
                }
                _ => format!("<img src=\"{src}\" alt=\"{alt}\">"),
            };
            let mut notes = String::new();
            let warnings = super::metadata::warnings(&m.metadata);
            if !warnings.is_empty() {
                notes.push_str(&format!(
                    "<p class=\"warn\">Content warning: {}</p>",
                    warnings.join(", ")
                ));
            }
            if let Some(alt) = m.alt_text.as_deref().filter(|a| !a.is_empty()) {
                notes.push_str(&format!(
                    "<p class=\"muted\"><b>ALT</b> {}</p>",
                    escape(alt)
                ));
            }
            if !m.subtitles.is_empty() {
                let langs: Vec<&str> = m
                    .subtitles
                    .iter()
                    .map(|t| t.language_code.as_str())
                    .collect();
                notes.push_str(&format!(
                    "<p class=\"muted\">Captions: {}</p>",
                    langs.join(", ")
                ));
            }
            format!("<figure>{shown}{notes}</figure>")
        })
        .collect();
    let status = if tweet.deleted {
        "<p class=\"muted\"><b>This post was deleted.</b></p>"
    } else {
        ""
    };
    let replying = tweet
        .in_reply_to
        .as_deref()
        .map(|parent| {
            format!(
                "<p class=\"muted\">Replying to <a href=\"/_practice/posts/{0}\">post {0}</a></p>",
                escape(parent)
            )
        })
        .unwrap_or_default();
    let who_replies = match tweet.reply_settings.as_deref() {
        None => String::new(),
        Some(s) => format!(
            "<p class=\"muted\">Who can reply: {}</p>",
            match s {
                "following" => "accounts @{handle} follows",
                "mentionedUsers" => "only accounts mentioned in the post",
                "subscribers" => "subscribers of @{handle}",
                "verified" => "verified accounts",
                other => other,
            }
            .replace("{handle}", handle)
        ),
    };
    let when = chrono::DateTime::from_timestamp(tweet.created_at as i64, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    page(
        &format!("{name} on X (practice)"),
        &format!(
            "<div class=\"band\">Practice — nothing is posted to X</div>{status}\
             <p><b>{}</b> <span class=\"muted\">@{handle}</span></p>{replying}\
             <p style=\"white-space:pre-wrap;font-size:18px\">{}</p>{media_html}\
             <p class=\"muted\">{when} · post {}</p>{who_replies}",
            escape(name),
            escape(&tweet.text),
            tweet.id
        ),
    )
}
