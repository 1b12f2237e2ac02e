//! Delivers console events to the UI in batches.
//!
//! Every delivery to the WebView is a script evaluation of its own, and WebKit keeps a cost per
//! evaluated source. When twenty visitors type at once, one event per message and per sidebar
//! update meant tens of thousands of evaluations a minute, most of them sidebar states that the
//! next one replaced. Here the first event after a quiet spell goes out at once (no added
//! latency for a single message); what arrives in the next [`WINDOW`] goes out together, with
//! the sidebar, queue and connection states that a later one in the same batch replaces left
//! out.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use rampart_protocol::ConversationId;
use tokio::sync::mpsc;

use super::EventSink;
use super::view::ConsoleEvent;

/// The shortest time between two deliveries (about two frames).
pub const WINDOW: Duration = Duration::from_millis(30);

/// An [`EventSink`] that queues events and delivers them in batches from a task.
pub(super) struct Batched {
    queue: mpsc::UnboundedSender<ConsoleEvent>,
    sink: Arc<dyn EventSink>,
}

impl Batched {
    /// Wraps `sink`. Outside a tokio runtime (nothing to run the task on) events go straight
    /// through, one by one. The task ends when the returned sink is dropped.
    pub(super) fn wrap(sink: Arc<dyn EventSink>) -> Arc<dyn EventSink> {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return sink;
        };
        let (queue, events) = mpsc::unbounded_channel();
        runtime.spawn(deliver(events, Arc::clone(&sink)));
        Arc::new(Self { queue, sink })
    }
}

impl EventSink for Batched {
    fn emit(&self, event: ConsoleEvent) {
        // Closed only once the task ended, which it does when this sink is dropped.
        let _ = self.queue.send(event);
    }

    fn notify(&self, title: &str, body: &str) {
        self.sink.notify(title, body);
    }
}

async fn deliver(mut events: mpsc::UnboundedReceiver<ConsoleEvent>, sink: Arc<dyn EventSink>) {
    while let Some(first) = events.recv().await {
        let mut batch = vec![first];
        while let Ok(event) = events.try_recv() {
            batch.push(event);
        }
        sink.emit_batch(coalesce(batch));
        tokio::time::sleep(WINDOW).await;
    }
}

/// Events a later one of the same key makes redundant.
#[derive(PartialEq, Eq, Hash)]
enum Replaced {
    Conversation(ConversationId),
    Queue,
    Connection,
    TrainingGate,
    LiveTraining(rampart_protocol::ids::LiveSessionId),
}

fn replaced(event: &ConsoleEvent) -> Option<Replaced> {
    match event {
        ConsoleEvent::Conversation { conversation } => {
            Some(Replaced::Conversation(conversation.id))
        }
        ConsoleEvent::Queue { .. } => Some(Replaced::Queue),
        ConsoleEvent::Connection { .. } => Some(Replaced::Connection),
        ConsoleEvent::TrainingGate { .. } => Some(Replaced::TrainingGate),
        ConsoleEvent::LiveTraining { session } => Some(Replaced::LiveTraining(session.id)),
        _ => None,
    }
}

