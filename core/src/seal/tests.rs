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
