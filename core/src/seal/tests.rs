use super::*;

fn servers(n: u8) -> (Vec<MasterKey>, Vec<KeyServer>) {
    let masters: Vec<MasterKey> = (0..n).map(|i| MasterKey::from_seed(&[i + 1; 32])).collect();
    let servers = masters
        .iter()
        .enumerate()
        .map(|(i, m)| KeyServer { object_id: [0x10 + i as u8; 32], public_key: m.public_key() })
        .collect();
    (masters, servers)
}

#[test]
fn encrypt_then_decrypt_with_any_threshold_of_keys() {
    let (masters, servers) = servers(3);
    let package = [7u8; 32];
    let id = b"policy-object-and-nonce".to_vec();
    let full = full_id(&package, &id);
    for dem in [Dem::Aes256Gcm { aad: b"header" }, Dem::Hmac256Ctr { aad: b"" }] {
        let (object, dem_key) = encrypt(&[9; 32], &servers, 2, &package, &id, b"a private archive", dem).unwrap();
        let bytes = object.to_bcs();
        let parsed = EncryptedObject::from_bcs(&bytes).unwrap();
        assert_eq!(parsed, object);
        assert_eq!(decrypt_with_key(&parsed, &dem_key).unwrap(), b"a private archive");
        let usks: Vec<(usize, [u8; 48])> = masters.iter().map(|m| m.user_secret_key(&full)).enumerate().collect();
        for (i, (_, usk)) in usks.iter().enumerate() {
            assert!(verify_user_secret_key(usk, &full, &servers[i].public_key));
            assert!(!verify_user_secret_key(usk, &full, &servers[(i + 1) % 3].public_key));
            assert!(!verify_user_secret_key(usk, b"another id", &servers[i].public_key));
        }
        let public_keys: Vec<[u8; 96]> = servers.iter().map(|s| s.public_key).collect();
        for pair in [[0usize, 1], [0, 2], [1, 2]] {
            let keys = [usks[pair[0]], usks[pair[1]]];
            assert_eq!(decrypt(&parsed, &keys, Some(&public_keys)).unwrap(), b"a private archive");
        }
        // Fewer than the threshold, or a key of another identity: refused.
        assert_eq!(decrypt(&parsed, &usks[..1], None), Err(SealError::NotEnoughKeys { given: 1, threshold: 2 }));
        let wrong = (1usize, masters[1].user_secret_key(b"another id"));
        assert!(decrypt(&parsed, &[usks[0], wrong], None).is_err());
        // A flipped ciphertext bit, a flipped share: refused.
        let mut tampered = parsed.clone();
        match &mut tampered.ciphertext {
            Ciphertext::Aes256Gcm { blob, .. } | Ciphertext::Hmac256Ctr { blob, .. } => blob[0] ^= 1,
            Ciphertext::Plain => unreachable!(),
        }
        assert_eq!(decrypt(&tampered, &usks[..2], None), Err(SealError::DecryptionFailed));
        let mut bad_share = parsed.clone();
        bad_share.encrypted_shares[2][0] ^= 1;
        assert_eq!(decrypt(&bad_share, &usks[..2], Some(&public_keys)), Err(SealError::InconsistentShares));
    }
}

#[test]
fn malformed_objects_and_thresholds_are_refused() {
    let (_, servers) = servers(2);
    assert_eq!(
        encrypt(&[1; 32], &servers, 3, &[0; 32], b"", b"", Dem::Aes256Gcm { aad: b"" }).map(|_| ()),
        Err(SealError::InvalidThreshold)
    );
    assert_eq!(
        encrypt(&[1; 32], &servers, 0, &[0; 32], b"", b"", Dem::Aes256Gcm { aad: b"" }).map(|_| ()),
        Err(SealError::InvalidThreshold)
    );
    let (object, _) = encrypt(&[1; 32], &servers, 1, &[0; 32], b"x", b"data", Dem::Aes256Gcm { aad: b"" }).unwrap();
    let bytes = object.to_bcs();
    for cut in 0..bytes.len() {
        assert_eq!(EncryptedObject::from_bcs(&bytes[..cut]), Err(SealError::Malformed));
    }
    let mut versioned = bytes.clone();
    versioned[0] = 1;
    assert_eq!(EncryptedObject::from_bcs(&versioned), Err(SealError::Malformed));
    assert_eq!(EncryptedObject::from_bcs(&[bytes.as_slice(), &[0]].concat()), Err(SealError::Malformed));
}

