// A real S3 protocol server in the test process (s3rver 3.7: put, get, list and multi-delete work;
// the maintained fork failed list and multi-delete). The app's AWS SDK talks to it over HTTP, and
// the bucket serves its objects at MEDIA_URL as a public bucket would.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface TestS3 {
  /** MEDIA_STORAGE=s3 and the S3_* variables that reach this server, for createHarness. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startS3(bucket = 'media'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'purchases-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    env: {
      MEDIA_STORAGE: 's3',
      MEDIA_URL: `${endpoint}/${bucket}/`,
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
