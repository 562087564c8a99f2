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