#[test]
fn elgamal_round_trip() {
    let sk = MasterKey::from_seed(&[3; 32]).to_bytes();
    let pk = elgamal_public_key(&sk).unwrap();
    let usk = MasterKey::from_seed(&[4; 32]).user_secret_key(b"id");
    let (c0, c1) = elgamal_encrypt(&[5; 32], &pk, &usk).unwrap();
    assert_eq!(elgamal_decrypt(&sk, &c0, &c1).unwrap(), usk);
    let other = MasterKey::from_seed(&[6; 32]).to_bytes();
    assert_ne!(elgamal_decrypt(&other, &c0, &c1).unwrap(), usk);
}

#[test]
fn gt_bytes_are_the_tower_coefficients_in_seal_order() {
    // e(g1, g2)'s form starts with c0.c0.c0 and has c1.c0 as its second Fp2 (96..192).
    let gt = pairing(&G1Affine::generator(), &G2Affine::generator());
    let bytes = gt_to_bytes(&gt);
    assert_eq!(bytes.len(), GT_LEN);
    assert_ne!(bytes, gt_to_bytes(&Gt::identity()));
    // The identity is 1: only c0.c0.c0 = 1.
    let one = gt_to_bytes(&Gt::identity());
    assert_eq!(one[47], 1);
    assert!(one.iter().enumerate().all(|(i, b)| i == 47 || *b == 0));
}

#[test]
fn key_responses_open_only_to_the_reader_and_only_as_the_identitys_key() {
    let (masters, servers) = servers(2);
    let full = full_id(&[3; 32], b"policy and nonce");
    let reader = reader_secret_key(&[5; 32]);
    let reader_pk = elgamal_public_key(&reader).unwrap();
    let (c0, c1) = key_response(&masters[0], &full, &reader_pk, &[6; 32]).unwrap();
    let usk = open_key_response(&reader, &c0, &c1, &full, &servers[0].public_key).unwrap();
    assert_eq!(usk, masters[0].user_secret_key(&full));
    // Another reader, another server's public key, another identity: refused.
    let other = reader_secret_key(&[8; 32]);
    assert_eq!(open_key_response(&other, &c0, &c1, &full, &servers[0].public_key), Err(SealError::WrongUserSecretKey));
    assert_eq!(open_key_response(&reader, &c0, &c1, &full, &servers[1].public_key), Err(SealError::WrongUserSecretKey));
    assert_eq!(
        open_key_response(&reader, &c0, &c1, b"another", &servers[0].public_key),
        Err(SealError::WrongUserSecretKey)
    );
    // A key for another identity, or a swapped pair: refused.
    let (d0, d1) = key_response(&masters[0], b"another", &reader_pk, &[6; 32]).unwrap();
    assert_eq!(open_key_response(&reader, &d0, &d1, &full, &servers[0].public_key), Err(SealError::WrongUserSecretKey));
    assert!(open_key_response(&reader, &c1, &c0, &full, &servers[0].public_key).is_err());
    let mut bad = c1;
    bad[47] ^= 1;
    assert!(open_key_response(&reader, &c0, &bad, &full, &servers[0].public_key).is_err());
    assert_eq!(key_response(&masters[0], &full, &[0; 48], &[6; 32]), Err(SealError::InvalidKey));
}

