//! Compile errors of the macros, with `.stderr` snapshots (`tests/ui/<macro>/fail/*.rs`), and
//! code that must compile warning-free (`tests/ui/<macro>/pass/*.rs`).
//!
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test -p nest-tests --test ui` and
//! review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*/fail/*.rs");
    cases.pass("ui/*/pass/*.rs");
}
