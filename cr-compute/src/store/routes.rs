//! The store's HTTP interface: routing, upload checks, answers.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body as _, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, StatusCode};

use super::disk::{BlobDir, PutOutcome};
use crate::http::{text, Response};
use cr_protocol::hash::Hash32;

/// What every request handler shares.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) dir: Arc<BlobDir>,
    pub(crate) max_blob_bytes: u64,
}

const ROUTES: &str = "the store serves GET /healthz and GET, HEAD, PUT /blobs/<64 hex digits>";

/// Answers one request and logs it.
pub(crate) async fn handle(state: Arc<State>, request: Request<Incoming>) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = route(&state, request).await;
    // HEAD answers carry the GET length in the header and no body; others have an exact body.
    let bytes = match response.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()) {
        Some(len) => len.parse().unwrap_or(0),
        None => response.body().size_hint().exact().unwrap_or(0),
    };
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_millis() as u64;
    // Readiness probes poll /healthz constantly; they would drown the interesting lines.
    if path == "/healthz" && status == 200 {
        tracing::debug!(%method, %path, status, elapsed_ms, "request");
    } else {
        tracing::info!(%method, %path, status, response_bytes = bytes, elapsed_ms, "request");
    }
    response
}

async fn route(state: &State, request: Request<Incoming>) -> Response {
    let path = request.uri().path().to_owned();
    if path == "/healthz" {
        return match *request.method() {
            Method::GET | Method::HEAD => text(StatusCode::OK, "ok"),
            _ => not_allowed(request.method(), &path, "GET, HEAD"),
        };
    }
    let Some(hex) = path.strip_prefix("/blobs/") else {
        return text(StatusCode::NOT_FOUND, format!("no route for {path}; {ROUTES}"));
    };
    let hash = match hex.parse::<Hash32>() {
        Ok(hash) => hash,
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("malformed blob hash {hex:?}: {e}")),
    };
    match *request.method() {
        Method::GET => get(state, hash, true).await,
        Method::HEAD => get(state, hash, false).await,
        Method::PUT => put(state, hash, request).await,
        _ => not_allowed(request.method(), &path, "GET, HEAD, PUT"),
    }
}

fn not_allowed(method: &Method, path: &str, allowed: &'static str) -> Response {
    let mut response =
        text(StatusCode::METHOD_NOT_ALLOWED, format!("{method} is not allowed on {path}; use {allowed}"));
    response.headers_mut().insert(ALLOW, HeaderValue::from_static(allowed));
    response
}

fn internal(what: &str, hash: Hash32, error: impl std::fmt::Display) -> Response {
    tracing::error!(%hash, %error, "{what} failed");
    text(StatusCode::INTERNAL_SERVER_ERROR, format!("{what} of blob {hash} failed: {error}"))
}

async fn get(state: &State, hash: Hash32, with_body: bool) -> Response {
    let dir = Arc::clone(&state.dir);
    let read = tokio::task::spawn_blocking(move || {
        if with_body {
            dir.get(hash).map(|b| b.map(|bytes| (bytes.len() as u64, Bytes::from(bytes))))
        } else {
            dir.size_of(hash).map(|len| len.map(|len| (len, Bytes::new())))
        }
    })
    .await;
    let found = match read {
        Ok(Ok(found)) => found,
        Ok(Err(e)) => return internal("reading", hash, e),
        Err(e) => return internal("reading", hash, e),
    };
    let Some((len, body)) = found else {
        return text(StatusCode::NOT_FOUND, format!("no blob {hash} in this store"));
    };
    let mut response = hyper::Response::new(Full::new(body));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    // A HEAD answer carries the length of the body a GET would return.
    headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    response
}

fn too_large(state: &State, hash: Hash32, what: String) -> Response {
    let mut response = text(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("blob {hash}: {what}; this store accepts at most {} bytes per blob", state.max_blob_bytes),
    );
    // The rest of the body is not read, so the connection cannot carry another request.
    response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

async fn put(state: &State, hash: Hash32, request: Request<Incoming>) -> Response {
    let max = state.max_blob_bytes;
    let declared =
        request.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(declared) = declared.filter(|&len| len > max) {
        return too_large(state, hash, format!("the body is {declared} bytes"));
    }
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    let body = match Limited::new(request.into_body(), limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => {
            return too_large(state, hash, format!("the body is longer than {max} bytes"));
        }
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("blob {hash}: could not read the body: {e}")),
    };
    let actual = Hash32::of(&body);
    if actual != hash {
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "hash mismatch: the URL names {hash} but the {} bytes received hash to {actual} (Blake2-256); nothing was stored",
                body.len()
            ),
        );
    }
    let dir = Arc::clone(&state.dir);
    match tokio::task::spawn_blocking(move || dir.put(hash, &body)).await {
        Ok(Ok(PutOutcome::Created)) => text(StatusCode::CREATED, format!("stored {hash}")),
        Ok(Ok(PutOutcome::Existed)) => text(StatusCode::OK, format!("already stored {hash}")),
        Ok(Err(e)) => internal("storing", hash, e),
        Err(e) => internal("storing", hash, e),
    }
}
