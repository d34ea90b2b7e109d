//! Remembers where each consumed callback went, for a minute.
//!
//! WeChat's in-app browser sometimes requests the callback twice with the same code, one
//! right after (or while) the other. The first request consumes the state and the code; the
//! second would otherwise end on "this sign-in link has been used" although the person is
//! signed in. Here the second one waits for the first to finish and goes where it went.
//!
//! A repeat is the same provider, state and code again: a request with the state and any
//! other code is not one. The first request may have moved the browser to a new session id
//! (a sign-in does), and its answer, which set that cookie, may never have reached the
//! browser. A repeat that comes with the session id the first one retired *and* the random
//! key the starting browser was given in a cookie ([`browser_key_hash`]) is the same
//! browser: it is handed the new id. A planted session id is not enough: whoever planted it
//! never saw that key. Anyone else with the link gets the destination path only, which signs
//! nobody in and reveals nothing the holder of the link did not already have. Keys are
//! stored hashed. The record is per process; behind several instances, sticky
//! sessions keep a browser on one.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::watch;
use tower_sessions::session::Id;

/// Beyond this many remembered callbacks (a flood), new ones are not remembered.
const MAX_ENTRIES: usize = 10_000;
/// How long a replay waits for the first request to finish.
const MAX_WAIT: Duration = Duration::from_secs(20);

/// One callback request, hashed: its provider and state, and its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallbackKey {
    state: [u8; 32],
    code: [u8; 32],
}

impl CallbackKey {
    pub fn new(provider: &str, state: &str, code: &str) -> Self {
        Self {
            state: digest(&[provider, state]),
            code: digest(&[code]),
        }
    }
}

