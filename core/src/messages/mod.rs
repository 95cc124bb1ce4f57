//! Walrus protocol messages: `Intent ‖ epoch ‖ body` with exact BCS bytes (SPEC §10.1).
