//! Tar archives for build contexts and pre-start uploads, the content hash of an image
//! recipe, and the shared-library list of a binary (so a `FROM scratch` image can carry it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};

use super::ImageRecipe;
use crate::provider::{FileEntry, FileSource, ProviderError, Result};

/// Where Debian keeps the CA bundle; the node exits at start without one.
pub const HOST_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// A build context ready to send: the tar bytes and the recipe's content hash (hex).
#[derive(Debug, Clone)]
pub struct BuildContext {
    /// Uncompressed tar, `Dockerfile` at its root.
    pub tar: Vec<u8>,
    /// Hex Blake2-256 over the Dockerfile and every entry.
    pub content_hash: String,
}

/// An entry with its bytes loaded and its path normalised.
struct Loaded {
    mode: u32,
    /// `None` for a directory.
    data: Option<Vec<u8>>,
}

/// Normalise a destination path: strip leading `/` and `./`, collapse empty components,
/// refuse `..` (an archive must not write outside its root).
pub fn normalize_path(path: &str) -> Result<String> {
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(ProviderError::Invalid {
                    what: "file path",
                    message: format!("{path:?} contains `..`: give a path inside the archive"),
                })
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return Err(ProviderError::Invalid {
            what: "file path",
            message: format!("{path:?} names no file: give a path such as `etc/chain.json`"),
        });
    }
    Ok(parts.join("/"))
}

/// Read every entry (host files from disk), keyed and sorted by normalised path so the
/// archive and the hash do not depend on the order the caller listed them in.
fn load(entries: &[FileEntry]) -> Result<BTreeMap<String, Loaded>> {
    let mut out = BTreeMap::new();
    for entry in entries {
        let path = normalize_path(&entry.path)?;
        let loaded = match &entry.source {
            FileSource::Dir => Loaded { mode: entry.mode.unwrap_or(0o755), data: None },
            FileSource::Bytes(bytes) => Loaded { mode: entry.mode.unwrap_or(0o644), data: Some(bytes.clone()) },
            FileSource::Host(host) => {
                let io = |source| ProviderError::Io { path: host.clone(), purpose: "a file to archive", source };
                // `metadata` follows symlinks: a library symlink contributes its target.
                let meta = std::fs::metadata(host).map_err(io)?;
                let data = std::fs::read(host).map_err(io)?;
                Loaded { mode: entry.mode.unwrap_or_else(|| host_mode(&meta)), data: Some(data) }
            }
        };
        if out.insert(path.clone(), loaded).is_some() {
            return Err(ProviderError::Invalid {
                what: "file list",
                message: format!("{path:?} is listed twice: keep one entry per path"),
            });
        }
    }
    Ok(out)
}

#[cfg(unix)]
fn host_mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn host_mode(_meta: &std::fs::Metadata) -> u32 {
    0o755
}

/// Write loaded entries as a tar. Owner root and mtime 0 keep the archive reproducible.
fn write_tar(entries: &BTreeMap<String, Loaded>) -> Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, entry) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mode(entry.mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        let written = match &entry.data {
            Some(data) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(data.len() as u64);
                builder.append_data(&mut header, path, data.as_slice())
            }
            None => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                builder.append_data(&mut header, format!("{path}/"), std::io::empty())
            }
        };
        written.map_err(|e| tar_error(path, e))?;
    }
    builder.into_inner().map_err(|e| tar_error("(end)", e))
}

fn tar_error(path: &str, e: std::io::Error) -> ProviderError {
    ProviderError::Invalid {
        what: "archive entry",
        message: format!("{path}: {e}: shorten the path or check the file"),
    }
}

/// Tar of files to upload into a container, extracted at `/`.
pub fn upload_tar(files: &[FileEntry]) -> Result<Vec<u8>> {
    write_tar(&load(files)?)
}

/// Assemble a recipe's build context and content hash. Reads host files; call it from a
/// blocking task when the context is large.
pub fn build_context(recipe: &ImageRecipe) -> Result<BuildContext> {
    let mut entries = load(&recipe.context)?;
    let content_hash = hex::encode(recipe_hash(&recipe.dockerfile, &entries));
    let dockerfile = Loaded { mode: 0o644, data: Some(recipe.dockerfile.as_bytes().to_vec()) };
    if entries.insert("Dockerfile".to_owned(), dockerfile).is_some() {
        return Err(ProviderError::Invalid {
            what: "build context",
            message: "it holds a file named `Dockerfile`: the recipe's Dockerfile goes there; \
                      move the file elsewhere"
                .to_owned(),
        });
    }
    Ok(BuildContext { tar: write_tar(&entries)?, content_hash })
}

