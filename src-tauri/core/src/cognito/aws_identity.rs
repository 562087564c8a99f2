//! AWS credentials for Cognito's admin API (AdminInitiateAuth, AdminRespondToAuthChallenge):
//! found where the AWS CLI finds them (aws-config's default chain: the environment, profile
//! files, SSO, `credential_process`, assume-role), held in memory only and never stored, and
//! used to sign each request with SigV4 (aws-sigv4).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use url::Url;

use crate::error::{Error, Result, printable};

/// The signing name of Cognito's user-pool API.
const SERVICE: &str = "cognito-idp";
/// Credentials that expire sooner than this are fetched again first.
const EXPIRY_MARGIN: Duration = Duration::from_secs(5 * 60);

/// One provider's source of AWS credentials: a named profile, or the default chain.
#[derive(Clone)]
pub struct AwsIdentity {
    profile: Option<String>,
    region: String,
    provider: SharedCredentialsProvider,
    /// The last credentials, reused until shortly before they expire (an SSO or assume-role
    /// profile would otherwise call AWS for each request).
    current: Arc<tokio::sync::Mutex<Option<Fetched>>>,
}

/// Credentials and when they were fetched.
#[derive(Clone)]
struct Fetched {
    credentials: Credentials,
    at: SystemTime,
}

/// Keys with no expiry (a credentials file) are read again after this: an edited file counts.
const REREAD_AFTER: Duration = Duration::from_secs(5 * 60);

impl std::fmt::Debug for AwsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsIdentity")
            .field("profile", &self.profile)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl AwsIdentity {
    pub async fn load(profile: Option<&str>, region: &str) -> Result<Self> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_owned()));
        if let Some(profile) = profile {
            loader = loader.profile_name(profile);
        }
        let config = loader.load().await;
        let provider = config
            .credentials_provider()
            .ok_or_else(|| no_credentials(profile, "no credential source is configured"))?;
        Ok(Self {
            profile: profile.map(str::to_owned),
            region: region.to_owned(),
            provider,
            current: Arc::default(),
        })
    }

    /// How errors name this identity.
    pub fn name(&self) -> String {
        Self::describe(self.profile.as_deref())
    }

    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    /// "AWS profile qa", or "the default AWS credentials": how accounts and errors name it.
    pub fn describe(profile: Option<&str>) -> String {
        match profile {
            Some(profile) => format!("AWS profile {profile}"),
            None => "the default AWS credentials".into(),
        }
    }

    pub(crate) async fn credentials(&self) -> Result<Credentials> {
        let mut current = self.current.lock().await;
        let now = SystemTime::now();
        let fresh = current.as_ref().filter(|f| match f.credentials.expiry() {
            Some(at) => at > now + EXPIRY_MARGIN,
            None => f.at + REREAD_AFTER > now,
        });
        if let Some(fetched) = fresh {
            return Ok(fetched.credentials.clone());
        }
        let loaded = self
            .provider
            .provide_credentials()
            .await
            .map_err(|e| credentials_error(&e, self.profile.as_deref()))?;
        *current = Some(Fetched {
            credentials: loaded.clone(),
            at: now,
        });
        Ok(loaded)
    }

    /// The SigV4 headers for a POST of `body` to `url` with `headers` (signed too).
    pub(crate) fn sign(
        &self,
        credentials: &Credentials,
        url: &Url,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        use aws_sigv4::sign::v4;
        let failed = |e: &dyn std::fmt::Display| {
            Error::config(
                "AWS credentials",
                format!("the request could not be signed ({e})"),
            )
        };
        let identity = credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SERVICE)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| failed(&e))?
            .into();
        let request = SignableRequest::new(
            "POST",
            url.as_str(),
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| failed(&e))?;
        let (instructions, _signature) =
            sign(request, &params).map_err(|e| failed(&e))?.into_parts();
        Ok(instructions
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect())
    }
}

fn no_credentials(profile: Option<&str>, why: &str) -> Error {
    let (which, fix) = match profile {
        Some(p) => (
            format!("for AWS profile \"{p}\""),
            format!("run `aws configure --profile {p}` (or `aws sso login --profile {p}` for an SSO profile), or set another AWS profile in the provider's settings"),
        ),
        None => (
            "in the default places".to_owned(),
            "run `aws configure`, set AWS_PROFILE, or set an AWS profile in the provider's settings".to_owned(),
        ),
    };
    Error::config(
        "AWS credentials",
        format!(
            "no AWS credentials found {which} ({why}). Tokendeck looks where the AWS CLI does: AWS_ACCESS_KEY_ID and friends, ~/.aws/credentials and ~/.aws/config (SSO, credential_process, assume-role). To fix: {fix}"
        ),
    )
}

fn credentials_error(e: &CredentialsError, profile: Option<&str>) -> Error {
    let reason = printable(
        &aws_smithy_types::error::display::DisplayErrorContext(e).to_string(),
        400,
    );
    let undefined_profile = matches!(e, CredentialsError::InvalidConfiguration(_))
        && reason.contains("was not defined");
    match e {
        CredentialsError::CredentialsNotLoaded(_) => no_credentials(profile, &reason),
        _ if undefined_profile => no_credentials(
            profile,
            "the profile is not in the AWS config or credentials file",
        ),
        _ => Error::config(
            "AWS credentials",
            format!(
                "{} could not be used: {reason}. For an SSO profile, run `aws sso login{}`",
                AwsIdentity::describe(profile),
                profile
                    .map(|p| format!(" --profile {p}"))
                    .unwrap_or_default()
            ),
        ),
    }
}
