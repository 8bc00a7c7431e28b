//! `cr_protocol::store_client::StoreClient` against the real store on an ephemeral port.

use std::path::Path;

use cr_compute::http::ServerHandle;
use cr_compute::store::{self, BlobDir, StoreConfig};
use cr_protocol::hash::Hash32;
use cr_protocol::store_client::{BlobUri, StoreClient, StoreError};
use hyper::StatusCode;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

async fn start(
    data_dir: &Path,
    max_blob_bytes: u64,
) -> Result<(ServerHandle, StoreClient), Box<dyn std::error::Error + Send + Sync>> {
    let mut config = StoreConfig::new(([127, 0, 0, 1], 0).into(), data_dir);
    config.max_blob_bytes = max_blob_bytes;
    let server = store::spawn(config).await?;
    let client = StoreClient::new(&server.base_url())?;
    Ok((server, client))
}

#[tokio::test]
async fn round_trip() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (server, client) = start(dir.path(), 1 << 20).await?;
    client.health().await?;
    let blob = b"{\"workload\":\"matmul\",\"size\":4,\"seed\":1}".to_vec();
    let uri = client.put(blob.clone()).await?;
    assert_eq!(uri.to_string(), format!("{}/blobs/{}", server.base_url(), Hash32::of(&blob)));
    assert_eq!(client.put(blob.clone()).await?, uri, "uploading again is fine");
    assert!(client.exists(uri.hash()).await?);
    assert_eq!(client.get(uri.hash()).await?, blob);
    // The URI as text (the form on chain) leads back to the same bytes.
    let parsed: BlobUri = uri.to_string().parse()?;
    assert_eq!(client.get_uri(&parsed, None).await?, blob);
    // An empty blob is a blob too.
    let empty = client.put(Vec::new()).await?;
    assert_eq!(client.get(empty.hash()).await?, Vec::<u8>::new());
    Ok(())
}

#[tokio::test]
async fn missing_blob_is_not_found() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (_server, client) = start(dir.path(), 1 << 20).await?;
    let hash = Hash32::of(b"never uploaded");
    assert!(!client.exists(hash).await?);
    match client.get(hash).await {
        Err(e @ StoreError::NotFound { .. }) => {
            assert!(e.to_string().contains(&hash.to_hex()), "{e}")
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn authority_override_reaches_the_published_port() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (server, client) = start(dir.path(), 1 << 20).await?;
    let uri = client.put(b"result".to_vec()).await?;
    // What a daemon inside the Docker network writes on chain.
    let on_chain: BlobUri = format!("http://store:7070/blobs/{}", uri.hash()).parse()?;
    let published = server.local_addr().to_string();
    assert_eq!(client.get_uri(&on_chain, Some(&published)).await?, b"result");
    assert_eq!(client.get_uri(&on_chain, Some(client.authority())).await?, b"result");
    Ok(())
}

#[tokio::test]
async fn oversize_upload_is_refused_with_413() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (_server, client) = start(dir.path(), 64 << 10).await?;
    client.put(vec![1u8; 64 << 10]).await?;
    // Small and large excess: the store answers before reading a body it will not keep.
    for len in [(64 << 10) + 1, 8 << 20] {
        match client.put(vec![2u8; len]).await {
            Err(StoreError::Status { status: StatusCode::PAYLOAD_TOO_LARGE, message, .. }) => {
                assert!(message.contains("at most 65536 bytes"), "{message}");
            }
            other => panic!("{len} bytes: expected 413, got {other:?}"),
        }
    }
    // The connection closed by the refusal does not disturb later requests.
    client.health().await?;
    Ok(())
}

#[tokio::test]
async fn download_limit_is_enforced() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (_server, client) = start(dir.path(), 1 << 20).await?;
    let uri = client.put(vec![3u8; 10_000]).await?;
    let small = client.clone().with_max_download_bytes(1000);
    assert!(matches!(small.get(uri.hash()).await, Err(StoreError::TooLarge { limit: 1000, .. })));
    Ok(())
}

#[tokio::test]
async fn blobs_survive_a_restart() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (server, client) = start(dir.path(), 1 << 20).await?;
    let uri = client.put(b"kept across restarts".to_vec()).await?;
    server.shutdown().await?;
    assert!(matches!(client.health().await, Err(StoreError::Connect { .. })), "the old store is gone");

    let (_server, client) = start(dir.path(), 1 << 20).await?;
    assert_eq!(client.get(uri.hash()).await?, b"kept across restarts");
    Ok(())
}

#[tokio::test]
async fn client_refuses_a_tampered_blob() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (_server, client) = start(dir.path(), 1 << 20).await?;
    let uri = client.put(b"the honest result".to_vec()).await?;
    // Someone with access to the disk swaps the content behind the store's back.
    let blobs = BlobDir::open(dir.path())?;
    std::fs::write(blobs.path_of(uri.hash()), b"a forged result")?;
    match client.get(uri.hash()).await {
        Err(e @ StoreError::HashMismatch { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains(&uri.hash().to_hex()) && text.contains(&Hash32::of(b"a forged result").to_hex()),
                "{text}"
            );
        }
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
    // Likewise a file planted under a name it does not hash to.
    let planted = Hash32::of(b"never uploaded");
    std::fs::write(blobs.path_of(planted), b"planted")?;
    assert!(matches!(client.get(planted).await, Err(StoreError::HashMismatch { .. })));
    Ok(())
}
