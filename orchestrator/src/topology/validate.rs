//! Turns the file as written into the validated model, reporting every problem it finds
//! rather than stopping at the first.

use std::num::NonZeroU32;

use serde_saphyr::Location;

use super::compute::{self, Fleet};
use super::kind::ProblemKind;
use super::model::{
    Behaviour, MarketParams, Name, Percent, Publish, TestnetName, Tokens, ValidatorSpec, MAX_DEADLINE_BLOCKS,
};
use super::raw::{RawChain, RawComputeGroup, RawMarket, RawPublish, RawTopology, RawValidators};
use super::{engine, names, Placements, Topology};
use crate::diagnostics::{Collector, InvalidName, Sp};
use crate::provider::EngineChoice;
use crate::runtime::RuntimeFile;
use cr_protocol::chain::Layout;
use std::collections::BTreeMap;

/// Most validators a testnet may have; each is a full node container.
pub const MAX_VALIDATORS: u32 = 100;
/// Most requester accounts.
pub const MAX_REQUESTERS: usize = 1000;

/// Checks everything; `None` when any problem was reported.
pub(crate) fn validate(raw: &RawTopology, report: &mut Collector<'_, ProblemKind>) -> Option<Topology> {
    let name = TestnetName::parse(raw.name.value());
    if name.is_none() {
        let kind = invalid_name("testnet name", raw.name.value());
        report.add(raw.name.at(), Location::UNKNOWN, "name", kind);
    }
    let validators = validators(&raw.validators, report);
    let block_time_ms = block_time(&raw.chain.block_time_ms, report);
    let market = market(&raw.chain.market, report);
    let requesters = requesters(&raw.chain, report);
    let endowment = endowment(&raw.chain, report);
    let runtime = runtime(&raw.chain, report);
    if let Some(Some(r)) = &runtime {
        genesis_nodes_in_runtime(raw, r, report);
    }
    let fleet = compute::fleet(&raw.compute, &raw.chain, report);
    if let (Some(validators), Some(requesters), Some(fleet)) = (&validators, &requesters, &fleet) {
        names::check_unique(raw, validators, requesters, fleet, report);
    }
    if let Some(fleet) = &fleet {
        compute::check_quorum(&raw.chain.market.quorum, fleet, report);
    }
    crash_alone(&raw.compute, report);
    let store_enabled = *raw.store.enabled.value();
    let validator_count = validators.as_ref().map_or(1, Vec::len);
    let publish = publish(&raw.publish, validator_count, store_enabled, report);
    let engine = engine::engine(raw.engine.as_ref(), report);
    let shared = validator_count + usize::from(store_enabled);
    let network_capacity = engine::network_capacity(raw.engine.as_ref(), shared, report);
    let placements = placements(raw, engine.as_ref(), report);

    if !report.is_clean() {
        return None;
    }
    let Fleet { nodes, containers, .. } = fleet?;
    let mut market = market?;
    if !nodes.iter().any(|n| n.committee()) {
        market.quorum = 0;
    }
    Some(Topology {
        name: name?,
        validators: validators?.into_iter().map(|name| ValidatorSpec { name }).collect(),
        block_time_ms: block_time_ms?,
        market,
        requesters: requesters?,
        endowment: endowment?,
        runtime: runtime?,
        compute: nodes,
        containers,
        store_enabled,
        publish,
        engine: engine?,
        network_capacity: network_capacity?,
        placements: placements?,
    })
}

/// Every `placement` of the file: validators', the store's and each group's.
fn placements(
    raw: &RawTopology,
    engine: Option<&EngineChoice>,
    report: &mut Collector<'_, ProblemKind>,
) -> Option<Placements> {
    let validators =
        engine::placement(raw.validators.value().placement.as_ref(), "validators.placement", engine, report);
    let store = engine::placement(raw.store.placement.as_ref(), "store.placement", engine, report);
    let mut groups = BTreeMap::new();
    let mut ok = true;
    for (i, group) in raw.compute.value().iter().enumerate() {
        let g = group.value();
        match engine::placement(g.placement.as_ref(), &format!("compute[{i}].placement"), engine, report) {
            Some(p) => {
                groups.insert(g.group.value().clone(), p);
            }
            None => ok = false,
        }
    }
    Some(Placements { validators: validators?, store: store?, groups }).filter(|_| ok)
}

