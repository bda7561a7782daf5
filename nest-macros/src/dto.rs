//! `#[derive(Dto)]`: class-validator's decorators as field attributes. Each field's
//! constraints go into a static schema, in declaration order, under the field's serde name;
//! the schema is registered so that `#[body] dto: T` finds it by type.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{
    Data, DeriveInput, Expr, ExprLit, Fields, Lit, LitStr, Meta, Token, Type, parse::Parser,
    punctuated::Punctuated, spanned::Spanned,
};

use crate::{names, paths};

pub(crate) fn expand(item: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(item)?;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "`#[derive(Dto)]` is for structs with named fields",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new(
            input.ident.span(),
            "`#[derive(Dto)]` is for structs with named fields",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "`#[derive(Dto)]` does not take generic parameters",
        ));
    }
    let rename_all = serde_value(&input.attrs, "rename_all")?;
    let dto = paths::dto_module();
    let mut properties = Vec::new();
    let mut field_docs = Vec::new();
    let mut errors: Option<syn::Error> = None;
    for field in &fields.named {
        match api_field(field) {
            Ok(tokens) => field_docs.push(tokens),
            Err(error) => match &mut errors {
                Some(all) => all.combine(error),
                None => errors = Some(error),
            },
        }
        match property(field, rename_all.as_ref(), &dto) {
            Ok(tokens) => properties.push(tokens),
            Err(error) => match &mut errors {
                Some(all) => all.combine(error),
                None => errors = Some(error),
            },
        }
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    let ident = &input.ident;
    let name = ident.to_string();
    let dto_trait = paths::dto_trait();
    let inventory = paths::inventory();
    let nested_trait = paths::dto_nested();
    let openapi = paths::openapi();
    Ok(quote! {
        impl #openapi::ApiSchema for #ident {
            fn api_schema(__nest_schemas: &mut #openapi::SchemaGen) -> #openapi::Value {
                #[allow(unused_imports)]
                use #openapi::ViaApiSchema as _;
                #[allow(unused_imports)]
                use #openapi::NoApiSchema as _;
                __nest_schemas.component(#name, |__nest_schemas| {
                    #openapi::dto_object(
                        <#ident as #dto_trait>::schema(),
                        &[#(#field_docs),*],
                        __nest_schemas,
                    )
                })
            }
        }
        impl #dto_trait for #ident {
            fn schema() -> &'static #dto::Schema {
                static SCHEMA: #dto::Schema = #dto::Schema {
                    name: #name,
                    properties: &[#(#properties),*],
                };
                &SCHEMA
            }
        }
        impl #nested_trait for #ident {
            fn nested_schema() -> &'static #dto::Schema {
                <#ident as #dto_trait>::schema()
            }
        }
        #inventory::submit! {
            #dto::DtoEntry {
                type_name: ::core::any::type_name::<#ident>,
                schema: <#ident as #dto_trait>::schema,
            }
        }
    })
}

