//! The visitor chat's framing headers and the one-tag loader, over HTTP from a running hub.

use rampart_hub::widget::EmbedOrigin;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_FRAME_OPTIONS};

use crate::support::{LiveHub, live_hub, live_hub_with};

async fn get(hub: &LiveHub, path: &str) -> reqwest::Response {
    hub.http.get(hub.url(path)).send().await.unwrap()
}

fn csp(response: &reqwest::Response) -> &str {
    response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn by_default_the_chat_cannot_be_framed_and_there_is_no_loader() {
    let hub = live_hub().await;
    for path in [
        "/chat",
        "/chat?embed=1",
        "/chat/widget.js",
        "/chat/widget.css",
    ] {
        let response = get(&hub, path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(csp(&response).ends_with("frame-ancestors 'none'"), "{path}");
        assert_eq!(response.headers()[X_FRAME_OPTIONS], "DENY", "{path}");
    }
    assert_eq!(get(&hub, "/embed.js").await.status(), 404);
}

#[tokio::test]
async fn listed_origins_may_frame_the_embed_page_and_nothing_else() {
    let hub = live_hub_with(|config| {
        config.widget.embed_origins = vec![
            EmbedOrigin::parse("https://shop.example").unwrap(),
            EmbedOrigin::parse("https://help.shop.example:8443").unwrap(),
        ];
    })
    .await;
    let embedded = get(&hub, "/chat?embed=1").await;
    assert_eq!(embedded.status(), 200);
    let policy = csp(&embedded);
    let ancestors: Vec<&str> = policy
        .split(';')
        .map(str::trim)
        .filter(|d| d.starts_with("frame-ancestors"))
        .collect();
    assert_eq!(
        ancestors,
        ["frame-ancestors https://shop.example https://help.shop.example:8443"]
    );
    assert!(
        policy.starts_with("default-src 'none'; script-src 'self';"),
        "{policy}"
    );
    assert!(!policy.contains("unsafe"), "{policy}");
    assert!(embedded.headers().get(X_FRAME_OPTIONS).is_none());

    // The plain page and the assets stay unframeable.
    for path in [
        "/chat",
        "/chat?embed=0",
        "/chat/widget.js",
        "/chat/widget.css",
    ] {
        let response = get(&hub, path).await;
        assert!(csp(&response).ends_with("frame-ancestors 'none'"), "{path}");
        assert_eq!(response.headers()[X_FRAME_OPTIONS], "DENY", "{path}");
    }

    // The loader: a script any page may load, never sniffed as something else.
    let loader = get(&hub, "/embed.js").await;
    assert_eq!(loader.status(), 200);
    assert_eq!(
        loader.headers()[CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(loader.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        loader.headers()["cross-origin-resource-policy"],
        "cross-origin"
    );
    assert!(loader.text().await.unwrap().contains("/chat?embed=1"));
}
