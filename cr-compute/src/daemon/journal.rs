//! The daemon's memory across restarts: which jobs it crashed on (so `crash-after-accept`
//! crashes once per job), which results it submitted, and cached outputs (so a resumed job is
//! not executed again). The chain stays the authority: before submitting, the daemon checks the
//! job is still assigned to it for the same attempt, and the runtime refuses a second result
//! for an attempt, so a result is never accepted twice even if this file were lost.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

/// One submission the daemon made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub job_id: u64,
    pub attempt: u32,
    pub output_hash: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    crashed_on: BTreeSet<u64>,
    submissions: Vec<Submission>,
}

/// The journal file and the output cache of one logical daemon.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    state: State,
}

impl Journal {
    /// Open (or create) the journal in `dir`.
    pub fn open(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir.join("outputs"))?;
        let path = dir.join("journal.json");
        let state = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is corrupt ({e}); move it away to start afresh", path.display()),
                )
            })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(e),
        };
        Ok(Self { dir: dir.to_owned(), state })
    }

    fn save(&self) -> io::Result<()> {
        let tmp = self.dir.join("journal.json.tmp");
        let bytes = serde_json::to_vec_pretty(&self.state).map_err(io::Error::other)?;
        std::fs::write(&tmp, bytes)?;
        // Rename is atomic: a crash leaves the old or the new journal, never half of one.
        std::fs::rename(&tmp, self.dir.join("journal.json"))
    }

    /// Whether the daemon already crashed on this job.
    pub fn crashed_on(&self, job_id: u64) -> bool {
        self.state.crashed_on.contains(&job_id)
    }

    /// Record, durably, that the daemon is about to crash on this job.
    pub fn mark_crash(&mut self, job_id: u64) -> io::Result<()> {
        self.state.crashed_on.insert(job_id);
        self.save()
    }

    /// Submissions made for this attempt.
    pub fn submissions_for(&self, job_id: u64, attempt: u32) -> usize {
        self.state.submissions.iter().filter(|s| s.job_id == job_id && s.attempt == attempt).count()
    }

    /// Every submission, oldest first.
    pub fn submissions(&self) -> &[Submission] {
        &self.state.submissions
    }

    /// Record a submission.
    pub fn record_submission(&mut self, submission: Submission) -> io::Result<()> {
        self.state.submissions.push(submission);
        self.save()
    }

    fn output_path(&self, job_id: u64, attempt: u32) -> PathBuf {
        self.dir.join("outputs").join(format!("{job_id}-{attempt}.bin"))
    }

    /// The cached output of an attempt, if it was computed before.
    pub fn cached_output(&self, job_id: u64, attempt: u32) -> Option<Vec<u8>> {
        std::fs::read(self.output_path(job_id, attempt)).ok()
    }

    /// Cache an attempt's output.
    pub fn cache_output(&self, job_id: u64, attempt: u32, output: &[u8]) -> io::Result<()> {
        let path = self.output_path(job_id, attempt);
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, output)?;
        std::fs::rename(tmp, path)
    }

    /// Read a journal without opening it for writing (for tests and `verify`).
    pub fn read(dir: &Path) -> io::Result<Vec<Submission>> {
        Ok(Self::open(dir)?.state.submissions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut j = Journal::open(dir.path()).expect("open");
        assert!(!j.crashed_on(3));
        j.mark_crash(3).expect("crash");
        j.record_submission(Submission { job_id: 3, attempt: 1, output_hash: "ab".into() }).expect("submit");
        j.cache_output(3, 1, b"out").expect("cache");
        let j = Journal::open(dir.path()).expect("reopen");
        assert!(j.crashed_on(3));
        assert_eq!(j.submissions_for(3, 1), 1);
        assert_eq!(j.submissions_for(3, 2), 0);
        assert_eq!(j.cached_output(3, 1).as_deref(), Some(&b"out"[..]));
        assert_eq!(j.cached_output(4, 1), None);
    }

    #[test]
    fn corrupt_journal_is_reported_not_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("journal.json"), b"{nope").expect("write");
        let err = Journal::open(dir.path()).expect_err("corrupt");
        assert!(err.to_string().contains("move it away"), "{err}");
    }
}
