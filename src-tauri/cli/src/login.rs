//! `tokendeck login`: through the browser (loopback redirect), with a code entered in a
//! browser elsewhere (`--device`), or with a password through Cognito's API, answering its
//! challenges at the prompt.

use secrecy::{ExposeSecret, SecretString};
use tokendeck_core::authorize::AuthorizeOptions;
use tokendeck_core::deck::{Deck, PasswordFlow, PasswordSignIn, SignInEnd, SignInRequest};
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
    if args.password || args.admin || args.custom_auth || args.choice {
        let username = args.username.clone().or(known_user).ok_or_else(|| {
            Error::config("username", "pass --username to sign in with a password")
        })?;
        return with_password(deck, json, args, &provider_id, &username).await;
    }
    if args.device {
        return with_code(deck, json, args, &provider_id).await;
    }
    with_browser(deck, json, args, &provider_id, known_user).await
}

async fn with_password(
    deck: &Deck,
    json: bool,
    args: &LoginArgs,
    provider_id: &ProviderId,
    username: &str,
) -> Result<()> {
    let flow = match (args.admin, args.custom_auth, args.choice, args.no_srp) {
        (true, ..) => PasswordFlow::Admin,
        (_, true, ..) => PasswordFlow::Custom,
        (_, _, true, _) => PasswordFlow::Choice,
        (.., true) => PasswordFlow::Password,
        _ => PasswordFlow::Srp,
    };
    // The pool's own challenges and the choice-based flow ask as they go.
    let password = match flow {
        PasswordFlow::Custom | PasswordFlow::Choice => SecretString::from(String::new()),
        _ => read_secret(args.password_stdin, &format!("Password for {username}: "))?,
    };
    let mut step = deck
        .sign_in_with_password(provider_id, username, password, flow)
        .await?;
    loop {
        match step {
            PasswordSignIn::SignedIn(account) => {
                report_account(json, &account, "signed in");
                return Ok(());
            }
            PasswordSignIn::Challenge(challenge) => {
                if let Some(refused) = &challenge.refused {
                    output::note(refused);
                    // Answers read from standard input come in order: the next line is not
                    // a second try at this one.
                    if args.password_stdin {
                        return Err(Error::AccessDenied {
                            detail: "answers read from standard input are not tried again".into(),
                        });
                    }
                }
                for detail in &challenge.details {
                    output::note(&format!("  {}: {}", detail.name, detail.value));
                }
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
    args: &LoginArgs,
    provider_id: &ProviderId,
    known_user: Option<String>,
) -> Result<()> {
    let request = sign_in_request(deck, args, provider_id, known_user).await?;
    let started = deck.begin_sign_in(provider_id, request).await?;
    let url = started.authorization_url.as_str();
    if args.no_browser {
        output::note(&format!(
            "Open this URL in the browser you want to sign in with (on this machine):\n  {url}"
        ));
    } else {
        output::note(&format!(
            "Opening your browser to sign in. If it does not open, visit:\n  {url}"
        ));
        match &started.browser {
            Some(browser) => {
                if let Err(e) = browser.open(url) {
                    output::note(&format!("{e}; open the URL above yourself"));
                }
            }
            None => open_browser(url),
        }
    }
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

/// RFC 8628: prints where to go and the code, then waits until the user has entered it, the
/// code expires, or Ctrl-C (nothing is stored then).
async fn with_code(
    deck: &Deck,
    json: bool,
    args: &LoginArgs,
    provider_id: &ProviderId,
) -> Result<()> {
    let scopes = requested_scopes(deck, args, provider_id).await?;
    let started = deck.begin_device_sign_in(provider_id, scopes).await?;
    let view = &started.view;
    let mut text = format!(
        "To sign in, open this page in a browser on any device:\n  {}\nand enter the code:\n\n    {}\n",
        view.verification_uri, view.user_code
    );
    if let Some(complete) = &view.verification_uri_complete {
        text.push_str(&format!(
            "\nOr open this page, which has the code in it:\n  {complete}\n"
        ));
    }
    text.push_str(&format!(
        "\nThe code expires in {} minutes. Waiting for you to finish (Ctrl-C cancels)…",
        view.expires_in.div_ceil(60)
    ));
    output::note(&text);
    let id = view.id.clone();
    let waiting = deck.await_device_sign_in(started.wait);
    tokio::pin!(waiting);
    // Ctrl-C cancels through the Deck, which never stops a save half way: the wait then
    // ends as cancelled, or with the account if it was already being stored.
    // A second Ctrl-C (a save stuck on a keyring prompt) leaves at once.
    let mut interrupted = false;
    let end = tokio::select! {
        end = &mut waiting => end?,
        _ = tokio::signal::ctrl_c() => {
            interrupted = true;
            deck.cancel_sign_in(&id);
            tokio::select! {
                end = &mut waiting => end?,
                _ = tokio::signal::ctrl_c() => return Err(Error::AccessDenied {
                    detail: "interrupted with a second Ctrl-C".into(),
                }),
            }
        }
    };
    match end {
        SignInEnd::SignedIn(account) => {
            report_account(json, &account, "signed in");
            Ok(())
        }
        SignInEnd::Elsewhere => Err(Error::AccessDenied {
            detail: match interrupted {
                true => "cancelled with Ctrl-C; nothing was stored".into(),
                false => "the sign-in was cancelled".into(),
            },
        }),
    }
}

/// The provider's scopes plus `--scope`s, or `None` (the provider's) when none were given.
async fn requested_scopes(
    deck: &Deck,
    args: &LoginArgs,
    provider_id: &ProviderId,
) -> Result<Option<Vec<String>>> {
    let extra = &args.options.extra_scopes;
    if extra.is_empty() {
        return Ok(None);
    }
    let mut scopes = deck.find_provider(provider_id.as_str()).await?.scopes;
    for extra in extra.iter().flat_map(|s| s.split([' ', ','])) {
        if !extra.is_empty() && !scopes.iter().any(|s| s == extra) {
            scopes.push(extra.to_owned());
        }
    }
    Ok(Some(scopes))
}

/// The options of this sign-in: the command line's, over the provider's defaults (applied
/// by the Deck); extra scopes add to the provider's.
async fn sign_in_request(
    deck: &Deck,
    args: &LoginArgs,
    provider_id: &ProviderId,
    known_user: Option<String>,
) -> Result<SignInRequest> {
    let o = &args.options;
    let scopes = requested_scopes(deck, args, provider_id).await?;
    Ok(SignInRequest {
        loopback: Some(true),
        // Signing in again (or a chosen prompt) decides; else the login page is forced.
        force_login: o.prompt.is_none().then_some(true),
        login_hint: o.login_hint.clone().or(known_user),
        options: Some(AuthorizeOptions {
            prompt: o.prompt.clone(),
            login_hint: None,
            identity_provider: o.identity_provider.clone(),
            idp_identifier: o.idp_identifier.clone(),
            lang: o.lang.clone(),
            scopes,
        }),
    })
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
        let read = std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| Error::config("password", format!("cannot read standard input: {e}")))?;
        if read == 0 {
            return Err(Error::config(
                "password",
                "standard input ended before this answer (one line each: the password, then each challenge's answer)",
            ));
        }
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
