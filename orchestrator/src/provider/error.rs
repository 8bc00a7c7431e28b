//! Provider errors: each names the object and the operation, and ends with what to do.

use std::path::PathBuf;

/// Why a provider operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The runtime cannot be reached at all.
    #[error("no engine answers at {host} ({reason}): {fix}")]
    EngineUnreachable {
        /// Address tried.
        host: String,
        /// What the connection attempt said.
        reason: String,
        /// How to get an engine there, in the words of the provider that tried.
        fix: &'static str,
    },

    /// The engine cannot do what was asked of it (see [`Capability`](super::Capability)).
    #[error("{operation} {object}: the {runtime} engine has no {capability}: {fix}")]
    Unsupported {
        /// Operation.
        operation: &'static str,
        /// Object name.
        object: String,
        /// Provider name.
        runtime: &'static str,
        /// The missing power.
        capability: super::Capability,
        /// What to do instead.
        fix: String,
    },

    /// A container was created from an image that does not exist.
    #[error("image {image} not found: run `testnet build` first")]
    ImageNotFound {
        /// Image tag.
        image: String,
    },

    /// An engine host of several lacks an image a node needs.
    #[error(
        "image {image} is not on host {host}: `testnet up` stages images on every Ready host before it \
             creates anything; a host that was down then has none: bring it up and run `testnet up` again, or \
             load it by hand with `docker save {image} | docker -H <host endpoint> load`"
    )]
    ImageMissingOnHost {
        /// Image tag.
        image: String,
        /// Host name.
        host: String,
    },

    /// A fixed host port is taken by another process or container.
    #[error("{operation} {object}: host port 127.0.0.1:{port} is already allocated: free it, or omit the host port in `publish` so the engine picks a free one")]
    PortInUse {
        /// Operation.
        operation: &'static str,
        /// Container name.
        object: String,
        /// Host port.
        port: u16,
    },

    /// The object does not exist (any more).
    #[error(
        "{operation} {object}: not found: it was removed or never created; run `testnet status` to see what exists"
    )]
    NotFound {
        /// Operation.
        operation: &'static str,
        /// Object name.
        object: String,
    },

    /// The object exists in a state that forbids the operation (name taken, not running, ...).
    #[error("{operation} {object}: {message}: {fix}")]
    Conflict {
        /// Operation.
        operation: &'static str,
        /// Object name.
        object: String,
        /// The engine's message.
        message: String,
        /// What to do about it.
        fix: String,
    },

    /// An image build failed.
    #[error("building image {image} failed: {message}\n{output}\nfix the Dockerfile or the files of the build context, then build again")]
    Build {
        /// Image tag.
        image: String,
        /// The builder's error.
        message: String,
        /// The last lines of build output.
        output: String,
    },

    /// A local file could not be read or written.
    #[error("{path} ({purpose}): {source}: check that the path exists and is readable/writable")]
    Io {
        /// File.
        path: PathBuf,
        /// What the file was for.
        purpose: &'static str,
        /// Cause.
        #[source]
        source: std::io::Error,
    },

    /// The shared libraries of a binary could not be listed.
    #[error("listing the shared libraries of {binary}: {message}")]
    Ldd {
        /// Binary.
        binary: PathBuf,
        /// What went wrong, with the fix.
        message: String,
    },

    /// The machine under the engine would run out of a kernel table a testnet this size fills.
    #[error(
        "a testnet of {containers} containers needs about {needed} entries in the kernel's neighbour (ARP) \
         table, which holds {limit} (net.ipv4.neigh.default.gc_thresh3), {held} of them in use; past it, \
         connections between containers time out. Raise it: {fix}"
    )]
    HostLimit {
        /// Containers the testnet would run.
        containers: usize,
        /// Entries they need.
        needed: usize,
        /// Entries the kernel allows.
        limit: usize,
        /// Entries already held (other testnets, the host).
        held: usize,
        /// The command that makes room, or the alternative.
        fix: String,
    },

    /// An argument is unusable.
    #[error("invalid {what}: {message}")]
    Invalid {
        /// What was invalid (`testnet name`, `file path`, ...).
        what: &'static str,
        /// Why, and what to change.
        message: String,
    },

    /// Any other engine failure.
    #[error(
        "{operation} {object}: the engine said: {message}: check the engine's state and log (`docker info` for Docker)"
    )]
    Engine {
        /// Operation.
        operation: &'static str,
        /// Object name.
        object: String,
        /// The engine's message.
        message: String,
    },
}

/// Check a testnet or node name: it becomes part of container names and a DNS label, so only
/// lowercase letters, digits and `-` are allowed (plus `.` in testnet names, which are not
/// DNS labels themselves). `_` is never allowed: it separates testnet and node in container
/// names (see [`container_name`](super::container_name)).
pub(crate) fn check_name(what: &'static str, name: &str, dns: bool) -> Result<(), ProviderError> {
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok = name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (!dns && c == '.'));
    if first_ok && rest_ok && name.len() <= 63 {
        Ok(())
    } else {
        let allowed = if dns { "lowercase letters, digits and `-`" } else { "lowercase letters, digits, `-` and `.`" };
        Err(ProviderError::Invalid {
            what,
            message: format!("{name:?}: use 1 to 63 {allowed}, starting with a letter or digit"),
        })
    }
}
