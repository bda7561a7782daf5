//! Dependency injection: providers built once per module and handed to the controllers and
//! providers that name them, as NestJS's injector does.
//!
//! A provider is a type with `#[derive(Injectable)]` (its `Arc<T>` fields are injected), or any
//! `Default` type. A module lists its `providers`, may `export` some of them to the modules that
//! import it, and may be `global`. A provider or controller can use the providers of its own
//! module, those exported by the modules it imports, and those exported by global modules.
//! A missing provider or a cycle is an error from `NestFactory::create`, worded as NestJS words
//! it.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    sync::Arc,
};

use crate::app::StartupError;

/// A type the injector can build: `#[derive(Injectable)]` implements it, injecting every
/// `Arc<T>` field and giving the others their `Default`.
///
/// ```
/// use std::sync::Arc;
/// use nest_core::Injectable;
///
/// #[derive(Injectable, Default)]
/// struct CatsRepository;
///
/// #[derive(Injectable)]
/// struct CatsService {
///     repository: Arc<CatsRepository>,
/// }
/// # let _ = |service: CatsService| service.repository;
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be injected",
    label = "add `#[derive(Injectable)]` (or `Default`) to `{Self}`",
    note = "providers and controllers are built by the injector: derive `Injectable` to inject their `Arc<T>` fields"
)]
pub trait Injectable: Sized + Send + Sync + 'static {
    /// The type's name, for error messages.
    const NAME: &'static str;

    /// The names of the types it depends on, in field order, for error messages.
    fn dependencies() -> &'static [&'static str];

    /// Builds the value, asking `resolver` for each dependency.
    fn inject(resolver: &mut Resolver<'_>) -> Result<Self, StartupError>;
}

/// How to build one provider.
pub(crate) type Factory = Arc<
    dyn Fn(&mut Resolver<'_>) -> Result<Arc<dyn Any + Send + Sync>, StartupError> + Send + Sync,
>;

/// One provider of a module.
#[derive(Clone)]
pub(crate) struct Provider {
    pub(crate) name: &'static str,
    pub(crate) factory: Factory,
}

impl Provider {
    /// A provider built by `T::inject`.
    pub(crate) fn injected<T: Injectable>() -> Self {
        Self {
            name: T::NAME,
            factory: Arc::new(|resolver| {
                resolver.enter(T::NAME, T::dependencies());
                let built = T::inject(resolver);
                resolver.leave();
                built.map(|value| Arc::new(value) as Arc<dyn Any + Send + Sync>)
            }),
        }
    }

    /// A provider built with `Default`.
    pub(crate) fn default<T: Default + Send + Sync + 'static>(name: &'static str) -> Self {
        Self {
            name,
            factory: Arc::new(|_| Ok(Arc::new(T::default()) as Arc<dyn Any + Send + Sync>)),
        }
    }

    /// A provider that is this value (NestJS's `useValue`).
    pub(crate) fn value<T: Send + Sync + 'static>(name: &'static str, value: Arc<T>) -> Self {
        Self {
            name,
            factory: Arc::new(move |_| Ok(Arc::clone(&value) as Arc<dyn Any + Send + Sync>)),
        }
    }
}

/// What the injector knows of one module.
#[derive(Default, Clone)]
pub(crate) struct ModuleNode {
    pub(crate) name: &'static str,
    pub(crate) providers: HashMap<TypeId, Provider>,
    pub(crate) exports: Vec<TypeId>,
    pub(crate) imports: Vec<TypeId>,
    pub(crate) global: bool,
}

/// The modules of an application and the providers built so far.
#[derive(Default)]
pub(crate) struct Container {
    pub(crate) modules: HashMap<TypeId, ModuleNode>,
    /// Singletons, per owning module.
    instances: HashMap<(TypeId, TypeId), Arc<dyn Any + Send + Sync>>,
}

