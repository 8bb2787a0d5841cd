// CI must run the cluster-mode tests: fail early and clearly when no Redis answers.
import net from 'node:net';

const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const socket = net.connect(Number(url.port || 6379), url.hostname);
const fail = (why) => {
  console.error(`No Redis answers at ${url.host} (${why}): the cluster-mode tests need one. Start redis-server or set REDIS_URL.`);
  process.exit(1);
};
socket.setTimeout(3000, () => fail('no answer within 3 s'));
socket.on('error', (error) => fail(error.code ?? error.message));
socket.on('connect', () => socket.write('PING\r\n'));
socket.on('data', (data) => {
  if (data.toString().startsWith('+PONG') || data.toString().startsWith('-NOAUTH')) {
    console.log(`Redis answers at ${url.host}`);
    socket.end();
    process.exit(0);
  }
  fail(`unexpected answer ${JSON.stringify(data.toString().slice(0, 40))}`);
});
