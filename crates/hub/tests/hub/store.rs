//! The store: idempotent appends, sequences, resume, durability.

use crate::support::*;
use rampart_hub::store::{ConversationState, Store, StoreError, StoredAuthor};
use rampart_protocol::{AgentId, ConversationId, MessageId, Seq};
use std::collections::HashSet;

#[tokio::test]
async fn appends_get_gap_free_sequence_numbers() {
    let t = open();
    let conv = conversation(&t.store).await;
    for expected in 1..=5 {
        let appended = t.store.append(message(conv, "hi")).await.unwrap();
        assert_eq!(appended.seq, Seq(expected));
        assert!(!appended.duplicate);
    }
    let all = t.store.messages_after(conv, Seq::ZERO, 100).await.unwrap();
    let seqs: Vec<u64> = all.iter().map(|m| m.seq.0).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn a_resend_with_the_same_id_is_stored_once_with_the_same_seq() {
    let t = open();
    let conv = conversation(&t.store).await;
    let first = message(conv, "first");
    let a = t.store.append(first.clone()).await.unwrap();
    t.store.append(message(conv, "second")).await.unwrap();
    let again = t.store.append(first).await.unwrap();
    assert_eq!(again.seq, a.seq);
    assert_eq!(again.sent_at, a.sent_at);
    assert!(again.duplicate);
    assert_eq!(
        t.store
            .messages_after(conv, Seq::ZERO, 100)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn an_id_reused_in_another_conversation_is_refused() {
    let t = open();
    let one = conversation(&t.store).await;
    let two = conversation(&t.store).await;
    let m = message(one, "x");
    t.store.append(m.clone()).await.unwrap();
    let mut stolen = m;
    stolen.conversation_id = two;
    assert!(matches!(
        t.store.append(stolen).await,
        Err(StoreError::IdConflict)
    ));
    assert!(
        t.store
            .messages_after(two, Seq::ZERO, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn closed_and_missing_conversations_refuse_messages() {
    let t = open();
    let conv = conversation(&t.store).await;
    t.store.close(conv, 3_000).await.unwrap();
    t.store.close(conv, 3_001).await.unwrap();
    assert!(matches!(
        t.store.append(message(conv, "late")).await,
        Err(StoreError::ConversationClosed)
    ));
    assert!(matches!(
        t.store
            .append(message(ConversationId::new(), "nowhere"))
            .await,
        Err(StoreError::ConversationNotFound)
    ));
    assert!(matches!(
        t.store.assign(conv, AgentId::new()).await,
        Err(StoreError::ConversationClosed)
    ));
}

#[tokio::test]
async fn assignment_moves_a_conversation_out_of_the_queue() {
    let t = open();
    let first = conversation(&t.store).await;
    let second = conversation(&t.store).await;
    let waiting: Vec<ConversationId> = t
        .store
        .waiting()
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.0)
        .collect();
    assert_eq!(waiting.len(), 2);
    assert!(waiting.contains(&first) && waiting.contains(&second));
    let agent = AgentId::new();
    t.store.assign(first, agent).await.unwrap();
    assert_eq!(
        t.store.conversation_state(first).await.unwrap(),
        (ConversationState::Active, Some(agent))
    );
    let waiting: Vec<ConversationId> = t
        .store
        .waiting()
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.0)
        .collect();
    assert_eq!(waiting, vec![second]);
}

#[tokio::test]
async fn resume_returns_exactly_what_follows_the_last_seen_seq() {
    let t = open();
    let conv = conversation(&t.store).await;
    for i in 0..10 {
        t.store
            .append(message(conv, &format!("m{i}")))
            .await
            .unwrap();
    }
    let rest = t.store.messages_after(conv, Seq(7), 100).await.unwrap();
    let texts: Vec<&str> = rest.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, vec!["m7", "m8", "m9"]);
    assert_eq!(
        t.store.messages_after(conv, Seq(4), 2).await.unwrap().len(),
        2
    );
    assert!(
        t.store
            .messages_after(conv, Seq(10), 100)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_with_resends_store_each_message_once_in_order() {
    let t = open();
    let mut conversations = Vec::new();
    for _ in 0..4 {
        conversations.push(conversation(&t.store).await);
    }
    let mut tasks = Vec::new();
    for task in 0..40 {
        let store = t.store.clone();
        let conv = conversations[task % conversations.len()];
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..25 {
                let m = message(conv, &format!("t{task} m{i}"));
                let first = store.append(m.clone()).await.unwrap();
                // Every third message is resent, as a client does after a lost ack.
                if i % 3 == 0 {
                    let again = store.append(m.clone()).await.unwrap();
                    assert_eq!(again.seq, first.seq);
                    assert!(again.duplicate);
                }
                ids.push(m.id);
            }
            ids
        }));
    }
    let mut sent: HashSet<MessageId> = HashSet::new();
    for task in tasks {
        sent.extend(task.await.unwrap());
    }
    assert_eq!(sent.len(), 1_000);
    let mut stored = HashSet::new();
    for conv in conversations {
        let all = t
            .store
            .messages_after(conv, Seq::ZERO, 10_000)
            .await
            .unwrap();
        for (index, m) in all.iter().enumerate() {
            assert_eq!(m.seq, Seq(index as u64 + 1), "gap-free");
            assert!(stored.insert(m.id), "stored once");
        }
    }
    assert_eq!(stored, sent);
}

#[tokio::test]
async fn a_failing_write_does_not_disturb_concurrent_writes() {
    let t = open();
    let conv = conversation(&t.store).await;
    let good = t.store.append(message(conv, "ok"));
    let bad = t.store.append(message(ConversationId::new(), "nowhere"));
    let good2 = t.store.append(message(conv, "ok too"));
    let (good, bad, good2) = tokio::join!(good, bad, good2);
    assert!(good.is_ok() && good2.is_ok());
    assert!(matches!(bad, Err(StoreError::ConversationNotFound)));
    assert_eq!(
        t.store
            .messages_after(conv, Seq::ZERO, 10)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn messages_and_dedup_survive_a_reopen() {
    let t = open();
    let path = t.dir.path().join("hub.db");
    let conv = conversation(&t.store).await;
    let m = message(conv, "before restart");
    let a = t.store.append(m.clone()).await.unwrap();
    drop(t.store);
    let reopened = Store::open(&path).unwrap();
    let again = reopened.append(m).await.unwrap();
    assert_eq!(again.seq, a.seq);
    assert!(again.duplicate);
    let all = reopened.messages_after(conv, Seq::ZERO, 10).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].author, StoredAuthor::Visitor);
    drop(t.dir);
}
