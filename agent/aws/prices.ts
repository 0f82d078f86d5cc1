/**
 * On-demand hourly prices used for savings estimates. Built in: Linux on-demand in
 * us-east-1 (USD) for common types, as published by AWS; other regions and
 * negotiated rates differ, so `--prices FILE` overrides or extends the table.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';

export type PriceTable = Readonly<Record<string, number>>;

export const BUILTIN_PRICES: PriceTable = {
  't2.nano': 0.0058,
  't2.micro': 0.0116,
  't2.small': 0.023,
  't2.medium': 0.0464,
  't2.large': 0.0928,
  't2.xlarge': 0.1856,
  't3.nano': 0.0052,
  't3.micro': 0.0104,
  't3.small': 0.0208,
  't3.medium': 0.0416,
  't3.large': 0.0832,
  't3.xlarge': 0.1664,
  't3.2xlarge': 0.3328,
  't3a.micro': 0.0094,
  't3a.small': 0.0188,
  't3a.medium': 0.0376,
  't3a.large': 0.0752,
  't3a.xlarge': 0.1504,
  't4g.micro': 0.0084,
  't4g.small': 0.0168,
  't4g.medium': 0.0336,
  't4g.large': 0.0672,
  't4g.xlarge': 0.1344,
  'm5.large': 0.096,
  'm5.xlarge': 0.192,
  'm5.2xlarge': 0.384,
  'm5.4xlarge': 0.768,
  'm6i.large': 0.096,
  'm6i.xlarge': 0.192,
  'm6i.2xlarge': 0.384,
  'm6i.4xlarge': 0.768,
  'm6g.large': 0.077,
  'm6g.xlarge': 0.154,
  'm7i.large': 0.1008,
  'm7i.xlarge': 0.2016,
  'm7g.large': 0.0816,
  'm7g.xlarge': 0.1632,
  'c5.large': 0.085,
  'c5.xlarge': 0.17,
  'c5.2xlarge': 0.34,
  'c6i.large': 0.085,
  'c6i.xlarge': 0.17,
  'c6i.2xlarge': 0.34,
  'c6g.large': 0.068,
  'c7i.large': 0.08925,
  'c7g.large': 0.0725,
  'r5.large': 0.126,
  'r5.xlarge': 0.252,
  'r6i.large': 0.126,
  'r6i.xlarge': 0.252,
  'r6g.large': 0.1008,
  'r7g.large': 0.1071,
  'g4dn.xlarge': 0.526,
  'g4dn.2xlarge': 0.752,
  'g4dn.4xlarge': 1.204,
  'g5.xlarge': 1.006,
  'g5.2xlarge': 1.212,
  'g5.4xlarge': 1.624,
  'g6.xlarge': 0.8048,
  'g6.2xlarge': 0.9776,
  'p3.2xlarge': 3.06,
  'p3.8xlarge': 12.24,
  'p4d.24xlarge': 32.7726,
  'inf2.xlarge': 0.7582,
};

const priceFileSchema = z.record(z.string().check(z.minLength(1), z.maxLength(64)), z.number().check(z.gte(0), z.lte(10_000)));

export class PriceFileError extends Error {
  override name = 'PriceFileError';
}

/** `{ "t3.micro": 0.0104, ... }` in USD per hour; merged over the built-in table. */
export function loadPrices(file: string): PriceTable {
  return { ...BUILTIN_PRICES, ...readPriceFile(file) };
}

/** The file's own entries, validated. */
export function readPriceFile(file: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PriceFileError(`prices file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const r = priceFileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.length ? `"${issue.path.join('.')}"` : 'the file';
    throw new PriceFileError(`prices file ${file}: ${where} must map instance types to hourly USD prices (numbers, 0 to 10000)`);
  }
  return r.data;
}
