//! Provider profile files (TOML): the parser, every check, and the templates inside.
#![no_main]
use keyshelf_core::provider::profile::{presets, template, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match validate::parse("fuzz.toml", text) {
        Ok(file) => {
            // A profile that passed the checks can be summarised and its templates read.
            let _ = presets::summary("fuzz", &file);
        }
        Err(e) => {
            assert_eq!(e.code(), "provider_profile_invalid", "{e}");
            if let keyshelf_core::Error::ProfileInvalid { problems, .. } = &e {
                assert!(!problems.is_empty());
                assert!(problems.iter().all(|p| p.starts_with("fuzz.toml")), "{problems:?}");
            }
        }
    }
    // Any text as a template: parsed or refused, never a panic.
    for line in text.lines() {
        if let Ok(pieces) = template::parse(line) {
            assert!(pieces.len() <= line.len() + 1);
        }
        let _ = template::placeholders(line);
    }
});
