/** Worker thread for PSI: hashes or blinds one slice of a batch. */
import { parentPort } from 'node:worker_threads';
import { blindPoints, hashIdsToPoints } from './psi-core.ts';

type Job = ({ op: 'hash'; ids: string[]; domain: string; kind: 'sha256' | 'random-oracle' } | { op: 'blind'; points: Uint8Array; key: Uint8Array }) & {
  id: number;
};

parentPort?.on('message', (job: Job) => {
  try {
    const out = job.op === 'hash' ? hashIdsToPoints(job.ids, job.domain, job.kind) : blindPoints(Buffer.from(job.points), Buffer.from(job.key));
    const copy = new Uint8Array(out);
    parentPort?.postMessage({ id: job.id, ok: true, out: copy }, [copy.buffer]);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, ok: false, error: (err as Error).message });
  }
});
