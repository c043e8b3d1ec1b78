/**
 * The wire protocol: every message either side may send, one zod
 * discriminated union per direction, assembled from one module per job kind
 * (messages/). Types come from z.infer and are never written twice.
 */
import { z } from 'zod';
import { auditCoordinatorMessages, auditNodeMessages } from './messages/audit.ts';
import { commonCoordinatorMessages, commonNodeMessages } from './messages/common.ts';
import { keysCoordinatorMessages, keysNodeMessages } from './messages/keys.ts';
import { paillierCoordinatorMessages, paillierNodeMessages } from './messages/paillier.ts';
import { plaintextCoordinatorMessages, plaintextNodeMessages } from './messages/plaintext.ts';
import { psiCoordinatorMessages, psiNodeMessages } from './messages/psi.ts';
import { reasonsCoordinatorMessages, reasonsNodeMessages } from './messages/reasons.ts';
import { scoringCoordinatorMessages, scoringNodeMessages } from './messages/scoring.ts';
import { trainingCoordinatorMessages, trainingNodeMessages } from './messages/training.ts';

export { MAX_BLOBS, PROTOCOL_VERSION } from './messages/fields.ts';

/** Messages a party node sends to the coordinator. */
export const nodeMessageSchema = z.discriminatedUnion('type', [
  ...commonNodeMessages,
  ...psiNodeMessages,
  ...keysNodeMessages,
  ...scoringNodeMessages,
  ...reasonsNodeMessages,
  ...trainingNodeMessages,
  ...auditNodeMessages,
  ...plaintextNodeMessages,
  ...paillierNodeMessages,
]);
export type NodeMessage = z.infer<typeof nodeMessageSchema>;

/** Messages the coordinator sends to a party node. */
export const coordinatorMessageSchema = z.discriminatedUnion('type', [
  ...commonCoordinatorMessages,
  ...psiCoordinatorMessages,
  ...keysCoordinatorMessages,
  ...scoringCoordinatorMessages,
  ...reasonsCoordinatorMessages,
  ...trainingCoordinatorMessages,
  ...auditCoordinatorMessages,
  ...plaintextCoordinatorMessages,
  ...paillierCoordinatorMessages,
]);
export type CoordinatorMessage = z.infer<typeof coordinatorMessageSchema>;
export type NodeMessageType = NodeMessage['type'];
export type CoordinatorMessageType = CoordinatorMessage['type'];
export type AnyMessage = NodeMessage | CoordinatorMessage;
/** The node message of one type. */
export type NodeMsg<T extends NodeMessageType> = Extract<NodeMessage, { type: T }>;
/** The coordinator message of one type. */
export type CoordinatorMsg<T extends CoordinatorMessageType> = Extract<CoordinatorMessage, { type: T }>;
export type JobStart = CoordinatorMsg<'job.start'>;

/** Distributes Omit over a union so each member keeps its own fields. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A message as its sender writes it: the envelope's version is added when it is framed. */
export type Outgoing<M> = DistributiveOmit<M, 'v'>;

/** A decoded frame: the validated message, its binary attachments and its size on the wire. */
export interface Frame<M> {
  msg: M;
  blobs: Uint8Array[];
  bytes: number;
}
