//! Fuzz target `network`: see `morsa_conformance::fuzz_checks::check_network` for the properties.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    morsa_conformance::fuzz_checks::check_network(data);
});
