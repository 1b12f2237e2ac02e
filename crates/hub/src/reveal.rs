//! The originals of masked values, kept so a permitted, audited reveal can show them.
//!
//! Invariants:
//! - An original is stored only encrypted (XChaCha20-Poly1305, random 192-bit nonce per value)
//!   under a key that lives in its own file, never in the database. The message id and span
//!   index are the associated data, so a ciphertext moved to another message or span fails to
//!   open instead of revealing the wrong value.
//! - Originals expire (`[reveal] keep_hours`) and go with their conversation (retention,
//!   erasure); the masked transcript stays.
//! - Values leave this module only as [`SecretString`]; nothing here logs them.

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rampart_audit::{Actor, AuditEvent, Target, TargetKind};
use rampart_auth::SecretString;
use rampart_auth::clock::Clock;
use rampart_protocol::MessageId;
use rampart_protocol::rest::{
    AgentProfile, MAX_REVEAL_NOTE_CHARS, RevealReason, RevealRequest, Revealed, Role,
};

use crate::audit::Audit;
use crate::masking::Masker;
use crate::store::{Store, StoreError};

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

/// Errors of the originals' key and ciphertexts. Messages never contain a value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevealError {
    /// The key file could not be read or created.
    #[error("reveal key file {path}: {source}")]
    KeyFile {
        /// Which file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The key file does not hold exactly 32 bytes.
    #[error("reveal key file {path} is not a 32-byte key")]
    KeyInvalid {
        /// Which file.
        path: PathBuf,
    },
    /// A stored original failed authentication (wrong key, tampered or moved).
    #[error("a stored original could not be decrypted")]
    Undecryptable,
}

/// Seals and opens originals.
#[derive(Clone)]
pub struct Originals {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Originals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Originals(<key>)")
    }
}

fn associated(message: MessageId, span: u32) -> Vec<u8> {
    format!("rampart-original/v1/{message}/{span}").into_bytes()
}

impl Originals {
    /// Loads the key from `path`, creating it (owner-only) on first use.
    pub fn open(path: &Path) -> Result<Self, RevealError> {
        let file_error = |source| RevealError::KeyFile {
            path: path.to_path_buf(),
            source,
        };
        let key = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key: [u8; KEY_LEN] = rand::random();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut file = options.open(path).map_err(file_error)?;
                file.write_all(&key).map_err(file_error)?;
                file.sync_all().map_err(file_error)?;
                key.to_vec()
            }
            Err(error) => return Err(file_error(error)),
        };
        if key.len() != KEY_LEN {
            return Err(RevealError::KeyInvalid {
                path: path.to_path_buf(),
            });
        }
        let cipher =
            XChaCha20Poly1305::new_from_slice(&key).map_err(|_| RevealError::KeyInvalid {
                path: path.to_path_buf(),
            })?;
        Ok(Self { cipher })
    }

    /// Encrypts the original of span `span` of `message`: nonce followed by ciphertext.
    pub fn seal(&self, message: MessageId, span: u32, value: &SecretString) -> Vec<u8> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let aad = associated(message, span);
        let payload = Payload {
            msg: value.expose().as_bytes(),
            aad: &aad,
        };
        // Encryption with a valid key and an in-memory buffer cannot fail.
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Decrypts what [`Originals::seal`] produced for the same message and span.
    pub fn unseal(
        &self,
        message: MessageId,
        span: u32,
        blob: &[u8],
    ) -> Result<SecretString, RevealError> {
        if blob.len() < NONCE_LEN {
            return Err(RevealError::Undecryptable);
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let aad = associated(message, span);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| RevealError::Undecryptable)?;
        String::from_utf8(plain)
            .map(SecretString::new)
            .map_err(|_| RevealError::Undecryptable)
    }
}

