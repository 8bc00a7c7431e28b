//! Submitting a load run's jobs on their schedule and following every block until each job has
//! ended: what happened, when, by the host's clock and by block number.

use crate::scenario::inject::{submit, JobRequest};
use cr_protocol::chain::{api, Chain, Finality};
use cr_protocol::keys::Sr25519Key;
use cr_protocol::lifecycle::{Histories, Outcome};
use futures::StreamExt;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// One job to submit, the requester paying for it, and the connection (lane) it goes through.
#[derive(Clone)]
pub struct JobOrder {
    pub job: JobRequest,
    pub requester: Sr25519Key,
    pub lane: usize,
}

/// A job's life in seconds since the run started (host clock; chain stages are the arrival
/// of the first best block that showed them).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct JobRecord {
    pub job_id: Option<u64>,
    pub sent: f64,
    pub included: Option<f64>,
    pub accepted: Option<f64>,
    pub result: Option<f64>,
    pub settled: Option<f64>,
    pub end: Option<Outcome>,
    /// Why the submission failed, when it did.
    pub error: Option<String>,
}

/// A block as the run saw it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BlockSeen {
    /// When it arrived, in seconds since the run started.
    pub secs: f64,
    pub number: u64,
    /// Extrinsics, the inherent excluded.
    pub extrinsics: usize,
    /// Reference time its normal-class extrinsics were charged, in picoseconds.
    pub normal_weight: u64,
    /// Reference time of its mandatory part (initialisation with the marketplace's deadlines,
    /// inherents), in picoseconds: the block's total limit holds both.
    pub mandatory_weight: u64,
    /// Jobs named by `accept_job` calls the block included and the chain refused (a node that
    /// tried a job another had taken): each cost block weight and did nothing.
    pub refused_accepts: Vec<u64>,
}

/// Everything the run observed.
pub struct Observed {
    pub records: Vec<JobRecord>,
    /// Every block seen.
    pub blocks: Vec<BlockSeen>,
}

impl Observed {
    /// Move every time `by` seconds later: a later phase's records on the run's clock.
    pub fn shift(&mut self, by: f64) {
        for r in &mut self.records {
            r.sent += by;
            for t in [&mut r.included, &mut r.accepted, &mut r.result, &mut r.settled].into_iter().flatten() {
                *t += by;
            }
        }
        for b in &mut self.blocks {
            b.secs += by;
        }
    }

    /// Mean extrinsics per block (inherents excluded) while jobs were being submitted.
    pub fn mean_extrinsics_per_block(&self) -> f64 {
        self.mean_while_submitting(|b| b.extrinsics as f64)
    }

    /// Mean share of `limit` (the normal-class weight a block may hold) used by the blocks
    /// that arrived while jobs were being submitted.
    pub fn mean_weight_full(&self, limit: u64) -> f64 {
        self.mean_while_submitting(|b| b.normal_weight as f64 / limit.max(1) as f64)
    }

    /// Refused accepts of these records' jobs, per job: 0 when one node tries each job and
    /// wins; each one above is a node acting on a view in which the job was still open.
    pub fn refused_accepts_per_job(&self) -> f64 {
        let jobs: std::collections::BTreeSet<u64> = self.records.iter().filter_map(|r| r.job_id).collect();
        let refused = self.blocks.iter().flat_map(|b| &b.refused_accepts).filter(|id| jobs.contains(id)).count();
        refused as f64 / jobs.len().max(1) as f64
    }

    /// Over the blocks from the first submission to the last: the chain under the offered
    /// load, not the idle blocks while the last results settle (which halved a step's mean).
    fn mean_while_submitting(&self, of: impl Fn(&BlockSeen) -> f64) -> f64 {
        let sent = self.records.iter().map(|r| r.sent);
        let (first, last) = (sent.clone().fold(f64::INFINITY, f64::min), sent.fold(f64::NEG_INFINITY, f64::max));
        let during: Vec<f64> = self.blocks.iter().filter(|b| (first..=last).contains(&b.secs)).map(of).collect();
        if during.is_empty() {
            return 0.0;
        }
        during.iter().sum::<f64>() / during.len() as f64
    }
}