#[test]
fn private_blobs_chunk_past_the_chunk_length_and_refuse_any_rearrangement() {
    let (masters, servers) = servers(3);
    let (package, id) = ([1u8; 32], b"policy ID and nonce".to_vec());
    let full = full_id(&package, &id);
    let keys: Vec<(usize, [u8; 48])> = masters.iter().map(|m| m.user_secret_key(&full)).enumerate().skip(1).collect();
    let pks: Vec<[u8; 96]> = servers.iter().map(|s| s.public_key).collect();
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
    // One chunk: a plain Seal object with no additional data.
    let single = encrypt_blob(&[2; 32], &servers, 2, &package, &id, &data, 1000).unwrap();
    assert!(!is_chunked(&single));
    let object = EncryptedObject::from_bcs(&single).unwrap();
    assert!(matches!(&object.ciphertext, Ciphertext::Aes256Gcm { aad: Some(a), .. } if a.is_empty()));
    assert_eq!(decrypt_blob(&single, &keys, Some(&pks)).unwrap(), data);
    // Four chunks of 300 bytes at most.
    let blob = encrypt_blob(&[2; 32], &servers, 2, &package, &id, &data, 300).unwrap();
    assert!(is_chunked(&blob));
    let objects = parse_blob(&blob).unwrap();
    assert_eq!(objects.len(), 4);
    assert_eq!(decrypt_blob(&blob, &keys, Some(&pks)).unwrap(), data);
    assert!(matches!(decrypt_blob(&blob, &keys[..1], None), Err(SealError::NotEnoughKeys { .. })));
    // Every truncation, and any single changed byte, is refused.
    for cut in [0, 4, 5, 9, 13, blob.len() / 2, blob.len() - 1] {
        assert!(decrypt_blob(&blob[..cut], &keys, None).is_err(), "cut at {cut}");
    }
    for at in [4, 5, 9, 13, 20, blob.len() / 2, blob.len() - 1] {
        let mut bad = blob.clone();
        bad[at] ^= 0x40;
        assert!(decrypt_blob(&bad, &keys, None).is_err(), "byte {at}");
    }
    let mut longer = blob.clone();
    longer.push(0);
    assert_eq!(parse_blob(&longer), Err(SealError::Malformed));
    // Chunks swapped, dropped (count rewritten) or taken from another blob of the same identity.
    let frame = |objects: &[Vec<u8>]| {
        let mut out = CHUNKED_MAGIC.to_vec();
        out.push(CHUNKED_VERSION);
        out.extend_from_slice(&(objects.len() as u32).to_le_bytes());
        for o in objects {
            out.extend_from_slice(&(o.len() as u32).to_le_bytes());
            out.extend_from_slice(o);
        }
        out
    };
    let parts: Vec<Vec<u8>> = objects.iter().map(EncryptedObject::to_bcs).collect();
    assert_eq!(decrypt_blob(&frame(&parts), &keys, None).unwrap(), data);
    // A chunk cut out and presented as a blob of its own: refused (it would decrypt to part of
    // the file under the file's policy).
    for part in &parts {
        assert_eq!(parse_blob(part), Err(SealError::Malformed));
        assert!(decrypt_blob(part, &keys, None).is_err());
    }
    let info = blob_info(&blob).unwrap();
    assert_eq!((info.chunks, info.threshold, info.dem, info.id.as_slice()), (4, 2, "aes256gcm", id.as_slice()));
    assert_eq!(info.ciphertext_len, data.len() + 4 * 16);
    assert_eq!(blob_info(&single).unwrap().chunks, 1);
    assert!(may_be_blob(&single[..1]) && may_be_blob(&blob[..4]) && !may_be_blob(b"MSC") && !may_be_blob(b"\x01"));
    let swapped = [parts[1].clone(), parts[0].clone(), parts[2].clone(), parts[3].clone()];
    assert_eq!(parse_blob(&frame(&swapped)), Err(SealError::Malformed));
    assert_eq!(parse_blob(&frame(&parts[..3])), Err(SealError::Malformed));
    let other =
        parse_blob(&encrypt_blob(&[3; 32], &servers, 2, &package, b"another nonce", &data, 300).unwrap()).unwrap();
    let spliced = [parts[0].clone(), other[1].to_bcs(), parts[2].clone(), parts[3].clone()];
    assert_eq!(parse_blob(&frame(&spliced)), Err(SealError::Malformed));
    assert_eq!(encrypt_blob(&[2; 32], &servers, 2, &package, &id, &data, 0), Err(SealError::Malformed));
}

