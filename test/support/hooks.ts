import nock from 'nock';

/**
 * No test may reach a real network: only nock's interceptors and loopback servers answer. And
 * every interceptor a test sets up must be used: a Marketo call a test expected and the plugin
 * never made is a failure, enforced here once for every test.
 */
export const mochaHooks = {
  beforeAll(): void {
    nock.disableNetConnect();
    nock.enableNetConnect((host: string) => host.startsWith('127.0.0.1') || host.startsWith('localhost'));
  },
  afterEach(this: Mocha.Context): void {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    if (pending.length > 0 && this.currentTest?.state === 'passed') {
      throw new Error(`The test set up Marketo answers that were never asked for:\n  ${pending.join('\n  ')}`);
    }
  },
  afterAll(): void {
    nock.enableNetConnect();
  },
};
