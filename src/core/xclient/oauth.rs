//! OAuth 2.0 with PKCE (S256) for a native app, on the `oauth2` crate
//! through a small reqwest 0.13 adapter: authorize URL, code exchange,
//! refresh (X rotates the refresh token on every use) and revoke.
//! Confidential apps get HTTP Basic; public ones send `client_id` in the form.

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
};

use super::error::{ErrorKind, XError};
pub use crate::core::clock::now_secs;
use crate::core::config::Config;
use crate::core::secret::Secret;

/// What X Uploader asks for: post, read, upload, and stay signed in.
pub const SCOPES: [&str; 5] = [
    "tweet.read",
    "tweet.write",
    "users.read",
    "media.write",
    "offline.access",
];

/// Where to sign in and with which app.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub authorize_url: String,
    pub token_url: String,
    pub revoke_url: String,
}

/// Tokens of one signed-in account.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TokenSet {
    pub access: Secret,
    pub refresh: Option<Secret>,
    /// Unix seconds.
    pub expires_at: u64,
    pub scopes: Vec<String>,
}

impl TokenSet {
    pub fn expires_within(&self, secs: u64) -> bool {
        now_secs() + secs >= self.expires_at
    }
}

impl OAuthApp {
    /// The app the settings name, if a client id is configured.
    pub fn from_config(config: &Config, secret: Option<Secret>) -> Option<OAuthApp> {
        Some(OAuthApp {
            client_id: config.client_id.clone()?,
            client_secret: secret.or_else(|| config.client_secret.clone()),
            authorize_url: config.authorize_url.clone(),
            token_url: config.token_url.clone(),
            revoke_url: config.revoke_url.clone(),
        })
    }
}

type XOAuthClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

fn client(app: &OAuthApp, redirect_uri: Option<&str>) -> Result<XOAuthClient, XError> {
    let bad = |what: &str, url: &str| {
        XError::new(
            ErrorKind::Other,
            format!("The {what} address “{url}” is not a valid URL. Check Settings."),
        )
    };
    let mut c = BasicClient::new(ClientId::new(app.client_id.clone()))
        .set_auth_uri(
            AuthUrl::new(app.authorize_url.clone())
                .map_err(|_| bad("sign-in", &app.authorize_url))?,
        )
        .set_token_uri(
            TokenUrl::new(app.token_url.clone()).map_err(|_| bad("token", &app.token_url))?,
        );
    if let Some(secret) = &app.client_secret {
        c = c.set_client_secret(ClientSecret::new(secret.expose().to_string()));
    }
    if let Some(uri) = redirect_uri {
        c = c
            .set_redirect_uri(RedirectUrl::new(uri.to_string()).map_err(|_| bad("callback", uri))?);
    }
    Ok(c)
}

/// A started sign-in: the URL to open, and what the callback must match.
pub struct Authorization {
    pub url: String,
    pub state: Secret,
    pub verifier: PkceCodeVerifier,
    pub redirect_uri: String,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization")
            .field("url", &self.url)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Build the authorize URL with PKCE S256 and a random state.
pub fn authorize(app: &OAuthApp, redirect_uri: &str) -> Result<Authorization, XError> {
    let c = client(app, Some(redirect_uri))?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = c
        .authorize_url(CsrfToken::new_random)
        .add_scopes(SCOPES.iter().map(|s| Scope::new(s.to_string())))
        .set_pkce_challenge(challenge)
        .url();
    Ok(Authorization {
        url: url.to_string(),
        state: Secret::new(state.secret().clone()),
        verifier,
        redirect_uri: redirect_uri.to_string(),
    })
}

/// The reqwest 0.13 adapter `oauth2` calls for each request. It owns a
/// clone of the client so its futures are `Send + 'static`.
fn adapter(
    http: &reqwest::Client,
) -> impl Fn(
    oauth2::HttpRequest,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<oauth2::HttpResponse, reqwest::Error>> + Send>,
> {
    let http = http.clone();
    move |request| {
        let http = http.clone();
        Box::pin(async move { send(&http, request).await })
    }
}

async fn send(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let response = http.execute(reqwest::Request::try_from(request)?).await?;
    let mut builder = http::Response::builder()
        .status(response.status())
        .version(response.version());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    // Building from a status and headers that came from a response cannot fail.
    Ok(builder.body(body).unwrap_or_default())
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_else(|| url.to_string())
}

type TokenError = RequestTokenError<reqwest::Error, oauth2::basic::BasicErrorResponse>;

fn token_error(e: TokenError, app: &OAuthApp, refreshing: bool) -> XError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let said = r
                .error_description()
                .cloned()
                .unwrap_or_else(|| r.error().to_string());
            match r.error() {
                BasicErrorResponseType::UnauthorizedClient
                | BasicErrorResponseType::InvalidClient => XError::new(
                    ErrorKind::Refused,
                    format!(
                        "X refused this app's credentials ({said}). Ask your administrator to check the client id and secret in Settings."
                    ),
                ),
                _ if refreshing => XError::new(
                    ErrorKind::SignInEnded,
                    format!("X ended the sign-in ({said})."),
                ),
                _ => XError::new(ErrorKind::Refused, format!("X refused the sign-in: {said}")),
            }
        }
        RequestTokenError::Request(e) => XError::from_reqwest(&e, &host_of(&app.token_url)),
        RequestTokenError::Parse(e, _) => XError::bad_answer(&format!("token answer: {e}")),
        RequestTokenError::Other(s) => XError::bad_answer(&s),
    }
}

