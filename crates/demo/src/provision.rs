//! Makes sure the demo agent exists, has a known password and an enrolled authenticator.
//!
//! First start: the account is created in-process (`Login::create_agent`, actor System), and
//! the rest goes through the hub's real HTTP API with `rampart-client`, as a person would:
//! enroll a password with the one-time code, log in, read the secret from the enrollment URI,
//! confirm it with a code, log out. Later starts reuse the saved credentials after checking
//! them against the hub's database. When the file is missing, corrupt or does not match the
//! database, the account is provisioned again (in place, if it exists: new password, new
//! authenticator, audited as an admin reset would be).
//!
//! The confirming code is the *previous* step's (the hub accepts one step either side). The
//! hub then remembers that step as used, so the code an authenticator shows right now still
//! works for the first real login; confirming with the current code would make every login in
//! the rest of this 30-second step fail as a replay.

use std::time::Duration;

use rampart_audit::{Action, Actor, AuditEvent, Target, TargetKind};
use rampart_auth::clock::{Clock, SystemClock};
use rampart_auth::password::PasswordHasher;
use rampart_client::{ClientError, ClientErrorCode, HubApi};
use rampart_hub::server::{Hub, HubError};
use rampart_protocol::rest::LoginStep;
use rampart_secret::SecretString;

use crate::account::{self, DemoAccount, Profile};
use crate::error::DemoError;

/// Seconds a step must still have before the previous step's code is sent; closer to the
/// boundary the provisioning waits for the next step, so the hub's clock cannot move past the
/// window between computing the code and checking it.
const STEP_MARGIN_SECS: u64 = 3;

fn provision_error(step: &'static str) -> impl FnOnce(ClientError) -> DemoError {
    move |source| DemoError::Provision {
        step,
        source: Box::new(source),
    }
}

fn account_error(step: &'static str) -> impl FnOnce(rampart_hub::login::LoginError) -> DemoError {
    move |source| DemoError::Account { step, source }
}

fn store_error(error: rampart_hub::store::StoreError) -> DemoError {
    DemoError::Hub(HubError::Store(error))
}

/// A demo account, reused or freshly provisioned. `hub` must be serving at `api`'s URL.
pub(crate) async fn ensure_account(
    hub: &Hub,
    api: &HubApi,
    data_dir: &std::path::Path,
    profile: Profile,
) -> Result<DemoAccount, DemoError> {
    let username = profile.username;
    match account::load_profile(data_dir, profile) {
        Ok(Some(saved)) => {
            if matches_database(hub, &saved).await? {
                tracing::info!(username, "demo account reused");
                return Ok(saved);
            }
            tracing::warn!(
                username,
                "the saved demo account does not match the hub's database; provisioning it again"
            );
        }
        Ok(None) => tracing::info!(username, "provisioning the demo account"),
        Err(problem) => tracing::warn!(
            file = profile.file,
            problem = problem.describe(),
            "the demo account file is unusable; provisioning the account again"
        ),
    }
    let fresh = provision(hub, api, profile).await?;
    account::save_profile(data_dir, profile, &fresh).map_err(|source| DemoError::DataDir {
        path: account::profile_path(data_dir, profile),
        source,
    })?;
    tracing::info!(username, "demo account provisioned");
    Ok(fresh)
}

/// Whether the hub knows the saved account with this password and this TOTP secret.
async fn matches_database(hub: &Hub, saved: &DemoAccount) -> Result<bool, DemoError> {
    let Some(row) = hub
        .store
        .account_by_username(saved.username())
        .await
        .map_err(store_error)?
    else {
        return Ok(false);
    };
    let (Some(stored_hash), Some(stored_secret)) = (row.password_hash, row.totp_secret) else {
        return Ok(false);
    };
    if saved.totp_secret_bytes()? != *stored_secret.expose() {
        return Ok(false);
    }
    let password = saved.password().clone();
    // Verification reads the parameters from the stored hash; the hasher's own do not matter.
    let verified = tokio::task::spawn_blocking(move || {
        PasswordHasher::default()
            .verify(&password, &stored_hash)
            .is_ok()
    })
    .await
    .map_err(|_| DemoError::Task {
        task: "hub",
        reason: "password check panicked",
    })?;
    Ok(verified)
}

/// Provisions the account: creates it (or resets it in place) and drives the HTTP flow.
async fn provision(hub: &Hub, api: &HubApi, profile: Profile) -> Result<DemoAccount, DemoError> {
    let (username, display_name) = (profile.username, profile.display_name);
    let password = account::generate_password(profile);
    let existing = hub
        .store
        .account_by_username(username)
        .await
        .map_err(store_error)?;
    match existing {
        None => {
            let (_, code) = hub
                .login
                .create_agent(Actor::System, username, display_name, profile.role, None)
                .await
                .map_err(account_error("create"))?;
            api.enroll(username, &code, &password)
                .await
                .map_err(provision_error("enroll"))?;
        }
        Some(row) => reset_in_place(hub, row.id, username, &password).await?,
    }

    let step = api
        .login(username, &password)
        .await
        .map_err(provision_error("login"))?;
    let LoginStep::EnrollmentRequired {
        challenge,
        otpauth_uri,
        ..
    } = step
    else {
        return Err(DemoError::Unexpected(
            "the hub did not ask to enroll an authenticator",
        ));
    };
    let otpauth_uri = SecretString::new(otpauth_uri);
    let secret = secret_from_uri(otpauth_uri.expose())?;
    let account = DemoAccount::new(
        username.to_owned(),
        display_name.to_owned(),
        password,
        secret,
    )?;
    let session = confirm_enrollment(api, &challenge, &account).await?;
    api.logout(&session)
        .await
        .map_err(provision_error("logout"))?;
    Ok(account)
}

