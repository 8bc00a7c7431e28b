//! The work a daemon does off its event loop: accepting, executing and answering a job,
//! verifying someone else's result, voting.

use super::journal::{Journal, Submission};
use super::laps::Laps;
use super::metrics::NodeMetrics;
use super::node::TaskOutcome;
use super::work::execute;
use super::Shared;
use cr_protocol::chain::{api, market, AccountId32, Finality, JobStatus, MarketEvent, ResultClaim};
use cr_protocol::fleet::Behaviour;
use cr_protocol::hash::{blake2_256, Hash32};
use cr_protocol::keys::Sr25519Key;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Mutex};

/// What a task needs of its daemon.
#[derive(Clone)]
pub(super) struct Context {
    pub name: String,
    pub behaviour: Behaviour,
    pub shared: Arc<Shared>,
    pub account: Arc<Sr25519Key>,
    pub result_key: Arc<Sr25519Key>,
    pub me: AccountId32,
    pub journal: Arc<Mutex<Journal>>,
    pub metrics: Arc<NodeMetrics>,
    pub allies: Arc<Vec<AccountId32>>,
    pub alt_account: Option<Arc<Sr25519Key>>,
}

/// Check the job is still open and its spec usable, then send `accept_job`.
pub(super) fn spawn_accept(
    cx: Context,
    job_id: u64,
    _mine: market::Capabilities,
    tx: mpsc::UnboundedSender<TaskOutcome>,
) {
    tokio::spawn(async move {
        let report = accept(&cx, job_id).await;
        let _ = tx.send(report);
    });
}

async fn accept(cx: &Context, job_id: u64) -> TaskOutcome {
    let chain = &cx.shared.chain;
    let mut laps = Laps::start();
    let job = match chain.job(job_id, Finality::Best).await {
        Ok(Some(job)) if matches!(job.status, JobStatus::Open { .. }) => job,
        // An earlier try may have landed although its answer was lost (see below).
        Ok(job) => return after_refusal(cx, job_id, job.as_ref(), false),
        Err(e) => {
            tracing::warn!(node = %cx.name, job_id, error = %e, "cannot read the job");
            return TaskOutcome::NotTaken { job_id };
        }
    };
    laps.lap("read");
    // A spec that cannot be run is refused before accepting, never after.
    let spec = match cx.shared.cache.spec(&cx.shared.store, job_id, &job).await {
        Ok(spec) => spec,
        // The store is down or failing: the job stays a candidate and is tried again next block.
        Err(problem) if problem.is_transient() => {
            tracing::warn!(node = %cx.name, job_id, %problem, "cannot fetch the spec yet; will try again");
            return TaskOutcome::Retry { job_id };
        }
        Err(problem) => {
            tracing::error!(node = %cx.name, job_id, %problem, "refusing the job");
            return TaskOutcome::Refused { job_id };
        }
    };
    // A window too short for the run would get an honest node timed out and slashed.
    let needed = spec.blocks_needed(cx.shared.block_time_ms);
    if u64::from(job.execute_within) < needed && !cx.behaviour.is_faulty() {
        NodeMetrics::inc(&cx.metrics.jobs_declined_window);
        tracing::warn!(
            node = %cx.name, job_id, window = job.execute_within, needed,
            "declining the job: its execution window is shorter than the run needs"
        );
        return TaskOutcome::Refused { job_id };
    }
    laps.lap("spec");
    NodeMetrics::inc(&cx.metrics.accept_attempts);
    let call = api::transactions().compute().accept_job(job_id);
    match chain.submit(&call, cx.account.keypair(), Finality::Best).await {
        Ok(outcome) => {
            laps.lap("included");
            let ours = outcome.events.iter().find_map(|e| match e {
                MarketEvent::JobAccepted { job_id: id, node, attempt, deadline } if *id == job_id && *node == cx.me => {
                    Some((*attempt, *deadline))
                }
                _ => None,
            });
            let Some((attempt, deadline)) = ours else { return TaskOutcome::NotTaken { job_id } };
            tracing::info!(node = %cx.name, job_id, %laps, "accepted");
            let mut job = job;
            job.attempt = attempt;
            job.status = JobStatus::Assigned { node: cx.me, deadline };
            let accept_block_ms = outcome.block_timestamp_ms;
            TaskOutcome::Accepted {
                job_id,
                attempt,
                known: Some(Box::new(Assigned { deadline, job, accept_block_ms })),
            }
        }
        Err(e) if e.market_error() == Some("StakeExhausted") => {
            tracing::info!(node = %cx.name, job_id, "stake covers no more jobs; waiting for one to settle");
            TaskOutcome::StakeExhausted { job_id }
        }
        Err(e) => {
            // Lost the race, a transient refusal, or a lost answer: a busy node can drop the
            // transaction's subscription after including it. The chain says which.
            let job = chain.job(job_id, Finality::Best).await.ok().flatten();
            let report = after_refusal(cx, job_id, job.as_ref(), true);
            let outcome = match report {
                TaskOutcome::Accepted { .. } => "it was ours after all",
                TaskOutcome::Retry { .. } => "still open, will retry",
                _ => "taken or gone",
            };
            tracing::info!(node = %cx.name, job_id, reason = %e, outcome, "accept answered with an error");
            report
        }
    }
}

