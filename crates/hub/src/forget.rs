//! Consoles forget what the hub deleted.
//!
//! When a visitor's data is erased (right to erasure) the agents' consoles may still hold the
//! masked transcript in their local caches. The store records the ids of deleted conversations
//! ([`forgotten_after`](crate::store::ErasureStore::forgotten_after)) at growing positions;
//! connected consoles are told within [`SWEEP`], and a console that was offline is told at its
//! next `hello` (recent records only: a
//! console's cache keeps messages [`CONSOLE_CACHE_DAYS`] at most, so older ones concern no
//! console). Each `forget` frame carries the position of its newest record; a console names the
//! last one it carried out in its `hello` and is sent only what came after. The sweep also
//! drops what the serving hub holds in memory for those conversations (revealable originals,
//! secure forms), which matters when the erasure ran from the command line in another process.
//! Consoles hear only of their own organisation's conversations.

use std::collections::BTreeMap;
use std::time::Duration;

use rampart_protocol::{ConversationId, ServerFrame};

use crate::chat::Chat;
use crate::org::OrgId;
use crate::store::{Store, StoreError};

/// Longest a console keeps cached messages (its vault's retention, 7 days, plus a day).
pub const CONSOLE_CACHE_DAYS: i64 = 8;

/// How often the serving hub looks for new deletions.
pub const SWEEP: Duration = Duration::from_secs(2);

/// Conversation ids per frame.
const CHUNK: usize = 500;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Whether a retention of `transcript_days` can delete a conversation a console still holds.
pub fn retention_reaches_consoles(transcript_days: u32) -> bool {
    i64::from(transcript_days) < CONSOLE_CACHE_DAYS
}

/// The `forget` frames for a (re)connecting console of `org`: its deletions of the last
/// [`CONSOLE_CACHE_DAYS`] after position `through` (the console's last carried-out frame).
/// A position beyond any the store has given means another database (restored or replaced):
/// then everything recent is sent again. Positions are the hub's, shared by every
/// organisation, so a console's position also moves past other organisations' deletions.
pub async fn recent(
    store: &Store,
    org: &OrgId,
    now_ms: i64,
    through: Option<i64>,
) -> Result<Vec<ServerFrame>, StoreError> {
    let since = now_ms.saturating_sub(CONSOLE_CACHE_DAYS * DAY_MS);
    let mut after = match through {
        Some(through) if through > 0 && through <= store.forgotten_issued().await? => through,
        _ => 0,
    };
    let mut frames = Vec::new();
    loop {
        let chunk = store.forgotten_after(after, since, CHUNK).await?;
        let Some(&(last, _, _)) = chunk.last() else {
            return Ok(frames);
        };
        after = last;
        let conversations: Vec<ConversationId> = chunk
            .into_iter()
            .filter(|(_, _, of)| of == org)
            .map(|(_, id, _)| id)
            .collect();
        if !conversations.is_empty() {
            frames.push(ServerFrame::Forget {
                conversations,
                through: last,
            });
        }
    }
}

/// Tells connected consoles about deletions recorded after position `seen` (and drops the
/// hub's in-memory data for them); moves `seen` on. Returns how many conversations.
pub async fn sweep(chat: &Chat, seen: &mut i64) -> Result<usize, StoreError> {
    let mut told = 0;
    loop {
        let chunk = chat.store().forgotten_after(*seen, 0, CHUNK).await?;
        let Some(&(last, _, _)) = chunk.last() else {
            return Ok(told);
        };
        *seen = last;
        let mut by_org: BTreeMap<OrgId, Vec<ConversationId>> = BTreeMap::new();
        for (_, conversation, org) in chunk {
            if let Some(originals) = chat.originals() {
                originals.forget_conversation(conversation);
            }
            if let Some(forms) = chat.forms() {
                forms.forget_conversation(conversation);
            }
            by_org.entry(org).or_default().push(conversation);
        }
        for (org, conversations) in by_org {
            told += conversations.len();
            chat.live().to_org_agents(
                &org,
                &ServerFrame::Forget {
                    conversations,
                    through: last,
                },
            );
        }
    }
}

/// Drops records no console can need any more.
pub async fn prune(store: &Store, now_ms: i64) -> Result<usize, StoreError> {
    store
        .prune_forgotten(now_ms.saturating_sub(CONSOLE_CACHE_DAYS * DAY_MS))
        .await
}
