//! The outbox: messages the hub has not acknowledged yet.
//!
//! A message enters with its client-generated [`MessageId`] and leaves only when the hub's
//! `ack` for that id arrives (or the hub refuses it for good). After a reconnect everything
//! still here is resent with the same id; the hub deduplicates by id. The trait lets the console
//! keep the outbox in its encrypted vault so unsent messages survive a restart.

use std::collections::VecDeque;

use rampart_protocol::{ConversationId, MessageId};

use crate::error::ClientError;

/// A message waiting for its `ack`. Its text is personal data: `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct Pending {
    /// Client-generated id (UUIDv7), kept across resends.
    pub id: MessageId,
    /// Where it goes.
    pub conversation_id: ConversationId,
    /// The text as typed.
    pub text: String,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("id", &self.id)
            .field("conversation_id", &self.conversation_id)
            .field(
                "text",
                &format_args!("<{} chars>", self.text.chars().count()),
            )
            .finish()
    }
}

/// Storage of unacknowledged messages, in the order they were sent.
pub trait Outbox: Send + 'static {
    /// Adds a message at the end.
    fn push(&mut self, message: Pending) -> Result<(), ClientError>;
    /// Removes a message (acknowledged or refused for good). Returns it if it was there.
    fn remove(&mut self, id: MessageId) -> Result<Option<Pending>, ClientError>;
    /// Everything waiting, oldest first.
    fn pending(&self) -> Result<Vec<Pending>, ClientError>;
}

/// An outbox in memory: lost when the process ends.
#[derive(Debug, Default)]
pub struct MemoryOutbox {
    messages: VecDeque<Pending>,
}

impl MemoryOutbox {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Messages waiting.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }
}

impl Outbox for MemoryOutbox {
    fn push(&mut self, message: Pending) -> Result<(), ClientError> {
        self.messages.push_back(message);
        Ok(())
    }

    fn remove(&mut self, id: MessageId) -> Result<Option<Pending>, ClientError> {
        // Acks arrive mostly in sending order, so the match is usually at the front.
        Ok(self
            .messages
            .iter()
            .position(|m| m.id == id)
            .and_then(|i| self.messages.remove(i)))
    }

    fn pending(&self) -> Result<Vec<Pending>, ClientError> {
        Ok(self.messages.iter().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(text: &str) -> Pending {
        Pending {
            id: MessageId::new(),
            conversation_id: ConversationId::new(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn keeps_order_and_removes_by_id() {
        let mut outbox = MemoryOutbox::new();
        let (a, b, c) = (pending("a"), pending("b"), pending("c"));
        for m in [&a, &b, &c] {
            outbox.push(m.clone()).unwrap();
        }
        assert_eq!(outbox.remove(b.id).unwrap(), Some(b.clone()));
        assert_eq!(
            outbox.remove(b.id).unwrap(),
            None,
            "a second ack is a no-op"
        );
        assert_eq!(outbox.pending().unwrap(), vec![a, c]);
    }

    #[test]
    fn debug_does_not_show_the_text() {
        let shown = format!("{:?}", pending("my card is 4111 1111 1111 1111"));
        assert!(!shown.contains("4111"), "{shown}");
    }
}