/// What an accept that did not report success comes to, from the job as the chain has it.
fn after_refusal(cx: &Context, job_id: u64, job: Option<&cr_protocol::chain::Job>, retry_if_open: bool) -> TaskOutcome {
    if let Some(assigned) = job.and_then(|j| Assigned::to(&cx.me, j.clone())) {
        return TaskOutcome::Accepted { job_id, attempt: assigned.job.attempt, known: Some(Box::new(assigned)) };
    }
    match job.map(|j| &j.status) {
        Some(JobStatus::Open { .. }) if retry_if_open => TaskOutcome::Retry { job_id },
        _ => TaskOutcome::NotTaken { job_id },
    }
}

/// A job assigned to us, as the chain has it: the record (for its spec) and the block the
/// result must be included before.
pub(super) struct Assigned {
    pub deadline: u32,
    pub job: cr_protocol::chain::Job,
    /// When the block holding our accept was made (its timestamp, ms), if our accept reported
    /// it: the result is held back until the other authors have that block ([`result_hold`]).
    pub accept_block_ms: Option<u64>,
}

impl Assigned {
    /// `job` if the chain shows it assigned to `me`.
    pub fn to(me: &AccountId32, job: cr_protocol::chain::Job) -> Option<Self> {
        match job.status {
            JobStatus::Assigned { node, deadline } if node == *me => {
                Some(Self { deadline, job, accept_block_ms: None })
            }
            _ => None,
        }
    }
}

/// Execute an accepted job and post its result. `known`: the assignment as our own accept
/// reported it; without it (a restart, or an accept seen only in a block) the chain is asked.
pub(super) fn spawn_execution(
    cx: Context,
    job_id: u64,
    attempt: u32,
    known: Option<Assigned>,
    tx: mpsc::UnboundedSender<TaskOutcome>,
) {
    tokio::spawn(async move {
        if let Err(e) = execute_and_answer(&cx, job_id, attempt, known).await {
            NodeMetrics::inc(&cx.metrics.jobs_failed);
            tracing::error!(node = %cx.name, job_id, attempt, error = %format!("{e:#}"), "job failed");
        }
        let _ = tx.send(TaskOutcome::Finished { job_id });
    });
}

/// The job and its deadline while `attempt` of it is still assigned to us.
async fn still_mine(cx: &Context, job_id: u64, attempt: u32) -> anyhow::Result<Option<Assigned>> {
    let job = cx.shared.chain.job(job_id, Finality::Best).await?;
    Ok(job.filter(|j| j.attempt == attempt).and_then(|j| Assigned::to(&cx.me, j)))
}

