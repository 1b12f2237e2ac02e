//! TLS to a real hub serving a self-signed certificate: trusted when pinned, refused with the
//! `tls` code when not, for both the HTTP API and the live connection.

use std::time::Duration;

use rampart_client::{
    ApiOptions, ClientErrorCode, Endpoint, Event, HubApi, HubUrl, Live, TlsConfig,
};
use rampart_hub::config::TlsSection;
use rampart_protocol::{Availability, ServerFrame};

use crate::support::*;

/// A hub with TLS on `localhost`; returns it and the PEM of its certificate.
async fn tls_hub() -> (TestHub, String) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let pem = cert.cert.pem();
    let key = cert.signing_key.serialize_pem();
    let hub = TestHub::start_with(|config, dir| {
        std::fs::write(dir.join("cert.pem"), &pem).unwrap();
        std::fs::write(dir.join("key.pem"), &key).unwrap();
        config.tls = Some(TlsSection {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        });
    })
    .await;
    (hub, pem)
}

fn https(hub: &TestHub) -> HubUrl {
    HubUrl::parse(&format!("https://localhost:{}", hub.addr.port())).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_certificate_carries_login_and_live_traffic() {
    let (hub, pem) = tls_hub().await;
    let tls = TlsConfig::pinned_pem(pem.as_bytes()).unwrap();
    let api = HubApi::with_options(
        https(&hub),
        ApiOptions {
            tls: Some(tls.clone()),
            ..ApiOptions::default()
        },
    )
    .unwrap();
    let (session, _) = hub.agent(&api, "ana").await;

    let mut config = live_config(https(&hub), Endpoint::Agent, &session.token, 1);
    config.tls = Some(tls.clone());
    let agent = client(config);
    agent
        .live
        .set_availability(Availability::Available)
        .await
        .unwrap();
    let visitor = visitor(&api).await;
    let mut config = live_config(https(&hub), Endpoint::Visitor, &visitor.token, 2);
    config.tls = Some(tls);
    let (live, mut events) = Live::spawn(config);
    live.send(visitor.conversation_id, "hola por TLS")
        .await
        .unwrap();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(event, Event::Frame(ServerFrame::Ack { .. })) {
            break;
        }
    }
    assert!(
        eventually(Duration::from_secs(5), || agent
            .seen
            .lock()
            .unwrap()
            .messages
            .get(&visitor.conversation_id)
            .is_some_and(|m| m.len() == 1))
        .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_a_tls_error() {
    let (hub, _) = tls_hub().await;
    let stranger = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let wrong = TlsConfig::pinned_pem(stranger.cert.pem().as_bytes()).unwrap();
    let api = HubApi::with_options(
        https(&hub),
        ApiOptions {
            tls: Some(wrong.clone()),
            ..ApiOptions::default()
        },
    )
    .unwrap();
    let error = api.privacy_notice().await.unwrap_err();
    assert_eq!(error.code(), ClientErrorCode::Tls, "{error}");

    let mut config = live_config(https(&hub), Endpoint::Visitor, &secret("x"), 1);
    config.tls = Some(wrong);
    let (_live, mut events) = Live::spawn(config);
    loop {
        let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .unwrap()
            .unwrap();
        if let Event::Disconnected { error, .. } = event {
            assert_eq!(error.code(), ClientErrorCode::Tls, "{error}");
            break;
        }
    }
}
