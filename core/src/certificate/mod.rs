//! Committees, Ed25519 storage confirmations and certificates (SPEC §10.2–§10.3, ARCHITECTURE "Signatures and certificates").
