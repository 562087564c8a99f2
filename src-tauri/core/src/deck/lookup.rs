//! Accounts and providers as a user names them: by id, by name or label (case aside), or an
//! account as PROVIDER/LABEL. The CLI and the agent resolve names here, the same way.

use super::{Deck, Disk};
use crate::error::{Error, Result};
use crate::provider::ProviderConfig;
use crate::store::{AccountRecord, ConfigFile};

impl Deck {
    /// The account `query` names, as the settings file says now. With the file gone or moved
    /// aside, there is none (as for a process starting now), though our copy is kept to be
    /// written back by the window.
    pub async fn find_account(&self, query: &str) -> Result<AccountRecord> {
        let mut config = self.config.lock().await;
        if self.pick_up_other_writers(&mut config).await? == Disk::NeedsRewrite {
            return Err(Error::NotFound {
                what: "account",
                id: query.to_owned(),
            });
        }
        find_account(&config, query).cloned()
    }

    /// The provider `query` names (its id or its name).
    pub async fn find_provider(&self, query: &str) -> Result<ProviderConfig> {
        let mut config = self.config.lock().await;
        self.pick_up_other_writers(&mut config).await?;
        find_provider(&config, query).cloned()
    }
}

fn find_account<'a>(config: &'a ConfigFile, query: &str) -> Result<&'a AccountRecord> {
    if let Some(a) = config.accounts.iter().find(|a| a.id == *query) {
        return Ok(a);
    }
    let (provider, label) = match query.split_once('/') {
        Some((p, l)) => (Some(&find_provider(config, p)?.id), l),
        None => (None, query),
    };
    let matches: Vec<&AccountRecord> = config
        .accounts
        .iter()
        .filter(|a| a.label.eq_ignore_ascii_case(label))
        .filter(|a| provider.is_none_or(|p| a.provider_id == *p))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::NotFound {
            what: "account",
            id: query.to_owned(),
        }),
        _ => Err(Error::config(
            "account",
            format!(
                "\"{query}\" matches several accounts; use PROVIDER/LABEL or the account id (tokendeck list)"
            ),
        )),
    }
}

fn find_provider<'a>(config: &'a ConfigFile, query: &str) -> Result<&'a ProviderConfig> {
    config
        .providers
        .iter()
        .find(|p| p.id == *query || p.name.eq_ignore_ascii_case(query))
        .ok_or_else(|| Error::NotFound {
            what: "provider or account",
            id: query.to_owned(),
        })
}
