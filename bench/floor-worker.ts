/**
 * One core's share of the encryption floor (npm run bench -- scale): the
 * encode+encrypt work of every party, and for each ciphertext it decrypts
 * the holders' decryption shares and the recipient's combination, with the
 * job's own code and parameters. Key setup is not timed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createCkksContext, createThresholdParty, crsSeed, DEFAULT_CKKS, encryptVector, loadSeal, thresholdNoise } from '@fedrisk/shared';

const { encrypts, decrypts, parties } = workerData as { encrypts: number; decrypts: number; parties: number };
const seal = await loadSeal();
const ckks = createCkksContext(seal, DEFAULT_CKKS);
const seed = crsSeed('bench-floor');
const members = Array.from({ length: parties }, () => createThresholdParty(ckks, seed));
const pk = (members[0] as (typeof members)[number]).collectivePublicKey(members.map((m) => m.shareBytes));
const { smudgingBits } = thresholdNoise(DEFAULT_CKKS.polyModulusDegree, parties, parties, DEFAULT_CKKS.scaleBits);
const values = Float64Array.from({ length: encrypts * ckks.slots }, (_, i) => Math.sin(i));
parentPort?.postMessage('ready');
parentPort?.once('message', async () => {
  const t0 = performance.now();
  const blobs = await encryptVector(ckks, pk, values);
  const tEncrypt = performance.now() - t0;
  const [recipient, ...holders] = members;
  for (const blob of blobs.slice(0, decrypts)) {
    const shares = holders.map((h) => h.decryptionShare(blob, smudgingBits));
    recipient?.decryptWithShares(blob, shares);
  }
  parentPort?.postMessage({ encryptMs: tEncrypt, totalMs: performance.now() - t0 });
});