/// A field's `FieldDoc` for the OpenAPI document: its type's schema, and
/// `#[api_property(description = "...", example = ...)]` (the description, else the field's
/// doc comment).
fn api_field(field: &syn::Field) -> syn::Result<TokenStream> {
    let openapi = paths::openapi();
    let ty = &field.ty;
    let mut description = TokenStream::new();
    let mut example = quote!(::core::option::Option::None);
    for attr in &field.attrs {
        if !attr.path().is_ident(names::API_PROPERTY) {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(names::API_PROPERTY_OPTIONS[0]) {
                let text: LitStr = meta.value()?.parse()?;
                description = quote!(::core::option::Option::Some(#text));
            } else if meta.path.is_ident(names::API_PROPERTY_OPTIONS[1]) {
                let value: Expr = meta.value()?.parse()?;
                example = quote!(::core::option::Option::Some(|| #openapi::Value::from(#value)));
            } else {
                return Err(meta.error(format!(
                    "unknown `#[{}]` option: expected `{}` or `{}`",
                    names::API_PROPERTY,
                    names::API_PROPERTY_OPTIONS[0],
                    names::API_PROPERTY_OPTIONS[1]
                )));
            }
            Ok(())
        })?;
    }
    // Without `#[api_property(description)]`, the field's doc comment describes it, as
    // `@nestjs/swagger`'s CLI plugin reads comments (`introspectComments`).
    if description.is_empty() {
        let doc = doc_comment(&field.attrs);
        description = if doc.is_empty() {
            quote!(::core::option::Option::None)
        } else {
            quote!(::core::option::Option::Some(#doc))
        };
    }
    Ok(quote_spanned! {ty.span()=>
        #openapi::FieldDoc {
            schema: |__nest_schemas| (&&#openapi::Probe::<#ty>::new()).__nest_schema(__nest_schemas),
            required: || (&&#openapi::Probe::<#ty>::new()).__nest_required(),
            description: #description,
            example: #example,
        }
    })
}

/// The text of the `///` comments among `attrs`, one line each, trimmed.
fn doc_comment(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("doc")) {
        if let Meta::NameValue(syn::MetaNameValue {
            value:
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }),
            ..
        }) = &attr.meta
        {
            lines.extend(text.value().lines().map(|line| line.trim().to_owned()));
        }
    }
    lines.join("\n").trim().to_owned()
}

/// `#[serde(key = "value")]` among `attrs`.
fn serde_value(attrs: &[syn::Attribute], key: &str) -> syn::Result<Option<String>> {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        let Meta::List(list) = &attr.meta else {
            continue;
        };
        let items = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(list.tokens.clone());
        let Ok(items) = items else { continue };
        for item in items {
            if let Meta::NameValue(pair) = item {
                if pair.path.is_ident(key) {
                    if let Expr::Lit(ExprLit {
                        lit: Lit::Str(text),
                        ..
                    }) = &pair.value
                    {
                        return Ok(Some(text.value()));
                    }
                }
            }
        }
    }
    Ok(None)
}

fn rename(field: &str, rule: &str) -> String {
    let words: Vec<&str> = field.split('_').filter(|w| !w.is_empty()).collect();
    let capitalise = |w: &str| {
        let mut chars = w.chars();
        chars.next().map_or_else(String::new, |c| {
            c.to_uppercase().collect::<String>() + chars.as_str()
        })
    };
    match rule {
        "camelCase" => words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i == 0 {
                    (*w).to_owned()
                } else {
                    capitalise(w)
                }
            })
            .collect(),
        "PascalCase" => words.iter().map(|w| capitalise(w)).collect(),
        "lowercase" => field.to_lowercase(),
        "UPPERCASE" => field.to_uppercase(),
        "SCREAMING_SNAKE_CASE" => field.to_uppercase(),
        "kebab-case" => field.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => field.replace('_', "-").to_uppercase(),
        _ => field.to_owned(),
    }
}