/// The runtime to start on, read and checked now: `Some(None)` for the node's own.
fn runtime(raw: &RawChain, report: &mut Collector<'_, ProblemKind>) -> Option<Option<RuntimeFile>> {
    let Some(written) = &raw.runtime else { return Some(None) };
    let runtime = match RuntimeFile::read(&report.resolve(written.value())) {
        Ok(runtime) => runtime,
        Err(e) => {
            report.add(written.at(), Location::UNKNOWN, "chain.runtime", ProblemKind::Runtime(e));
            return None;
        }
    };
    if runtime.layout == Layout::V0 {
        // A v0 runtime has neither rule; writing one would be silently ignored.
        let m = &raw.market;
        for (field, sp) in
            [("min_execute_window_blocks", &m.min_execute_window_blocks), ("retention_blocks", &m.retention_blocks)]
        {
            if crate::diagnostics::is_known(sp.at()) {
                let kind = ProblemKind::NotInRuntime { field, spec: runtime.spec_version };
                report.add(sp.at(), Location::UNKNOWN, format!("chain.market.{field}"), kind);
            }
        }
    }
    Some(Some(runtime))
}

/// A v0 runtime's genesis refuses compute nodes: say so where `registration: genesis` is written.
fn genesis_nodes_in_runtime(raw: &RawTopology, runtime: &RuntimeFile, report: &mut Collector<'_, ProblemKind>) {
    if runtime.layout != Layout::V0 {
        return;
    }
    for (i, group) in raw.compute.value().iter().enumerate() {
        let written = &group.value().registration;
        if *written.value() == super::model::Registration::Genesis {
            let kind = ProblemKind::GenesisNodesNotInRuntime { spec: runtime.spec_version };
            report.add(written.at(), group.at(), format!("compute[{i}].registration"), kind);
        }
    }
}

pub(crate) fn invalid_name(what: &'static str, name: &str) -> ProblemKind {
    InvalidName { what, name: name.to_owned(), max: super::model::MAX_NAME_LEN }.into()
}

fn validators(raw: &Sp<RawValidators>, report: &mut Collector<'_, ProblemKind>) -> Option<Vec<Name>> {
    let here = raw.at();
    match (&raw.value().count, &raw.value().names) {
        (Some(_), Some(_)) => {
            report.add(here, here, "validators", ProblemKind::ValidatorsCountAndNames);
            None
        }
        (None, None) => {
            report.add(here, here, "validators", ProblemKind::ValidatorsUnspecified);
            None
        }
        (Some(count), None) => {
            let n = *count.value();
            let path = "validators.count";
            if n == 0 {
                report.add(count.at(), here, path, ProblemKind::NoValidators);
                return None;
            }
            if n > MAX_VALIDATORS {
                let kind = too_many("validators", n.into(), MAX_VALIDATORS.into());
                report.add(count.at(), here, path, kind);
                return None;
            }
            (0..n).map(|i| Name::parse(&format!("validator-{i}"))).collect()
        }
        (None, Some(names)) => {
            let list = names.value();
            if list.is_empty() {
                report.add(names.at(), here, "validators.names", ProblemKind::NoValidators);
                return None;
            }
            let max = usize::try_from(MAX_VALIDATORS).unwrap_or(usize::MAX);
            if list.len() > max {
                let kind = too_many("validators", list.len() as u64, max as u64);
                report.add(names.at(), here, "validators.names", kind);
                return None;
            }
            parse_names(list, "validators.names", "validator name", names.at(), report)
        }
    }
}

/// Parses a list of names, reporting each bad one; `None` if any was bad.
fn parse_names(
    list: &[Sp<String>],
    path: &str,
    what: &'static str,
    fallback: Location,
    report: &mut Collector<'_, ProblemKind>,
) -> Option<Vec<Name>> {
    let mut out = Some(Vec::with_capacity(list.len()));
    for (i, raw) in list.iter().enumerate() {
        match (Name::parse(raw.value()), out.as_mut()) {
            (Some(name), Some(out)) => out.push(name),
            (Some(_), None) => {}
            (None, _) => {
                let kind = invalid_name(what, raw.value());
                report.add(raw.at(), fallback, format!("{path}[{i}]"), kind);
                out = None;
            }
        }
    }
    out
}