/// Why a reveal was refused. Each refusal is audited as a failed reveal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevealRefusal {
    /// The role may not reveal, or the conversation is not the caller's.
    #[error("not allowed to reveal this value")]
    Forbidden,
    /// No such span, or its original expired or was erased.
    #[error("no revealable value there")]
    NotFound,
    /// The request itself is unusable (note missing for `other`, or too long).
    #[error("{0}")]
    Invalid(&'static str),
    /// Storage, audit or decryption failed.
    #[error("reveal failed: {0}")]
    Internal(String),
}

/// Audited reveals of kept originals.
#[derive(Clone)]
pub struct Reveals {
    store: Store,
    audit: Audit,
    masker: Arc<Masker>,
    clock: Arc<dyn Clock>,
    roles: Arc<Vec<Role>>,
}

/// Seconds a console may show a revealed value.
pub const VISIBLE_SECS: u32 = 10;

impl Reveals {
    /// Reveals for `roles`, over the chat's store and sealer.
    pub fn new(
        store: Store,
        audit: Audit,
        masker: Arc<Masker>,
        clock: Arc<dyn Clock>,
        roles: Vec<Role>,
    ) -> Self {
        Self {
            store,
            audit,
            masker,
            clock,
            roles: Arc::new(roles),
        }
    }

    /// Checks the role, the conversation and the reason, records the reveal (fail closed: no
    /// audit record, no value) and returns the original.
    pub async fn reveal(
        &self,
        originals: Option<&Originals>,
        who: &AgentProfile,
        request: &RevealRequest,
        origin: Option<IpAddr>,
    ) -> Result<Revealed, RevealRefusal> {
        let actor = Actor::named_user(&who.id.to_string(), &who.username);
        let target = Target::new(TargetKind::Message, &request.message_id.to_string());
        // An unusable reason is still an attempt: it is refused and recorded like the others.
        let (reason, outcome) = match self.reason(request) {
            Ok(reason) => (reason, self.check(originals, who, request).await),
            Err(refusal) => (request.reason.as_str().to_owned(), Err(refusal)),
        };
        let mut event = AuditEvent::reveal(actor, target, &reason)
            .with_detail("span", &request.span.to_string())
            .and_then(|e| e.with_detail("conversation", &request.conversation_id.to_string()))
            .map_err(|e| RevealRefusal::Internal(e.to_string()))?;
        match &outcome {
            Ok((kind, _)) => {
                event = event
                    .with_detail("kind", kind)
                    .map_err(|e| RevealRefusal::Internal(e.to_string()))?;
            }
            Err(refusal) => {
                let code = match refusal {
                    RevealRefusal::Forbidden => "forbidden",
                    RevealRefusal::NotFound => "not_found",
                    RevealRefusal::Invalid(_) => "invalid",
                    RevealRefusal::Internal(_) => "internal",
                };
                event = event.failed(code);
            }
        }
        if let Some(ip) = origin {
            event = event.from_ip(ip);
        }
        let now = self
            .clock
            .unix_now()
            .map_err(|e| RevealRefusal::Internal(e.to_string()))?;
        self.audit
            .record(event, now)
            .await
            .map_err(|e| RevealRefusal::Internal(e.to_string()))?;
        let (kind, value) = outcome?;
        Ok(Revealed {
            value,
            kind,
            visible_secs: VISIBLE_SECS,
        })
    }

    /// The reason as recorded: its code, plus the note masked (an agent might type a customer's
    /// data into it).
    fn reason(&self, request: &RevealRequest) -> Result<String, RevealRefusal> {
        let note = request
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if let Some(note) = note {
            if note.chars().count() > MAX_REVEAL_NOTE_CHARS {
                return Err(RevealRefusal::Invalid("the note is too long"));
            }
            if note.chars().any(char::is_control) {
                return Err(RevealRefusal::Invalid("the note holds control characters"));
            }
        }
        match (request.reason, note) {
            (RevealReason::Other, None) => Err(RevealRefusal::Invalid(
                "a reveal for another reason needs a note",
            )),
            (reason, Some(note)) => Ok(format!(
                "{}: {}",
                reason.as_str(),
                self.masker.mask(note).text
            )),
            (reason, None) => Ok(reason.as_str().to_owned()),
        }
    }

