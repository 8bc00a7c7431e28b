//! Looking at containers: state, logs, resource use.

use std::collections::{BTreeMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::models::{ContainerStateStatusEnum, ContainerStatsResponse, PortMap};
use bollard::query_parameters::{LogsOptionsBuilder, StatsOptionsBuilder};
use futures::stream::{self, BoxStream};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use super::{map_error, DockerProvider};
use crate::provider::{
    ContainerRef, ContainerState, ContainerStatus, LogLine, LogSource, LogStream, ProviderError, ResourceUse, Result,
};

/// Status, exit code, published ports and start time.
pub(super) async fn inspect(p: &DockerProvider, c: &ContainerRef) -> Result<ContainerState> {
    let info = p.docker.inspect_container(&c.name, None).await.map_err(|e| p.err("inspect container", &c.name, e))?;
    let state = info.state.unwrap_or_default();
    let status = match state.status {
        Some(ContainerStateStatusEnum::CREATED) => ContainerStatus::Created,
        Some(ContainerStateStatusEnum::RUNNING) => ContainerStatus::Running,
        Some(ContainerStateStatusEnum::PAUSED) => ContainerStatus::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => ContainerStatus::Restarting,
        Some(ContainerStateStatusEnum::REMOVING) => ContainerStatus::Removing,
        Some(ContainerStateStatusEnum::EXITED) => ContainerStatus::Exited,
        Some(ContainerStateStatusEnum::DEAD) => ContainerStatus::Dead,
        _ => ContainerStatus::Unknown,
    };
    let exited = matches!(status, ContainerStatus::Exited | ContainerStatus::Dead);
    // The engine reports the zero time for a container that never started.
    let started_at = state.started_at.filter(|t| !t.is_empty() && !t.starts_with("0001-"));
    let ports = info.network_settings.and_then(|n| n.ports).map(|ports| published(&ports)).unwrap_or_default();
    Ok(ContainerState {
        status,
        exit_code: if exited { state.exit_code } else { None },
        oom_killed: state.oom_killed.unwrap_or(false),
        ports,
        started_at,
    })
}

/// Container TCP port -> 127.0.0.1:host port, for ports published on the host.
fn published(ports: &PortMap) -> BTreeMap<u16, SocketAddr> {
    let mut out = BTreeMap::new();
    for (key, bindings) in ports {
        let Some(port) = key.strip_suffix("/tcp").and_then(|p| p.parse::<u16>().ok()) else {
            continue;
        };
        let host_port =
            bindings.iter().flatten().filter_map(|b| b.host_port.as_deref()?.parse::<u16>().ok()).find(|p| *p != 0);
        if let Some(host_port) = host_port {
            out.insert(port, SocketAddr::from((Ipv4Addr::LOCALHOST, host_port)));
        }
    }
    out
}

/// Splits the engine's demultiplexed chunks (which follow the program's writes, not its
/// lines) into whole lines, one buffer per stream so stdout and stderr never mix in a line.
struct Lines {
    raw: BoxStream<'static, std::result::Result<LogOutput, BollardError>>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    ready: VecDeque<Result<LogLine>>,
    done: bool,
    host: String,
    name: String,
}

impl Lines {
    fn push(&mut self, chunk: LogOutput) {
        let (source, bytes) = match chunk {
            LogOutput::StdErr { message } => (LogSource::Stderr, message),
            LogOutput::StdOut { message } | LogOutput::Console { message } => (LogSource::Stdout, message),
            LogOutput::StdIn { .. } => return,
        };
        let buffer = match source {
            LogSource::Stdout => &mut self.stdout,
            LogSource::Stderr => &mut self.stderr,
        };
        buffer.extend_from_slice(&bytes);
        while let Some(at) = buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=at).collect();
            self.ready.push_back(Ok(to_line(source, &line)));
        }
    }

    /// At the end of the output, a last line without newline is still a line.
    fn flush(&mut self) {
        for (source, buffer) in [(LogSource::Stdout, &mut self.stdout), (LogSource::Stderr, &mut self.stderr)] {
            if !buffer.is_empty() {
                let line = std::mem::take(buffer);
                self.ready.push_back(Ok(to_line(source, &line)));
            }
        }
    }
}

fn to_line(source: LogSource, bytes: &[u8]) -> LogLine {
    let text = String::from_utf8_lossy(bytes);
    LogLine { source, text: text.trim_end_matches(['\n', '\r']).to_owned() }
}

