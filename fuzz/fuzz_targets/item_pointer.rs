//! Key objects read through a profile's JSON pointers (`[item]`): the built-in presets' specs
//! and a pointer taken from the input itself.
#![no_main]
use keyshelf_core::provider::profile::format::Pointers;
use keyshelf_core::provider::profile::{item, presets};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first line is a pointer, the rest a JSON value.
    let (ptr, json) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b""[..], data),
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(json) else {
        return;
    };
    let ptr = String::from_utf8_lossy(ptr).into_owned();
    let _ = item::first(&v, &Pointers::One(ptr.clone()));
    for (name, _) in presets::FILES {
        let file = presets::load(name).expect("listed").expect("valid preset");
        let mut specs = vec![file.item.clone()];
        let mut odd = file.item.clone();
        odd.id = Pointers::Many(vec![ptr.clone(), "/id".into()]);
        specs.push(odd);
        for spec in &specs {
            for candidate in std::iter::once(&v).chain(v.as_array().into_iter().flatten()) {
                if let Ok(it) = item::read(candidate, spec) {
                    assert!(!it.id.is_empty());
                    assert!(it.id != "." && it.id != "..");
                    assert!(!it.id.chars().any(char::is_control));
                    assert!(!it.name.unwrap_or_default().chars().any(char::is_control));
                }
            }
        }
    }
});
