//! `HubId`'s parser, which reads every `Last-Event-ID` a hub route gets: any text is refused, or
//! read as an id that writes back as text that reads back the same id; never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nest_core::sse::HubId;

fuzz_target!(|text: &str| {
    if let Ok(id) = text.parse::<HubId>() {
        let written = id.to_string();
        assert_eq!(written.parse::<HubId>(), Ok(id));
        assert!(written.len() <= text.len(), "{text:?} written as {written:?}");
    }
});
