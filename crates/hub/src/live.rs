//! Who is connected right now, which conversations each connection follows, and who gets the
//! next waiting visitor. In-memory only: after a hub restart clients reconnect, say `hello`
//! with their resume points, and everything is rebuilt from the store.
//!
//! Each connection has a bounded outbox. A connection that cannot keep up is told to close
//! rather than silently skipped: its client reconnects and resumes from its last sequence
//! number, so nothing is lost.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rampart_protocol::{AgentId, Availability, ConversationId, ServerFrame};
use tokio::sync::{Notify, mpsc};

use crate::org::OrgId;

/// Frames waiting to be written to one connection.
pub const OUTBOX_FRAMES: usize = 1024;

/// A connection's id (unique within this process).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnId(u64);

/// What the live registry needs to reach a connection.
#[derive(Clone)]
pub struct ConnHandle {
    /// Frames to send. Boxed: a channel allocates its first block of 32 slots when it is
    /// created, and 32 frames inline would cost every idle connection about 6.5 KiB.
    pub outbox: mpsc::Sender<Box<ServerFrame>>,
    /// Notified when the connection must close (revoked session, slow consumer).
    pub close: Arc<Notify>,
}

struct Presence {
    /// The agent's organisation: they are offered and shown its visitors only.
    org: OrgId,
    availability: Availability,
    conns: HashSet<ConnId>,
    active: HashSet<ConversationId>,
}

#[derive(Default)]
struct Inner {
    conns: HashMap<ConnId, ConnHandle>,
    rooms: HashMap<ConversationId, HashSet<ConnId>>,
    agents: HashMap<AgentId, Presence>,
    /// Which session (token hash) each agent connection belongs to.
    sessions: HashMap<ConnId, [u8; 32]>,
    /// Agents whose training allows live chats (decided by `crate::training` at `hello` and
    /// whenever it changes). Absent: not allowed.
    allowed: HashSet<AgentId>,
}

/// The live registry. Cheap to share behind an `Arc`.
#[derive(Default)]
pub struct Live {
    inner: Mutex<Inner>,
    next: AtomicU64,
}

impl Live {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Every critical section leaves the maps consistent before it can panic.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a connection.
    pub fn connect(&self, handle: ConnHandle) -> ConnId {
        let id = ConnId(self.next.fetch_add(1, Ordering::Relaxed));
        self.inner().conns.insert(id, handle);
        id
    }

    /// Forgets a connection everywhere.
    pub fn disconnect(&self, conn: ConnId) {
        let mut inner = self.inner();
        inner.conns.remove(&conn);
        inner.sessions.remove(&conn);
        inner.rooms.retain(|_, members| {
            members.remove(&conn);
            !members.is_empty()
        });
        for presence in inner.agents.values_mut() {
            presence.conns.remove(&conn);
        }
    }

    /// Marks `conn` as one of `agent`'s (of `org`) consoles, logged in with session `session`.
    pub fn agent_online(
        &self,
        agent: AgentId,
        org: &OrgId,
        conn: ConnId,
        session: [u8; 32],
        active: Vec<ConversationId>,
    ) {
        let mut inner = self.inner();
        inner.sessions.insert(conn, session);
        let presence = inner.agents.entry(agent).or_insert_with(|| Presence {
            org: org.clone(),
            availability: Availability::Away,
            conns: HashSet::new(),
            active: HashSet::new(),
        });
        presence.conns.insert(conn);
        presence.active.extend(active);
    }

    /// Sets an agent's availability.
    pub fn set_availability(&self, agent: AgentId, availability: Availability) {
        if let Some(presence) = self.inner().agents.get_mut(&agent) {
            presence.availability = availability;
        }
    }

    /// Sets whether `agent`'s training allows live chats.
    pub fn set_allowed(&self, agent: AgentId, allowed: bool) {
        let mut inner = self.inner();
        if allowed {
            inner.allowed.insert(agent);
        } else {
            inner.allowed.remove(&agent);
        }
    }

    /// Whether `agent`'s training allows live chats.
    pub fn is_allowed(&self, agent: AgentId) -> bool {
        self.inner().allowed.contains(&agent)
    }

    /// The available, connected agent of `org` with the fewest active conversations below
    /// `capacity`, among agents whose training allows live chats.
    pub fn least_busy(&self, org: &OrgId, capacity: usize) -> Option<AgentId> {
        let inner = self.inner();
        inner
            .agents
            .iter()
            .filter(|(id, p)| {
                &p.org == org
                    && inner.allowed.contains(*id)
                    && p.availability == Availability::Available
                    && !p.conns.is_empty()
                    && p.active.len() < capacity
            })
            .min_by_key(|(id, p)| (p.active.len(), **id))
            .map(|(id, _)| *id)
    }

    /// Connected agents of `org`: (id, available, active conversations).
    pub fn online_agents(&self, org: &OrgId) -> Vec<(AgentId, bool, usize)> {
        self.inner()
            .agents
            .iter()
            .filter(|(_, p)| &p.org == org && !p.conns.is_empty())
            .map(|(id, p)| {
                (
                    *id,
                    p.availability == Availability::Available,
                    p.active.len(),
                )
            })
            .collect()
    }

    /// Whether `agent` is connected, allowed by their training, and has room for one more
    /// conversation.
    pub fn can_take(&self, agent: AgentId, capacity: usize) -> bool {
        let inner = self.inner();
        inner.allowed.contains(&agent)
            && inner
                .agents
                .get(&agent)
                .is_some_and(|p| !p.conns.is_empty() && p.active.len() < capacity)
    }

