//! Quilt format V1 (SPEC §13): the symbol-size table, quilt patch IDs, identifier rules, the
//! byte layout against a slow reference, and round trips through the secondary slivers.

use morsa_core::encoding::{Axis, EncodingConfig};
use morsa_core::quilt::{
    build_quilt, index_columns, parse_index, parse_index_from_blob, parse_patch, quilt_symbol_size,
    validate_identifier, IdentifierProblem, QuiltEntry, QuiltError, QuiltPatchId, Tags, MAX_INDEX_COLUMNS,
};
use morsa_core::BlobId;
use proptest::prelude::*;

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A row of the symbol-size table: (sizes, n_cols, n_rows, max_idx_cols, S).
type SymbolSizeCase = (&'static [usize], usize, usize, usize, Result<usize, QuiltError>);

/// SPEC §13 `test_quilt_find_min_length`: (sizes, n_cols, n_rows, max_idx_cols) → S.
#[test]
fn symbol_size_table() {
    let cases: &[SymbolSizeCase] = &[
        (&[1000, 1, 1], 4, 7, 2, Ok(72)),
        (&[1], 3, 2, 1, Ok(4)),
        (&[115, 80, 4], 17, 9, 3, Ok(6)),
        (&[20, 20, 20], 3, 5, 2, Ok(4)),
        (&[5, 5, 5], 5, 1, 1, Ok(6)),
        (&[25, 35, 45], 200, 1, 3, Ok(10)),
        (&[10, 0, 0, 0], 17, 9, 2, Ok(2)),
        (&[2, 1, 2, 1], 3, 3, 1, Err(QuiltError::TooManyBlobs { blobs: 3, max_blobs: 2 })),
        // `case_11` of the same upstream table (not copied into SPEC §13).
        (
            &[
                416, 253, 258, 384, 492, 303, 276, 464, 143, 251, 388, 263, 515, 433, 505, 385, 346, 69, 48, 495, 329,
                450, 494, 104, 539, 245, 109, 317, 60,
            ],
            34,
            16,
            3,
            Ok(32),
        ),
    ];
    for (sizes, cols, rows, idx, expected) in cases {
        assert_eq!(&quilt_symbol_size(sizes, *cols, *rows, *idx), expected, "{sizes:?} {cols} {rows} {idx}");
    }
    assert_eq!(quilt_symbol_size(&[], 3, 3, 1), Err(QuiltError::EmptyInput));
    // 2^40 bytes in 2 columns of 3 rows.
    let big = (1usize << 40).div_ceil(6);
    assert_eq!(
        quilt_symbol_size(&[10, 1 << 40], 3, 3, 1),
        Err(QuiltError::QuiltTooLarge { symbol_size: big + big % 2 })
    );
}

/// The binary search equals the plain minimum of SPEC §13.
fn spec_min_symbol_size(sizes: &[usize], cols: usize, rows: usize, idx: usize) -> usize {
    let total: usize = sizes.iter().sum();
    let lo = total.div_ceil(cols * rows).max(sizes[0].div_ceil(rows * idx)).max(5usize.div_ceil(rows));
    let s = (lo..).find(|s| sizes.iter().map(|x| x.div_ceil(s * rows)).sum::<usize>() <= cols).unwrap();
    s + s % 2
}

proptest! {
    #[test]
    fn symbol_size_is_the_minimum(sizes in prop::collection::vec(0usize..5000, 1..8), cols in 8usize..40, rows in 1usize..20, idx in 1usize..4) {
        prop_assert_eq!(quilt_symbol_size(&sizes, cols, rows, idx).unwrap(), spec_min_symbol_size(&sizes, cols, rows, idx));
    }

    #[test]
    fn patch_parsers_are_total(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_patch(&bytes);
        let layout = morsa_core::quilt::QuiltLayout { n_rows: 4, n_columns: 7, symbol_size: 4 };
        let _ = parse_index(&bytes, &layout);
    }
}

/// SPEC §13: the routes.rs docs example and the 36-byte legacy example.
#[test]
fn patch_id_docs_example() {
    let text = "uIiEbhP2qgZYygEGxJX1GeB-rQATo2yufC2DCp7B4iABAQANAA";
    let id: QuiltPatchId = text.parse().unwrap();
    assert_eq!((id.start_index, id.end_index), (1, 13));
    assert_eq!(id.to_bytes()[32], 1);
    assert_eq!(id.to_string(), text);
    assert_eq!(QuiltPatchId::from_bytes(&id.to_bytes()).unwrap(), id);
    assert_eq!(
        "DJHLsgUoKQKEPcw3uehNQwuJjMu5a2sRdn8r-f7iWSAAC8Pw".parse::<QuiltPatchId>(),
        Err(QuiltError::InvalidPatchId)
    );
    let mut bytes = id.to_bytes();
    bytes[32] = 2;
    assert!(matches!(QuiltPatchId::from_bytes(&bytes), Err(QuiltError::UnsupportedVersion { version: 2, .. })));
}

#[test]
fn identifier_rules() {
    for ok in ["a", "données/α β.csv", "🦭", "x y"] {
        validate_identifier(ok).unwrap();
    }
    let bad = |s: &str| match validate_identifier(s) {
        Err(QuiltError::InvalidIdentifier(p)) => p,
        other => panic!("{s:?}: {other:?}"),
    };
    assert_eq!(bad(""), IdentifierProblem::Empty);
    assert_eq!(bad("a "), IdentifierProblem::TrailingWhitespace);
    assert_eq!(bad("a\u{3000}"), IdentifierProblem::TrailingWhitespace);
    assert_eq!(bad("a\nb"), IdentifierProblem::ControlCharacter);
    assert_eq!(bad("a\n"), IdentifierProblem::TrailingWhitespace);
    assert_eq!(bad("te\u{8}st"), IdentifierProblem::ControlCharacter);
    assert_eq!(bad("a\u{9f}"), IdentifierProblem::ControlCharacter);
    assert_eq!(bad("a\u{7f}"), IdentifierProblem::ControlCharacter);
    assert_eq!(bad(&"a".repeat(65_536)), IdentifierProblem::TooLong { got_bytes: 65_536 });
    validate_identifier(&"a".repeat(65_535)).unwrap();
}

fn bcs_string(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut n = s.len();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
    out.extend_from_slice(s.as_bytes());
    out
}

/// BCS of a string map, entries sorted by serialized key bytes (SPEC §13 "Tags order").
fn bcs_tags(tags: &Tags) -> Vec<u8> {
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = tags.iter().map(|(k, v)| (bcs_string(k), bcs_string(v))).collect();
    entries.sort();
    let mut out = vec![entries.len() as u8];
    for (k, v) in entries {
        out.extend(k);
        out.extend(v);
    }
    out
}

/// A slow reference of the quilt layout, written from SPEC §13 alone: streams in sorted order,
/// scattered column-major into a row-major matrix.
fn reference_quilt(n: u16, entries: &[(&str, Tags, Vec<u8>)]) -> Vec<u8> {
    let f = (n - 1) / 3;
    let (p, s) = (usize::from(n - 2 * f), usize::from(n - f));
    let mut sorted: Vec<&(&str, Tags, Vec<u8>)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let streams: Vec<Vec<u8>> = sorted
        .iter()
        .map(|(id, tags, data)| {
            let mut body = Vec::new();
            let id_bcs = bcs_string(id);
            body.extend((id_bcs.len() as u16).to_le_bytes());
            body.extend(id_bcs);
            if !tags.is_empty() {
                let t = bcs_tags(tags);
                body.extend((t.len() as u16).to_le_bytes());
                body.extend(t);
            }
            body.extend(data);
            let mut out = vec![1];
            out.extend((body.len() as u32).to_le_bytes());
            out.push(u8::from(!tags.is_empty()));
            out.extend(body);
            out
        })
        .collect();
    let index_len =
        1 + sorted.iter().map(|(id, tags, _)| 2 + bcs_string(id).len() + bcs_tags(tags).len()).sum::<usize>();
    let mut sizes = vec![5 + index_len];
    sizes.extend(streams.iter().map(Vec::len));
    let sym = spec_min_symbol_size(&sizes, s, p, MAX_INDEX_COLUMNS);
    let col = p * sym;
    let mut index = vec![sorted.len() as u8];
    let mut column = sizes[0].div_ceil(col);
    let mut starts = vec![];
    for ((id, tags, _), stream) in sorted.iter().zip(&streams) {
        starts.push(column);
        column += stream.len().div_ceil(col);
        index.extend((column as u16).to_le_bytes());
        index.extend(bcs_string(id));
        index.extend(bcs_tags(tags));
    }
    let mut index_stream = vec![1];
    index_stream.extend((index.len() as u32).to_le_bytes());
    index_stream.extend(index);
    let mut blob = vec![0u8; p * s * sym];
    let mut scatter = |start: usize, stream: &[u8]| {
        for (i, b) in stream.iter().enumerate() {
            let (c, within) = (start + i / col, i % col);
            blob[(within / sym) * s * sym + c * sym + within % sym] = *b;
        }
    };
    scatter(0, &index_stream);
    for (start, stream) in starts.iter().zip(&streams) {
        scatter(*start, stream);
    }
    blob
}

fn sample_entries() -> Vec<(&'static str, Tags, Vec<u8>)> {
    vec![
        ("zeta.csv", tags(&[]), b"a,b\n1,2\n".to_vec()),
        ("données/α.txt", tags(&[("aa", "1"), ("b", "2"), ("type", "text")]), "héllo wörld".as_bytes().to_vec()),
        ("empty", tags(&[("k", "")]), vec![]),
        ("🦭 walrus", tags(&[]), (0..=255u8).cycle().take(3000).collect()),
        ("A", tags(&[]), vec![]),
    ]
}

fn entries_of<'a>(v: &'a [(&'static str, Tags, Vec<u8>)]) -> Vec<QuiltEntry<'a>> {
    v.iter().map(|(id, tags, data)| QuiltEntry { identifier: id, tags, data }).collect()
}

#[test]
fn layout_matches_the_reference_and_reads_back() {
    let owned = sample_entries();
    for n in [10u16, 13, 31, 100] {
        let config = EncodingConfig::new(n).unwrap();
        let quilt = build_quilt(&config, &entries_of(&owned)).unwrap();
        assert_eq!(quilt.blob(), reference_quilt(n, &owned).as_slice(), "n = {n}");
        let layout = quilt.layout();
        // The blob's own symbol size is the quilt's (SPEC §13).
        assert_eq!(config.symbol_size(quilt.blob().len() as u64).unwrap().get(), layout.symbol_size);
        // Sorted by identifier bytes.
        let ids: Vec<&str> = quilt.index().patches.iter().map(|p| p.identifier.as_str()).collect();
        assert_eq!(ids, ["A", "données/α.txt", "empty", "zeta.csv", "🦭 walrus"]);
        assert_eq!(parse_index_from_blob(quilt.blob(), &layout).unwrap(), *quilt.index());

        // Read through the secondary slivers of the encoded blob, as a client does.
        let encoded = config.encode(quilt.blob()).unwrap();
        let column = |j: u16| encoded.sliver(Axis::Secondary, j).unwrap().data.to_vec();
        let k = index_columns(&column(0), &layout).unwrap();
        let index_bytes: Vec<u8> = (0..k).flat_map(column).collect();
        let index = parse_index(&index_bytes, &layout).unwrap();
        assert_eq!(index, *quilt.index());
        for (id, tags, data) in &owned {
            let patch = index.get(id).unwrap();
            let bytes: Vec<u8> = (patch.start_index..patch.end_index).flat_map(column).collect();
            let contents = parse_patch(&bytes).unwrap();
            assert_eq!((contents.identifier.as_str(), &contents.tags, contents.data), (*id, tags, data.as_slice()));
        }
        let blob_id = config.blob_id(quilt.blob()).unwrap();
        let pid = index.get("empty").unwrap().patch_id(blob_id);
        assert_eq!(pid.to_string().parse::<QuiltPatchId>().unwrap(), pid);
    }
}

#[test]
fn tags_are_ordered_by_serialized_key() {
    let config = EncodingConfig::new(10).unwrap();
    let t = tags(&[("aa", "x"), ("b", "y")]);
    let quilt = build_quilt(&config, &[QuiltEntry { identifier: "f", tags: &t, data: b"" }]).unwrap();
    let index_bcs = quilt.index().to_bcs();
    // len 1, end u16, "f", 2 entries: "b" before "aa".
    let end = quilt.index().patches[0].end_index.to_le_bytes();
    let mut expected = vec![1, end[0], end[1], 1, b'f', 2, 1, b'b', 1, b'y', 2, b'a', b'a', 1, b'x'];
    assert_eq!(index_bcs, expected);
    // Non-canonical order is rejected.
    expected.splice(6.., [2, b'a', b'a', 1, b'x', 1, b'b', 1, b'y']);
    assert!(matches!(morsa_core::quilt::QuiltIndex::from_bcs(&expected, 1), Err(QuiltError::Malformed { .. })));
}

#[test]
fn build_errors() {
    let config = EncodingConfig::new(10).unwrap(); // s = 7: at most 6 blobs.
    let none = Tags::new();
    let e = |id: &'static str| QuiltEntry { identifier: id, tags: &none, data: b"x" };
    assert_eq!(build_quilt(&config, &[]), Err(QuiltError::EmptyInput));
    assert_eq!(
        build_quilt(&config, &[e("a"), e("b"), e("a")]),
        Err(QuiltError::DuplicateIdentifier { identifier: "a".into() })
    );
    assert!(matches!(build_quilt(&config, &[e("a "), e("b")]), Err(QuiltError::InvalidIdentifier(_))));
    let many: Vec<QuiltEntry<'_>> = ["1", "2", "3", "4", "5", "6", "7"].into_iter().map(e).collect();
    assert_eq!(build_quilt(&config, &many), Err(QuiltError::TooManyBlobs { blobs: 7, max_blobs: 6 }));
    build_quilt(&config, &many[..6]).unwrap();
}

#[test]
fn corrupted_quilts_fail_cleanly() {
    let owned = sample_entries();
    let config = EncodingConfig::new(10).unwrap();
    let quilt = build_quilt(&config, &entries_of(&owned)).unwrap();
    let layout = quilt.layout();
    let mut blob = quilt.blob().to_vec();
    blob[0] = 2;
    assert!(matches!(parse_index_from_blob(&blob, &layout), Err(QuiltError::UnsupportedVersion { version: 2, .. })));
    let patch = &quilt.index().patches[1];
    let mut cols = layout.columns(quilt.blob(), patch.start_index, patch.end_index).unwrap();
    cols[4] = 0xff; // length far beyond the columns
    assert!(parse_patch(&cols).is_err());
    assert!(matches!(layout.columns(quilt.blob(), 3, 9), Err(QuiltError::PatchOutOfRange { .. })));
    let _ = BlobId([0; 32]);
}
