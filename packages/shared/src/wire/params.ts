/** Parameters a job carries on the wire: CKKS settings and training hyper-parameters. */
import { z } from 'zod';

export const ckksParamsSchema = z
  .object({
    polyModulusDegree: z.union([z.literal(4096), z.literal(8192), z.literal(16384), z.literal(32768)]),
    coeffModulusBits: z.array(z.number().int().min(20).max(60)).min(2).max(16),
    scaleBits: z.number().int().min(20).max(120),
    compression: z.enum(['none', 'zstd']),
  })
  .strict();
export type CkksParams = z.infer<typeof ckksParamsSchema>;

export const trainingParamsSchema = z
  .object({
    learningRate: z.number().positive().max(100).default(0.3),
    l2: z.number().min(0).max(10).default(0.001),
    /** rows per mini-batch; a batch is one ciphertext, so at most the slot count */
    batchSize: z.number().int().min(16).default(4096),
    epochs: z.number().int().min(1).max(1000).default(20),
    /** stop when the loss improved by less than minDelta for `patience` epochs in a row */
    earlyStopping: z
      .object({ patience: z.number().int().min(1).default(2), minDelta: z.number().min(0).default(1e-4) })
      .strict()
      .default({ patience: 2, minDelta: 1e-4 }),
    /** share of the recipient's labelled records kept out of training, to test on */
    testShare: z.number().gt(0).lt(1).default(0.33),
    /**
     * threshold keys only: differential privacy for the labels against each holder. Each holder clips its rows
     * to L2 norm `clip`; the other parties add Gaussian noise to its gradient, calibrated to (epsilon, delta) over `epochs`
     */
    dp: z
      .object({ epsilon: z.number().positive().max(100), delta: z.number().gt(0).lt(0.1), clip: z.number().positive().max(1000) })
      .strict()
      .optional(),
  })
  .strict();
export type TrainingParams = z.infer<typeof trainingParamsSchema>;

/**
 * The Paillier design's parameters: the modulus size (2048 bits, as FATE's hetero-LR uses it, or more),
 * and how many slots it encrypts: Paillier encrypts one value per ciphertext, so a large job runs on the
 * first `sample` slots and the report extrapolates its time and bytes to every slot, saying so.
 */
export const paillierParamsSchema = z
  .object({
    keyBits: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(2048),
    sample: z.number().int().min(1).max(1_000_000).default(32),
  })
  .strict();
export type PaillierParams = z.infer<typeof paillierParamsSchema>;
export const DEFAULT_PAILLIER: PaillierParams = { keyBits: 2048, sample: 32 };
