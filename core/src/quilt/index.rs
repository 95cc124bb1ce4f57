//! The quilt index (`QuiltIndexV1`): patches, their identifiers and tags, in BCS (SPEC §13).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::patch_id::QuiltPatchId;
use super::QuiltError;
use crate::metadata::BlobId;
use crate::wire::{uleb128_len, write_byte_vec, BcsWrite, Reader};

/// Tags of a blob in a quilt: string keys to string values (SPEC §13).
pub type Tags = BTreeMap<String, String>;

/// One blob to put into a quilt.
#[derive(Clone, Copy, Debug)]
pub struct QuiltEntry<'a> {
    /// Its identifier, unique within the quilt (SPEC §13).
    pub identifier: &'a str,
    /// Its tags (may be empty).
    pub tags: &'a Tags,
    /// Its bytes.
    pub data: &'a [u8],
}

/// One patch of a quilt index (`QuiltPatchV1`, SPEC §13).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuiltPatch {
    /// The identifier.
    pub identifier: String,
    /// The tags.
    pub tags: Tags,
    /// The first column; not serialized, rebuilt from the previous patch.
    pub start_index: u16,
    /// One past the last column.
    pub end_index: u16,
}

impl QuiltPatch {
    /// The ID of this patch in the quilt `quilt_id`.
    pub fn patch_id(&self, quilt_id: BlobId) -> QuiltPatchId {
        QuiltPatchId { quilt_id, start_index: self.start_index, end_index: self.end_index }
    }
}

/// The index of a quilt (`QuiltIndexV1 = Vec<QuiltPatchV1>`, SPEC §13).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuiltIndex {
    /// The patches, sorted by identifier.
    pub patches: Vec<QuiltPatch>,
}

pub(super) fn string_bcs_len(s: &str) -> usize {
    uleb128_len(s.len() as u32) + s.len()
}

/// `BCS(BTreeMap<String, String>)`: entries ordered by their serialized key bytes (ULEB
/// length first), as the `bcs` crate does (SPEC §13 "Tags order").
pub(super) fn tags_bcs_len(tags: &Tags) -> usize {
    uleb128_len(tags.len() as u32) + tags.iter().map(|(k, v)| string_bcs_len(k) + string_bcs_len(v)).sum::<usize>()
}

pub(super) fn write_tags<W: BcsWrite + ?Sized>(w: &mut W, tags: &Tags) {
    let mut entries: Vec<(&String, &String)> = tags.iter().collect();
    entries.sort_by(|a, b| (a.0.len(), a.0.as_bytes()).cmp(&(b.0.len(), b.0.as_bytes())));
    crate::wire::write_uleb128(w, entries.len() as u32);
    for (k, v) in entries {
        write_byte_vec(w, k.as_bytes());
        write_byte_vec(w, v.as_bytes());
    }
}

pub(super) fn read_string(r: &mut Reader<'_>, reading: &'static str) -> Result<String, QuiltError> {
    let bytes = r.byte_vec(reading)?;
    core::str::from_utf8(bytes).map(String::from).map_err(|_| QuiltError::Malformed { what: "a string is not UTF-8" })
}

pub(super) fn read_tags(r: &mut Reader<'_>) -> Result<Tags, QuiltError> {
    // Each entry takes at least two bytes (two empty strings).
    let n = r.seq_len("quilt tags", 2)?;
    let mut tags = Tags::new();
    let mut previous: Option<String> = None;
    for _ in 0..n {
        let key = read_string(r, "quilt tag key")?;
        let value = read_string(r, "quilt tag value")?;
        if let Some(prev) = &previous {
            // Canonical BCS: strictly increasing serialized keys.
            if (prev.len(), prev.as_bytes()) >= (key.len(), key.as_bytes()) {
                return Err(QuiltError::Malformed { what: "tags are not in canonical BCS order" });
            }
        }
        tags.insert(key.clone(), value);
        previous = Some(key);
    }
    Ok(tags)
}

impl QuiltIndex {
    /// The length of `BCS(QuiltIndexV1)` in bytes.
    pub fn bcs_len(&self) -> usize {
        uleb128_len(self.patches.len() as u32)
            + self.patches.iter().map(|p| 2 + string_bcs_len(&p.identifier) + tags_bcs_len(&p.tags)).sum::<usize>()
    }

    /// `BCS(QuiltIndexV1)`: per patch `end_index u16 ‖ identifier ‖ tags` (SPEC §13).
    pub fn to_bcs(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bcs_len());
        crate::wire::write_uleb128(&mut out, self.patches.len() as u32);
        for p in &self.patches {
            out.put(&p.end_index.to_le_bytes());
            write_byte_vec(&mut out, p.identifier.as_bytes());
            write_tags(&mut out, &p.tags);
        }
        out
    }

    /// Parses `BCS(QuiltIndexV1)` and rebuilds each `start_index`: the first patch starts
    /// at `first_column` (the number of index columns), each later one at the previous
    /// `end_index` (SPEC §13).
    ///
    /// # Errors
    ///
    /// [`QuiltError::Wire`] or [`QuiltError::Malformed`] for malformed bytes, trailing
    /// bytes, an empty patch or end indices that go backwards.
    pub fn from_bcs(bytes: &[u8], first_column: u16) -> Result<Self, QuiltError> {
        let mut r = Reader::new(bytes);
        // Each patch takes at least 2 + 1 + 1 bytes.
        let n = r.seq_len("quilt index", 4)?;
        let mut patches = Vec::with_capacity(n);
        let mut start_index = first_column;
        for _ in 0..n {
            let end_index = r.u16("quilt patch end_index")?;
            let identifier = read_string(&mut r, "quilt patch identifier")?;
            let tags = read_tags(&mut r)?;
            if end_index <= start_index {
                return Err(QuiltError::Malformed { what: "a patch ends before it starts" });
            }
            patches.push(QuiltPatch { identifier, tags, start_index, end_index });
            start_index = end_index;
        }
        r.finish()?;
        Ok(Self { patches })
    }

    /// The patch with this identifier.
    pub fn get(&self, identifier: &str) -> Option<&QuiltPatch> {
        self.patches.iter().find(|p| p.identifier == identifier)
    }

    /// The patches that have tag `key` with value `value`.
    pub fn with_tag<'s>(&'s self, key: &'s str, value: &'s str) -> impl Iterator<Item = &'s QuiltPatch> + 's {
        self.patches.iter().filter(move |p| p.tags.get(key).map(String::as_str) == Some(value))
    }
}
