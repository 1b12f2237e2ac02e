//! The console's local state on disk: the settings file (no secrets) and the adapter that keeps
//! the live connection's outbox in the encrypted vault, so unsent messages survive a restart.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rampart_client::{ClientError, Outbox, Pending};
use rampart_protocol::{ConversationId, MessageId};
use rampart_vault::{MaskedText, OutboxItem, OutboxPayload, UnixMillis, Vault};
use serde::{Deserialize, Serialize};

/// Settings kept between runs. Nothing here is secret: the hub's address, the last username
/// and whether the demo is in use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// The hub's address, as the user typed it (validated).
    pub hub_url: Option<String>,
    /// Use the embedded demo hub.
    pub demo: bool,
    /// The username last signed in, to prefill the form.
    pub last_username: Option<String>,
    /// The language the agent chose (`en`, `es`); none: follow the OS.
    pub locale: Option<String>,
}

/// Where the settings live.
pub fn settings_path(config_dir: &Path) -> PathBuf {
    config_dir.join("settings.json")
}

impl Settings {
    /// Reads the settings. A missing file is the default; an unreadable or corrupt one is
    /// logged and replaced by the default (it holds nothing that cannot be typed again).
    pub fn load(config_dir: &Path) -> Self {
        let path = settings_path(config_dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                tracing::warn!(%error, "settings file is corrupt; starting from defaults");
                Self::default()
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Self::default(),
            Err(error) => {
                tracing::warn!(%error, "settings file unreadable; starting from defaults");
                Self::default()
            }
        }
    }

    /// Writes the settings atomically (temporary file, then rename).
    pub fn save(&self, config_dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(config_dir)?;
        let path = settings_path(config_dir);
        let tmp = path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)
    }
}

/// The open vault, shared between the command handlers and the event pump. Every use is a short
/// synchronous critical section.
#[derive(Clone)]
pub struct SharedVault(Arc<Mutex<Vault>>);

impl SharedVault {
    /// Shares an open vault.
    pub fn new(vault: Vault) -> Self {
        Self(Arc::new(Mutex::new(vault)))
    }

    /// Locks it (a panic elsewhere does not make the cache unusable).
    pub fn lock(&self) -> MutexGuard<'_, Vault> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the vault back if this is the last handle; otherwise returns the handle.
    pub fn try_into_inner(self) -> Result<Vault, Self> {
        Arc::try_unwrap(self.0)
            .map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
            .map_err(Self)
    }

    /// Takes the vault back when this is the last handle (to close or wipe it).
    pub fn into_inner(self) -> Option<Vault> {
        Arc::into_inner(self.0).map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The live connection's outbox, kept in the vault. Text arrives already masked (the console
/// masks what the agent sends before it is queued), as the vault requires.
pub struct VaultOutbox {
    vault: SharedVault,
}

impl VaultOutbox {
    /// An outbox over `vault`.
    pub fn new(vault: SharedVault) -> Self {
        Self { vault }
    }
}

fn outbox_error(error: &rampart_vault::Error) -> ClientError {
    ClientError::Outbox {
        message: error.code().as_str().to_owned(),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Outbox for VaultOutbox {
    fn push(&mut self, message: Pending) -> Result<(), ClientError> {
        let item = OutboxItem {
            client_id: message.id.to_string(),
            payload: OutboxPayload::Message {
                conversation_id: message.conversation_id.to_string(),
                body: MaskedText::already_masked(message.text),
            },
            created_at: UnixMillis(now_ms()),
        };
        self.vault
            .lock()
            .enqueue(&item)
            .map_err(|e| outbox_error(&e))
    }

    fn remove(&mut self, id: MessageId) -> Result<Option<Pending>, ClientError> {
        let key = id.to_string();
        let mut vault = self.vault.lock();
        let found = vault
            .unsent(usize::MAX >> 1)
            .map_err(|e| outbox_error(&e))?
            .into_iter()
            .find(|item| item.client_id == key);
        vault
            .mark_delivered(&[key.as_str()])
            .map_err(|e| outbox_error(&e))?;
        Ok(found.and_then(|item| to_pending(item).ok()))
    }

    fn pending(&self) -> Result<Vec<Pending>, ClientError> {
        let items = self
            .vault
            .lock()
            .unsent(usize::MAX >> 1)
            .map_err(|e| outbox_error(&e))?;
        // Audit items share the table; only messages belong to the live connection.
        Ok(items
            .into_iter()
            .filter_map(|item| to_pending(item).ok())
            .collect())
    }
}

fn to_pending(item: OutboxItem) -> Result<Pending, ()> {
    let OutboxPayload::Message {
        conversation_id,
        body,
    } = item.payload
    else {
        return Err(());
    };
    let id = item.client_id.parse::<uuid::Uuid>().map_err(|_| ())?;
    let conversation = conversation_id.parse::<uuid::Uuid>().map_err(|_| ())?;
    Ok(Pending {
        id: MessageId(id),
        conversation_id: ConversationId(conversation),
        text: body.as_str().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_survive_a_round_trip_and_a_corrupt_file_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()), Settings::default());
        let settings = Settings {
            hub_url: Some("https://hub.example".into()),
            demo: false,
            last_username: Some("ana".into()),
            locale: Some("es".into()),
        };
        settings.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()), settings);
        std::fs::write(settings_path(dir.path()), b"{not json").unwrap();
        assert_eq!(Settings::load(dir.path()), Settings::default());
    }
}
