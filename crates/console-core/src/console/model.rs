//! The main screen's data in memory: the queue, the agent's conversations and their messages.
//! Updated by the event pump and by the agent's own actions; read by the UI through snapshots
//! and paged message lists, and pushed to it as events.

use std::collections::{HashMap, VecDeque};

use rampart_protocol::{AgentId, Author, Availability, ConversationId, MessageId, QueueEntry, Seq};

use super::view::{Connection, ConversationView, Delivery, FormView, MessageView, Snapshot};

/// Characters of the last message shown in the conversation list.
const PREVIEW_CHARS: usize = 80;

/// How many recently focused conversations the UI keeps in the page (`LOADED_CONVERSATIONS` in
/// `ui/src/lib/workspace/model.ts`; the two must agree). Message events for the others are not
/// sent: a busy agent's twenty conversations would otherwise stream every message into the
/// WebView only to be dropped there.
pub const SHOWN_CONVERSATIONS: usize = 3;

/// One conversation with its messages in seq order (pending own messages at the end).
#[derive(Debug, Default)]
struct Thread {
    view: Option<ConversationView>,
    messages: Vec<MessageView>,
    by_id: HashMap<MessageId, usize>,
    forms: Vec<FormView>,
}

/// Everything the main screen shows.
#[derive(Debug)]
pub struct Model {
    me: AgentId,
    queue: Vec<QueueEntry>,
    queue_total: u32,
    threads: HashMap<ConversationId, Thread>,
    focused: Option<ConversationId>,
    /// The conversations whose transcripts the UI holds, most recently focused first.
    shown: VecDeque<ConversationId>,
    /// The connection.
    pub connection: Connection,
    /// Routable or away.
    pub availability: Availability,
    /// The hub's latest decision on live work for this agent.
    pub training_gate: Option<rampart_protocol::training::TrainingGate>,
    /// The latest state of the live training session this agent runs or joined.
    pub live_training: Option<rampart_protocol::training::LiveSession>,
}

impl Model {
    /// An empty model for the signed-in agent `me`.
    pub fn new(me: AgentId) -> Self {
        Self {
            me,
            queue: Vec::new(),
            queue_total: 0,
            threads: HashMap::new(),
            focused: None,
            shown: VecDeque::with_capacity(SHOWN_CONVERSATIONS),
            connection: Connection::Connecting { attempt: 0 },
            availability: Availability::Away,
            training_gate: None,
            live_training: None,
        }
    }

    /// Whether `author` is the signed-in agent.
    pub fn is_me(&self, author: &Author) -> bool {
        matches!(author, Author::Agent { agent_id, .. } if *agent_id == self.me)
    }

    /// Replaces the queue.
    pub fn set_queue(&mut self, waiting: Vec<QueueEntry>, total: u32) {
        self.queue = waiting;
        self.queue_total = total;
    }

    /// Adds a conversation (assigned, or seen in a resumed message). Returns its view.
    pub fn open_conversation(
        &mut self,
        id: ConversationId,
        locale: &str,
        now: i64,
    ) -> ConversationView {
        let thread = self.threads.entry(id).or_default();
        let view = thread.view.get_or_insert_with(|| ConversationView {
            id,
            locale: locale.to_owned(),
            open: true,
            unread: 0,
            last_at: now,
            preview: String::new(),
            message_count: 0,
            typing: false,
            privacy_notice: None,
            privacy_acknowledged_at: None,
        });
        view.open = true;
        if !locale.is_empty() {
            locale.clone_into(&mut view.locale);
        }
        view.clone()
    }

    /// Records the privacy notice the visitor acknowledged. Returns the view.
    pub fn set_privacy(
        &mut self,
        id: ConversationId,
        notice: Option<String>,
        acknowledged_at: Option<i64>,
    ) -> Option<ConversationView> {
        let view = self.threads.get_mut(&id)?.view.as_mut()?;
        view.privacy_notice = notice;
        view.privacy_acknowledged_at = acknowledged_at;
        Some(view.clone())
    }

