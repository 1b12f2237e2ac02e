//! Consoles forget what the hub deleted.
//!
//! When a visitor's data is erased (right to erasure) the agents' consoles may still hold the
//! masked transcript in their local caches. The store records the ids of deleted conversations
//! ([`forgotten_after`](crate::store::ErasureStore::forgotten_after)) at growing positions;
//! connected consoles are told within [`SWEEP`], and a console that was offline is told at its
//! next `hello` (recent records only: a
//! console's cache keeps messages [`CONSOLE_CACHE_DAYS`] at most, so older ones concern no
//! console). Each `forget` frame carries the position of its newest record and the epoch that
//! recorded it; a console names the last pair it carried out in its `hello` and is sent only
//! what came after. A pair this database did not record (another hub's, or one from before a
//! restore from a backup: [`ErasureStore`](crate::store::ErasureStore) explains the epochs)
//! counts as no position at all, so such a console is sent every recent deletion. The sweep also
//! drops what the serving hub holds in memory for those conversations (revealable originals,
//! secure forms), which matters when the erasure ran from the command line in another process.
//! Consoles hear only of their own organisation's conversations.

use std::collections::BTreeSet;
use std::time::Duration;

use rampart_protocol::{ConversationId, ForgetPosition, ServerFrame};

use crate::chat::Chat;
use crate::org::OrgId;
use crate::store::{Forgotten, Store, StoreError};

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
/// [`CONSOLE_CACHE_DAYS`] after `position` (the console's last carried-out frame). A position
/// this database did not record means another database (replaced, or restored from a backup):
/// then everything recent is sent again. Positions are the hub's, shared by every
/// organisation, so a console's position also moves past other organisations' deletions.
pub async fn recent(
    store: &Store,
    org: &OrgId,
    now_ms: i64,
    position: Option<ForgetPosition>,
) -> Result<Vec<ServerFrame>, StoreError> {
    let since = now_ms.saturating_sub(CONSOLE_CACHE_DAYS * DAY_MS);
    let mut after = match position {
        Some(at) if store.forgotten_recorded(at).await? => at.through,
        _ => 0,
    };
    let mut frames = Vec::new();
    loop {
        let chunk = store.forgotten_after(after, since, CHUNK).await?;
        let Some(newest) = chunk.last() else {
            return Ok(frames);
        };
        after = newest.position;
        frames.extend(frame(&chunk, |of| of == org));
    }
}

/// A `forget` frame of `chunk`'s conversations that `keep` selects by organisation, at the
/// position and epoch of the chunk's newest record (`None` when `keep` selects none).
fn frame(chunk: &[Forgotten], keep: impl Fn(&OrgId) -> bool) -> Option<ServerFrame> {
    let newest = chunk.last()?;
    let conversations: Vec<ConversationId> = chunk
        .iter()
        .filter(|f| keep(&f.org))
        .map(|f| f.conversation)
        .collect();
    (!conversations.is_empty()).then_some(ServerFrame::Forget {
        conversations,
        through: newest.position,
        epoch: newest.epoch,
    })
}

/// Tells connected consoles about deletions recorded after position `seen` (and drops the
/// hub's in-memory data for them); moves `seen` on. Returns how many conversations.
pub async fn sweep(chat: &Chat, seen: &mut i64) -> Result<usize, StoreError> {
    let mut told = 0;
    loop {
        let chunk = chat.store().forgotten_after(*seen, 0, CHUNK).await?;
        let Some(newest) = chunk.last() else {
            return Ok(told);
        };
        *seen = newest.position;
        let mut orgs: BTreeSet<&OrgId> = BTreeSet::new();
        for forgotten in &chunk {
            if let Some(originals) = chat.originals() {
                originals.forget_conversation(forgotten.conversation);
            }
            if let Some(forms) = chat.forms() {
                forms.forget_conversation(forgotten.conversation);
            }
            orgs.insert(&forgotten.org);
        }
        for org in orgs {
            if let Some(frame) = frame(&chunk, |of| of == org) {
                if let ServerFrame::Forget { conversations, .. } = &frame {
                    told += conversations.len();
                }
                chat.live().to_org_agents(org, &frame);
            }
        }
    }
}

/// Drops records no console can need any more.
pub async fn prune(store: &Store, now_ms: i64) -> Result<usize, StoreError> {
    store
        .prune_forgotten(now_ms.saturating_sub(CONSOLE_CACHE_DAYS * DAY_MS))
        .await
}
