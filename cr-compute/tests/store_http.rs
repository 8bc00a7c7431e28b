//! The store's HTTP interface, exercised over real sockets with a plain hyper client.

use std::net::SocketAddr;
use std::path::Path;

use bytes::Bytes;
use cr_compute::http::ServerHandle;
use cr_compute::store::{self, StoreConfig};
use cr_protocol::hash::Hash32;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderMap, ALLOW, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

type Error = Box<dyn std::error::Error + Send + Sync>;
type TestResult = Result<(), Error>;

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn send(addr: SocketAddr, method: &str, path: impl AsRef<str>, body: Vec<u8>) -> Result<Answer, Error> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = Request::builder()
        .method(method)
        .uri(path.as_ref())
        .header(HOST, addr.to_string())
        .body(Full::new(Bytes::from(body)))?;
    let response = sender.send_request(request).await?;
    let (parts, body) = response.into_parts();
    Ok(Answer { status: parts.status, headers: parts.headers, body: body.collect().await?.to_bytes() })
}

async fn start(data_dir: &Path, max_blob_bytes: u64) -> Result<ServerHandle, store::StoreServerError> {
    let mut config = StoreConfig::new(([127, 0, 0, 1], 0).into(), data_dir);
    config.max_blob_bytes = max_blob_bytes;
    store::spawn(config).await
}

fn stored_files(data_dir: &Path) -> usize {
    std::fs::read_dir(data_dir.join("blobs")).map(|d| d.count()).unwrap_or(0)
}

fn header(answer: &Answer, name: hyper::header::HeaderName) -> Option<&[u8]> {
    answer.headers.get(name).map(|v| v.as_bytes())
}

#[tokio::test]
async fn healthz_and_unknown_routes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let server = start(dir.path(), 1024).await?;
    let addr = server.local_addr();
    let health = send(addr, "GET", "/healthz", vec![]).await?;
    assert_eq!((health.status, health.text().trim()), (StatusCode::OK, "ok"));
    let missing = send(addr, "GET", "/nope", vec![]).await?;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("GET, HEAD, PUT /blobs/<64 hex digits>"), "{}", missing.text());
    let post = send(addr, "POST", format!("/blobs/{}", Hash32::of(b"")), vec![]).await?;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&post, ALLOW), Some(&b"GET, HEAD, PUT"[..]));
    let delete = send(addr, "DELETE", "/healthz", vec![]).await?;
    assert_eq!(delete.status, StatusCode::METHOD_NOT_ALLOWED);
    server.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn put_get_head_and_404() -> TestResult {
    let dir = tempfile::tempdir()?;
    let server = start(dir.path(), 1024).await?;
    let addr = server.local_addr();
    let blob = b"some result bytes".to_vec();
    let hex = Hash32::of(&blob).to_hex();
    let path = format!("/blobs/{hex}");

    assert_eq!(send(addr, "GET", &path, vec![]).await?.status, StatusCode::NOT_FOUND);
    assert_eq!(send(addr, "HEAD", &path, vec![]).await?.status, StatusCode::NOT_FOUND);
    assert_eq!(send(addr, "PUT", &path, blob.clone()).await?.status, StatusCode::CREATED);
    assert_eq!(send(addr, "PUT", &path, blob.clone()).await?.status, StatusCode::OK, "second upload");

    let got = send(addr, "GET", &path, vec![]).await?;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, blob);
    assert_eq!(header(&got, CONTENT_TYPE), Some(&b"application/octet-stream"[..]));
    let head = send(addr, "HEAD", &path, vec![]).await?;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    assert_eq!(header(&head, CONTENT_LENGTH), Some(blob.len().to_string().as_bytes()));
    // Upper-case hex names the same blob.
    let upper = send(addr, "GET", format!("/blobs/{}", hex.to_uppercase()), vec![]).await?;
    assert_eq!(upper.body, blob);
    Ok(())
}

#[tokio::test]
async fn hash_mismatch_is_refused_and_nothing_stored() -> TestResult {
    let dir = tempfile::tempdir()?;
    let server = start(dir.path(), 1024).await?;
    let claimed = Hash32::of(b"what I claim");
    let actual = Hash32::of(b"what I send");
    let answer = send(server.local_addr(), "PUT", format!("/blobs/{claimed}"), b"what I send".to_vec()).await?;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let text = answer.text();
    assert!(text.contains(&claimed.to_hex()) && text.contains(&actual.to_hex()), "{text}");
    assert_eq!(stored_files(dir.path()), 0);
    let get = send(server.local_addr(), "GET", format!("/blobs/{claimed}"), vec![]).await?;
    assert_eq!(get.status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn malformed_hex_is_400() -> TestResult {
    let dir = tempfile::tempdir()?;
    let server = start(dir.path(), 1024).await?;
    let good = Hash32::of(b"").to_hex();
    let bads = [
        "/blobs/".to_owned(),
        "/blobs/1234".to_owned(),
        format!("/blobs/{}zz", &good[..62]),
        format!("/blobs/{good}00"),
        format!("/blobs/{good}/x"),
    ];
    for bad in &bads {
        for method in ["GET", "PUT"] {
            let answer = send(server.local_addr(), method, bad, b"x".to_vec()).await?;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{method} {bad}");
            assert!(answer.text().contains("malformed blob hash"), "{}", answer.text());
        }
    }
    assert_eq!(stored_files(dir.path()), 0);
    Ok(())
}

#[tokio::test]
async fn oversize_is_413() -> TestResult {
    let dir = tempfile::tempdir()?;
    let server = start(dir.path(), 1000).await?;
    let exact = vec![7u8; 1000];
    let put_exact = send(server.local_addr(), "PUT", format!("/blobs/{}", Hash32::of(&exact)), exact).await?;
    assert_eq!(put_exact.status, StatusCode::CREATED);
    let over = vec![7u8; 1001];
    let answer = send(server.local_addr(), "PUT", format!("/blobs/{}", Hash32::of(&over)), over).await?;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(answer.text().contains("at most 1000 bytes"), "{}", answer.text());
    assert_eq!(stored_files(dir.path()), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_uploads_of_one_blob() -> TestResult {
    let dir = tempfile::tempdir()?;
    let server = start(dir.path(), 4 << 20).await?;
    let blob: Vec<u8> = (0..(1u32 << 20)).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let path = format!("/blobs/{}", Hash32::of(&blob));
    let uploads: Vec<_> =
        (0..12).map(|_| tokio::spawn(send(server.local_addr(), "PUT", path.clone(), blob.clone()))).collect();
    let mut created = 0;
    for upload in uploads {
        let answer = upload.await??;
        assert!(matches!(answer.status, StatusCode::CREATED | StatusCode::OK), "{}: {}", answer.status, answer.text());
        created += usize::from(answer.status == StatusCode::CREATED);
    }
    assert_eq!(created, 1, "exactly one upload creates the blob");
    assert_eq!(stored_files(dir.path()), 1);
    assert_eq!(std::fs::read_dir(dir.path().join("tmp"))?.count(), 0, "no temporary files left");
    assert_eq!(send(server.local_addr(), "GET", &path, vec![]).await?.body, blob);
    Ok(())
}
