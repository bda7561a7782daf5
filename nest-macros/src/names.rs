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
        Roles = "roles",
        SetMetadata = "set_metadata",
        Injectable = "injectable",
        HostParam = "host_param",
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
