//! CUSTOM_AUTH and choice-based USER_AUTH through the Deck. No emulator implements these
//! flows (moto knows neither) and Cognito itself needs an AWS account, so they run against a
//! hand-made stand-in (tests/provider/cognito-flows.mjs) that answers with the wire shapes of
//! AWS's API reference and signs real JWTs; the tokens are verified as a pool's are.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

#[path = "support/stand_in.rs"]
mod stand_in;

use secrecy::SecretString;
use stand_in::StandIn;
use support::*;
use tokendeck_core::ErrorCode;
use tokendeck_core::deck::{ChallengeView, Deck, PasswordFlow, PasswordSignIn};
use tokendeck_core::ids::ProviderId;

async fn setup() -> (StandIn, Fixture, SharedDeck, ProviderId) {
    let stand_in = StandIn::start().await;
    let fx = Fixture::with_provider(LocalProvider::start().await);
    let deck = fx.open();
    let id = add_provider(&deck, stand_in.config(), None).await;
    (stand_in, fx, deck, id)
}

type SharedDeck = std::sync::Arc<Deck>;

async fn start(deck: &Deck, provider: &ProviderId, flow: PasswordFlow) -> ChallengeView {
    match deck
        .sign_in_with_password(provider, "carol", SecretString::from(String::new()), flow)
        .await
        .unwrap()
    {
        PasswordSignIn::Challenge(challenge) => challenge,
        PasswordSignIn::SignedIn(_) => panic!("signed in without a challenge"),
    }
}

async fn answer(deck: &Deck, challenge: &ChallengeView, text: &str) -> PasswordSignIn {
    deck.answer_challenge(&challenge.id, text.to_owned())
        .await
        .unwrap()
}

fn challenge(step: PasswordSignIn) -> ChallengeView {
    match step {
        PasswordSignIn::Challenge(c) => c,
        PasswordSignIn::SignedIn(a) => panic!("signed in early: {}", a.record.label),
    }
}

#[tokio::test]
async fn custom_auth_answers_each_of_the_pools_challenges() {
    let (stand_in, _fx, deck, provider) = setup().await;
    let first = start(&deck, &provider, PasswordFlow::Custom).await;
    assert_eq!(first.name, "CUSTOM_CHALLENGE");
    // The pool's public parameters are shown, its question among them.
    assert!(
        first
            .details
            .iter()
            .any(|d| d.name == "question" && d.value == "What is 6 x 7?"),
        "{first:?}"
    );
    let second = challenge(answer(&deck, &first, "42").await);
    assert!(
        second
            .details
            .iter()
            .any(|d| d.value == "Which colour is the sky?"),
        "{second:?}"
    );
    let PasswordSignIn::SignedIn(account) = answer(&deck, &second, "blue").await else {
        panic!("not signed in");
    };
    assert_eq!(account.record.label, "carol");
    let requests = stand_in.get("__test/requests").await;
    assert_eq!(requests[0]["body"]["AuthFlow"], "CUSTOM_AUTH");
    assert_eq!(
        requests[0]["body"]["AuthParameters"],
        serde_json::json!({"USERNAME": "carol"})
    );
    assert_eq!(
        requests[1]["body"]["ChallengeResponses"],
        serde_json::json!({"USERNAME": "carol", "ANSWER": "42"})
    );
    assert_eq!(requests[1]["contentType"], "application/x-amz-json-1.1");

    // A wrong answer is Cognito's NotAuthorizedException: refused, nothing stored.
    let first = start(&deck, &provider, PasswordFlow::Custom).await;
    let err = deck
        .answer_challenge(&first.id, "41".into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AccessDenied, "{err}");
}