/// Submit `orders[i]` at `schedule[i]` through `lanes[orders[i].lane]` (one connection per
/// requester: a connection signs and submits one transaction at a time), follow the chain on
/// the first lane until every submitted job has
/// ended, or until `grace` after the last submission.
pub async fn drive(
    lanes: Vec<Arc<Chain>>,
    orders: Vec<JobOrder>,
    schedule: Vec<Duration>,
    grace: Duration,
    mut on_progress: impl FnMut(usize, usize),
) -> anyhow::Result<Observed> {
    let follower = lanes.first().ok_or_else(|| anyhow::anyhow!("no connection to submit through"))?;
    let mut mandatory_reads = Vec::new();
    let mut blocks = follower.follow(Finality::Best).await?;
    let start = Instant::now();
    let last_send = schedule.last().copied().unwrap_or_default();
    let deadline = start + last_send + grace;
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, Result<u64, String>)>();
    let mut records = vec![JobRecord::default(); orders.len()];
    let mut traces = Histories::default();
    let mut seen: BTreeMap<u64, f64> = BTreeMap::new();
    let mut block_log = Vec::new();
    let (mut next, mut answered) = (0usize, 0usize);
    let since = |at: Instant| at.duration_since(start).as_secs_f64();

    loop {
        let due = schedule.get(next).map_or(deadline, |d| start + *d);
        tokio::select! {
            _ = tokio::time::sleep_until(due.into()), if next < orders.len() => {
                records[next].sent = since(Instant::now());
                let (order, tx, i) = (orders[next].clone(), tx.clone(), next);
                let chain = lanes[order.lane % lanes.len()].clone();
                tokio::spawn(async move {
                    let _ = tx.send((i, submit(&chain, &order.requester, &order.job).await.map_err(|e| format!("{e:#}"))));
                });
                next += 1;
            },
            Some((i, outcome)) = rx.recv() => {
                answered += 1;
                match outcome {
                    Ok(id) => records[i].job_id = Some(id),
                    Err(e) => records[i].error = Some(e),
                }
            },
            block = blocks.next() => {
                let block = block.ok_or_else(|| anyhow::anyhow!("the block subscription ended"))??;
                let now = since(Instant::now());
                seen.entry(block.number).or_insert(now);
                // One read a block: the deadlines' share of the block, which normal weight
                // alone does not show. Read beside the loop (awaited here it would hold back
                // the submissions due meanwhile), while the node still keeps the block's state.
                let (chain, hash) = (follower.clone(), block.hash);
                mandatory_reads.push((block_log.len(), tokio::spawn(async move {
                    chain.mandatory_weight(Finality::At(hash)).await
                })));
                block_log.push(BlockSeen {
                    secs: now,
                    number: block.number,
                    extrinsics: block.extrinsics.saturating_sub(1),
                    normal_weight: block.normal_weight,
                    mandatory_weight: 0,
                    refused_accepts: block
                        .refused
                        .iter()
                        .filter(|r| r.is::<api::compute::calls::AcceptJob>())
                        .filter_map(|r| r.job_id)
                        .collect(),
                });
                traces.apply(block.number, &block.events);
            },
            _ = tokio::time::sleep_until(deadline.into()) => break,
        }
        let ended = records
            .iter()
            .filter(|r| r.job_id.and_then(|id| traces.jobs.get(&id)).is_some_and(|t| t.end.is_some()))
            .count();
        on_progress(ended, orders.len());
        let failed = records.iter().filter(|r| r.error.is_some()).count();
        if next == orders.len() && answered == orders.len() && ended + failed == orders.len() {
            break;
        }
    }
    let at = |block: Option<u64>| block.and_then(|b| seen.get(&b).copied());
    for r in &mut records {
        let Some(t) = r.job_id.and_then(|id| traces.jobs.get(&id)) else { continue };
        (r.included, r.accepted, r.result, r.settled) = (at(t.submitted), at(t.accepted), at(t.result), at(t.settled));
        r.end = t.end;
    }
    for (i, read) in mandatory_reads {
        block_log[i].mandatory_weight = read.await??;
    }
    Ok(Observed { records, blocks: block_log })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(secs: f64, refused_accepts: Vec<u64>) -> BlockSeen {
        BlockSeen { secs, number: secs as u64, extrinsics: 0, normal_weight: 0, mandatory_weight: 0, refused_accepts }
    }

    #[test]
    fn refused_accepts_count_per_job_of_these_records_only() {
        let record = |job_id| JobRecord { job_id: Some(job_id), ..JobRecord::default() };
        // Jobs 1 and 2 are this step's; job 9 belongs to another step, and a failed submission
        // (no job id) is not a job.
        let observed = Observed {
            records: vec![record(1), record(2), JobRecord { error: Some("refused".into()), ..JobRecord::default() }],
            blocks: vec![block(1.0, vec![1, 9]), block(2.0, vec![1, 2, 9, 9])],
        };
        assert_eq!(observed.refused_accepts_per_job(), 1.5);
        let none = Observed { records: vec![], blocks: vec![block(1.0, vec![1])] };
        assert_eq!(none.refused_accepts_per_job(), 0.0, "no jobs, nothing to divide");
    }
}
