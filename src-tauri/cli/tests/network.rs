//! Corporate networks with the real binary: the local provider served over TLS with a
//! certificate from a test CA (made with openssl), reached through a real proxy (tinyproxy)
//! named by `HTTPS_PROXY`, and the CA trusted through `TOKENDECK_CA_FILE`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../core/tests/support/mod.rs"]
mod support;

mod home;

use std::path::{Path, PathBuf};
use std::process::Command;

use home::*;
use support::*;

/// A CA and a certificate it signed for localhost and 127.0.0.1.
struct TestCa {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl must be installed (scripts/setup)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn test_ca(dir: &Path) -> TestCa {
    let ca = make_ca(dir);
    let (cert, key) = server_cert(dir, "server", "DNS:localhost,IP:127.0.0.1");
    TestCa { ca, cert, key }
}

const EC_KEY: [&str; 5] = [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
];

fn make_ca(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut args = vec!["req", "-x509"];
    args.extend(EC_KEY);
    args.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Tokendeck Test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &args);
    dir.join("ca.pem")
}

/// A certificate from the test CA for `names` (subjectAltName syntax).
fn server_cert(dir: &Path, stem: &str, names: &str) -> (PathBuf, PathBuf) {
    let (key, csr, cert, ext) = (
        format!("{stem}.key"),
        format!("{stem}.csr"),
        format!("{stem}.pem"),
        format!("{stem}.ext"),
    );
    let mut args = vec!["req"];
    args.extend(EC_KEY);
    args.extend(["-keyout", &key, "-out", &csr, "-subj", "/CN=test server"]);
    openssl(dir, &args);
    std::fs::write(
        dir.join(&ext),
        format!("subjectAltName={names}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &cert,
            "-days",
            "2",
            "-extfile",
            &ext,
        ],
    );
    (dir.join(cert), dir.join(key))
}

/// tinyproxy on a free loopback port, logging each request it forwards.
struct Proxy {
    child: std::process::Child,
    url: String,
    log: PathBuf,
}