/// The kind of a field's type for implicit conversion: a number, a boolean, or other.
fn kind(ty: &Type, dto: &TokenStream) -> TokenStream {
    let mut ty = ty;
    while let Type::Path(path) = ty {
        let Some(last) = path.path.segments.last() else {
            break;
        };
        let name = last.ident.to_string();
        if name == "Option" {
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                    ty = inner;
                    continue;
                }
            }
        }
        return match name.as_str() {
            "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
            | "u128" | "usize" | "f32" | "f64" => quote!(#dto::Kind::Number),
            "bool" => quote!(#dto::Kind::Boolean),
            "String" => quote!(#dto::Kind::Text),
            _ => quote!(#dto::Kind::Other),
        };
    }
    quote!(#dto::Kind::Other)
}

/// The options after a rule's arguments: `each`, `always`, `message = "..."`, `groups = [...]`.
#[derive(Default)]
struct Options {
    each: bool,
    always: bool,
    message: Option<LitStr>,
    groups: Vec<LitStr>,
}

fn property(
    field: &syn::Field,
    rename_all: Option<&String>,
    dto: &TokenStream,
) -> syn::Result<TokenStream> {
    let ident = field.ident.as_ref().expect("named field");
    let rust_name = ident.to_string();
    let rust_name = rust_name.strip_prefix("r#").unwrap_or(&rust_name);
    let name = match serde_value(&field.attrs, "rename")? {
        Some(renamed) => renamed,
        None => rename_all.map_or_else(|| rust_name.to_owned(), |rule| rename(rust_name, rule)),
    };
    let mut constraints = Vec::new();
    let mut optional = false;
    let mut whitelisted = false;
    let mut nested = quote!(::core::option::Option::None);
    for attr in &field.attrs {
        let Some(rule_name) = attr.path().get_ident().map(ToString::to_string) else {
            continue;
        };
        if !names::DTO_ATTRIBUTES.contains(&rule_name.as_str()) {
            continue;
        }
        whitelisted = true;
        let args: Vec<Expr> = match &attr.meta {
            Meta::Path(_) => Vec::new(),
            Meta::List(list) => Punctuated::<Expr, Token![,]>::parse_terminated
                .parse2(list.tokens.clone())?
                .into_iter()
                .collect(),
            Meta::NameValue(pair) => {
                return Err(syn::Error::new(
                    pair.span(),
                    format!("expected `#[{rule_name}]` or `#[{rule_name}(...)]`"),
                ));
            }
        };
        let (values, options) = split_options(&args)?;
        let span = attr.path().span();
        let constraint = |rule: TokenStream| constraint(dto, rule, &options);
        let expect = |count: usize, what: &str| -> syn::Result<()> {
            // At the first value too many, or at the attribute's name when one is missing.
            let at = values.get(count).map_or(span, Spanned::span);
            if values.len() == count {
                Ok(())
            } else {
                Err(syn::Error::new(
                    at,
                    format!("`#[{rule_name}]` takes {what}"),
                ))
            }
        };
        let rule = match rule_name.as_str() {
            names::IS_OPTIONAL => {
                expect(0, "no value")?;
                optional = true;
                continue;
            }
            names::ALLOWED => {
                expect(0, "no value")?;
                continue;
            }
            names::VALIDATE_NESTED => {
                expect(0, "no value")?;
                let ty = &field.ty;
                let nested_trait = paths::dto_nested();
                let c = constraint(quote!(#dto::Rule::IsDefined));
                nested = quote_spanned!(ty.span()=> ::core::option::Option::Some((<#ty as #nested_trait>::nested_schema, #c)));
                continue;
            }
            names::IS_DEFINED => simple(&expect, dto, "IsDefined")?,
            names::IS_STRING => simple(&expect, dto, "IsString")?,
            names::IS_NOT_EMPTY => simple(&expect, dto, "IsNotEmpty")?,
            names::IS_EMAIL => simple(&expect, dto, "IsEmail")?,
            names::IS_INT => simple(&expect, dto, "IsInt")?,
            names::IS_NUMBER => simple(&expect, dto, "IsNumber")?,
            names::IS_BOOLEAN => simple(&expect, dto, "IsBoolean")?,
            names::IS_DATE_STRING => simple(&expect, dto, "IsDateString")?,
            names::IS_ARRAY => simple(&expect, dto, "IsArray")?,
            names::IS_URL => simple(&expect, dto, "IsUrl")?,
            names::MIN_LENGTH
            | names::MAX_LENGTH
            | names::ARRAY_MIN_SIZE
            | names::ARRAY_MAX_SIZE => {
                expect(1, "one length: `(3)`")?;
                let n = usize_of(&values[0])?;
                let variant = match rule_name.as_str() {
                    names::MIN_LENGTH => quote!(MinLength),
                    names::MAX_LENGTH => quote!(MaxLength),
                    names::ARRAY_MIN_SIZE => quote!(ArrayMinSize),
                    _ => quote!(ArrayMaxSize),
                };
                quote!(#dto::Rule::#variant(#n))
            }
            names::MIN | names::MAX => {
                expect(1, "one number: `(0)`")?;
                let n = f64_of(&values[0])?;
                let variant = if rule_name == names::MIN {
                    quote!(Min)
                } else {
                    quote!(Max)
                };
                quote!(#dto::Rule::#variant(#n))
            }
            names::IS_ENUM => {
                expect(1, "the enum's type: `(Role)`")?;
                let ty = &values[0];
                let enum_values = paths::dto_enum_values();
                quote_spanned!(ty.span()=> #dto::Rule::IsEnum(#enum_values::<#ty>))
            }
            names::IS_UUID => {
                let version = match values.as_slice() {
                    [] => quote!(::core::option::Option::None),
                    [value] => {
                        let v = match value {
                            Expr::Lit(ExprLit {
                                lit: Lit::Int(n), ..
                            }) => n.base10_parse::<u8>()?,
                            Expr::Lit(ExprLit {
                                lit: Lit::Str(s), ..
                            }) => s.value().parse::<u8>().map_err(|_| {
                                syn::Error::new(s.span(), "expected a UUID version, 1 to 8")
                            })?,
                            other => {
                                return Err(syn::Error::new(
                                    other.span(),
                                    "expected a UUID version, 1 to 8",
                                ));
                            }
                        };
                        if !(1..=8).contains(&v) {
                            return Err(syn::Error::new(
                                value.span(),
                                "expected a UUID version, 1 to 8",
                            ));
                        }
                        quote!(::core::option::Option::Some(#v))
                    }
                    _ => {
                        return Err(syn::Error::new(
                            span,
                            "`#[is_uuid]` takes at most a version: `(4)`",
                        ));
                    }
                };
                quote!(#dto::Rule::IsUuid(#version))
            }
            names::IS_IN => {
                if values.is_empty() {
                    return Err(syn::Error::new(
                        span,
                        "`#[is_in]` takes the allowed values: `(\"a\", \"b\")`",
                    ));
                }
                let literals = values
                    .iter()
                    .map(|value| literal(value, dto))
                    .collect::<syn::Result<Vec<_>>>()?;
                quote!(#dto::Rule::IsIn(&[#(#literals),*]))
            }
            names::MATCHES => {
                expect(1, "a regular expression: `(\"^[a-z]+$\")`")?;
                let Expr::Lit(ExprLit {
                    lit: Lit::Str(pattern),
                    ..
                }) = &values[0]
                else {
                    return Err(syn::Error::new(
                        values[0].span(),
                        "expected the pattern as a string",
                    ));
                };
                if let Err(error) = check_pattern(&pattern.value()) {
                    return Err(syn::Error::new(pattern.span(), error));
                }
                quote!(#dto::Rule::Matches(#pattern))
            }
            _ => continue,
        };
        constraints.push(constraint(rule));
    }
    // TypeScript applies a property's decorators bottom-up: class-validator runs them so.
    constraints.reverse();
    let kind = kind(&field.ty, dto);
    Ok(quote! {
        #dto::Property {
            name: #name,
            kind: #kind,
            optional: #optional,
            whitelisted: #whitelisted,
            constraints: &[#(#constraints),*],
            nested: #nested,
        }
    })
}

/// A pattern the `regex` crate cannot compile is refused at compile time only for its obvious
/// syntax errors (unbalanced groups and brackets); the rest is checked when first used.
fn check_pattern(pattern: &str) -> Result<(), String> {
    let mut depth = 0i32;
    let mut escaped = false;
    for c in pattern.chars() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '(') => depth += 1,
            (false, ')') => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return Err("unbalanced `)` in the pattern".into());
        }
    }
    if depth != 0 {
        return Err("unclosed `(` in the pattern".into());
    }
    Ok(())
}

fn simple(
    expect: &dyn Fn(usize, &str) -> syn::Result<()>,
    dto: &TokenStream,
    variant: &str,
) -> syn::Result<TokenStream> {
    expect(
        0,
        "no value (only `each`, `message = \"...\"`, `groups = [...]`, `always`)",
    )?;
    let variant = syn::Ident::new(variant, Span::call_site());
    Ok(quote!(#dto::Rule::#variant))
}

fn constraint(dto: &TokenStream, rule: TokenStream, options: &Options) -> TokenStream {
    let Options {
        each,
        always,
        message,
        groups,
    } = options;
    let message = match message {
        Some(message) => quote!(::core::option::Option::Some(#message)),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        #dto::Constraint { rule: #rule, each: #each, message: #message, groups: &[#(#groups),*], always: #always }
    }
}

/// Splits a rule's arguments into its values and its options.
fn split_options(args: &[Expr]) -> syn::Result<(Vec<Expr>, Options)> {
    let mut values = Vec::new();
    let mut options = Options::default();
    for arg in args {
        match arg {
            Expr::Path(path) if path.path.is_ident(names::EACH) => options.each = true,
            Expr::Path(path) if path.path.is_ident(names::ALWAYS) => options.always = true,
            Expr::Assign(assign) => {
                let Expr::Path(key) = &*assign.left else {
                    return Err(syn::Error::new(
                        assign.left.span(),
                        "expected `message` or `groups`",
                    ));
                };
                if key.path.is_ident(names::MESSAGE) {
                    let Expr::Lit(ExprLit {
                        lit: Lit::Str(text),
                        ..
                    }) = &*assign.right
                    else {
                        return Err(syn::Error::new(
                            assign.right.span(),
                            "expected the message as a string",
                        ));
                    };
                    options.message = Some(text.clone());
                } else if key.path.is_ident(names::GROUPS) {
                    let Expr::Array(array) = &*assign.right else {
                        return Err(syn::Error::new(
                            assign.right.span(),
                            "expected the groups as `[\"a\", \"b\"]`",
                        ));
                    };
                    for group in &array.elems {
                        let Expr::Lit(ExprLit {
                            lit: Lit::Str(text),
                            ..
                        }) = group
                        else {
                            return Err(syn::Error::new(
                                group.span(),
                                "expected a group name as a string",
                            ));
                        };
                        options.groups.push(text.clone());
                    }
                } else {
                    return Err(syn::Error::new(
                        key.span(),
                        "unknown option: expected `each`, `always`, `message = \"...\"` or `groups = [...]`",
                    ));
                }
            }
            other => values.push(other.clone()),
        }
    }
    Ok((values, options))
}

fn usize_of(expr: &Expr) -> syn::Result<usize> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(n), ..
        }) => n.base10_parse(),
        other => Err(syn::Error::new(other.span(), "expected a whole number")),
    }
}

fn f64_of(expr: &Expr) -> syn::Result<f64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(n), ..
        }) => n.base10_parse(),
        Expr::Lit(ExprLit {
            lit: Lit::Float(n), ..
        }) => n.base10_parse(),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => f64_of(expr).map(|n| -n),
        other => Err(syn::Error::new(other.span(), "expected a number")),
    }
}

fn literal(expr: &Expr, dto: &TokenStream) -> syn::Result<TokenStream> {
    Ok(match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => quote!(#dto::Literal::Str(#text)),
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => quote!(#dto::Literal::Bool(#b)),
        other => {
            let n = f64_of(other).map_err(|_| {
                syn::Error::new(other.span(), "expected a string, a number or a boolean")
            })?;
            quote!(#dto::Literal::Num(#n))
        }
    })
}
