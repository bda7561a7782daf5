//! The one place generated code names the runtime: one function per `::nest_core::...` path the
//! macros emit, all under `::nest_core::__private`, so that nothing resolves in the user's scope
//! and the paths can be retargeted here alone. (std items are named through `::core`/`::std`
//! where they are used.)

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::quote;

/// Defines one function per runtime path: `name => Segment::Segment;` returns
/// `::nest_core::__private::Segment::Segment`.
macro_rules! runtime_paths {
    ($($name:ident => $($segment:ident)::+;)*) => {$(
        pub(crate) fn $name() -> TokenStream {
            quote!(::nest_core::__private $(::$segment)+)
        }
    )*};
}

runtime_paths! {
    // Controllers and routes.
    openapi => openapi;
    controller => Controller;
    controller_instance => ControllerInstance;
    controller_routes => ControllerRoutes;
    route_definition => RouteDefinition;
    request_method => RequestMethod;
    sse_route_options => SseRouteOptions;
    request => Request;
    sse_sink => SseSink;
    http_exception => HttpException;
    release_head => release_head;
    // Return values.
    respond => Respond;
    response => Response;
    into_response => IntoResponse;
    via_into_response => ViaIntoResponse;
    via_serialize => ViaSerialize;
    via_serialize_result => ViaSerializeResult;
    // Arguments and pipes.
    argument_metadata => ArgumentMetadata;
    run_pipe => run_pipe;
    raw_param => raw_param;
    raw_query => raw_query;
    raw_header => raw_header;
    param => param;
    params_all => params_all;
    query => query;
    query_all => query_all;
    header => header;
    headers_all => headers_all;
    body => body;
    body_field => body_field;
    ip => ip;
    req => req;
    host_param => host_param;
    raw_host_param => raw_host_param;
    host_params_all => host_params_all;
    from_request => FromRequest;
    json_argument => json_argument;
    decorated => decorated;
    finish => Finish;
    via_same => ViaSame;
    via_json => ViaJson;
    pipe_slot => PipeSlot;
    // `#[derive(Dto)]`.
    dto_module => dto;
    dto_trait => dto::Dto;
    dto_nested => dto::Nested;
    dto_enum_values => dto::enum_values;
    inventory => inventory;
    // Guards, interceptors and filters.
    pick => Pick;
    via_default_enhancer => ViaDefaultEnhancer;
    via_injectable_enhancer => ViaInjectableEnhancer;
    can_activate => CanActivate;
    nest_interceptor => NestInterceptor;
    exception_filter => ExceptionFilter;
    exception_type => ExceptionType;
    any_pipe => AnyPipe;
    ready_pipe => ready_pipe;
    // Modules and providers.
    module => Module;
    module_builder => ModuleBuilder;
    via_default_controller => ViaDefaultController;
    via_injectable_controller => ViaInjectableController;
    via_default => ViaDefault;
    via_nest_module => ViaNestModule;
    via_plain_module => ViaPlainModule;
    via_injectable => ViaInjectable;
    via_token_key => ViaTokenKey;
    via_type_key => ViaTypeKey;
    sync_factory => SyncFactory;
    async_factory => AsyncFactory;
    hooks_module => hooks;
    hooks => hooks::Hooks;
    // Injection.
    injectable => Injectable;
    inject_field => InjectField;
    scope => Scope;
    dependency => Dependency;
    resolver => Resolver;
    startup_error => StartupError;
    // `#[provider]`: event listeners and scheduled jobs.
    provider_methods => ProviderMethods;
    methods => Methods;
    method_output => MethodOutput;
    listener_call => ListenerCall;
    on_event_options => OnEventOptions;
    payload => Payload;
    cron_options => CronOptions;
    job => job;
    // The fields `#[derive(Injectable)]` does not inject.
    build => Build;
    via_self_default => ViaSelfDefault;
    via_field_defaults => ViaFieldDefaults;
}

/// `path` with every token spanned at `span`, so that errors about what it names point there.
pub(crate) fn at(span: Span, path: TokenStream) -> TokenStream {
    path.into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut respanned =
                    proc_macro2::Group::new(group.delimiter(), at(span, group.stream()));
                respanned.set_span(span);
                token = TokenTree::Group(respanned);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