impl Proxy {
    fn start(dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.join("tinyproxy.log");
        let conf = dir.join("tinyproxy.conf");
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 60\nAllow 127.0.0.1\nLogFile \"{}\"\nLogLevel Info\nMaxClients 20\n",
                log.display()
            ),
        )
        .unwrap();
        let child = Command::new("tinyproxy")
            .args(["-d", "-c"])
            .arg(&conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("tinyproxy must be installed (scripts/setup)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    /// How many CONNECT requests it has forwarded to `authority`.
    fn connects_to(&self, authority: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .matches(&format!("CONNECT {authority}"))
            .count()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_tls_provider_behind_a_proxy_with_a_private_ca() {
    let home = Home::new();
    let ca = test_ca(&home.dir);
    let provider = LocalProvider::start_with(&[
        "--tls-cert",
        ca.cert.to_str().unwrap(),
        "--tls-key",
        ca.key.to_str().unwrap(),
    ])
    .await;
    assert!(provider.issuer.starts_with("https://localhost:"));
    let authority = provider.issuer.trim_start_matches("https://").to_owned();
    let proxy = Proxy::start(&home.dir);
    let proxy_url = Path::new(&proxy.url);

    let added = home
        .run(&[
            "provider",
            "add",
            "local",
            "--issuer",
            &provider.issuer,
            "--client-id",
            NATIVE,
        ])
        .await;
    assert!(added.status.success(), "{}", stderr(&added));

    // Without the CA: refused, saying which host and what to do. (The runner's own settings
    // are blanked: empty means unset.)
    let untrusted = home
        .run_with(
            &["provider", "check", "local"],
            None,
            &[
                ("TOKENDECK_CA_FILE", Path::new("")),
                ("HTTPS_PROXY", Path::new("")),
            ],
        )
        .await;
    let said = format!("{}{}", stdout(&untrusted), stderr(&untrusted));
    assert!(said.contains("FAIL"), "{said}");
    assert!(said.contains(&authority), "{said}");
    assert!(said.contains("TOKENDECK_CA_FILE"), "{said}");
    assert!(said.contains("not trust"), "{said}");
    // Which certificate: its subject and who issued it.
    assert!(said.contains("subject CN=test server"), "{said}");
    assert!(said.contains("issued by CN=Tokendeck Test CA"), "{said}");

    // With it, through the proxy: every provider call goes through the proxy.
    let ca_env = [
        ("TOKENDECK_CA_FILE", ca.ca.as_path()),
        ("HTTPS_PROXY", proxy_url),
    ];
    let checked = home
        .run_with(&["provider", "check", "local"], None, &ca_env)
        .await;
    assert!(
        checked.status.success(),
        "{}{}",
        stdout(&checked),
        stderr(&checked)
    );
    assert!(!stdout(&checked).contains("FAIL"), "{}", stdout(&checked));
    let after_check = proxy.connects_to(&authority);
    assert!(after_check > 0, "the check did not go through the proxy");

    let browser = home.browser_script(ALICE);
    let mut login_env = ca_env.to_vec();
    login_env.push(("TOKENDECK_BROWSER", browser.as_path()));
    // The user's browser is not under test: it takes the test CA's certificate as it is.
    login_env.push(("BROWSER_IGNORE_HTTPS_ERRORS", Path::new("1")));
    let login = home.run_with(&["login", "local"], None, &login_env).await;
    assert!(login.status.success(), "{}", stderr(&login));
    let refreshed = home.run_with(&["refresh", "alice"], None, &ca_env).await;
    assert!(refreshed.status.success(), "{}", stderr(&refreshed));
    let after_refresh = proxy.connects_to(&authority);
    assert!(
        after_refresh > after_check,
        "the refresh did not go through the proxy"
    );

    // NO_PROXY exempts the host.
    let mut direct_env = ca_env.to_vec();
    direct_env.push(("NO_PROXY", Path::new("localhost")));
    let direct = home
        .run_with(&["refresh", "alice"], None, &direct_env)
        .await;
    assert!(direct.status.success(), "{}", stderr(&direct));
    assert_eq!(proxy.connects_to(&authority), after_refresh);

    // A certificate from the trusted CA for another name is refused as such.
    let (other_cert, other_key) = server_cert(&home.dir, "elsewhere", "DNS:elsewhere.test");
    let misnamed = LocalProvider::start_with(&[
        "--tls-cert",
        other_cert.to_str().unwrap(),
        "--tls-key",
        other_key.to_str().unwrap(),
    ])
    .await;
    let added = home
        .run(&[
            "provider",
            "add",
            "pool",
            "--issuer",
            &misnamed.issuer,
            "--client-id",
            NATIVE,
        ])
        .await;
    assert!(added.status.success(), "{}", stderr(&added));
    let wrong_name = home
        .run_with(&["provider", "check", "pool"], None, &ca_env)
        .await;
    let said = format!("{}{}", stdout(&wrong_name), stderr(&wrong_name));
    assert!(said.contains("is for another host name"), "{said}");
    assert!(said.contains("subject CN=test server"), "{said}");

    // A CA file that holds no certificate is named, with what it should hold.
    let bogus = home.dir.join("not-a-ca.pem");
    std::fs::write(&bogus, "hello").unwrap();
    let bad = home
        .run_with(
            &["refresh", "alice"],
            None,
            &[("TOKENDECK_CA_FILE", bogus.as_path())],
        )
        .await;
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("TOKENDECK_CA_FILE"),
        "{}",
        stderr(&bad)
    );
    assert!(
        stderr(&bad).contains("BEGIN CERTIFICATE"),
        "{}",
        stderr(&bad)
    );
}

/// A provider's own proxy and CA: they apply to that provider only, over what the environment
/// says; "direct" goes around the environment's proxy; export files never carry them.
#[tokio::test]
async fn a_providers_own_proxy_and_ca_override_the_environment() {
    let home = Home::new();
    let ca = test_ca(&home.dir);
    let provider = LocalProvider::start_with(&[
        "--tls-cert",
        ca.cert.to_str().unwrap(),
        "--tls-key",
        ca.key.to_str().unwrap(),
    ])
    .await;
    let authority = provider.issuer.trim_start_matches("https://").to_owned();
    let proxy = Proxy::start(&home.dir);
    let add = |name: &'static str, extra: Vec<String>| {
        let mut args: Vec<String> = ["provider", "add", name, "--issuer", &provider.issuer]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(["--client-id".into(), NATIVE.into()]);
        args.extend(extra);
        args
    };
    let own = add(
        "provider-a",
        vec![
            "--proxy".into(),
            proxy.url.clone(),
            "--extra-ca-file".into(),
            ca.ca.to_str().unwrap().into(),
        ],
    );
    let added = home
        .run(&own.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    assert!(added.status.success(), "{}", stderr(&added));
    let plain = add("provider-b", Vec::new());
    let added = home
        .run(&plain.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    assert!(added.status.success(), "{}", stderr(&added));

    // The environment names a proxy where nothing listens, and no CA.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead_proxy = PathBuf::from(format!("http://127.0.0.1:{dead}"));
    let env = [
        ("HTTPS_PROXY", dead_proxy.as_path()),
        ("TOKENDECK_CA_FILE", Path::new("")),
    ];
    let checked = home
        .run_with(&["provider", "check", "provider-a"], None, &env)
        .await;
    assert!(
        checked.status.success(),
        "{}{}",
        stdout(&checked),
        stderr(&checked)
    );
    let after_check = proxy.connects_to(&authority);
    assert!(
        after_check > 0,
        "the check did not use the provider's proxy"
    );
    // The other provider gets neither: the environment's dead proxy.
    let other = home
        .run_with(&["provider", "check", "provider-b"], None, &env)
        .await;
    assert!(
        stdout(&other).contains("FAIL"),
        "{}{}",
        stdout(&other),
        stderr(&other)
    );

    let browser = home.browser_script(ALICE);
    let mut login_env = env.to_vec();
    login_env.push(("TOKENDECK_BROWSER", browser.as_path()));
    login_env.push(("BROWSER_IGNORE_HTTPS_ERRORS", Path::new("1")));
    let login = home
        .run_with(&["login", "provider-a"], None, &login_env)
        .await;
    assert!(login.status.success(), "{}", stderr(&login));
    let refreshed = home.run_with(&["refresh", "alice"], None, &env).await;
    assert!(refreshed.status.success(), "{}", stderr(&refreshed));
    let after_refresh = proxy.connects_to(&authority);
    assert!(after_refresh > after_check, "the refresh did not use it");

    // "direct": around the environment's proxy, and not through the provider's old one.
    let edited = home
        .run(&["provider", "edit", "provider-a", "--proxy", "direct"])
        .await;
    assert!(edited.status.success(), "{}", stderr(&edited));
    let direct = home.run_with(&["refresh", "alice"], None, &env).await;
    assert!(direct.status.success(), "{}", stderr(&direct));
    assert_eq!(proxy.connects_to(&authority), after_refresh);

    // Credentials are not kept in the settings, and are not echoed.
    let refused = home
        .run(&[
            "provider",
            "edit",
            "provider-a",
            "--proxy",
            "http://me:hunter2@proxy.corp:3128",
        ])
        .await;
    assert_eq!(refused.status.code(), Some(5), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("HTTPS_PROXY"),
        "{}",
        stderr(&refused)
    );
    assert!(
        !stderr(&refused).contains("hunter2"),
        "{}",
        stderr(&refused)
    );

    // Trusting another CA ends the sessions, as a new endpoint does: whoever holds a newly
    // trusted CA could read what is sent.
    let other_ca = make_ca(&home.dir.join("second"))
        .to_str()
        .unwrap()
        .to_owned();
    let rebound = home
        .run(&[
            "provider",
            "edit",
            "provider-a",
            "--extra-ca-file",
            &other_ca,
        ])
        .await;
    assert!(rebound.status.success(), "{}", stderr(&rebound));
    assert!(
        stderr(&rebound).contains("must sign in again"),
        "{}",
        stderr(&rebound)
    );

    // Shared files carry neither the proxy nor the CA.
    let exported = home.run(&["provider", "export"]).await;
    assert!(exported.status.success(), "{}", stderr(&exported));
    let text = stdout(&exported);
    assert!(text.contains("provider-a"), "{text}");
    for absent in ["\"proxy\"", "\"network\"", "extraCa", "BEGIN CERTIFICATE"] {
        assert!(!text.contains(absent), "{absent} in {text}");
    }
}
