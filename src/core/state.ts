// Typed per-request slots: a middleware defines a key once and reads/writes it with its type intact.

export interface StateKey<T> {
  readonly name: string;
  readonly __type?: T;
}

export function stateKey<T>(name: string): StateKey<T> {
  return { name };
}

export class ContextState {
  readonly #values = new Map<StateKey<unknown>, unknown>();
  get<T>(key: StateKey<T>): T | undefined {
    return this.#values.get(key) as T | undefined;
  }
  set<T>(key: StateKey<T>, value: T): void {
    this.#values.set(key, value);
  }
  has(key: StateKey<unknown>): boolean {
    return this.#values.has(key);
  }
}
