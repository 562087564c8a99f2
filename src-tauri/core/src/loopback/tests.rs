use super::*;

async fn get(port: u16, target: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

fn configured() -> Url {
    Url::parse("http://127.0.0.1/callback").unwrap()
}

#[tokio::test]
async fn accepts_one_callback_on_its_path_and_closes() {
    let listener = LoopbackListener::bind(&configured(), false).await.unwrap();
    let uri = listener.redirect_uri().clone();
    let port = uri.port().unwrap();
    assert_eq!(uri.host_str(), Some("127.0.0.1"));
    let waiter = tokio::spawn(listener.wait(Duration::from_secs(5)));

    let wrong = get(port, "/other?code=x&state=y").await;
    assert!(wrong.starts_with("HTTP/1.1 404"), "{wrong}");
    let favicon = get(port, "/favicon.ico").await;
    assert!(favicon.starts_with("HTTP/1.1 404"));

    let page = get(port, "/callback?code=the-code&state=st").await;
    assert!(page.starts_with("HTTP/1.1 200"));
    assert!(
        !page.contains("the-code") && !page.contains("st&"),
        "the page must echo nothing"
    );

    let url = waiter.await.unwrap().unwrap();
    assert_eq!(
        url.expose_secret(),
        format!("http://127.0.0.1:{port}/callback?code=the-code&state=st")
    );
    assert!(
        TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "port must be closed"
    );
}

#[tokio::test]
async fn times_out_and_releases_the_port() {
    let listener = LoopbackListener::bind(&configured(), false).await.unwrap();
    let port = listener.redirect_uri().port().unwrap();
    let err = listener.wait(Duration::from_millis(100)).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }));
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
}

#[tokio::test]
async fn listens_on_loopback_only() {
    let listener = LoopbackListener::bind(&configured(), false).await.unwrap();
    let addr = listener.listener.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
}

#[tokio::test]
async fn fixed_port_that_is_taken_explains_the_fix() {
    let first = LoopbackListener::bind(&configured(), false).await.unwrap();
    let port = first.redirect_uri().port().unwrap();
    let taken = Url::parse(&format!("http://127.0.0.1:{port}/callback")).unwrap();
    let err = LoopbackListener::bind(&taken, true).await.unwrap_err();
    assert!(err.to_string().contains("choose another"), "{err}");
}

#[tokio::test]
async fn a_redirect_with_another_state_gets_an_error_page_and_the_wait_goes_on() {
    let mut listener = LoopbackListener::bind(&configured(), false).await.unwrap();
    listener.expect_state("ours");
    let port = listener.redirect_uri().port().unwrap();
    let waiter = tokio::spawn(listener.wait(Duration::from_secs(5)));

    for target in ["/callback?code=x&state=theirs", "/callback?code=x"] {
        let page = get(port, target).await;
        assert!(page.starts_with("HTTP/1.1 400"), "{page}");
        assert!(page.contains("Not the sign-in"));
    }
    // A client that connects and says nothing does not hold up the real redirect.
    let _silent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let page = get(port, "/callback?code=c&state=ours").await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let url = waiter.await.unwrap().unwrap();
    assert!(url.expose_secret().ends_with("state=ours"));
}

#[tokio::test]
async fn too_many_stray_redirects_end_the_wait() {
    let mut listener = LoopbackListener::bind(&configured(), false).await.unwrap();
    listener.expect_state("ours");
    let port = listener.redirect_uri().port().unwrap();
    let waiter = tokio::spawn(listener.wait(Duration::from_secs(5)));
    for _ in 0..MAX_STRAY_REDIRECTS {
        get(port, "/callback?code=x&state=theirs").await;
    }
    let err = waiter.await.unwrap().unwrap_err();
    assert!(matches!(err, Error::BadCallback { .. }), "{err}");
}

#[tokio::test]
async fn cancelling_closes_the_port_at_once() {
    let listener = LoopbackListener::bind(&configured(), false).await.unwrap();
    let port = listener.redirect_uri().port().unwrap();
    let cancel = listener.canceller();
    let waiter = tokio::spawn(listener.wait(Duration::from_secs(600)));
    cancel.notify_one();
    let err = tokio::time::timeout(Duration::from_secs(2), waiter)
        .await
        .expect("the wait ends at once")
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::AccessDenied { .. }), "{err}");
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
}

#[tokio::test]
async fn an_ipv6_loopback_redirect_is_served_on_ipv6() {
    let configured = Url::parse("http://[::1]/callback").unwrap();
    let Ok(listener) = LoopbackListener::bind(&configured, false).await else {
        return; // no IPv6 on this machine: nothing to serve
    };
    let addr = listener.listener.local_addr().unwrap();
    assert!(addr.is_ipv6() && addr.ip().is_loopback());
    assert_eq!(listener.redirect_uri().host_str(), Some("[::1]"));
}