fn token_set<T: TokenResponse>(t: &T, previous_refresh: Option<&Secret>) -> TokenSet {
    let lifetime = t.expires_in().map(|d| d.as_secs()).unwrap_or(7200);
    TokenSet {
        access: Secret::new(t.access_token().secret().clone()),
        refresh: t
            .refresh_token()
            .map(|r| Secret::new(r.secret().clone()))
            .or_else(|| previous_refresh.cloned()),
        expires_at: now_secs() + lifetime,
        scopes: t
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_else(|| SCOPES.iter().map(|s| s.to_string()).collect()),
    }
}

/// Exchange the callback's code (with the PKCE verifier) for tokens.
pub async fn exchange_code(
    http: &reqwest::Client,
    app: &OAuthApp,
    redirect_uri: &str,
    code: &str,
    verifier: PkceCodeVerifier,
) -> Result<TokenSet, XError> {
    let c = client(app, Some(redirect_uri))?;
    let t = c
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(verifier)
        .request_async(&adapter(http))
        .await
        .map_err(|e| token_error(e, app, false))?;
    Ok(token_set(&t, None))
}

/// Trade the refresh token for a new pair (the old one dies at X).
pub async fn refresh(
    http: &reqwest::Client,
    app: &OAuthApp,
    refresh_token: &Secret,
) -> Result<TokenSet, XError> {
    let c = client(app, None)?;
    let t = c
        .exchange_refresh_token(&RefreshToken::new(refresh_token.expose().to_string()))
        .request_async(&adapter(http))
        .await
        .map_err(|e| token_error(e, app, true))?;
    Ok(token_set(&t, Some(refresh_token)))
}

/// Revoke a refresh token (ends the grant) or an access token:
/// `POST token (+ token_type_hint)` with the app's client authentication.
/// Done by hand because `oauth2` refuses revocation over plain http, which
/// the practice server uses.
pub async fn revoke(
    http: &reqwest::Client,
    app: &OAuthApp,
    tokens: &TokenSet,
) -> Result<(), XError> {
    let (token, hint) = match &tokens.refresh {
        Some(r) => (r.expose(), "refresh_token"),
        None => (tokens.access.expose(), "access_token"),
    };
    let mut form = vec![("token", token), ("token_type_hint", hint)];
    let mut request = http.post(&app.revoke_url);
    match &app.client_secret {
        Some(secret) => request = request.basic_auth(&app.client_id, Some(secret.expose())),
        None => form.push(("client_id", &app.client_id)),
    }
    let response = request
        .form(&form)
        .send()
        .await
        .map_err(|e| XError::from_reqwest(&e, &host_of(&app.revoke_url)))?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(());
    }
    let body = response.bytes().await.unwrap_or_default();
    Err(XError::from_answer(status, None, &body).context("Revoking the sign-in"))
}
