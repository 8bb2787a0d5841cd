import nock from 'nock';

/** No test may reach a real network: only nock's interceptors and loopback servers answer. */
export const mochaHooks = {
  beforeAll(): void {
    nock.disableNetConnect();
    nock.enableNetConnect((host: string) => host.startsWith('127.0.0.1') || host.startsWith('localhost'));
  },
  afterEach(): void {
    nock.cleanAll();
  },
  afterAll(): void {
    nock.enableNetConnect();
  },
};
