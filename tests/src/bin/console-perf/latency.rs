//! Visitors driven through the hub's public API, and the hub-to-paint measurement.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rampart_client::{Endpoint, Event, HubApi, HubUrl, Live, LiveConfig};
use rampart_e2e::{Console, Error};
use rampart_protocol::{ConversationId, MessageId, ServerFrame};
use serde_json::Value;

use crate::report::Stats;
use crate::{Options, wait_until, wall_ms};

/// A visitor driven through the hub's public API, noting when each message is acknowledged.
pub(crate) struct Visitor {
    pub(crate) live: Live,
    pub(crate) conversation: ConversationId,
    acks: Arc<Mutex<HashMap<MessageId, f64>>>,
    acked: Arc<AtomicUsize>,
    drain: tokio::task::JoinHandle<()>,
}

impl Visitor {
    pub(crate) async fn arrive(api: &HubApi, hub: &HubUrl, notice: &str) -> Result<Self, Error> {
        let session = api.new_visitor("en-GB", notice).await?;
        let (live, mut events) = Live::spawn(LiveConfig::new(
            hub.clone(),
            Endpoint::Visitor,
            session.token,
        ));
        let acks = Arc::new(Mutex::new(HashMap::new()));
        let acked = Arc::new(AtomicUsize::new(0));
        let drain = tokio::spawn({
            let acks = acks.clone();
            let acked = acked.clone();
            async move {
                // Every event is read, so the connection never waits on this side.
                while let Some(event) = events.recv().await {
                    if let Event::Frame(ServerFrame::Ack { id, .. }) = event {
                        let at = wall_ms();
                        acks.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .insert(id, at);
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
        Ok(Self {
            live,
            conversation: session.conversation_id,
            acks,
            acked,
            drain,
        })
    }

    pub(crate) fn acked(&self) -> usize {
        self.acked.load(Ordering::Relaxed)
    }

    fn ack_time(&self, id: &MessageId) -> Option<f64> {
        self.acks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .copied()
    }

    pub(crate) async fn leave(self) {
        let _ = self.live.shutdown().await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.drain).await;
    }
}

/// Notes, for every marker that enters the transcript, when it entered the DOM, when the next
/// animation frame began, and the task turn after that frame.
const MARK_OBSERVER_JS: &str = r"
window.__perfMarks = {};
if (window.__perfObserver) window.__perfObserver.disconnect();
const pattern = /perfmark[a-z]\d{3}/g;
window.__perfObserver = new MutationObserver((records) => {
  const dom = Date.now();
  const found = [];
  for (const record of records) {
    const nodes = record.type === 'characterData' ? [record.target] : [...record.addedNodes];
    for (const node of nodes) {
      const element = node.nodeType === 1 ? node : node.parentElement;
      const article = element?.closest('[data-testid=transcript] article');
      const inside = article
        ? [article]
        : [...(element?.querySelectorAll?.('article') ?? [])]
            .filter((a) => a.closest('[data-testid=transcript]'));
      for (const item of inside) {
        for (const marker of item.textContent.match(pattern) ?? []) {
          if (window.__perfMarks[marker]) continue;
          window.__perfMarks[marker] = { dom };
          found.push(marker);
        }
      }
    }
  }
  if (found.length === 0) return;
  requestAnimationFrame(() => {
    const frame = Date.now();
    setTimeout(() => {
      const painted = Date.now();
      for (const marker of found) Object.assign(window.__perfMarks[marker], { frame, painted });
    }, 0);
  });
});
window.__perfObserver.observe(document.body, {
  childList: true,
  subtree: true,
  characterData: true,
});
return true;
";

/// Latencies of one hub-to-paint run, in milliseconds.
pub(crate) struct Latency {
    /// Hub ack at the visitor → painted.
    pub(crate) ack_to_paint: Vec<f64>,
    /// Hub ack at the visitor → in the DOM.
    pub(crate) ack_to_dom: Vec<f64>,
    /// The visitor handing the message to its connection → painted (adds the trip to the hub
    /// and the hub's own work).
    pub(crate) send_to_paint: Vec<f64>,
    /// Marked messages that never showed.
    pub(crate) missing: usize,
}

impl Latency {
    pub(crate) fn summary(&self) -> String {
        let s = Stats::of(&self.ack_to_paint);
        format!(
            "median {:.0} ms, p95 {:.0} ms, max {:.0} ms over {} ({} missing)",
            s.median, s.p95, s.max, s.count, self.missing
        )
    }
}

pub(crate) async fn hub_to_paint(
    console: &Console,
    visitor: &Visitor,
    label: char,
    options: &Options,
) -> Result<Latency, Error> {
    console.client().execute(MARK_OBSERVER_JS, vec![]).await?;
    let mut sent = Vec::new();
    for i in 0..options.samples {
        let marker = format!("perfmark{label}{i:03}");
        let at = wall_ms();
        let id = visitor
            .live
            .send(
                visitor.conversation,
                format!("{marker} is this on your screen yet?"),
            )
            .await?;
        sent.push((marker, id, at));
        tokio::time::sleep(options.spacing).await;
    }
    let mut marks = Value::Null;
    let _ = wait_until(
        Duration::from_secs(30),
        "every marker to be painted",
        async || {
            marks = console
                .client()
                .execute("return window.__perfMarks;", vec![])
                .await?;
            Ok(sent.iter().all(|(marker, id, _)| {
                visitor.ack_time(id).is_some() && marks[marker.as_str()]["painted"].is_number()
            }))
        },
    )
    .await;
    let mut latency = Latency {
        ack_to_paint: Vec::new(),
        ack_to_dom: Vec::new(),
        send_to_paint: Vec::new(),
        missing: 0,
    };
    for (marker, id, at) in &sent {
        let mark = &marks[marker.as_str()];
        match (visitor.ack_time(id), mark["painted"].as_f64()) {
            (Some(ack), Some(painted)) => {
                latency.ack_to_paint.push(painted - ack);
                if let Some(dom) = mark["dom"].as_f64() {
                    latency.ack_to_dom.push(dom - ack);
                }
                latency.send_to_paint.push(painted - at);
            }
            _ => latency.missing += 1,
        }
    }
    Ok(latency)
}
