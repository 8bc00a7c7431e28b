//! Files, image recipes and built images.

use std::path::PathBuf;

use super::ProviderError;

/// Where the bytes of a [`FileEntry`] come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    /// A file on the host (symlinks followed: the target's bytes are copied).
    Host(PathBuf),
    /// Bytes in memory (a chain spec, a key).
    Bytes(Vec<u8>),
    /// An empty directory (a scratch image has no `/tmp`).
    Dir,
}

/// One file or directory placed at `path` in a build context or a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Destination, `/`-separated; a leading `/` is ignored (uploads are rooted at `/`).
    pub path: String,
    /// Content.
    pub source: FileSource,
    /// Unix mode; `None` keeps the host file's mode (0644 for bytes, 0755 for directories).
    pub mode: Option<u32>,
}

impl FileEntry {
    /// A host file placed at `path`.
    pub fn host(path: impl Into<String>, host_path: impl Into<PathBuf>) -> Self {
        Self { path: path.into(), source: FileSource::Host(host_path.into()), mode: None }
    }

    /// In-memory bytes placed at `path`.
    pub fn bytes(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self { path: path.into(), source: FileSource::Bytes(bytes.into()), mode: None }
    }

    /// An empty directory at `path`.
    pub fn dir(path: impl Into<String>) -> Self {
        Self { path: path.into(), source: FileSource::Dir, mode: None }
    }

    /// The same entry with an explicit mode.
    pub fn with_mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }
}

/// How to build an image: a Dockerfile and the files of its build context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRecipe {
    /// Tag to give the image, e.g. `cr-testnet/validator:local`.
    pub tag: String,
    /// Dockerfile text (it becomes `Dockerfile` at the context root).
    pub dockerfile: String,
    /// Context files, at their path inside the context (`rootfs/usr/local/bin/cr-node`).
    pub context: Vec<FileEntry>,
}

impl ImageRecipe {
    /// Read `images/<name>/Dockerfile` under `images_dir`.
    pub fn from_images_dir(
        images_dir: &std::path::Path,
        name: &str,
        tag: impl Into<String>,
        context: Vec<FileEntry>,
    ) -> Result<Self, ProviderError> {
        let path = images_dir.join(name).join("Dockerfile");
        let dockerfile = std::fs::read_to_string(&path).map_err(|source| ProviderError::Io {
            path: path.clone(),
            purpose: "the image recipe",
            source,
        })?;
        Ok(Self { tag: tag.into(), dockerfile, context })
    }
}

/// Whether [`build_image`](super::Provider::build_image) ran a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildOutcome {
    /// The recipe changed (or no image existed): a new image was built.
    Built,
    /// An image with this tag and the same content hash existed and was kept.
    Reused,
}

/// A built (or reused) image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Tag.
    pub tag: String,
    /// Runtime id (`sha256:...`).
    pub id: String,
    /// Hex Blake2-256 of the recipe.
    pub content_hash: String,
    /// Built or reused.
    pub outcome: BuildOutcome,
}