    /// Drops conversations the hub deleted. Returns those that were held.
    pub fn forget(&mut self, ids: &[ConversationId]) -> Vec<ConversationId> {
        self.shown.retain(|id| !ids.contains(id));
        self.queue
            .retain(|entry| !ids.contains(&entry.conversation_id));
        if self.focused.is_some_and(|id| ids.contains(&id)) {
            self.focused = None;
        }
        ids.iter()
            .copied()
            .filter(|id| self.threads.remove(id).is_some())
            .collect()
    }

    /// Marks a conversation closed.
    pub fn close_conversation(&mut self, id: ConversationId) -> Option<ConversationView> {
        let thread = self.threads.get_mut(&id)?;
        // The hub dropped the form values with the conversation.
        for form in &mut thread.forms {
            form.fields.iter_mut().for_each(|f| f.revealable = false);
        }
        let view = thread.view.as_mut()?;
        view.open = false;
        view.typing = false;
        Some(view.clone())
    }

    /// Sets the typing flag.
    pub fn set_typing(&mut self, id: ConversationId, active: bool) -> Option<ConversationView> {
        let view = self.threads.get_mut(&id)?.view.as_mut()?;
        view.typing = active;
        Some(view.clone())
    }

    /// The conversation the agent is looking at: its messages do not count as unread.
    pub fn focus(&mut self, id: Option<ConversationId>) -> Option<ConversationView> {
        self.focused = id;
        if let Some(id) = id {
            self.shown.retain(|held| *held != id);
            self.shown.push_front(id);
            self.shown.truncate(SHOWN_CONVERSATIONS);
        }
        let view = self.threads.get_mut(&id?)?.view.as_mut()?;
        view.unread = 0;
        Some(view.clone())
    }

    /// Whether the UI holds this conversation's transcript, so message events for it are worth
    /// sending. The others are loaded from the model when the agent opens them.
    pub fn is_shown(&self, id: ConversationId) -> bool {
        self.shown.contains(&id)
    }

    /// Adds or updates a message (same id: the delivered copy replaces the pending one).
    /// Returns the conversation's new view.
    pub fn upsert_message(&mut self, message: MessageView) -> ConversationView {
        let id = message.conversation_id;
        let focused = self.focused == Some(id);
        let thread = self.threads.entry(id).or_default();
        let view = thread.view.get_or_insert_with(|| ConversationView {
            id,
            locale: String::new(),
            open: true,
            unread: 0,
            last_at: message.sent_at,
            preview: String::new(),
            message_count: 0,
            typing: false,
            privacy_notice: None,
            privacy_acknowledged_at: None,
        });
        view.last_at = view.last_at.max(message.sent_at);
        view.preview = message.text.chars().take(PREVIEW_CHARS).collect();
        let counts_unread = !message.own && !focused && !matches!(message.author, Author::System);
        if matches!(message.author, Author::Visitor) {
            // A message from the visitor ends their typing.
            view.typing = false;
        }
        match thread.by_id.get(&message.id) {
            Some(&index) => {
                if let Some(slot) = thread.messages.get_mut(index) {
                    *slot = message;
                }
            }
            None => {
                if counts_unread {
                    view.unread = view.unread.saturating_add(1);
                }
                thread.by_id.insert(message.id, thread.messages.len());
                thread.messages.push(message);
            }
        }
        view.message_count = u32::try_from(thread.messages.len()).unwrap_or(u32::MAX);
        view.clone()
    }

    /// An `ack` for one of the agent's messages. Returns the updated message, if held.
    pub fn acknowledge(
        &mut self,
        conversation: ConversationId,
        id: MessageId,
        seq: Seq,
    ) -> Option<MessageView> {
        let thread = self.threads.get_mut(&conversation)?;
        let index = *thread.by_id.get(&id)?;
        let message = thread.messages.get_mut(index)?;
        message.seq = Some(seq);
        message.delivery = Delivery::Delivered;
        Some(message.clone())
    }

