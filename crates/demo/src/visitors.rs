//! Simulated visitors: a task that keeps a few visitors waiting, each one a real client of the
//! hub's public API (privacy notice, new visitor, `/ws/visitor` through `rampart_client::Live`)
//! that follows a script from [`crate::scripts`] and converses: its first line on arrival, each
//! next one a little after the agent answers. It leaves when the script is done and the agent
//! answered once more, or when the conversation is closed.
//!
//! Logs name the conversation id and the scenario, never the text.

use std::time::Duration;

use rampart_client::{ClientError, Endpoint, Event, HubApi, Live, LiveConfig, VisitorSession};
use rampart_hub::chat::Chat;
use rampart_protocol::{Author, ConversationId, FormKind, FormValue, ServerFrame};
use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};

use crate::scripts::{Deck, Scenario};

/// Simulated visitors connected at once, at most, whatever the agent does.
const MAX_VISITORS: usize = 32;

/// How the simulator behaves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    /// A new visitor arrives this often (if fewer than `max_waiting` wait).
    pub every: Duration,
    /// Visitors waiting for an agent, at most.
    pub max_waiting: usize,
    /// Typical pause before a visitor answers the agent (varied ±50%).
    pub reply_delay: Duration,
}

/// The running simulator.
pub(crate) struct Simulator {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Simulator {
    /// Starts it on the current runtime. `chat` is only read (how many visitors wait).
    pub(crate) fn spawn(chat: Chat, api: HubApi, settings: Settings) -> Self {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(chat, api, settings, stopped));
        Self { stop, task }
    }

    /// Asks the simulator and its visitors to stop, without waiting.
    pub(crate) fn signal_stop(&self) {
        self.stop.send_replace(true);
    }

    /// Stops the simulator; every visitor disconnects. Waits at most `limit`.
    pub(crate) async fn stop(self, limit: Duration) -> Result<(), crate::DemoError> {
        self.signal_stop();
        let abort = self.task.abort_handle();
        match tokio::time::timeout(limit, self.task).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(crate::DemoError::Task {
                task: "visitors",
                reason: "panicked",
            }),
            Err(_) => {
                abort.abort();
                Err(crate::DemoError::Task {
                    task: "visitors",
                    reason: "did not stop in time",
                })
            }
        }
    }
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    // A dropped sender also means stop.
    let _ = stop.wait_for(|stop| *stop).await;
}

async fn run(chat: Chat, api: HubApi, settings: Settings, mut stop: watch::Receiver<bool>) {
    let mut visitors = JoinSet::new();
    let mut deck = Deck::new();
    let mut tick = tokio::time::interval(settings.every.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stopped(&mut stop) => break,
            _ = tick.tick() => {}
        }
        while visitors.try_join_next().is_some() {}
        if visitors.len() >= MAX_VISITORS {
            continue;
        }
        match chat.waiting_count().await {
            Ok(waiting) if waiting < settings.max_waiting as u64 => {}
            Ok(_) => continue,
            Err(error) => {
                tracing::warn!(%error, "visitor simulator: cannot read the queue");
                continue;
            }
        }
        let scenario = deck.draw();
        // Arrive before the next tick counts the queue, so it never exceeds `max_waiting`.
        let session = tokio::select! {
            () = stopped(&mut stop) => break,
            arrived = arrive(&api, scenario) => arrived,
        };
        match session {
            Ok(session) => {
                tracing::info!(
                    conversation = %session.conversation_id,
                    scenario = scenario.name,
                    "simulated visitor arrived"
                );
                visitors.spawn(converse(
                    api.clone(),
                    session,
                    scenario,
                    settings.reply_delay,
                    stop.clone(),
                ));
            }
            Err(error) => {
                tracing::warn!(code = ?error.code(), "simulated visitor could not arrive");
            }
        }
    }
    while visitors.join_next().await.is_some() {}
}

/// A visitor reads and acknowledges the privacy notice and opens a conversation.
async fn arrive(api: &HubApi, scenario: &Scenario) -> Result<VisitorSession, ClientError> {
    let notice = api.privacy_notice().await?;
    api.new_visitor(scenario.locale, &notice.version).await
}

/// `delay` varied between 50% and 150%, so visitors do not answer in lockstep.
fn varied(delay: Duration) -> Duration {
    delay.mul_f64(rand::rng().random_range(0.5..1.5))
}