    /// Records that `agent` now handles `conversation` and subscribes all their consoles.
    pub fn assign(&self, agent: AgentId, conversation: ConversationId) {
        let mut inner = self.inner();
        let conns: Vec<ConnId> = match inner.agents.get_mut(&agent) {
            Some(presence) => {
                presence.active.insert(conversation);
                presence.conns.iter().copied().collect()
            }
            None => Vec::new(),
        };
        inner.rooms.entry(conversation).or_default().extend(conns);
    }

    /// Records that `agent` no longer handles `conversation` (closed or transferred away).
    pub fn release(&self, agent: AgentId, conversation: ConversationId) {
        let mut inner = self.inner();
        let conns: Vec<ConnId> = match inner.agents.get_mut(&agent) {
            Some(presence) => {
                presence.active.remove(&conversation);
                presence.conns.iter().copied().collect()
            }
            None => Vec::new(),
        };
        if let Some(members) = inner.rooms.get_mut(&conversation) {
            for conn in conns {
                members.remove(&conn);
            }
        }
    }

    /// Subscribes one connection to a conversation.
    pub fn subscribe(&self, conn: ConnId, conversation: ConversationId) {
        self.inner()
            .rooms
            .entry(conversation)
            .or_default()
            .insert(conn);
    }

    /// Whether `conn` follows `conversation`.
    pub fn follows(&self, conn: ConnId, conversation: ConversationId) -> bool {
        self.inner()
            .rooms
            .get(&conversation)
            .is_some_and(|m| m.contains(&conn))
    }

    /// Sends `frame` to everyone following `conversation` except `except`.
    pub fn publish(
        &self,
        conversation: ConversationId,
        frame: &ServerFrame,
        except: Option<ConnId>,
    ) {
        let inner = self.inner();
        let Some(members) = inner.rooms.get(&conversation) else {
            return;
        };
        for conn in members {
            if Some(*conn) == except {
                continue;
            }
            if let Some(handle) = inner.conns.get(conn) {
                deliver(handle, frame);
            }
        }
    }

    /// Forgets a conversation's room (after it closed).
    pub fn close_room(&self, conversation: ConversationId) {
        self.inner().rooms.remove(&conversation);
    }

    /// The organisations with a connected agent console.
    pub fn online_orgs(&self) -> HashSet<OrgId> {
        self.inner()
            .agents
            .values()
            .filter(|p| !p.conns.is_empty())
            .map(|p| p.org.clone())
            .collect()
    }

    /// Sends `frame` to every connected agent console of `org`.
    pub fn to_org_agents(&self, org: &OrgId, frame: &ServerFrame) {
        let inner = self.inner();
        for presence in inner.agents.values().filter(|p| &p.org == org) {
            for conn in &presence.conns {
                if let Some(handle) = inner.conns.get(conn) {
                    deliver(handle, frame);
                }
            }
        }
    }

    /// Sends `frame` to every console of `agent`.
    pub fn to_agent(&self, agent: AgentId, frame: &ServerFrame) {
        let inner = self.inner();
        if let Some(presence) = inner.agents.get(&agent) {
            for conn in &presence.conns {
                if let Some(handle) = inner.conns.get(conn) {
                    deliver(handle, frame);
                }
            }
        }
    }

    /// Ends every connection of `agent` (an administrator revoked the account's sessions or
    /// ordered a remote wipe): `wipeDevice` first when `wipe`, then `sessionRevoked`, then they
    /// close. Returns how many were open. Consoles of another hub process (one where the order
    /// was given from the command line) learn it at their next session check.
    pub fn end_agent(&self, agent: AgentId, wipe: bool) -> usize {
        let inner = self.inner();
        let Some(presence) = inner.agents.get(&agent) else {
            return 0;
        };
        let handles = presence
            .conns
            .iter()
            .filter_map(|conn| inner.conns.get(conn));
        end_all(handles, wipe)
    }

    /// Ends every connection of the session with this token hash: they get `sessionRevoked`
    /// and close. Returns how many were open.
    pub fn end_session(&self, session: [u8; 32]) -> usize {
        let inner = self.inner();
        let handles = inner
            .sessions
            .iter()
            .filter(|(_, hash)| **hash == session)
            .filter_map(|(conn, _)| inner.conns.get(conn));
        end_all(handles, false)
    }

    /// Asks every connection to close (hub shutdown). Clients reconnect and resume.
    pub fn close_all(&self) {
        for handle in self.inner().conns.values() {
            handle.close.notify_one();
        }
    }
}

/// Tells each connection its session is over (`wipeDevice` first when `wipe`) and closes it.
/// Returns how many.
fn end_all<'a>(handles: impl Iterator<Item = &'a ConnHandle>, wipe: bool) -> usize {
    let mut ended = 0;
    for handle in handles {
        if wipe {
            let _ = handle.outbox.try_send(Box::new(ServerFrame::WipeDevice));
        }
        let _ = handle
            .outbox
            .try_send(Box::new(ServerFrame::SessionRevoked));
        handle.close.notify_one();
        ended += 1;
    }
    ended
}

/// Queues a frame; a full outbox closes the connection so its client resumes instead of
/// silently missing the frame.
fn deliver(handle: &ConnHandle, frame: &ServerFrame) {
    if handle.outbox.try_send(Box::new(frame.clone())).is_err() {
        handle.close.notify_one();
    }
}
