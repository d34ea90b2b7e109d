//! A bounded in-memory map whose entries expire.
//!
//! Expired entries stay for a grace period so that a late use gets the provider's
//! "expired" error rather than "invalid"; then they are swept. Sweeping pops a
//! time-ordered queue on every insert, so no request ever scans the whole map.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an expired entry is remembered before it is forgotten.
const GRACE: Duration = Duration::from_secs(15 * 60);

/// What a lookup found.
pub enum Lookup<'a, V> {
    Missing,
    Expired(&'a mut V),
    Live(&'a mut V),
}

struct Entry<V> {
    value: V,
    expires_at: Instant,
}

struct Inner<K, V> {
    map: HashMap<K, Entry<V>>,
    /// (purge time, key) in insertion order; lifetimes per store are nearly uniform,
    /// so this is close to sorted, and any disorder only delays a purge.
    queue: VecDeque<(Instant, K)>,
}

pub struct Store<K, V> {
    inner: Mutex<Inner<K, V>>,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V> Store<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                queue: VecDeque::new(),
            }),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn insert(&self, key: K, value: V, lifetime: Duration) {
        let now = Instant::now();
        let expires_at = now + lifetime;
        let mut inner = self.lock();
        sweep(&mut inner, now, self.capacity);
        inner.queue.push_back((expires_at + GRACE, key.clone()));
        inner.map.insert(key, Entry { value, expires_at });
    }

    /// Runs `f` on the entry under the lock (keep `f` short; never await inside).
    pub fn with<R>(&self, key: &K, f: impl FnOnce(Lookup<'_, V>) -> R) -> R {
        let now = Instant::now();
        let mut inner = self.lock();
        match inner.map.get_mut(key) {
            None => f(Lookup::Missing),
            Some(entry) if entry.expires_at <= now => f(Lookup::Expired(&mut entry.value)),
            Some(entry) => f(Lookup::Live(&mut entry.value)),
        }
    }

    /// Removes and returns a live entry.
    pub fn take_live(&self, key: &K) -> Option<V> {
        let now = Instant::now();
        let mut inner = self.lock();
        match inner.map.get(key) {
            Some(entry) if entry.expires_at > now => inner.map.remove(key).map(|e| e.value),
            _ => None,
        }
    }

    /// When a live entry expires.
    pub fn expires_at(&self, key: &K) -> Option<Instant> {
        self.lock().map.get(key).map(|e| e.expires_at)
    }

    /// Marks every entry expired now (the control API's `expire`).
    pub fn expire_all(&self) -> usize {
        let now = Instant::now();
        let mut inner = self.lock();
        let mut count = 0;
        for entry in inner.map.values_mut() {
            if entry.expires_at > now {
                entry.expires_at = now;
                count += 1;
            }
        }
        count
    }

    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.map.clear();
        inner.queue.clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().map.len()
    }
}

fn sweep<K: Eq + Hash + Clone, V>(inner: &mut Inner<K, V>, now: Instant, capacity: usize) {
    while let Some((purge_at, _)) = inner.queue.front() {
        let over_capacity = inner.map.len() >= capacity;
        if *purge_at > now && !over_capacity {
            break;
        }
        let Some((_, key)) = inner.queue.pop_front() else {
            break;
        };
        let Some(entry) = inner.map.get(&key) else {
            continue;
        };
        let entry_purge_at = entry.expires_at + GRACE;
        if entry_purge_at <= now || over_capacity {
            inner.map.remove(&key);
        } else {
            // The key was re-inserted or its expiry moved: check again later.
            inner.queue.push_back((entry_purge_at, key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_expired_and_missing() {
        let store: Store<String, u32> = Store::new(100);
        store.insert("a".into(), 1, Duration::from_secs(60));
        store.insert("b".into(), 2, Duration::ZERO);
        assert!(store.with(&"a".into(), |l| matches!(l, Lookup::Live(v) if *v == 1)));
        assert!(store.with(&"b".into(), |l| matches!(l, Lookup::Expired(v) if *v == 2)));
        assert!(store.with(&"c".into(), |l| matches!(l, Lookup::Missing)));
        assert_eq!(store.expire_all(), 1);
        assert!(store.with(&"a".into(), |l| matches!(l, Lookup::Expired(_))));
        assert!(store.take_live(&"a".into()).is_none());
    }

    #[test]
    fn capacity_evicts_oldest() {
        let store: Store<u32, u32> = Store::new(3);
        for i in 0..10 {
            store.insert(i, i, Duration::from_secs(60));
        }
        assert!(store.len() <= 3);
        assert!(store.with(&9, |l| matches!(l, Lookup::Live(_))));
        assert!(store.with(&0, |l| matches!(l, Lookup::Missing)));
    }
}
