//! A panic in any container of a run fails it, whatever else passed: a daemon or node that
//! panicked and was restarted (or whose panic a thread swallowed) can leave every assertion
//! green while the code is broken.

use super::verdict::Assertion;
use crate::provider::Provider;
use futures::StreamExt;

/// What Rust prints when a thread panics.
const PANIC_MARK: &str = "panicked at";
/// Panic lines quoted in the report.
const QUOTED: usize = 3;

/// One assertion: no container of `testnet` logged a panic; the first lines that did, quoted.
pub(super) async fn no_panics(provider: &dyn Provider, testnet: &str) -> Assertion {
    let mut found = Vec::new();
    let mut unread = Vec::new();
    match provider.list(testnet).await {
        Ok(containers) => {
            for c in containers {
                let mut lines = provider.logs(&c.to_ref(), false, None);
                while let Some(line) = lines.next().await {
                    match line {
                        Ok(l) if l.text.contains(PANIC_MARK) => found.push(format!("{}: {}", c.node, l.text.trim())),
                        Ok(_) => {}
                        Err(e) => {
                            unread.push(format!("{}: {e}", c.node));
                            break;
                        }
                    }
                }
            }
        }
        Err(e) => unread.push(format!("the containers: {e}")),
    }
    let actual = match (found.len(), unread.is_empty()) {
        (0, true) => "no panic".to_owned(),
        (0, false) => format!("logs not read: {}", unread.join("; ")),
        (n, _) => format!("{n} panic line(s): {}", found.iter().take(QUOTED).cloned().collect::<Vec<_>>().join(" | ")),
    };
    Assertion::holds("no panic in any container log", found.is_empty() && unread.is_empty(), "no panic", actual)
}
