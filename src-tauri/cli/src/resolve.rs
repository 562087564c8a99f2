//! What the user typed for an account or provider (an id, a name or label, or
//! PROVIDER/LABEL), resolved by the core the same way the agent resolves it.

use tokendeck_core::Result;
use tokendeck_core::deck::{Deck, DeckView, ProviderView};
use tokendeck_core::ids::ProviderId;
use tokendeck_core::store::AccountRecord;

pub async fn find_account(deck: &Deck, query: &str) -> Result<AccountRecord> {
    deck.find_account(query).await
}

pub async fn resolve_provider(deck: &Deck, query: &str) -> Result<ProviderId> {
    Ok(deck.find_provider(query).await?.id)
}

/// The provider's view in `view` (taken just before).
pub async fn find_provider<'a>(
    deck: &Deck,
    view: &'a DeckView,
    query: &str,
) -> Result<&'a ProviderView> {
    let id = resolve_provider(deck, query).await?;
    view.providers
        .iter()
        .find(|p| p.config.id == id)
        .ok_or_else(|| tokendeck_core::Error::NotFound {
            what: "provider",
            id: id.to_string(),
        })
}
