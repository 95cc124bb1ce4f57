//! Fuzz target `bls_certificate`: see `morsa_conformance::fuzz_checks::check_bls_certificate` for the properties.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    morsa_conformance::fuzz_checks::check_bls_certificate(data);
});
