//! The originals of masked values, kept so a permitted, audited reveal can show them.
//!
//! Invariants:
//! - Originals live in memory only, never on disk (a card number or CVV must never be written
//!   to disk, not even encrypted); a hub restart forgets them and their spans stop being
//!   revealable.
//! - They expire (`[reveal] keep_hours`), go when their conversation closes or is erased, and
//!   are bounded in number; values are [`SecretString`]s (zeroed when dropped) and nothing here
//!   logs them.
//! - Every reveal attempt that reaches the checks is audited, with the reason and without the
//!   value; without an audit record there is no value (fail closed).
//! - Each person may reveal at most `[reveal] per_hour` values an hour (chat and forms
//!   together), so a misused session cannot unmask a queue's data in bulk.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rampart_audit::{Action, Actor, AuditEvent, Target, TargetKind};
use rampart_auth::SecretString;
use rampart_auth::clock::Clock;
use rampart_protocol::rest::{
    AgentProfile, CopyReport, FormRevealRequest, MAX_REVEAL_NOTE_CHARS, RevealReason,
    RevealRequest, Revealed, Role,
};
use rampart_protocol::{AgentId, ConversationId, MessageId};

use crate::audit::Audit;
use crate::forms::{FormError, SecureForms};
use crate::login::Authenticated;
use crate::masking::Masker;
use crate::store::{Store, StoreError};

/// Originals held at most; beyond this new spans are simply not revealable.
pub const MAX_ORIGINALS: usize = 100_000;

struct Kept {
    conversation: ConversationId,
    kind: String,
    value: SecretString,
    expires_at_ms: i64,
}

#[derive(Default)]
struct Held {
    by_span: HashMap<(MessageId, u32), Kept>,
    by_conversation: HashMap<ConversationId, Vec<(MessageId, u32)>>,
}

/// The originals of visitors' masked values, in memory. Cheap to clone.
#[derive(Clone)]
pub struct Originals {
    held: Arc<Mutex<Held>>,
    keep_ms: i64,
    max: usize,
}

impl std::fmt::Debug for Originals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Originals")
            .field("held", &self.len())
            .field("keep_ms", &self.keep_ms)
            .finish()
    }
}

impl Originals {
    /// Originals kept for `keep`, at most `max` at once.
    pub fn new(keep: Duration, max: usize) -> Self {
        Self {
            held: Arc::default(),
            keep_ms: i64::try_from(keep.as_millis()).unwrap_or(i64::MAX),
            max,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `count` more originals fit (after dropping expired ones if needed).
    pub fn has_room(&self, count: usize, now_ms: i64) -> bool {
        if self.lock().by_span.len() + count <= self.max {
            return true;
        }
        self.purge(now_ms);
        self.lock().by_span.len() + count <= self.max
    }

    /// Keeps the originals of `message`'s spans (index, kind, value).
    pub fn keep(
        &self,
        conversation: ConversationId,
        message: MessageId,
        spans: Vec<(u32, String, SecretString)>,
        now_ms: i64,
    ) {
        let expires_at_ms = now_ms.saturating_add(self.keep_ms);
        let mut held = self.lock();
        for (span, kind, value) in spans {
            held.by_span.insert(
                (message, span),
                Kept {
                    conversation,
                    kind,
                    value,
                    expires_at_ms,
                },
            );
            held.by_conversation
                .entry(conversation)
                .or_default()
                .push((message, span));
        }
    }

    /// The original of span `span` of `message`, unless it expired: (conversation, kind, value).
    pub fn get(
        &self,
        message: MessageId,
        span: u32,
        now_ms: i64,
    ) -> Option<(ConversationId, String, SecretString)> {
        let held = self.lock();
        let kept = held.by_span.get(&(message, span))?;
        (kept.expires_at_ms > now_ms)
            .then(|| (kept.conversation, kept.kind.clone(), kept.value.clone()))
    }

    /// Drops every original of a conversation (closed or erased). Returns how many.
    pub fn forget_conversation(&self, conversation: ConversationId) -> usize {
        let mut held = self.lock();
        let keys = held
            .by_conversation
            .remove(&conversation)
            .unwrap_or_default();
        keys.iter()
            .filter(|k| held.by_span.remove(k).is_some())
            .count()
    }

    /// Drops expired originals. Returns how many.
    pub fn purge(&self, now_ms: i64) -> usize {
        let mut held = self.lock();
        let before = held.by_span.len();
        held.by_span.retain(|_, kept| kept.expires_at_ms > now_ms);
        let Held {
            by_span,
            by_conversation,
        } = &mut *held;
        by_conversation.retain(|_, keys| {
            keys.retain(|k| by_span.contains_key(k));
            !keys.is_empty()
        });
        before - held.by_span.len()
    }

    /// Originals held now.
    pub fn len(&self) -> usize {
        self.lock().by_span.len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    /// This person reached the hourly number of reveals.
    #[error("too many reveals for now; try again in {retry_after_secs} s")]
    TooMany {
        /// When the next reveal is possible.
        retry_after_secs: u64,
    },
    /// Storage, audit or decryption failed.
    #[error("reveal failed: {0}")]
    Internal(String),
}

fn refusal_code(refusal: &RevealRefusal) -> &'static str {
    match refusal {
        RevealRefusal::Forbidden => "forbidden",
        RevealRefusal::NotFound => "not_found",
        RevealRefusal::Invalid(_) => "invalid",
        RevealRefusal::TooMany { .. } => "rate_limited",
        RevealRefusal::Internal(_) => "internal",
    }
}

/// Audited reveals of kept originals.
#[derive(Clone)]
pub struct Reveals {
    store: Store,
    audit: Audit,
    masker: Arc<Masker>,
    clock: Arc<dyn Clock>,
    roles: Arc<Vec<Role>>,
    copy_roles: Arc<Vec<Role>>,
    budget: Arc<governor::DefaultKeyedRateLimiter<AgentId>>,
}

/// Reveals per person and hour unless configured otherwise.
pub const DEFAULT_PER_HOUR: u32 = 60;

fn hourly_budget(per_hour: u32) -> Arc<governor::DefaultKeyedRateLimiter<AgentId>> {
    let per_hour = std::num::NonZeroU32::new(per_hour).unwrap_or(std::num::NonZeroU32::MIN);
    Arc::new(governor::RateLimiter::keyed(governor::Quota::per_hour(
        per_hour,
    )))
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
            copy_roles: Arc::new(Vec::new()),
            budget: hourly_budget(DEFAULT_PER_HOUR),
        }
    }