/// Vectors of the upstream sources (MystenLabs/seal `crates/crypto`, `move/seal/sources`, and the
/// TypeScript SDK's tests): complete objects made by Seal's own code decrypt here.
mod upstream {
    use super::*;

    fn h<const N: usize>(text: &str) -> [u8; N] {
        hex::decode(text).unwrap().try_into().unwrap()
    }

    /// `crates/crypto/src/lib.rs` `typescript_test_vector`: AES-256-GCM, share indices 42, 194, 30.
    const OBJECT_A: &str = "00000000000000000000000000000000000000000000000000000000000000000004010203040300000000000000000000000000000000000000000000000000000000000000012a0000000000000000000000000000000000000000000000000000000000000002c200000000000000000000000000000000000000000000000000000000000000031e020084cb4a74255c866634e2030bee85f6d98116d57fa07fee6b786015be415c33cb126fc20ec458a0b77ec55877089acdb119ae652df83543b938a222f79c4a804737478e5b958defbc42f595f9203543ab22e03f4fc2ccb3d96afde44044bb1e59035133d34501ace7502d5b75413fb5d6f1e543ca7ae4b8d04802598af15a5a730aa17e019cf6311e13223c45a76bdef1566b062905cf4d1dd460bc3f46466aa183468633888a980be79f2d974768be3b9f500a4f0aefb618b0c3c24b26dacd88d01a7501d83198beefe65d68357657b93cfa87d34e05d2f8e5c876cd53e210fa3e002762623976ae502eea73a347703acf92b770ca8e2f30eeecc432b9e256fbd7d94ae6bd0cf3a3305d010401020304";
    const MASTER_A: [&str; 3] = [
        "1a947b48119ddec8b4c9e0ad1ff65fe526cc4fc6fbc304e2e77dbf34f18d0992",
        "6db723802563afc6e5dd3a394bb710758100fe8d539ebe234e4fae67589fb3c0",
        "407061575e91887e097d90687cc2dae321d2e2a5fa36ff097b43250785b6055d",
    ];
    /// TS `encrypt.test.ts` "Rust test vector decryption" (HMAC-CTR, `seal-cli encrypt-hmac`).
    const OBJECT_B: &str = "00000000000000000000000000000000000000000000000000000000000000000020381dd9078c322a4663c392761a0211b527c127b29583851217f948d62131f40903034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab9601d726ecf6f7036ee3557cd6c7b93a49b231070e8eecada9cfa157e40e3f02e5d302dba72804cc9504a82bbaa13ed4a83a0e2c6219d7e45125cf57fd10cbab957a97030200b07b9e0e0bc81812957adee90c1eab51e738641f82983f17fee55ac15b75d86bf92e59ebf1cc1548a3db27d18ee315391086bb95f3333d16276d181bdf10c71d15c41d923d71d5c05383dda26b43004af78d7e08a6b086ebc3ea2e5d8752871b0305874fce4f5e944c97b13f60c2dcf1ff34410d2fcb07dc15405140a38d520606dbd23990a1c26f9ce2ce5776506cc18768485525511e59fc1c3ad346c95bb9cc288e7584add871e16e3aaf067f77bddf7df52ddf81ce0ecb130822328ac063c3dd39b21a4847f3aad9a816fadd2541ead355d4120f876e29bff825e5c53bedf6010d05d48cbd0c25cc230193f9389a012000000000000000000000000000000000000000000000000000000000000000018ba15d967ab74e1975c3149806cb483b5ce730be8039c46d18c2eb7c551f9fc4";
    /// `move/seal/sources/bf_hmac_encryption.move` `test_decryption`.
    const OBJECT_C: &str = "00000000000000000000000000000000000000000000000000000000000000000020381dd9078c322a4663c392761a0211b527c127b29583851217f948d62131f40903034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab9601d726ecf6f7036ee3557cd6c7b93a49b231070e8eecada9cfa157e40e3f02e5d302dba72804cc9504a82bbaa13ed4a83a0e2c6219d7e45125cf57fd10cbab957a97030200b687baf3e9b78786fa50237861cb07f5f25febd790769eec41859f353deed5ab6301cbbf4e2616effe8a04a0b46dd2101531117eed7514e59f9ddbf33119eaeb2fd85c35e9c01cccc5a1d20c7000afbc4ad95ff11de52e098ee129be51d6b63b034693204591c2f2904595850da29007772266e36faecf2385c19daca728d8cd4fa354f4cb57faee6f19bff2d7f2736646bb07048a9355869a6975f0c338030d6d422ddfc436e3d077be2c53b521dd73416e9c57ccf53003456d9bc18c1e9b6020825d9248023240d255fe4897349d2e0a0f5a1c32c68a48c45eba309fd5fa8510010d59416fff28cf98412a42787bbc012000000000000000000000000000000000000000000000000000000000000000017b70af332dbf79873c7fa4996aceec9e9507210e34f0bc3066e7328beedeabc8";
    /// TS `encrypt.test.ts` "check share consistency": the first share was altered.
    const OBJECT_D: &str = "0063583d1c8cdcba3f77ecb865abf9ba6f15c0b0ea9b3c64a68d2eb7148e93f5b7040102030403a666b51aa8e0bfc007dbeffb209235fba72a0d842fee1d34d3ae92b77f7abac401d5a88eed8e4284a0249a1fb5e2ddf74cb2abe7626cf6bec85cf2610166a7d2e902b75f15765eef4e1979749b31ec2c687a63fcf72125babc61a0de2181be2a236a030200b33413ae30e25016257f17dc95cea8cfd6b07fcc90625bb0d0056c4743599e53d68f20a3f616e7246d66f3529a4aa12e0133559cdcb961506c24874aebfd2dc2361464f4ce29fd4353d0f612a19364c40c2ef532cebace91339d1dd7eb685c4f035c38df0a2ce80ae34505da3b56e765a2be97f0a21a91bbfa4362dee6baeb2ed5ae8e3655be0bc0993ff9feb479127232bf4de6e7153d10057297b9241d388d734bfec5dad0d9cb56508aa6d76c1acf3bc198d128d7ed3cc28bfb8ecb9e0b911a28063b9bc6b2f379e96957c17cda4ce3c6ed10bb24bdd5b1e7ad36392bedcb12010df33e1c157c227d498ada367fbf0109736f6d657468696e67276ac2d6c05a7c36152deb200070788d203f4e7413dbb8f14f437e021838d93a";

