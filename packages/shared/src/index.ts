/**
 * @fedrisk/shared: what the coordinator, the nodes and the runner share.
 *   util/    errors with codes, loggers, seeded RNG
 *   wire/    the protocol: messages per job kind, framing, knowledge ledger
 *   crypto/  CKKS, threshold CKKS, PSI, signatures and sealing, key custody
 *   data/    CSV reading, party tables, record ids
 *   model/   the split logistic-regression model, scorecard, training maths
 *   governance/ authorisations, audit trails and their checks, the regulator's rules
 *   config/  scenario and process configs, files between processes, events
 */
export * from './config/index.ts';
export * from './crypto/index.ts';
export * from './data/index.ts';
export * from './governance/index.ts';
export * from './model/index.ts';
export * from './util/index.ts';
export * from './wire/index.ts';
