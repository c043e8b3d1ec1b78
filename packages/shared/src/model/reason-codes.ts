/**
 * The one table of rejection reason codes: for every column of every role
 * with fixed columns (bank, tax, guarantor, power, social, logistics), a code
 * and a Chinese and English text for each direction the column can cost
 * points in, plus a generic code for any other column (real data), whose text
 * names the column. A party sends codes from this table only; the texts are
 * looked up where a notice is written.
 */
import type { Role } from '../wire/ids.ts';

/** Which way the applicant's own value lies from its party's population mean; a category is just unfavourable. */
export type ReasonDirection = 'high' | 'low' | 'category';

export interface ReasonText {
  code: string;
  zh: string;
  en: string;
}

type ColumnReasons = { high: ReasonText; low: ReasonText } | { category: ReasonText };

const t = (code: string, zh: string, en: string): ReasonText => ({ code, zh, en });
const both = (high: ReasonText, low: ReasonText): ColumnReasons => ({ high, low });

export const REASON_CODES: Record<Exclude<Role, 'holder'>, Record<string, ColumnReasons>> = {
  bank: {
    loan_balance: both(
      t('BANK_LOAN_BALANCE_HIGH', '贷款余额偏高', 'high outstanding loan balance'),
      t('BANK_LOAN_BALANCE_LOW', '贷款余额偏低', 'low outstanding loan balance'),
    ),
    max_overdue_days_12m: both(
      t('BANK_OVERDUE_LONG', '近12个月最长逾期天数偏长', 'long overdue spell in the last 12 months'),
      t('BANK_OVERDUE_SHORT', '近12个月最长逾期天数偏短', 'short overdue spells in the last 12 months'),
    ),
    avg_monthly_inflow: both(
      t('BANK_INFLOW_HIGH', '月均账户流入偏高', 'high average monthly account inflow'),
      t('BANK_INFLOW_LOW', '月均账户流入偏低', 'low average monthly account inflow'),
    ),
    credit_utilisation: both(
      t('BANK_UTILISATION_HIGH', '授信额度使用率偏高', 'high drawn share of the credit line'),
      t('BANK_UTILISATION_LOW', '授信额度使用率偏低', 'low drawn share of the credit line'),
    ),
    months_as_customer: both(
      t('BANK_TENURE_LONG', '与本行合作时间较长', 'long relationship with the bank'),
      t('BANK_TENURE_SHORT', '与本行合作时间较短', 'short relationship with the bank'),
    ),
  },
  tax: {
    annual_vat_paid: both(t('TAX_VAT_HIGH', '年缴增值税偏高', 'high VAT paid last year'), t('TAX_VAT_LOW', '年缴增值税偏低', 'low VAT paid last year')),
    invoice_count: both(
      t('TAX_INVOICES_HIGH', '年开具发票数量偏多', 'many VAT invoices issued last year'),
      t('TAX_INVOICES_LOW', '年开具发票数量偏少', 'few VAT invoices issued last year'),
    ),
    revenue_growth_yoy: both(
      t('TAX_GROWTH_HIGH', '营业收入同比增长偏高', 'high revenue growth year on year'),
      t('TAX_GROWTH_LOW', '营业收入同比增长偏低', 'low revenue growth year on year'),
    ),
    tax_credit_grade: { category: t('TAX_GRADE_LOW', '纳税信用等级偏低', 'low tax credit grade') },
    months_continuous_filing: both(
      t('TAX_FILING_LONG', '连续按期申报月数偏多', 'many months of continuous on-time tax filing'),
      t('TAX_FILING_SHORT', '连续按期申报月数偏少', 'few months of continuous on-time tax filing'),
    ),
  },
  guarantor: {
    guaranteed_amount: both(t('GUAR_AMOUNT_HIGH', '担保金额偏高', 'high guaranteed amount'), t('GUAR_AMOUNT_LOW', '担保金额偏低', 'low guaranteed amount')),
    past_compensation_count: both(
      t('GUAR_COMPENSATION_HIGH', '担保机构代偿次数偏多', 'guarantor paid out for the business more often than usual'),
      t('GUAR_COMPENSATION_LOW', '担保机构代偿次数偏少', 'guarantor paid out for the business less often than usual'),
    ),
    collateral_coverage_ratio: both(
      t('GUAR_COLLATERAL_HIGH', '反担保抵押覆盖率偏高', 'high collateral coverage of the guarantee'),
      t('GUAR_COLLATERAL_LOW', '反担保抵押覆盖率偏低', 'low collateral coverage of the guarantee'),
    ),
    currently_guaranteed: both(
      t('GUAR_ACTIVE_YES', '当前有在保担保', 'a guarantee is in force'),
      t('GUAR_ACTIVE_NO', '当前无在保担保', 'no guarantee in force'),
    ),
  },
  power: {
    monthly_kwh: both(
      t('POWER_USE_HIGH', '月均用电量偏高', 'high monthly electricity use'),
      t('POWER_USE_LOW', '月均用电量偏低', 'low monthly electricity use'),
    ),
    kwh_trend_3m: both(
      t('POWER_TREND_UP', '近3个月用电量上升', 'electricity use up over the last 3 months'),
      t('POWER_TREND_DOWN', '近3个月用电量下降', 'electricity use down over the last 3 months'),
    ),
    bill_arrears_12m: both(
      t('POWER_ARREARS_HIGH', '近12个月电费欠缴月数偏多', 'electricity bills overdue in more months than usual'),
      t('POWER_ARREARS_LOW', '近12个月电费欠缴月数偏少', 'electricity bills overdue in fewer months than usual'),
    ),
  },
  social: {
    insured_headcount: both(
      t('SOCIAL_HEADCOUNT_HIGH', '社保参保人数偏多', 'many insured employees'),
      t('SOCIAL_HEADCOUNT_LOW', '社保参保人数偏少', 'few insured employees'),
    ),
    headcount_change_mom: both(
      t('SOCIAL_HEADCOUNT_UP', '社保参保人数环比上升', 'insured headcount up from the month before'),
      t('SOCIAL_HEADCOUNT_DOWN', '社保参保人数环比下降', 'insured headcount down from the month before'),
    ),
    contribution_months_continuous: both(
      t('SOCIAL_CONTRIB_LONG', '连续足额缴纳社保月数偏多', 'many months of continuous, complete contributions'),
      t('SOCIAL_CONTRIB_SHORT', '连续足额缴纳社保月数偏少', 'few months of continuous, complete contributions'),
    ),
  },
  logistics: {
    monthly_shipments: both(
      t('LOGI_SHIPMENTS_HIGH', '月均发货量偏多', 'many shipments per month'),
      t('LOGI_SHIPMENTS_LOW', '月均发货量偏少', 'few shipments per month'),
    ),
    shipment_trend_3m: both(
      t('LOGI_TREND_UP', '近3个月发货量上升', 'shipments up over the last 3 months'),
      t('LOGI_TREND_DOWN', '近3个月发货量下降', 'shipments down over the last 3 months'),
    ),
    on_time_payment_ratio: both(
      t('LOGI_PAYMENT_HIGH', '运费按时支付比例偏高', 'high share of freight bills paid on time'),
      t('LOGI_PAYMENT_LOW', '运费按时支付比例偏低', 'low share of freight bills paid on time'),
    ),
  },
};

