//! Exactly-once, in-order delivery of messages per conversation.
//!
//! The hub numbers each conversation's messages 1, 2, 3… without gaps, but a client can see a
//! message twice (replayed on resume and also published live; an agent's history replay racing
//! a live message) or out of order (two senders' appends published in a different order than
//! they were committed). The timeline delivers seq `last + 1` only, drops anything at or below
//! `last`, and holds anything above `last + 1` until the gap fills. A gap that does not fill in
//! time is the caller's cue to reconnect and resume from `last`.

use std::collections::{BTreeMap, HashMap};

use rampart_protocol::{ConversationId, ResumePoint, Seq, ServerFrame};
use tokio::time::Instant;

/// Messages held per conversation while waiting for a gap to fill; beyond this the newest are
/// dropped (the resume after the gap timeout brings them again).
pub const MAX_HELD: usize = 4096;

#[derive(Debug)]
struct Track {
    last: Seq,
    held: BTreeMap<Seq, ServerFrame>,
    gap_since: Option<Instant>,
}

impl Default for Track {
    fn default() -> Self {
        Self {
            last: Seq::ZERO,
            held: BTreeMap::new(),
            gap_since: None,
        }
    }
}

/// Per-conversation delivery state.
#[derive(Debug, Default)]
pub struct Timeline {
    tracks: HashMap<ConversationId, Track>,
}

impl Timeline {
    /// A timeline that already delivered up to the given points (e.g. restored from the vault).
    pub fn new(resume: &[ResumePoint]) -> Self {
        let mut timeline = Self::default();
        for point in resume {
            timeline
                .tracks
                .entry(point.conversation_id)
                .or_default()
                .last = point.after_seq;
        }
        timeline
    }

    /// Where to resume each known conversation.
    pub fn resume_points(&self) -> Vec<ResumePoint> {
        let mut points: Vec<ResumePoint> = self
            .tracks
            .iter()
            .map(|(conversation_id, track)| ResumePoint {
                conversation_id: *conversation_id,
                after_seq: track.last,
            })
            .collect();
        points.sort_by_key(|p| p.conversation_id);
        points
    }

    /// The last delivered seq of a conversation.
    pub fn last(&self, conversation: ConversationId) -> Seq {
        self.tracks
            .get(&conversation)
            .map_or(Seq::ZERO, |track| track.last)
    }

    /// Takes a `message` frame (other frames are returned as they are) and returns what is
    /// deliverable now, in order. Never returns a seq twice.
    pub fn accept(&mut self, frame: ServerFrame, now: Instant) -> Vec<ServerFrame> {
        let ServerFrame::Message {
            conversation_id,
            seq,
            ..
        } = &frame
        else {
            return vec![frame];
        };
        let (conversation_id, seq) = (*conversation_id, *seq);
        let track = self.tracks.entry(conversation_id).or_default();
        if seq <= track.last {
            return Vec::new();
        }
        if seq != track.last.next() {
            if track.held.len() < MAX_HELD || track.held.contains_key(&seq) {
                track.held.entry(seq).or_insert(frame);
            }
            track.gap_since.get_or_insert(now);
            return Vec::new();
        }
        let mut out = vec![frame];
        track.last = seq;
        while let Some(next) = track.held.remove(&track.last.next()) {
            track.last = track.last.next();
            out.push(next);
        }
        // Anything still held is beyond another gap.
        track.gap_since = if track.held.is_empty() {
            None
        } else {
            Some(now)
        };
        out
    }

    /// When the oldest unfilled gap opened, if any.
    pub fn oldest_gap(&self) -> Option<Instant> {
        self.tracks.values().filter_map(|t| t.gap_since).min()
    }

    /// Forgets gap timers (after a reconnect, the resume gets a fresh chance to fill them).
    pub fn restart_gap_timers(&mut self, now: Instant) {
        for track in self.tracks.values_mut() {
            if track.gap_since.is_some() {
                track.gap_since = Some(now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_protocol::{Author, MessageId};

    fn message(conversation: ConversationId, seq: u64) -> ServerFrame {
        ServerFrame::Message {
            conversation_id: conversation,
            seq: Seq(seq),
            id: MessageId::new(),
            author: Author::Visitor,
            text: format!("m{seq}"),
            spans: Vec::new(),
            sent_at: 0,
        }
    }

    fn seqs(frames: &[ServerFrame]) -> Vec<u64> {
        frames
            .iter()
            .map(|f| match f {
                ServerFrame::Message { seq, .. } => seq.0,
                _ => 0,
            })
            .collect()
    }

    #[test]
    fn duplicates_are_dropped() {
        let c = ConversationId::new();
        let now = Instant::now();
        let mut timeline = Timeline::default();
        let mut delivered = Vec::new();
        for seq in [1, 2, 2, 1, 3, 3, 2] {
            delivered.extend(timeline.accept(message(c, seq), now));
        }
        assert_eq!(seqs(&delivered), vec![1, 2, 3]);
        assert_eq!(timeline.last(c), Seq(3));
    }

    #[test]
    fn out_of_order_messages_wait_for_the_gap() {
        let c = ConversationId::new();
        let now = Instant::now();
        let mut timeline = Timeline::default();
        assert!(timeline.accept(message(c, 2), now).is_empty());
        assert!(timeline.accept(message(c, 4), now).is_empty());
        assert_eq!(timeline.oldest_gap(), Some(now));
        assert_eq!(seqs(&timeline.accept(message(c, 1), now)), vec![1, 2]);
        assert!(timeline.oldest_gap().is_some(), "4 still waits for 3");
        assert_eq!(seqs(&timeline.accept(message(c, 3), now)), vec![3, 4]);
        assert_eq!(timeline.oldest_gap(), None);
    }

    #[test]
    fn resume_points_start_where_delivery_stopped() {
        let (a, b) = (ConversationId::new(), ConversationId::new());
        let mut timeline = Timeline::new(&[ResumePoint {
            conversation_id: a,
            after_seq: Seq(7),
        }]);
        assert!(timeline.accept(message(a, 7), Instant::now()).is_empty());
        timeline.accept(message(a, 8), Instant::now());
        timeline.accept(message(b, 1), Instant::now());
        let mut expected = vec![
            ResumePoint {
                conversation_id: a,
                after_seq: Seq(8),
            },
            ResumePoint {
                conversation_id: b,
                after_seq: Seq(1),
            },
        ];
        expected.sort_by_key(|p| p.conversation_id);
        assert_eq!(timeline.resume_points(), expected);
    }

    #[test]
    fn other_frames_pass_through() {
        let mut timeline = Timeline::default();
        let frame = ServerFrame::Pong { nonce: 3 };
        assert_eq!(timeline.accept(frame.clone(), Instant::now()), vec![frame]);
    }
}
