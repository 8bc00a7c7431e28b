//! `testnet completions SHELL`: a script the shell accepts, completing the subcommands.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_testnet");

fn script(shell: &str) -> String {
    let out = Command::new(BIN).args(["completions", shell]).output().unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn bash_completes_the_subcommands_after_sourcing_the_script() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("testnet.bash");
    std::fs::write(&path, script("bash")).unwrap_or_else(|e| panic!("{e}"));
    // What bash offers after `testnet d`, as the completion function computes it.
    let probe = format!(
        "source {}; COMP_WORDS=(testnet d); COMP_CWORD=1; COMP_LINE='testnet d'; COMP_POINT=9; \
         _testnet testnet d testnet; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display()
    );
    let out = Command::new("bash").args(["-c", &probe]).output().unwrap_or_else(|e| panic!("{e}"));
    let offered = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let words: Vec<&str> = offered.lines().collect();
    assert_eq!(words, ["down", "dashboard"], "subcommands starting with d");
}

#[test]
fn zsh_and_fish_scripts_name_every_subcommand() {
    for shell in ["zsh", "fish"] {
        let text = script(shell);
        for sub in ["up", "down", "status", "test", "load", "chaos", "completions"] {
            assert!(text.contains(sub), "{shell} script lacks {sub}");
        }
    }
}

#[test]
fn an_unknown_shell_is_refused_with_the_ones_there_are() {
    let out = Command::new(BIN).args(["completions", "tcsh"]).output().unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("possible values: bash, elvish, fish, powershell, zsh"), "{err}");
}