    /// A message the hub refused for good.
    pub fn fail(&mut self, conversation: ConversationId, id: MessageId) -> Option<MessageView> {
        let thread = self.threads.get_mut(&conversation)?;
        let index = *thread.by_id.get(&id)?;
        let message = thread.messages.get_mut(index)?;
        message.delivery = Delivery::Failed;
        Some(message.clone())
    }

    /// A form was requested (`fields` empty) or submitted. Returns its new state.
    pub fn upsert_form(&mut self, form: FormView) -> FormView {
        let thread = self.threads.entry(form.conversation_id).or_default();
        match thread.forms.iter_mut().find(|f| f.form_id == form.form_id) {
            Some(slot) => {
                // A request repeated after a reconnect (no fields) never empties a submitted
                // form: a submitted form does not reopen.
                if !form.fields.is_empty() || slot.fields.is_empty() {
                    slot.fields = form.fields;
                }
                if form.definition.is_some() {
                    slot.definition = form.definition;
                }
                slot.clone()
            }
            None => {
                thread.forms.push(form.clone());
                form
            }
        }
    }

    /// A field can no longer be revealed (a CVV after its one view).
    pub fn spend_field(
        &mut self,
        conversation: ConversationId,
        form: rampart_protocol::FormId,
        field: &str,
    ) -> Option<FormView> {
        let thread = self.threads.get_mut(&conversation)?;
        let view = thread.forms.iter_mut().find(|f| f.form_id == form)?;
        let slot = view.fields.iter_mut().find(|f| f.name == field)?;
        slot.revealable = false;
        Some(view.clone())
    }

    /// Whether a form's field is removed by its first reveal: a CVV, or a custom field
    /// defined so.
    pub fn shows_once(
        &self,
        conversation: ConversationId,
        form: rampart_protocol::FormId,
        field: &str,
    ) -> bool {
        let view = self
            .threads
            .get(&conversation)
            .and_then(|t| t.forms.iter().find(|f| f.form_id == form));
        match view {
            Some(FormView {
                kind: rampart_protocol::FormKind::Custom(_),
                definition,
                ..
            }) => definition
                .iter()
                .flat_map(|d| &d.fields)
                .any(|f| f.name == field && f.reveal_once),
            _ => field == "cvv",
        }
    }

    /// The secure forms of a conversation, oldest first.
    pub fn forms(&self, id: ConversationId) -> Vec<FormView> {
        self.threads
            .get(&id)
            .map_or_else(Vec::new, |t| t.forms.clone())
    }

    /// The last `limit` messages of a conversation, oldest first.
    pub fn messages(&self, id: ConversationId, limit: usize) -> Vec<MessageView> {
        self.threads.get(&id).map_or_else(Vec::new, |thread| {
            let skip = thread.messages.len().saturating_sub(limit);
            thread.messages[skip..].to_vec()
        })
    }

    /// The `limit` messages just before `before`, oldest first: the next page up when the UI
    /// scrolls a transcript it loaded only the end of. Empty when `before` is not held.
    pub fn messages_before(
        &self,
        id: ConversationId,
        before: MessageId,
        limit: usize,
    ) -> Vec<MessageView> {
        self.threads
            .get(&id)
            .and_then(|thread| {
                let end = *thread.by_id.get(&before)?;
                let start = end.saturating_sub(limit);
                thread.messages.get(start..end).map(<[MessageView]>::to_vec)
            })
            .unwrap_or_default()
    }

    /// Whether this session lists the conversation.
    pub fn knows(&self, id: ConversationId) -> bool {
        self.threads.get(&id).is_some_and(|t| t.view.is_some())
    }

    /// Whether the agent holds this conversation and it is open.
    pub fn is_open(&self, id: ConversationId) -> bool {
        self.threads
            .get(&id)
            .and_then(|t| t.view.as_ref())
            .is_some_and(|v| v.open)
    }