impl Container {
    /// A resolver for the controllers and providers of `module`.
    pub(crate) fn resolver(&mut self, module: TypeId) -> Resolver<'_> {
        Resolver {
            container: self,
            module,
            stack: Vec::new(),
        }
    }

    /// The module that provides `wanted` to code in `module`, if any: itself, an import that
    /// exports it (directly or re-exported), or a global module.
    fn owner_for(&self, module: TypeId, wanted: TypeId) -> Option<TypeId> {
        let node = self.modules.get(&module)?;
        if node.providers.contains_key(&wanted) {
            return Some(module);
        }
        let exporting = |candidate: &TypeId| self.exported_by(*candidate, wanted, &mut Vec::new());
        node.imports.iter().find_map(exporting).or_else(|| {
            self.modules
                .iter()
                .filter(|(_, node)| node.global)
                .find_map(|(id, _)| exporting(id))
        })
    }

    /// The module that really provides `wanted` when `module` exports it.
    fn exported_by(
        &self,
        module: TypeId,
        wanted: TypeId,
        seen: &mut Vec<TypeId>,
    ) -> Option<TypeId> {
        if seen.contains(&module) {
            return None;
        }
        seen.push(module);
        let node = self.modules.get(&module)?;
        if !node.exports.contains(&wanted) {
            return None;
        }
        if node.providers.contains_key(&wanted) {
            return Some(module);
        }
        // Re-exported from an import.
        node.imports
            .iter()
            .find_map(|import| self.exported_by(*import, wanted, seen))
    }
}

/// Hands dependencies to the value being built (see [`Injectable::inject`]).
pub struct Resolver<'a> {
    container: &'a mut Container,
    module: TypeId,
    /// What is being built, outermost first: `(name, its dependencies, module)`.
    stack: Vec<(&'static str, &'static [&'static str], TypeId)>,
}

impl std::fmt::Debug for Resolver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field(
                "building",
                &self
                    .stack
                    .iter()
                    .map(|(name, _, _)| *name)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Resolver<'_> {
    pub(crate) fn enter(&mut self, name: &'static str, dependencies: &'static [&'static str]) {
        self.stack.push((name, dependencies, self.module));
    }

    pub(crate) fn leave(&mut self) {
        if let Some((_, _, module)) = self.stack.pop() {
            self.module = module;
        }
    }

    /// The provider of type `T`, the dependency at `index` of what is being built.
    pub fn get<T: Send + Sync + 'static>(&mut self, index: usize) -> Result<Arc<T>, StartupError> {
        let instance = self.get_any(TypeId::of::<T>(), index)?;
        instance.downcast::<T>().map_err(|_| self.missing(index))
    }

    /// Builds (once) the provider `provider` of the current module.
    pub(crate) fn build_provider(&mut self, provider: TypeId) -> Result<(), StartupError> {
        self.get_any(provider, usize::MAX).map(drop)
    }

    fn get_any(
        &mut self,
        wanted: TypeId,
        index: usize,
    ) -> Result<Arc<dyn Any + Send + Sync>, StartupError> {
        let Some(owner) = self.container.owner_for(self.module, wanted) else {
            return Err(self.missing(index));
        };
        if let Some(instance) = self.container.instances.get(&(owner, wanted)) {
            return Ok(Arc::clone(instance));
        }
        let Some(provider) = self
            .container
            .modules
            .get(&owner)
            .and_then(|node| node.providers.get(&wanted))
            .cloned()
        else {
            return Err(self.missing(index));
        };
        if self.stack.iter().any(|(name, _, _)| *name == provider.name) {
            let mut chain: Vec<&str> = self.stack.iter().map(|(name, _, _)| *name).collect();
            chain.push(provider.name);
            return Err(StartupError::new(format!(
                "Nest can't create the {} instance: a circular dependency was detected ({}). Break the cycle, or have one side take what it needs later.",
                provider.name,
                chain.join(" -> ")
            )));
        }
        let outer = self.module;
        self.module = owner;
        let built = (provider.factory)(self);
        self.module = outer;
        let instance = built?;
        self.container
            .instances
            .insert((owner, wanted), Arc::clone(&instance));
        Ok(instance)
    }

    /// NestJS's words for a dependency that no module in reach provides.
    fn missing(&self, index: usize) -> StartupError {
        let module_name = self
            .container
            .modules
            .get(&self.module)
            .map_or("the application", |node| node.name);
        let Some((name, dependencies, _)) = self.stack.last() else {
            return StartupError::new(format!(
                "a provider is not available in the {module_name} context"
            ));
        };
        let shown: Vec<&str> = dependencies
            .iter()
            .enumerate()
            .map(|(position, dependency)| if position == index { "?" } else { dependency })
            .collect();
        let argument = dependencies.get(index).copied().unwrap_or("?");
        StartupError::new(format!(
            "Nest can't resolve dependencies of the {name} ({}). Please make sure that the argument {argument} at index [{index}] is available in the {module_name} context.",
            shown.join(", ")
        ))
    }
}
