//! The injector: which module provides what to whom (NestJS's scoping rules; `RequestHead` is
//! provided everywhere, as NestJS's `REQUEST`, and so is whatever the application adds with
//! [`Container::provide_everywhere`], such as the pipeline's `Reflector`), the start-up
//! check of the whole graph (missing providers and cycles, in NestJS's words), and building
//! instances: singletons once, transient ones per consumer, request-scoped ones per request.

use std::{
    any::TypeId,
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, RwLock},
};

use super::{
    Dependency, Resolver, Scope,
    provider::{AnyArc, BoxFuture, Provider},
};
use crate::{
    error::StartupError,
    http::RequestHead,
    lifecycle::{Hooks, Phase},
    lock::lock,
};

/// Which module: a module type imported statically (`imports = [CatsModule]`: one module per
/// type, however often it is imported), or one instance of a dynamic module
/// (`imports = [ConfigModule::for_root(options)]`: each `DynamicModule` value is its own
/// module, shared by its clones).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct ModuleId {
    /// The module's type.
    pub(crate) module: TypeId,
    /// 0 for the static module, else the dynamic instance.
    pub(crate) instance: u64,
}

impl ModuleId {
    /// The static module `M`.
    pub(crate) fn of<M: 'static>() -> Self {
        Self {
            module: TypeId::of::<M>(),
            instance: 0,
        }
    }

    /// A new dynamic instance of module `M`, distinct from every other.
    pub(crate) fn new_dynamic<M: 'static>() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Self {
            module: TypeId::of::<M>(),
            instance: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }
}

/// What the injector knows of one module.
#[derive(Default, Clone, Debug)]
pub(crate) struct ModuleNode {
    pub(crate) name: &'static str,
    pub(crate) providers: HashMap<TypeId, Provider>,
    /// Exported providers (by key) and re-exported imported modules (by module type).
    pub(crate) exports: Vec<TypeId>,
    pub(crate) imports: Vec<ModuleId>,
    pub(crate) global: bool,
    /// The lifecycle hooks of its providers and controllers, by type.
    pub(crate) hooks: HashMap<TypeId, Hooks>,
}

/// The instances of one request: its request-scoped providers, built once per request.
#[derive(Debug)]
pub(crate) struct RequestScope {
    head: Arc<RequestHead>,
    instances: Mutex<HashMap<(ModuleId, TypeId), AnyArc>>,
}

impl RequestScope {
    pub(crate) fn new(head: RequestHead) -> Self {
        Self {
            head: Arc::new(head),
            instances: Mutex::default(),
        }
    }
}

/// The modules of an application and the instances built so far.
#[derive(Default, Debug)]
pub(crate) struct Container {
    pub(crate) modules: HashMap<ModuleId, ModuleNode>,
    /// Modules in the order their hooks run: imported modules before their importers.
    order: Vec<ModuleId>,
    /// Whether a provider, with its dependencies, has to be built per request.
    per_request: Mutex<HashMap<(ModuleId, TypeId), bool>>,
    singletons: RwLock<HashMap<(ModuleId, TypeId), AnyArc>>,
    /// Singletons and controllers with lifecycle hooks, in the order they were built.
    hooked: Mutex<Vec<(ModuleId, Hooks, AnyArc)>>,
    /// Guards, interceptors and filters built for a module, by (module, type).
    enhancers: Mutex<HashMap<(ModuleId, TypeId), AnyArc>>,
    /// Services every module is given without declaring them, by type.
    everywhere: HashMap<TypeId, fn() -> AnyArc>,
}

