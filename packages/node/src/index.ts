export { createNode, type FaultPoint, type NodeOptions, type NodeOutcome, type PartyNode, type ScoredBusiness } from './party-node.ts';