    /// Everything for a fresh UI.
    pub fn snapshot(&self) -> Snapshot {
        let mut conversations: Vec<ConversationView> = self
            .threads
            .values()
            .filter_map(|t| t.view.clone())
            .collect();
        conversations.sort_by(|a, b| b.open.cmp(&a.open).then(b.last_at.cmp(&a.last_at)));
        Snapshot {
            queue: self.queue.clone(),
            queue_total: self.queue_total,
            conversations,
            connection: self.connection,
            availability: self.availability,
            training_gate: self.training_gate.clone(),
            live_training: self.live_training.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(conversation: ConversationId, author: Author, own: bool, text: &str) -> MessageView {
        MessageView {
            conversation_id: conversation,
            id: MessageId::new(),
            seq: None,
            author,
            text: text.to_owned(),
            spans: Vec::new(),
            sent_at: 1,
            own,
            delivery: Delivery::Pending,
        }
    }

    #[test]
    fn visitor_messages_count_as_unread_until_the_conversation_is_focused() {
        let me = AgentId::new();
        let mut model = Model::new(me);
        let c = ConversationId::new();
        model.open_conversation(c, "es", 0);
        let view = model.upsert_message(message(c, Author::Visitor, false, "hola"));
        assert_eq!(view.unread, 1);
        assert_eq!(view.preview, "hola");
        assert_eq!(model.focus(Some(c)).unwrap().unread, 0);
        let view = model.upsert_message(message(c, Author::Visitor, false, "¿sigue ahí?"));
        assert_eq!(view.unread, 0, "a focused conversation has nothing unread");
        let other = ConversationId::new();
        model.open_conversation(other, "en", 0);
        let view = model.upsert_message(message(other, Author::System, false, "joined"));
        assert_eq!(view.unread, 0, "system lines are not unread messages");
    }

    #[test]
    fn only_the_most_recently_focused_conversations_are_shown() {
        let mut model = Model::new(AgentId::new());
        let ids: Vec<ConversationId> = (0..4).map(|_| ConversationId::new()).collect();
        assert!(!model.is_shown(ids[0]), "nothing is shown before a focus");
        for id in &ids {
            model.focus(Some(*id));
        }
        assert!(
            !model.is_shown(ids[0]),
            "the least recently focused one is dropped"
        );
        assert!(ids[1..].iter().all(|id| model.is_shown(*id)));
        // Focusing a shown one again keeps it (and does not duplicate it); unfocusing keeps all.
        model.focus(Some(ids[1]));
        model.focus(None);
        assert!(ids[1..].iter().all(|id| model.is_shown(*id)));
        model.focus(Some(ids[0]));
        assert!(model.is_shown(ids[0]) && model.is_shown(ids[1]) && model.is_shown(ids[3]));
        assert!(!model.is_shown(ids[2]));
    }

    #[test]
    fn the_delivered_copy_replaces_the_pending_one_and_acks_mark_delivery() {
        let me = AgentId::new();
        let mut model = Model::new(me);
        let c = ConversationId::new();
        let author = Author::Agent {
            agent_id: me,
            display_name: "Ana".into(),
        };
        let pending = message(c, author.clone(), true, "card ••••1111");
        let id = pending.id;
        model.upsert_message(pending.clone());
        let acked = model.acknowledge(c, id, Seq(4)).unwrap();
        assert_eq!(acked.delivery, Delivery::Delivered);
        let mut delivered = pending;
        delivered.seq = Some(Seq(4));
        delivered.delivery = Delivery::Delivered;
        let view = model.upsert_message(delivered);
        assert_eq!(view.message_count, 1, "same id: replaced, not duplicated");
        assert_eq!(view.unread, 0, "own messages are never unread");
        assert!(model.is_me(&author));
        assert!(model.fail(c, MessageId::new()).is_none());
    }

    #[test]
    fn messages_are_paged_from_the_end_and_snapshots_list_open_conversations_first() {
        let mut model = Model::new(AgentId::new());
        let open = ConversationId::new();
        let closed = ConversationId::new();
        model.open_conversation(open, "en", 1);
        model.open_conversation(closed, "en", 5);
        model.close_conversation(closed);
        for i in 0..5 {
            model.upsert_message(message(open, Author::Visitor, false, &format!("m{i}")));
        }
        let last = model.messages(open, 2);
        assert_eq!(
            last.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
            ["m3", "m4"]
        );
        // Scrolling up: the page before the oldest message the UI holds, then the rest.
        let texts = |list: &[MessageView]| list.iter().map(|m| m.text.clone()).collect::<Vec<_>>();
        let above = model.messages_before(open, last[0].id, 2);
        assert_eq!(texts(&above), ["m1", "m2"]);
        let top = model.messages_before(open, above[0].id, 2);
        assert_eq!(texts(&top), ["m0"]);
        assert!(model.messages_before(open, top[0].id, 2).is_empty());
        // A message the model does not hold, or in another conversation, gives nothing.
        assert!(model.messages_before(open, MessageId::new(), 2).is_empty());
        assert!(model.messages_before(closed, last[0].id, 2).is_empty());
        let snapshot = model.snapshot();
        assert_eq!(snapshot.conversations[0].id, open);
        assert!(!snapshot.conversations[1].open);
        assert!(model.messages(ConversationId::new(), 10).is_empty());
    }

    #[test]
    fn a_custom_form_keeps_its_definition_and_knows_which_fields_show_once() {
        use rampart_protocol::{
            CustomField, CustomForm, FieldCheck, FieldMask, FormId, FormKind, Localized,
        };
        let text = |s: &str| Localized {
            en: s.into(),
            es: s.into(),
        };
        let field = |name: &str, reveal_once: bool| CustomField {
            name: name.into(),
            label: text(name),
            hint: None,
            required: true,
            check: FieldCheck::Date,
            mask: FieldMask::Full,
            reveal_once,
        };
        let mut model = Model::new(AgentId::new());
        let conversation = ConversationId::new();
        let (custom, card) = (FormId::new(), FormId::new());
        let view = |form_id, kind, definition| FormView {
            conversation_id: conversation,
            form_id,
            kind,
            expires_at: 1,
            fields: Vec::new(),
            definition,
        };
        let definition = CustomForm {
            id: "pin".into(),
            title: text("PIN"),
            intro: None,
            fields: vec![field("pin", true), field("born", false)],
        };
        let kind = FormKind::Custom("pin".into());
        model.upsert_form(view(custom, kind.clone(), Some(definition.clone())));
        model.upsert_form(view(card, FormKind::Card, None));
        // The submission carries no definition: the request's stays.
        let submitted = model.upsert_form(view(custom, kind, None));
        assert_eq!(submitted.definition, Some(definition));
        assert!(model.shows_once(conversation, custom, "pin"));
        assert!(!model.shows_once(conversation, custom, "born"));
        assert!(
            !model.shows_once(conversation, custom, "cvv"),
            "a custom field is not a CVV by its name"
        );
        assert!(model.shows_once(conversation, card, "cvv"));
        assert!(!model.shows_once(conversation, card, "cardNumber"));
    }

    #[test]
    fn a_request_repeated_after_a_reconnect_keeps_the_submitted_fields() {
        use rampart_protocol::{FormId, FormKind, MaskedField};
        let mut model = Model::new(AgentId::new());
        let conversation = ConversationId::new();
        let form_id = FormId::new();
        let view = |fields: Vec<MaskedField>| FormView {
            conversation_id: conversation,
            form_id,
            kind: FormKind::Card,
            expires_at: 1,
            fields,
            definition: None,
        };
        let cvv = |revealable| MaskedField {
            name: "cvv".into(),
            masked: "•••".into(),
            revealable,
        };
        model.upsert_form(view(Vec::new()));
        model.upsert_form(view(vec![cvv(true)]));
        // The hub's hello repeats the request, then the submission as it is now.
        let repeated = model.upsert_form(view(Vec::new()));
        assert_eq!(repeated.fields, vec![cvv(true)], "still submitted");
        let now = model.upsert_form(view(vec![cvv(false)]));
        assert_eq!(now.fields, vec![cvv(false)]);
    }
}
