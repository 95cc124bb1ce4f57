//! Protocol messages, Ed25519 signatures, committees and certificates (SPEC §10; ARCHITECTURE
//! "Signatures and certificates").

use morsa_core::certificate::{
    AddSignatureError, Certificate, CertificateBuilder, CertificateError, CertificateKind, CertifiedBlob, Committee,
    CommitteeError, CommitteeWeights, KeyError, Member, PublicKey, Signature, SigningKey, Threshold, WeightedMembers,
};
use morsa_core::messages::{BlobPersistenceType, InvalidBlobIdMsg, StorageConfirmation};
use morsa_core::wire::{BcsDecode, WireError};
use morsa_core::BlobId;
use proptest::prelude::*;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn seed(i: usize) -> [u8; 32] {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
    s[31] = 0x5A;
    s
}

fn keys(n: usize) -> Vec<SigningKey> {
    (0..n).map(|i| SigningKey::from_seed(seed(i)).unwrap()).collect()
}

/// A committee whose member `i` holds `weights[i]` consecutive shards.
fn committee(epoch: u32, weights: &[u16]) -> (Committee, Vec<SigningKey>) {
    let keys = keys(weights.len());
    let mut next = 0u16;
    let members = keys
        .iter()
        .zip(weights)
        .map(|(k, &w)| {
            let shards = (next..next + w).collect();
            next += w;
            Member { public_key: k.public_key(), shards }
        })
        .collect();
    (Committee::new(epoch, members).unwrap(), keys)
}

const BLOB: BlobId = BlobId([0x42; 32]);

fn confirmation(epoch: u32) -> StorageConfirmation {
    StorageConfirmation::new(epoch, BLOB, BlobPersistenceType::Permanent)
}

/// A certificate of `message` signed by the members in `signers`.
fn certify(committee: &Committee, keys: &[SigningKey], signers: &[usize], message: &[u8]) -> Certificate<Vec<u8>> {
    let mut bitmap = vec![0u8; committee.members().len().div_ceil(8)];
    let mut signatures = Vec::new();
    let mut sorted = signers.to_vec();
    sorted.sort_unstable();
    for &i in &sorted {
        bitmap[i / 8] |= 1 << (i % 8);
        signatures.extend_from_slice(&keys[i].sign(message).0);
    }
    Certificate { signers: bitmap, serialized_message: message.to_vec(), signatures }
}

// ----- RFC 8032 §7.1 test vectors -----

#[test]
fn rfc8032_vectors() {
    let vectors = [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
        (
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
        ),
    ];
    for (secret, public, message, signature) in vectors {
        let key = SigningKey::from_seed(h(secret).try_into().unwrap()).unwrap();
        assert_eq!(hex::encode(key.public_key().0), public);
        let sig = key.sign(&h(message));
        assert_eq!(hex::encode(sig.0), signature);
        assert_eq!(key.public_key().verify(&h(message), &sig), Ok(()));
        let mut forged = sig;
        forged.0[0] ^= 1;
        assert!(key.public_key().verify(&h(message), &forged).is_err());
        assert!(key.public_key().verify(b"other", &sig).is_err());
    }
    assert_eq!(SigningKey::from_seed([0; 32]).map(|_| ()), Err(KeyError::ZeroSeed));
}

// ----- SPEC §10.1 message bytes -----

#[test]
fn message_layouts_are_exact() {
    let epoch = 0x1122_3344u32;
    let mut want = h("010003");
    want.extend(epoch.to_le_bytes());
    want.extend([0x42; 32]);
    want.push(0x00);
    let permanent = confirmation(epoch).to_message_bytes();
    assert_eq!(permanent.as_slice(), &want[..]);
    assert_eq!(permanent.len(), 40);

    let deletable = StorageConfirmation::new(epoch, BLOB, BlobPersistenceType::Deletable { object_id: [0x07; 32] });
    let mut want_del = want[..39].to_vec();
    want_del.push(0x01);
    want_del.extend([0x07; 32]);
    assert_eq!(deletable.to_message_bytes().as_slice(), &want_del[..]);
    assert_eq!(want_del.len(), 72);

    let invalid = InvalidBlobIdMsg::new(epoch, BLOB).to_message_bytes();
    let mut want_inv = h("020003");
    want_inv.extend(epoch.to_le_bytes());
    want_inv.extend([0x42; 32]);
    assert_eq!(invalid.as_slice(), &want_inv[..]);
    assert_eq!(invalid.len(), 39);

    for (bytes, len) in [(&want[..], 40), (&want_del[..], 72)] {
        let parsed = StorageConfirmation::from_bcs(bytes).unwrap();
        assert_eq!(parsed.to_message_bytes().as_slice(), bytes);
        assert_eq!(bytes.len(), len);
    }
    assert_eq!(InvalidBlobIdMsg::from_bcs(&want_inv).unwrap(), InvalidBlobIdMsg::new(epoch, BLOB));
}

