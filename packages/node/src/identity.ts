/**
 * A party's identity key, made by the party itself: the secret half stays in
 * its own file (owner-only); only the public half (`<file>.pub`) is handed
 * to the others, out of band, to build their rosters.
 */
import { createIdentity, writePrivateFile } from '@fedrisk/shared';

/** Makes a fresh identity key in `file` and its public half in `file.pub`; returns the public key. */
export function makeIdentity(file: string): string {
  const id = createIdentity();
  writePrivateFile(file, `${id.privateKey}\n`);
  writePrivateFile(`${file}.pub`, `${id.publicKey}\n`);
  return id.publicKey;
}
