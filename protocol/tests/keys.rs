//! Deterministic testnet keys: known answers, derivation properties, signatures, keystore
//! files. The cross-check against `cr-node` itself is in `keys/cr_node.rs` (ignored unless
//! asked for).
//!
//! The tests sit in a module named `keys` so `cargo test -p cr-protocol keys` selects them.

#[path = "keys/cr_node.rs"]
mod cr_node;

mod keys {
    use cr_protocol::hash::blake2_256;
    use cr_protocol::keys::*;

    fn seed_of(hex_digits: &str) -> Seed {
        hex_digits.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn sr(seed: &Seed) -> Sr25519Key {
        Sr25519Key::from_seed(seed).unwrap_or_else(|e| panic!("{e}"))
    }

    const ALICE_PUBLIC: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
    const ALICE_SS58: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

    #[test]
    fn ss58_of_the_alice_dev_key_is_the_well_known_address() {
        let mut public = [0u8; 32];
        hex::decode_to_slice(ALICE_PUBLIC, &mut public).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ss58_encode(&public), ALICE_SS58);
    }

    #[test]
    fn sr25519_from_the_alice_mini_secret_is_alice() {
        // `subkey inspect //Alice` prints this as Alice's secret seed: the mini secret key that
        // the hard derivation `//Alice` of the dev phrase produces.
        let key = sr(&seed_of("0xe5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a"));
        assert_eq!(hex::encode(key.public()), ALICE_PUBLIC);
        assert_eq!(key.ss58(), ALICE_SS58);
        assert_eq!(key.account_id(), key.public());
        // subxt-signer reaches Alice by another road: phrase, then hard derivation.
        let dev_alice = subxt_signer::sr25519::dev::alice().public_key().0;
        assert_eq!(key.public(), dev_alice);
        assert_eq!(key.keypair().public_key().0, dev_alice);
    }

    #[test]
    fn sr25519_signatures_verify_under_the_substrate_context() {
        let key = sr(&Seed::derive("demo", "compute-0", Purpose::ResultKey));
        let message = b"result payload";
        let signature = key.sign(message);

        // Independently of subxt-signer: schnorrkel with the context the runtime uses.
        let public = schnorrkel::PublicKey::from_bytes(&key.public()).unwrap_or_else(|e| panic!("{e:?}"));
        let parsed = schnorrkel::Signature::from_bytes(&signature).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(public.verify_simple(b"substrate", message, &parsed).is_ok());
        assert!(public.verify_simple(b"other", message, &parsed).is_err());

        assert!(verify_sr25519(&key.public(), message, &signature));
        assert!(!verify_sr25519(&key.public(), b"another payload", &signature));
        let other = sr(&Seed::derive("demo", "compute-1", Purpose::ResultKey));
        assert!(!verify_sr25519(&other.public(), message, &signature));
        let mut tampered = signature;
        tampered[0] ^= 1;
        assert!(!verify_sr25519(&key.public(), message, &tampered));
    }

