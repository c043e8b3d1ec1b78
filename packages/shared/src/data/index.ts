export * from './columns.ts';
export * from './csv.ts';
export * from './table.ts';
export * from './uscc.ts';