/// One visitor's conversation, until the script is done, the conversation closes or the
/// simulator stops.
async fn converse(
    api: HubApi,
    session: VisitorSession,
    scenario: &'static Scenario,
    reply_delay: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let conversation = session.conversation_id;
    let (live, mut events) = Live::spawn(LiveConfig::new(
        api.hub().clone(),
        Endpoint::Visitor,
        session.token,
    ));
    let mut next = 0;
    let mut due: Option<Instant> = None;
    loop {
        let wake = async {
            match due {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = stopped(&mut stop) => break,
            () = wake => {
                due = None;
                if !say(&live, conversation, scenario, &mut next).await {
                    break;
                }
            }
            event = events.recv() => match event {
                // The first line goes out on the first connection only; after a reconnect the
                // client resends whatever was not acknowledged.
                Some(Event::Connected { .. }) if next == 0 => {
                    if !say(&live, conversation, scenario, &mut next).await {
                        break;
                    }
                }
                Some(Event::Frame(ServerFrame::Message {
                    conversation_id,
                    author: Author::Agent { .. },
                    ..
                })) if conversation_id == conversation && next > 0 => {
                    // Answer once the agent pauses: each new agent message restarts the wait.
                    due = Some(Instant::now() + varied(reply_delay));
                    if next < scenario.lines.len() {
                        let _ = live.typing(conversation, true).await;
                    }
                }
                Some(Event::Frame(ServerFrame::FormRequested { conversation_id, form_id, form, .. }))
                    if conversation_id == conversation =>
                {
                    // The simulated customer fills in the secure form with test values after
                    // a moment, as a person would.
                    tokio::time::sleep(varied(reply_delay)).await;
                    if let Err(error) = live.submit_form(conversation, form_id, demo_form(form)).await {
                        tracing::debug!(%conversation, code = ?error.code(), "simulated visitor could not submit a form");
                    }
                }
                Some(Event::Frame(ServerFrame::Closed { conversation_id }))
                    if conversation_id == conversation =>
                {
                    tracing::info!(%conversation, "simulated visitor: conversation closed");
                    break;
                }
                Some(Event::SendFailed { error, .. }) => {
                    tracing::debug!(%conversation, code = ?error.code(), "simulated visitor: message refused");
                }
                Some(Event::SessionRevoked | Event::Stopped { .. }) | None => break,
                Some(_) => {}
            }
        }
    }
    tracing::info!(%conversation, scenario = scenario.name, "simulated visitor left");
    let _ = live.shutdown().await;
}

/// Test values a simulated visitor types into a secure form (public test numbers only).
fn demo_form(form: FormKind) -> Vec<FormValue> {
    let pairs: &[(&str, &str)] = match form {
        FormKind::Card => &[
            ("cardNumber", "5555 5555 5555 4444"),
            ("expiry", "09/31"),
            ("cvv", "321"),
        ],
        FormKind::Ssn => &[("ssn", "123-45-6788")],
        FormKind::NationalId => &[("nationalId", "12345678Z")],
        FormKind::DateOfBirth => &[("dateOfBirth", "1987-04-12")],
        // The demo's own form (forms.toml); any other custom form is left unanswered.
        FormKind::Custom(id) if id == "policy-check" => {
            &[("policyNumber", "PL-204816"), ("postcode", "28013")]
        }
        FormKind::Custom(_) => &[],
    };
    pairs
        .iter()
        .map(|(name, value)| FormValue::new(*name, *value))
        .collect()
}

/// Sends the next line; `false` when the script is done (the visitor leaves).
async fn say(
    live: &Live,
    conversation: ConversationId,
    scenario: &Scenario,
    next: &mut usize,
) -> bool {
    let Some(line) = scenario.lines.get(*next) else {
        return false;
    };
    *next += 1;
    let _ = live.typing(conversation, false).await;
    if let Err(error) = live.send(conversation, *line).await {
        tracing::debug!(%conversation, code = ?error.code(), "simulated visitor could not send");
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_hub::forms::SecureForms;
    use rampart_protocol::{AgentId, ConversationId};

    #[test]
    fn simulated_visitors_fill_in_the_demo_custom_form_so_the_hub_accepts_it() {
        let section = crate::demo_forms().unwrap();
        let forms =
            SecureForms::new(std::time::Duration::from_secs(60)).with_custom(&section.custom);
        let kind = FormKind::Custom("policy-check".into());
        assert!(
            forms.definition(&kind).is_some(),
            "the demo defines its form"
        );
        let conversation = ConversationId::new();
        let (id, _) = forms
            .request(conversation, kind.clone(), AgentId::new(), 0)
            .unwrap();
        let (_, fields) = forms.submit(conversation, id, &demo_form(kind), 1).unwrap();
        let masked: Vec<&str> = fields.iter().map(|f| f.masked.as_str()).collect();
        assert_eq!(masked, ["•••• 4816", "••••••"]);
    }
}
