// Contract tests of shared stores run on two instances of a backend, standing for two replicas.

/** `test` as a test body on two instances made by `make`, both closed after it whatever happens. */
export const onTwo =
  <T extends { close(): Promise<void> }>(make: () => Promise<[T, T]>) =>
  (test: (a: T, b: T) => Promise<void>) =>
  async () => {
    const [a, b] = await make();
    try {
      await test(a, b);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  };
