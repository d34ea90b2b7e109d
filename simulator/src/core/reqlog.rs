//! The recent requests the simulator received, secrets masked, for `GET /control/requests`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde::Serialize;

use crate::core::mask::mask;

const CAPACITY: usize = 500;

/// Parameters whose values are secrets or bearer tokens.
const SECRET_KEYS: [&str; 6] = [
    "secret",
    "client_secret",
    "appsecret",
    "appkey",
    "access_token",
    "refresh_token",
];

#[derive(Clone, Serialize)]
pub struct LogEntry {
    /// Unix time in milliseconds.
    pub at_ms: u128,
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub form: BTreeMap<String, String>,
    pub status: u16,
    /// The injected fault's kind, if one was applied.
    pub fault: Option<&'static str>,
}

#[derive(Default)]
pub struct RequestLog {
    entries: Mutex<VecDeque<LogEntry>>,
}

impl RequestLog {
    pub fn push(&self, entry: LogEntry) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub fn recent(&self) -> Vec<LogEntry> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

/// The parameters as the log shows them, secrets masked.
pub fn masked(pairs: Vec<(String, String)>) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            let v = if SECRET_KEYS.contains(&k.as_str()) {
                mask(&v)
            } else {
                v
            };
            (k, v)
        })
        .collect()
}