impl Container {
    /// Gives every module `T`, made by `make`, without its declaring a provider.
    pub(crate) fn provide_everywhere<T: 'static>(&mut self, make: fn() -> AnyArc) {
        self.everywhere.insert(TypeId::of::<T>(), make);
    }
    /// Orders the modules for the hooks; `roots` in the order they were added.
    pub(crate) fn set_order(&mut self, roots: &[ModuleId]) {
        fn visit(
            modules: &HashMap<ModuleId, ModuleNode>,
            module: ModuleId,
            seen: &mut HashSet<ModuleId>,
            order: &mut Vec<ModuleId>,
        ) {
            if !seen.insert(module) {
                return;
            }
            if let Some(node) = modules.get(&module) {
                for import in &node.imports {
                    visit(modules, *import, seen, order);
                }
            }
            order.push(module);
        }
        let mut seen = HashSet::new();
        let mut order = Vec::new();
        for root in roots {
            visit(&self.modules, *root, &mut seen, &mut order);
        }
        self.order = order;
    }

    /// The module that provides `wanted` to code in `module`, if any: itself, an import that
    /// exports it (directly or re-exported), or a global module.
    fn owner_for(&self, module: ModuleId, wanted: TypeId) -> Option<ModuleId> {
        let node = self.modules.get(&module)?;
        if node.providers.contains_key(&wanted) {
            return Some(module);
        }
        let exporting =
            |candidate: &ModuleId| self.exported_by(*candidate, wanted, &mut Vec::new());
        node.imports.iter().find_map(exporting).or_else(|| {
            // Every added module is in `order` (set before anything is resolved).
            self.order
                .iter()
                .filter(|id| self.modules.get(id).is_some_and(|node| node.global))
                .find_map(exporting)
        })
    }

    /// The module that really provides `wanted` when `module` exports it: itself, or an
    /// import it re-exports (the provider named in its exports, or the whole imported module,
    /// as NestJS's `exports: [CommonModule]`).
    fn exported_by(
        &self,
        module: ModuleId,
        wanted: TypeId,
        seen: &mut Vec<ModuleId>,
    ) -> Option<ModuleId> {
        if seen.contains(&module) {
            return None;
        }
        seen.push(module);
        let node = self.modules.get(&module)?;
        let exports_provider = node.exports.contains(&wanted);
        if exports_provider && node.providers.contains_key(&wanted) {
            return Some(module);
        }
        node.imports
            .iter()
            .filter(|import| exports_provider || node.exports.contains(&import.module))
            .find_map(|import| self.exported_by(*import, wanted, seen))
    }

    fn module_name(&self, module: ModuleId) -> &'static str {
        self.modules
            .get(&module)
            .map_or("the application", |node| node.name)
    }

    /// Checks that every dependency of `consumer` (in `module`) can be provided, with no cycle;
    /// returns whether it has to be built per request.
    pub(crate) fn check(
        &self,
        module: ModuleId,
        consumer: &'static str,
        dependencies: &[Dependency],
        stack: &mut Vec<&'static str>,
    ) -> Result<bool, StartupError> {
        let mut per_request = false;
        for (index, dependency) in dependencies.iter().enumerate() {
            let wanted = (dependency.id)();
            if wanted == TypeId::of::<RequestHead>() {
                per_request = true;
                continue;
            }
            if self.everywhere.contains_key(&wanted) {
                continue;
            }
            match self.owner_for(module, wanted) {
                Some(owner) => per_request |= self.check_provider(owner, wanted, stack)?,
                None if dependency.optional => {}
                None => return Err(self.missing(module, consumer, dependencies, index)),
            }
        }
        Ok(per_request)
    }

    pub(crate) fn check_provider(
        &self,
        owner: ModuleId,
        wanted: TypeId,
        stack: &mut Vec<&'static str>,
    ) -> Result<bool, StartupError> {
        if let Some(per_request) = lock(&self.per_request).get(&(owner, wanted)) {
            return Ok(*per_request);
        }
        let Some(provider) = self
            .modules
            .get(&owner)
            .and_then(|node| node.providers.get(&wanted))
            .cloned()
        else {
            return Ok(false);
        };
        if stack.contains(&provider.name) {
            let mut chain = stack.clone();
            chain.push(provider.name);
            return Err(StartupError::new(format!(
                "Nest can't create the {} instance: a circular dependency was detected ({}). Break the cycle, or have one side take what it needs later.",
                provider.name,
                chain.join(" -> ")
            )));
        }
        stack.push(provider.name);
        let checked = self.check(owner, provider.name, &provider.dependencies, stack);
        stack.pop();
        let per_request = checked? || provider.scope == Scope::Request;
        lock(&self.per_request).insert((owner, wanted), per_request);
        Ok(per_request)
    }

    /// NestJS's words for a dependency that no module in reach provides (NestJS 12.6.3's
    /// message, its potential solutions included).
    fn missing(
        &self,
        module: ModuleId,
        consumer: &str,
        dependencies: &[Dependency],
        index: usize,
    ) -> StartupError {
        let module_name = self.module_name(module);
        let shown: Vec<&str> = dependencies
            .iter()
            .enumerate()
            .map(|(position, dependency)| {
                if position == index {
                    "?"
                } else {
                    dependency.name
                }
            })
            .collect();
        let argument = dependencies
            .get(index)
            .map_or("?", |dependency| dependency.name);
        StartupError::new(format!(
            "Nest can't resolve dependencies of the {consumer} ({}). Please make sure that the argument {argument} at index [{index}] is available in the {module_name} module.\n\n\
             Potential solutions:\n\
             - Is {module_name} a valid NestJS module?\n\
             - If {argument} is a provider, is it part of the current {module_name}?\n\
             - If {argument} is exported from a separate @Module, is that module imported within {module_name}?\n  \
             @Module({{\n    \
             imports: [ /* the Module containing {argument} */ ]\n  \
             }})\n\n\
             For more common dependency resolution issues, see: https://docs.nestjs.com/faq/common-errors",
            shown.join(", ")
        ))
    }

    /// Every provider of every module, to build the singletons at start-up.
    pub(crate) fn providers(&self) -> Vec<(ModuleId, TypeId)> {
        self.order
            .iter()
            .filter_map(|module| Some((*module, self.modules.get(module)?)))
            .flat_map(|(module, node)| node.providers.keys().map(move |id| (module, *id)))
            .collect()
    }

    /// Whether the provider `id` of `module` is built per request or per consumer (and so not
    /// at start-up).
    pub(crate) fn is_deferred(&self, module: ModuleId, id: TypeId) -> bool {
        lock(&self.per_request)
            .get(&(module, id))
            .copied()
            .unwrap_or(false)
            || self
                .modules
                .get(&module)
                .and_then(|node| node.providers.get(&id))
                .is_some_and(|provider| provider.scope == Scope::Transient)
    }

    /// The dependencies of `consumer` in `module`, built.
    pub(crate) fn resolve<'a>(
        &'a self,
        module: ModuleId,
        consumer: &'static str,
        dependencies: &'a [Dependency],
        request: Option<&'a RequestScope>,
    ) -> BoxFuture<'a, Result<Resolver, StartupError>> {
        Box::pin(async move {
            let mut values = Vec::with_capacity(dependencies.len());
            for dependency in dependencies {
                let wanted = (dependency.id)();
                let value = if wanted == TypeId::of::<RequestHead>() {
                    request.map(|request| Arc::clone(&request.head) as AnyArc)
                } else if let Some(make) = self.everywhere.get(&wanted) {
                    Some(make())
                } else {
                    match self.owner_for(module, wanted) {
                        Some(owner) => Some(self.instance(owner, wanted, request).await?),
                        None => None,
                    }
                };
                values.push(value);
            }
            Ok(Resolver {
                name: consumer,
                values,
            })
        })
    }

    /// The provider `wanted` of module `owner`: the singleton, a new transient instance, or
    /// the request's instance.
    pub(crate) fn instance<'a>(
        &'a self,
        owner: ModuleId,
        wanted: TypeId,
        request: Option<&'a RequestScope>,
    ) -> BoxFuture<'a, Result<AnyArc, StartupError>> {
        Box::pin(async move {
            let provider = self
                .modules
                .get(&owner)
                .and_then(|node| node.providers.get(&wanted))
                .ok_or_else(|| StartupError::new("a provider disappeared".to_owned()))?;
            let per_request = lock(&self.per_request)
                .get(&(owner, wanted))
                .copied()
                .unwrap_or(false);
            if provider.scope != Scope::Transient {
                let cached = if per_request {
                    let Some(request) = request else {
                        return Err(StartupError::new(format!(
                            "{} is request-scoped and can only be built for a request",
                            provider.name
                        )));
                    };
                    lock(&request.instances).get(&(owner, wanted)).cloned()
                } else {
                    self.singletons
                        .read()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .get(&(owner, wanted))
                        .cloned()
                };
                if let Some(instance) = cached {
                    return Ok(instance);
                }
            }
            let resolver = self
                .resolve(owner, provider.name, &provider.dependencies, request)
                .await?;
            let instance = (provider.build)(resolver).await?;
            match (provider.scope, per_request, request) {
                (Scope::Transient, _, _) => {}
                (_, true, Some(request)) => {
                    lock(&request.instances).insert((owner, wanted), Arc::clone(&instance));
                }
                _ => {
                    self.singletons
                        .write()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert((owner, wanted), Arc::clone(&instance));
                    self.record(owner, wanted, &instance);
                }
            }
            Ok(instance)
        })
    }

    /// Keeps a controller built at start-up, for `app.get` (NestJS's `moduleRef.get(Controller)`)
    /// and its hooks.
    pub(crate) fn add_controller(&self, module: ModuleId, id: TypeId, instance: &AnyArc) {
        self.singletons
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((module, id), Arc::clone(instance));
        self.record(module, id, instance);
    }

    /// Remembers `instance` (of type `id`, in `module`) if it has lifecycle hooks.
    pub(crate) fn record(&self, module: ModuleId, id: TypeId, instance: &AnyArc) {
        let hooks = self
            .modules
            .get(&module)
            .and_then(|node| node.hooks.get(&id))
            .copied()
            .unwrap_or_default();
        if !hooks.is_empty() {
            lock(&self.hooked).push((module, hooks, Arc::clone(instance)));
        }
    }

    /// The guard, interceptor or filter built for `key`, if any.
    pub(crate) fn enhancer(&self, key: (ModuleId, TypeId)) -> Option<AnyArc> {
        lock(&self.enhancers).get(&key).cloned()
    }

    /// Keeps the guard, interceptor or filter built for `key`.
    pub(crate) fn set_enhancer(&self, key: (ModuleId, TypeId), built: AnyArc) {
        lock(&self.enhancers).insert(key, built);
    }

    /// The singleton of type `id`, wherever it is provided (NestJS's `app.get(Type)`).
    pub(crate) fn find(&self, id: TypeId) -> Option<AnyArc> {
        let singletons = self
            .singletons
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.order
            .iter()
            .find_map(|module| singletons.get(&(*module, id)).cloned())
    }

    /// Runs the hooks of `phase`, module by module (imported modules first), one at a time.
    pub(crate) async fn run_hooks(&self, phase: Phase, signal: Option<&'static str>) {
        for (hooks, instance) in self.hooked_in_order() {
            if let Some(hook) = phase.of(&hooks) {
                hook(instance, signal).await;
            }
        }
    }

    /// Hands every singleton's event listeners and scheduled jobs to the services that run
    /// them (`Hooks::methods`), module by module (imported modules first).
    pub(crate) fn discover_methods(&self) {
        for (hooks, instance) in self.hooked_in_order() {
            if let Some(discover) = hooks.methods {
                discover(instance, &|id| self.find(id));
            }
        }
    }

    /// The instances with hooks, module by module (imported modules first).
    fn hooked_in_order(&self) -> Vec<(Hooks, AnyArc)> {
        let mut hooked: Vec<(usize, Hooks, AnyArc)> = lock(&self.hooked)
            .iter()
            .map(|(module, hooks, instance)| {
                let position = self
                    .order
                    .iter()
                    .position(|id| id == module)
                    .unwrap_or(usize::MAX);
                (position, *hooks, Arc::clone(instance))
            })
            .collect();
        hooked.sort_by_key(|(position, _, _)| *position);
        hooked
            .into_iter()
            .map(|(_, hooks, instance)| (hooks, instance))
            .collect()
    }
}
