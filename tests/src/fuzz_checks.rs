//! The properties the fuzz targets check, one function per target. The cargo-fuzz targets in
//! `fuzz/` call these; `tests/tests/fuzz_corpus.rs` replays the committed corpora and every
//! crash found becomes a named regression test there. Each function panics only when a
//! property is violated (or the code under test panics).

use morsa_core::certificate::{Certificate, Committee, Member, SigningKey};
use morsa_core::encoding::{
    decode_blob, recover_sliver, Axis, ConsistencyCheck, DecodingSymbol, EncodingConfig, InconsistencyProof,
    RecoverySymbol, RecoverySymbolSource, Sliver,
};
use morsa_core::merkle::{MerkleProof, MerkleTree, Node};
use morsa_core::messages::{InvalidBlobIdMsg, StorageConfirmation};
use morsa_core::metadata::{BlobMetadata, BlobMetadataRef, BlobMetadataWithId, BlobMetadataWithIdRef};
use morsa_core::wire::{self, BcsDecode, BcsEncode};
use morsa_core::{hazmat, rewards};

use crate::reference;

/// A little reader of fuzz input: fixed-size fields, then the rest.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn u8(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    fn u64(&mut self) -> u64 {
        (0..8).fold(0u64, |acc, i| acc | (u64::from(self.u8()) << (8 * i)))
    }

    fn rest(&self) -> &'a [u8] {
        self.0
    }
}

fn roundtrip<'a, T: BcsDecode<'a> + BcsEncode>(data: &'a [u8]) {
    if let Ok(value) = T::from_bcs(data) {
        assert_eq!(value.to_bcs(), data, "parse → encode must reproduce the input");
        assert_eq!(value.bcs_len(), data.len());
    }
}

/// `wire`: every BCS parser; whenever parsing succeeds, encoding reproduces the input.
pub fn check_wire(data: &[u8]) {
    let mut input = Input(data);
    let selector = input.u8();
    let bytes = input.rest();
    match selector % 13 {
        0 => roundtrip::<BlobMetadata>(bytes),
        1 => roundtrip::<BlobMetadataWithId>(bytes),
        2 => roundtrip::<BlobMetadataRef<'_>>(bytes),
        3 => roundtrip::<BlobMetadataWithIdRef<'_>>(bytes),
        4 => roundtrip::<MerkleProof>(bytes),
        5 => roundtrip::<DecodingSymbol<Vec<u8>>>(bytes),
        6 => roundtrip::<RecoverySymbol<&[u8]>>(bytes),
        7 => roundtrip::<morsa_core::encoding::GeneralRecoverySymbol<Vec<u8>>>(bytes),
        8 => {
            for axis in [Axis::Primary, Axis::Secondary] {
                if let Ok(s) = Sliver::<&[u8]>::from_bcs(bytes, axis) {
                    assert_eq!(s.to_bcs(), bytes);
                }
            }
        }
        9 => {
            if let Ok(p) = InconsistencyProof::<&[u8]>::from_bcs_tagged(bytes) {
                assert_eq!(p.to_bcs_tagged(), bytes);
            }
            if let Ok(p) = InconsistencyProof::<Vec<u8>>::from_bcs(bytes, Axis::Secondary) {
                assert_eq!(p.to_bcs(), bytes);
            }
        }
        10 => {
            if let Ok(v) = wire::general_recovery_symbols_from_bcs::<&[u8]>(bytes) {
                assert_eq!(wire::general_recovery_symbols_to_bcs(&v), bytes);
            }
        }
        11 => {
            if let Ok(v) = wire::slivers_from_bcs::<&[u8]>(bytes) {
                assert_eq!(wire::slivers_to_bcs(&v.iter().collect::<Vec<_>>()), bytes);
            }
        }
        _ => {
            roundtrip::<StorageConfirmation>(bytes);
            roundtrip::<InvalidBlobIdMsg>(bytes);
        }
    }
}

