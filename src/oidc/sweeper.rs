//! What the provider keeps only while it can matter: waiting requests and codes past their
//! life, tokens a day after they expired or were revoked (a reuse of a spent refresh token
//! must still find its family until the family has expired).

use std::sync::Arc;

use chrono::Utc;
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter};

use crate::entities::{oidc_code, oidc_login, oidc_request, oidc_token};
use crate::oidc::provider::Oidc;

const GRACE: chrono::Duration = chrono::Duration::days(1);

impl Oidc {
    /// Every few minutes, for as long as the server runs.
    pub fn spawn_sweeper(self: &Arc<Self>) {
        let oidc = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(std::time::Duration::from_secs(300));
            loop {
                ticker.tick().await;
                let Some(oidc) = oidc.upgrade() else { return };
                if let Err(e) = oidc.sweep().await {
                    tracing::warn!(error = %e, "cannot sweep spent OpenID Connect records");
                }
            }
        });
    }

    pub async fn sweep(&self) -> Result<(), DbErr> {
        let now = Utc::now();
        oidc_request::Entity::delete_many()
            .filter(oidc_request::Column::ExpiresAt.lt(now))
            .exec(&self.db)
            .await?;
        // A used code is kept a while, so that a late second use still revokes its tokens.
        oidc_code::Entity::delete_many()
            .filter(oidc_code::Column::ExpiresAt.lt(now - GRACE))
            .exec(&self.db)
            .await?;
        oidc_token::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(oidc_token::Column::ExpiresAt.lt(now - GRACE))
                    .add(oidc_token::Column::RevokedAt.lt(now - GRACE)),
            )
            .exec(&self.db)
            .await?;
        // A session's sign-ins are worth keeping as long as the session may live.
        oidc_login::Entity::delete_many()
            .filter(oidc_login::Column::CreatedAt.lt(now - self.settings.session_life - GRACE))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
