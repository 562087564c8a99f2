//! Core figures: PKCE + authorization URL, ID-token verification with cached keys, and the code
//! exchange against the real local provider beside plain `curl` doing the same token request
//! in the same run. Run: `cargo bench -p tokendeck-core --bench core` (needs node and curl).
//! Targets: verify < 100 µs (RS256 and ES256); exchange ≤ 1.2× curl's own `time_total`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use support::{ALICE, LocalProvider, NATIVE, login_over_http};
use tokendeck_core::OidcClient;
use tokendeck_core::authorize::{AuthorizeOptions, build_authorization_request};
use tokendeck_core::http::HttpClient;
use tokendeck_core::secret::CallbackUrl;
use tokendeck_core::token::{self, ClientAuth, unix_now};
use tokendeck_core::verify::{JwsAlgorithm, TokenUse};
use url::Url;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn code_of(callback: &CallbackUrl) -> String {
    Url::parse(callback.expose_secret())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

fn bench(c: &mut Criterion) {
    let rt = runtime();
    let provider = rt.block_on(LocalProvider::start());
    let (config, endpoints) = provider.endpoints(NATIVE);
    let redirect = Url::parse("io.github.tokendeck://callback").unwrap();

    c.bench_function("pkce_and_authorization_url", |b| {
        b.iter(|| {
            black_box(build_authorization_request(
                config.clone(),
                endpoints.clone(),
                redirect.clone(),
                &AuthorizeOptions::default(),
            ))
        })
    });

    let oidc = OidcClient::new(HttpClient::new().unwrap());
    let id_token = rt.block_on(async {
        let started = oidc.start_sign_in(
            config.clone(),
            endpoints.clone(),
            redirect.clone(),
            None,
            &Default::default(),
        );
        let callback = login_over_http(&started.authorization_url, ALICE).await;
        let result = oidc.complete_sign_in(&callback).await.unwrap();
        result.tokens.id_token.unwrap().expose_secret().to_owned()
    });
    let now = unix_now();
    c.bench_function("verify_id_token_cached_jwks", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                oidc.verify(&endpoints, NATIVE, &id_token, TokenUse::Id, None, now)
                    .await
                    .unwrap(),
            )
        })
    });

    verify_each_algorithm(c, &rt);
    exchange_vs_curl(&rt, &provider, &config, &endpoints, &redirect);
}

/// ID-token verification with cached keys for every algorithm, each against a local provider
/// signing with it (discovery path, all claim rules).
fn verify_each_algorithm(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    for alg in JwsAlgorithm::ALL {
        let (provider, endpoints, token) = rt.block_on(async {
            let provider = LocalProvider::start_with(&["--signing-alg", alg.name()]).await;
            let (_, endpoints) = provider.discovered(NATIVE).await;
            let now = unix_now();
            let claims = serde_json::json!({"iss": provider.issuer, "sub": "user-1", "aud": NATIVE, "exp": now + 3600, "iat": now});
            let kid = provider.current_kid().await;
            let token = provider.sign(&claims, Some(&kid)).await;
            (provider, endpoints, token)
        });
        let oidc = OidcClient::new(HttpClient::new().unwrap());
        let now = unix_now();
        c.bench_function(
            &format!("verify_{}_cached_jwks", alg.name().to_lowercase()),
            |b| {
                b.to_async(rt).iter(|| async {
                    black_box(
                        oidc.verify(&endpoints, NATIVE, &token, TokenUse::Id, None, now)
                            .await
                            .unwrap(),
                    )
                })
            },
        );
        drop(provider);
    }
}

/// Each sample needs a fresh code (codes are single use), so this is a plain loop: log in
/// (untimed), then time one exchange by us and one by curl, alternating.
fn exchange_vs_curl(
    rt: &tokio::runtime::Runtime,
    provider: &LocalProvider,
    config: &Arc<tokendeck_core::provider::ProviderConfig>,
    endpoints: &Arc<tokendeck_core::provider::Endpoints>,
    redirect: &Url,
) {
    const SAMPLES: usize = 30;
    let http = HttpClient::new().unwrap();
    let auth = ClientAuth::public(NATIVE);
    let token_url = provider.url("/oauth2/token");
    let mut ours = Vec::with_capacity(SAMPLES);
    let mut curl = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        rt.block_on(async {
            let (url, _, pending) = build_authorization_request(
                config.clone(),
                endpoints.clone(),
                redirect.clone(),
                &AuthorizeOptions::default(),
            );
            let code = code_of(&login_over_http(&url, ALICE).await);
            let started = Instant::now();
            token::exchange_code(
                &http,
                &endpoints.token,
                &auth,
                tokendeck_core::secret::AuthorizationCode::new(code),
                pending.verifier,
                redirect,
            )
            .await
            .unwrap();
            ours.push(started.elapsed());

            let (url, _, pending) = build_authorization_request(
                config.clone(),
                endpoints.clone(),
                redirect.clone(),
                &AuthorizeOptions::default(),
            );
            let code = code_of(&login_over_http(&url, ALICE).await);
            let out = std::process::Command::new("curl")
                .args([
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code} %{time_total}",
                    "-X",
                    "POST",
                ])
                .args(["--data-urlencode", "grant_type=authorization_code"])
                .args(["--data-urlencode", &format!("code={code}")])
                .args(["--data-urlencode", &format!("redirect_uri={redirect}")])
                .args([
                    "--data-urlencode",
                    &format!("code_verifier={}", pending.verifier.expose_secret()),
                ])
                .args(["--data-urlencode", &format!("client_id={NATIVE}")])
                .arg(&token_url)
                .output()
                .expect("curl must be installed");
            let text = String::from_utf8(out.stdout).unwrap();
            let (status, secs) = text.split_once(' ').unwrap();
            assert_eq!(status, "200", "curl's exchange failed");
            curl.push(Duration::from_secs_f64(secs.parse().unwrap()));
        });
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (ours, curl) = (median(&mut ours), median(&mut curl));
    println!(
        "code_exchange: tokendeck median {:.2} ms, curl median {:.2} ms, ratio {:.2} ({SAMPLES} samples each)",
        ours.as_secs_f64() * 1e3,
        curl.as_secs_f64() * 1e3,
        ours.as_secs_f64() / curl.as_secs_f64()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
