//! Build-context assembly, recipe hashing and `ldd` parsing; no engine needed.

use std::io::Read;
use std::path::{Path, PathBuf};

use testnet::image::context::{build_context, normalize_path, parse_ldd, scratch_rootfs, shared_libraries, upload_tar};
use testnet::image::ImageRecipe;
use testnet::provider::{container_name, network_name, FileEntry, ProviderError};

/// (path, mode, contents) of every entry of a tar.
fn entries(tar: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
    let mut archive = tar::Archive::new(tar);
    let mut out = Vec::new();
    for entry in archive.entries().unwrap_or_else(|e| panic!("{e}")) {
        let mut entry = entry.unwrap_or_else(|e| panic!("{e}"));
        let path = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
        let mode = entry.header().mode().unwrap_or_default();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap_or_else(|e| panic!("{e}"));
        out.push((path, mode, data));
    }
    out
}

fn recipe(context: Vec<FileEntry>) -> ImageRecipe {
    ImageRecipe { tag: "t:local".into(), dockerfile: "FROM scratch\nCOPY rootfs/ /\n".into(), context }
}

#[test]
fn provider_context_places_host_files_bytes_and_dirs() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let host = dir.path().join("bin");
    std::fs::write(&host, b"\x7fELF fake").unwrap_or_else(|e| panic!("{e}"));
    let ctx = build_context(&recipe(vec![
        FileEntry::host("rootfs/usr/local/bin/cr-node", &host).with_mode(0o755),
        FileEntry::bytes("./rootfs//etc/x.json", "{}"),
        FileEntry::dir("rootfs/tmp").with_mode(0o1777),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    let got = entries(&ctx.tar);
    let summary: Vec<_> = got.iter().map(|(p, m, _)| (p.as_str(), *m)).collect();
    assert_eq!(
        summary,
        [
            ("Dockerfile", 0o644),
            ("rootfs/etc/x.json", 0o644),
            ("rootfs/tmp/", 0o1777),
            ("rootfs/usr/local/bin/cr-node", 0o755),
        ]
    );
    assert_eq!(got[0].2, b"FROM scratch\nCOPY rootfs/ /\n");
    assert_eq!(got[3].2, b"\x7fELF fake");
}

#[test]
fn provider_context_hash_follows_content_not_order() {
    let a = FileEntry::bytes("a", "1");
    let b = FileEntry::bytes("b", "2");
    let hash = |c: Vec<FileEntry>| build_context(&recipe(c)).map(|c| c.content_hash).ok();
    let base = hash(vec![a.clone(), b.clone()]);
    assert!(base.as_ref().is_some_and(|h| h.len() == 64));
    assert_eq!(base, hash(vec![b.clone(), a.clone()]), "order does not matter");
    assert_ne!(base, hash(vec![a.clone(), FileEntry::bytes("b", "3")]), "content does");
    assert_ne!(base, hash(vec![a.clone(), b.clone().with_mode(0o600)]), "mode does");
    assert_ne!(base, hash(vec![a.clone(), FileEntry::bytes("c", "2")]), "path does");
    let mut other = recipe(vec![a, b]);
    other.dockerfile.push_str("ENV X=1\n");
    assert_ne!(base, build_context(&other).map(|c| c.content_hash).ok(), "Dockerfile does");
}

#[test]
fn provider_context_refuses_bad_paths_and_duplicates() {
    let invalid = |e: Result<Vec<u8>, ProviderError>| matches!(e, Err(ProviderError::Invalid { .. }));
    assert!(invalid(upload_tar(&[FileEntry::bytes("../etc/passwd", "x")])));
    assert!(invalid(upload_tar(&[FileEntry::bytes("/", "x")])));
    assert!(invalid(upload_tar(&[FileEntry::bytes("a", "1"), FileEntry::bytes("/a", "2")])));
    let clash = build_context(&recipe(vec![FileEntry::bytes("Dockerfile", "x")]));
    assert!(clash.err().is_some_and(|e| e.to_string().contains("`Dockerfile`")));
    assert_eq!(normalize_path("/etc//cr/./spec.json").ok().as_deref(), Some("etc/cr/spec.json"));
    let missing = upload_tar(&[FileEntry::host("x", "/nonexistent/file")]);
    assert!(missing.err().is_some_and(|e| e.to_string().contains("/nonexistent/file")));
}

#[test]
fn provider_ldd_output_parsed() {
    let output = "\tlinux-vdso.so.1 (0x00007ffd2d1f4000)\n\
        \tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f0a1c000000)\n\
        \tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f0a1bf21000)\n\
        \tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007f0a1bf01000)\n\
        \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0a1bd20000)\n\
        \t/lib64/ld-linux-x86-64.so.2 (0x00007f0a1c2c3000)\n";
    let libs = parse_ldd(output).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<_> = libs.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(
        names,
        [
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libm.so.6",
            "/lib/x86_64-linux-gnu/libgcc_s.so.1",
            "/lib/x86_64-linux-gnu/libc.so.6",
            "/lib64/ld-linux-x86-64.so.2",
        ]
    );
    let missing = parse_ldd("\tlibfoo.so.1 => not found\n").err().unwrap_or_default();
    assert!(missing.contains("libfoo.so.1"), "{missing}");
    assert_eq!(parse_ldd("\tstatically linked\n"), Ok(Vec::new()));
}

#[tokio::test]
async fn provider_ldd_on_real_binaries() {
    let ls = shared_libraries(Path::new("/bin/ls")).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(ls.iter().any(|p| p.ends_with("libc.so.6")), "{ls:?}");
    assert!(ls.iter().any(|p| p.to_string_lossy().contains("ld-linux")), "{ls:?}");
    if Path::new("/bin/busybox").exists() {
        let none = shared_libraries(Path::new("/bin/busybox")).await;
        assert_eq!(none.ok(), Some(Vec::<PathBuf>::new()), "busybox-static is static");
    }
    let absent = shared_libraries(Path::new("/nonexistent/cr-node")).await;
    assert!(matches!(absent, Err(ProviderError::Io { .. })));

    let rootfs = scratch_rootfs(Path::new("/bin/ls"), "cr-node", true).await.unwrap_or_else(|e| panic!("{e}"));
    let paths: Vec<_> = rootfs.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths[0], "rootfs/usr/local/bin/cr-node");
    assert!(paths.contains(&"rootfs/etc/ssl/certs/ca-certificates.crt"));
    assert!(paths.contains(&"rootfs/lib64/ld-linux-x86-64.so.2"), "{paths:?}");
    assert!(paths.contains(&"rootfs/tmp"));
}

#[test]
fn container_names_separate_testnet_and_node_unambiguously() {
    assert_eq!(container_name("demo", "validator-0"), "crt_demo_validator-0");
    assert_eq!(network_name("demo", 0), "crt-demo");
    assert_eq!(network_name("demo", 2), "crt-demo_2");
    // With `-` as separator both would be `crt-a-b-c`.
    assert_ne!(container_name("a-b", "c"), container_name("a", "b-c"));
}