/// A `crash-after-accept` daemon exits its process on purpose. In a shared container that
/// process is `cr-compute fleet`, so every neighbour would go down with it and a scenario
/// would see more failures than it injected.
fn crash_alone(groups: &Sp<Vec<Sp<RawComputeGroup>>>, report: &mut Collector<'_, ProblemKind>) {
    for (i, group) in groups.value().iter().enumerate() {
        let g = group.value();
        // The fullest container holds min(per_container, count) daemons; one alone is fine.
        let fullest = (*g.per_container.value()).min(*g.count.value());
        if *g.behaviour.value() == Behaviour::CrashAfterAccept && fullest > 1 {
            let kind = ProblemKind::CrashSharesContainer { others: fullest - 1 };
            let path = format!("compute[{i}].per_container");
            report.add(g.per_container.at(), group.at(), path, kind);
        }
    }
}

pub(crate) fn too_many(what: &'static str, value: u64, max: u64) -> ProblemKind {
    ProblemKind::TooMany { what, value, max }
}

fn block_time(raw: &Sp<u32>, report: &mut Collector<'_, ProblemKind>) -> Option<u32> {
    let value = *raw.value();
    let path = "chain.block_time_ms";
    if !(1000..=6000).contains(&value) {
        let kind = ProblemKind::BlockTimeOutOfRange { value };
        report.add(raw.at(), Location::UNKNOWN, path, kind);
        None
    } else if value % 2 == 1 {
        report.add(raw.at(), Location::UNKNOWN, path, ProblemKind::BlockTimeOdd { value });
        None
    } else {
        Some(value)
    }
}

fn market(raw: &RawMarket, report: &mut Collector<'_, ProblemKind>) -> Option<MarketParams> {
    let mut blocks = |field: &str, value: &Sp<u32>| {
        let path = format!("chain.market.{field}");
        let got = NonZeroU32::new(*value.value());
        if got.is_none() {
            report.add(value.at(), Location::UNKNOWN, path, ProblemKind::ZeroBlocks);
        }
        got
    };
    let challenge_window = blocks("challenge_window_blocks", &raw.challenge_window_blocks);
    let voting_period = blocks("voting_period_blocks", &raw.voting_period_blocks);
    let accept_timeout = blocks("accept_timeout_blocks", &raw.accept_timeout_blocks);
    let execution_timeout = blocks("execution_timeout_blocks", &raw.execution_timeout_blocks);
    let retention = blocks("retention_blocks", &raw.retention_blocks);
    for (field, value) in [
        ("accept_timeout_blocks", &raw.accept_timeout_blocks),
        ("execution_timeout_blocks", &raw.execution_timeout_blocks),
    ] {
        if *value.value() > MAX_DEADLINE_BLOCKS {
            let kind = ProblemKind::TimeoutAboveMax { value: *value.value(), max: MAX_DEADLINE_BLOCKS };
            report.add(value.at(), Location::UNKNOWN, format!("chain.market.{field}"), kind);
        }
    }
    let floor = &raw.min_execute_window_blocks;
    let timeout = *raw.execution_timeout_blocks.value();
    let min_execute_window = NonZeroU32::new(*floor.value()).filter(|f| f.get() >= 2 && f.get() <= timeout);
    // A zero timeout is reported as such; a default floor above a short timeout is reported
    // at the timeout, which is what the file says.
    if min_execute_window.is_none() && timeout > 0 {
        let kind = ProblemKind::ExecutionFloor { value: *floor.value(), timeout };
        let at = if floor.at() == Location::UNKNOWN { raw.execution_timeout_blocks.at() } else { floor.at() };
        report.add(at, Location::UNKNOWN, "chain.market.min_execute_window_blocks", kind);
    }
    for (field, value) in [("challenge_bond", &raw.challenge_bond), ("min_node_stake", &raw.min_node_stake)] {
        if *value.value() == 0 {
            let kind = ProblemKind::ZeroValue { what: "a bond or stake (disputes and registrations would be free)" };
            report.add(value.at(), Location::UNKNOWN, format!("chain.market.{field}"), kind);
        }
    }

    let max_attempts = NonZeroU32::new(*raw.max_attempts.value());
    if max_attempts.is_none() {
        let path = "chain.market.max_attempts";
        report.add(raw.max_attempts.at(), Location::UNKNOWN, path, ProblemKind::ZeroMaxAttempts);
    }
    let mut percent = |field: &str, value: &Sp<u32>| {
        let got = Percent::new(*value.value());
        if got.is_none() {
            let kind = ProblemKind::PercentAbove100 { value: *value.value() };
            report.add(value.at(), Location::UNKNOWN, format!("chain.market.{field}"), kind);
        }
        got
    };
    let protocol_fee = percent("protocol_fee_percent", &raw.protocol_fee_percent);
    let slash = percent("slash_percent", &raw.slash_percent);
    let challenger_reward = percent("challenger_reward_percent", &raw.challenger_reward_percent);
    if let (Some(slash), Some(reward)) = (slash, challenger_reward) {
        // The chain compares base units; whole tokens times a percentage keep the same order.
        let at_risk = u128::from(*raw.min_node_stake.value()) * u128::from(slash.get());
        let bounty = u128::from(*raw.challenge_bond.value()) * u128::from(reward.get());
        if bounty >= at_risk && at_risk > 0 {
            let kind =
                ProblemKind::BountyNotBelowSlash { bounty: (bounty / 100) as u64, at_risk: (at_risk / 100) as u64 };
            let sp = &raw.challenger_reward_percent;
            report.add(sp.at(), Location::UNKNOWN, "chain.market.challenger_reward_percent", kind);
        }
    }

    Some(MarketParams {
        challenge_window_blocks: challenge_window?,
        voting_period_blocks: voting_period?,
        accept_timeout_blocks: accept_timeout?,
        execution_timeout_blocks: execution_timeout?,
        min_execute_window_blocks: min_execute_window?,
        retention_blocks: retention?,
        max_attempts: max_attempts?,
        challenge_bond: Tokens(*raw.challenge_bond.value()),
        min_node_stake: Tokens(*raw.min_node_stake.value()),
        protocol_fee: protocol_fee?,
        slash: slash?,
        challenger_reward: challenger_reward?,
        quorum: *raw.quorum.value(),
    })
}

