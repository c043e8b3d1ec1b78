export * from './columns.ts';
export * from './csv.ts';
export * from './id-index.ts';
export * from './plain-csv.ts';
export * from './store.ts';
export * from './table.ts';
export * from './uscc.ts';
