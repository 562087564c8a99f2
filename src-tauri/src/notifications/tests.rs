//! What notifications say, and how the keeper's notes are gathered.

use std::time::Duration;

use super::*;
use tokendeck_core::wire::WireError;

fn failed(next: AfterFailure, failures: u32) -> KeeperEvent {
    KeeperEvent::RefreshFailed {
        account_id: "a1".into(),
        label: "alice".into(),
        error: WireError::from(&tokendeck_core::Error::Provider {
            error: "invalid_request".into(),
            description: Some("<a href=\"https://evil.example\">re-authenticate here</a>".into()),
        }),
        failures,
        next,
    }
}

#[test]
fn a_failure_streak_notifies_once_and_an_ended_session_always() {
    let first = Note::of(
        &failed(AfterFailure::RetryIn(Duration::from_secs(15)), 1),
        0,
    )
    .unwrap();
    assert_eq!(first.summary(), "alice: background refresh failed");
    assert_eq!(
        first.body,
        "The refresh did not succeed. Tokendeck tries again in 15 s."
    );
    assert_eq!(
        Note::of(
            &failed(AfterFailure::RetryIn(Duration::from_secs(30)), 2),
            0
        ),
        None
    );
    let ended = Note::of(&failed(AfterFailure::SignInAgain, 3), 0).unwrap();
    assert_eq!(ended.summary(), "alice: sign in again");
    let paused = Note::of(&failed(AfterFailure::FixClient, 1), 0).unwrap();
    assert!(paused.body.contains("check its secret"), "{}", paused.body);
    assert_eq!(
        Note::of(
            &KeeperEvent::Refreshed {
                account_id: "a1".into()
            },
            0
        ),
        None
    );
}

#[test]
fn provider_text_never_reaches_the_notification_server() {
    for next in [
        AfterFailure::SignInAgain,
        AfterFailure::FixClient,
        AfterFailure::RetryIn(Duration::from_secs(15)),
    ] {
        let note = Note::of(&failed(next, 1), 0).unwrap();
        assert!(
            !note.body.contains("evil") && !note.body.contains('<'),
            "{}",
            note.body
        );
    }
    assert_eq!(
        plain("<b>bob</b> & co\n"),
        "&lt;b&gt;bob&lt;/b&gt; &amp; co"
    );
}

#[test]
fn a_deadline_says_how_long_is_left() {
    let near = |left: u64| {
        Note::of(
            &KeeperEvent::DeadlineNear {
                account_id: "a1".into(),
                label: "alice".into(),
                expires_at: 1000 + left,
            },
            1000,
        )
        .unwrap()
        .body
    };
    assert!(near(90).contains("expires in 2 minutes"));
    assert!(near(5 * 3600).contains("expires in 5 hours"));
    assert!(near(3 * 86_400).contains("expires in 3 days"));
    assert!(near(0).contains("expires now"));
}

#[test]
fn the_same_news_for_several_accounts_is_one_note_naming_them() {
    let failure = |label: &str| {
        Note::of(
            &KeeperEvent::RefreshFailed {
                account_id: format!("id-{label}").as_str().into(),
                label: label.into(),
                error: WireError::from(&tokendeck_core::Error::Timeout {
                    what: "the token endpoint",
                    seconds: 30,
                }),
                failures: 1,
                next: AfterFailure::RetryIn(Duration::from_secs(15)),
            },
            0,
        )
        .unwrap()
    };
    let deadline = Note::of(
        &KeeperEvent::DeadlineNear {
            account_id: "id-dana".into(),
            label: "dana".into(),
            expires_at: 3600,
        },
        0,
    )
    .unwrap();
    let notes = ["alice", "<b>bob</b>", "carol", "erin", "finn"]
        .map(failure)
        .into_iter()
        .chain([deadline.clone()])
        .collect();
    let shown = Note::gathered(notes);
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert_eq!(shown[0].summary(), "5 accounts: background refresh failed");
    assert_eq!(
        shown[0].body,
        "alice, &lt;b&gt;bob&lt;/b&gt;, carol and 2 more. Open Tokendeck to see each one."
    );
    assert_eq!(shown[0].account_id, None, "a click brings the window up");
    assert_eq!(shown[1], deadline, "one account's news is shown as it is");
    assert_eq!(
        Note::gathered(vec![failure("alice")]),
        vec![failure("alice")]
    );
}

#[test]
fn gathered_notes_wait_for_a_quiet_moment_but_not_forever() {
    let first = Instant::now();
    // One note: shown after the quiet time.
    assert_eq!(shown_at(first, first), first + QUIET);
    // A burst, one a second for 10 s (after a sleep): shown 2 s after the last.
    let last = first + Duration::from_secs(10);
    assert_eq!(shown_at(first, last), last + QUIET);
    // Notes that never stop: shown at the longest wait.
    assert_eq!(
        shown_at(first, first + Duration::from_secs(300)),
        first + LONGEST_WAIT
    );
}