async fn execute_and_answer(cx: &Context, job_id: u64, attempt: u32, known: Option<Assigned>) -> anyhow::Result<()> {
    if cx.behaviour == Behaviour::CrashAfterAccept && !cx.journal.lock().await.crashed_on(job_id) {
        cx.journal.lock().await.mark_crash(job_id)?;
        tracing::error!(node = %cx.name, job_id, "crashing after accepting, as configured (crash-after-accept)");
        // Exit the whole process like a real crash would; the journal makes the restart resume.
        std::process::exit(3);
    }
    let mut laps = Laps::start();
    // Our accept's own block named the deadline: a read here cost a round trip to a busy
    // node on every job (p50 0.18 to 0.29 s in a 100-daemon climb) for what the chain just said.
    let known = match known {
        Some(assigned) => Some(assigned),
        None => still_mine(cx, job_id, attempt).await?,
    };
    let Some(Assigned { deadline, job, accept_block_ms }) = known else {
        tracing::info!(node = %cx.name, job_id, attempt, "no longer assigned to us; dropping it");
        return Ok(());
    };
    laps.lap("check");
    let spec = before(
        cx,
        u64::from(deadline),
        "fetching the spec",
        || cx.shared.cache.spec(&cx.shared.store, job_id, &job),
        |p| p.is_transient(),
    )
    .await?;
    laps.lap("spec");
    let cached = cx.journal.lock().await.cached_output(job_id, attempt);
    let mut output = match cached {
        Some(output) => output,
        None => {
            let (output, seconds) = execute(spec).await;
            cx.metrics.observe_execution(seconds);
            tracing::info!(node = %cx.name, job_id, workload = %spec.workload(), size = spec.size(), seconds, "executed");
            cx.journal.lock().await.cache_output(job_id, attempt, &output)?;
            output
        }
    };
    laps.lap("execute");
    if cx.behaviour.posts_wrong_results() {
        // A cheater's output: same length, different bytes, so only re-execution exposes it.
        if let Some(first) = output.first_mut() {
            *first ^= 0xff;
        }
    }
    let output_hash = blake2_256(&output);
    // The store is content-addressed, so the output's URI is known before it is uploaded: the
    // upload runs beside the answer, and a store that is down delays the upload, never the
    // answer. (Awaited first, a loaded store's p50 0.5 s PUT made results miss their block.)
    let uri = cx.shared.store.blob_uri(Hash32(output_hash));
    let upload = async {
        let started = std::time::Instant::now();
        let upload_until = u64::from(deadline).saturating_sub(1);
        let put = || cx.shared.store.put(output.clone());
        if let Err(e) = before(cx, upload_until, "uploading the output", put, |e| e.is_transient()).await {
            tracing::warn!(node = %cx.name, job_id, error = %format!("{e:#}"), "answered; the output follows when the store is back");
            spawn_late_upload(cx.clone(), job_id, output.clone());
        }
        started.elapsed().as_millis()
    };
    let answer = async {
        if cx.behaviour == Behaviour::Late {
            wait_past(cx, u64::from(deadline)).await?;
        } else if cx.shared.best() + 1 >= u64::from(deadline) {
            // Only a timeout at the deadline takes an assigned job away, and a result is
            // refused from the deadline's block on: the blocks followed tell, without a read.
            tracing::warn!(node = %cx.name, job_id, attempt, "deadline passed while executing; not answering");
            return Ok(false);
        }
        laps.lap("recheck");
        if let Some(made) = accept_block_ms {
            tokio::time::sleep(result_hold(made, unix_ms(), cx.shared.block_time_ms)).await;
        }
        laps.lap("held");
        let claim = ResultClaim {
            genesis: cx.shared.chain.genesis_hash(),
            job_id,
            attempt,
            node: cx.me,
            output_hash,
            uri: uri.to_string(),
        };
        let submitted = cx.shared.chain.submit_unsigned(&claim.signed_call(&cx.result_key)?).await;
        laps.lap("pooled");
        if let Err(e) = submitted {
            anyhow::bail!("result refused: {e}");
        }
        NodeMetrics::inc(&cx.metrics.results_submitted);
        cx.journal.lock().await.record_submission(Submission {
            job_id,
            attempt,
            output_hash: hex::encode(output_hash),
        })?;
        laps.lap("journal");
        Ok(true)
    };
    let (upload_ms, answered) = tokio::join!(upload, answer);
    if answered? {
        tracing::info!(node = %cx.name, job_id, attempt, output_hash = %hex::encode(output_hash), %uri, %laps, upload_ms, "result submitted");
    }
    Ok(())
}