    #[test]
    fn the_typescript_aes_object_decrypts_with_every_share_checked() {
        let object = EncryptedObject::from_bcs(&hex::decode(OBJECT_A).unwrap()).unwrap();
        assert_eq!(object.services.iter().map(|s| s.1).collect::<Vec<_>>(), [42, 194, 30]);
        assert_eq!(object.to_bcs(), hex::decode(OBJECT_A).unwrap());
        let full = full_id(&object.package_id, &object.id);
        assert_eq!(
            hex::encode(hash_to_g1(&full).to_compressed()),
            "a2f2624fda29c88ccacd286b560572d8c1261a5687e0c0cdbdcbef93bf0ec5c373563fac64a2cb5bb326cc6181ee65d7"
        );
        let masters: Vec<MasterKey> = MASTER_A.iter().map(|m| MasterKey::from_bytes(&h(m)).unwrap()).collect();
        let pks: Vec<[u8; 96]> = masters.iter().map(MasterKey::public_key).collect();
        let keys: Vec<(usize, [u8; 48])> = masters.iter().map(|m| m.user_secret_key(&full)).enumerate().collect();
        for pair in [[0usize, 1], [1, 2], [0, 2]] {
            let chosen = [keys[pair[0]], keys[pair[1]]];
            assert_eq!(decrypt(&object, &chosen, Some(&pks)).unwrap(), b"My super secret message");
        }
    }

