//! `tokendeck login`: through the browser (loopback redirect), or with a password through
//! Cognito's API, answering its challenges at the prompt.

use secrecy::{ExposeSecret, SecretString};
use tokendeck_core::deck::{Deck, PasswordSignIn, SignInEnd, SignInRequest};
use tokendeck_core::ids::ProviderId;
use tokendeck_core::{Error, Result};

use crate::args::LoginArgs;
use crate::commands::report_account;
use crate::output;

pub async fn login(deck: &Deck, json: bool, args: &LoginArgs) -> Result<()> {
    // Signing an existing account in again reuses its provider and username.
    let (provider_id, known_user) = match deck.find_account(&args.target).await {
        Ok(a) => (a.provider_id, a.username),
        Err(_) => (deck.find_provider(&args.target).await?.id, None),
    };
    if args.password {
        let username = args.username.clone().or(known_user).ok_or_else(|| {
            Error::config("username", "pass --username to sign in with a password")
        })?;
        return with_password(deck, json, args, &provider_id, &username).await;
    }
    with_browser(deck, json, &provider_id, known_user).await
}

async fn with_password(
    deck: &Deck,
    json: bool,
    args: &LoginArgs,
    provider_id: &ProviderId,
    username: &str,
) -> Result<()> {
    let password = read_secret(args.password_stdin, &format!("Password for {username}: "))?;
    let mut step = deck
        .sign_in_with_password(provider_id, username, password, !args.no_srp)
        .await?;
    loop {
        match step {
            PasswordSignIn::SignedIn(account) => {
                report_account(json, &account, "signed in");
                return Ok(());
            }
            PasswordSignIn::Challenge(challenge) => {
                let answer = read_secret(args.password_stdin, &format!("{}: ", challenge.prompt))?;
                step = deck
                    .answer_challenge(&challenge.id, answer.expose_secret().to_owned())
                    .await?;
            }
        }
    }
}

async fn with_browser(
    deck: &Deck,
    json: bool,
    provider_id: &ProviderId,
    login_hint: Option<String>,
) -> Result<()> {
    let request = SignInRequest {
        loopback: Some(true),
        force_login: Some(true),
        login_hint,
        ..Default::default()
    };
    let started = deck.begin_sign_in(provider_id, request).await?;
    output::note(&format!(
        "Opening your browser to sign in. If it does not open, visit:\n  {}",
        started.authorization_url
    ));
    open_browser(started.authorization_url.as_str());
    match deck.await_sign_in(started.wait).await? {
        SignInEnd::SignedIn(account) => {
            report_account(json, &account, "signed in");
            Ok(())
        }
        SignInEnd::Elsewhere => Err(Error::AccessDenied {
            detail: "the sign-in was cancelled".into(),
        }),
    }
}

/// `$TOKENDECK_BROWSER <url>` when set (headless machines, tests), else the system browser.
fn open_browser(url: &str) {
    let result = match std::env::var("TOKENDECK_BROWSER") {
        Ok(cmd) if !cmd.is_empty() => std::process::Command::new(cmd).arg(url).spawn().map(|_| ()),
        _ => open::that_detached(url),
    };
    if let Err(e) = result {
        output::note(&format!(
            "could not open a browser ({e}); open the URL above yourself"
        ));
    }
}

fn read_secret(from_stdin: bool, prompt: &str) -> Result<SecretString> {
    let text = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| Error::config("password", format!("cannot read standard input: {e}")))?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        rpassword::prompt_password(prompt).map_err(|e| {
            Error::config(
                "password",
                format!("cannot prompt (no terminal?): {e}; use --password-stdin"),
            )
        })?
    };
    Ok(SecretString::from(text))
}
