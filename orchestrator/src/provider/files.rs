//! Files placed in an image's build context or in a container before it starts.

use std::path::PathBuf;

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
