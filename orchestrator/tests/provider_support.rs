//! Helpers shared by the provider tests (included with `#[path]`; as its own test target it
//! holds no tests).
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use futures::StreamExt;
use testnet::image::{ImageBuilder, ImageRecipe};
use testnet::provider::{
    ContainerRef, ContainerState, ContainerStatus, DockerProvider, FileEntry, LogStream, Provider, LABEL_TESTNET,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The static busybox the test images are made of (Debian `busybox-static`).
pub const BUSYBOX: &str = "/bin/busybox";
/// Tag of the shared busybox test image.
pub const BUSYBOX_TAG: &str = "cr-testnet-test/busybox:local";

/// The engine. These tests are the end-to-end tier's (`--ignored`): asked to run, they fail
/// when Docker is missing rather than pass without testing anything.
pub async fn docker() -> DockerProvider {
    match DockerProvider::connect().await {
        Ok(p) => p,
        Err(e) => panic!("this test needs Docker: {e}"),
    }
}

/// A testnet name unique to this process and test.
pub fn unique(test: &str) -> String {
    format!("pt-{test}-{}", std::process::id())
}

/// Tears the testnet down when dropped, so a failing test leaves nothing behind.
pub struct TestnetGuard(pub String);

impl Drop for TestnetGuard {
    fn drop(&mut self) {
        let name = self.0.clone();
        // Drop cannot be async, and this may run inside a runtime: use a thread of its own.
        let report = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let p = DockerProvider::connect().await.ok()?;
                p.teardown(&name).await.ok()
            })
        })
        .join();
        if let Ok(Some(report)) = report {
            for left in report.leftovers {
                eprintln!("teardown left {}: {} ({})", left.name, left.error, left.command);
            }
        }
    }
}

/// Removes an image when dropped.
pub struct ImageGuard(pub String);

impl Drop for ImageGuard {
    fn drop(&mut self) {
        let tag = self.0.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let p = DockerProvider::connect().await.ok()?;
                let options = bollard::query_parameters::RemoveImageOptionsBuilder::default().force(true).build();
                p.client().remove_image(&tag, Some(options), None).await.ok()
            })
        })
        .join();
    }
}

/// Built once per test process: parallel tests building the same tag at the same moment
/// would each build, and one of the two images would be left untagged.
static BUSYBOX_IMAGE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// Build (or reuse) the busybox image: applets installed as links so `sh -c` scripts work.
pub async fn busybox_image(p: &DockerProvider) -> String {
    BUSYBOX_IMAGE.get_or_init(|| build_busybox(p)).await.clone()
}

async fn build_busybox(p: &DockerProvider) -> String {
    assert!(Path::new(BUSYBOX).exists(), "{BUSYBOX} is missing: run `apt-get install -y busybox-static`");
    let recipe = ImageRecipe {
        tag: BUSYBOX_TAG.to_owned(),
        dockerfile: "FROM scratch\n\
                     COPY busybox /bin/busybox\n\
                     RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
                     ENTRYPOINT [\"/bin/busybox\"]\n"
            .to_owned(),
        context: vec![FileEntry::host("busybox", BUSYBOX)],
    };
    match p.build_image(&recipe).await {
        Ok(image) => image.tag,
        Err(e) => panic!("building the busybox test image: {e}"),
    }
}

/// Poll until `state` holds, or fail after `timeout`.
pub async fn wait_state(
    p: &dyn Provider,
    c: &ContainerRef,
    timeout: Duration,
    state: impl Fn(&ContainerState) -> bool,
) -> ContainerState {
    let start = Instant::now();
    loop {
        let now = p.inspect(c).await.unwrap_or_else(|e| panic!("inspect: {e}"));
        if state(&now) {
            return now;
        }
        assert!(start.elapsed() < timeout, "{}: state not reached: {now:?}", c.name);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Wait for the container to exit; returns its exit code.
pub async fn wait_exit(p: &dyn Provider, c: &ContainerRef) -> i64 {
    let state = wait_state(p, c, Duration::from_secs(20), |s| s.status == ContainerStatus::Exited).await;
    state.exit_code.unwrap_or(-1)
}

/// Read a followed log until a line satisfies `pred`; fail after `timeout`.
pub async fn wait_line(logs: &mut LogStream, timeout: Duration, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let found = tokio::time::timeout(timeout, async {
        while let Some(line) = logs.next().await {
            let line = line.unwrap_or_else(|e| panic!("log stream: {e}"));
            if pred(&line.text) {
                return Some(line.text);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(line)) => line,
        Ok(None) => panic!("log ended before {what}"),
        Err(_) => panic!("no {what} within {timeout:?}"),
    }
}

/// HTTP GET from the host through a published port; retried until `timeout`.
pub async fn http_get(addr: std::net::SocketAddr, path: &str, timeout: Duration) -> String {
    let start = Instant::now();
    loop {
        let attempt = tokio::time::timeout(Duration::from_secs(2), async {
            let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
            let request = format!("GET {path} HTTP/1.0\r\nHost: test\r\n\r\n");
            stream.write_all(request.as_bytes()).await.ok()?;
            let mut response = String::new();
            stream.read_to_string(&mut response).await.ok()?;
            response.starts_with("HTTP/1.").then_some(response)
        })
        .await;
        if let Ok(Some(response)) = attempt {
            return response;
        }
        assert!(start.elapsed() < timeout, "no HTTP answer from {addr}{path}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Count containers, networks and volumes carrying the testnet label, straight from the API.
pub async fn labelled_objects(p: &DockerProvider, testnet: &str) -> (usize, usize, usize) {
    let filter = HashMap::from([("label", vec![format!("{LABEL_TESTNET}={testnet}")])]);
    let docker = p.client();
    let containers = docker
        .list_containers(Some(
            bollard::query_parameters::ListContainersOptionsBuilder::default().all(true).filters(&filter).build(),
        ))
        .await
        .map_or(usize::MAX, |c| c.len());
    let networks = docker
        .list_networks(Some(bollard::query_parameters::ListNetworksOptionsBuilder::default().filters(&filter).build()))
        .await
        .map_or(usize::MAX, |n| n.len());
    let volumes = docker
        .list_volumes(Some(bollard::query_parameters::ListVolumesOptionsBuilder::default().filters(&filter).build()))
        .await
        .map_or(usize::MAX, |v| v.volumes.unwrap_or_default().len());
    (containers, networks, volumes)
}

/// Create a labelled volume directly (the provider never makes one yet; teardown must still
/// remove those a crash or a later module leaves).
pub async fn labelled_volume(p: &DockerProvider, testnet: &str) -> String {
    let name = format!("crt_{testnet}_vol");
    let request = bollard::models::VolumeCreateRequest {
        name: Some(name.clone()),
        labels: Some(HashMap::from([(LABEL_TESTNET.to_owned(), testnet.to_owned())])),
        ..Default::default()
    };
    if let Err(e) = p.client().create_volume(request).await {
        panic!("creating volume {name}: {e}");
    }
    name
}
