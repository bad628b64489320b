// DATABASE_URL for the PostgreSQL tests: required under CI (a missing one fails), else the tests skip with a reason.
import { randomBytes } from 'node:crypto';

export const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL && process.env.CI === 'true') throw new Error('DATABASE_URL is required when CI=true (PostgreSQL tests must not skip in CI)');
if (!DATABASE_URL) console.warn('skipping PostgreSQL audit tests: DATABASE_URL is not set');

/** A schema name no other test run uses. */
export const uniqueSchema = (what: string) => `${what}_${randomBytes(5).toString('hex')}`;