/// `merkle`: trees over arbitrary leaves agree with the reference; arbitrary proofs, indices and
/// leaf counts never panic, and a proof verifies exactly when it is the tree's own proof
/// (or an equivalent one).
pub fn check_merkle(data: &[u8]) {
    let mut input = Input(data);
    let n = usize::from(input.u8() % 70);
    let index = usize::from(input.u16());
    let leaf_count = usize::from(input.u16());
    let rest = input.rest();
    let leaves: Vec<&[u8]> = (0..n).map(|i| rest.get(i..(i + 3).min(rest.len())).unwrap_or(&[])).collect();
    let tree = MerkleTree::build(leaves.iter().copied());
    assert_eq!(tree.root().bytes(), reference::merkle_root(&leaves));
    if let Some(proof) = tree.proof(index % n.max(1)) {
        let i = index % n.max(1);
        assert_eq!(proof.verify(&tree.root(), n, leaves[i], i), Ok(()));
    }
    if let Ok(proof) = MerkleProof::from_bcs(rest) {
        let leaf = leaves.get(index % n.max(1)).copied().unwrap_or(b"");
        if proof.verify(&tree.root(), leaf_count, leaf, index).is_ok() {
            // A verifying proof must lead to the root through the real leaf.
            assert_eq!(Node::Digest(proof.compute_root(morsa_core::merkle::leaf_hash(leaf), index)), tree.root());
        }
    }
}

/// `decode`: a blob of arbitrary size and shard count, slivers chosen, repeated and corrupted
/// by the input; decoding gives exactly the original or an error.
pub fn check_decode(data: &[u8]) {
    let mut input = Input(data);
    let n = 4 + u16::from(input.u8() % 30);
    let len = usize::from(input.u16() % 3000);
    let check = match input.u8() % 3 {
        0 => ConsistencyCheck::Default,
        1 => ConsistencyCheck::Strict,
        _ => ConsistencyCheck::Skip,
    };
    let config = EncodingConfig::new(n).expect("n ≥ 4");
    let blob: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31) ^ (len as u8)).collect();
    let encoded = config.encode(&blob).expect("small blob");
    let mut slivers: Vec<Sliver<Vec<u8>>> = Vec::new();
    for op in input.rest().chunks(3) {
        let axis = if op[0] & 1 == 0 { Axis::Primary } else { Axis::Secondary };
        let index = u16::from(op[0] >> 1) % n;
        let Some(s) = encoded.sliver(axis, index) else { continue };
        let mut s = s.to_owned_sliver();
        if let (Some(&at), Some(&value)) = (op.get(1), op.get(2)) {
            if value != 0 && !s.data.is_empty() {
                let i = usize::from(at) % s.data.len();
                s.data[i] ^= value;
            }
        }
        slivers.push(s);
    }
    if let Ok(decoded) = decode_blob(encoded.metadata(), slivers.iter(), check) {
        assert_eq!(decoded, blob, "decoding must give the original or an error");
    }
}

/// `recovery`: recovery symbols mutated by the input; recovery never panics, and a recovered
/// sliver is the original; an inconsistency proof built from the input never verifies for a
/// consistent blob.
pub fn check_recovery(data: &[u8]) {
    let mut input = Input(data);
    let n = 4 + u16::from(input.u8() % 12);
    let target_axis = if input.u8() & 1 == 0 { Axis::Primary } else { Axis::Secondary };
    let target = input.u16() % n;
    let config = EncodingConfig::new(n).expect("n ≥ 4");
    let blob: Vec<u8> = (0..200u8).collect();
    let encoded = config.encode(&blob).expect("small blob");
    let metadata = encoded.metadata();
    let mut symbols: Vec<RecoverySymbol<Vec<u8>>> = Vec::new();
    for source in encoded.slivers(target_axis.orthogonal()) {
        let Some(symbol) = RecoverySymbolSource::new(&config, &source).ok().and_then(|s| s.recovery_symbol(target))
        else {
            continue;
        };
        symbols.push(symbol);
    }
    for op in input.rest().chunks(3) {
        if symbols.is_empty() {
            break;
        }
        let i = usize::from(op[0]) % symbols.len();
        match op.get(1).copied().unwrap_or(0) % 4 {
            0 => {
                let j = usize::from(op.get(2).copied().unwrap_or(0));
                if !symbols[i].symbol.data.is_empty() {
                    let len = symbols[i].symbol.data.len();
                    symbols[i].symbol.data[j % len] ^= 1;
                }
            }
            1 => symbols[i].symbol.index = u16::from(op.get(2).copied().unwrap_or(0)),
            2 => {
                symbols.remove(i);
            }
            _ => {
                let copy = symbols[i].clone();
                symbols.push(copy);
            }
        }
    }
    let original = encoded.sliver(target_axis, target).expect("target < n").to_owned_sliver();
    if let Ok(sliver) = recover_sliver(metadata, target_axis, target, symbols.clone()) {
        assert_eq!(sliver, original, "a recovered sliver must be the original");
    }
    let proof = InconsistencyProof { target_axis, target_sliver_index: target, recovery_symbols: symbols };
    assert!(proof.verify(metadata).is_err(), "a consistent blob has no inconsistency proof");
}