    #[test]
    fn ed25519_matches_the_rfc_8032_test_vector() {
        // RFC 8032 section 7.1, TEST 1 (empty message).
        let key = Ed25519Key::from_seed(&seed_of("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        assert_eq!(hex::encode(key.public()), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assert_eq!(
            hex::encode(key.sign(b"")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    #[test]
    fn node_key_one_has_the_substrate_dev_peer_id() {
        // `--node-key 0000...0001` is the usual first dev bootnode; Substrate docs and chain
        // specs give it this peer id.
        let key = NodeKey::from_seed(&seed_of(&format!("{:064x}", 1)));
        assert_eq!(key.peer_id(), "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp");
        assert_eq!(key.secret_hex(), format!("{:064x}", 1));
    }

    #[test]
    fn peer_ids_are_identity_multihashes_of_the_public_key() {
        for node in ["validator-0", "validator-1", "compute-0"] {
            let key = NodeKey::from_seed(&Seed::derive("demo", node, Purpose::NodeKey));
            let peer_id = key.peer_id();
            assert!(peer_id.starts_with("12D3KooW"), "{peer_id}");
            let bytes = bs58::decode(&peer_id).into_vec().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(bytes[..6], [0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);
            assert_eq!(bytes[6..], key.public());
            assert_eq!(key.secret_hex().len(), 64);
            assert!(!key.secret_hex().starts_with("0x"));
        }
    }

    #[test]
    fn seed_derivation_is_pinned() {
        // Blake2-256 of the length-prefixed fields, computed outside Rust from the documented
        // encoding. Changing it silently would change every key of every testnet.
        let mut encoded = Vec::new();
        for field in ["cr-testnet/keys/v1", "demo", "validator-0", "aura"] {
            encoded.extend_from_slice(&(field.len() as u64).to_le_bytes());
            encoded.extend_from_slice(field.as_bytes());
        }
        let seed = Seed::derive("demo", "validator-0", Purpose::Aura);
        assert_eq!(seed.as_bytes(), &blake2_256(&encoded));
        assert_eq!(seed.to_hex(), "0x4b51c56140de468a66b39ccaed517b34e977bd9bb565a744bb699d1a9d9a96e5");
        assert_eq!(
            Seed::derive("demo", "validator-0", Purpose::NodeKey).to_hex(),
            "0xffd7c1369c401b229b4d18e3d9c1b7b8df66fe88d4785c20c214f4c759ae6703"
        );
    }

    #[test]
    fn every_field_changes_the_seed_and_names_cannot_run_together() {
        let base = Seed::derive("a-b", "c", Purpose::Account);
        assert_eq!(base, Seed::derive("a-b", "c", Purpose::Account));
        assert_ne!(base, Seed::derive("a", "b-c", Purpose::Account));
        assert_ne!(base, Seed::derive("a-b-c", "", Purpose::Account));
        assert_ne!(base, Seed::derive("a-x", "c", Purpose::Account));
        assert_ne!(base, Seed::derive("a-b", "d", Purpose::Account));
        let all: Vec<Seed> = Purpose::ALL.iter().map(|&p| Seed::derive("a-b", "c", p)).collect();
        for (i, x) in all.iter().enumerate() {
            for y in &all[i + 1..] {
                assert_ne!(x, y);
            }
        }
    }

    #[test]
    fn different_seeds_give_different_keys() {
        let one = NodeKeys::for_node("demo", "validator-0").unwrap_or_else(|e| panic!("{e}"));
        let two = NodeKeys::for_node("demo", "validator-1").unwrap_or_else(|e| panic!("{e}"));
        let again = NodeKeys::for_node("demo", "validator-0").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(one.account.public(), again.account.public());
        assert_eq!(one.node_key.peer_id(), again.node_key.peer_id());
        let mut publics = Vec::new();
        for keys in [&one, &two] {
            publics.extend([
                keys.account.public(),
                keys.result_key.public(),
                keys.aura.public(),
                keys.grandpa.public(),
                keys.node_key.public(),
            ]);
        }
        let mut unique = publics.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), publics.len(), "every key of both nodes differs");
    }

    #[test]
    fn seed_hex_round_trips_and_errors_never_echo_the_secret() {
        let seed = Seed::derive("demo", "compute-0", Purpose::Account);
        let text = seed.to_hex();
        assert!(text.starts_with("0x") && text.len() == 66);
        assert_eq!(seed_of(&text), seed);
        assert_eq!(seed_of(&text[2..]), seed);
        assert_eq!(seed_of(&text.to_uppercase().replacen("0X", "0x", 1)), seed);

        let short = text[..40].parse::<Seed>();
        assert_eq!(short, Err(KeyError::SeedLength { found: 38 }));
        let bad = format!("0x{}g", &text[2..65]).parse::<Seed>();
        assert_eq!(bad, Err(KeyError::SeedNotHex { position: 63 }));
        for error in [short, bad].into_iter().filter_map(Result::err) {
            let message = error.to_string();
            assert!(message.contains("64 hex digits"), "{message}");
            assert!(!message.contains(&text[2..20]), "{message}");
        }
    }

    #[test]
    fn debug_output_never_shows_a_seed() {
        let keys = NodeKeys::for_node("demo", "validator-0").unwrap_or_else(|e| panic!("{e}"));
        let printed = format!("{keys:?}");
        for seed in [keys.account.seed(), keys.result_key.seed(), keys.aura.seed(), keys.grandpa.seed()] {
            assert!(!printed.contains(&seed.to_hex()[2..]), "{printed}");
        }
        assert!(!printed.contains(&keys.node_key.secret_hex()), "{printed}");
        assert!(printed.contains(&keys.account.ss58()), "{printed}");
        assert!(printed.contains(&keys.node_key.peer_id()), "{printed}");
        assert_eq!(format!("{:?}", keys.aura.seed()), "Seed(<secret>)");
    }

    #[test]
    fn keystore_files_are_named_by_key_type_and_public_key() {
        let keys = NodeKeys::for_node("demo", "validator-0").unwrap_or_else(|e| panic!("{e}"));
        let entries = keys.keystore_entries();
        assert_eq!(entries, keystore_entries(&keys.aura, &keys.grandpa));
        let expected = [
            ("61757261", keys.aura.public(), keys.aura.seed()),
            ("6772616e", keys.grandpa.public(), keys.grandpa.seed()),
        ];
        assert_eq!(entries.len(), expected.len());
        for ((name, contents), (key_type, public, seed)) in entries.iter().zip(expected) {
            assert_eq!(name, &format!("{key_type}{}", hex::encode(public)));
            let uri: String = serde_json::from_slice(contents).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(uri, seed.to_hex());
            assert_eq!(contents.first(), Some(&b'"'));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn distinct_name_pairs_give_distinct_seeds(
            a in ("[a-c-]{0,4}", "[a-c-]{0,4}"),
            b in ("[a-c-]{0,4}", "[a-c-]{0,4}"),
        ) {
            let seed = |(t, n): &(String, String)| Seed::derive(t, n, Purpose::Account);
            proptest::prop_assert_eq!(a == b, seed(&a) == seed(&b));
        }
    }
}
