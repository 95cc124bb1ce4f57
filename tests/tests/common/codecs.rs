//! Every BCS wire type behind one signature, and valid encodings of each (shared by the wire
//! and no-panic suites).
#![allow(dead_code)]

use morsa_core::encoding::{
    Axis, DecodingSymbol, EncodingConfig, EncodingType, GeneralRecoverySymbol, InconsistencyProof, RecoverySymbol,
    RecoverySymbolSource, Sliver,
};
use morsa_core::merkle::{MerkleProof, Node};
use morsa_core::metadata::{
    BlobMetadata, BlobMetadataRef, BlobMetadataWithId, BlobMetadataWithIdRef, SliverPairMetadata,
};
use morsa_core::wire::{
    general_recovery_symbols_from_bcs, general_recovery_symbols_to_bcs, slivers_from_bcs, slivers_to_bcs, BcsDecode,
    BcsEncode, Reader, WireError,
};
use morsa_core::BlobId;

/// The wire types (SPEC §5.1, §5.5, §6, §8.3, §9, §16.10). Several codecs may read one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Node,
    MerkleProof,
    EncodingType,
    Axis,
    BlobId,
    SliverPairMetadata,
    BlobMetadata,
    BlobMetadataWithId,
    /// `SliverData`: the axis is not in the bytes.
    Sliver,
    /// `Sliver` = `ByAxis` tag ‖ `SliverData`.
    SliverTagged,
    DecodingSymbol,
    RecoverySymbol,
    GeneralRecoverySymbol,
    GeneralRecoverySymbolVec,
    /// `Vec<Sliver>`: a batched sliver upload (docs/network.md).
    SliverVec,
    /// `InconsistencyProof<T>`: the axis is not in the bytes.
    InconsistencyProof,
    /// `ByAxis` tag ‖ `InconsistencyProof<T>`.
    InconsistencyProofTagged,
}

/// Parses bytes that must span the whole value and re-encodes the parsed value.
pub type Roundtrip = fn(&[u8]) -> Result<Vec<u8>, WireError>;

/// One decoder of one kind.
#[derive(Clone, Copy)]
pub struct Codec {
    pub kind: Kind,
    pub name: &'static str,
    pub roundtrip: Roundtrip,
}

fn plain<'a, T: BcsDecode<'a> + BcsEncode>(bytes: &'a [u8]) -> Result<Vec<u8>, WireError> {
    Ok(T::from_bcs(bytes)?.to_bcs())
}

fn sliver<'a, D: From<&'a [u8]> + AsRef<[u8]>>(bytes: &'a [u8], axis: Axis) -> Result<Vec<u8>, WireError> {
    let sliver = Sliver::<D>::from_bcs(bytes, axis)?;
    assert_eq!(sliver.axis, axis);
    Ok(sliver.to_bcs())
}

fn sliver_tagged<'a, D: From<&'a [u8]> + AsRef<[u8]>>(bytes: &'a [u8]) -> Result<Vec<u8>, WireError> {
    let mut r = Reader::new(bytes);
    let sliver = Sliver::<D>::read_bcs_tagged(&mut r)?;
    r.finish()?;
    let mut out = Vec::new();
    sliver.write_bcs_tagged(&mut out);
    assert_eq!(out.len(), sliver.bcs_len_tagged());
    Ok(out)
}

fn proof<'a, D: From<&'a [u8]> + AsRef<[u8]>>(bytes: &'a [u8], axis: Axis) -> Result<Vec<u8>, WireError> {
    let proof = InconsistencyProof::<D>::from_bcs(bytes, axis)?;
    assert_eq!(proof.target_axis, axis);
    Ok(proof.to_bcs())
}

fn proof_tagged<'a, D: From<&'a [u8]> + AsRef<[u8]>>(bytes: &'a [u8]) -> Result<Vec<u8>, WireError> {
    Ok(InconsistencyProof::<D>::from_bcs_tagged(bytes)?.to_bcs_tagged())
}

fn general_vec<'a, D: From<&'a [u8]> + AsRef<[u8]>>(bytes: &'a [u8]) -> Result<Vec<u8>, WireError> {
    let symbols = general_recovery_symbols_from_bcs::<D>(bytes)?;
    Ok(general_recovery_symbols_to_bcs(&symbols))
}