fn committee() -> (Committee, Vec<SigningKey>) {
    let keys: Vec<SigningKey> = (1..=4u8).map(|i| SigningKey::from_seed([i; 32]).expect("non-zero seed")).collect();
    let members =
        keys.iter().enumerate().map(|(i, k)| Member { public_key: k.public_key(), shards: vec![i as u16] }).collect();
    (Committee::new(1, members).expect("valid committee"), keys)
}

/// `certificate`: arbitrary certificate and committee bytes; parsing, encoding and verification
/// never panic; parse → encode reproduces the input; only genuinely signed certificates verify.
pub fn check_certificate(data: &[u8]) {
    let (committee, _) = committee();
    if let Ok(cert) = Certificate::<&[u8]>::from_bytes(data) {
        assert_eq!(cert.to_bytes(), data);
        let confirmation = cert.verify_confirmation(&committee);
        let invalid_blob = cert.verify_invalid_blob(&committee);
        assert!(confirmation.is_err() || invalid_blob.is_err(), "one message cannot be both kinds");
        if confirmation.is_ok() || invalid_blob.is_ok() {
            // Re-check what verification claims: signers are members, one genuine signature
            // each, and enough of them (every member holds one shard of 4).
            let signers: Vec<usize> = cert.signer_indices().collect();
            assert!(signers.iter().all(|&i| i < 4));
            assert_eq!(cert.signatures.len(), 64 * signers.len());
            for (i, sig) in signers.iter().zip(cert.signatures.chunks(64)) {
                let key = committee.members()[*i].public_key;
                let sig = morsa_core::certificate::Signature(sig.try_into().expect("64 bytes"));
                assert!(key.verify(cert.serialized_message, &sig).is_ok());
            }
            let required = if confirmation.is_ok() { 3 } else { 2 };
            assert!(signers.len() >= required);
        }
    }
    if let Ok(parsed) = Committee::from_bytes(data) {
        assert_eq!(parsed.to_bytes(), data);
    }
}

/// `rewards`: arbitrary inputs to the reward functions never panic; an epoch change conserves
/// rewards (paid + burned + carried over = collected) and apportionment assigns every shard.
pub fn check_rewards(data: &[u8]) {
    use rewards::distribution::{epoch_rewards, NodeService};

    let mut input = Input(data);
    let bucket = input.u64();
    let used = input.u64();
    let n_nodes = usize::from(input.u8() % 20);
    let nodes: Vec<NodeService> =
        (0..n_nodes).map(|_| NodeService { shards: input.u16() % 200, deny_list_size: input.u64() }).collect();
    let mut out = vec![0u64; n_nodes];
    if let Ok(e) = epoch_rewards(bucket, used, &nodes, &mut out) {
        assert_eq!(e.collected, bucket);
        assert_eq!(e.paid + e.burned + e.leftover, e.collected, "rewards must be conserved");
        assert_eq!(out.iter().sum::<u64>(), e.paid);
    }
    let n_shards = input.u16() % 2000;
    let stakes: Vec<u64> = (0..n_nodes).map(|_| input.u64() >> (input.u8() % 64)).collect();
    let mut counts = vec![0u16; n_nodes];
    if rewards::committee::dhondt(&stakes, n_shards, &mut counts).is_ok() && stakes.iter().any(|&s| s > 0) {
        assert_eq!(counts.iter().map(|&c| u32::from(c)).sum::<u32>(), u32::from(n_shards));
    }
    let votes: Vec<(u64, u16)> = (0..n_nodes).map(|_| (input.u64(), input.u16())).collect();
    if let Ok(price) = rewards::pricing::quorum_below(votes.iter().copied(), n_shards) {
        assert!(votes.iter().any(|&(v, _)| v == price), "a price is always one of the votes");
    }
    let _ = rewards::pricing::blob_cost(input.u64(), input.u64(), input.u64(), u32::from(input.u16()), n_shards);
}

