//! The Walrus reward math, integer-exact as the deployed Move contracts compute it
//! (`REWARDS.md`).
