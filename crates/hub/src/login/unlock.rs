//! Unlocking a locked console with a TOTP code instead of the password.
//!
//! The console cannot check a code itself (the secret stays at the hub), so it asks here with
//! its session. The code is held to the same rules as at login: the lockout counter, replay
//! protection (a code unlocks once and cannot then be used to log in), and the audit log.

use std::net::IpAddr;

use rampart_audit::{Action, Actor, AuditEvent};
use rampart_auth::totp::{Totp, TotpSecret};
use rampart_auth::{SecretBytes, SecretString};
use rampart_protocol::AgentId;

use super::{Login, LoginError, account_target};

impl Login {
    /// Checks a TOTP code for the signed-in `agent` whose console is locked. A right code is
    /// recorded as used and gives its own attempt back (earlier failures stay counted: one
    /// factor does not forgive them); a wrong or replayed one counts towards the lockout like
    /// a failed login.
    pub async fn confirm_code(
        &self,
        agent: AgentId,
        code: &SecretString,
        origin: Option<IpAddr>,
    ) -> Result<(), LoginError> {
        let account = self
            .store
            .account(agent)
            .await?
            .ok_or(LoginError::Unauthenticated)?;
        let ticket = self.reserve(&account, origin).await?;
        let Some(stored) = &account.totp_secret else {
            // A session without an enrolled secret cannot exist; refuse rather than guess.
            return Err(LoginError::Unauthenticated);
        };
        let secret = TotpSecret::from_bytes(SecretBytes::new(stored.expose().clone()))?;
        let totp = Totp::new(
            &secret,
            self.policy.totp,
            &self.policy.issuer,
            &account.username,
        )?;
        let now = self.now()?;
        let refused = match totp.verify(code.expose(), now, account.totp_last_step) {
            Ok(accepted) => {
                if self.store.accept_code(agent, accepted.step()).await? {
                    self.store.release_attempt(agent, ticket).await?;
                    None
                } else {
                    // Used by a login or another unlock between our check and our write.
                    Some((
                        Action::TotpReplayed,
                        "replayed_concurrently",
                        LoginError::TotpReplayed,
                    ))
                }
            }
            Err(rampart_auth::Error::TotpReplay { .. }) => {
                Some((Action::TotpReplayed, "replayed", LoginError::TotpReplayed))
            }
            Err(rampart_auth::Error::TotpInvalid | rampart_auth::Error::TotpMalformed) => {
                Some((Action::TotpFailed, "wrong_code", LoginError::TotpInvalid))
            }
            Err(other) => return Err(other.into()),
        };
        if let Some((action, reason, error)) = refused {
            self.fail(&account, action, reason, ticket.locked_now, origin)
                .await?;
            return Err(error);
        }
        let actor = Actor::named_user(&account.id.to_string(), &account.username);
        self.audit(
            AuditEvent::new(actor, Action::ConsoleUnlocked).on(account_target(account.id)),
            origin,
        )
        .await
    }
}
