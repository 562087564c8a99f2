//! Temporary AWS credentials from a Cognito identity pool, for an account's ID token.

use super::{Deck, TokenChoice, views::*};
use crate::cognito::identity::{self, AwsCredentials};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::provider::ProviderSource;
use crate::secret::{AccessToken, IdToken};

/// Credentials as text for the clipboard (secret), and what may be shown of them.
#[derive(Debug)]
pub struct AwsCredentialsText {
    pub text: AccessToken,
    pub view: AwsCredentialsView,
}

impl Deck {
    /// Temporary AWS credentials from the provider's identity pool for this account's ID token.
    pub async fn aws_credentials(&self, account_id: &AccountId) -> Result<AwsCredentials> {
        let record = self.account(account_id).await?;
        let provider = self.provider(&record.provider_id).await?;
        let ProviderSource::Cognito {
            region,
            user_pool_id,
            ..
        } = &provider.source
        else {
            return Err(Error::Unsupported {
                what: "AWS credentials",
                hint: "they come from a Cognito identity pool",
            });
        };
        let identity_pool = provider
            .identity_pool_id
            .clone()
            .ok_or(Error::Unsupported {
                what: "AWS credentials",
                hint: "set the identity pool id in the provider settings",
            })?;
        let id_token = self.token(account_id, TokenChoice::Id, 60).await?;
        let endpoint = match &provider.overrides.cognito_identity {
            Some(url) => crate::provider::parse_endpoint("Cognito identity endpoint", url)?,
            None => identity::default_endpoint(region)?,
        };
        identity::credentials_for(
            &self.http_for(&provider),
            &endpoint,
            &identity_pool,
            region,
            user_pool_id,
            &IdToken::new(id_token.token),
        )
        .await
    }

    /// The credentials as `export` lines or `credential_process` JSON.
    pub async fn aws_credentials_text(
        &self,
        account_id: &AccountId,
        format: AwsCredentialFormat,
    ) -> Result<AwsCredentialsText> {
        let creds = self.aws_credentials(account_id).await?;
        let text = match format {
            AwsCredentialFormat::Env => creds.as_env()?,
            AwsCredentialFormat::CredentialProcess => creds.as_credential_process(),
        };
        Ok(AwsCredentialsText {
            text: AccessToken::new(text),
            view: AwsCredentialsView {
                identity_id: creds.identity_id.clone(),
                access_key_id: creds.access_key_id.clone(),
                expiration: creds.expiration,
            },
        })
    }
}
