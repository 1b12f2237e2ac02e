//! The no-loss chaos test: agents and visitors in several conversations exchange messages
//! through a proxy that cuts connections at random moments (between sends, after a send before
//! its ack, in the middle of a resume replay) while the hub is restarted mid-stream on the same
//! data directory. At the end every message is stored exactly once and every client saw every
//! message of its conversations exactly once, in seq order.
//!
//! CI mode (default): 1,008 messages. Long mode: `RAMPART_CHAOS_MESSAGES=20000`.
//! `RAMPART_CHAOS_SEED` pins the randomness (the seed is printed on every run).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use rampart_client::{Endpoint, HubApi};
use rampart_protocol::{Availability, ConversationId, MessageId, Seq};
use rand::{Rng, SeedableRng};

use crate::support::*;

const AGENTS: usize = 3;
const CONVERSATIONS: usize = 6;

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_message_is_lost_or_duplicated_through_cuts_and_hub_restarts() {
    let total = env_number("RAMPART_CHAOS_MESSAGES").unwrap_or(1_000) as usize;
    let seed = env_number("RAMPART_CHAOS_SEED").unwrap_or_else(rand::random);
    eprintln!("chaos: {total} messages, seed {seed}");
    let started = Instant::now();
    // Each conversation: the visitor and the agent each send `per_side` messages.
    let per_side = total.div_ceil(CONVERSATIONS * 2);
    let per_conversation = per_side * 2;
    // Long runs need more time: the hub allows 50 frames/s per connection.
    let limit = Duration::from_secs(45 + (per_side as u64 * 2 / 40) * 2);

    let mut hub = TestHub::start(CONVERSATIONS.div_ceil(AGENTS)).await;
    let proxy = Proxy::start(hub.addr).await;
    let api = HubApi::new(proxy.url()).unwrap();

    // Agents log in over HTTP (password + TOTP enrollment), connect and become available.
    let mut agents = Vec::new();
    for i in 0..AGENTS {
        let (session, _) = hub.agent(&api, &format!("agent{i}")).await;
        let agent = client(live_config(
            proxy.url(),
            Endpoint::Agent,
            &session.token,
            seed ^ i as u64,
        ));
        agent
            .live
            .set_availability(Availability::Available)
            .await
            .unwrap();
        agents.push(agent);
    }
    assert!(
        eventually(Duration::from_secs(10), || agents.iter().all(|a| a
            .seen
            .lock()
            .unwrap()
            .connects
            > 0))
        .await
    );
    // Let the hub process the availability frames before visitors arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut visitors = Vec::new();
    let mut conversations = Vec::new();
    for i in 0..CONVERSATIONS {
        let session = visitor(&api).await;
        conversations.push(session.conversation_id);
        visitors.push(client(live_config(
            proxy.url(),
            Endpoint::Visitor,
            &session.token,
            seed ^ (100 + i as u64),
        )));
    }
    assert!(
        eventually(Duration::from_secs(10), || {
            agents
                .iter()
                .map(|a| a.seen.lock().unwrap().assigned.len())
                .sum::<usize>()
                == CONVERSATIONS
        })
        .await,
        "every conversation is routed to an agent"
    );
    let owner: HashMap<ConversationId, usize> = agents
        .iter()
        .enumerate()
        .flat_map(|(i, a)| {
            a.seen
                .lock()
                .unwrap()
                .assigned
                .iter()
                .map(|c| (*c, i))
                .collect::<Vec<_>>()
        })
        .collect();

    // Chaos: random cuts, connections that die after a random number of bytes, and hub
    // restarts at about a third and two thirds of the way.
    proxy.set_chaos(Some(seed));
    let restarts_wanted = 2usize;

    // Senders: each client sends its messages with small random pauses.
    let mut sent: HashMap<ConversationId, Vec<MessageId>> = HashMap::new();
    let mut senders = Vec::new();
    for (index, conversation) in conversations.iter().copied().enumerate() {
        for side in ["v", "a"] {
            let live = if side == "v" {
                visitors[index].live.clone()
            } else {
                agents[owner[&conversation]].live.clone()
            };
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ (1000 + index as u64));
            senders.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..per_side {
                    let id = live
                        .send(conversation, format!("c{index}-{side}-{n}"))
                        .await
                        .unwrap();
                    ids.push(id);
                    if rng.random_bool(0.3) {
                        tokio::time::sleep(Duration::from_millis(rng.random_range(1..15))).await;
                    }
                }
                (conversation, ids)
            }));
        }
    }
    for sender in senders {
        let (conversation, ids) = sender.await.unwrap();
        sent.entry(conversation).or_default().extend(ids);
    }
    let expected_acks: usize = sent.values().map(Vec::len).sum();
    assert_eq!(expected_acks, per_conversation * CONVERSATIONS);

    let all_clients: Vec<&Client> = agents.iter().chain(visitors.iter()).collect();
    let acked = || {
        all_clients
            .iter()
            .map(|c| c.seen.lock().unwrap().acks.len())
            .sum::<usize>()
    };
    let complete = || {
        acked() == expected_acks
            && visitors.iter().enumerate().all(|(i, v)| {
                v.seen
                    .lock()
                    .unwrap()
                    .messages
                    .get(&conversations[i])
                    .map_or(0, Vec::len)
                    == per_conversation
            })
            && conversations.iter().all(|c| {
                agents[owner[c]]
                    .seen
                    .lock()
                    .unwrap()
                    .messages
                    .get(c)
                    .map_or(0, Vec::len)
                    == per_conversation
            })
    };

    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0xC4A05);
    let mut restarts = 0usize;
    let deadline = Instant::now() + limit;
    while !complete() {
        assert!(
            Instant::now() < deadline,
            "not complete after {limit:?}: {} of {expected_acks} acknowledged; seen {:?}",
            acked(),
            all_clients
                .iter()
                .map(|c| {
                    let seen = c.seen.lock().unwrap();
                    (
                        seen.messages.values().map(Vec::len).sum::<usize>(),
                        seen.connects,
                        seen.stopped,
                    )
                })
                .collect::<Vec<_>>()
        );
        let progress = acked() * (restarts_wanted + 1) / expected_acks.max(1);
        if restarts < restarts_wanted && progress > restarts {
            proxy.set_upstream(None);
            proxy.cut_all();
            hub.restart().await;
            proxy.set_upstream(Some(hub.addr));
            restarts += 1;
            continue;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(20..200))).await;
        match rng.random_range(0..10) {
            0..=1 => {
                proxy.cut_all();
            }
            2..=6 => {
                proxy.cut_one(rng.random::<u32>() as usize);
            }
            _ => {}
        }
    }
    proxy.set_chaos(None);
    let elapsed = started.elapsed();

    // The hub stored every message exactly once, numbered 1..=n without gaps.
    for conversation in &conversations {
        let stored = hub
            .server
            .store
            .messages_after(*conversation, Seq::ZERO, u32::MAX)
            .await
            .unwrap();
        let ids: Vec<MessageId> = stored.iter().map(|m| m.id).collect();
        let unique: HashSet<MessageId> = ids.iter().copied().collect();
        assert_eq!(ids.len(), per_conversation, "stored once each");
        assert_eq!(unique.len(), ids.len(), "no id stored twice");
        let expected: HashSet<MessageId> = sent[conversation].iter().copied().collect();
        assert_eq!(unique, expected, "exactly the messages that were sent");
        let seqs: Vec<u64> = stored.iter().map(|m| m.seq.0).collect();
        assert_eq!(seqs, (1..=per_conversation as u64).collect::<Vec<_>>());

        // Both ends saw the stored sequence, exactly once and in order.
        let by_seq: Vec<(Seq, MessageId)> = stored.iter().map(|m| (m.seq, m.id)).collect();
        let index = conversations
            .iter()
            .position(|c| c == conversation)
            .unwrap();
        for end in [&visitors[index], &agents[owner[conversation]]] {
            let seen = end.seen.lock().unwrap();
            assert!(seen.violations.is_empty(), "{:?}", seen.violations);
            assert_eq!(seen.messages[conversation], by_seq);
        }
    }
    // Every message was acknowledged to its sender once, with its stored seq.
    let mut cuts_seen = 0;
    let mut resent = 0;
    let mut faults = 0;
    let mut handshake_failures = 0;
    let mut why: HashMap<rampart_client::ClientErrorCode, usize> = HashMap::new();
    for client in &all_clients {
        let seen = client.seen.lock().unwrap();
        assert_eq!(seen.duplicate_acks, 0);
        assert!(seen.send_failures.is_empty(), "{:?}", seen.send_failures);
        assert!(!seen.stopped && !seen.revoked);
        cuts_seen += seen.disconnects;
        resent += seen.resent;
        faults += seen.faults.len();
        handshake_failures += seen.handshake_failures;
        for (code, n) in &seen.disconnect_codes {
            *why.entry(*code).or_default() += n;
        }
    }
    assert_eq!(restarts, restarts_wanted);
    assert!(proxy.cuts() > 10, "the chaos actually cut connections");
    assert!(resent > 0, "some messages were resent after a reconnect");
    eprintln!(
        "chaos: {} messages in {CONVERSATIONS} conversations, {:.1} s, {} proxy cuts, \
         {cuts_seen} client disconnects ({handshake_failures} before welcome), {restarts} hub \
         restarts, {resent} messages resent after a cut, {faults} faults; disconnects by \
         code: {why:?}",
        expected_acks,
        elapsed.as_secs_f64(),
        proxy.cuts()
    );
    for client in all_clients {
        client.live.shutdown().await.unwrap();
    }
    hub.stop().await;
}
