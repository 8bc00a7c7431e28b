//! Image builds against the real engine: content-addressed reuse, and the `images/` recipes
//! packing a dynamically linked binary with its libraries into a `FROM scratch` image.

#[path = "provider_support.rs"]
mod support;

use std::path::{Path, PathBuf};

use futures::StreamExt;
use support::*;
use testnet::image::context::scratch_rootfs;
use testnet::image::{BuildOutcome, ImageBuilder, ImageRecipe};
use testnet::provider::{ContainerSpec, FileEntry, Provider};

fn images_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../images")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Docker: the end-to-end tier runs it"]
async fn provider_image_rebuilt_only_when_content_changes() {
    let p = docker().await;
    let tag = format!("cr-testnet-test/rebuild-{}:local", std::process::id());
    let _image = ImageGuard(tag.clone());
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let payload = dir.path().join("payload.txt");
    std::fs::write(&payload, "version 1").unwrap_or_else(|e| panic!("{e}"));

    let recipe = ImageRecipe {
        tag: tag.clone(),
        dockerfile: "FROM scratch\nCOPY files/ /\n".to_owned(),
        context: vec![
            FileEntry::host("files/payload.txt", &payload),
            FileEntry::bytes("files/etc/static.conf", "same"),
        ],
    };
    let first = p.build_image(&recipe).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.outcome, BuildOutcome::Built);
    assert_eq!(first.content_hash.len(), 64);

    let second = p.build_image(&recipe).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(second.outcome, BuildOutcome::Reused, "nothing changed");
    assert_eq!((second.id.as_str(), second.content_hash.as_str()), (first.id.as_str(), first.content_hash.as_str()));

    // Listing the context in another order is the same recipe.
    let mut reordered = recipe.clone();
    reordered.context.reverse();
    let third = p.build_image(&reordered).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(third.outcome, BuildOutcome::Reused);

    std::fs::write(&payload, "version 2").unwrap_or_else(|e| panic!("{e}"));
    let changed = p.build_image(&recipe).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(changed.outcome, BuildOutcome::Built, "a context file changed");
    assert_ne!(changed.content_hash, first.content_hash);
    assert_ne!(changed.id, first.id);
    // The replaced image is not left behind untagged.
    assert!(p.client().inspect_image(&first.id).await.is_err(), "old image removed");

    let mut new_dockerfile = recipe.clone();
    new_dockerfile.dockerfile.push_str("ENV CHANGED=1\n");
    let rebuilt = p.build_image(&new_dockerfile).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rebuilt.outcome, BuildOutcome::Built, "the Dockerfile changed");

    // A broken Dockerfile fails with the builder's message.
    let mut broken = recipe.clone();
    broken.dockerfile = "FROM scratch\nCOPY missing.txt /\n".to_owned();
    let error = p.build_image(&broken).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(error.contains("missing.txt") && error.contains("fix the Dockerfile"), "{error}");
}

/// Build an `images/<name>` recipe around a stand-in binary and run it once.
async fn run_recipe(
    p: &testnet::provider::DockerProvider,
    name: &str,
    (binary, install_as): (&str, &str),
    args: &[&str],
) -> (i64, Vec<String>) {
    let testnet = unique(&format!("img-{name}"));
    let _guard = TestnetGuard(testnet.clone());
    let tag = format!("cr-testnet-test/{name}-standin-{}:local", std::process::id());
    let _image = ImageGuard(tag.clone());
    let context = scratch_rootfs(Path::new(binary), install_as, true).await.unwrap_or_else(|e| panic!("{e}"));
    let recipe = ImageRecipe::from_images_dir(&images_dir(), name, &tag, context).unwrap_or_else(|e| panic!("{e}"));
    let image = p.build_image(&recipe).await.unwrap_or_else(|e| panic!("{e}"));

    let mut spec = ContainerSpec::new(&testnet, "one", name, &image.tag);
    spec.cmd = args.iter().map(|a| a.to_string()).collect();
    let c = p.create_container(&spec).await.unwrap_or_else(|e| panic!("{e}"));
    p.start(&c).await.unwrap_or_else(|e| panic!("{e}"));
    let code = wait_exit(p, &c).await;
    let lines = p.logs(&c, false, None).map(|l| l.map(|l| l.text).unwrap_or_else(|e| panic!("{e}"))).collect().await;
    (code, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Docker: the end-to-end tier runs it"]
async fn provider_validator_recipe_runs_a_dynamic_binary_from_scratch() {
    let p = docker().await;
    // `ls` links libc and the loader like cr-node links libstdc++, libc, ...: if the
    // libraries or the loader were misplaced, it could not even start.
    let libs = testnet::image::context::shared_libraries(Path::new("/bin/ls")).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(!libs.is_empty(), "/bin/ls is expected to be dynamically linked");
    // Sorted, as `ls` prints them.
    let args = ["-d", "/data", "/etc/ssl/certs/ca-certificates.crt", "/tmp", "/usr/local/bin/cr-node"];
    let (code, lines) = run_recipe(&p, "validator", ("/bin/ls", "cr-node"), &args).await;
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines, args[1..]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Docker: the end-to-end tier runs it"]
async fn provider_cr_compute_recipe_runs_from_scratch() {
    let p = docker().await;
    let (code, lines) = run_recipe(&p, "cr-compute", ("/bin/echo", "cr-compute"), &["daemon", "up"]).await;
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines, ["daemon up"]);
}