/// The account exists but its credentials are lost: set a new password and forget the
/// authenticator, as an administrator would (audited, lockout cleared).
async fn reset_in_place(
    hub: &Hub,
    id: rampart_protocol::AgentId,
    username: &str,
    password: &SecretString,
) -> Result<(), DemoError> {
    let hasher = PasswordHasher::default();
    let to_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || hasher.hash(&to_hash))
        .await
        .map_err(|_| DemoError::Task {
            task: "hub",
            reason: "password hashing panicked",
        })??;
    hub.store
        .update_password_hash(id, hash)
        .await
        .map_err(store_error)?;
    let now = SystemClock.unix_now()?;
    let event = AuditEvent::new(Actor::System, Action::CredentialChanged)
        .on(Target::new(TargetKind::Account, &id.to_string()))
        .with_detail("change", "demo_reprovision")
        .map_err(|_| DemoError::Unexpected("cannot build the audit event"))?;
    hub.audit.record(event, now).await.map_err(HubError::from)?;
    hub.login
        .reset_totp(Actor::System, username, None)
        .await
        .map_err(account_error("reset authenticator"))?;
    hub.login
        .unlock(Actor::System, username, None)
        .await
        .map_err(account_error("unlock"))?;
    Ok(())
}

/// Confirms the enrollment with the previous step's code (see the module header), falling
/// back to the current step's if the hub's clock moved on in between.
async fn confirm_enrollment(
    api: &HubApi,
    challenge: &str,
    account: &DemoAccount,
) -> Result<SecretString, DemoError> {
    let period = account.period_secs();
    let mut now = SystemClock.unix_now()?;
    let (_, left) = account.code_at(now);
    if left < STEP_MARGIN_SECS {
        tokio::time::sleep(Duration::from_secs(left)).await;
        now = SystemClock.unix_now()?;
    }
    let (previous, _) = account.code_at(now.saturating_sub(period));
    match api
        .verify_totp(challenge, &SecretString::new(previous))
        .await
    {
        Ok(session) => return Ok(session.token),
        Err(error) if error.code() == ClientErrorCode::TotpInvalid => {
            tracing::debug!("previous-step code refused; confirming with the current one");
        }
        Err(error) => return Err(provision_error("confirm authenticator")(error)),
    }
    let (current, _) = account.code_at(SystemClock.unix_now()?);
    api.verify_totp(challenge, &SecretString::new(current))
        .await
        .map(|session| session.token)
        .map_err(provision_error("confirm authenticator"))
}

/// The `secret` parameter of an `otpauth://totp/...` URI; its other parameters must be the
/// defaults this crate computes codes with (SHA-1, 6 digits, 30 s).
fn secret_from_uri(uri: &str) -> Result<SecretString, DemoError> {
    let query = uri
        .split_once('?')
        .map(|(_, query)| query)
        .ok_or(DemoError::Unexpected(
            "the enrollment URI has no parameters",
        ))?;
    let mut secret = None;
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let expected = match key {
            "secret" => {
                secret = Some(SecretString::new(value.to_owned()));
                continue;
            }
            "algorithm" => "SHA1",
            "digits" => "6",
            "period" => "30",
            _ => continue,
        };
        if !value.eq_ignore_ascii_case(expected) {
            return Err(DemoError::Unexpected(
                "the hub uses TOTP parameters this demo does not support",
            ));
        }
    }
    secret.ok_or(DemoError::Unexpected("the enrollment URI has no secret"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_secret_and_checks_the_parameters() {
        let uri = "otpauth://totp/Rampart%20Demo:demo.agent?secret=JBSWY3DPEHPK3PXP&digits=6&algorithm=SHA1&issuer=Rampart&period=30";
        assert_eq!(secret_from_uri(uri).unwrap().expose(), "JBSWY3DPEHPK3PXP");
        let eight = uri.replace("digits=6", "digits=8");
        assert!(matches!(
            secret_from_uri(&eight),
            Err(DemoError::Unexpected(_))
        ));
        assert!(matches!(
            secret_from_uri("otpauth://totp/x?digits=6"),
            Err(DemoError::Unexpected(_))
        ));
        assert!(matches!(
            secret_from_uri("otpauth://totp/x"),
            Err(DemoError::Unexpected(_))
        ));
    }
}
