//! What a testnet runs: the `cr-node` and `cr-compute` binaries, compiled here, and the two
//! images built from them. There is no registry, so both are always local products.

use crate::image::{context, ImageBuilder, ImageRecipe, ImageRef};
use crate::provider::ProviderError;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Tag of the validator image.
pub const VALIDATOR_IMAGE: &str = "cr-testnet/validator:local";
/// Tag of the compute daemon (and artifact store) image.
pub const COMPUTE_IMAGE: &str = "cr-testnet/cr-compute:local";

/// Where the sources are and where their builds go.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Repository root (holds `chain/`, `images/`, `topologies/`).
    pub root: PathBuf,
    /// Cargo target directory of the chain workspace.
    pub chain_target: PathBuf,
    /// Cargo target directory of the light workspace.
    pub light_target: PathBuf,
}

/// Failures while producing binaries or images.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// `cargo build` failed.
    #[error("building {what} failed (exit {code:?}); run `{command}` in {dir} to see why")]
    Build { what: &'static str, code: Option<i32>, command: String, dir: PathBuf },
    /// `cargo` could not be started.
    #[error("could not run cargo to build {what}: {source}; is the Rust toolchain on PATH?")]
    Cargo { what: &'static str, source: std::io::Error },
    /// A binary that should exist after the build does not.
    #[error("{path} is missing after the build; check CR_TARGET_ROOT and the cargo output")]
    Missing { path: PathBuf },
    /// The container runtime refused the image.
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

impl Workspace {
    /// The repository this binary was built from, with target directories from the
    /// environment (`CR_TARGET_ROOT`, default `~/.cache/compute-testnet`), as `ci/env.sh` sets.
    pub fn from_env() -> Self {
        let root = std::env::var_os("CR_REPO")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
        let target_root = std::env::var_os("CR_TARGET_ROOT").map(PathBuf::from).unwrap_or_else(|| {
            let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| "/tmp".into());
            home.join(".cache/compute-testnet")
        });
        Self { root, chain_target: target_root.join("chain-target"), light_target: target_root.join("light-target") }
    }

    /// The validator binary (`CR_NODE_BIN` overrides).
    pub fn node_binary(&self) -> PathBuf {
        std::env::var_os("CR_NODE_BIN").map(PathBuf::from).unwrap_or_else(|| self.chain_target.join("release/cr-node"))
    }

    /// The working tree's runtime, as the chain build leaves it (the one `cr-node` embeds).
    pub fn runtime_wasm(&self) -> PathBuf {
        // Next to the node that embeds it, so `CR_NODE_BIN` moves both.
        let node = self.node_binary();
        node.parent().unwrap_or(Path::new(".")).join("wbuild/compute-runtime/compute_runtime.compact.compressed.wasm")
    }

    /// The compute daemon binary.
    pub fn compute_binary(&self) -> PathBuf {
        self.light_target.join("release/cr-compute")
    }

    /// Compile both binaries; cargo makes this a quick no-op when nothing changed.
    pub async fn build_binaries(&self) -> Result<(), ArtifactError> {
        self.cargo("the validator node", &self.root.join("chain"), &self.chain_target, "cr-node").await?;
        self.cargo("the compute daemon", &self.root, &self.light_target, "cr-compute").await?;
        for path in [self.node_binary(), self.compute_binary()] {
            if !path.is_file() {
                return Err(ArtifactError::Missing { path });
            }
        }
        Ok(())
    }

    async fn cargo(&self, what: &'static str, dir: &Path, target: &Path, package: &str) -> Result<(), ArtifactError> {
        let args = ["build", "--release", "--locked", "-p", package];
        tracing::info!(what, dir = %dir.display(), "cargo {}", args.join(" "));
        let status = tokio::process::Command::new("cargo")
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", target)
            // The runtime's nested wasm build must find chain/Cargo.lock from a target dir
            // outside the clone, or it resolves dependencies afresh.
            .env("WASM_BUILD_WORKSPACE_HINT", dir)
            .stdin(Stdio::null())
            .status()
            .await
            .map_err(|source| ArtifactError::Cargo { what, source })?;
        if status.success() {
            return Ok(());
        }
        Err(ArtifactError::Build {
            what,
            code: status.code(),
            command: format!("CARGO_TARGET_DIR={} cargo {}", target.display(), args.join(" ")),
            dir: dir.to_owned(),
        })
    }

    /// Build (or reuse, when the binaries did not change) the validator and compute images.
    pub async fn build_images(&self, builder: &dyn ImageBuilder) -> Result<[ImageRef; 2], ArtifactError> {
        let images = self.root.join("images");
        let node = context::scratch_rootfs(&self.node_binary(), "cr-node", true).await?;
        let validator = ImageRecipe::from_images_dir(&images, "validator", VALIDATOR_IMAGE, node)?;
        let daemon = context::scratch_rootfs(&self.compute_binary(), "cr-compute", false).await?;
        let compute = ImageRecipe::from_images_dir(&images, "cr-compute", COMPUTE_IMAGE, daemon)?;
        Ok([builder.build_image(&validator).await?, builder.build_image(&compute).await?])
    }
}
