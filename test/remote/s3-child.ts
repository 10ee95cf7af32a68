/**
 * An S3-compatible server (s3rver) on a loopback port, as its own process so
 * a test can kill it outright. Usage: node s3-child.js DIR BUCKET. Prints
 * {"port": N} on stdout once it listens.
 */
import S3rver from 's3rver';

const [dir, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dir,
  configureBuckets: [{ name: bucket as string, configs: [] }],
});
const address = (await server.run()) as { port: number };
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