fn digest(parts: &[&str]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in parts {
        // Length-prefixed, so no two different lists hash the same bytes.
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().into()
}

struct Entry {
    at: Instant,
    code: [u8; 32],
    outcome: watch::Receiver<Option<Outcome>>,
}

/// The hash kept of a browser's start key (stored with the state, compared on a repeat).
pub fn browser_key_hash(key: &str) -> String {
    digest(&["browser", key])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where the first request sent the browser, the session id it moved it from and to, and
/// the hash of the starting browser's key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub location: String,
    pub moved: Option<(Id, Id)>,
    pub browser: Option<String>,
}

impl Outcome {
    /// The new session id for a repeat that arrived with the retired one and the starting
    /// browser's key, and only for it.
    pub fn session_for(&self, arrived_with: Option<Id>, browser_key: Option<&str>) -> Option<Id> {
        let same_browser = match (&self.browser, browser_key) {
            (Some(expected), Some(key)) => {
                bool::from(expected.as_bytes().ct_eq(browser_key_hash(key).as_bytes()))
            }
            _ => false,
        };
        self.moved
            .filter(|(from, _)| same_browser && Some(*from) == arrived_with)
            .map(|(_, to)| to)
    }
}

#[derive(Default)]
pub struct CallbackReplays {
    ttl: Duration,
    /// By provider and state: a state is used by one request, and repeated by the same code.
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

/// The first request with a state: it does the work and reports where it went.
pub struct Completion {
    sender: Option<watch::Sender<Option<Outcome>>>,
}

impl Completion {
    pub fn finish(mut self, outcome: Outcome) {
        if let Some(sender) = self.sender.take() {
            // Nobody waiting is fine.
            let _ = sender.send(Some(outcome));
        }
    }
}

/// A later request with the same state: where the first one went, once it is known.
pub struct Replay(watch::Receiver<Option<Outcome>>);

impl Replay {
    /// The first request's outcome; `None` if it failed to say within the wait.
    pub async fn outcome(mut self) -> Option<Outcome> {
        let waited = tokio::time::timeout(MAX_WAIT, self.0.wait_for(Option::is_some)).await;
        match waited {
            Ok(Ok(value)) => value.clone(),
            _ => None,
        }
    }
}

pub enum Claim {
    First(Completion),
    /// The same request again.
    Again(Replay),
    /// The state is being used with another code.
    Taken,
}

impl CallbackReplays {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Entry>> {
        // A panic while holding this lock leaves only a map of hashes: keep using it.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Claims a callback whose state this session holds. Two requests of one session that
    /// both read the state before either saved its removal meet here: only one goes on.
    pub fn claim(&self, key: CallbackKey) -> Claim {
        let now = Instant::now();
        let mut entries = self.lock();
        entries.retain(|_, e| now.duration_since(e.at) < self.ttl);
        if let Some(entry) = entries.get(&key.state) {
            return if entry.code == key.code {
                Claim::Again(Replay(entry.outcome.clone()))
            } else {
                Claim::Taken
            };
        }
        let (sender, receiver) = watch::channel(None);
        if entries.len() < MAX_ENTRIES {
            entries.insert(
                key.state,
                Entry {
                    at: now,
                    code: key.code,
                    outcome: receiver,
                },
            );
        }
        Claim::First(Completion {
            sender: Some(sender),
        })
    }

    /// A recent callback with this key, if there was one.
    pub fn recall(&self, key: CallbackKey) -> Option<Replay> {
        let now = Instant::now();
        self.lock()
            .get(&key.state)
            .filter(|e| e.code == key.code && now.duration_since(e.at) < self.ttl)
            .map(|e| Replay(e.outcome.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(state: &str) -> CallbackKey {
        CallbackKey::new("wechat", state, "code")
    }

    #[tokio::test]
    async fn a_second_request_goes_where_the_first_went() {
        let replays = CallbackReplays::new(Duration::from_secs(60));
        let Claim::First(first) = replays.claim(key("state-1")) else {
            panic!("the first claim does the work");
        };
        let Claim::Again(waiting) = replays.claim(key("state-1")) else {
            panic!("a second claim waits");
        };
        let later = replays.recall(key("state-1")).expect("remembered");
        let wait = tokio::spawn(waiting.outcome());
        let outcome = Outcome {
            location: "/account".to_string(),
            moved: None,
            browser: None,
        };
        first.finish(outcome.clone());
        assert_eq!(wait.await.expect("joins"), Some(outcome.clone()));
        assert_eq!(later.outcome().await, Some(outcome));
        assert!(replays.recall(key("state-2")).is_none());
        // The state with another code is not a repeat, and cannot use the state again.
        let forged = CallbackKey::new("wechat", "state-1", "other");
        assert!(replays.recall(forged).is_none());
        assert!(matches!(replays.claim(forged), Claim::Taken));
        assert_ne!(
            CallbackKey::new("wechat", "ab", "c"),
            CallbackKey::new("wechat", "a", "bc")
        );
    }

    #[tokio::test]
    async fn a_first_request_that_gives_up_releases_the_waiters() {
        let replays = CallbackReplays::new(Duration::from_secs(60));
        let Claim::First(first) = replays.claim(key("s")) else {
            panic!("first");
        };
        drop(first);
        let replay = replays.recall(key("s")).expect("remembered");
        assert_eq!(replay.outcome().await, None);
    }

    #[tokio::test]
    async fn callbacks_are_forgotten_after_their_time() {
        let replays = CallbackReplays::new(Duration::ZERO);
        let Claim::First(first) = replays.claim(key("s")) else {
            panic!("first");
        };
        first.finish(Outcome {
            location: "/x".to_string(),
            moved: None,
            browser: None,
        });
        assert!(replays.recall(key("s")).is_none());
        assert!(matches!(replays.claim(key("s")), Claim::First(_)));
    }

    #[test]
    fn only_the_retired_session_of_the_starting_browser_is_handed_the_new_one() {
        let (from, to) = (Id::default(), Id::default());
        let outcome = Outcome {
            location: "/account".to_string(),
            moved: Some((from, to)),
            browser: Some(browser_key_hash("key")),
        };
        assert_eq!(outcome.session_for(Some(from), Some("key")), Some(to));
        assert_eq!(outcome.session_for(Some(Id::default()), Some("key")), None);
        assert_eq!(outcome.session_for(None, Some("key")), None);
        assert_eq!(
            outcome.session_for(Some(from), None),
            None,
            "a planted id alone"
        );
        assert_eq!(outcome.session_for(Some(from), Some("guess")), None);
    }
}
