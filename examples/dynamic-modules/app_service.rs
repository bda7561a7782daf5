//! `src/app.service.ts`.

use std::sync::Arc;

use nest_core::Injectable;

use crate::config::ConfigService;

/// `constructor(configService: ConfigService) { this.helloMessage = configService.get('HELLO_MESSAGE'); }`
#[derive(Injectable)]
pub(crate) struct AppService {
    config_service: Arc<ConfigService>,
}

impl AppService {
    /// `getHello(): string`
    pub(crate) fn get_hello(&self) -> String {
        self.config_service.get("HELLO_MESSAGE").unwrap_or_default()
    }
}