/** Any other column (real data): the text names the column ({column}). */
export const GENERIC_REASONS: Record<ReasonDirection, ReasonText> = {
  high: t('FEATURE_HIGH', '{column} 高于平均水平', '{column} above the average'),
  low: t('FEATURE_LOW', '{column} 低于平均水平', '{column} below the average'),
  category: t('FEATURE_CATEGORY', '{column} 的取值不利', 'unfavourable {column}'),
};

/** A reason that is not a factor: the policy could set no limit (the score passed the cut-off). */
export const NO_LIMIT_REASON: ReasonText = t('POLICY_NO_LIMIT', '无法核定授信额度（账户流入不足）', 'no credit limit can be set from the account inflow');

/** The code for a party's column and direction: the role's own entry, or the generic one. */
export function reasonCodeFor(role: Role, column: string, direction: ReasonDirection): string {
  return reasonTextFor(role, column, direction).code;
}

function reasonTextFor(role: Role, column: string, direction: ReasonDirection): ReasonText {
  const entry = role === 'holder' ? undefined : REASON_CODES[role][column];
  if (entry) {
    if ('category' in entry) return entry.category;
    if (direction !== 'category') return entry[direction];
  }
  return GENERIC_REASONS[direction];
}

const BY_CODE = new Map<string, ReasonText>(
  [
    ...Object.values(REASON_CODES).flatMap((cols) => Object.values(cols).flatMap((c) => Object.values(c))),
    ...Object.values(GENERIC_REASONS),
    NO_LIMIT_REASON,
  ].map((r) => [r.code, r]),
);

/** Whether a code is in the table (a party may send no other). */
export function isReasonCode(code: string): boolean {
  return BY_CODE.has(code);
}

/** A code's texts, with the column filled in for the generic ones. */
export function reasonText(code: string, column: string): { zh: string; en: string } {
  const r = BY_CODE.get(code);
  if (!r) return { zh: code, en: code };
  return { zh: r.zh.replace('{column}', column), en: r.en.replace('{column}', column) };
}