/// Stdout and stderr as lines; follows the live output when `follow`.
pub(super) fn logs(p: &DockerProvider, c: &ContainerRef, follow: bool, tail: Option<usize>) -> LogStream {
    let tail = tail.map_or_else(|| "all".to_owned(), |n| n.to_string());
    let options = LogsOptionsBuilder::default().follow(follow).stdout(true).stderr(true).tail(&tail).build();
    let lines = Lines {
        raw: p.docker.logs(&c.name, Some(options)).boxed(),
        stdout: Vec::new(),
        stderr: Vec::new(),
        ready: VecDeque::new(),
        done: false,
        host: p.host.clone(),
        name: c.name.clone(),
    };
    stream::unfold(lines, |mut lines| async move {
        loop {
            if let Some(line) = lines.ready.pop_front() {
                return Some((line, lines));
            }
            if lines.done {
                return None;
            }
            match lines.raw.next().await {
                Some(Ok(chunk)) => lines.push(chunk),
                Some(Err(e)) => {
                    lines.done = true;
                    let error = map_error(&lines.host, "read logs of", &lines.name, e);
                    lines.ready.push_back(Err(error));
                }
                None => {
                    lines.done = true;
                    lines.flush();
                }
            }
        }
    })
    .boxed()
}

/// Write the whole log to `path` (parent directories created); returns the line count.
pub(super) async fn save_logs(p: &DockerProvider, c: &ContainerRef, path: &Path) -> Result<usize> {
    let io = |source| ProviderError::Io { path: path.to_owned(), purpose: "saving container logs", source };
    if let Some(parent) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent).await.map_err(io)?;
    }
    let file = tokio::fs::File::create(path).await.map_err(io)?;
    let mut out = tokio::io::BufWriter::new(file);
    let mut lines = logs(p, c, false, None);
    let mut count = 0;
    while let Some(line) = lines.next().await {
        let line = line?;
        out.write_all(line.text.as_bytes()).await.map_err(io)?;
        out.write_all(b"\n").await.map_err(io)?;
        count += 1;
    }
    out.flush().await.map_err(io)?;
    Ok(count)
}

/// One sample. Not one-shot: the engine then waits for a second reading so the CPU delta
/// (and thus the percentage) is meaningful.
pub(super) async fn stats(p: &DockerProvider, c: &ContainerRef) -> Result<ResourceUse> {
    let options = StatsOptionsBuilder::default().stream(false).one_shot(false).build();
    let sample = p
        .docker
        .stats(&c.name, Some(options))
        .next()
        .await
        .ok_or_else(|| ProviderError::Engine {
            operation: "read stats of",
            object: c.name.clone(),
            message: "the engine sent no sample".to_owned(),
        })?
        .map_err(|e| p.err("read stats of", &c.name, e))?;
    Ok(resource_use(&sample))
}

/// CPU % and memory as `docker stats` computes them.
fn resource_use(sample: &ContainerStatsResponse) -> ResourceUse {
    let total = |s: &Option<bollard::models::ContainerCpuStats>| {
        let s = s.as_ref();
        let cpu = s.and_then(|s| s.cpu_usage.as_ref()?.total_usage).unwrap_or(0);
        let system = s.and_then(|s| s.system_cpu_usage).unwrap_or(0);
        (cpu, system)
    };
    let (cpu_now, system_now) = total(&sample.cpu_stats);
    let (cpu_before, system_before) = total(&sample.precpu_stats);
    let cpus = sample
        .cpu_stats
        .as_ref()
        .and_then(|s| {
            s.online_cpus.map(u64::from).or_else(|| {
                let per_cpu = s.cpu_usage.as_ref()?.percpu_usage.as_ref()?;
                Some(per_cpu.len() as u64)
            })
        })
        .unwrap_or(1);
    let cpu_delta = cpu_now.saturating_sub(cpu_before);
    let system_delta = system_now.saturating_sub(system_before);
    let cpu_percent = if cpu_delta > 0 && system_delta > 0 {
        cpu_delta as f64 / system_delta as f64 * cpus as f64 * 100.0
    } else {
        0.0
    };

    let memory = sample.memory_stats.as_ref();
    let usage = memory.and_then(|m| m.usage).unwrap_or(0);
    // Page cache is reclaimable; cgroup v1 calls it total_inactive_file, v2 inactive_file.
    let cache = memory
        .and_then(|m| m.stats.as_ref())
        .and_then(|s| s.get("total_inactive_file").or_else(|| s.get("inactive_file")))
        .copied()
        .unwrap_or(0);
    ResourceUse {
        cpu_percent,
        memory_bytes: usage.saturating_sub(cache),
        memory_usage_bytes: usage,
        memory_limit_bytes: memory.and_then(|m| m.limit).unwrap_or(0),
    }
}
