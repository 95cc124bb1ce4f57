//! Fuzz target `seal_object`: see `morsa_conformance::fuzz_checks::check_seal_object` for the properties.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    morsa_conformance::fuzz_checks::check_seal_object(data);
});