    /// Lets each person reveal at most `per_hour` values an hour (a burst of that many, then
    /// one every `3600 / per_hour` seconds).
    #[must_use]
    pub fn with_per_hour(mut self, per_hour: u32) -> Self {
        self.budget = hourly_budget(per_hour);
        self
    }

    /// Takes one reveal from `who`'s hourly budget.
    fn spend(&self, who: AgentId) -> Result<(), RevealRefusal> {
        use governor::clock::{Clock as _, DefaultClock};
        self.budget.check_key(&who).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            RevealRefusal::TooMany {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }

    /// Lets consoles of these roles copy a revealed value (never a CVV) to the clipboard.
    #[must_use]
    pub fn with_copy_roles(mut self, roles: Vec<Role>) -> Self {
        self.copy_roles = Arc::new(roles);
        self
    }

    /// Records that `who` is copying a revealed value of `report.kind` from a conversation to
    /// the clipboard; the console copies only after this. Refused, and recorded as refused,
    /// when the role may not copy or the value is a CVV.
    pub async fn copied(
        &self,
        who: &AgentProfile,
        report: &CopyReport,
        origin: Option<IpAddr>,
    ) -> Result<(), RevealRefusal> {
        let kind = report.kind.as_str();
        if kind.is_empty()
            || kind.len() > 32
            || !kind.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
        {
            return Err(RevealRefusal::Invalid("unknown kind"));
        }
        let actor = Actor::named_user(&who.id.to_string(), &who.username);
        let target = Target::new(
            TargetKind::Conversation,
            &report.conversation_id.to_string(),
        );
        let mut event = AuditEvent::new(actor, Action::MaskedDataCopied)
            .on(target)
            .with_detail("kind", kind)
            .map_err(|e| RevealRefusal::Internal(e.to_string()))?;
        let outcome = if self.copy_permitted(who.role, kind) {
            Ok(())
        } else {
            Err(RevealRefusal::Forbidden)
        };
        if let Err(refusal) = &outcome {
            event = event.failed(refusal_code(refusal));
        }
        self.record(event, origin).await?;
        outcome
    }

    /// Writes `event` (from `origin`) to the audit log; a failure refuses what it records.
    async fn record(&self, event: AuditEvent, origin: Option<IpAddr>) -> Result<(), RevealRefusal> {
        let event = match origin {
            Some(ip) => event.from_ip(ip),
            None => event,
        };
        let now = self
            .clock
            .unix_now()
            .map_err(|e| RevealRefusal::Internal(e.to_string()))?;
        self.audit
            .record(event, now)
            .await
            .map_err(|e| RevealRefusal::Internal(e.to_string()))
    }

    /// Whether `role` may copy a revealed value of `kind` (a PII kind such as `card_cvv`, or
    /// a form field such as `cvv`): by policy, and never a card's security code.
    fn copy_permitted(&self, role: Role, kind: &str) -> bool {
        !matches!(kind, "card_cvv" | "cvv") && self.copy_roles.contains(&role)
    }

    /// Checks the role, the conversation and the reason, records the reveal (fail closed: no
    /// audit record, no value) and returns the original. Another organisation's conversation
    /// is not found.
    pub async fn reveal(
        &self,
        originals: Option<&Originals>,
        staff: &Authenticated,
        request: &RevealRequest,
        origin: Option<IpAddr>,
    ) -> Result<Revealed, RevealRefusal> {
        let who = &staff.agent;
        let actor = Actor::named_user(&who.id.to_string(), &who.username);
        let target = Target::new(TargetKind::Message, &request.message_id.to_string());
        // An unusable reason is still an attempt: it is refused and recorded like the others.
        let (reason, outcome) = match self.reason(request) {
            Ok(reason) => match self.spend(who.id) {
                Ok(()) => (reason, self.check(originals, staff, request).await),
                Err(refusal) => (reason, Err(refusal)),
            },
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
                event = event.failed(refusal_code(refusal));
            }
        }
        self.record(event, origin).await?;
        let (kind, value) = outcome?;
        Ok(Revealed {
            copy_allowed: self.copy_permitted(who.role, &kind),
            value,
            kind,
            visible_secs: VISIBLE_SECS,
        })
    }

