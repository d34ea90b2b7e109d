//! Injected faults: which endpoints should fail next, and how. `fault_layer` applies them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::core::web::json_error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    Error,
    Delay,
    Status,
    Malformed,
    Truncated,
    Drop,
    StringNumbers,
}

impl FaultKind {
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Error => "error",
            FaultKind::Delay => "delay",
            FaultKind::Status => "status",
            FaultKind::Malformed => "malformed",
            FaultKind::Truncated => "truncated",
            FaultKind::Drop => "drop",
            FaultKind::StringNumbers => "string_numbers",
        }
    }
}

/// The control API's request body.
#[derive(Debug, Deserialize)]
pub struct FaultSpec {
    pub endpoint: String,
    pub kind: FaultKind,
    pub code: Option<i64>,
    pub delay_ms: Option<u64>,
    pub status: Option<u16>,
    /// How many requests get the fault; 0 means until reset. Default 1.
    pub count: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct Fault {
    pub kind: FaultKind,
    pub code: i64,
    pub delay: Duration,
    pub status: StatusCode,
    /// `None`: until reset.
    remaining: Option<u32>,
}

/// Marks a response that carries an injected fault (read by the request log).
#[derive(Clone, Copy)]
pub struct FaultApplied(pub &'static str);

#[derive(Default)]
pub struct Faults {
    by_endpoint: Mutex<HashMap<String, Fault>>,
    /// Fast path: most requests run with no fault set and skip the lock.
    active: AtomicUsize,
}

#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    #[error("status must be between 400 and 599")]
    BadStatus,
    #[error("endpoint must name a provider path such as api.weixin.qq.com/sns/oauth2/access_token")]
    BadEndpoint,
}

/// `/api.weixin.qq.com/sns/auth` and `api.weixin.qq.com/sns/auth` name the same endpoint.
pub fn endpoint_key(path: &str) -> String {
    path.trim_matches('/').to_owned()
}

impl Faults {
    pub fn set(&self, spec: FaultSpec) -> Result<(), FaultError> {
        let endpoint = endpoint_key(&spec.endpoint);
        if endpoint.is_empty() || endpoint.starts_with("control") {
            return Err(FaultError::BadEndpoint);
        }
        let status = StatusCode::from_u16(spec.status.unwrap_or(503))
            .ok()
            .filter(|s| s.is_client_error() || s.is_server_error())
            .ok_or(FaultError::BadStatus)?;
        let fault = Fault {
            kind: spec.kind,
            code: spec.code.unwrap_or(-1),
            delay: Duration::from_millis(spec.delay_ms.unwrap_or(3000)),
            status,
            remaining: match spec.count.unwrap_or(1) {
                0 => None,
                n => Some(n),
            },
        };
        let mut map = self.lock();
        map.insert(endpoint, fault);
        self.active.store(map.len(), Ordering::Release);
        Ok(())
    }

    pub fn clear(&self) {
        let mut map = self.lock();
        map.clear();
        self.active.store(0, Ordering::Release);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Fault>> {
        self.by_endpoint.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The fault for this request, counting it down.
    pub fn take(&self, endpoint: &str) -> Option<Fault> {
        if self.active.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut map = self.lock();
        let fault = map.get_mut(endpoint)?;
        let taken = fault.clone();
        if let Some(remaining) = &mut fault.remaining {
            *remaining -= 1;
            if *remaining == 0 {
                map.remove(endpoint);
            }
        }
        self.active.store(map.len(), Ordering::Release);
        Some(taken)
    }
}

impl IntoResponse for FaultError {
    fn into_response(self) -> Response {
        json_error(StatusCode::BAD_REQUEST, &self.to_string())
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_and_forgets() {
        let faults = Faults::default();
        let spec = |count| FaultSpec {
            endpoint: "/graph.qq.com/oauth2.0/me".into(),
            kind: FaultKind::Malformed,
            code: None,
            delay_ms: None,
            status: None,
            count,
        };
        faults.set(spec(Some(2))).expect("valid fault");
        assert!(faults.take("graph.qq.com/oauth2.0/me").is_some());
        assert!(faults.take("graph.qq.com/oauth2.0/me").is_some());
        assert!(faults.take("graph.qq.com/oauth2.0/me").is_none());
        faults.set(spec(Some(0))).expect("valid fault");
        for _ in 0..5 {
            assert!(faults.take("graph.qq.com/oauth2.0/me").is_some());
        }
        faults.clear();
        assert!(faults.take("graph.qq.com/oauth2.0/me").is_none());
    }
}
