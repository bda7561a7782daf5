#![deny(warnings)]

use nest_core::event_emitter::EventEmitterModule;
use nest_core::prelude::*;
use nest_core::schedule::{CronExpression, ScheduleModule};

struct OrderCreatedEvent {
    id: u32,
}

const REPORT_EVERY: u64 = 60_000;

#[derive(Injectable, Default)]
struct Service;

#[provider]
impl Service {
    #[on_event("order.created")]
    fn by_ref(&self, event: &OrderCreatedEvent) {
        let _ = event.id;
    }

    #[on_event("order.created", async, prepend_listener, suppress_errors = false)]
    async fn by_arc(&self, event: Arc<OrderCreatedEvent>) -> Result<(), String> {
        let _ = event.id;
        Ok(())
    }

    #[on_event("order.*")]
    #[on_event("user.*")]
    fn without_payload(&self) {}

    #[cron(CronExpression::EVERY_MINUTE, name = "minute", time_zone = "Europe/Paris", disabled = false)]
    #[cron("@daily")]
    async fn cron(&self) {}

    #[interval(REPORT_EVERY)]
    fn report(&self) -> Result<(), std::io::Error> {
        Ok(())
    }

    #[timeout("warm", 10)]
    fn warm(&self) {}

    /// Not a job: left alone.
    #[allow(dead_code)]
    fn helper(&self) {}
}

#[module(imports = [EventEmitterModule::for_root(), ScheduleModule::for_root()], providers = [Service])]
struct AppModule;

fn main() {
    let _ = NestApplication::builder().import::<AppModule>().build();
}