/// `network`: the economy's state machine (`rewards::network::Network`). Arbitrary bytes never
/// panic when decoded as a saved network, and a decoded one survives operations; a random
/// sequence of operations on a small network keeps its invariants: a refused operation changes
/// nothing, every epoch change conserves FROST (`burned + paid + leftover = collected`, the paid
/// sum is the members' rewards), every committee holds all shards, and a saved network decodes
/// to itself.
pub fn check_network(data: &[u8]) {
    use rewards::committee::NodeId;
    use rewards::network::{Address, Network, NetworkParams, VoteUpdate, Withdrawal};
    use rewards::pricing::VotingParams;
    use rewards::{Rules, FROST_PER_WAL};

    let mut input = Input(data);
    if input.u8() % 4 == 0 {
        if let Ok(mut decoded) = postcard::from_bytes::<Network>(input.rest()) {
            let again: Network =
                postcard::from_bytes(&postcard::to_allocvec(&decoded).expect("encodes")).expect("decodes");
            assert_eq!(again, decoded);
            let _ = decoded.summary();
            let _ = decoded.buy_storage(1000, 1);
            let _ = decoded.advance_epoch(0);
        }
        return;
    }
    let n_shards = 10 + u16::from(input.u8() % 60);
    let rules = if input.u8() & 1 == 0 { Rules::Mainnet } else { Rules::Development };
    let params =
        NetworkParams { n_shards, max_epochs_ahead: 1 + u32::from(input.u8() % 20), rules, epoch_duration_ms: 1000 };
    let mut net = Network::new(params, 0).expect("valid parameters");
    let n_nodes = 1 + input.u8() % 6;
    let owners = [Address([1; 32]), Address([2; 32]), Address([3; 32])];
    for i in 0..n_nodes {
        let votes = VotingParams {
            storage_price: input.u64() % 1_000_000,
            write_price: input.u64() % 100_000,
            node_capacity: input.u64(),
        };
        net.register_node(NodeId::from(u64::from(i) + 1), input.u16() % 10_001, votes).expect("a new node");
        net.stake(owners[0], &NodeId::from(u64::from(i) + 1), FROST_PER_WAL * (1 + input.u64() % 1_000_000))
            .expect("a stake");
    }
    if net.advance_epoch(0).is_err() {
        return; // e.g. more nodes than the shard cap allows: the contracts abort too
    }
    let mut now = 0u64;
    while !input.rest().is_empty() {
        let before = net.clone();
        let node = NodeId::from(1 + u64::from(input.u8() % (n_nodes + 1)));
        let owner = owners[usize::from(input.u8() % 3)];
        let result: Result<(), rewards::RewardsError> = match input.u8() % 10 {
            0 => net.stake(owner, &node, input.u64() % (FROST_PER_WAL * 1_000_000)).map(|_| ()),
            1 => net.withdraw(&owner, 1 + input.u64() % 16).map(|w| match w {
                Withdrawal::Withdrawn { .. } | Withdrawal::Requested { .. } => (),
            }),
            2 => net.buy_storage(input.u64() % (1 << 30), u32::from(input.u8() % 24)).map(|c| {
                assert_eq!(c.total, c.storage_total + c.write_fee);
            }),
            3 => net.extend(input.u64() % (1 << 30), u32::from(input.u8()), u32::from(input.u8() % 24)).map(|_| ()),
            4 => net.vote(
                &node,
                VoteUpdate {
                    storage_price: Some(input.u64() % 1_000_000),
                    write_price: None,
                    node_capacity: Some(input.u64()),
                },
            ),
            5 => net.set_commission_rate(&node, input.u16() % 12_000),
            6 => net.collect_commission(&node).map(|_| ()),
            7 => net.set_deny_list_size(&node, input.u64() % (1 << 32)),
            8 => {
                now += u64::from(input.u16());
                net.tick(now).map(|done| {
                    for t in done {
                        if let rewards::network::Transition::EpochChange(r) = t {
                            assert_eq!(r.burned + r.paid + r.leftover, r.collected);
                        }
                    }
                })
            }
            _ => net.advance_epoch(now).map(|r| {
                assert_eq!(r.burned + r.paid + r.leftover, r.collected, "FROST must be conserved");
                assert_eq!(r.rewards.iter().map(|x| x.reward).sum::<u64>(), r.paid);
                for x in &r.rewards {
                    assert_eq!(x.commission + x.pool_part, x.reward);
                }
            }),
        };
        if result.is_err() {
            assert_eq!(net, before, "a refused operation changes nothing");
        }
        let shards: usize = net.committee().iter().map(|(_, s)| s.len()).sum();
        assert_eq!(shards, usize::from(n_shards), "the committee holds every shard");
    }
    let saved = postcard::to_allocvec(&net).expect("encodes");
    assert_eq!(postcard::from_bytes::<Network>(&saved).expect("decodes"), net);
}

