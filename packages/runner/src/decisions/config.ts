/**
 * What a scoring job's parties are told about decisions: the recipient gets
 * the scenario's credit policy with its limit column resolved (it decides
 * itself); every party gets the reasons settings (the recipient: at least
 * this many per rejected applicant; a holder: at most this many codes) and the
 * scorecard's points per unit of logit, to price its columns in points.
 */
import { type PolicyConfig, type ReasonsConfig, type Scenario, SYNTHETIC_LIMIT_COLUMN, scorecardMapping } from '@fedrisk/shared';

/** The limit column the policy uses: the scenario's, or for synthetic data the bank's average monthly inflow. */
export function limitColumnOf(scenario: Scenario): string | undefined {
  return scenario.policy.limit.column ?? (scenario.data.kind === 'synthetic' ? SYNTHETIC_LIMIT_COLUMN : undefined);
}

export function decisionConfigs(scenario: Scenario): { policy: PolicyConfig; reasons: ReasonsConfig } {
  const column = limitColumnOf(scenario);
  const { column: _unset, ...limit } = scenario.policy.limit;
  return {
    policy: { ...scenario.policy, limit: { ...limit, ...(column === undefined ? {} : { column }) } },
    reasons: {
      count: scenario.policy.reasons.min,
      bandPoints: scenario.policy.reasons.bandPoints,
      pointsPerLogit: scorecardMapping(scenario.scorecard).factor,
      refine: scenario.policy.reasons.refine,
    },
  };
}
