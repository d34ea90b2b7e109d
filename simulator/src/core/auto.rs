//! Pre-set answers for authorize requests, set by the control API and used by the
//! consent step; kept in the shared state.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::core::records::App;

/// A pre-set answer for the next authorize request of one provider.
#[derive(Clone, Copy, Debug)]
pub struct Auto {
    pub user: Option<u64>,
    pub deny: bool,
    pub always: bool,
}

#[derive(Default)]
pub struct AutoApprovals {
    by_app: Mutex<HashMap<App, Auto>>,
}

impl AutoApprovals {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<App, Auto>> {
        self.by_app.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set(&self, app: App, auto: Auto) {
        self.lock().insert(app, auto);
    }

    /// The answer for this request; a one-shot answer is used up.
    pub fn take(&self, app: App) -> Option<Auto> {
        let mut map = self.lock();
        let auto = *map.get(&app)?;
        if !auto.always {
            map.remove(&app);
        }
        Some(auto)
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}