/// `differential_rs`: the core's Reed-Solomon encoder and decoder against the novelpoly-based
/// reference, for every code RedStuff uses up to 64 shards and arbitrary symbols.
pub fn check_differential_rs(data: &[u8]) {
    let mut input = Input(data);
    let n = 4 + usize::from(input.u8() % 61);
    let f = (n - 1) / 3;
    let k = if input.u8() & 1 == 0 { n - 2 * f } else { n - f };
    let symbol_size = 2 * (1 + usize::from(input.u8() % 80));
    let rest = input.rest();
    let sources: Vec<Vec<u8>> = (0..k)
        .map(|i| {
            (0..symbol_size)
                .map(|b| rest.get((i * symbol_size + b) % rest.len().max(1)).copied().unwrap_or(0) ^ (i as u8))
                .collect()
        })
        .collect();
    let refs: Vec<&[u8]> = sources.iter().map(Vec::as_slice).collect();
    let core = hazmat::rs_encode(k, n, symbol_size, &refs).expect("RedStuff codes are supported");
    assert_eq!(core, reference::rs_encode(n, symbol_size, &refs).concat(), "k = {k}, n = {n}, S = {symbol_size}");
    // Decode from the last k positions (mostly recovery symbols).
    let codeword: Vec<&[u8]> = refs.iter().copied().chain(core.chunks(symbol_size)).collect();
    let chosen: Vec<(usize, &[u8])> = (n - k..n).map(|p| (p, codeword[p])).collect();
    assert_eq!(hazmat::rs_decode(k, n, symbol_size, &chosen), Some(sources.concat()));
}

/// `quilt`: quilt indices parse → encode to the same bytes; patch and index parsers never
/// panic; quilts built from arbitrary entries read back exactly, from the blob and by patch ID
/// (SPEC §13).
pub fn check_quilt(data: &[u8]) {
    use morsa_core::quilt::{self, QuiltEntry, QuiltIndex, QuiltLayout, QuiltPatchId, Tags};

    let mut input = Input(data);
    let selector = input.u8();
    match selector % 4 {
        0 => {
            let first_column = input.u8().into();
            if let Ok(index) = QuiltIndex::from_bcs(input.rest(), first_column) {
                assert_eq!(index.to_bcs(), input.rest(), "parse → encode must reproduce the index");
                assert_eq!(index.bcs_len(), input.rest().len());
            }
        }
        1 => {
            let _ = quilt::parse_patch(input.rest());
            if let Ok(id) = QuiltPatchId::from_bytes(input.rest()) {
                assert_eq!(id.to_bytes(), input.rest());
                assert_eq!(id.to_string().parse::<QuiltPatchId>(), Ok(id));
            }
        }
        2 => {
            let layout = QuiltLayout {
                n_rows: u16::from(input.u8() % 8) + 1,
                n_columns: u16::from(input.u8() % 16) + 1,
                symbol_size: input.u8().into(),
            };
            let _ = quilt::parse_index(input.rest(), &layout);
            let _ = quilt::parse_index_from_blob(input.rest(), &layout);
        }
        _ => {
            let config = EncodingConfig::new(u16::from(input.u8() % 40) + 4).expect("4..44 shards");
            // Entries: `len u8 ‖ identifier ‖ len u8 ‖ data`, the last identifier byte picks a tag.
            let mut owned: Vec<(String, Tags, Vec<u8>)> = Vec::new();
            while !input.rest().is_empty() && owned.len() < 8 {
                let id_len = usize::from(input.u8() % 8);
                let id_bytes: Vec<u8> = (0..id_len).map(|_| input.u8()).collect();
                let data_len = usize::from(input.u8());
                let data: Vec<u8> = (0..data_len).map(|_| input.u8()).collect();
                let identifier = String::from_utf8_lossy(&id_bytes).into_owned();
                let tags: Tags = id_bytes
                    .last()
                    .map(|b| ([(format!("k{}", b % 3), format!("{b}"))]).into_iter().collect())
                    .unwrap_or_default();
                owned.push((identifier, tags, data));
            }
            let entries: Vec<QuiltEntry<'_>> =
                owned.iter().map(|(identifier, tags, data)| QuiltEntry { identifier, tags, data }).collect();
            let Ok(built) = quilt::build_quilt(&config, &entries) else { return };
            let layout = built.layout();
            assert_eq!(config.symbol_size(built.blob().len() as u64).map(|s| s.get()), Ok(layout.symbol_size));
            assert_eq!(quilt::parse_index_from_blob(built.blob(), &layout).as_ref(), Ok(built.index()));
            for (identifier, tags, data) in &owned {
                let patch = built.index().get(identifier).expect("every entry has a patch");
                let columns = layout.columns(built.blob(), patch.start_index, patch.end_index).expect("in range");
                let contents = quilt::parse_patch(&columns).expect("a built patch parses");
                assert_eq!((&contents.identifier, &contents.tags, contents.data), (identifier, tags, data.as_slice()));
            }
        }
    }
}

