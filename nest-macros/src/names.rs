//! Every name the macros recognise, each written once: the attributes (`#[get]`, `#[param]`,
//! `#[http_code]`, …) and the option keys inside them (`keep_alive = ...`, `controllers = [...]`).
//!
//! Each table is an enum whose variants map to their names through one `TABLE`.

use syn::Ident;

/// Defines an enum, its `TABLE` of names and the lookups over it.
macro_rules! name_table {
    (
        $(#[$doc:meta])*
        enum $table:ident {
            $($(#[$variant_doc:meta])* $variant:ident = $name:literal,)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum $table {
            $($(#[$variant_doc])* $variant,)*
        }

        #[allow(dead_code, reason = "not every table uses every lookup")]
        impl $table {
            /// Every name, with its variant.
            pub(crate) const TABLE: &'static [(&'static str, Self)] =
                &[$(($name, Self::$variant),)*];

            /// The name as written in source.
            pub(crate) fn name(self) -> &'static str {
                Self::TABLE
                    .iter()
                    .find(|(_, variant)| *variant == self)
                    .map_or("", |(name, _)| name)
            }

            /// The variant named `ident`, if any.
            pub(crate) fn from_ident(ident: &Ident) -> Option<Self> {
                Self::TABLE
                    .iter()
                    .find(|(name, _)| ident == name)
                    .map(|&(_, variant)| variant)
            }

            /// The variant named `name`, if any.
            pub(crate) fn from_name(name: &str) -> Option<Self> {
                Self::TABLE
                    .iter()
                    .find(|(known, _)| *known == name)
                    .map(|&(_, variant)| variant)
            }

            /// The names of `variants`, as "`a`, `b`, `c`" for messages.
            pub(crate) fn list(variants: &[Self]) -> String {
                variants
                    .iter()
                    .map(|variant| format!("`{}`", variant.name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        }
    };
}

name_table! {
    /// The attributes the macros read: route attributes, argument attributes, route options and
    /// the helper attribute of `#[derive(Injectable)]`.
    enum Attr {
        Sse = "sse",
        Get = "get",
        Post = "post",
        Put = "put",
        Delete = "delete",
        Patch = "patch",
        Options = "options",
        Head = "head",
        All = "all",
        Param = "param",
        Query = "query",
        Body = "body",
        Headers = "headers",
        Ip = "ip",
        Req = "req",
        HttpCode = "http_code",
        Header = "header",
        Redirect = "redirect",
        Version = "version",
        UseGuards = "use_guards",
        UseInterceptors = "use_interceptors",
        UseFilters = "use_filters",
        UsePipes = "use_pipes",
        Roles = "roles",
        SetMetadata = "set_metadata",
        Injectable = "injectable",
        HostParam = "host_param",
        ApplyDecorators = "apply_decorators",
    }
}

/// What an attribute of [`Attr`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttrKind {
    /// `#[get]`, `#[sse]`, …: declares a route.
    Route,
    /// `#[param]`, `#[body]`, …: where an argument's value comes from.
    Argument,
    /// `#[http_code]`, `#[use_guards]`, …: shapes a route (or, for the enhancers, a controller).
    RouteOption,
    /// `#[injectable(...)]`.
    Helper,
}

impl Attr {
    /// The attributes that declare routes, in the order messages list them.
    pub(crate) const ROUTES: [Self; 9] = [
        Self::Sse,
        Self::Get,
        Self::Post,
        Self::Put,
        Self::Delete,
        Self::Patch,
        Self::Options,
        Self::Head,
        Self::All,
    ];

    /// The attributes that say where an argument's value comes from.
    pub(crate) const ARGUMENTS: [Self; 7] = [
        Self::Param,
        Self::Query,
        Self::Body,
        Self::Headers,
        Self::Ip,
        Self::Req,
        Self::HostParam,
    ];

    pub(crate) fn kind(self) -> AttrKind {
        if Self::ROUTES.contains(&self) {
            AttrKind::Route
        } else if Self::ARGUMENTS.contains(&self) {
            AttrKind::Argument
        } else if self == Self::Injectable {
            AttrKind::Helper
        } else {
            AttrKind::RouteOption
        }
    }

    /// The attribute `attr` names (a single identifier), if it is one of ours.
    pub(crate) fn of(attr: &syn::Attribute) -> Option<Self> {
        attr.path().get_ident().and_then(Self::from_ident)
    }

    /// The route attribute `attr` names, by its last path segment (so `#[nest_core::get]`
    /// counts too).
    pub(crate) fn route_of(attr: &syn::Attribute) -> Option<Self> {
        let segment = attr.path().segments.last()?;
        Self::from_ident(&segment.ident).filter(|name| name.kind() == AttrKind::Route)
    }

    /// `#[name]`, for messages.
    pub(crate) fn display(self) -> String {
        format!("`#[{}]`", self.name())
    }
}

/// Compiler attributes that may sit on a handler's argument and are left to the compiler.
pub(crate) const COMPILER_ATTRIBUTES: [&str; 7] =
    ["allow", "warn", "deny", "expect", "cfg", "cfg_attr", "doc"];

name_table! {
    /// The options of `#[controller("prefix", ...)]`.
    enum ControllerOption {
        Version = "version",
        Host = "host",
    }
}

/// The name of NestJS's `VERSION_NEUTRAL`, as `version = VERSION_NEUTRAL` writes it.
pub(crate) const VERSION_NEUTRAL: &str = "VERSION_NEUTRAL";

name_table! {
    /// The options of `#[sse("path", ...)]`.
    enum SseOption {
        Method = "method",
        KeepAlive = "keep_alive",
        Retry = "retry",
        MaxLifetime = "max_lifetime",
        ShutdownEvent = "shutdown_event",
        ContinueIds = "continue_ids",
    }
}

name_table! {
    /// The options of `#[module(...)]`.
    enum ModuleOption {
        Imports = "imports",
        Controllers = "controllers",
        Providers = "providers",
        Exports = "exports",
        Global = "global",
    }
}

name_table! {
    /// The keys of a custom provider, `{ provide: Key, use_value: expr }`.
    enum ProviderOption {
        Provide = "provide",
        UseValue = "use_value",
        UseFactory = "use_factory",
        UseAsyncFactory = "use_async_factory",
    }
}

name_table! {
    /// The options of `#[injectable(...)]`.
    enum InjectableOption {
        Scope = "scope",
    }
}

name_table! {
    /// The method attributes `#[provider]` reads.
    enum ProviderAttr {
        OnEvent = "on_event",
        Cron = "cron",
        Interval = "interval",
        Timeout = "timeout",
    }
}

name_table! {
    /// The options of `#[on_event("event", ...)]`, as NestJS's `@OnEvent` options.
    enum OnEventOption {
        Async = "async",
        PrependListener = "prepend_listener",
        SuppressErrors = "suppress_errors",
    }
}

name_table! {
    /// The options of `#[cron("pattern", ...)]`, as NestJS's `@Cron` options.
    enum CronOption {
        Name = "name",
        TimeZone = "time_zone",
        Disabled = "disabled",
    }
}

// `#[derive(Dto)]`'s field attributes (class-validator's decorators) and their options. The
// derive's `attributes(...)` list in `lib.rs` names the same attributes.
pub(crate) const IS_DEFINED: &str = "is_defined";
pub(crate) const IS_STRING: &str = "is_string";
pub(crate) const IS_NOT_EMPTY: &str = "is_not_empty";
pub(crate) const IS_EMAIL: &str = "is_email";
pub(crate) const MIN_LENGTH: &str = "min_length";
pub(crate) const MAX_LENGTH: &str = "max_length";
pub(crate) const IS_INT: &str = "is_int";
pub(crate) const IS_NUMBER: &str = "is_number";
pub(crate) const MIN: &str = "min";
pub(crate) const MAX: &str = "max";
pub(crate) const IS_BOOLEAN: &str = "is_boolean";
pub(crate) const IS_ENUM: &str = "is_enum";
pub(crate) const IS_UUID: &str = "is_uuid";
pub(crate) const IS_DATE_STRING: &str = "is_date_string";
pub(crate) const IS_ARRAY: &str = "is_array";
pub(crate) const ARRAY_MIN_SIZE: &str = "array_min_size";
pub(crate) const ARRAY_MAX_SIZE: &str = "array_max_size";
pub(crate) const IS_IN: &str = "is_in";
pub(crate) const MATCHES: &str = "matches";
pub(crate) const IS_URL: &str = "is_url";
pub(crate) const IS_OPTIONAL: &str = "is_optional";
pub(crate) const VALIDATE_NESTED: &str = "validate_nested";
pub(crate) const ALLOWED: &str = "allowed";
pub(crate) const EACH: &str = "each";
pub(crate) const ALWAYS: &str = "always";
pub(crate) const MESSAGE: &str = "message";
pub(crate) const GROUPS: &str = "groups";
/// Every field attribute of `#[derive(Dto)]`.
pub(crate) const DTO_ATTRIBUTES: [&str; 23] = [
    IS_DEFINED,
    IS_STRING,
    IS_NOT_EMPTY,
    IS_EMAIL,
    MIN_LENGTH,
    MAX_LENGTH,
    IS_INT,
    IS_NUMBER,
    MIN,
    MAX,
    IS_BOOLEAN,
    IS_ENUM,
    IS_UUID,
    IS_DATE_STRING,
    IS_ARRAY,
    ARRAY_MIN_SIZE,
    ARRAY_MAX_SIZE,
    IS_IN,
    MATCHES,
    IS_URL,
    IS_OPTIONAL,
    VALIDATE_NESTED,
    ALLOWED,
];

name_table! {
    /// The OpenAPI attributes `#[controller]` reads (`@nestjs/swagger`'s decorators), on the
    /// `impl` block (`api_tags`, `api_bearer_auth`) or a route method.
    enum ApiAttr {
        Tags = "api_tags",
        Response = "api_response",
        Operation = "api_operation",
        ExcludeEndpoint = "api_exclude_endpoint",
        BearerAuth = "api_bearer_auth",
    }
}

name_table! {
    /// The options of `#[api_response(...)]` and `#[api_operation(...)]`.
    enum ApiOption {
        Status = "status",
        Description = "description",
        Type = "type",
        Summary = "summary",
    }
}

/// `#[api_property(description = "...", example = ...)]` on a field of `#[derive(Dto)]`.
pub(crate) const API_PROPERTY: &str = "api_property";
/// The options of `#[api_property(...)]`.
pub(crate) const API_PROPERTY_OPTIONS: [&str; 2] = ["description", "example"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &(name, attr) in Attr::TABLE {
            assert_eq!(attr.name(), name);
            assert_eq!(Attr::from_name(name), Some(attr));
        }
        let names: std::collections::HashSet<_> = Attr::TABLE.iter().map(|(n, _)| n).collect();
        assert_eq!(names.len(), Attr::TABLE.len(), "a name appears twice");
    }

    #[test]
    fn kinds() {
        assert_eq!(Attr::Sse.kind(), AttrKind::Route);
        assert_eq!(Attr::Headers.kind(), AttrKind::Argument);
        assert_eq!(Attr::Header.kind(), AttrKind::RouteOption);
        assert_eq!(Attr::Injectable.kind(), AttrKind::Helper);
    }
}