    /// Shows one field of a submitted secure form to the agent who requested it; records the
    /// view (with the reason, never the value) first.
    pub async fn reveal_form(
        &self,
        forms: Option<&SecureForms>,
        staff: &Authenticated,
        request: &FormRevealRequest,
        origin: Option<IpAddr>,
    ) -> Result<Revealed, RevealRefusal> {
        let who = &staff.agent;
        let actor = Actor::named_user(&who.id.to_string(), &who.username);
        let target = Target::new(TargetKind::SecureForm, &request.form_id.to_string());
        let as_reveal = RevealRequest {
            conversation_id: request.conversation_id,
            message_id: MessageId(request.form_id.0),
            span: 0,
            reason: request.reason,
            note: request.note.clone(),
        };
        let now_ms = self
            .clock
            .unix_now()
            .map(|s| i64::try_from(s).unwrap_or(i64::MAX).saturating_mul(1000))
            .map_err(|e| RevealRefusal::Internal(e.to_string()))?;
        let (reason, outcome) = match self.reason(&as_reveal) {
            Ok(reason) => {
                // Within this person's hourly budget, the form's values are for the agent who
                // holds the conversation now (after a transfer the previous agent no longer sees
                // them) and asked for the form; another organisation's conversation is not found.
                let holder = match self.spend(who.id) {
                    Err(refusal) => Err(refusal),
                    Ok(()) => match self.store.conversation_in(request.conversation_id).await {
                        Ok((org, crate::store::ConversationState::Active, Some(agent)))
                            if org == staff.org =>
                        {
                            Ok(agent)
                        }
                        Ok(_) | Err(StoreError::ConversationNotFound) => {
                            Err(RevealRefusal::NotFound)
                        }
                        Err(other) => Err(RevealRefusal::Internal(other.to_string())),
                    },
                };
                let outcome = holder
                    .and_then(|agent| {
                        if agent == who.id {
                            Ok(())
                        } else {
                            Err(RevealRefusal::Forbidden)
                        }
                    })
                    .and_then(|()| forms.ok_or(RevealRefusal::NotFound))
                    .and_then(|forms| {
                        forms
                            .reveal(
                                request.conversation_id,
                                request.form_id,
                                &request.field,
                                who.id,
                                now_ms,
                            )
                            .map_err(|error| match error {
                                FormError::Forbidden => RevealRefusal::Forbidden,
                                _ => RevealRefusal::NotFound,
                            })
                    });
                (reason, outcome)
            }
            Err(refusal) => (request.reason.as_str().to_owned(), Err(refusal)),
        };
        // A known field name, or `unknown`: the request's text is not trusted into the log.
        let field = forms.map_or_else(
            || "unknown".to_owned(),
            |forms| forms.audit_field_name(&request.field),
        );
        let mut event = AuditEvent::new(actor, Action::SecureFormViewed)
            .on(target)
            .with_detail(rampart_audit::REASON_KEY, &reason)
            .and_then(|e| e.with_detail("field", &field))
            .and_then(|e| e.with_detail("conversation", &request.conversation_id.to_string()))
            .map_err(|e| RevealRefusal::Internal(e.to_string()))?;
        if let Err(refusal) = &outcome {
            event = event.failed(refusal_code(refusal));
        }
        self.record(event, origin).await?;
        let shown = outcome?;
        Ok(Revealed {
            value: shown.value,
            kind: crate::chat::form_name(&shown.kind),
            visible_secs: VISIBLE_SECS,
            // A CVV (or a field shown once) is never copied.
            copy_allowed: !shown.once && self.copy_permitted(who.role, &request.field),
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
        staff: &Authenticated,
        request: &RevealRequest,
    ) -> Result<(String, SecretString), RevealRefusal> {
        let who = &staff.agent;
        if !self.roles.contains(&who.role) {
            return Err(RevealRefusal::Forbidden);
        }
        let internal = |e: StoreError| RevealRefusal::Internal(e.to_string());
        // Only in a conversation of the caller's organisation that still exists and is open (an
        // erased or closed one has nothing to reveal, whatever another process left in
        // memory); supervisors in any such conversation, everyone else only in their own.
        let (org, state, agent) = match self.store.conversation_in(request.conversation_id).await {
            Ok(found) => found,
            Err(StoreError::ConversationNotFound) => return Err(RevealRefusal::NotFound),
            Err(other) => return Err(internal(other)),
        };
        if org != staff.org || state == crate::store::ConversationState::Closed {
            return Err(RevealRefusal::NotFound);
        }
        if who.role != Role::Supervisor && agent != Some(who.id) {
            return Err(RevealRefusal::Forbidden);
        }
        let originals = originals.ok_or(RevealRefusal::NotFound)?;
        let now_ms = self
            .clock
            .unix_now()
            .map(|s| i64::try_from(s).unwrap_or(i64::MAX).saturating_mul(1000))
            .map_err(|e| RevealRefusal::Internal(e.to_string()))?;
        let (conversation, kind, value) = originals
            .get(request.message_id, request.span, now_ms)
            .ok_or(RevealRefusal::NotFound)?;
        if conversation != request.conversation_id {
            return Err(RevealRefusal::NotFound);
        }
        Ok((kind, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> SecretString {
        SecretString::new(text.to_owned())
    }

    #[test]
    fn an_original_is_found_only_for_its_message_and_span_until_it_expires() {
        let originals = Originals::new(Duration::from_secs(60), 10);
        let (conversation, message) = (ConversationId::new(), MessageId::new());
        originals.keep(
            conversation,
            message,
            vec![(0, "credit_card".into(), value("4111 1111 1111 1111"))],
            1_000,
        );
        let (c, kind, v) = originals.get(message, 0, 2_000).unwrap();
        assert_eq!(
            (c, kind.as_str(), v.expose().as_str()),
            (conversation, "credit_card", "4111 1111 1111 1111")
        );
        assert!(originals.get(message, 1, 2_000).is_none());
        assert!(originals.get(MessageId::new(), 0, 2_000).is_none());
        assert!(originals.get(message, 0, 61_000).is_none(), "expired");
        assert_eq!(originals.purge(61_000), 1);
        assert!(originals.is_empty());
    }

    #[test]
    fn closing_a_conversation_forgets_its_originals_only() {
        let originals = Originals::new(Duration::from_secs(60), 10);
        let (a, b) = (ConversationId::new(), ConversationId::new());
        let (m1, m2) = (MessageId::new(), MessageId::new());
        originals.keep(
            a,
            m1,
            vec![
                (0, "es_dni".into(), value("12345678Z")),
                (1, "iban".into(), value("ES91")),
            ],
            0,
        );
        originals.keep(b, m2, vec![(0, "email".into(), value("x@example.org"))], 0);
        assert_eq!(originals.forget_conversation(a), 2);
        assert_eq!(originals.forget_conversation(a), 0);
        assert!(originals.get(m1, 0, 1).is_none());
        assert!(originals.get(m2, 0, 1).is_some());
    }

    #[test]
    fn the_number_held_is_bounded() {
        let originals = Originals::new(Duration::from_secs(1), 2);
        let c = ConversationId::new();
        assert!(originals.has_room(2, 0));
        originals.keep(
            c,
            MessageId::new(),
            vec![
                (0, "phone".into(), value("1")),
                (1, "phone".into(), value("2")),
            ],
            0,
        );
        assert!(!originals.has_room(1, 500), "full, nothing expired yet");
        assert!(originals.has_room(1, 1_500), "expired ones make room");
        assert_eq!(originals.len(), 0);
    }
}
