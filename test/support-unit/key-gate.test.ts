import { expect } from 'chai';
import { KeyGate } from '../../src/support/key-gate.js';

describe('KeyGate', () => {
  it('makes a second holder of an overlapping key set wait until the first releases', async () => {
    const gate = new KeyGate();
    const order: string[] = [];
    const releaseA = await gate.acquire(['ann', 'bob']);
    const b = gate.acquire(['bob', 'cat']).then((release) => {
      order.push('B got bob+cat');
      release();
    });
    const c = gate.acquire(['dan']).then((release) => {
      order.push('C got dan');
      release();
    });
    await c;
    order.push('A releases');
    releaseA();
    await b;
    expect(order).to.deep.equal(['C got dan', 'A releases', 'B got bob+cat']);
  });

  it('takes all keys at once, so crossed key orders cannot deadlock', async () => {
    const gate = new KeyGate();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        gate.acquire(i % 2 ? ['x', 'y'] : ['y', 'x']).then(async (release) => {
          await Promise.resolve();
          release();
          return i;
        }),
      ),
    );
    expect(results).to.have.length(20);
  });
});
