//! A WeChat website QR login in progress. It lives here, not beside its handlers, because
//! the shared state stores it.

use tokio::sync::watch;

use crate::core::records::Consent;

/// Where a QR login stands, as the long-poll reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QrStatus {
    /// 408: nobody scanned yet.
    Waiting,
    /// 404: scanned, waiting for Confirm.
    Scanned,
    /// 403: the person pressed Cancel.
    Cancelled,
    /// 405: confirmed, with the code for the site.
    Confirmed(String),
}

impl QrStatus {
    pub fn errcode(&self) -> i64 {
        match self {
            QrStatus::Waiting => 408,
            QrStatus::Scanned => 404,
            QrStatus::Cancelled => 403,
            QrStatus::Confirmed(_) => 405,
        }
    }
}

pub struct QrSession {
    pub consent: Consent,
    pub status: QrStatus,
    /// Bumped on every status change; long-polls wait on it.
    notify: watch::Sender<u64>,
}

impl QrSession {
    /// A session nobody has scanned yet.
    pub fn waiting(consent: Consent) -> Self {
        let (notify, _) = watch::channel(0);
        Self {
            consent,
            status: QrStatus::Waiting,
            notify,
        }
    }

    pub fn set(&mut self, status: QrStatus) {
        self.status = status;
        self.notify.send_modify(|v| *v += 1);
    }

    /// Wakes on the next status change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.notify.subscribe()
    }
}
