//! Fuzz target `differential_rs`: see `morsa_conformance::fuzz_checks::check_differential_rs` for the properties.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    morsa_conformance::fuzz_checks::check_differential_rs(data);
});
