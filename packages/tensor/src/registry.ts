// Which backends exist and which one new tensors go to. `js` (priority 0) and `wasm` (priority 10, started by
// `ready()` or `setBackend('wasm')`) are built in; other packages add theirs with an explicit registerBackend call.
import type { Backend } from './backend';
import { BackendError } from './errors';
import { createJsBackend } from './backends/js/index';
import { createWasmBackend } from './backends/wasm/index';

/** Makes a backend; may be async (a WebAssembly backend compiles its module first). */
export type BackendFactory = () => Backend | Promise<Backend>;

interface Entry {
  readonly name: string;
  readonly factory: BackendFactory;
  readonly priority: number;
  instance: Backend | null;
  starting: Promise<Backend> | null;
}

/** A registered backend as `listBackends` reports it. */
export interface BackendInfo {
  /** The name it was registered under (what `setBackend` and `getBackend` take). */
  readonly name: string;
  /** Its registration priority: the highest wins when `ready()` or `getBackend()` picks a backend. */
  readonly priority: number;
  /** Whether its factory has run and succeeded. */
  readonly started: boolean;
}

const entries = new Map<string, Entry>();
let current: Backend | null = null;

function addEntry(name: string, factory: BackendFactory, priority: number): void {
  entries.set(name, { name, factory, priority, instance: null, starting: null });
}

function addBuiltins(): void {
  addEntry('js', createJsBackend, 0);
  addEntry('wasm', () => createWasmBackend(), 10);
}

addBuiltins();

function entryFor(name: string): Entry {
  const entry = entries.get(name);
  if (!entry) {
    throw new BackendError(`backend '${name}' is not registered; registered: ${[...entries.keys()].join(', ')}`);
  }
  return entry;
}

function byPriority(): Entry[] {
  return [...entries.values()].sort((a, b) => b.priority - a.priority);
}

/**
 * Registers a backend factory under `name`. Higher `priority` wins in `ready()` and `getBackend()`.
 * @throws {BackendError} when `name` is already registered.
 */
export function registerBackend(name: string, factory: BackendFactory, priority = 1): void {
  if (entries.has(name)) throw new BackendError(`registerBackend: backend '${name}' is already registered`);
  addEntry(name, factory, priority);
}

/** Starts (once) and returns the backend registered as `name`, without making it current. */
export async function startBackend(name: string): Promise<Backend> {
  const entry = entryFor(name);
  if (entry.instance) return entry.instance;
  entry.starting ??= Promise.resolve()
    .then(entry.factory)
    .then(
      (backend) => (entry.instance = backend),
      (error: unknown) => {
        entry.starting = null;
        throw new BackendError(`backend '${name}' failed to start: ${String(error)}`, { cause: error });
      },
    );
  return entry.starting;
}

/**
 * Starts the backend `name` and makes it the one new tensors go to.
 * @throws {BackendError} when it is not registered or its factory fails.
 */
export async function setBackend(name: string): Promise<Backend> {
  current = await startBackend(name);
  return current;
}

/**
 * Starts the highest-priority backend that starts successfully (falling back down the list) and makes it
 * current. Await this once at start-up to get the fastest backend available.
 */
export async function ready(): Promise<Backend> {
  for (const entry of byPriority()) {
    try {
      return await setBackend(entry.name);
    } catch (error) {
      if (entry.name === 'js') throw error;
    }
  }
  throw new BackendError('ready: no backend could start');
}

/**
 * Returns the backend `name` if it is started or can start synchronously.
 * @throws {BackendError} when it is unknown, or its factory is async and it was not started with `startBackend`.
 */
export function findBackend(name: string): Backend {
  const entry = entryFor(name);
  if (entry.instance) return entry.instance;
  const made = entry.factory();
  if (made instanceof Promise) {
    // Keep the start that is now under way, so a later startBackend does not run the factory again.
    entry.starting = made.then((backend) => (entry.instance = backend));
    throw new BackendError(`backend '${name}' starts asynchronously: await startBackend('${name}') or setBackend('${name}') first`);
  }
  entry.instance = made;
  return made;
}

/**
 * The current backend: the one last set, else the highest-priority one already started, else `js`.
 */
export function getBackend(): Backend {
  if (current) return current;
  const started = byPriority().find((entry) => entry.instance);
  current = started?.instance ?? findBackend('js');
  return current;
}

/** The registered backends, highest priority first. */
export function listBackends(): BackendInfo[] {
  return byPriority().map(({ name, priority, instance }) => ({ name, priority, started: instance !== null }));
}

/** Disposes every started backend and restores the registry to the built-in `js` and `wasm` (for tests). */
export function resetBackends(): void {
  for (const entry of entries.values()) entry.instance?.dispose?.();
  entries.clear();
  current = null;
  addBuiltins();
}

/** `backend` itself, the backend registered under that name, or the current backend when absent. */
export function resolveBackend(backend: Backend | string | undefined): Backend {
  if (backend === undefined) return getBackend();
  return typeof backend === 'string' ? findBackend(backend) : backend;
}
