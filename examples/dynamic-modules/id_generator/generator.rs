//! `src/id-generator/id-generator.ts`.

use nest_core::{Injectable, di::Inject};

use super::IdGeneratorOptions;

/// `constructor(@Inject(ID_GENERATOR_OPTIONS) private readonly options: IdGeneratorModuleOptions) {}`
#[derive(Injectable)]
pub(crate) struct IdGenerator {
    options: Inject<IdGeneratorOptions>,
}

impl IdGenerator {
    /// `` generate(): string { return `${this.options.prefix}_${randomUUID()}`; } ``
    pub(crate) fn generate(&self) -> String {
        format!("{}_{}", self.options.prefix, uuid::Uuid::new_v4())
    }
}