/// Blake2-256 over a version tag, the Dockerfile and every (path, mode, kind, bytes), each
/// length-prefixed so no two different recipes feed the hash the same byte sequence.
fn recipe_hash(dockerfile: &str, entries: &BTreeMap<String, Loaded>) -> [u8; 32] {
    let mut hasher = Blake2b::<U32>::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(b"cr-testnet image recipe v1");
    field(dockerfile.as_bytes());
    for (path, entry) in entries {
        field(path.as_bytes());
        field(&entry.mode.to_le_bytes());
        match &entry.data {
            Some(data) => {
                field(b"file");
                field(data);
            }
            None => field(b"dir"),
        }
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&hasher.finalize());
    out
}

/// The shared libraries a dynamically linked ELF binary loads, with their host paths (the
/// loader included; the kernel's vDSO left out). Empty for a static binary.
pub async fn shared_libraries(binary: &Path) -> Result<Vec<PathBuf>> {
    if let Err(source) = tokio::fs::metadata(binary).await {
        return Err(ProviderError::Io { path: binary.to_owned(), purpose: "a binary to package", source });
    }
    let output = tokio::process::Command::new("ldd").arg(binary).output().await.map_err(|e| ProviderError::Ldd {
        binary: binary.to_owned(),
        message: format!("cannot run `ldd` ({e}): install libc-bin"),
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        // ldd exits 1 for a static binary; that is an answer, not a failure.
        if stderr.contains("not a dynamic executable") || stdout.contains("statically linked") {
            return Ok(Vec::new());
        }
        return Err(ProviderError::Ldd {
            binary: binary.to_owned(),
            message: format!("`ldd` failed: {}: is it an ELF binary?", stderr.trim()),
        });
    }
    parse_ldd(&stdout).map_err(|message| ProviderError::Ldd { binary: binary.to_owned(), message })
}

/// Parse `ldd` output. Lines look like `libc.so.6 => /lib/.../libc.so.6 (0x...)`,
/// `/lib64/ld-linux-x86-64.so.2 (0x...)` or `linux-vdso.so.1 (0x...)`.
pub fn parse_ldd(output: &str) -> std::result::Result<Vec<PathBuf>, String> {
    let mut libs = Vec::new();
    for line in output.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.contains("statically linked") {
            continue;
        }
        let target = match line.split_once("=>") {
            Some((name, rest)) => {
                let rest = rest.trim();
                if rest.starts_with("not found") {
                    return Err(format!(
                        "{} is not found on this host: install it or set LD_LIBRARY_PATH",
                        name.trim()
                    ));
                }
                rest
            }
            None => line,
        };
        let path = target.split_whitespace().next().unwrap_or_default();
        // Only absolute paths are files; `linux-vdso.so.1` lives in the kernel.
        if path.starts_with('/') && !libs.iter().any(|p: &PathBuf| p.as_os_str() == path) {
            libs.push(PathBuf::from(path));
        }
    }
    Ok(libs)
}

/// Entries placing `binary` at `<prefix>/<dest>` and each of its shared libraries at
/// `<prefix>/<original absolute path>`, so a Dockerfile can `COPY <prefix>/ /`.
pub async fn binary_with_libs(binary: &Path, prefix: &str, dest: &str) -> Result<Vec<FileEntry>> {
    let mut entries = vec![FileEntry::host(format!("{prefix}/{dest}"), binary).with_mode(0o755)];
    for lib in shared_libraries(binary).await? {
        let inside = lib.to_string_lossy().trim_start_matches('/').to_owned();
        // The host mode is kept: the loader must stay executable.
        entries.push(FileEntry::host(format!("{prefix}/{inside}"), lib));
    }
    Ok(entries)
}

/// The host CA bundle, placed at `<prefix>/etc/ssl/certs/ca-certificates.crt`.
pub fn ca_bundle(prefix: &str) -> FileEntry {
    FileEntry::host(format!("{prefix}{HOST_CA_BUNDLE}"), HOST_CA_BUNDLE).with_mode(0o644)
}

/// The `rootfs/` tree the `images/*` Dockerfiles copy to `/`: the binary at
/// `rootfs/usr/local/bin/<install_as>`, its shared libraries at their host paths, the CA
/// bundle when asked for, and an empty world-writable `/tmp` (scratch images have none).
pub async fn scratch_rootfs(binary: &Path, install_as: &str, with_ca_bundle: bool) -> Result<Vec<FileEntry>> {
    let mut entries = binary_with_libs(binary, "rootfs", &format!("usr/local/bin/{install_as}")).await?;
    if with_ca_bundle {
        entries.push(ca_bundle("rootfs"));
    }
    entries.push(FileEntry::dir("rootfs/tmp").with_mode(0o1777));
    Ok(entries)
}
