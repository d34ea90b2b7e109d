//! How many live-status streams may be open: two per ticket (a page and its reload), a few
//! per client address, and a ceiling for the instance. Each open stream holds a socket and a
//! hub subscription; one over a cap is refused at once instead of left waiting.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use crate::metrics;

/// Streams one ticket may have open at once.
pub const PER_TICKET: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamCaps {
    pub per_client: usize,
    pub max: usize,
}

#[derive(Default)]
struct Open {
    total: usize,
    per_ticket: HashMap<String, usize>,
    per_client: HashMap<IpAddr, usize>,
}

/// The counts of open streams, shared by every request of the instance.
pub struct StreamGate {
    caps: StreamCaps,
    open: Mutex<Open>,
}

/// One open stream's place, given back when it is dropped (the stream ended or the client
/// went away).
pub struct StreamPermit {
    gate: Arc<StreamGate>,
    ticket: String,
    client: IpAddr,
}

impl StreamGate {
    pub fn new(caps: StreamCaps) -> Arc<Self> {
        Arc::new(Self {
            caps,
            open: Mutex::new(Open::default()),
        })
    }

    /// A place for one more stream, or `None` when a cap is reached.
    pub fn admit(self: &Arc<Self>, ticket: &str, client: IpAddr) -> Option<StreamPermit> {
        let mut open = self.lock();
        let on_ticket = open.per_ticket.get(ticket).copied().unwrap_or(0);
        let from_client = open.per_client.get(&client).copied().unwrap_or(0);
        if open.total >= self.caps.max
            || on_ticket >= PER_TICKET
            || from_client >= self.caps.per_client
        {
            return None;
        }
        open.total += 1;
        metrics::qr_page_waiting();
        *open.per_ticket.entry(ticket.to_string()).or_default() += 1;
        *open.per_client.entry(client).or_default() += 1;
        Some(StreamPermit {
            gate: self.clone(),
            ticket: ticket.to_string(),
            client,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        // The counts stay consistent even if a holder panicked: each update is one statement.
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut open = self.gate.lock();
        open.total = open.total.saturating_sub(1);
        metrics::qr_page_left();
        release(&mut open.per_ticket, &self.ticket);
        release(&mut open.per_client, &self.client);
    }
}

/// One fewer under `key`, forgetting keys that reach zero so the maps hold only open streams.
fn release<K: std::hash::Hash + Eq + Clone>(counts: &mut HashMap<K, usize>, key: &K) {
    if let Some(n) = counts.get_mut(key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            counts.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_and_places_come_back() {
        let gate = StreamGate::new(StreamCaps {
            per_client: 3,
            max: 4,
        });
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        let first = gate.admit("t1", a).expect("first");
        let _second = gate.admit("t1", a).expect("second");
        assert!(gate.admit("t1", a).is_none(), "two per ticket");
        let _third = gate.admit("t2", a).expect("another ticket");
        assert!(gate.admit("t3", a).is_none(), "three per client");
        let _fourth = gate.admit("t3", b).expect("another client");
        assert!(gate.admit("t4", b).is_none(), "four in all");
        drop(first);
        assert!(gate.admit("t1", b).is_some());
        assert_eq!(gate.lock().per_ticket.len(), 3);
    }
}
