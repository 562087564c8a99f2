//! How the app client proves itself at the token and revocation endpoints (RFC 6749 §2.3,
//! OIDC Core §9): nothing (a public client), its secret in an HTTP Basic header or in the
//! form, or a short-lived JWT signed with its private key (`private_key_jwt`, RFC 7523).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::pkce::random_url_safe;
use url::Url;

use crate::provider::{ClientAuthMethod, Endpoints, ProviderConfig};
use crate::secret::ClientSecret;
use crate::token::unix_now;

/// How long a client assertion is valid: long enough for one request.
const ASSERTION_LIFETIME_SECS: u64 = 60;
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

#[derive(Debug, Clone)]
pub struct ClientAuth {
    pub client_id: String,
    pub credential: ClientCredential,
}

#[derive(Debug, Clone)]
pub enum ClientCredential {
    /// A public client: `client_id` in the body, no Authorization header at all.
    None,
    /// `client_secret_basic`.
    SecretBasic(ClientSecret),
    /// `client_secret_post`: `client_id` and `client_secret` in the form.
    SecretPost(ClientSecret),
    /// `private_key_jwt`: the private key signs an assertion for each request, addressed to
    /// the URL it is sent to.
    PrivateKeyJwt {
        key: ClientKey,
        key_id: Option<String>,
    },
}

/// A client's private key, parsed once, with the algorithm its type calls for. Its `Debug`
/// (jsonwebtoken's) shows no key material.
#[derive(Debug, Clone)]
pub struct ClientKey {
    key: EncodingKey,
    alg: Algorithm,
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: String,
    iat: u64,
    exp: u64,
}

impl ClientAuth {
    pub fn public(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            credential: ClientCredential::None,
        }
    }

    pub fn basic(client_id: impl Into<String>, secret: ClientSecret) -> Self {
        Self {
            client_id: client_id.into(),
            credential: ClientCredential::SecretBasic(secret),
        }
    }

    /// The provider's method, with what the keyring holds for it. `Auto` picks
    /// `private_key_jwt` for a stored private key, else `client_secret_basic` unless the
    /// provider's discovery lists `client_secret_post` and not Basic. A private key is never
    /// sent as a secret.
    pub fn for_provider(
        provider: &ProviderConfig,
        endpoints: &Endpoints,
        stored: Option<ClientSecret>,
    ) -> Result<Self> {
        let Some(stored) = stored else {
            return Ok(Self::public(provider.client_id.clone()));
        };
        let listed = |method: &str| {
            endpoints
                .token_auth_methods
                .as_ref()
                .is_some_and(|methods| methods.iter().any(|m| m == method))
        };
        let method = match provider.client_auth {
            ClientAuthMethod::Auto if looks_like_private_key(stored.expose_secret()) => {
                ClientAuthMethod::PrivateKeyJwt
            }
            ClientAuthMethod::Auto
                if listed("client_secret_post") && !listed("client_secret_basic") =>
            {
                ClientAuthMethod::ClientSecretPost
            }
            ClientAuthMethod::Auto => ClientAuthMethod::ClientSecretBasic,
            chosen => chosen,
        };
        let credential = match method {
            ClientAuthMethod::PrivateKeyJwt => ClientCredential::PrivateKeyJwt {
                key: ClientKey::parse(stored.expose_secret())?,
                key_id: provider.client_key_id.clone(),
            },
            _ if looks_like_private_key(stored.expose_secret()) => return Err(key_as_secret()),
            ClientAuthMethod::ClientSecretPost => ClientCredential::SecretPost(stored),
            ClientAuthMethod::Auto | ClientAuthMethod::ClientSecretBasic => {
                ClientCredential::SecretBasic(stored)
            }
        };
        Ok(Self {
            client_id: provider.client_id.clone(),
            credential,
        })
    }

    /// What the client proves itself with, for messages.
    pub fn credential_name(&self) -> &'static str {
        match self.credential {
            ClientCredential::None => "nothing (public client)",
            ClientCredential::SecretBasic(_) | ClientCredential::SecretPost(_) => "secret",
            ClientCredential::PrivateKeyJwt { .. } => "private key",
        }
    }

    /// Whether the client authenticates with anything (for error advice).
    pub fn is_confidential(&self) -> bool {
        !matches!(self.credential, ClientCredential::None)
    }

    /// Adds the client's credentials to a request for `endpoint`.
    pub(crate) fn apply(
        &self,
        request: reqwest::RequestBuilder,
        endpoint: &Url,
        form: &mut Vec<(&'static str, String)>,
    ) -> Result<reqwest::RequestBuilder> {
        match &self.credential {
            ClientCredential::None => {
                form.push(("client_id", self.client_id.clone()));
                Ok(request)
            }
            ClientCredential::SecretBasic(secret) => {
                Ok(request.header(AUTHORIZATION, basic_header(&self.client_id, secret)?))
            }
            ClientCredential::SecretPost(secret) => {
                form.push(("client_id", self.client_id.clone()));
                form.push(("client_secret", secret.expose_secret().to_owned()));
                Ok(request)
            }
            ClientCredential::PrivateKeyJwt { key, key_id } => {
                // Addressed to where it goes: an assertion a look-alike revocation endpoint
                // receives is worth nothing at the real token endpoint.
                let assertion = client_assertion(
                    &self.client_id,
                    key,
                    key_id.as_deref(),
                    endpoint.as_str(),
                    unix_now(),
                )?;
                form.push(("client_id", self.client_id.clone()));
                form.push(("client_assertion_type", ASSERTION_TYPE.to_owned()));
                form.push(("client_assertion", assertion));
                Ok(request)
            }
        }
    }
}

/// RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
fn basic_header(client_id: &str, secret: &ClientSecret) -> Result<HeaderValue> {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let credentials = STANDARD.encode(format!(
        "{}:{}",
        encode(client_id),
        encode(secret.expose_secret())
    ));
    let mut value = HeaderValue::from_str(&format!("Basic {credentials}"))
        .map_err(|_| Error::config("client secret", "contains characters that cannot be sent"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Refuses, before it is stored, a credential that cannot work with the chosen method.
pub fn check_credential(method: ClientAuthMethod, credential: &str) -> Result<()> {
    match (method, looks_like_private_key(credential)) {
        (ClientAuthMethod::PrivateKeyJwt, _) | (ClientAuthMethod::Auto, true) => {
            ClientKey::parse(credential).map(|_| ())
        }
        (ClientAuthMethod::ClientSecretBasic | ClientAuthMethod::ClientSecretPost, true) => {
            Err(key_as_secret())
        }
        _ => Ok(()),
    }
}

/// A private key must never go out as a client secret.
fn key_as_secret() -> Error {
    Error::config(
        "client secret",
        "this is a private key: choose private_key_jwt as the client authentication, or paste the client secret",
    )
}

pub fn looks_like_private_key(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with("-----BEGIN") && text.contains("PRIVATE KEY-----")
}

/// RFC 7523 §3: `iss` and `sub` are the client, `aud` the endpoint it is sent to, a fresh
/// `jti`, a one-minute `exp`.
pub fn client_assertion(
    client_id: &str,
    key: &ClientKey,
    key_id: Option<&str>,
    audience: &str,
    now: u64,
) -> Result<String> {
    let mut header = Header::new(key.alg);
    header.kid = key_id.map(str::to_owned);
    let claims = AssertionClaims {
        iss: client_id,
        sub: client_id,
        aud: audience,
        jti: random_url_safe(),
        iat: now,
        exp: now.saturating_add(ASSERTION_LIFETIME_SECS),
    };
    jsonwebtoken::encode(&header, &claims, &key.key).map_err(|e| {
        Error::config(
            "client private key",
            format!("could not sign the client assertion ({e})"),
        )
    })
}

impl ClientKey {
    /// The key in a PEM text, and the algorithm its type calls for: RS256 for RSA,
    /// ES256/ES384 for EC P-256/P-384, EdDSA for Ed25519.
    pub fn parse(pem: &str) -> Result<Self> {
        let (key, alg) = signing_key(pem.trim().as_bytes())?;
        Ok(Self { key, alg })
    }
}

fn signing_key(pem: &[u8]) -> Result<(EncodingKey, Algorithm)> {
    let signs =
        |key: &EncodingKey, alg: Algorithm| jsonwebtoken::crypto::sign(b"probe", key, alg).is_ok();
    if let Ok(key) = EncodingKey::from_rsa_pem(pem)
        && signs(&key, Algorithm::RS256)
    {
        return Ok((key, Algorithm::RS256));
    }
    if let Ok(key) = EncodingKey::from_ec_pem(pem) {
        for alg in [Algorithm::ES256, Algorithm::ES384] {
            if signs(&key, alg) {
                return Ok((key, alg));
            }
        }
    }
    if let Ok(key) = EncodingKey::from_ed_pem(pem)
        && signs(&key, Algorithm::EdDSA)
    {
        return Ok((key, Algorithm::EdDSA));
    }
    let head = std::str::from_utf8(pem)
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default();
    let problem = if head.contains("PUBLIC KEY") || head.contains("CERTIFICATE") {
        "is the public half: register it with the provider, and give Tokendeck the private key"
    } else if head.contains("ENCRYPTED") {
        "is encrypted: decrypt it first (openssl pkey -in key.pem -out plain.pem) and give Tokendeck the result"
    } else if head.contains("OPENSSH") {
        "is an OpenSSH key: convert it to PEM first (ssh-keygen -p -m PKCS8 -f key)"
    } else {
        "is not a PEM private key Tokendeck can sign with (RSA of 2048 bits or more, EC P-256 or P-384, Ed25519): paste the whole block, from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----"
    };
    Err(Error::config("client private key", problem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_client_sends_client_id_in_body_and_no_authorization_header() {
        let http = reqwest::Client::new();
        let endpoint = Url::parse("http://127.0.0.1/t").unwrap();
        let mut form = Vec::new();
        let request = ClientAuth::public("cid")
            .apply(http.post("http://127.0.0.1/t"), &endpoint, &mut form)
            .unwrap();
        let built = request.build().unwrap();
        assert!(built.headers().get(AUTHORIZATION).is_none());
        assert_eq!(form, vec![("client_id", "cid".to_owned())]);
    }

    #[test]
    fn confidential_client_uses_urlencoded_basic_and_marks_it_sensitive() {
        let http = reqwest::Client::new();
        let endpoint = Url::parse("http://127.0.0.1/t").unwrap();
        let mut form = Vec::new();
        let auth = ClientAuth::basic("c id", ClientSecret::new("s:e/cret"));
        let built = auth
            .apply(http.post("http://127.0.0.1/t"), &endpoint, &mut form)
            .unwrap()
            .build()
            .unwrap();
        let header = built.headers().get(AUTHORIZATION).unwrap();
        assert!(header.is_sensitive());
        let encoded = header.to_str().unwrap().strip_prefix("Basic ").unwrap();
        let decoded = String::from_utf8(STANDARD.decode(encoded).unwrap()).unwrap();
        assert_eq!(decoded, "c+id:s%3Ae%2Fcret");
        assert!(form.is_empty());
    }

    #[test]
    fn a_credential_that_cannot_sign_says_what_to_do_instead() {
        let said = |text: &str| {
            check_credential(ClientAuthMethod::PrivateKeyJwt, text)
                .unwrap_err()
                .to_string()
        };
        let public = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n";
        assert!(said(public).contains("public half"), "{}", said(public));
        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(said(encrypted).contains("decrypt it first"));
        let ssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n";
        assert!(said(ssh).contains("ssh-keygen"));
        assert!(said("hunter2").contains("whole block"));
        assert!(!said("hunter2").contains("hunter2"));
        // A private key under a secret method is refused; a secret under automatic is fine.
        let key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n";
        assert!(check_credential(ClientAuthMethod::ClientSecretBasic, key).is_err());
        assert!(check_credential(ClientAuthMethod::Auto, "s3cret").is_ok());
    }
}