    async fn check(
        &self,
        originals: Option<&Originals>,
        who: &AgentProfile,
        request: &RevealRequest,
    ) -> Result<(String, SecretString), RevealRefusal> {
        if !self.roles.contains(&who.role) {
            return Err(RevealRefusal::Forbidden);
        }
        let internal = |e: StoreError| RevealRefusal::Internal(e.to_string());
        // Supervisors may reveal in any conversation; everyone else only in their own.
        if who.role != Role::Supervisor {
            let (_, agent) = match self.store.conversation_state(request.conversation_id).await {
                Ok(state) => state,
                Err(StoreError::ConversationNotFound) => return Err(RevealRefusal::NotFound),
                Err(other) => return Err(internal(other)),
            };
            if agent != Some(who.id) {
                return Err(RevealRefusal::Forbidden);
            }
        }
        let originals = originals.ok_or(RevealRefusal::NotFound)?;
        let now_ms = self
            .clock
            .unix_now()
            .map(|s| i64::try_from(s).unwrap_or(i64::MAX).saturating_mul(1000))
            .map_err(|e| RevealRefusal::Internal(e.to_string()))?;
        let kept = self
            .store
            .original(request.message_id, request.span, now_ms)
            .await
            .map_err(internal)?
            .ok_or(RevealRefusal::NotFound)?;
        if kept.conversation_id != request.conversation_id {
            return Err(RevealRefusal::NotFound);
        }
        let value = originals
            .unseal(request.message_id, request.span, &kept.sealed)
            .map_err(|e| RevealRefusal::Internal(e.to_string()))?;
        Ok((kept.kind, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn originals(dir: &Path) -> Originals {
        Originals::open(&dir.join("reveal.key")).unwrap()
    }

    #[test]
    fn a_value_opens_only_for_its_own_message_and_span() {
        let dir = tempfile::tempdir().unwrap();
        let keys = originals(dir.path());
        let message = MessageId::new();
        let value = SecretString::new("4111 1111 1111 1111".to_owned());
        let blob = keys.seal(message, 0, &value);
        assert!(!blob.windows(4).any(|w| w == b"4111"), "stored encrypted");
        assert_eq!(
            keys.unseal(message, 0, &blob).unwrap().expose(),
            value.expose()
        );
        assert!(matches!(
            keys.unseal(message, 1, &blob),
            Err(RevealError::Undecryptable)
        ));
        assert!(matches!(
            keys.unseal(MessageId::new(), 0, &blob),
            Err(RevealError::Undecryptable)
        ));
        let mut tampered = blob.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(matches!(
            keys.unseal(message, 0, &tampered),
            Err(RevealError::Undecryptable)
        ));
        assert!(matches!(
            keys.unseal(message, 0, &blob[..10]),
            Err(RevealError::Undecryptable)
        ));
        // Two seals of one value differ (fresh nonce).
        assert_ne!(blob, keys.seal(message, 0, &value));
    }

    #[test]
    fn the_key_persists_is_private_and_a_bad_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let message = MessageId::new();
        let value = SecretString::new("12345678Z".to_owned());
        let blob = originals(dir.path()).seal(message, 2, &value);
        // Reopened from the same file: same key.
        assert_eq!(
            originals(dir.path())
                .unseal(message, 2, &blob)
                .unwrap()
                .expose(),
            "12345678Z"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("reveal.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Another key cannot open it.
        let other = tempfile::tempdir().unwrap();
        assert!(originals(other.path()).unseal(message, 2, &blob).is_err());
        let short = dir.path().join("short.key");
        std::fs::write(&short, b"too short").unwrap();
        assert!(matches!(
            Originals::open(&short),
            Err(RevealError::KeyInvalid { .. })
        ));
        let missing_dir = dir.path().join("no/such/dir/reveal.key");
        assert!(matches!(
            Originals::open(&missing_dir),
            Err(RevealError::KeyFile { .. })
        ));
    }
}