/// `bls_certificate`: Walrus's BLS12-381 certificates (`certificate::bls`). Arbitrary keys,
/// signatures, bitmaps and messages never panic, and whatever verifies is re-checked against its
/// claim; with the first byte odd, a genuine certificate of a storage confirmation is made for
/// the signers the input picks, and it verifies exactly when they hold a quorum (3 of the 4
/// one-shard members), and never once a byte of its signature or message changes; the
/// aggregating builder makes the same certificate, and Walrus's BCS form of any certificate
/// parses back to itself (any input that parses as one is canonical: it writes back the same).
pub fn check_bls_certificate(data: &[u8]) {
    use morsa_core::certificate::bls::{
        aggregate_signatures, verify_aggregate, BlsCertificate, BlsCertificateBuilder, BlsMembers, BlsPublicKey,
        BlsSignature, BlsSigningKey, WalrusCertificate,
    };
    use morsa_core::certificate::CertificateKind;
    use morsa_core::messages::BlobPersistenceType;
    use morsa_core::BlobId;

    let keys: Vec<BlsSigningKey> = (1..=4u8).map(|i| BlsSigningKey::from_ikm(&[i; 32]).expect("32 bytes")).collect();
    let members: Vec<(BlsPublicKey, u16)> = keys.iter().map(|k| (k.public_key(), 1)).collect();
    let committee = BlsMembers { epoch: 1, members: &members };
    let mut input = Input(data);
    if let Ok(parsed) = BlsCertificate::from_bcs(data) {
        assert_eq!(parsed.to_bcs(), data, "Walrus's BCS certificate form is canonical");
    }
    let mode = input.u8();
    let bitmap = [input.u8()];
    if mode & 1 == 0 {
        let mut signature = [0u8; 96];
        signature.iter_mut().for_each(|b| *b = input.u8());
        let mut key = [0u8; 48];
        key.iter_mut().for_each(|b| *b = input.u8());
        let message = input.rest();
        let _ = BlsPublicKey(key).verify(message, &BlsSignature(signature));
        let _ = aggregate_signatures(&[BlsSignature(signature)]);
        let cert =
            WalrusCertificate { signature: BlsSignature(signature), signers: &bitmap, serialized_message: message };
        if let Ok(v) = cert.verify_kind(&committee, None) {
            let signers: Vec<BlsPublicKey> = (0..8).filter(|i| bitmap[0] >> i & 1 == 1).map(|i| members[i].0).collect();
            assert!(signers.len() == v.n_signers && verify_aggregate(&signers, message, &cert.signature).is_ok());
        }
        return;
    }
    let chosen: Vec<usize> = (0..4).filter(|i| bitmap[0] >> i & 1 == 1).collect();
    let mut blob_id = [0u8; 32];
    blob_id.iter_mut().for_each(|b| *b = input.u8());
    let message = StorageConfirmation::new(1, BlobId(blob_id), BlobPersistenceType::Permanent).to_message_bytes();
    let message = message.as_slice();
    let sigs: Vec<BlsSignature> = chosen.iter().map(|&i| keys[i].sign(message)).collect();
    let Ok(signature) = aggregate_signatures(&sigs) else {
        assert!(chosen.is_empty());
        return;
    };
    let signers = [bitmap[0] & 0x0f];
    let cert = WalrusCertificate { signature, signers: &signers, serialized_message: message };
    let verified = cert.verify_kind(&committee, Some(CertificateKind::Confirmation));
    assert_eq!(verified.is_ok(), chosen.len() >= 3, "a genuine certificate verifies iff its signers hold a quorum");
    if chosen.len() >= 3 {
        let confirmation = StorageConfirmation::new(1, BlobId(blob_id), BlobPersistenceType::Permanent);
        let mut builder = BlsCertificateBuilder::new(1, members.clone(), &confirmation).expect("same epoch");
        for (&i, sig) in chosen.iter().zip(&sigs) {
            assert_eq!(builder.add(i, message, sig), Ok(true));
        }
        let built = builder.finish().expect("a quorum");
        assert_eq!((built.signature, built.signers.as_slice()), (signature, &signers[..]));
        assert_eq!(BlsCertificate::from_bcs(&built.to_bcs()).as_ref(), Ok(&built));
    }
    let flip = usize::from(input.u8());
    let mut tampered = signature;
    tampered.0[flip % 96] ^= 1 << (flip % 8);
    let bad = WalrusCertificate { signature: tampered, signers: &signers, serialized_message: message };
    assert!(bad.verify_kind(&committee, None).is_err(), "a changed signature never verifies");
    let mut other = message.to_vec();
    other[7 + flip % 32] ^= 1;
    let moved = WalrusCertificate { signature, signers: &signers, serialized_message: &other };
    assert!(moved.verify_kind(&committee, None).is_err(), "a changed message never verifies");
}

