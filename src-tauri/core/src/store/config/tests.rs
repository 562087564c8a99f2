use super::*;

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tokendeck-config-{}",
        crate::pkce::random_url_safe()
    ));
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn sample() -> ConfigFile {
    ConfigFile {
        accounts: vec![AccountRecord {
            id: "a1".into(),
            provider_id: "p1".into(),
            label: "alice".into(),
            kind: AccountKind::User,
            subject: Some("sub".into()),
            username: Some("alice".into()),
            email: None,
            created_at: 1,
            status: AccountStatus::SignInAgain {
                reason: "expired".into(),
            },
            sign_in: SignInMethod::Browser,
            refresh_expires_at: None,
            keep_fresh: None,
        }],
        ..ConfigFile::default()
    }
}

#[test]
fn missing_file_loads_empty_and_save_round_trips() {
    let store = ConfigStore::new(temp_dir().join("nested"));
    let loaded = store.load().unwrap();
    assert_eq!(loaded.config, ConfigFile::default());
    assert!(loaded.notice.is_none());
    store.save(&sample()).unwrap();
    assert_eq!(store.load().unwrap().config, sample());
    let leftovers: Vec<_> = fs::read_dir(store.dir.clone()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temp file left behind");
}

#[test]
fn corrupt_file_is_moved_aside_with_a_notice() {
    let dir = temp_dir();
    let store = ConfigStore::new(&dir);
    fs::write(store.path(), b"{ not json").unwrap();
    let loaded = store.load().unwrap();
    assert_eq!(loaded.config, ConfigFile::default());
    let notice = loaded.notice.unwrap();
    assert!(
        notice.contains("not valid JSON") && notice.contains("moved to"),
        "{notice}"
    );
    let aside: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("config.json.unreadable-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(
        fs::read(dir.join(&aside[0])).unwrap(),
        b"{ not json",
        "the bad file is kept intact"
    );
}

#[test]
fn unknown_version_is_moved_aside_not_misread() {
    let dir = temp_dir();
    let store = ConfigStore::new(&dir);
    fs::write(store.path(), br#"{"version": 99, "providers": []}"#).unwrap();
    let loaded = store.load().unwrap();
    assert!(loaded.notice.unwrap().contains("version 99"));
    assert!(!store.path().exists());
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn the_directory_and_every_file_are_private_from_creation() {
    use std::os::unix::fs::PermissionsExt;
    let parent = temp_dir();
    let dir = parent.join("io.github.tokendeck");
    let store = ConfigStore::new(&dir);
    store.save(&sample()).unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&store.path()), 0o600);
    let _lock = store.lock().await.unwrap();
    assert_eq!(mode(&dir.join(LOCK_FILE_NAME)), 0o600);
    let _account = store.lock_account(&"a1".into()).await.unwrap();
    assert_eq!(mode(&dir.join("locks")), 0o700);
    assert_eq!(mode(&dir.join("locks/a1.lock")), 0o600);

    // A directory left world-readable by an older version is narrowed on the next write; a
    // stale temp file is replaced, not reused with its old mode.
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    let stale = dir.join(format!(".{FILE_NAME}.tmp-{}", std::process::id()));
    fs::write(&stale, "old").unwrap();
    fs::set_permissions(&stale, fs::Permissions::from_mode(0o644)).unwrap();
    store.save(&sample()).unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&store.path()), 0o600);
    assert!(!stale.exists());
}

#[test]
fn an_id_that_could_be_a_path_is_refused_and_the_file_kept_aside() {
    let dir = temp_dir();
    let store = ConfigStore::new(&dir);
    for bad in ["../../x", "a/b", "", "x.lock", &"a".repeat(65)] {
        let mut config = sample();
        config.accounts[0].id = bad.into();
        fs::write(store.path(), serde_json::to_vec(&config).unwrap()).unwrap();
        let OnDisk::MovedAside { notice } = store.read().unwrap() else {
            panic!("{bad:?} was accepted");
        };
        assert!(
            notice.contains("not a Tokendeck id") && notice.contains("alice"),
            "{notice}"
        );
        assert!(!store.path().exists());
    }
    let mut config = sample();
    config.accounts[0].provider_id = "../p".into();
    fs::write(store.path(), serde_json::to_vec(&config).unwrap()).unwrap();
    assert!(matches!(store.read().unwrap(), OnDisk::MovedAside { .. }));
}

#[tokio::test]
async fn a_lock_held_elsewhere_is_waited_for_a_bounded_time_and_named() {
    let dir = temp_dir();
    let store = ConfigStore::new(&dir).with_lock_timeout(std::time::Duration::from_millis(300));
    let held = store.lock().await.unwrap();
    let started = std::time::Instant::now();
    let err = store.lock().await.unwrap_err();
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let text = err.to_string();
    assert!(
        text.contains("the settings file") && text.contains(&format!("pid {}", std::process::id())),
        "{text}"
    );
    drop(held);
    store.lock().await.unwrap();

    let _account = store.lock_account(&"a1".into()).await.unwrap();
    let err = store.lock_account(&"a1".into()).await.unwrap_err();
    assert!(err.to_string().contains("this account"), "{err}");
}
