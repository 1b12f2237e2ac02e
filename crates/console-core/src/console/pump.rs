//! The event pump of a session: turns the live connection's events into model updates, cache
//! writes and UI events. Runs as one task per session; stands down when the session ends.

use std::sync::atomic::Ordering;

use rampart_client::{Event, ForgetCursor};
use rampart_protocol::{Author, ConversationId, EpochId, ForgetPosition, ServerFrame};
use rampart_vault::{MaskedText, UnixMillis};
use tokio::sync::mpsc;

use super::local::SharedVault;
use super::view::{Connection, ConsoleEvent, Delivery, FormView, MessageView, NoticeCode};
use super::{Console, now_ms};

pub(super) async fn run(
    console: Console,
    generation: u64,
    mut events: mpsc::Receiver<Event>,
    vault: Option<SharedVault>,
    forgotten: ForgetCursor,
) {
    // An event read past the end of a run of messages, handled next.
    let mut next: Option<Event> = None;
    // After a deletion the cache could not carry out, the position stays where it was for the
    // rest of the session, so the next connection's hello asks for that deletion again.
    let mut forget_failed = false;
    loop {
        let event = match next.take() {
            Some(event) => event,
            None => match events.recv().await {
                Some(event) => event,
                None => return,
            },
        };
        if console.inner.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        match event {
            Event::Frame(first @ ServerFrame::Message { .. }) => {
                // Messages already waiting (a burst, a resume after reconnecting) are cached in
                // one transaction: one commit instead of one per message. Order is kept: the
                // first other event ends the run and is handled right after it.
                let mut run = vec![first];
                while run.len() < MESSAGE_RUN {
                    match events.try_recv() {
                        Ok(Event::Frame(frame @ ServerFrame::Message { .. })) => run.push(frame),
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                on_messages(&console, vault.as_ref(), run);
            }
            Event::Connecting { attempt } => {
                connection(&console, Connection::Connecting { attempt })
            }
            Event::Connected { .. } => connection(&console, Connection::Online),
            Event::Disconnected { error, retry_in } => {
                tracing::info!(code = ?error.code(), "disconnected from the hub");
                let retry_in_ms = u32::try_from(retry_in.as_millis()).unwrap_or(u32::MAX);
                connection(&console, Connection::Waiting { retry_in_ms });
            }
            Event::Frame(ServerFrame::WipeDevice) => {
                // An administrator ordered this device wiped: drop the cache and keys now.
                tokio::spawn(async move { console.session_wiped(generation).await });
                return;
            }
            Event::Frame(ServerFrame::Forget {
                conversations,
                through,
                epoch,
            }) => {
                // Carried out only once the cache let go of them: otherwise the hub sends them
                // again at the next connection.
                let deleted = forget(&console, vault.as_ref(), &conversations);
                forget_failed |= !deleted;
                if !forget_failed {
                    carried_out(vault.as_ref(), &forgotten, through, epoch);
                }
            }
            Event::Frame(frame) => on_frame(&console, vault.as_ref(), frame),
            Event::SendFailed {
                id,
                conversation_id,
                error,
            } => {
                tracing::warn!(code = ?error.code(), "message refused by the hub");
                if let Some(Some(message)) =
                    console.inner.with_model(|m| m.fail(conversation_id, id))
                {
                    console.emit(ConsoleEvent::Message { message });
                }
                console.emit(ConsoleEvent::Notice {
                    code: NoticeCode::SendFailed,
                });
            }
            Event::Fault(rampart_client::ClientError::Refused {
                code: rampart_protocol::ErrorCode::FormUnknown,
                ..
            }) => {
                // A secure form the hub no longer defines (its configuration changed since
                // this console signed in): the agent's request went nowhere.
                tracing::info!("the hub does not offer the secure form asked for");
                console.emit(ConsoleEvent::Notice {
                    code: NoticeCode::FormUnavailable,
                });
            }
            Event::Fault(error) => tracing::warn!(code = ?error.code(), "live connection fault"),
            Event::SessionRevoked => {
                // Ending the session aborts this task, so it happens on another one.
                tokio::spawn(async move { console.session_ended(generation).await });
                return;
            }
            Event::Stopped { error } => {
                if let Some(error) = error {
                    tracing::warn!(code = ?error.code(), "live connection stopped");
                    tokio::spawn(async move { console.session_ended(generation).await });
                }
                return;
            }
            _ => {}
        }
    }
}

fn connection(console: &Console, connection: Connection) {
    console.inner.with_model(|m| m.connection = connection);
    console.emit(ConsoleEvent::Connection { connection });
}

fn on_frame(console: &Console, vault: Option<&SharedVault>, frame: ServerFrame) {
    match frame {
        ServerFrame::Queue { waiting, total } => {
            console
                .inner
                .with_model(|m| m.set_queue(waiting.clone(), total));
            console.emit(ConsoleEvent::Queue { waiting, total });
        }
        ServerFrame::Assigned {
            conversation_id,
            locale,
            privacy_notice,
            privacy_acknowledged_at,
        } => {
            let now = now_ms();
            if let Some(view) = console.inner.with_model(|m| {
                m.open_conversation(conversation_id, &locale, now);
                m.set_privacy(conversation_id, privacy_notice, privacy_acknowledged_at)
                    .unwrap_or_else(|| m.open_conversation(conversation_id, &locale, now))
            }) {
                cache_conversation(console, vault, &view.id.to_string(), now);
                console.emit(ConsoleEvent::Conversation { conversation: view });
            }
        }
        frame @ ServerFrame::Message { .. } => on_messages(console, vault, vec![frame]),
        ServerFrame::Ack {
            id,
            conversation_id,
            seq,
        } => {
            if let Some(Some(message)) = console
                .inner
                .with_model(|m| m.acknowledge(conversation_id, id, seq))
            {
                console.emit(ConsoleEvent::Message { message });
            }
        }
        ServerFrame::Typing {
            conversation_id,
            author: Author::Visitor,
            active,
        } => {
            if let Some(Some(view)) = console
                .inner
                .with_model(|m| m.set_typing(conversation_id, active))
            {
                console.emit(ConsoleEvent::Conversation { conversation: view });
            }
        }
        ServerFrame::Closed { conversation_id } => {
            if let Some(Some(view)) = console
                .inner
                .with_model(|m| m.close_conversation(conversation_id))
            {
                console.emit(ConsoleEvent::Conversation { conversation: view });
            }
        }
        ServerFrame::FormRequested {
            conversation_id,
            form_id,
            form,
            expires_at,
            definition,
        } => form_event(
            console,
            FormView {
                conversation_id,
                form_id,
                kind: form,
                expires_at,
                fields: Vec::new(),
                definition,
            },
        ),
        ServerFrame::FormSubmitted {
            conversation_id,
            form_id,
            form,
            fields,
        } => form_event(
            console,
            FormView {
                conversation_id,
                form_id,
                kind: form,
                expires_at: 0,
                fields,
                definition: None,
            },
        ),
        ServerFrame::TrainingGate { gate } => {
            tracing::info!(allowed = gate.allowed, "training gate");
            console
                .inner
                .with_model(|m| m.training_gate = Some(gate.clone()));
            console.emit(ConsoleEvent::TrainingGate { gate });
        }
        ServerFrame::LiveTraining { session } => {
            console
                .inner
                .with_model(|m| m.live_training = Some((*session).clone()));
            console.emit(ConsoleEvent::LiveTraining { session });
        }
        ServerFrame::Error { code, .. } => {
            tracing::warn!(?code, "the hub refused a frame");
        }
        _ => {}
    }
}

/// The vault setting holding the position of the last `forget` frame carried out: its epoch
/// and number as JSON (`{"epoch": "…", "through": 12}`). Releases before epochs stored a bare
/// number here, which reads as no position.
const FORGOTTEN_THROUGH: &str = "hub.forgotten_through";

/// The deletion position this cache reached in an earlier session.
pub(super) fn forget_cursor(vault: &SharedVault) -> ForgetCursor {
    let stored = vault.lock().setting(FORGOTTEN_THROUGH).ok().flatten();
    ForgetCursor::at(stored_position(stored.as_deref()))
}

/// A stored position; `None` when there is none, it is unreadable, or it has no epoch (stored
/// before positions had one): the hub then sends every recent deletion again, which is safe,
/// where a bare number could be taken for a position of another database.
fn stored_position(stored: Option<&str>) -> Option<ForgetPosition> {
    serde_json::from_str(stored?).ok()
}

/// Records that the deletions through `through` (recorded under `epoch`) are carried out, in
/// memory for the next reconnect and in the cache for the next session.
fn carried_out(
    vault: Option<&SharedVault>,
    cursor: &ForgetCursor,
    through: i64,
    epoch: Option<EpochId>,
) {
    if !cursor.carried_out(through, epoch) {
        return;
    }
    let Some((vault, position)) = vault.zip(cursor.get()) else {
        return;
    };
    let stored = serde_json::to_string(&position).unwrap_or_default();
    if let Err(error) = vault.lock().set_setting(FORGOTTEN_THROUGH, &stored) {
        tracing::warn!(
            code = error.code().as_str(),
            "could not record the deletion position"
        );
    }
}

/// The hub deleted these conversations: so does the console, cache first.
/// Drops the conversations from the cache and the model. False when the cache could not.
fn forget(
    console: &Console,
    vault: Option<&SharedVault>,
    conversations: &[ConversationId],
) -> bool {
    let mut deleted = true;
    if let Some(vault) = vault {
        let ids: Vec<String> = conversations.iter().map(ToString::to_string).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        match vault.lock().forget_conversations(&ids) {
            Ok(deleted) => tracing::info!(
                conversations = ids.len(),
                messages = deleted,
                "deleted conversations the hub deleted"
            ),
            Err(error) => {
                deleted = false;
                tracing::warn!(
                    code = error.code().as_str(),
                    "forgetting conversations failed"
                );
                console.emit(ConsoleEvent::Notice {
                    code: NoticeCode::CacheFailed,
                });
            }
        }
    }
    let held = console
        .inner
        .with_model(|m| m.forget(conversations))
        .unwrap_or_default();
    if !held.is_empty() {
        console.emit(ConsoleEvent::Forgotten {
            conversations: held,
        });
    }
    deleted
}

fn form_event(console: &Console, form: FormView) {
    if let Some(form) = console.inner.with_model(|m| m.upsert_form(form)) {
        console.emit(ConsoleEvent::Form { form });
    }
}

fn cache_conversation(console: &Console, vault: Option<&SharedVault>, id: &str, now: i64) {
    let Some(vault) = vault else { return };
    let conversation = rampart_vault::Conversation {
        id: id.to_owned(),
        title: MaskedText::already_masked(String::new()),
        updated_at: UnixMillis(now),
    };
    if let Err(error) = vault.lock().upsert_conversation(&conversation) {
        tracing::warn!(
            code = error.code().as_str(),
            "caching a conversation failed"
        );
        console.emit(ConsoleEvent::Notice {
            code: NoticeCode::CacheFailed,
        });
    }
}

/// Messages cached in one transaction at most (a run of waiting message frames).
const MESSAGE_RUN: usize = 500;

/// Delivered messages, in order: cached together, then each notified and shown.
fn on_messages(console: &Console, vault: Option<&SharedVault>, frames: Vec<ServerFrame>) {
    let mut messages = Vec::with_capacity(frames.len());
    for frame in frames {
        let ServerFrame::Message {
            conversation_id,
            seq,
            id,
            author,
            text,
            spans,
            sent_at,
        } = frame
        else {
            continue;
        };
        let Some(own) = console.inner.with_model(|m| m.is_me(&author)) else {
            return;
        };
        messages.push(MessageView {
            conversation_id,
            id,
            seq: Some(seq),
            author,
            text,
            spans,
            sent_at,
            own,
            delivery: Delivery::Delivered,
        });
    }
    cache_messages(console, vault, &messages);
    for message in messages {
        console.notify_message(&message);
        if let Some((view, shown)) = console.inner.with_model(|m| {
            let shown = m.is_shown(message.conversation_id);
            (m.upsert_message(message.clone()), shown)
        }) {
            if shown {
                console.emit(ConsoleEvent::Message { message });
            }
            console.emit(ConsoleEvent::Conversation { conversation: view });
        }
    }
}

/// Caches messages (and their conversations' latest activity) in one vault transaction.
fn cache_messages(console: &Console, vault: Option<&SharedVault>, messages: &[MessageView]) {
    let Some(vault) = vault else { return };
    if messages.is_empty() {
        return;
    }
    let mut latest: Vec<(ConversationId, i64)> = Vec::new();
    for message in messages {
        match latest
            .iter_mut()
            .find(|(id, _)| *id == message.conversation_id)
        {
            Some((_, at)) => *at = (*at).max(message.sent_at),
            None => latest.push((message.conversation_id, message.sent_at)),
        }
    }
    for (conversation, at) in latest {
        cache_conversation(console, Some(vault), &conversation.to_string(), at);
    }
    let cached: Vec<rampart_vault::Message> = messages
        .iter()
        .map(|message| rampart_vault::Message {
            id: message.id.to_string(),
            conversation_id: message.conversation_id.to_string(),
            author: match message.author {
                Author::Visitor => rampart_vault::Author::Customer,
                Author::Agent { .. } => rampart_vault::Author::Agent,
                Author::System => rampart_vault::Author::System,
            },
            // The hub masked this text before storing and delivering it.
            body: MaskedText::already_masked(message.text.clone()),
            sent_at: UnixMillis(message.sent_at),
        })
        .collect();
    if let Err(error) = vault.lock().insert_messages(&cached) {
        tracing::warn!(
            code = error.code().as_str(),
            messages = cached.len(),
            "caching messages failed"
        );
        console.emit(ConsoleEvent::Notice {
            code: NoticeCode::CacheFailed,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_stored_position_with_its_epoch_is_named_to_the_hub() {
        let position = ForgetPosition {
            epoch: EpochId::new(),
            through: 12,
        };
        let stored = serde_json::to_string(&position).unwrap_or_default();
        assert_eq!(stored_position(Some(&stored)), Some(position));
        // Nothing stored, a bare number from a release before epochs, half a position,
        // or something unreadable: no position, so the hub sends every recent deletion.
        for old in [
            None,
            Some("12"),
            Some(""),
            Some(r#"{"through":12}"#),
            Some(r#"{"epoch":"not-an-epoch","through":12}"#),
        ] {
            assert_eq!(stored_position(old), None, "{old:?}");
        }
    }
}