#[tokio::test]
async fn choice_based_sign_in_with_a_code_by_email() {
    let (stand_in, _fx, deck, provider) = setup().await;
    let select = start(&deck, &provider, PasswordFlow::Choice).await;
    assert_eq!(select.name, "SELECT_CHALLENGE");
    assert!(
        select.prompt.contains("EMAIL_OTP") && select.prompt.contains("PASSWORD_SRP"),
        "{}",
        select.prompt
    );
    assert_eq!(
        select.choices,
        [
            "PASSWORD",
            "PASSWORD_SRP",
            "EMAIL_OTP",
            "SMS_OTP",
            "WEB_AUTHN"
        ]
    );
    // Typed as a person would (the CLI's answer; the window offers buttons).
    let code = challenge(answer(&deck, &select, " email_otp ").await);
    assert_eq!(code.name, "EMAIL_OTP");
    assert!(
        code.prompt.contains("sent by email to c***@e***"),
        "{}",
        code.prompt
    );
    let sent = stand_in.last_code().await;
    let PasswordSignIn::SignedIn(account) = answer(&deck, &code, &sent).await else {
        panic!("not signed in");
    };
    assert_eq!(account.record.label, "carol");
    let requests = stand_in.get("__test/requests").await;
    assert_eq!(requests[0]["body"]["AuthFlow"], "USER_AUTH");
    assert_eq!(requests[1]["body"]["ChallengeName"], "SELECT_CHALLENGE");
    assert_eq!(
        requests[1]["body"]["ChallengeResponses"]["ANSWER"],
        "EMAIL_OTP"
    );
    assert_eq!(
        requests[2]["body"]["ChallengeResponses"]["EMAIL_OTP_CODE"],
        sent.as_str()
    );

    // A wrong code: Cognito's CodeMismatchException.
    let select = start(&deck, &provider, PasswordFlow::Choice).await;
    let code = challenge(answer(&deck, &select, "SMS_OTP").await);
    assert!(
        code.prompt.contains("text message to +*******1234"),
        "{}",
        code.prompt
    );
    // A wrong code: Cognito's CodeMismatchException keeps the challenge open, with the reason.
    let again = challenge(answer(&deck, &code, "000000").await);
    assert_eq!(
        (again.id.as_str(), again.name.as_str()),
        (code.id.as_str(), "SMS_OTP")
    );
    let refused = again.refused.as_deref().unwrap_or_default();
    assert!(
        refused.contains("not accepted") && refused.contains("CodeMismatchException"),
        "{refused}"
    );
    assert!(code.refused.is_none());
    let sent = stand_in.last_code().await;
    let PasswordSignIn::SignedIn(account) = answer(&deck, &again, &sent).await else {
        panic!("the right code after a wrong one did not sign in");
    };
    assert_eq!(account.record.label, "carol");
    // The challenge is spent: answering it again is refused here, with no request sent.
    let requests = stand_in.request_count().await;
    let err = deck.answer_challenge(&code.id, sent).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignInExpired, "{err}");
    assert_eq!(stand_in.request_count().await, requests);
}

#[tokio::test]
async fn a_challenge_cancelled_while_its_answer_is_on_the_way_stays_cancelled() {
    let (stand_in, _fx, deck, provider) = setup().await;
    let select = start(&deck, &provider, PasswordFlow::Choice).await;
    let code = challenge(answer(&deck, &select, "EMAIL_OTP").await);
    let sent = stand_in.last_code().await;
    stand_in.delay_answers(1500).await;
    let answering = {
        let (deck, id, sent) = (deck.clone(), code.id.clone(), sent.clone());
        tokio::spawn(async move { deck.answer_challenge(&id, sent).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // A second answer meanwhile waits for nothing: it is refused at once.
    let second = deck.answer_challenge(&code.id, sent).await.unwrap_err();
    assert!(
        second.to_string().contains("already being answered"),
        "{second}"
    );
    assert!(
        deck.cancel_sign_in(&code.id),
        "the challenge is still asked"
    );
    // The right code reached Cognito and brought tokens, but the user had cancelled.
    let err = answering.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
    assert!(deck.snapshot().await.accounts.is_empty(), "nothing kept");
}

#[tokio::test]
async fn a_cancelled_challenge_cannot_be_answered() {
    let (stand_in, _fx, deck, provider) = setup().await;
    let select = start(&deck, &provider, PasswordFlow::Choice).await;
    let code = challenge(answer(&deck, &select, "EMAIL_OTP").await);
    assert!(deck.cancel_sign_in(&code.id));
    assert!(!deck.cancel_sign_in(&code.id));
    let requests = stand_in.request_count().await;
    let sent = stand_in.last_code().await;
    let err = deck.answer_challenge(&code.id, sent).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignInExpired, "{err}");
    assert_eq!(stand_in.request_count().await, requests);
    assert!(deck.snapshot().await.accounts.is_empty());
}

#[tokio::test]
async fn choice_based_sign_in_with_the_password_asks_for_it_first() {
    let (stand_in, _fx, deck, provider) = setup().await;
    let select = start(&deck, &provider, PasswordFlow::Choice).await;
    let before = stand_in.request_count().await;
    let password = challenge(answer(&deck, &select, "PASSWORD").await);
    assert_eq!(password.name, "PASSWORD");
    assert_eq!(
        stand_in.request_count().await,
        before,
        "nothing is sent until the password is given"
    );
    let PasswordSignIn::SignedIn(account) = answer(&deck, &password, "Carol-Passw0rd!").await
    else {
        panic!("not signed in");
    };
    assert_eq!(account.record.label, "carol");
    let requests = stand_in.get("__test/requests").await;
    let last = &requests.as_array().unwrap().last().unwrap()["body"];
    assert_eq!(last["ChallengeName"], "SELECT_CHALLENGE");
    assert_eq!(last["ChallengeResponses"]["ANSWER"], "PASSWORD");
    assert_eq!(last["ChallengeResponses"]["PASSWORD"], "Carol-Passw0rd!");

    // Passkeys need a browser; a way not offered names those that are.
    let select = start(&deck, &provider, PasswordFlow::Choice).await;
    let err = deck
        .answer_challenge(&select.id, "WEB_AUTHN".into())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("passkey needs a browser"), "{err}");
    let select = start(&deck, &provider, PasswordFlow::Choice).await;
    let err = deck
        .answer_challenge(&select.id, "CARRIER_PIGEON".into())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("answer one of PASSWORD, PASSWORD_SRP, EMAIL_OTP"),
        "{err}"
    );
}