/// `seal_object`: Seal's `EncryptedObject` parser and the key-response checks
/// (`morsa_core::seal`). Arbitrary bytes never panic the parser, and what parses writes back the
/// same bytes (the BCS form is canonical); decryption of a parsed object with arbitrary keys never
/// panics and never returns data unless every check passed; arbitrary user secret keys and
/// ElGamal ciphertexts never panic their checks. With the first byte odd, a genuine object of
/// two-of-three key servers is made from the input and decrypts exactly when two keys are given,
/// and never after a change of one byte.
pub fn check_seal_object(data: &[u8]) {
    use morsa_core::seal::{self, Dem, EncryptedObject, KeyServer, MasterKey};

    if let Ok(objects) = seal::parse_blob(data) {
        // A private blob: one object or a chunked framing; any that parses decrypts without panic.
        assert!(!objects.is_empty());
        let _ = seal::decrypt_blob(data, &[(0, [0x5a; 48]), (1, [0x5a; 48])], None);
    }
    if let Ok(object) = EncryptedObject::from_bcs(data) {
        assert_eq!(object.to_bcs(), data, "the EncryptedObject BCS form is canonical");
        let key = [0x5au8; 48];
        let _ = seal::decrypt(&object, &[(0, key), (1, key)], None);
        let _ = seal::decrypt_with_key(&object, &[0; 32]);
    }
    let mut input = Input(data);
    let mode = input.u8();
    let mut usk = [0u8; 48];
    usk.iter_mut().for_each(|b| *b = input.u8());
    let mut pk = [0u8; 96];
    pk.iter_mut().for_each(|b| *b = input.u8());
    let _ = seal::verify_user_secret_key(&usk, b"id", &pk);
    let _ = seal::elgamal_decrypt(&[1; 32], &usk, &usk);
    if mode & 1 == 0 {
        return;
    }
    let masters: Vec<MasterKey> = (1..=3u8).map(|i| MasterKey::from_seed(&[i; 32])).collect();
    let servers: Vec<KeyServer> = masters
        .iter()
        .enumerate()
        .map(|(i, m)| KeyServer { object_id: [i as u8; 32], public_key: m.public_key() })
        .collect();
    let seed: [u8; 32] = core::array::from_fn(|_| input.u8());
    let message = input.rest();
    let dem = if mode & 2 == 0 { Dem::Aes256Gcm { aad: b"aad" } } else { Dem::Hmac256Ctr { aad: b"" } };
    let (object, _) = seal::encrypt(&seed, &servers, 2, &[9; 32], b"fuzz", message, dem).expect("valid servers");
    let full = seal::full_id(&[9; 32], b"fuzz");
    let keys: Vec<(usize, [u8; 48])> = masters.iter().map(|m| m.user_secret_key(&full)).enumerate().collect();
    let pks: Vec<[u8; 96]> = servers.iter().map(|s| s.public_key).collect();
    assert_eq!(seal::decrypt(&object, &keys[1..], Some(&pks)).as_deref(), Ok(message));
    assert!(seal::decrypt(&object, &keys[..1], None).is_err(), "one key is below the threshold");
    let mut bytes = object.to_bcs();
    let flip = usize::from(mode) * 7 % bytes.len();
    bytes[flip] ^= 1;
    if let Ok(changed) = EncryptedObject::from_bcs(&bytes) {
        assert!(seal::decrypt(&changed, &keys[1..], Some(&pks)).as_deref() != Ok(message) || changed == object);
    }
}

