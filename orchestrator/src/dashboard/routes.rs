//! The dashboard's HTTP surface: the embedded page, the live state (a long poll that answers
//! as soon as a block newer than the caller's arrives), and the job form.

use super::snapshot::Snapshot;
use super::submit::{submit_from_form, JobForm};
use bytes::Bytes;
use cr_protocol::http::{Body, Response};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Request, StatusCode};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const INDEX: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/style.css");

/// A long poll is answered after this long even without news, so proxies never time it out.
const LONG_POLL: Duration = Duration::from_secs(20);
/// Largest form body accepted.
const MAX_FORM_BYTES: usize = 4096;

/// What every request can reach.
pub struct App {
    pub state: watch::Receiver<Arc<Snapshot>>,
    pub submit: super::submit::Submitter,
}

fn respond(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response {
    let mut r = hyper::Response::new(Body::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn json(status: StatusCode, value: &impl serde::Serialize) -> Response {
    respond(status, "application/json", serde_json::to_vec(value).unwrap_or_default())
}

fn error(status: StatusCode, message: String) -> Response {
    json(status, &serde_json::json!({ "error": message }))
}

/// `since` from `/api/state?since=N`; 0 when absent or not a number.
fn since(req: &Request<Incoming>) -> u64 {
    req.uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("since=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Route one request.
pub async fn handle(app: Arc<App>, req: Request<Incoming>) -> Response {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => respond(StatusCode::OK, "text/html; charset=utf-8", INDEX),
        (&Method::GET, "/app.js") => respond(StatusCode::OK, "text/javascript; charset=utf-8", APP_JS),
        (&Method::GET, "/style.css") => respond(StatusCode::OK, "text/css; charset=utf-8", STYLE),
        (&Method::GET, "/api/state") => {
            let since = since(&req);
            let mut rx = app.state.clone();
            // Wait for news: the next block (or a change of health), not a timer.
            let _ = tokio::time::timeout(LONG_POLL, rx.wait_for(|s| s.seq > since)).await;
            let snapshot = rx.borrow().clone();
            json(StatusCode::OK, snapshot.as_ref())
        }
        (&Method::POST, "/api/jobs") => {
            let body = match Limited::new(req.into_body(), MAX_FORM_BYTES).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => return error(StatusCode::PAYLOAD_TOO_LARGE, format!("the form body could not be read: {e}")),
            };
            let form: JobForm = match serde_json::from_slice(&body) {
                Ok(f) => f,
                Err(e) => return error(StatusCode::BAD_REQUEST, format!("the form is not valid JSON: {e}")),
            };
            match submit_from_form(&app.submit, &form).await {
                Ok(job_id) => json(StatusCode::OK, &serde_json::json!({ "job_id": job_id })),
                Err(super::submit::FormError::Invalid(m)) => error(StatusCode::BAD_REQUEST, m),
                Err(super::submit::FormError::Unavailable(m)) => error(StatusCode::SERVICE_UNAVAILABLE, m),
            }
        }
        (_, "/" | "/app.js" | "/style.css" | "/api/state" | "/api/jobs") => {
            error(StatusCode::METHOD_NOT_ALLOWED, format!("{} is not allowed here", req.method()))
        }
        (_, path) => error(StatusCode::NOT_FOUND, format!("{path}: nothing here; the dashboard is at /")),
    }
}
