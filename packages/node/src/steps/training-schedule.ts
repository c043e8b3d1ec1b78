/**
 * What a party checks before it makes a decryption share in threshold
 * training: the request names a slot of the agreed schedule (so the number
 * of decryptions is the schedule's, not the requester's), the loss is asked
 * for by the label holder only, once per epoch, and an owner's packing width
 * (the period of the DP noise in the shares) stays the one it first signed.
 * In single-holder training, what a holder checks of the bank's end of an
 * epoch (the signature is checked by its caller).
 */
import { FedError } from '@fedrisk/shared';

export interface TrainingSchedule {
  epochs: number;
  batches: number;
  /** the label holder: the only party whose loss is decrypted */
  bank: string;
}

export interface RequestGuard {
  /** throws PROTO_ERR_UNEXPECTED outside the schedule */
  inSchedule(from: string, what: string, epoch: number, batch: number): void;
  /** throws CRYPTO_ERR_SHARE_REFUSED for a request no honest party makes */
  request(from: string, what: 'gradient' | 'loss', epoch: number, batch: number, width: number): void;
  /** this party has sent its part of (epoch, batch): no honest request is for a later slot, whose residual cannot exist yet */
  reached(epoch: number, batch: number): void;
}

export function createRequestGuard(t: TrainingSchedule): RequestGuard {
  const widths = new Map<string, number>();
  let at = { epoch: 1, batch: 0 };
  const inSchedule = (from: string, what: string, epoch: number, batch: number): void => {
    if (!Number.isInteger(epoch) || !Number.isInteger(batch) || epoch < 1 || epoch > t.epochs || batch < 0 || batch >= t.batches)
      throw new FedError(
        'PROTO_ERR_UNEXPECTED',
        `${what} from ${from} for epoch ${epoch}, batch ${batch + 1}: training runs ${t.epochs} epochs of ${t.batches} batches`,
      );
  };
  return {
    inSchedule,
    request: (from, what, epoch, batch, width) => {
      inSchedule(from, 'train.request', epoch, batch);
      if (epoch > at.epoch || (epoch === at.epoch && batch > at.batch))
        throw new FedError(
          'CRYPTO_ERR_SHARE_REFUSED',
          `${from} asked for a share of epoch ${epoch}, batch ${batch + 1}, which this party has not reached (it is at epoch ${at.epoch}, batch ${at.batch + 1})`,
        );
      if (what === 'loss' && (from !== t.bank || batch !== 0))
        throw new FedError('CRYPTO_ERR_SHARE_REFUSED', `${from} asked for a share of the loss, which only the label holder decrypts, once per epoch`);
      if (what !== 'gradient') return;
      const pinned = widths.get(from);
      if (pinned !== undefined && pinned !== width)
        throw new FedError('CRYPTO_ERR_SHARE_REFUSED', `${from} changed its packing width from ${pinned} to ${width}`);
      widths.set(from, width);
    },
    reached: (epoch, batch) => {
      at = { epoch, batch };
    },
  };
}

/** A holder's check of the bank's end of an epoch (single-holder training), against what it has done itself. */
export interface EpochGuard {
  /** this party has taken its step for (epoch, batch) */
  finished(epoch: number, batch: number): void;
  /** throws unless `epoch` is the one it has just finished, training has not ended, and going on stays within the agreed epochs */
  accept(epoch: number, stop: boolean): void;
}

export function createEpochGuard(t: Pick<TrainingSchedule, 'epochs' | 'batches'>): EpochGuard {
  let last: { epoch: number; batch: number } | undefined;
  let ended = false;
  return {
    finished: (epoch, batch) => {
      last = { epoch, batch };
    },
    accept: (epoch, stop) => {
      if (ended || last?.epoch !== epoch || last.batch !== t.batches - 1)
        throw new FedError(
          'PROTO_ERR_UNEXPECTED',
          `train.epoch ${epoch} is not expected: this party ${ended ? 'has stopped' : `is in epoch ${last?.epoch ?? 1}`}`,
        );
      if (!stop && epoch >= t.epochs) throw new FedError('PROTO_ERR_UNEXPECTED', `train.epoch ${epoch} asks for more than the ${t.epochs} epochs agreed`);
      ended = stop;
    },
  };
}
