//! What the user typed for an account or provider: an id, a name or label, or PROVIDER/LABEL.

use tokendeck_core::deck::{AccountView, Deck, DeckView, ProviderView};
use tokendeck_core::ids::ProviderId;
use tokendeck_core::{Error, Result};

pub async fn find_account(deck: &Deck, query: &str) -> Result<AccountView> {
    resolve_account(&deck.snapshot().await, query).cloned()
}

pub fn resolve_account<'a>(view: &'a DeckView, query: &str) -> Result<&'a AccountView> {
    if let Some(a) = view.accounts.iter().find(|a| a.record.id == query) {
        return Ok(a);
    }
    let (provider, label) = match query.split_once('/') {
        Some((p, l)) => (Some(resolve_provider(view, p)?), l),
        None => (None, query),
    };
    let matches: Vec<&AccountView> = view
        .accounts
        .iter()
        .filter(|a| a.record.label.eq_ignore_ascii_case(label))
        .filter(|a| provider.as_ref().is_none_or(|p| &a.record.provider_id == p))
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

pub fn resolve_provider(view: &DeckView, query: &str) -> Result<ProviderId> {
    find_provider(view, query).map(|p| p.config.id.clone())
}

/// The provider named by its id or (case aside) its name.
pub fn find_provider<'a>(view: &'a DeckView, query: &str) -> Result<&'a ProviderView> {
    view.providers
        .iter()
        .find(|p| p.config.id == query || p.config.name.eq_ignore_ascii_case(query))
        .ok_or_else(|| Error::NotFound {
            what: "provider or account",
            id: query.to_owned(),
        })
}