fn requesters(raw: &RawChain, report: &mut Collector<'_, ProblemKind>) -> Option<Vec<Name>> {
    let list = &raw.requesters;
    let path = "chain.requesters";
    if list.value().is_empty() {
        report.add(list.at(), Location::UNKNOWN, path, ProblemKind::NoRequesters);
        return None;
    }
    if list.value().len() > MAX_REQUESTERS {
        let kind = too_many("requesters", list.value().len() as u64, MAX_REQUESTERS as u64);
        report.add(list.at(), Location::UNKNOWN, path, kind);
        return None;
    }
    parse_names(list.value(), path, "requester name", list.at(), report)
}

fn endowment(raw: &RawChain, report: &mut Collector<'_, ProblemKind>) -> Option<Tokens> {
    let value = *raw.endowment.value();
    if value == 0 {
        let kind = ProblemKind::ZeroValue { what: "the endowment" };
        report.add(raw.endowment.at(), Location::UNKNOWN, "chain.endowment", kind);
        return None;
    }
    // Genesis JSON carries balances as u64 base units.
    let max = (u128::from(u64::MAX) / super::UNITS_PER_TOKEN) as u64;
    if value > max {
        let kind = too_many("tokens of endowment", value, max);
        report.add(raw.endowment.at(), Location::UNKNOWN, "chain.endowment", kind);
        return None;
    }
    Some(Tokens(value))
}

/// Checks the published port ranges and returns them; never fails, since a bad port is
/// reported and the topology is refused anyway.
fn publish(raw: &RawPublish, validators: usize, store: bool, report: &mut Collector<'_, ProblemKind>) -> Publish {
    let n = validators.max(1) as u64;
    let store_port = if store { raw.store.as_ref() } else { None };
    let fields: [(&'static str, Option<&Sp<u32>>, u64); 3] = [
        ("publish.rpc_base", raw.rpc_base.as_ref(), n),
        ("publish.metrics_base", raw.metrics_base.as_ref(), n),
        ("publish.store", store_port, 1),
    ];
    let mut ranges: Vec<(&'static str, u64, u64)> = Vec::new();
    for (path, value, len) in fields {
        let Some(value) = value else { continue };
        let first = u64::from(*value.value());
        let last = first + len - 1;
        if first == 0 || last > u64::from(u16::MAX) {
            let kind = ProblemKind::PortOutOfRange { first, last };
            report.add(value.at(), Location::UNKNOWN, path, kind);
            continue;
        }
        if let Some((other, other_first, other_last)) =
            ranges.iter().find(|(_, a, b)| first <= *b && *a <= last).copied()
        {
            let kind = ProblemKind::PortOverlap { first, last, other, other_first, other_last };
            report.add(value.at(), Location::UNKNOWN, path, kind);
        }
        ranges.push((path, first, last));
    }
    let port = |v: &Option<Sp<u32>>| v.as_ref().and_then(|v| u16::try_from(*v.value()).ok());
    Publish {
        rpc_base: port(&raw.rpc_base),
        metrics_base: port(&raw.metrics_base),
        store: if store { port(&raw.store) } else { None },
    }
}
