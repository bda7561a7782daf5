//! What `#[derive(Dto)]` generates: a DTO's properties and their constraints, in declaration
//! order, under their JSON (serde) names.

/// One class-validator decorator (a field attribute of `#[derive(Dto)]`).
#[derive(Debug, Clone, Copy)]
pub enum Rule {
    /// `@IsDefined()`.
    IsDefined,
    /// `@IsString()`.
    IsString,
    /// `@IsNotEmpty()`.
    IsNotEmpty,
    /// `@IsEmail()`.
    IsEmail,
    /// `@MinLength(n)` (in UTF-16 code units, as JavaScript counts).
    MinLength(usize),
    /// `@MaxLength(n)`.
    MaxLength(usize),
    /// `@IsInt()`.
    IsInt,
    /// `@IsNumber()`.
    IsNumber,
    /// `@Min(n)`.
    Min(f64),
    /// `@Max(n)`.
    Max(f64),
    /// `@IsBoolean()`.
    IsBoolean,
    /// `@IsEnum(E)`: the enum's values (its serde variant names).
    IsEnum(fn() -> Vec<&'static str>),
    /// `@IsUUID()` / `@IsUUID('4')`.
    IsUuid(Option<u8>),
    /// `@IsDateString()`.
    IsDateString,
    /// `@IsArray()`.
    IsArray,
    /// `@ArrayMinSize(n)`.
    ArrayMinSize(usize),
    /// `@ArrayMaxSize(n)`.
    ArrayMaxSize(usize),
    /// `@IsIn([...])`.
    IsIn(&'static [Literal]),
    /// `@Matches(/pattern/)`.
    Matches(&'static str),
    /// `@IsUrl()`.
    IsUrl,
}

/// A value of `#[is_in(...)]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Literal {
    /// A string.
    Str(&'static str),
    /// A number.
    Num(f64),
    /// A boolean.
    Bool(bool),
}

/// One decorator on one property, with its options.
#[derive(Debug, Clone, Copy)]
pub struct Constraint {
    /// What it checks.
    pub rule: Rule,
    /// `{ each: true }`: every element of an array.
    pub each: bool,
    /// `{ message }`, with `$property`, `$value` and `$constraint1` replaced.
    pub message: Option<&'static str>,
    /// `{ groups }`.
    pub groups: &'static [&'static str],
    /// `{ always: true }`.
    pub always: bool,
}

/// The Rust type of a property, for implicit conversion of query strings (TypeScript's
/// `design:type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An integer or a float.
    Number,
    /// `bool`.
    Boolean,
    /// `String` (named so that rustc's messages keep naming `String` as `String`).
    Text,
    /// Anything else.
    Other,
}

/// A nested DTO's schema, read when needed.
pub type SchemaFn = fn() -> &'static Schema;

/// One property of a DTO.
#[derive(Debug, Clone, Copy)]
pub struct Property {
    /// Its JSON name.
    pub name: &'static str,
    /// Its Rust type, for implicit conversion.
    pub kind: Kind,
    /// `@IsOptional()`.
    pub optional: bool,
    /// `@Allow()` or any other decorator: kept by `whitelist`.
    pub whitelisted: bool,
    /// Its constraints in the order class-validator runs them (the reverse of the source
    /// order, as TypeScript applies decorators bottom-up).
    pub constraints: &'static [Constraint],
    /// `@ValidateNested()`: the nested DTO's schema, and that decorator's options.
    pub nested: Option<(SchemaFn, Constraint)>,
}

/// A DTO's properties, in declaration order.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The Rust type's name.
    pub name: &'static str,
    /// Its properties.
    pub properties: &'static [Property],
}