    #[test]
    fn the_hmac_objects_of_the_cli_and_the_move_tests_decrypt() {
        let b = EncryptedObject::from_bcs(&hex::decode(OBJECT_B).unwrap()).unwrap();
        let usks = [
            h("9376bdfac1abac0d81685c6ac9c944636709b76b500edaf20332b02b14de1b483996c68de07e77efad144ce01c6388e4"),
            h("a19f8891f888b65c4809bfa3181f8b26457c15bb41dbe61109b4ff5e06064e8afc95f70980f1ec1ef9b674b51f0d678d"),
        ];
        assert_eq!(decrypt(&b, &[(0, usks[0]), (1, usks[1])], None).unwrap(), b"Hello, world!");
        let c = EncryptedObject::from_bcs(&hex::decode(OBJECT_C).unwrap()).unwrap();
        let usks = [
            h("8cb19351dbd351d02292a77a18e2f0f4ec0d3becf23f37cc87e4870bf35522c3e59487e0ee5023d5e2e383e40b77bd98"),
            h("a7f6b22719b8ca2e3bfc07bf22ea59245b4aec7a394020cf826199b3cc71e58045e5d6b52506145851e71370e524c362"),
        ];
        let pks = [
            h("a58bfa576a8efe2e2730bc664b3dbe70257d8e35106e4af7353d007dba092d722314a0aeb6bca5eed735466bbf471aef01e4da8d2efac13112c51d1411f6992b8604656ea2cf6a33ec10ce8468de20e1d7ecbfed8688a281d462f72a41602161"),
            h("a9ce55cfa7009c3116ea29341151f3c40809b816f4ad29baa4f95c1bb23085ef02a46cf1ae5bd570d99b0c6e9faf525306224609300b09e422ae2722a17d2a969777d53db7b52092e4d12014da84bffb1e845c2510e26b3c259ede9e42603cd6"),
            h("93b3220f4f3a46fb33074b590cda666c0ebc75c7157d2e6492c62b4aebc452c29f581361a836d1abcbe1386268a5685103d12dec04aadccaebfa46d4c92e2f2c0381b52d6f2474490d02280a9e9d8c889a3fce2753055e06033f39af86676651"),
        ];
        assert_eq!(decrypt(&c, &[(0, usks[0]), (1, usks[1])], Some(&pks)).unwrap(), b"Hello, world!");
        let full = full_id(&c.package_id, &c.id);
        assert!(verify_user_secret_key(&usks[0], &full, &pks[0]) && !verify_user_secret_key(&usks[0], &full, &pks[1]));
    }

    #[test]
    fn an_altered_share_is_caught_by_the_consistency_check() {
        let d = EncryptedObject::from_bcs(&hex::decode(OBJECT_D).unwrap()).unwrap();
        let usks: [[u8; 48]; 3] = [
            h("8f7dbef2f6d0b80d3ab36f732b35d8afce136cd302ca1ab165ceee8672c19a9e50a2144f9ebceb2cf17ed10261291d13"),
            h("adf809b14b17975cfa5b9359ef9fd697a9d04222ab3b6f7dbe40e5977ee451a6f2cf85849bda0b1cae1d879f5cd2bcfa"),
            h("81a88dee8731f8ff8fa88f7ca205fe60c2846446c32495f40fe6795f1c29997ac8755a58722b857e60581b6adb22a327"),
        ];
        let pks = [
            h("8528086b8cebb4ebd1fabb75393a4d77b91d4b3d77295c4d3997871cd40ffd3129ee51f0baf4976a3476897bad6b527b12f4ba6942c192d154bfd966e35329d0c6d1eec2b78adb29a5ef00501a89d41751b24121a284b8dfe8ffa96d86f366d2"),
            h("8a93ff79be2c8a127b70506c9124d15db2361c52305f68f6c566b1c15ed23b36f27b627b928109376f9ec593fb14a83d0a3d21dcb6dc52f27ed88e83d2e2f47fa8720aa7b06945cfd36f7e34a49e060598e09637173deb0bc6c5b0c306c7a64e"),
            h("a4940de9e0125302ce243a2fe0bae7ef8a5197a55e4038eb5a78256ed020512f527da02ab712f12f947bed1fef03334e129695636762efb81de28e7a0202a8995a7548bc977fdf135f3e6b176e5f3eaad79885891470564f78dd011ad4c8f1b4"),
        ];
        assert_eq!(decrypt(&d, &[(1, usks[1]), (2, usks[2])], None).unwrap(), b"Hello, World!");
        assert_eq!(decrypt(&d, &[(0, usks[0]), (1, usks[1]), (2, usks[2])], None), Err(SealError::InconsistentShares));
        assert_eq!(decrypt(&d, &[(1, usks[1]), (2, usks[2])], Some(&pks)), Err(SealError::InconsistentShares));
    }