/// Key-server responses (`seal::key_response` / `seal::open_key_response`): arbitrary answers,
/// reader keys and public keys never panic; an arbitrary answer opens only if it is the
/// identity's key under the server (so it is the genuine one); the genuine answer opens to the
/// identity's key for its reader only, and no longer after any one of its bytes changes.
pub fn check_seal_key_response(data: &[u8]) {
    use morsa_core::seal::{self, MasterKey};

    let mut input = Input(data);
    let mode = input.u8();
    let reader_seed: [u8; 32] = core::array::from_fn(|_| input.u8());
    let mut c0 = [0u8; 48];
    c0.iter_mut().for_each(|b| *b = input.u8());
    let mut c1 = [0u8; 48];
    c1.iter_mut().for_each(|b| *b = input.u8());
    let id_len = usize::from(input.u8() % 80);
    let id: Vec<u8> = (0..id_len).map(|_| input.u8()).collect();
    let master = MasterKey::from_seed(&[0x11; 32]);
    let public_key = master.public_key();
    let full = seal::full_id(&[4; 32], &id);
    let reader = seal::reader_secret_key(&reader_seed);
    let reader_pk = seal::elgamal_public_key(&reader).expect("reader keys are nonzero scalars");
    if let Ok(key) = seal::open_key_response(&reader, &c0, &c1, &full, &public_key) {
        assert_eq!(key, master.user_secret_key(&full), "only the identity's key opens");
    }
    // Arbitrary reader keys, secrets and public keys: errors, not panics.
    let mut raw_pk = [0u8; 96];
    raw_pk.iter_mut().for_each(|b| *b = input.u8());
    let _ = seal::open_key_response(&reader_seed, &c0, &c1, &full, &raw_pk);
    let _ = seal::key_response(&master, &full, &c0, &reader_seed);
    // The genuine answer.
    let seed: [u8; 32] = core::array::from_fn(|_| input.u8());
    let (g0, g1) = seal::key_response(&master, &full, &reader_pk, &seed).expect("a valid reader key");
    assert_eq!(seal::open_key_response(&reader, &g0, &g1, &full, &public_key), Ok(master.user_secret_key(&full)));
    let other = seal::reader_secret_key(&seed);
    if other != reader {
        assert!(
            seal::open_key_response(&other, &g0, &g1, &full, &public_key).is_err(),
            "another reader cannot open it"
        );
    }
    let (mut b0, mut b1) = (g0, g1);
    let at = usize::from(mode) % 96;
    let bit = 1u8 << (mode % 8);
    if at < 48 {
        b0[at] ^= bit;
    } else {
        b1[at - 48] ^= bit;
    }
    assert!(seal::open_key_response(&reader, &b0, &b1, &full, &public_key).is_err(), "a changed answer is refused");
}
