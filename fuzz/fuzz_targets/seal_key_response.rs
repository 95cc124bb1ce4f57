//! Fuzz target `seal_key_response`: see `morsa_conformance::fuzz_checks::check_seal_key_response` for the properties.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    morsa_conformance::fuzz_checks::check_seal_key_response(data);
});