    #[test]
    fn the_dem_regression_vectors() {
        let msg =
            b"The difference between a Miracle and a Fact is exactly the difference between a mermaid and a seal.";
        let aes_key = h("43041389faab1f789fa56722b1def4c3ec6da22675e9bd8ad7329cd931bc840a");
        assert_eq!(
            hex::encode(dem::aes_gcm_encrypt(&aes_key, msg, b"Mark Twain")),
            "a3a5c857ee27937f43ccfb42b41ca2155c9a4a77a8e54af35f78a78ff102206142d1be22dfc39a6374463255934ae640adceeffb17e56b9190d8c5f6456e9e7ff1c4eaa45114b640b407efd371f26b1f7d7e48bd86d742a01c0ad7dbe18b86df188e27cb029978b7fd243d9a63bdabd76aa478"
        );
        let hmac_key = h("5bfdfd7c814903f1311bebacfffa3c001cbeb1cbb3275baa9aafe21fadd9f396");
        let blob = hmac_ctr_encrypt(&hmac_key, msg);
        assert_eq!(hex::encode(&blob), "feadb8c8f781036f86b6a9f436cac6f9f68ba8fc8b8444f0331a5820f78580f32034f698f7ce15f25defae1749f0131c0a8b8c5e751b96aacf507d0dbd4d7790440d196a339fcb8498ca7dd236014e353729b7aa2cf524284a8d2305d2378494eadd6f");
        assert_eq!(
            hex::encode(dem::hmac_ctr_mac(&hmac_key, b"Mark Twain", &blob)),
            "85d498365972c3dc7a53f94232f9cb10dcc94eff064d6835d41d7a7536b47b51"
        );
    }

    #[test]
    fn the_kdf_regression_vector() {
        let r = Scalar::from(12345u64);
        let x = pairing(&G1Affine::generator(), &G2Affine::generator()) * r;
        let nonce = G2Affine::from(G2Affine::generator() * r).to_compressed();
        let gid = hash_to_g1(&[0]);
        assert_eq!(
            hex::encode(kdf(&x, &nonce, &gid, &[0; 32], 42)),
            "89befdfd6aecdce1305ddbca891d1c29f0507cfd5225cd6b11e52e60f088ea87"
        );
    }

    #[test]
    fn the_shamir_vector() {
        let share = |index: u8, text: &str| {
            let mut value = [0u8; 32];
            value[..23].copy_from_slice(&hex::decode(text).unwrap());
            Share { index, value }
        };
        let shares = [
            share(0x2d, "0bbad0cd0d222fe2fe7c17080198a95c186d66c523bbba"),
            share(0x59, "94ed01a1e8e883b0110555e38cb50ca8014ffc8badd19a"),
            share(0x3d, "16cad5ae8279f9e59fc3bb05817abc6370160cdd8e82f7"),
        ];
        for pair in [[0usize, 1], [1, 2], [0, 2]] {
            let secret = combine(&[shares[pair[0]], shares[pair[1]]]).unwrap();
            assert_eq!(&secret[..23], b"My super secret message");
        }
    }
}
