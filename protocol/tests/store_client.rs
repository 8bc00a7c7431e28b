//! The store client's addressing and failure reporting. Exchanges with the real store are
//! tested in `cr-compute/tests/store_client.rs`, where the store lives.

use std::time::{Duration, Instant};

use cr_protocol::hash::Hash32;
use cr_protocol::store_client::{BlobUri, StoreClient, StoreError, StoreUrlError};
use tokio::net::TcpListener;

#[test]
fn base_urls() -> Result<(), StoreError> {
    assert_eq!(StoreClient::new("http://store:7070")?.authority(), "store:7070");
    assert_eq!(StoreClient::new("http://127.0.0.1:49153/")?.authority(), "127.0.0.1:49153");
    assert_eq!(StoreClient::new("http://[::1]:7070")?.authority(), "[::1]:7070");
    for (bad, why) in [
        ("https://store:7070", "https is not supported"),
        ("store:7070", "scheme"),
        ("ftp://store:7070", "only http"),
        ("http://store:7070/blobs", "a path"),
        ("http://store:7070/?x=1", "query"),
        ("http://user@store:7070", "credentials"),
        ("not a url", "not a URL"),
    ] {
        match StoreClient::new(bad) {
            Err(StoreError::Url(e @ StoreUrlError::BaseUrl { .. })) => {
                let text = e.to_string();
                assert!(text.contains(why) && text.contains(bad), "{bad}: {text}");
            }
            other => panic!("{bad}: expected a base-URL error, got {other:?}"),
        }
    }
    Ok(())
}

#[test]
fn blob_uris() -> Result<(), StoreUrlError> {
    let hash = Hash32::of(b"x");
    let text = format!("http://store:7070/blobs/{hash}");
    let uri: BlobUri = text.parse()?;
    assert_eq!((uri.authority(), uri.hash()), ("store:7070", hash));
    assert_eq!(uri.to_string(), text);
    assert_eq!(uri.path(), format!("/blobs/{hash}"));
    let local = uri.with_authority("127.0.0.1:49153")?;
    assert_eq!(local.to_string(), format!("http://127.0.0.1:49153/blobs/{hash}"));
    assert_eq!(uri.with_authority("http://127.0.0.1:49153/")?, local);
    assert!(matches!(uri.with_authority(""), Err(StoreUrlError::Authority { .. })));
    assert!(matches!(uri.with_authority("a b"), Err(StoreUrlError::Authority { .. })));
    for bad in [
        format!("http://store:7070/blob/{hash}"),
        "http://store:7070/blobs/1234".to_owned(),
        format!("https://store:7070/blobs/{hash}"),
        format!("/blobs/{hash}"),
    ] {
        assert!(matches!(bad.parse::<BlobUri>(), Err(StoreUrlError::BlobUri { .. })), "{bad}");
    }
    let json = serde_json::to_string(&uri)
        .map_err(|e| StoreUrlError::BlobUri { uri: e.to_string(), reason: String::new() })?;
    assert_eq!(json, format!("\"{text}\""));
    Ok(())
}

#[tokio::test]
async fn connection_refused_names_the_url() -> Result<(), Box<dyn std::error::Error>> {
    // Bind then drop: the port is free and nothing listens on it.
    let port = TcpListener::bind("127.0.0.1:0").await?.local_addr()?.port();
    let client = StoreClient::new(&format!("http://127.0.0.1:{port}"))?;
    let hash = Hash32::of(b"nothing");
    match client.get(hash).await {
        Err(e @ StoreError::Connect { .. }) => {
            let text = e.to_string();
            assert!(text.contains(&format!("GET http://127.0.0.1:{port}/blobs/{hash}")), "{text}");
        }
        other => panic!("expected a connect error, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn silent_server_times_out() -> Result<(), Box<dyn std::error::Error>> {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let client = StoreClient::new(&format!("http://{addr}"))?.with_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let result = client.put(b"hello".to_vec()).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    match result {
        Err(e @ StoreError::Timeout { .. }) => {
            let text = e.to_string();
            assert!(text.starts_with(&format!("PUT http://{addr}/blobs/")) && text.contains("300ms"), "{text}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    silent.abort();
    Ok(())
}