fn sliver_vec<'a, D: From<&'a [u8]> + AsRef<[u8]>>(bytes: &'a [u8]) -> Result<Vec<u8>, WireError> {
    let slivers = slivers_from_bcs::<D>(bytes)?;
    Ok(slivers_to_bcs(&slivers.iter().collect::<Vec<_>>()))
}

/// Every codec.
pub fn codecs() -> Vec<Codec> {
    macro_rules! c {
        ($kind:ident, $name:expr, $f:expr) => {
            Codec { kind: Kind::$kind, name: $name, roundtrip: |b| ($f)(b) }
        };
    }
    vec![
        c!(Node, "Node", plain::<Node>),
        c!(MerkleProof, "MerkleProof", plain::<MerkleProof>),
        c!(EncodingType, "EncodingType", plain::<EncodingType>),
        c!(Axis, "Axis", plain::<Axis>),
        c!(BlobId, "BlobId", plain::<BlobId>),
        c!(SliverPairMetadata, "SliverPairMetadata", plain::<SliverPairMetadata>),
        c!(BlobMetadata, "BlobMetadata", plain::<BlobMetadata>),
        c!(BlobMetadata, "BlobMetadataRef", plain::<BlobMetadataRef<'_>>),
        c!(BlobMetadataWithId, "BlobMetadataWithId", plain::<BlobMetadataWithId>),
        c!(BlobMetadataWithId, "BlobMetadataWithIdRef", plain::<BlobMetadataWithIdRef<'_>>),
        c!(Sliver, "Sliver<Vec>/primary", |b| sliver::<Vec<u8>>(b, Axis::Primary)),
        c!(Sliver, "Sliver<Vec>/secondary", |b| sliver::<Vec<u8>>(b, Axis::Secondary)),
        c!(Sliver, "Sliver<&[u8]>/primary", |b| sliver::<&[u8]>(b, Axis::Primary)),
        c!(Sliver, "Sliver<&[u8]>/secondary", |b| sliver::<&[u8]>(b, Axis::Secondary)),
        c!(SliverTagged, "Sliver<Vec>/tagged", sliver_tagged::<Vec<u8>>),
        c!(SliverTagged, "Sliver<&[u8]>/tagged", sliver_tagged::<&[u8]>),
        c!(DecodingSymbol, "DecodingSymbol<Vec>", plain::<DecodingSymbol<Vec<u8>>>),
        c!(DecodingSymbol, "DecodingSymbol<&[u8]>", plain::<DecodingSymbol<&[u8]>>),
        c!(RecoverySymbol, "RecoverySymbol<Vec>", plain::<RecoverySymbol<Vec<u8>>>),
        c!(RecoverySymbol, "RecoverySymbol<&[u8]>", plain::<RecoverySymbol<&[u8]>>),
        c!(GeneralRecoverySymbol, "GeneralRecoverySymbol<Vec>", plain::<GeneralRecoverySymbol<Vec<u8>>>),
        c!(GeneralRecoverySymbol, "GeneralRecoverySymbol<&[u8]>", plain::<GeneralRecoverySymbol<&[u8]>>),
        c!(GeneralRecoverySymbolVec, "Vec<GeneralRecoverySymbol<Vec>>", general_vec::<Vec<u8>>),
        c!(GeneralRecoverySymbolVec, "Vec<GeneralRecoverySymbol<&[u8]>>", general_vec::<&[u8]>),
        c!(SliverVec, "Vec<Sliver<Vec>>", sliver_vec::<Vec<u8>>),
        c!(SliverVec, "Vec<Sliver<&[u8]>>", sliver_vec::<&[u8]>),
        c!(InconsistencyProof, "InconsistencyProof<Vec>/primary", |b| proof::<Vec<u8>>(b, Axis::Primary)),
        c!(InconsistencyProof, "InconsistencyProof<Vec>/secondary", |b| proof::<Vec<u8>>(b, Axis::Secondary)),
        c!(InconsistencyProof, "InconsistencyProof<&[u8]>/primary", |b| proof::<&[u8]>(b, Axis::Primary)),
        c!(InconsistencyProofTagged, "InconsistencyProof<Vec>/tagged", proof_tagged::<Vec<u8>>),
        c!(InconsistencyProofTagged, "InconsistencyProof<&[u8]>/tagged", proof_tagged::<&[u8]>),
    ]
}

/// A valid encoding of a value of `kind`.
#[derive(Clone, Debug)]
pub struct Sample {
    pub kind: Kind,
    pub label: String,
    pub bytes: Vec<u8>,
}

/// The SplitMix64 stream, so that the samples do not depend on any RNG crate.
fn bytes_from(seed: u64, len: usize) -> Vec<u8> {
    morsa_conformance::splitmix64_bytes(seed, len)
}

/// Valid encodings of every kind: from real encodings for a few shard counts and sizes, plus
/// synthetic edge values (padding nodes, empty and full proofs, empty vectors, zero pairs).
pub fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    let mut push = |kind: Kind, label: String, bytes: Vec<u8>| out.push(Sample { kind, label, bytes });

    let inputs: [(u16, Vec<u8>); 4] = [
        (4, bytes_from(1, 0)),
        (4, bytes_from(2, 40)),
        (7, bytes_from(3, 100)),
        (10, b"walrus blob id v1 regression test".to_vec()),
    ];
    for (n, blob) in inputs {
        let config = EncodingConfig::new(n).unwrap();
        let encoded = config.encode(&blob).unwrap();
        let tag = format!("n = {n}, len = {}", blob.len());
        let metadata = encoded.metadata().as_unverified();
        push(Kind::BlobMetadataWithId, tag.clone(), metadata.to_bcs());
        push(Kind::BlobMetadata, tag.clone(), metadata.metadata.to_bcs());
        push(Kind::BlobId, tag.clone(), metadata.blob_id.to_bcs());
        push(Kind::SliverPairMetadata, tag.clone(), metadata.metadata.hashes[0].to_bcs());
        push(Kind::Node, tag.clone(), metadata.metadata.hashes[0].primary_hash.to_bcs());
        let pair = [encoded.sliver(Axis::Primary, 0).unwrap(), encoded.sliver(Axis::Secondary, n - 1).unwrap()];
        push(Kind::SliverVec, format!("{tag}, pair 0"), slivers_to_bcs(&[&pair[0], &pair[1]]));
        for axis in [Axis::Primary, Axis::Secondary] {
            let target = axis.orthogonal();
            let sliver = encoded.sliver(axis, n - 1).unwrap();
            push(Kind::Sliver, format!("{tag}, {axis}"), sliver.to_bcs());
            let mut tagged = Vec::new();
            sliver.write_bcs_tagged(&mut tagged);
            push(Kind::SliverTagged, format!("{tag}, {axis}"), tagged);
            let source = RecoverySymbolSource::new(&config, &sliver).unwrap();
            let general: Vec<GeneralRecoverySymbol<Vec<u8>>> =
                (0..n).map(|t| source.general_recovery_symbol(t).unwrap()).collect();
            // The last target has padding siblings for n = 7 and n = 10.
            let last = general.last().unwrap().clone();
            push(Kind::GeneralRecoverySymbol, format!("{tag}, {target} target"), last.to_bcs());
            push(Kind::MerkleProof, format!("{tag}, {target} target"), last.proof.to_bcs());
            let recovery = last.clone().into_recovery_symbol();
            push(Kind::RecoverySymbol, format!("{tag}, {target} target"), recovery.to_bcs());
            push(Kind::DecodingSymbol, format!("{tag}, {target} target"), recovery.symbol.to_bcs());
            push(
                Kind::GeneralRecoverySymbolVec,
                format!("{tag}, {target} targets"),
                general_recovery_symbols_to_bcs(&general[..3]),
            );
            let k = usize::from(config.n_symbols_for_recovery(target));
            let symbols: Vec<RecoverySymbol<Vec<u8>>> = (0..n)
                .take(k)
                .map(|i| {
                    let source = RecoverySymbolSource::new(&config, &encoded.sliver(axis, i).unwrap()).unwrap();
                    source.recovery_symbol(n - 1).unwrap()
                })
                .collect();
            let proof =
                InconsistencyProof { target_axis: target, target_sliver_index: n - 1, recovery_symbols: symbols };
            push(Kind::InconsistencyProof, format!("{tag}, {target} target"), proof.to_bcs());
            push(Kind::InconsistencyProofTagged, format!("{tag}, {target} target"), proof.to_bcs_tagged());
        }
    }

    // Synthetic edge values.
    push(Kind::Node, "Empty".into(), Node::Empty.to_bcs());
    push(Kind::Node, "zero digest".into(), Node::Digest([0; 32]).to_bcs());
    push(Kind::EncodingType, "RS2".into(), EncodingType::RS2.to_bcs());
    push(Kind::Axis, "primary".into(), Axis::Primary.to_bcs());
    push(Kind::Axis, "secondary".into(), Axis::Secondary.to_bcs());
    push(Kind::MerkleProof, "empty".into(), MerkleProof::default().to_bcs());
    let full: Vec<Node> = (0..16u8).map(|i| if i % 3 == 0 { Node::Empty } else { Node::Digest([i; 32]) }).collect();
    push(Kind::MerkleProof, "16 siblings".into(), MerkleProof::from_path(&full).unwrap().to_bcs());
    let empty_pairs = BlobMetadata {
        encoding_type: EncodingType::RS2,
        unencoded_length: u64::MAX,
        hashes: vec![SliverPairMetadata { primary_hash: Node::Empty, secondary_hash: Node::Empty }; 4],
    };
    push(Kind::BlobMetadata, "padding hashes".into(), empty_pairs.to_bcs());
    push(
        Kind::BlobMetadataWithId,
        "padding hashes".into(),
        BlobMetadataWithId { blob_id: BlobId([0xFF; 32]), metadata: empty_pairs }.to_bcs(),
    );
    let no_pairs = BlobMetadata { encoding_type: EncodingType::RS2, unencoded_length: 0, hashes: Vec::new() };
    push(Kind::BlobMetadata, "no pairs".into(), no_pairs.to_bcs());
    push(Kind::GeneralRecoverySymbolVec, "empty".into(), general_recovery_symbols_to_bcs::<Vec<u8>>(&[]));
    push(Kind::SliverVec, "empty".into(), slivers_to_bcs::<Vec<u8>>(&[]));
    let empty_symbol = GeneralRecoverySymbol {
        target_axis: Axis::Secondary,
        symbol: DecodingSymbol { index: u16::MAX, data: Vec::new() },
        target_index: u16::MAX,
        proof: MerkleProof::default(),
    };
    push(Kind::GeneralRecoverySymbol, "minimal".into(), empty_symbol.to_bcs());
    push(
        Kind::GeneralRecoverySymbolVec,
        "minimal".into(),
        general_recovery_symbols_to_bcs(&[empty_symbol.clone(), empty_symbol.clone()]),
    );
    let big = DecodingSymbol { index: 0x0102, data: bytes_from(9, 300) };
    push(Kind::DecodingSymbol, "300 bytes".into(), big.to_bcs());
    let proof = InconsistencyProof::<Vec<u8>> {
        target_axis: Axis::Primary,
        target_sliver_index: 7,
        recovery_symbols: vec![empty_symbol.into_recovery_symbol(); 3],
    };
    push(Kind::InconsistencyProof, "minimal symbols".into(), proof.to_bcs());
    push(Kind::InconsistencyProofTagged, "minimal symbols".into(), proof.to_bcs_tagged());
    let empty_proof = InconsistencyProof::<Vec<u8>> {
        target_axis: Axis::Secondary,
        target_sliver_index: 0,
        recovery_symbols: Vec::new(),
    };
    push(Kind::InconsistencyProof, "no symbols".into(), empty_proof.to_bcs());
    push(Kind::InconsistencyProofTagged, "no symbols".into(), empty_proof.to_bcs_tagged());
    let empty_sliver =
        Sliver { axis: Axis::Secondary, index: 3, symbol_size: 2u16.try_into().unwrap(), data: Vec::new() };
    push(Kind::Sliver, "empty".into(), empty_sliver.to_bcs());
    out
}

/// The codecs of `kind`.
pub fn codecs_of(kind: Kind) -> Vec<Codec> {
    codecs().into_iter().filter(|c| c.kind == kind).collect()
}
