//! Everything the simulator remembers, shared by all handlers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::core::auto::AutoApprovals;
use crate::core::config::SimConfig;
use crate::core::faults::Faults;
use crate::core::qr_session::QrSession;
use crate::core::records::{AccessToken, Code, Consent, RefreshToken};
use crate::core::reqlog::RequestLog;
use crate::core::store::Store;
use crate::core::users::Users;

pub type Shared = Arc<SimState>;

/// Upper bounds on what is kept: old entries are evicted first.
const MAX_CODES: usize = 1_000_000;
const MAX_TOKENS: usize = 2_000_000;
const MAX_PENDING: usize = 200_000;

pub struct SimState {
    pub config: SimConfig,
    pub users: Users,
    pub codes: Store<String, Code>,
    pub access_tokens: Store<String, AccessToken>,
    pub refresh_tokens: Store<String, RefreshToken>,
    pub qr_sessions: Store<String, QrSession>,
    pub consents: Store<String, Consent>,
    pub auto: AutoApprovals,
    pub faults: Faults,
    pub log: RequestLog,
    /// Who "holds the phone": the user silent Official Account logins use.
    phone_user: AtomicU64,
}

impl SimState {
    pub fn new(config: SimConfig) -> Self {
        let users = Users::seeded();
        let first = users.first_id().unwrap_or(1);
        Self {
            config,
            users,
            codes: Store::new(MAX_CODES),
            access_tokens: Store::new(MAX_TOKENS),
            refresh_tokens: Store::new(MAX_TOKENS),
            qr_sessions: Store::new(MAX_PENDING),
            consents: Store::new(MAX_PENDING),
            auto: AutoApprovals::default(),
            faults: Faults::default(),
            log: RequestLog::default(),
            phone_user: AtomicU64::new(first),
        }
    }

    pub fn phone_user(&self) -> u64 {
        self.phone_user.load(Ordering::Relaxed)
    }

    pub fn set_phone_user(&self, id: u64) {
        self.phone_user.store(id, Ordering::Relaxed);
    }

    /// The control API's reset: back to a freshly started simulator.
    pub fn reset(&self) {
        self.users.reset();
        self.codes.clear();
        self.access_tokens.clear();
        self.refresh_tokens.clear();
        self.qr_sessions.clear();
        self.consents.clear();
        self.auto.clear();
        self.faults.clear();
        self.log.clear();
        self.set_phone_user(self.users.first_id().unwrap_or(1));
    }
}