#[test]
fn messages_reject_wrong_intent_truncation_and_trailing_bytes() {
    let bytes = confirmation(3).to_message_bytes().to_vec();
    // The wrong message type, version or app ID.
    for (i, value) in [(0, 2u8), (0, 0), (1, 1), (2, 0), (2, 4)] {
        let mut bad = bytes.clone();
        bad[i] = value;
        assert!(StorageConfirmation::from_bcs(&bad).is_err(), "byte {i} = {value}");
    }
    assert!(InvalidBlobIdMsg::from_bcs(&bytes).is_err());
    for len in 0..bytes.len() {
        assert!(matches!(StorageConfirmation::from_bcs(&bytes[..len]), Err(WireError::Truncated { .. })), "{len}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(StorageConfirmation::from_bcs(&long), Err(WireError::TrailingBytes { count: 1 }));
}

// ----- Committees -----

#[test]
fn committee_validation() {
    let k = keys(5);
    let m = |i: usize, shards: &[u16]| Member { public_key: k[i].public_key(), shards: shards.to_vec() };
    assert!(Committee::new(1, vec![m(0, &[0, 1]), m(1, &[2]), m(2, &[3])]).is_ok());
    assert_eq!(Committee::new(1, vec![m(0, &[0, 1]), m(1, &[2])]), Err(CommitteeError::TooFewShards { n_shards: 3 }));
    assert_eq!(Committee::new(1, vec![]), Err(CommitteeError::TooFewShards { n_shards: 0 }));
    assert_eq!(
        Committee::new(1, vec![m(0, &[0, 1]), m(1, &[2]), m(2, &[2])]),
        Err(CommitteeError::DuplicateShard { shard: 2 })
    );
    assert_eq!(
        Committee::new(1, vec![m(0, &[0, 1]), m(1, &[2]), m(2, &[4])]),
        Err(CommitteeError::ShardOutOfRange { shard: 4, n_shards: 4 })
    );
    assert_eq!(
        Committee::new(1, vec![m(0, &[0, 1]), m(1, &[2, 3]), m(2, &[])]),
        Err(CommitteeError::MemberWithoutShards { member: 2 })
    );
    assert_eq!(
        Committee::new(1, vec![m(0, &[0, 1]), m(1, &[2]), m(0, &[3])]),
        Err(CommitteeError::DuplicatePublicKey { member: 2 })
    );
    let (c, _) = committee(9, &[3, 1, 2, 4]);
    assert_eq!(c.n_shards(), 10);
    assert_eq!(c.shard_owner(0), Some(0));
    assert_eq!(c.shard_owner(3), Some(1));
    assert_eq!(c.shard_owner(9), Some(3));
    assert_eq!(c.shard_owner(10), None);
    assert_eq!(c.member(2).map(|(_, w)| w), Some(2));
    // postcard round trip, and malformed bytes.
    let bytes = c.to_bytes();
    assert_eq!(Committee::from_bytes(&bytes), Ok(c.clone()));
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(Committee::from_bytes(&long), Err(CommitteeError::Malformed));
    for len in 0..bytes.len() {
        assert!(Committee::from_bytes(&bytes[..len]).is_err(), "prefix {len}");
    }
}

// ----- Quorum boundaries (SPEC §10.3) -----

/// For each committee, the smallest signer sets (by members in order) at and just below the
/// threshold: exactly the threshold passes, one shard less fails.
fn check_boundary(weights: &[u16]) {
    let (c, keys) = committee(5, weights);
    let n = u32::from(c.n_shards());
    for (threshold, message) in [
        (Threshold::Quorum, confirmation(5).to_message_bytes().to_vec()),
        (Threshold::Validity, InvalidBlobIdMsg::new(5, BLOB).to_message_bytes().to_vec()),
    ] {
        let required = threshold.required_weight(n);
        // Find a signer set with weight exactly `required` and one with `required - 1`,
        // greedily from the heaviest members, completing with members of weight 1 if needed.
        for target in [required, required - 1] {
            let mut order: Vec<usize> = (0..weights.len()).collect();
            order.sort_by_key(|&i| std::cmp::Reverse(weights[i]));
            let mut signers = Vec::new();
            let mut w = 0u32;
            for i in order {
                if w + u32::from(weights[i]) <= target {
                    signers.push(i);
                    w += u32::from(weights[i]);
                }
            }
            assert_eq!(w, target, "weights {weights:?}: cannot reach {target}");
            let cert = certify(&c, &keys, &signers, &message);
            let result = match threshold {
                Threshold::Quorum => cert.verify_confirmation(&c).map(|v| v.signer_weight()),
                Threshold::Validity => cert.verify_invalid_blob(&c).map(|v| v.signer_weight()),
            };
            if target == required {
                assert_eq!(result, Ok(required), "weights {weights:?} {threshold:?}");
            } else {
                assert_eq!(
                    result,
                    Err(CertificateError::NotEnoughWeight { weight: target, required, n_shards: n }),
                    "weights {weights:?} {threshold:?}"
                );
            }
        }
    }
}

#[test]
fn quorum_boundaries_with_one_shard_per_member() {
    for n in [4usize, 7, 10, 1000] {
        check_boundary(&vec![1; n]);
    }
    // The thresholds: 3w ≥ 2n+1 and 3w ≥ n+1.
    assert_eq!(Threshold::Quorum.required_weight(4), 3);
    assert_eq!(Threshold::Quorum.required_weight(7), 5);
    assert_eq!(Threshold::Quorum.required_weight(10), 7);
    assert_eq!(Threshold::Quorum.required_weight(1000), 667);
    assert_eq!(Threshold::Validity.required_weight(10), 4);
    assert_eq!(Threshold::Validity.required_weight(1000), 334);
}

#[test]
fn quorum_boundaries_with_uneven_weights() {
    check_boundary(&[3, 1, 2, 4]);
    check_boundary(&[1, 1, 1, 1, 1, 5]);
    check_boundary(&[7, 2, 1, 1, 1, 1, 3, 4]);
    check_boundary(&[300, 200, 100, 50, 25, 12, 6, 3, 2, 1, 1]);
}

// ----- Forged, duplicated, out-of-range and wrong-epoch signatures -----

#[test]
fn forged_and_misattributed_signatures_are_rejected() {
    let (c, keys) = committee(5, &[1; 10]);
    let msg = confirmation(5).to_message_bytes().to_vec();
    let good = certify(&c, &keys, &[0, 1, 2, 3, 4, 5, 6], &msg);
    assert!(good.verify_confirmation(&c).is_ok());
    // A flipped bit in any signature.
    for i in 0..7 {
        let mut bad = good.clone();
        bad.signatures[i * 64 + 10] ^= 0x80;
        assert_eq!(bad.verify_confirmation(&c), Err(CertificateError::InvalidSignature), "signature {i}");
    }
    // A signature by another member's key, in a member's slot.
    let mut swapped = good.clone();
    swapped.signatures[..64].copy_from_slice(&keys[9].sign(&msg).0);
    assert_eq!(swapped.verify_confirmation(&c), Err(CertificateError::InvalidSignature));
    // Signatures over another message (a different blob) with the same bitmap.
    let other = StorageConfirmation::new(5, BlobId([1; 32]), BlobPersistenceType::Permanent).to_message_bytes();
    let mut moved = certify(&c, &keys, &[0, 1, 2, 3, 4, 5, 6], &other);
    moved.serialized_message = msg.clone();
    assert_eq!(moved.verify_confirmation(&c), Err(CertificateError::InvalidSignature));
    // One signature too many or too few.
    let mut extra = good.clone();
    extra.signatures.extend_from_slice(&keys[7].sign(&msg).0);
    assert_eq!(
        extra.verify_confirmation(&c),
        Err(CertificateError::SignatureCountMismatch { signers: 7, signature_bytes: 8 * 64 })
    );
    let mut short = good.clone();
    short.signatures.truncate(6 * 64);
    assert!(matches!(short.verify_confirmation(&c), Err(CertificateError::SignatureCountMismatch { .. })));
}

#[test]
fn bitmap_shapes() {
    let (c, keys) = committee(5, &[1; 10]);
    let msg = confirmation(5).to_message_bytes().to_vec();
    let good = certify(&c, &keys, &[0, 1, 2, 3, 4, 5, 6], &msg);
    assert_eq!(good.signers.len(), 2);
    // A stray bit past the last member (members 0..10; bit 10 is in byte 1).
    let mut stray = good.clone();
    stray.signers[1] |= 1 << 2;
    stray.signatures.extend_from_slice(&[0; 64]);
    assert_eq!(stray.verify_confirmation(&c), Err(CertificateError::SignerOutOfRange { signer: 10, n_members: 10 }));
    let mut high = good.clone();
    high.signers[1] |= 0x80;
    high.signatures.extend_from_slice(&[0; 64]);
    assert_eq!(high.verify_confirmation(&c), Err(CertificateError::SignerOutOfRange { signer: 15, n_members: 10 }));
    // A longer bitmap than the committee needs.
    let mut long = good.clone();
    long.signers.push(0);
    assert_eq!(long.verify_confirmation(&c), Err(CertificateError::BitmapTooLong { bitmap_bytes: 3, max_bytes: 2 }));
    // A shorter bitmap is read with missing bytes as zero (as Move does).
    let first_byte_only = certify(&c, &keys, &[0, 1, 2, 3, 4, 5, 6], &msg);
    let mut short = first_byte_only.clone();
    short.signers.truncate(1);
    assert_eq!(short.verify_confirmation(&c).map(|v| v.n_signers()), Ok(7));
}

#[test]
fn wrong_epoch_and_wrong_message_type() {
    let (c, keys) = committee(5, &[1; 4]);
    for epoch in [4, 6] {
        let msg = confirmation(epoch).to_message_bytes().to_vec();
        let cert = certify(&c, &keys, &[0, 1, 2, 3], &msg);
        assert_eq!(
            cert.verify_confirmation(&c),
            Err(CertificateError::EpochMismatch { message_epoch: epoch, committee_epoch: 5 })
        );
    }
    // An invalid-blob attestation is not a storage confirmation, and the reverse.
    let inv = InvalidBlobIdMsg::new(5, BLOB).to_message_bytes().to_vec();
    let cert = certify(&c, &keys, &[0, 1, 2, 3], &inv);
    assert!(matches!(cert.verify_confirmation(&c), Err(CertificateError::Message(_))));
    assert!(cert.verify_invalid_blob(&c).is_ok());
    let conf = certify(&c, &keys, &[0, 1, 2, 3], &confirmation(5).to_message_bytes());
    assert!(matches!(conf.verify_invalid_blob(&c), Err(CertificateError::Message(_))));
}

// ----- Building certificates -----

#[test]
fn builder_drops_invalid_and_duplicate_confirmations() {
    let (c, keys) = committee(8, &[2, 1, 1, 3, 3]);
    let message = confirmation(8);
    let bytes = message.to_message_bytes().to_vec();
    let mut builder = CertificateBuilder::new(&c, &message).unwrap();
    assert_eq!(builder.message_bytes(), &bytes[..]);
    assert_eq!(builder.required_weight(), 7);
    assert_eq!(builder.missing_weight(), 7);
    assert!(matches!(
        builder.finish(),
        Err(CertificateError::NotEnoughWeight { weight: 0, required: 7, n_shards: 10 })
    ));

    assert_eq!(builder.add(3, &bytes, &keys[3].sign(&bytes)), Ok(true));
    // Duplicate: kept once.
    assert_eq!(builder.add(3, &bytes, &keys[3].sign(&bytes)), Ok(false));
    assert_eq!(builder.weight(), 3);
    // Invalid signature, wrong message, unknown member: dropped, builder unchanged.
    assert_eq!(builder.add(4, &bytes, &keys[0].sign(&bytes)), Err(AddSignatureError::InvalidSignature));
    let other = confirmation(9).to_message_bytes();
    assert_eq!(builder.add(4, &other, &keys[4].sign(&other)), Err(AddSignatureError::MessageMismatch));
    assert_eq!(builder.add(5, &bytes, &keys[4].sign(&bytes)), Err(AddSignatureError::UnknownMember));
    let stranger = SigningKey::from_seed([9; 32]).unwrap();
    assert_eq!(
        builder.add_by_key(&stranger.public_key(), &bytes, &stranger.sign(&bytes)),
        Err(AddSignatureError::UnknownMember)
    );
    assert_eq!(builder.weight(), 3);
    assert_eq!(builder.missing_weight(), 4);
    assert!(!builder.is_complete());

    assert_eq!(builder.add_by_key(&keys[4].public_key(), &bytes, &keys[4].sign(&bytes)), Ok(true));
    assert_eq!(builder.missing_weight(), 1);
    assert_eq!(builder.add(1, &bytes, &keys[1].sign(&bytes)), Ok(true));
    assert!(builder.is_complete());
    assert_eq!(builder.missing_weight(), 0);
    let cert = builder.finish().unwrap();
    assert_eq!(cert.signers, vec![0b0001_1010]);
    let verified = cert.verify_confirmation(&c).unwrap();
    assert_eq!(verified.signer_weight(), 7);
    assert_eq!(verified.n_signers(), 3);
    assert_eq!(verified.message(), &message);
    // The postcard form round-trips.
    let bytes = cert.to_bytes();
    let parsed = Certificate::<&[u8]>::from_bytes(&bytes).unwrap();
    assert_eq!(parsed, cert.as_view());
    assert_eq!(parsed.verify_confirmation(&c).unwrap().signer_weight(), 7);

    // A builder for another epoch is refused.
    assert!(matches!(
        CertificateBuilder::new(&c, &confirmation(7)),
        Err(CertificateError::EpochMismatch { message_epoch: 7, committee_epoch: 8 })
    ));
}

#[test]
fn verification_needs_no_allocator_view() {
    let (c, keys) = committee(2, &[2, 1, 1]);
    let msg = confirmation(2).to_message_bytes().to_vec();
    let cert = certify(&c, &keys, &[0, 2], &msg);
    let members: Vec<(PublicKey, u16)> = (0..3).map(|i| c.member(i).unwrap()).collect();
    let view = WeightedMembers { epoch: 2, members: &members };
    assert_eq!(view.n_shards(), 4);
    let bytes = cert.to_bytes();
    let parsed = Certificate::<&[u8]>::from_bytes(&bytes).unwrap();
    assert_eq!(parsed.verify_confirmation(&view).map(|v| v.signer_weight()), Ok(3));
    let mut out = [0u8; 256];
    let len = parsed.to_bytes_into(&mut out).unwrap();
    assert_eq!(&out[..len], &bytes[..]);
    assert!(matches!(parsed.to_bytes_into(&mut out[..10]), Err(WireError::BufferTooSmall { .. })));
}

#[test]
fn certificate_bytes_must_be_canonical() {
    let (c, keys) = committee(2, &[1; 4]);
    let cert = certify(&c, &keys, &[0, 1, 2], &confirmation(2).to_message_bytes());
    let bytes = cert.to_bytes();
    assert_eq!(bytes[0], 1); // one bitmap byte
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(Certificate::<&[u8]>::from_bytes(&trailing), Err(CertificateError::Malformed));
    // The bitmap length 1 written as a two-byte varint.
    let mut padded = vec![0x81, 0x00];
    padded.extend_from_slice(&bytes[1..]);
    assert_eq!(Certificate::<&[u8]>::from_bytes(&padded), Err(CertificateError::Malformed));
    for len in 0..bytes.len() {
        assert!(Certificate::<&[u8]>::from_bytes(&bytes[..len]).is_err(), "prefix {len}");
    }
}

// ----- One verification for both kinds (what the bindings call) -----

#[test]
fn verify_kind_reads_the_kind_from_the_intent_or_checks_the_one_asked_for() {
    let (c, keys) = committee(3, &[2, 1, 1, 3, 3]);
    let deletable = StorageConfirmation::new(3, BLOB, BlobPersistenceType::Deletable { object_id: [7; 32] });
    let confirmation = certify(&c, &keys, &[0, 3, 4], &deletable.to_message_bytes());
    let expected = CertifiedBlob {
        kind: CertificateKind::Confirmation,
        epoch: 3,
        blob_id: BLOB,
        object_id: Some([7; 32]),
        signer_weight: 8,
        n_signers: 3,
    };
    assert_eq!(confirmation.verify_kind(&c, None), Ok(expected));
    assert_eq!(confirmation.verify_kind(&c, Some(CertificateKind::Confirmation)), Ok(expected));
    // Asked for as the other kind, its message is refused.
    assert!(matches!(
        confirmation.verify_kind(&c, Some(CertificateKind::InvalidBlob)),
        Err(CertificateError::Message(_))
    ));

    // Validity (3w >= n + 1 = 11) suffices for an invalid-blob attestation: weight 4 of 10.
    let invalid = certify(&c, &keys, &[0, 1, 2], &InvalidBlobIdMsg::new(3, BLOB).to_message_bytes());
    let verified = invalid.verify_kind(&c, None).unwrap();
    assert_eq!((verified.kind, verified.object_id, verified.signer_weight), (CertificateKind::InvalidBlob, None, 4));
    assert_eq!(CertificateKind::of_message(&invalid.serialized_message), Some(CertificateKind::InvalidBlob));
    assert_eq!(CertificateKind::of_message(&[9, 0, 3]), None);
    assert_eq!(CertificateKind::InvalidBlob.threshold(), Threshold::Validity);
}

#[test]
fn certificate_kind_names_are_the_bindings_names() {
    for kind in [CertificateKind::Confirmation, CertificateKind::InvalidBlob] {
        assert_eq!(kind.as_str().parse::<CertificateKind>(), Ok(kind));
    }
    assert_eq!(CertificateKind::InvalidBlob.as_str(), "invalid_blob");
    assert!("invalid".parse::<CertificateKind>().is_err());
}

// ----- No panics on mutated bytes -----

fn sample_certificate() -> (Committee, Vec<u8>) {
    let (c, keys) = committee(3, &[2, 1, 1, 3, 3]);
    let cert = certify(&c, &keys, &[0, 3, 4], &confirmation(3).to_message_bytes());
    (c, cert.to_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mutated_certificates_never_panic(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        cut in any::<usize>(),
        extra in proptest::collection::vec(any::<u8>(), 0..4),
    ) {
        let (c, bytes) = sample_certificate();
        let mut mutated = bytes.clone();
        for (at, value) in flips {
            let i = at % mutated.len();
            mutated[i] ^= value;
        }
        mutated.truncate(cut % (mutated.len() + 1));
        mutated.extend(extra);
        if let Ok(cert) = Certificate::<&[u8]>::from_bytes(&mutated) {
            // Parse → encode reproduces the input.
            prop_assert_eq!(cert.to_bytes(), mutated.clone());
            let result = cert.verify_confirmation(&c);
            if mutated != bytes {
                prop_assert!(result.is_err());
            } else {
                prop_assert!(result.is_ok());
            }
            let _ = cert.verify_invalid_blob(&c);
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (c, _) = sample_certificate();
        if let Ok(cert) = Certificate::<&[u8]>::from_bytes(&bytes) {
            prop_assert_eq!(cert.to_bytes(), bytes.clone());
            prop_assert!(cert.verify_confirmation(&c).is_err());
        }
        if let Ok(committee) = Committee::from_bytes(&bytes) {
            prop_assert_eq!(committee.to_bytes(), bytes.clone());
        }
        let _ = StorageConfirmation::from_bcs(&bytes);
        let _ = InvalidBlobIdMsg::from_bcs(&bytes);
    }

    #[test]
    fn mutated_committees_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
        let (c, _) = sample_certificate();
        let bytes = c.to_bytes();
        let mut mutated = bytes.clone();
        for (at, value) in flips {
            let i = at % mutated.len();
            mutated[i] ^= value;
        }
        if let Ok(parsed) = Committee::from_bytes(&mutated) {
            prop_assert_eq!(parsed.to_bytes(), mutated);
        }
    }

    #[test]
    fn arbitrary_signatures_never_verify(sig in proptest::collection::vec(any::<u8>(), 64), message in proptest::collection::vec(any::<u8>(), 0..64)) {
        let key = SigningKey::from_seed(seed(0)).unwrap();
        let signature = Signature(sig.try_into().unwrap());
        prop_assume!(signature != key.sign(&message));
        prop_assert!(key.public_key().verify(&message, &signature).is_err());
    }
}
