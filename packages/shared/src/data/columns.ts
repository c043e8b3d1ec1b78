/** The columns each role's file holds (synthetic data), and how a party's file is described. */
import { z } from 'zod';
import { FedError } from '../util/errors.ts';
import type { IdFormat, Role } from '../wire/ids.ts';

const TAX_GRADES = ['A', 'B', 'C', 'D', 'M'];

export const columnSpecSchema = z
  .object({
    name: z.string().min(1),
    kind: z.enum(['number', 'integer', 'category']),
    min: z.number().optional(),
    max: z.number().optional(),
    categories: z.array(z.string()).optional(),
    description: z.string().default(''),
  })
  .strict();
export type ColumnSpec = z.infer<typeof columnSpecSchema>;

export const ROLE_COLUMNS: Record<Exclude<Role, 'holder'>, readonly ColumnSpec[]> = {
  bank: [
    { name: 'loan_balance', kind: 'number', min: 0, description: 'outstanding loan balance, CNY' },
    { name: 'max_overdue_days_12m', kind: 'integer', min: 0, max: 366, description: 'longest overdue spell in the last 12 months, days' },
    { name: 'avg_monthly_inflow', kind: 'number', min: 0, description: 'average monthly inflow to the business accounts, CNY' },
    { name: 'credit_utilisation', kind: 'number', min: 0, max: 1, description: 'drawn share of the credit line' },
    { name: 'months_as_customer', kind: 'integer', min: 0, max: 1200, description: 'months since the business became a customer' },
  ],
  tax: [
    { name: 'annual_vat_paid', kind: 'number', min: 0, description: 'VAT paid in the last year, CNY' },
    { name: 'invoice_count', kind: 'integer', min: 0, description: 'VAT invoices issued in the last year' },
    { name: 'revenue_growth_yoy', kind: 'number', min: -1, max: 100, description: 'revenue growth year on year, ratio' },
    { name: 'tax_credit_grade', kind: 'category', categories: TAX_GRADES, description: 'tax credit grade (A best, D worst, M new)' },
    { name: 'months_continuous_filing', kind: 'integer', min: 0, max: 1200, description: 'months of continuous, on-time filing' },
  ],
  guarantor: [
    { name: 'guaranteed_amount', kind: 'number', min: 0, description: 'amount currently or last guaranteed, CNY' },
    { name: 'past_compensation_count', kind: 'integer', min: 0, max: 1000, description: 'default payouts the guarantor made for the business' },
    { name: 'collateral_coverage_ratio', kind: 'number', min: 0, max: 100, description: 'collateral value over guaranteed amount' },
    { name: 'currently_guaranteed', kind: 'integer', min: 0, max: 1, description: '1 if a guarantee is in force' },
  ],
  power: [
    { name: 'monthly_kwh', kind: 'number', min: 0, description: 'average monthly electricity use over the last 12 months, kWh' },
    { name: 'kwh_trend_3m', kind: 'number', min: -1, max: 100, description: "last 3 months' use over the 3 months before, minus 1" },
    { name: 'bill_arrears_12m', kind: 'integer', min: 0, max: 12, description: 'months with an overdue electricity bill in the last 12' },
  ],
  social: [
    { name: 'insured_headcount', kind: 'integer', min: 0, description: 'employees with social insurance paid by the business' },
    { name: 'headcount_change_mom', kind: 'number', min: -1, max: 100, description: 'month-on-month change of the insured headcount, ratio' },
    { name: 'contribution_months_continuous', kind: 'integer', min: 0, max: 1200, description: 'months of continuous, complete contributions' },
  ],
  logistics: [
    { name: 'monthly_shipments', kind: 'integer', min: 0, description: 'shipments booked on the platform per month' },
    { name: 'shipment_trend_3m', kind: 'number', min: -1, max: 100, description: "last 3 months' shipments over the 3 months before, minus 1" },
    { name: 'on_time_payment_ratio', kind: 'number', min: 0, max: 1, description: 'share of freight bills paid on time' },
  ],
};

/** How a party's records are stored: a CSV file, a Parquet file, or a DuckDB database (table `records`). */
export const dataFormatSchema = z.enum(['csv', 'parquet', 'duckdb']);
export type DataFormat = z.infer<typeof dataFormatSchema>;

/** What a party's file holds: its role's fixed columns (synthetic data) or the columns its scenario gives it. */
export interface TableSchema {
  columns: readonly ColumnSpec[];
  idFormat: IdFormat;
}

export function roleSchemaOf(role: Role): TableSchema {
  if (role === 'holder') throw new FedError('CONFIG_ERR_INVALID', 'a holder has no fixed columns: its scenario lists them');
  return { columns: ROLE_COLUMNS[role], idFormat: 'uscc' };
}
