//! Tests of every call's success and error paths, the deadlines, the unsigned-result
//! validation, and a property test of the money invariants.

/// `assert_noop!` for the calls that set deadlines: they fail with `$error` and leave storage as
/// it was. Their refusals report the weight they used, which `weights.rs` checks, so the post
/// dispatch info is not compared here.
macro_rules! assert_refused {
	($call:expr, $error:expr $(,)?) => {{
		let before = sp_io::storage::root(sp_runtime::StateVersion::V1);
		frame_support::assert_err_ignore_postinfo!($call, $error);
		assert_eq!(
			before,
			sp_io::storage::root(sp_runtime::StateVersion::V1),
			"storage has been mutated"
		);
	}};
}

mod attacks;
mod deadlines;
mod disputes;
mod invariants;
mod jobs;
mod migration;
mod registry;
mod results;
mod weights;