/// How long a result waits before it goes to the pool, given when the block holding its accept
/// was made and the time now (ms since the Unix epoch): until half a block time after that
/// block, and never longer than half a block (a clock behind the author's must not hold a
/// result past its deadline).
///
/// Our node gossips a result to the other validators as soon as it takes it, and a validator
/// that has not yet imported the accept's block finds the result invalid (the job is not
/// assigned there yet), bans it and never takes it again, so only our node's own author could
/// include it: two blocks late with three validators. Measured in a 100-daemon climb (three
/// validators, 2 s blocks): the other validators imported a block 0.15 s after its slot began
/// at p50, 0.89 s at p90, and results sent at once landed one block after their accept at
/// p50 but three blocks after it at p90. Half a block still leaves the result half a block to
/// reach the next author before it builds.
fn result_hold(accept_block_ms: u64, now_ms: u64, block_time_ms: u64) -> Duration {
    let half = block_time_ms / 2;
    Duration::from_millis(accept_block_ms.saturating_add(half).saturating_sub(now_ms).min(half))
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Pause between tries of an operation on a failing store: 1 s, doubling up to 8 s.
const RETRY_PAUSE_MAX: Duration = Duration::from_secs(8);

/// Run `op` until it succeeds, fails for good, or block `until` is near: a transient failure
/// of a shared service (the store down for a while) must not lose a job or get an honest node
/// slashed while there is still time to answer. Tries stop one block before `until`, the block
/// the answer must be included before.
async fn before<T, E, F, Fut>(
    cx: &Context,
    until: u64,
    what: &str,
    mut op: F,
    transient: impl Fn(&E) -> bool,
) -> anyhow::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut pause = Duration::from_secs(1);
    loop {
        match op().await {
            Ok(value) => return Ok(value),
            Err(e) if transient(&e) => {
                let (best, _) = cx.shared.chain.heads().await?;
                if best + 1 >= until {
                    return Err(anyhow::Error::new(e)
                        .context(format!("{what}: still failing at block {best}, the deadline is {until}")));
                }
                tracing::warn!(node = %cx.name, error = %e, best, until, "{what} failed; trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(RETRY_PAUSE_MAX);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// How long an output whose upload failed before the deadline keeps being offered to the store.
const LATE_UPLOAD_FOR: Duration = Duration::from_secs(600);

/// Keep uploading an output already answered on chain until the store takes it.
fn spawn_late_upload(cx: Context, job_id: u64, output: Vec<u8>) {
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        let mut pause = Duration::from_secs(1);
        while started.elapsed() < LATE_UPLOAD_FOR {
            match cx.shared.store.put(output.clone()).await {
                Ok(uri) => {
                    tracing::info!(node = %cx.name, job_id, %uri, "output uploaded after the answer");
                    return;
                }
                Err(e) if e.is_transient() => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(RETRY_PAUSE_MAX);
                }
                Err(e) => {
                    tracing::error!(node = %cx.name, job_id, error = %e, "the store refuses the output");
                    return;
                }
            }
        }
        tracing::error!(node = %cx.name, job_id, "the store stayed unreachable; the output was never uploaded");
    });
}

/// Wait until the best block is past `block`.
async fn wait_past(cx: &Context, block: u64) -> anyhow::Result<()> {
    loop {
        let (best, _) = cx.shared.chain.heads().await?;
        if best > block {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Re-execute a posted result and challenge it when it differs (or, for a dishonest verifier,
/// when it does not).
pub(super) fn spawn_verification(cx: Context, job_id: u64, posted: [u8; 32]) {
    tokio::spawn(async move {
        if let Err(e) = verify(&cx, job_id, posted).await {
            tracing::warn!(node = %cx.name, job_id, error = %format!("{e:#}"), "verification failed");
        }
    });
}

async fn verify(cx: &Context, job_id: u64, posted: [u8; 32]) -> anyhow::Result<()> {
    let chain = &cx.shared.chain;
    let Some(job) = chain.job(job_id, Finality::Best).await? else { return Ok(()) };
    let JobStatus::Submitted { challenge_until, .. } = &job.status else { return Ok(()) };
    let until = u64::from(*challenge_until) + 1;
    let spec = before(
        cx,
        until,
        "fetching the spec to verify",
        || cx.shared.cache.spec(&cx.shared.store, job_id, &job),
        |p| p.is_transient(),
    )
    .await?;
    let honest = cx.shared.cache.expected_hash(&spec).await;
    let matches = honest == posted;
    let challenge = if cx.behaviour == Behaviour::WrongResult { matches } else { !matches };
    tracing::info!(node = %cx.name, job_id, matches, challenge, "verified a result");
    if challenge {
        let call = api::transactions().compute().challenge(job_id);
        chain.submit(&call, cx.account.keypair(), Finality::Best).await?;
        NodeMetrics::inc(&cx.metrics.challenges);
        tracing::info!(node = %cx.name, job_id, "challenged");
    }
    Ok(())
}

/// Vote on a challenged result as a committee member.
pub(super) fn spawn_vote(cx: Context, job_id: u64) {
    tokio::spawn(async move {
        if let Err(e) = vote(&cx, job_id).await {
            tracing::warn!(node = %cx.name, job_id, error = %format!("{e:#}"), "could not vote");
        }
    });
}

async fn vote(cx: &Context, job_id: u64) -> anyhow::Result<()> {
    let chain = &cx.shared.chain;
    let Some(job) = chain.job(job_id, Finality::Best).await? else { return Ok(()) };
    let JobStatus::Disputed { result, node, challenger, voting_until, .. } = &job.status else { return Ok(()) };
    let ours = *node == cx.me || cx.allies.contains(node);
    let valid = if cx.behaviour == Behaviour::SelfVoter && ours {
        // The attack: vote our own side's result valid, party to the dispute or not.
        tracing::warn!(node = %cx.name, job_id, "voting our own side's result valid (self-voter)");
        true
    } else if *node == cx.me || *challenger == cx.me || job.requester == cx.me {
        // A party to the dispute does not vote on it (the chain refuses it too).
        return Ok(());
    } else {
        let posted = result.output_hash.0;
        let until = u64::from(*voting_until) + 1;
        let spec = before(
            cx,
            until,
            "fetching the spec to vote",
            || cx.shared.cache.spec(&cx.shared.store, job_id, &job),
            |p| p.is_transient(),
        )
        .await?;
        let honest = cx.shared.cache.expected_hash(&spec).await == posted;
        if cx.behaviour == Behaviour::WrongResult {
            !honest
        } else {
            honest
        }
    };
    let call = api::transactions().compute().vote(job_id, valid);
    chain.submit(&call, cx.account.keypair(), Finality::Best).await?;
    NodeMetrics::inc(&cx.metrics.votes);
    tracing::info!(node = %cx.name, job_id, result_valid = valid, "voted");
    Ok(())
}

/// `self-challenger`: challenge our own result from our second account, before anyone else can.
pub(super) fn spawn_self_challenge(cx: Context, job_id: u64) {
    tokio::spawn(async move {
        let Some(alt) = cx.alt_account.clone() else {
            tracing::error!(node = %cx.name, job_id, "self-challenger without a second account (alt_account_seed)");
            return;
        };
        let call = api::transactions().compute().challenge(job_id);
        match cx.shared.chain.submit(&call, alt.keypair(), Finality::Best).await {
            Ok(_) => tracing::warn!(node = %cx.name, job_id, "challenged our own result from our second account"),
            Err(e) => tracing::warn!(node = %cx.name, job_id, error = %e, "self-challenge refused"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::result_hold;
    use std::time::Duration;

    #[test]
    fn a_result_waits_until_half_a_block_after_its_accepts_block_was_made() {
        assert_eq!(result_hold(10_000, 10_300, 2_000), Duration::from_millis(700));
        assert_eq!(result_hold(10_000, 10_000, 1_000), Duration::from_millis(500));
    }

    #[test]
    fn a_result_ready_late_goes_at_once() {
        assert_eq!(result_hold(10_000, 11_000, 2_000), Duration::ZERO);
        assert_eq!(result_hold(10_000, 60_000, 2_000), Duration::ZERO);
    }

    #[test]
    fn a_clock_behind_the_authors_never_holds_a_result_over_half_a_block() {
        assert_eq!(result_hold(60_000, 10_000, 2_000), Duration::from_millis(1_000));
        assert_eq!(result_hold(u64::MAX, 0, 2_000), Duration::from_millis(1_000));
    }
}