/// Drops conversation, queue, connection, training-gate and live-session states that a later state of the same thing in the
/// batch replaces, keeping the order of everything else. A phase change is a barrier: nothing
/// is dropped across it, so the UI sees the states before a lock or sign-out as they were.
pub(super) fn coalesce(batch: Vec<ConsoleEvent>) -> Vec<ConsoleEvent> {
    let mut seen = HashSet::new();
    let mut kept: Vec<ConsoleEvent> = batch
        .into_iter()
        .rev()
        .filter(|event| {
            if matches!(event, ConsoleEvent::State { .. }) {
                seen.clear();
                return true;
            }
            replaced(event).is_none_or(|key| seen.insert(key))
        })
        .collect();
    kept.reverse();
    kept
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use rampart_protocol::{Author, MessageId};

    use super::*;
    use crate::console::view::{
        Connection, ConsoleState, ConversationView, Delivery, MessageView, Phase,
    };

    fn conversation(id: ConversationId, unread: u32) -> ConsoleEvent {
        ConsoleEvent::Conversation {
            conversation: ConversationView {
                id,
                locale: "en".to_owned(),
                open: true,
                unread,
                last_at: 0,
                preview: String::new(),
                message_count: unread,
                typing: false,
                privacy_notice: None,
                privacy_acknowledged_at: None,
            },
        }
    }

    fn message(id: ConversationId, text: &str) -> ConsoleEvent {
        ConsoleEvent::Message {
            message: MessageView {
                conversation_id: id,
                id: MessageId::new(),
                seq: None,
                author: Author::Visitor,
                text: text.to_owned(),
                spans: Vec::new(),
                sent_at: 0,
                own: false,
                delivery: Delivery::Delivered,
            },
        }
    }

    fn unread(event: &ConsoleEvent) -> Option<u32> {
        match event {
            ConsoleEvent::Conversation { conversation } => Some(conversation.unread),
            _ => None,
        }
    }

    fn text(event: &ConsoleEvent) -> Option<&str> {
        match event {
            ConsoleEvent::Message { message } => Some(&message.text),
            _ => None,
        }
    }

    #[test]
    fn later_states_replace_earlier_ones_and_messages_all_stay_in_order() {
        let (a, b) = (ConversationId::new(), ConversationId::new());
        let batch = vec![
            message(a, "one"),
            conversation(a, 1),
            conversation(b, 1),
            message(a, "two"),
            conversation(a, 2),
            ConsoleEvent::Connection {
                connection: Connection::Connecting { attempt: 1 },
            },
            ConsoleEvent::Connection {
                connection: Connection::Online,
            },
        ];
        let kept = coalesce(batch);
        let texts: Vec<&str> = kept.iter().filter_map(text).collect();
        assert_eq!(texts, ["one", "two"]);
        let unread: Vec<u32> = kept.iter().filter_map(unread).collect();
        assert_eq!(unread, [1, 2], "b's only state and a's last one");
        let connections: Vec<&ConsoleEvent> = kept
            .iter()
            .filter(|e| matches!(e, ConsoleEvent::Connection { .. }))
            .collect();
        assert!(matches!(
            connections.as_slice(),
            [ConsoleEvent::Connection {
                connection: Connection::Online
            }]
        ));
    }

    #[test]
    fn nothing_is_dropped_across_a_phase_change() {
        let a = ConversationId::new();
        let state = ConsoleEvent::State {
            state: ConsoleState {
                phase: Phase::Locked,
                hub: None,
                demo: None,
                profile: None,
                last_username: None,
                idle_lock_secs: 900,
                locale: None,
            },
        };
        let kept = coalesce(vec![conversation(a, 1), state, conversation(a, 2)]);
        assert_eq!(kept.len(), 3);
        assert!(matches!(kept[1], ConsoleEvent::State { .. }));
    }

    #[test]
    fn the_latest_gate_and_the_latest_state_of_each_live_session_stay() {
        use rampart_protocol::ids::LiveSessionId;
        use rampart_protocol::training::{LessonView, LiveSession, TrainingGate, TrainingLanguage};
        let gate = |allowed| ConsoleEvent::TrainingGate {
            gate: TrainingGate {
                allowed,
                missing: Vec::new(),
                expired: Vec::new(),
            },
        };
        let live = |id, section| ConsoleEvent::LiveTraining {
            session: Box::new(LiveSession {
                id,
                code: "K7PQ2M".to_owned(),
                trainer: "Tess".to_owned(),
                lesson: LessonView {
                    pack_id: "core".to_owned(),
                    lesson_id: "cards".to_owned(),
                    title: "Cards".to_owned(),
                    language: TrainingLanguage::En,
                    version: 1,
                    estimated_minutes: 5,
                    pass_mark: 80,
                    sections: Vec::new(),
                },
                section,
                participants: Vec::new(),
                question: None,
                drill: None,
                ended: false,
            }),
        };
        let (a, b) = (LiveSessionId::new(), LiveSessionId::new());
        let kept = coalesce(vec![
            gate(false),
            live(a, 0),
            live(b, 0),
            live(a, 1),
            gate(true),
            live(a, 2),
        ]);
        let shown: Vec<String> = kept
            .iter()
            .map(|e| match e {
                ConsoleEvent::TrainingGate { gate } => format!("gate {}", gate.allowed),
                ConsoleEvent::LiveTraining { session } if session.id == a => {
                    format!("a {}", session.section)
                }
                ConsoleEvent::LiveTraining { session } => format!("b {}", session.section),
                _ => "other".to_owned(),
            })
            .collect();
        assert_eq!(shown, ["b 0", "gate true", "a 2"]);
    }

    #[derive(Default)]
    struct Batches(Mutex<Vec<Vec<ConsoleEvent>>>);

    impl EventSink for Batches {
        fn emit(&self, event: ConsoleEvent) {
            self.0.lock().unwrap().push(vec![event]);
        }

        fn emit_batch(&self, events: Vec<ConsoleEvent>) {
            self.0.lock().unwrap().push(events);
        }
    }

    #[tokio::test]
    async fn a_lone_event_goes_at_once_and_a_burst_goes_in_few_batches() {
        let batches = Arc::new(Batches::default());
        let sink = Batched::wrap(Arc::clone(&batches) as Arc<dyn EventSink>);
        let a = ConversationId::new();
        sink.emit(message(a, "first"));
        tokio::time::timeout(Duration::from_millis(500), async {
            while batches.0.lock().unwrap().is_empty() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the first event is delivered without waiting for a window");
        for n in 0..1_000 {
            sink.emit(message(a, &n.to_string()));
            sink.emit(conversation(a, n));
        }
        let delivered = || -> Vec<String> {
            let batches = batches.0.lock().unwrap();
            batches
                .iter()
                .flatten()
                .filter_map(text)
                .map(str::to_owned)
                .collect()
        };
        tokio::time::timeout(Duration::from_secs(5), async {
            while delivered().len() < 1_001 {
                tokio::time::sleep(WINDOW).await;
            }
        })
        .await
        .expect("every message is delivered");
        let expected: Vec<String> = std::iter::once("first".to_owned())
            .chain((0..1_000).map(|n| n.to_string()))
            .collect();
        assert_eq!(delivered(), expected, "all messages, in order");
        let batches = batches.0.lock().unwrap();
        assert!(
            batches.len() <= 3,
            "{} deliveries for one burst",
            batches.len()
        );
        let states: usize = batches.iter().flatten().filter_map(unread).count();
        assert!(states <= 2, "{states} sidebar states for one conversation");
    }
}
